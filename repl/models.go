package repl

import (
	"fmt"
	"strconv"

	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// The model kinds of `train <name> <kind>` are the kinds of kdlib/model's
// registry (model.RegisterKind, one file per model) that have something to
// train: their docs and options (types, defaults, ranges) become the
// parser's, the help's and the completer's, and model.Build constructs
// them. A model added to kdlib/model appears here without a change.
func init() {
	for _, name := range model.Kinds() {
		k, err := model.LookupKind(name)
		if err != nil || k.NoTraining {
			continue
		}
		registerModel(k.Name, ModelSpecOf(k))
	}
}

// ModelSpecOf returns the registry entry of a model kind of kdlib/model:
// its options as the shell's, and a constructor that calls model.Build on
// the environment's index spaces, training data and seed.
func ModelSpecOf(k model.Kind) ModelSpec {
	opts := make([]Option, len(k.Options))
	for j, o := range k.Options {
		opts[j] = shellOption(o)
	}
	return ModelSpec{
		Doc:     k.Doc,
		Options: opts,
		New: func(env ModelEnv, v Values) (*ModelBuild, error) {
			c := model.BuildConfig{Kind: k.Name, Users: env.Users, Items: env.Items, Seed: env.Seed, Options: model.Values{}}
			for _, o := range k.Options {
				if o.Type == model.OptionInt {
					c.Options[o.Name] = float64(v.Int(o.Name))
				} else {
					c.Options[o.Name] = v.Float(o.Name)
				}
			}
			b, err := model.Build(c, env.Train)
			if err != nil {
				return nil, err
			}
			m, ok := b.Model.(Recommender)
			if !ok {
				return nil, fmt.Errorf("%s: the model has no trainable parameters (not a train.Model)", k.Name)
			}
			var loss []train.Term
			if b.Loss != nil {
				loss = []train.Term{b.Loss}
			}
			return &ModelBuild{Model: m, Loss: loss, Examples: b.Examples}, nil
		},
	}
}

// shellOption returns the shell's form of a model option.
func shellOption(o model.Option) Option {
	if o.Type == model.OptionInt {
		return Option{Name: o.Name, Kind: KindInt, Default: strconv.Itoa(int(o.Default)), Min: o.Min, Max: o.Max, Doc: o.Doc}
	}
	return Option{Name: o.Name, Kind: KindFloat, Default: formatFloat(o.Default), Min: o.Min, Max: o.Max,
		ExclusiveMin: o.ExclusiveMin, Doc: o.Doc}
}

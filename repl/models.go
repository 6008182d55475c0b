package repl

import (
	"fmt"
	"strconv"

	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/model"
)

// The model kinds of `train <name> <kind>` are the kinds of kdlib/model's
// registry (model.RegisterKind, one file per model) that have something to
// train, read when they are asked for: their docs and options (types,
// defaults, ranges) become the parser's, the help's and the completer's,
// and a train line names the kind in the exp.ModelSpec of its run
// (studentSpec), which model.Build constructs. A model added to kdlib/model
// appears here without a change, whenever its package is initialised.

// shellModels returns the kinds of the registry that a shell trains.
func shellModels() map[string]ModelSpec {
	out := map[string]ModelSpec{}
	for _, name := range model.Kinds() {
		k, err := model.LookupKind(name)
		if err != nil || k.NoTraining {
			continue
		}
		out[k.Name] = ModelSpecOf(k)
	}
	return out
}

// ModelSpecOf returns the shell's view of a model kind of kdlib/model: its
// doc and its options as the shell's.
func ModelSpecOf(k model.Kind) ModelSpec {
	opts := make([]Option, len(k.Options))
	for j, o := range k.Options {
		opts[j] = shellOption(o)
	}
	return ModelSpec{Doc: k.Doc, Options: opts}
}

// shellOption returns the shell's form of a model option.
func shellOption(o model.Option) Option {
	if o.Type == model.OptionInt {
		return Option{Name: o.Name, Kind: KindInt, Default: strconv.Itoa(int(o.Default)), Min: o.Min, Max: o.Max, Doc: o.Doc}
	}
	return Option{Name: o.Name, Kind: KindFloat, Default: formatFloat(o.Default), Min: o.Min, Max: o.Max,
		ExclusiveMin: o.ExclusiveMin, Doc: o.Doc}
}

// studentSpec returns the exp.ModelSpec of `train <name> <kind> …`: the
// kind's size option (dim; hidden for the autoencoders) as Dim, its other
// options given on the line as Params (those not given take the kind's
// defaults, as the shell's do), and the optimiser options lr, wd, batch and
// lazy-adam.
func studentSpec(kind string, v Values) (exp.ModelSpec, error) {
	k, err := model.LookupKind(kind)
	if err != nil {
		return exp.ModelSpec{}, err
	}
	wd := v.Float("wd")
	m := exp.ModelSpec{Kind: k.Name, LR: v.Float("lr"), WeightDecay: &wd, BatchSize: v.Int("batch"), LazyAdam: v.Bool("lazy-adam")}
	size := k.SizeOption()
	params := exp.Options{}
	for _, o := range k.Options {
		var x float64
		if o.Type == model.OptionInt {
			x = float64(v.Int(o.Name))
		} else {
			x = v.Float(o.Name)
		}
		switch {
		case o.Name == size:
			if x != float64(int(x)) {
				return exp.ModelSpec{}, fmt.Errorf("%s=%v: the size must be an integer", o.Name, x)
			}
			m.Dim = int(x)
		case v.Given(o.Name):
			params[o.Name] = x
		}
	}
	if len(params) > 0 {
		m.Params = params
	}
	return m, nil
}

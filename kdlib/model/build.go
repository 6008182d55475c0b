package model

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/train"
)

// Recommender is a model of the zoo as the trainer, the evaluation and the
// checkpoints see it: it scores items and can be saved.
type Recommender interface {
	Scorer
	Checkpointable
}

// BuildConfig names a model kind of the zoo and its hyper-parameters, for
// Build. Fields a kind does not use are ignored; zero fields select the
// reference defaults documented on each kind's config type.
type BuildConfig struct {
	// Kind is one of BuildKinds: "bpr", "neumf", "mlp", "cml", "lightgcn",
	// "cdae", "iae" (also spelt "item-ae").
	Kind string
	// Users and Items give the index spaces.
	Users, Items int
	// Dim is the embedding size d (bpr, neumf, mlp, cml, lightgcn) or the
	// code size H of the autoencoders (cdae, iae).
	Dim int
	// Layers is the number of MLP-tower layers (neumf, mlp) or of
	// propagation layers (lightgcn).
	Layers int
	// Margin is CML's hinge margin.
	Margin float64
	// Reg is LightGCN's layer-0 L2 weight.
	Reg float64
	// Dropout is the autoencoders' input corruption probability.
	Dropout float64
	// InitStd is the standard deviation of the embedding initialisation
	// (bpr, neumf, mlp, cml, lightgcn, and the autoencoders' per-entity
	// embedding).
	InitStd float64
	// Seed drives the initialisation.
	Seed uint64
}

// Built is a freshly built, untrained model with what the trainer needs.
type Built struct {
	// Model is the model.
	Model Recommender
	// Loss is the model's base loss term.
	Loss train.Term
	// Examples is what one training example is: pairwise triples, or whole
	// users for the autoencoders.
	Examples train.Examples
}

// buildKinds are the kinds Build knows, in the order of the zoo.
var buildKinds = []string{"bpr", "neumf", "mlp", "cml", "lightgcn", "cdae", "iae"}

// BuildKinds returns the model kinds Build constructs (aliases excluded).
func BuildKinds() []string { return slices.Clone(buildKinds) }

// CanonicalKind returns the kind name Build and the checkpoints use for
// kind: "item-ae" (the HetComp specs' spelling) is "iae"; other names are
// returned unchanged.
func CanonicalKind(kind string) string {
	if kind == "item-ae" {
		return "iae"
	}
	return kind
}

// Build constructs an untrained model of any kind of the zoo with its base
// loss. x is the training data: LightGCN propagates over it and the
// autoencoders encode its rows (other kinds ignore it; it may then be nil).
// It is the one place where the REPL and the experiment runners turn a
// kind name and hyper-parameters into a model.
func Build(c BuildConfig, x *data.Interactions) (*Built, error) {
	one := func(m Recommender, loss train.Term, ex train.Examples, err error) (*Built, error) {
		if err != nil {
			return nil, err
		}
		return &Built{Model: m, Loss: loss, Examples: ex}, nil
	}
	switch CanonicalKind(c.Kind) {
	case "bpr":
		m, err := NewBPR(BPRConfig{Users: c.Users, Items: c.Items, Dim: c.Dim, InitStd: c.InitStd, Seed: c.Seed})
		if err != nil {
			return nil, err
		}
		return one(m, m.Loss(), train.Pairwise, nil)
	case "neumf", "mlp":
		nc := NCFConfig{Users: c.Users, Items: c.Items, Dim: c.Dim, Layers: c.Layers, InitStd: c.InitStd, Seed: c.Seed}
		if c.Kind == "neumf" {
			m, err := NewNeuMF(nc)
			if err != nil {
				return nil, err
			}
			return one(m, m.Loss(), train.Pairwise, nil)
		}
		m, err := NewMLP(nc)
		if err != nil {
			return nil, err
		}
		return one(m, m.Loss(), train.Pairwise, nil)
	case "cml":
		m, err := NewCML(CMLConfig{Users: c.Users, Items: c.Items, Dim: c.Dim, Margin: c.Margin, InitStd: c.InitStd, Seed: c.Seed})
		if err != nil {
			return nil, err
		}
		return one(m, m.Loss(), train.Pairwise, nil)
	case "lightgcn":
		m, err := NewLightGCN(LightGCNConfig{Users: c.Users, Items: c.Items, Dim: c.Dim, Layers: c.Layers, Reg: c.Reg,
			InitStd: c.InitStd, Seed: c.Seed}, x)
		if err != nil {
			return nil, err
		}
		return one(m, m.Loss(), train.Pairwise, nil)
	case "cdae", "iae":
		ac := CDAEConfig{Users: c.Users, Items: c.Items, Hidden: c.Dim, Dropout: c.Dropout, InitStd: c.InitStd, Seed: c.Seed}
		if CanonicalKind(c.Kind) == "iae" {
			m, err := NewItemAE(ac, x)
			if err != nil {
				return nil, err
			}
			return one(m, m.Loss(), train.UserWise, nil)
		}
		m, err := NewCDAE(ac, x)
		if err != nil {
			return nil, err
		}
		return one(m, m.Loss(), train.UserWise, nil)
	}
	return nil, fmt.Errorf("model: unknown kind %q (want one of %s)", c.Kind, strings.Join(buildKinds, ", "))
}

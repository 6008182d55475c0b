package model

import (
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/train"
)

// Recommender is a model of the zoo as the trainer, the evaluation and the
// checkpoints see it: it scores items and can be saved.
type Recommender interface {
	Scorer
	Checkpointable
}

// BuildConfig names a registered model kind and its hyper-parameters, for
// Build.
type BuildConfig struct {
	// Kind is the name or an alias of a registered kind (Kinds lists them).
	Kind string
	// Users and Items give the index spaces.
	Users, Items int
	// Options holds the values of the kind's options (Kind.Options) by
	// name; options left out take their defaults.
	Options Values
	// Seed drives the initialisation.
	Seed uint64
}

// Built is a freshly built, untrained model with what the trainer needs.
type Built struct {
	// Model is the model.
	Model Recommender
	// Loss is the model's base loss term (nil for kinds with nothing to
	// train, see Kind.NoTraining).
	Loss train.Term
	// Examples is what one training example is: pairwise triples, or whole
	// users for the autoencoders.
	Examples train.Examples
	// Train holds the kind's reference training settings
	// (Kind.TrainDefaults).
	Train train.Config
}

// Build constructs an untrained model of a registered kind with its base
// loss. x is the training data: LightGCN propagates over it, the
// autoencoders encode its rows and Pop counts it (other kinds ignore it;
// it may then be nil). The options are checked against the kind's ranges,
// and the kind's Build function receives all of them, defaults filled in.
// It is the one place where the REPL, the experiment runners and HetComp
// turn a kind name and hyper-parameters into a model.
func Build(c BuildConfig, x *data.Interactions) (*Built, error) {
	k, err := LookupKind(c.Kind)
	if err != nil {
		return nil, err
	}
	if c.Options, err = k.Resolve(c.Options); err != nil {
		return nil, err
	}
	c.Kind = k.Name
	b, err := k.Build(c, x)
	if err != nil {
		return nil, err
	}
	b.Train = k.TrainDefaults()
	return b, nil
}

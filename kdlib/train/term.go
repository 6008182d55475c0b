// Package train is kdrec's training loop: epochs of shuffled mini-batches,
// losses composed of terms (the model's own base loss first, then any number
// of distillation terms), Adam with coupled L2, evaluation every k epochs,
// early stopping, progress hooks and cancellation through context.Context.
//
// The loop knows nothing about how progress is drawn or how a model is
// evaluated: both are functions the caller passes in Config.
package train

import (
	"math/rand/v2"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/nn"
)

// Model is what the trainer optimises: a set of parameters. A model whose
// representations are computed from its parameters (LightGCN) also
// implements Forwarder.
type Model interface {
	Params() []*nn.Param
}

// Forwarder is implemented by models that must compute something before the
// terms of a batch read their representations and propagate gradients after
// (for LightGCN: graph propagation forward, and its transpose backward).
type Forwarder interface {
	Forward(b *Batch) error
	Backward(b *Batch) error
}

// Term is one additive part of a training loss: a model's base loss or a
// distillation term. At every batch it adds the gradient of its (weighted)
// loss into the parameters it depends on and returns the loss value. A
// term that carries state from one epoch to the next, beyond its
// parameters, implements Stateful too, so that a run resumed from a
// checkpoint (Config.Checkpoint) trains as it would have.
type Term interface {
	// Name identifies the term in logs and errors ("bpr", "de", "rrd").
	Name() string
	// BeginEpoch is called before the first batch of every epoch, for
	// resampling and annealing.
	BeginEpoch(e *Epoch) error
	// Batch adds the term's gradients for the batch and returns its loss
	// (already multiplied by the term's weight).
	Batch(b *Batch) float64
	// Params returns the term's own trainable parameters (nil if none);
	// they are optimised together with the model's.
	Params() []*nn.Param
}

// Epoch describes the epoch about to start.
type Epoch struct {
	// Index is the 0-based epoch number.
	Index int
	// MaxEpochs is the configured maximum (annealing schedules use it).
	MaxEpochs int
	// Train is the training data.
	Train *data.Interactions
	// Rand is a generator private to this epoch and term, seeded from the
	// run's seed, the epoch and the term's position.
	Rand *rand.Rand
}

// Batch is one mini-batch. For pairwise training (the default) Users, Pos
// and Neg are parallel slices of training triples (u, i, j): i a training
// positive of u, j a sampled item u did not interact with. For user-wise
// training (autoencoders) only Users is set.
type Batch struct {
	// Epoch and Index locate the batch (both 0-based).
	Epoch, Index int
	// Users, Pos and Neg hold the triples of the batch.
	Users, Pos, Neg []int32
	// Train is the training data.
	Train *data.Interactions
	// Rand is a generator private to this batch, for terms that sample per batch.
	Rand *rand.Rand

	uniqUsers, uniqItems []int32
}

// UniqueUsers returns the distinct users of the batch in order of first
// appearance. The result is computed once per batch and shared.
func (b *Batch) UniqueUsers() []int32 {
	if b.uniqUsers == nil {
		b.uniqUsers = unique(b.Users, nil)
	}
	return b.uniqUsers
}

// UniqueItems returns the distinct items of Pos followed by Neg, in order of
// first appearance.
func (b *Batch) UniqueItems() []int32 {
	if b.uniqItems == nil {
		b.uniqItems = unique(b.Neg, unique(b.Pos, nil))
	}
	return b.uniqItems
}

// unique appends to dst the values of src not yet in dst, in order.
func unique(src, dst []int32) []int32 {
	seen := make(map[int32]struct{}, len(src)+len(dst))
	for _, x := range dst {
		seen[x] = struct{}{}
	}
	if dst == nil {
		dst = make([]int32, 0, len(src))
	}
	for _, x := range src {
		if _, ok := seen[x]; !ok {
			seen[x] = struct{}{}
			dst = append(dst, x)
		}
	}
	return dst
}

// Package model holds the base recommenders of kdrec — the teachers and
// students that distillation connects — and the interfaces through which the
// trainer, the evaluation protocols and the distillation terms use them.
package model

import "fmt"

// Scorer is implemented by every recommender: it scores a user against a
// given list of items or against the whole catalogue. Higher scores rank
// first; models that rank by distance (CML) return negative distances.
//
// Implementations must be safe for concurrent use by several goroutines
// while no training step runs.
type Scorer interface {
	// NumUsers and NumItems give the index spaces the model was built for.
	NumUsers() int
	NumItems() int
	// ScoreItems writes the score of user u for items[k] into out[k].
	ScoreItems(u int, items []int32, out []float32)
	// ScoreAll writes the score of user u for every item i into out[i];
	// len(out) must be NumItems().
	ScoreAll(u int, out []float32)
}

// Embedder is implemented by models that expose user and item
// representations, the knowledge that latent distillation transfers.
type Embedder interface {
	// Dim returns the dimension of the representations.
	Dim() int
	// UserVecs writes the representations of users into out, row after row
	// (len(out) == len(users)·Dim()).
	UserVecs(users []int32, out []float32)
	// ItemVecs writes the representations of items into out, row after row.
	ItemVecs(items []int32, out []float32)
}

// ScoreForm names how the scores of a Factorized model follow from the
// representations its Embedder methods return: p_u for a user, q_i for an
// item, both Dim() wide.
type ScoreForm string

// Score forms of Factorized models.
const (
	// DotScore is s(u, i) = p_u·q_i (BPR-MF, LightGCN).
	DotScore ScoreForm = "dot"
	// DotBiasScore is s(u, i) = p_u·q_i + b_u + c_i, with the biases of
	// Factorized.Biases (a missing side is zero): CDAE has item biases,
	// ItemAE user biases.
	DotBiasScore ScoreForm = "dot+bias"
	// NegSqDistScore is s(u, i) = −‖p_u − q_i‖² (CML, whose
	// representations are its max-norm-rescaled embeddings).
	NegSqDistScore ScoreForm = "neg-sq-dist"
)

// ScoreForms lists the score forms, in the order of their declaration.
func ScoreForms() []ScoreForm { return []ScoreForm{DotScore, DotBiasScore, NegSqDistScore} }

// ParseScoreForm returns the score form named s.
func ParseScoreForm(s string) (ScoreForm, error) {
	for _, f := range ScoreForms() {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown score form %q; want one of dot, dot+bias, neg-sq-dist", s)
}

// Factorized is implemented by models whose every score is a fixed
// function, ScoreForm, of the representations UserVecs and ItemVecs return
// (and, for DotBiasScore, of the biases Biases returns): such a model is
// described completely by those matrices, which kdlib/interop exports and
// NewFactors turns back into a model. Models that score through a network
// (NeuMF, MLP) or without representations (Pop) do not implement it.
type Factorized interface {
	Embedder
	// ScoreForm says how scores follow from the representations.
	ScoreForm() ScoreForm
	// Biases returns the per-user and per-item biases of DotBiasScore
	// (either may be nil: zero), as read-only views; nil, nil for the
	// other forms.
	Biases() (user, item []float32)
}

// Representer is implemented by student models whose user and item
// representations take gradients from latent distillation terms (hint,
// DE, PHR, FTD, HTD). Rep returns the current representation (read-only);
// RepGrad returns the accumulator into which a term adds ∂L/∂rep. For
// models whose representation is a computed quantity (LightGCN) the model
// propagates these gradients into its parameters in train.Forwarder.Backward.
type Representer interface {
	Embedder
	UserRep(u int32) []float32
	ItemRep(i int32) []float32
	UserRepGrad(u int32) []float32
	ItemRepGrad(i int32) []float32
}

// PairScorer is implemented by student models trained by ranking
// distillation (RD, CD, RRD, IR-RRD, DCD, HetComp): they score arbitrary
// (user, item) pairs and back-propagate gradients given on those scores.
type PairScorer interface {
	// ScorePairs writes s(users[k], items[k]) into out[k].
	ScorePairs(users, items []int32, out []float32)
	// AddScoreGrad adds Σ_k g[k]·∂s(users[k], items[k])/∂θ into the
	// gradients of the model's parameters.
	AddScoreGrad(users, items []int32, g []float32)
}

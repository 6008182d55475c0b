// Package model holds the base recommenders of kdrec — the teachers and
// students that distillation connects — and the interfaces through which the
// trainer, the evaluation protocols and the distillation terms use them.
package model

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

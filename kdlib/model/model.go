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

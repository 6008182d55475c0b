// Package topk selects the k best scores of a vector: the top-K selection
// of full-ranking evaluation (package eval, which exports it as eval.TopK
// and eval.TopKFunc) and of the teachers' ranking lists of the
// distillation methods (package distill). It sits below both, so that
// distill does not depend on the evaluation package.
//
// Scores are ordered by descending value, equal scores by ascending index,
// and NaN ranks like −Inf (RankKey), so a selection is a pure function of
// the scores and a model that produces NaN never places that item above a
// finite score.
package topk

// RankKey maps a score to the value it is ranked by: NaN ranks like −Inf.
// TopK and TopKFunc rank by it, and so must every other ranking that has to
// agree with them (eval's sampled leave-one-out ranks).
func RankKey(v float32) float32 { return rankKey(v) }

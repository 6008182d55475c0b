package eval

import "github.com/kdrec/kdrec/kdlib/internal/topk"

// TopK writes into out, best first, the indices of the k highest scores,
// skipping the indices listed in exclude, and returns out[:n] with
// n = min(k, number of indices not excluded).
//
// The order is by descending score; equal scores are ordered by ascending
// index, so the result is a pure function of the scores. NaN ranks like −Inf.
//
// exclude must be sorted ascending; duplicates and indices outside
// [0, len(scores)) are ignored. out is reused when cap(out) ≥ k and
// allocated otherwise; TopK allocates nothing else in steady state (its
// candidate buffer is pooled).
//
// The selection is a single pass over scores that keeps the candidates
// above a rising threshold, compared with it several scores at a time, so
// it costs O(len(scores) + k·log(len(scores)/k)) in expectation for scores
// in random order, not the O(m log m) of a full sort. It is the selection
// of package internal/topk, which distillation methods use directly.
func TopK(scores []float32, k int, exclude []int32, out []int32) []int32 {
	return topk.TopK(scores, k, exclude, out)
}

// TopKFunc is TopK with the excluded indices given by a predicate: index i is
// skipped when skip(i) is true. skip may be nil. It is asked about the first
// k indices and then only about indices whose score beats the selection's
// current threshold (topk.TopKFunc), so a costly predicate is called far
// fewer than len(scores) times.
func TopKFunc(scores []float32, k int, skip func(i int32) bool, out []int32) []int32 {
	return topk.TopKFunc(scores, k, skip, out)
}

// rankKey maps a score to the value it is ranked by (topk.RankKey: NaN
// ranks like −Inf), so the sampled leave-one-out ranks agree with TopK.
func rankKey(v float32) float32 { return topk.RankKey(v) }

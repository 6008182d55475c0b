package topk

import (
	"math"
	"slices"
	"sync"

	"github.com/kdrec/kdrec/kdlib/internal/simd"
)

// rankKey maps a score to the value it is ranked by: NaN ranks like −Inf, so
// a model that produces NaN can never place that item above a finite score.
func rankKey(v float32) float32 {
	if v != v {
		return float32(math.Inf(-1))
	}
	return v
}

// TopK writes into out, best first, the indices of the k highest scores,
// skipping the indices listed in exclude, and returns out[:n] with
// n = min(k, number of indices not excluded).
//
// The order is by descending score; equal scores are ordered by ascending
// index, so the result is a pure function of the scores. NaN ranks like −Inf.
//
// exclude must be sorted ascending; duplicates and indices outside
// [0, len(scores)) are ignored. out is reused when cap(out) ≥ k and
// allocated otherwise; TopK allocates nothing else in steady state.
//
// The selection is a single pass over scores that collects candidates in a
// buffer of a few times k entries. The worst of the first k items is a
// threshold: a later item is a candidate only if its score is strictly
// greater (every later item has a larger index, so it loses a tie), and the
// scan for such items compares 32 scores per step (simd.IndexAbove). When
// the buffer is full it is cut back to its best k (a quickselect) and the
// k-th best becomes the threshold. For scores in random
// order about k·ln(len(scores)/k) items pass the threshold, so the cost is
// one vector comparison per 32 scores plus O(k·log(len(scores)/k)), not the
// O(m log m) of a full sort, and no heap is maintained per candidate.
func TopK(scores []float32, k int, exclude []int32, out []int32) []int32 {
	sel, ok := newSelector(scores, k)
	if !ok {
		return out[:0]
	}
	n := len(scores)
	pos := 0
	for _, e := range exclude {
		end := int(e)
		if end < pos {
			continue
		}
		if end > n {
			end = n
		}
		sel.scan(pos, end, nil)
		pos = end + 1
		if pos >= n {
			break
		}
	}
	if pos < n {
		sel.scan(pos, n, nil)
	}
	return sel.result(out)
}

// TopKFunc is TopK with the excluded indices given by a predicate: index i is
// skipped when skip(i) is true. skip may be nil. It is asked about the first
// k indices and then only about indices whose score beats the current
// threshold, at most once each, so a costly predicate is called far fewer
// than len(scores) times: O(k·log(len(scores)/k)) in expectation for scores
// in random order (the threshold rises only when the candidate buffer is
// cut back, so a few times as often as a heap of the best k would ask).
func TopKFunc(scores []float32, k int, skip func(i int32) bool, out []int32) []int32 {
	sel, ok := newSelector(scores, k)
	if !ok {
		return out[:0]
	}
	sel.scan(0, len(scores), skip)
	return sel.result(out)
}

// cand is a candidate item: its index and rankKey of its score.
type cand struct {
	key float32
	idx int32
}

// better reports whether a ranks above b: a higher key, or the same key
// and a lower index. Candidates have distinct indices, so this is a strict
// total order.
func better(a, b cand) bool { return a.key > b.key || (a.key == b.key && a.idx < b.idx) }

// bufPool recycles the candidate buffers, so TopK does not allocate in
// steady state whatever k is.
var bufPool = sync.Pool{New: func() any { return new([]cand) }}

// selector collects the candidates of one selection.
type selector struct {
	s     []float32
	k     int
	limit int    // the buffer is cut back to k when it reaches limit
	buf   []cand // the candidates
	pool  *[]cand
	cut   bool    // k candidates have been seen: thr holds
	thr   float32 // once cut: the k-th best key seen so far, or lower
}

// newSelector prepares the selection of the best min(k, len(scores)) of
// scores.
func newSelector(scores []float32, k int) (selector, bool) {
	k = min(k, len(scores))
	if k <= 0 {
		return selector{}, false
	}
	limit := min(4*k+64, len(scores)) // no cut is needed beyond len(scores)
	p := bufPool.Get().(*[]cand)
	if cap(*p) < limit {
		*p = make([]cand, 0, limit)
	}
	return selector{s: scores, k: k, limit: limit, buf: (*p)[:0], pool: p}, true
}

// scan offers the items lo..hi-1, in ascending index order; skip, if not
// nil, is asked only about items that would become candidates.
func (t *selector) scan(lo, hi int, skip func(int32) bool) {
	i := lo
	// Until k candidates are seen every item is one (fewer than k may exist,
	// NaN and −Inf scores included).
	for ; i < hi && !t.cut; i++ {
		if skip == nil || !skip(int32(i)) {
			t.add(i)
		}
	}
	for i < hi {
		i += simd.IndexAbove(t.s[i:hi], t.thr)
		if i >= hi {
			return
		}
		if skip == nil || !skip(int32(i)) {
			t.add(i)
		}
		i++
	}
}

// add makes item i a candidate. The first k candidates set the first
// threshold, the worst of them; after that the buffer is cut back to its
// best k whenever it is full, and the k-th best is the threshold.
func (t *selector) add(i int) {
	t.buf = append(t.buf, cand{rankKey(t.s[i]), int32(i)})
	switch len(t.buf) {
	case t.limit:
		selectBest(t.buf, t.k)
		t.buf = t.buf[:t.k]
		t.thr = t.buf[t.k-1].key
	case t.k:
		if !t.cut {
			w := t.buf[0]
			for _, c := range t.buf[1:] {
				if better(w, c) {
					w = c
				}
			}
			t.thr, t.cut = w.key, true
		}
	}
}

// result writes the best k candidates, best first, into out and releases
// the buffer.
func (t *selector) result(out []int32) []int32 {
	c := t.buf
	if len(c) > t.k {
		selectBest(c, t.k)
		c = c[:t.k]
	}
	slices.SortFunc(c, func(a, b cand) int {
		if better(a, b) {
			return -1
		}
		return 1
	})
	if cap(out) < len(c) {
		out = make([]int32, len(c))
	}
	out = out[:len(c)]
	for j, x := range c {
		out[j] = x.idx
	}
	*t.pool = t.buf[:0]
	bufPool.Put(t.pool)
	return out
}

// selectBest reorders c so that its best k elements come first, the k-th
// best at c[k-1] (quickselect with a median-of-three pivot; 0 < k ≤ len(c)).
func selectBest(c []cand, k int) {
	lo, hi := 0, len(c)-1
	for hi > lo {
		mid := lo + (hi-lo)/2
		// Median of three to c[hi], the pivot.
		if better(c[mid], c[lo]) {
			c[mid], c[lo] = c[lo], c[mid]
		}
		if better(c[hi], c[lo]) {
			c[hi], c[lo] = c[lo], c[hi]
		}
		if better(c[mid], c[hi]) {
			c[mid], c[hi] = c[hi], c[mid]
		}
		p := c[hi]
		j := lo
		for i := lo; i < hi; i++ {
			if better(c[i], p) {
				c[i], c[j] = c[j], c[i]
				j++
			}
		}
		c[j], c[hi] = c[hi], c[j]
		switch {
		case j == k-1:
			return
		case j < k-1:
			lo = j + 1
		default:
			hi = j - 1
		}
	}
}

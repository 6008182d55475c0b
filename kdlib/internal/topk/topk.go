package topk

import (
	"math"
	"sync"
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
// allocated otherwise; TopK allocates nothing else.
//
// The selection is a single pass over scores that keeps a k-element heap of
// the best items seen so far. Once the heap is full an item costs one
// comparison against the worst kept score unless it enters the heap, so the
// cost is O(len(scores) + k·log k·log(len(scores)/k)) in expectation for
// scores in random order, not the O(m log m) of a full sort.
func TopK(scores []float32, k int, exclude []int32, out []int32) []int32 {
	h, ok := newTopHeap(scores, k, out)
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
		h.scan(pos, end)
		pos = end + 1
		if pos >= n {
			break
		}
	}
	if pos < n {
		h.scan(pos, n)
	}
	return h.sorted()
}

// TopKFunc is TopK with the excluded indices given by a predicate: index i is
// skipped when skip(i) is true. skip may be nil. It is evaluated only for
// indices whose score would enter the current top k, so a costly predicate
// is called far fewer than len(scores) times.
func TopKFunc(scores []float32, k int, skip func(i int32) bool, out []int32) []int32 {
	h, ok := newTopHeap(scores, k, out)
	if !ok {
		return out[:0]
	}
	if skip == nil {
		h.scan(0, len(scores))
		return h.sorted()
	}
	i := 0
	for ; i < len(scores) && len(h.idx) < h.k; i++ {
		if !skip(int32(i)) {
			h.push(i)
		}
	}
	if i < len(scores) {
		thr := h.key[0]
		for j, v := range scores[i:] {
			if v > thr && !skip(int32(i+j)) {
				h.replaceRoot(i+j, v)
				thr = h.key[0]
			}
		}
	}
	return h.sorted()
}

// keyPool recycles the key arrays of topHeap, so TopK does not allocate in
// steady state whatever k is.
var keyPool = sync.Pool{New: func() any { return new([]float32) }}

// topHeap is a binary heap of item indices whose root is the worst kept
// item: the lowest score, and among equal scores the highest index. key
// holds rankKey of the score of every kept index, parallel to idx, so heap
// operations neither chase indices nor test for NaN.
type topHeap struct {
	s    []float32
	idx  []int32
	key  []float32
	keys *[]float32
	k    int
}

// newTopHeap prepares a heap of capacity min(k, len(scores)) backed by out.
func newTopHeap(scores []float32, k int, out []int32) (topHeap, bool) {
	k = min(k, len(scores))
	if k <= 0 {
		return topHeap{}, false
	}
	if cap(out) < k {
		out = make([]int32, k)
	}
	keys := keyPool.Get().(*[]float32)
	if cap(*keys) < k {
		*keys = make([]float32, k)
	}
	return topHeap{s: scores, idx: out[:0:k], key: (*keys)[:0:k], keys: keys, k: k}, true
}

// worse reports whether the item at heap slot a ranks below the one at b.
func (h *topHeap) worse(a, b int) bool {
	ka, kb := h.key[a], h.key[b]
	return ka < kb || (ka == kb && h.idx[a] > h.idx[b])
}

// swap exchanges heap slots a and b.
func (h *topHeap) swap(a, b int) {
	h.idx[a], h.idx[b] = h.idx[b], h.idx[a]
	h.key[a], h.key[b] = h.key[b], h.key[a]
}

// push adds item i while the heap is not full.
func (h *topHeap) push(i int) {
	h.idx = append(h.idx, int32(i))
	h.key = append(h.key, rankKey(h.s[i]))
	c := len(h.idx) - 1
	for c > 0 {
		p := (c - 1) / 2
		if !h.worse(c, p) {
			break
		}
		h.swap(c, p)
		c = p
	}
}

// replaceRoot puts item i with key v in place of the worst kept item.
func (h *topHeap) replaceRoot(i int, v float32) {
	h.idx[0], h.key[0] = int32(i), v
	h.down(0, len(h.idx))
}

// down restores the heap order below slot p within the first n slots.
func (h *topHeap) down(p, n int) {
	for {
		c := 2*p + 1
		if c >= n {
			return
		}
		if c+1 < n && h.worse(c+1, c) {
			c++
		}
		if !h.worse(c, p) {
			return
		}
		h.swap(c, p)
		p = c
	}
}

// scan offers the items lo..hi-1, in ascending index order. Because every
// offered index is larger than every kept one, an item enters a full heap
// only if its score is strictly greater than the worst kept score; NaN never
// passes that test, matching rankKey.
func (h *topHeap) scan(lo, hi int) {
	i := lo
	for ; i < hi && len(h.idx) < h.k; i++ {
		h.push(i)
	}
	if i >= hi {
		return
	}
	thr := h.key[0]
	for j, v := range h.s[i:hi] {
		if v > thr {
			h.replaceRoot(i+j, v)
			thr = h.key[0]
		}
	}
}

// sorted heap-sorts the kept items in place, best first, releases the key
// array and returns the items.
func (h *topHeap) sorted() []int32 {
	for end := len(h.idx) - 1; end > 0; end-- {
		h.swap(0, end)
		h.down(0, end)
	}
	keyPool.Put(h.keys)
	return h.idx
}

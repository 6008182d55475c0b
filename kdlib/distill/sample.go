package distill

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/kdrec/kdrec/kdlib/internal/simd"
)

// RankSampler draws K distinct positions out of the first N positions of a
// ranked list, position r (1-based) with probability proportional to
// exp(−r/T), without replacement, and returns them in ascending order so
// the sample keeps the teacher's order (RRD's and IR-RRD's "interesting"
// sampling, methods.md §3.7; PyTorch's multinomial without replacement).
//
// It uses the Gumbel-top-k trick in its exponential-race form: with
// E_r ~ Exp(1) i.i.d., the K positions with the smallest keys
// log E_r + r/T are distributed as K successive draws without replacement
// with weights exp(−r/T).
type RankSampler struct {
	// N is the number of positions, K the sample size, T the temperature.
	N, K int
	T    float64
}

// NewRankSampler returns a sampler of k of n positions at temperature t. It
// reports an error unless 0 < k ≤ n and t > 0.
func NewRankSampler(n, k int, t float64) (*RankSampler, error) {
	if n <= 0 || k <= 0 || k > n {
		return nil, fmt.Errorf("rank sampler: need 0 < K <= N, got K=%d N=%d", k, n)
	}
	if !(t > 0) || math.IsInf(t, 1) {
		return nil, fmt.Errorf("rank sampler: temperature T must be > 0 and finite, got %v", t)
	}
	return &RankSampler{N: n, K: k, T: t}, nil
}

// Sample appends to out[:0] K distinct 0-based positions in ascending order
// (position p has weight exp(−(p+1)/T)). When n < N (a short list) the
// sample is drawn from the first n positions and holds min(K, n) of them.
// heap is scratch of at least K entries (allocated if shorter).
func (s *RankSampler) Sample(rng *rand.Rand, n int, out []int32, heap []float64) []int32 {
	n = min(n, s.N)
	k := min(s.K, n)
	out = out[:0]
	if k == n {
		for p := 0; p < n; p++ {
			out = append(out, int32(p))
		}
		return out
	}
	if len(heap) < k {
		heap = make([]float64, k)
	}
	keys := heap[:k]
	// Max-heap of the k smallest keys seen, positions in out.
	inv := 1 / s.T
	// The log-exponential draws, a block at a time: drawn in position
	// order, their logarithms taken by simd.LogSlice (math.Log bit for bit),
	// then consumed in the same order, so the keys are those of one
	// math.Log(rng.ExpFloat64()) per position.
	var block [64]float64
	for p := 0; p < n; p++ {
		b := p % len(block)
		if b == 0 {
			blk := block[:min(len(block), n-p)]
			for j := range blk {
				blk[j] = rng.ExpFloat64()
			}
			simd.LogSlice(blk, blk)
		}
		key := block[b] + float64(p+1)*inv
		if len(out) < k {
			// Sift up.
			c := len(out)
			out = append(out, 0)
			for c > 0 {
				par := (c - 1) / 2
				if keys[par] >= key {
					break
				}
				keys[c], out[c] = keys[par], out[par]
				c = par
			}
			keys[c], out[c] = key, int32(p)
			continue
		}
		if key >= keys[0] {
			continue
		}
		c := 0
		for {
			l := 2*c + 1
			if l >= k {
				break
			}
			if r := l + 1; r < k && keys[r] > keys[l] {
				l = r
			}
			if keys[l] <= key {
				break
			}
			keys[c], out[c] = keys[l], out[l]
			c = l
		}
		keys[c], out[c] = key, int32(p)
	}
	slices.Sort(out)
	return out
}

// bitset is a reusable membership set over [0, n).
type bitset []uint64

func newBitset(n int) bitset      { return make(bitset, (n+63)/64) }
func (b bitset) set(i int32)      { b[i>>6] |= 1 << (uint(i) & 63) }
func (b bitset) clear(i int32)    { b[i>>6] &^= 1 << (uint(i) & 63) }
func (b bitset) has(i int32) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }
func (b bitset) clearAll(xs []int32) {
	for _, x := range xs {
		b.clear(x)
	}
}

// sampleOutside appends to out[:0] l distinct values drawn uniformly from
// [0, n) minus the union of the exclusion lists (each may hold repeats),
// using mark (all clear on entry and on return) for membership. It reports
// an error when fewer than l values are available. Rejection sampling is
// used when at least an eighth of [0, n) is free, an explicit list of the
// free values otherwise.
func sampleOutside(rng *rand.Rand, n, l int, mark bitset, out []int32, excl ...[]int32) ([]int32, error) {
	out = out[:0]
	marked := 0
	for _, xs := range excl {
		for _, x := range xs {
			if !mark.has(x) {
				mark.set(x)
				marked++
			}
		}
	}
	free := n - marked
	var err error
	switch {
	case free < l:
		err = fmt.Errorf("only %d values outside the exclusions, need %d", free, l)
	case free*8 >= n:
		for len(out) < l {
			j := int32(rng.IntN(n))
			if mark.has(j) {
				continue
			}
			mark.set(j)
			out = append(out, j)
		}
		mark.clearAll(out)
	default:
		pool := make([]int32, 0, free)
		for j := int32(0); int(j) < n; j++ {
			if !mark.has(j) {
				pool = append(pool, j)
			}
		}
		for k := 0; k < l; k++ {
			r := k + rng.IntN(len(pool)-k)
			pool[k], pool[r] = pool[r], pool[k]
		}
		out = append(out, pool[:l]...)
	}
	for _, xs := range excl {
		mark.clearAll(xs)
	}
	return out, err
}

// sideSample holds one epoch's samples for every row of one side: K ranked
// ("interesting") entries in teacher order and L unordered ("uninteresting")
// ones per row.
type sideSample struct {
	K, L     int
	Inter    []int32 // rows·K, row r at [r·K, r·K+InterLen[r])
	InterLen []int32
	Unint    []int32 // rows·L
}

func (s *sideSample) inter(r int) []int32 { return s.Inter[r*s.K : r*s.K+int(s.InterLen[r])] }
func (s *sideSample) unint(r int) []int32 { return s.Unint[r*s.L : (r+1)*s.L] }

// sampleSide draws, for every row r of lists, K positions with the rank
// sampler (or the first K when rs is nil: the deterministic top-K variant)
// mapped to entries of row r, and L entries uniformly outside observed(r) ∪
// lists.Row(r). Rows go through forRows, so the samples do not depend on
// the number of workers.
func sampleSide(dst *sideSample, lists *Lists, rs *RankSampler, k, l int, observed func(r int) []int32, seed uint64, workers int) error {
	rows := lists.Rows()
	if dst.Inter == nil || len(dst.InterLen) != rows || dst.K != k || dst.L != l {
		*dst = sideSample{K: k, L: l, Inter: make([]int32, rows*k), InterLen: make([]int32, rows), Unint: make([]int32, rows*l)}
	}
	type scratch struct {
		mark     bitset
		pos, buf []int32
		heap     []float64
	}
	newScratch := func() *scratch {
		return &scratch{mark: newBitset(lists.Cols), pos: make([]int32, 0, k), heap: make([]float64, k), buf: make([]int32, 0, l)}
	}
	return forRows(rows, workers, seed, newScratch, func(s *scratch, rng *rand.Rand, r int) error {
		row := lists.Row(r)
		in := dst.Inter[r*k : (r+1)*k]
		var nIn int
		if rs == nil {
			nIn = copy(in, row[:min(k, len(row))])
		} else {
			s.pos = rs.Sample(rng, len(row), s.pos, s.heap)
			for j, p := range s.pos {
				in[j] = row[p]
			}
			nIn = len(s.pos)
		}
		dst.InterLen[r] = int32(nIn)
		var err error
		if s.buf, err = sampleOutside(rng, lists.Cols, l, s.mark, s.buf, observed(r), row); err != nil {
			return fmt.Errorf("row %d: %w", r, err)
		}
		copy(dst.Unint[r*l:(r+1)*l], s.buf)
		return nil
	})
}

var errNoItemLists = errors.New("the teacher lists have no item side: build them with ListOptions.ItemSide")

// sampleWeighted appends to out[:0] the indices of min(k, len(w)) distinct
// draws without replacement from {0 … len(w)−1}, index j with probability
// proportional to w[j] > 0, in ascending index order (exponential race: the
// k smallest keys log E_j − log w_j with E_j ~ Exp(1)). keys is scratch of
// at least len(w) entries.
func sampleWeighted(rng *rand.Rand, w []float64, k int, keys []float64, out []int32) []int32 {
	if k >= len(w) {
		out = out[:0]
		for j := range w {
			out = append(out, int32(j))
		}
		return out
	}
	out = sampleWeightedDrawn(rng, w, k, keys, out)
	slices.Sort(out)
	return out
}

// sampleWeightedDrawn is sampleWeighted with the indices in the order they
// are drawn — the order of successive draws without replacement, which is
// the order of torch.multinomial(w, k, replacement=False) (an exponential
// race sorted by key). With k ≥ len(w) every index is returned, also in a
// drawn order.
func sampleWeightedDrawn(rng *rand.Rand, w []float64, k int, keys []float64, out []int32) []int32 {
	n := len(w)
	out = out[:0]
	k = min(k, n)
	keys = keys[:n]
	for j := range keys {
		keys[j] = math.Log(rng.ExpFloat64()) - math.Log(w[j])
	}
	for j := 0; j < n; j++ {
		out = append(out, int32(j))
	}
	// Selection of the k smallest keys, smallest (first drawn) first.
	slices.SortFunc(out, func(a, b int32) int {
		switch {
		case keys[a] < keys[b]:
			return -1
		case keys[a] > keys[b]:
			return 1
		}
		return int(a - b)
	})
	return out[:k]
}

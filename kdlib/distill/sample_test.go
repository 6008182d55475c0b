package distill

import (
	"math"
	"slices"
	"testing"

	"github.com/kdrec/kdrec/kdlib/nn"
	"gonum.org/v1/gonum/stat/distuv"
)

// chiSquare returns Pearson's statistic of observed counts against expected
// probabilities and fails the test when it exceeds the 0.999 quantile of
// χ²(cells − 1) (a false alarm rate of 1/1000 at a fixed seed).
func chiSquare(t *testing.T, what string, counts []int, probs []float64, draws int) {
	t.Helper()
	x2 := 0.0
	for k, c := range counts {
		e := probs[k] * float64(draws)
		x2 += (float64(c) - e) * (float64(c) - e) / e
	}
	crit := distuv.ChiSquared{K: float64(len(counts) - 1)}.Quantile(0.999)
	if x2 > crit {
		t.Errorf("%s: χ² = %.1f exceeds the 0.999 critical value %.1f (df %d)", what, x2, crit, len(counts)-1)
	}
}

func TestRankSamplerSingleDrawIsExpWeighted(t *testing.T) {
	const n, T, draws = 60, 10.0, 40000
	rs, err := NewRankSampler(n, 1, T)
	if err != nil {
		t.Fatal(err)
	}
	rng := nn.NewRand(42, 0)
	counts := make([]int, n)
	for range draws {
		counts[rs.Sample(rng, n, nil, nil)[0]]++
	}
	probs := make([]float64, n)
	z := 0.0
	for r := range probs {
		probs[r] = math.Exp(-float64(r+1) / T)
		z += probs[r]
	}
	for r := range probs {
		probs[r] /= z
	}
	// Merge the tail cells with an expected count below 5.
	for len(probs) > 1 && probs[len(probs)-1]*draws < 5 {
		k := len(probs) - 1
		probs[k-1] += probs[k]
		counts[k-1] += counts[k]
		probs, counts = probs[:k], counts[:k]
	}
	chiSquare(t, "single draw", counts, probs, draws)
}

// TestRankSamplerSetsMatchSequentialDraws checks K = 2 of N = 6: every pair
// {a, b} has probability w_a/W·w_b/(W−w_a) + w_b/W·w_a/(W−w_b), the law of
// two successive draws without replacement.
func TestRankSamplerSetsMatchSequentialDraws(t *testing.T) {
	const n, k, T, draws = 6, 2, 2.0, 60000
	rs, _ := NewRankSampler(n, k, T)
	w := make([]float64, n)
	W := 0.0
	for r := range w {
		w[r] = math.Exp(-float64(r+1) / T)
		W += w[r]
	}
	idx := func(a, b int) int { return a*n + b }
	counts := make([]int, n*n)
	rng := nn.NewRand(7, 0)
	out := make([]int32, 0, k)
	heap := make([]float64, k)
	for range draws {
		out = rs.Sample(rng, n, out, heap)
		if len(out) != k || out[0] >= out[1] {
			t.Fatalf("sample %v: want %d distinct positions in ascending order", out, k)
		}
		counts[idx(int(out[0]), int(out[1]))]++
	}
	var obs []int
	var probs []float64
	for a := 0; a < n; a++ {
		for b := a + 1; b < n; b++ {
			obs = append(obs, counts[idx(a, b)])
			probs = append(probs, w[a]/W*w[b]/(W-w[a])+w[b]/W*w[a]/(W-w[b]))
		}
	}
	chiSquare(t, "pairs", obs, probs, draws)
}

func TestRankSamplerInvariants(t *testing.T) {
	rs, _ := NewRankSampler(500, 40, 10)
	rng := nn.NewRand(1, 1)
	for trial := 0; trial < 300; trial++ {
		n := 500
		if trial%3 == 0 {
			n = 1 + rng.IntN(60) // short lists
		}
		got := rs.Sample(rng, n, nil, nil)
		if len(got) != min(40, n) {
			t.Fatalf("n=%d: %d positions", n, len(got))
		}
		if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Fatalf("n=%d: %v not strictly ascending", n, got)
		}
		if got[0] < 0 || int(got[len(got)-1]) >= n {
			t.Fatalf("n=%d: %v out of range", n, got)
		}
	}
	for _, c := range []struct {
		n, k int
		t    float64
	}{{0, 1, 1}, {5, 0, 1}, {5, 6, 1}, {5, 2, 0}, {5, 2, math.Inf(1)}, {5, 2, math.NaN()}} {
		if _, err := NewRankSampler(c.n, c.k, c.t); err == nil {
			t.Errorf("NewRankSampler(%d, %d, %v) accepted", c.n, c.k, c.t)
		}
	}
}

func TestSampleOutsideUniformAndExclusive(t *testing.T) {
	for _, c := range []struct {
		name  string
		n     int
		excl  []int32
		draws int
	}{
		{"rejection", 40, []int32{0, 3, 3, 7, 8, 20, 39}, 33000},
		{"explicit pool", 40, func() []int32 { // 36 of 40 excluded
			var e []int32
			for i := int32(0); i < 40; i++ {
				if i%10 != 4 {
					e = append(e, i)
				}
			}
			return e
		}(), 8000},
	} {
		mark := newBitset(c.n)
		rng := nn.NewRand(9, 9)
		counts := make([]int, c.n)
		var out []int32
		for range c.draws {
			var err error
			out, err = sampleOutside(rng, c.n, 2, mark, out, c.excl[:len(c.excl)/2], c.excl[len(c.excl)/2:])
			if err != nil {
				t.Fatal(err)
			}
			if out[0] == out[1] || slices.Contains(c.excl, out[0]) || slices.Contains(c.excl, out[1]) {
				t.Fatalf("%s: sample %v repeats or hits an exclusion", c.name, out)
			}
			counts[out[0]]++
			counts[out[1]]++
		}
		for _, w := range mark {
			if w != 0 {
				t.Fatalf("%s: mark not cleared", c.name)
			}
		}
		var obs []int
		var probs []float64
		free := c.n - len(slices.Compact(slices.Sorted(slices.Values(c.excl))))
		for i, k := range counts {
			if !slices.Contains(c.excl, int32(i)) {
				obs = append(obs, k)
				probs = append(probs, 1/float64(free))
			}
		}
		chiSquare(t, c.name, obs, probs, 2*c.draws)
	}
	if _, err := sampleOutside(nn.NewRand(1, 1), 5, 3, newBitset(5), nil, []int32{0, 1, 2}); err == nil {
		t.Error("sampling 3 of 2 free values succeeded")
	}
}

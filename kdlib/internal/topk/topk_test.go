package topk

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// refTopK is the reference: a full sort by (score desc with NaN lowest,
// index asc), excluded indices removed.
func refTopK(scores []float32, k int, excluded map[int32]bool) []int32 {
	var idx []int32
	for i := range scores {
		if !excluded[int32(i)] {
			idx = append(idx, int32(i))
		}
	}
	slices.SortFunc(idx, func(a, b int32) int {
		if c := cmp.Compare(rankKey(scores[b]), rankKey(scores[a])); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return idx[:min(max(k, 0), len(idx))]
}

func TestTopKHand(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(-1))
	scores := []float32{1, 3, nan, 3, 2, inf, 5, 3}
	cases := []struct {
		k       int
		exclude []int32
		want    []int32
	}{
		{3, nil, []int32{6, 1, 3}},
		{4, nil, []int32{6, 1, 3, 7}},
		{8, nil, []int32{6, 1, 3, 7, 4, 0, 2, 5}},
		{20, nil, []int32{6, 1, 3, 7, 4, 0, 2, 5}},
		{3, []int32{1, 6}, []int32{3, 7, 4}},
		{3, []int32{-1, 1, 1, 6, 99}, []int32{3, 7, 4}},
		{10, []int32{0, 1, 2, 3, 4, 5, 6}, []int32{7}},
		{0, nil, []int32{}},
		{-2, nil, []int32{}},
	}
	for _, c := range cases {
		got := TopK(scores, c.k, c.exclude, nil)
		if !slices.Equal(got, c.want) {
			t.Errorf("TopK(k=%d, exclude=%v) = %v, want %v", c.k, c.exclude, got, c.want)
		}
		ex := map[int32]bool{}
		for _, e := range c.exclude {
			ex[e] = true
		}
		got = TopKFunc(scores, c.k, func(i int32) bool { return ex[i] }, nil)
		if !slices.Equal(got, c.want) {
			t.Errorf("TopKFunc(k=%d, exclude=%v) = %v, want %v", c.k, c.exclude, got, c.want)
		}
	}
	// NaN at the start must not block later finite scores once the heap is full.
	got := TopK([]float32{nan, nan, 1, 2}, 2, nil, nil)
	if !slices.Equal(got, []int32{3, 2}) {
		t.Errorf("TopK with leading NaN = %v, want [3 2]", got)
	}
}

func TestTopKRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	out := make([]int32, 0, 64)
	for trial := range 500 {
		n := 1 + rng.IntN(300)
		scores := make([]float32, n)
		for i := range scores {
			switch rng.IntN(20) {
			case 0:
				scores[i] = float32(math.NaN())
			case 1:
				scores[i] = float32(math.Inf(rng.IntN(2)*2 - 1))
			default:
				scores[i] = float32(rng.IntN(10)) // many ties
			}
		}
		excluded := map[int32]bool{}
		var ex []int32
		for range rng.IntN(n/2 + 1) {
			e := int32(rng.IntN(n))
			excluded[e] = true
			ex = append(ex, e)
		}
		slices.Sort(ex)
		k := rng.IntN(70)
		want := refTopK(scores, k, excluded)
		if got := TopK(scores, k, ex, out[:0]); !slices.Equal(got, want) {
			t.Fatalf("trial %d: TopK = %v, want %v", trial, got, want)
		}
		if got := TopKFunc(scores, k, func(i int32) bool { return excluded[i] }, out[:0]); !slices.Equal(got, want) {
			t.Fatalf("trial %d: TopKFunc = %v, want %v", trial, got, want)
		}
		if len(ex) == 0 {
			if got := TopKFunc(scores, k, nil, nil); !slices.Equal(got, want) {
				t.Fatalf("trial %d: TopKFunc(nil) = %v, want %v", trial, got, want)
			}
		}
	}
}

// TestTopKManyCuts checks long score vectors against small k, so that the
// candidate buffer is cut back many times (rising scores make every item a
// candidate), with ties, NaN, ±Inf and exclusions, TopK and TopKFunc alike.
func TestTopKManyCuts(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := range 60 {
		n := 1000 + rng.IntN(4000)
		scores := make([]float32, n)
		for i := range scores {
			switch {
			case trial%3 == 0: // ascending: every item passes the threshold
				scores[i] = float32(i / 3)
			case rng.IntN(30) == 0:
				scores[i] = float32(math.NaN())
			case rng.IntN(30) == 0:
				scores[i] = float32(math.Inf(rng.IntN(2)*2 - 1))
			default:
				scores[i] = float32(rng.IntN(50))
			}
		}
		excluded := map[int32]bool{}
		var ex []int32
		for range rng.IntN(200) {
			e := int32(rng.IntN(n))
			if !excluded[e] {
				excluded[e] = true
				ex = append(ex, e)
			}
		}
		slices.Sort(ex)
		for _, k := range []int{1, 2, 7, 50, 300} {
			want := refTopK(scores, k, excluded)
			if got := TopK(scores, k, ex, nil); !slices.Equal(got, want) {
				t.Fatalf("trial %d k=%d: TopK = %v, want %v", trial, k, got, want)
			}
			calls := 0
			got := TopKFunc(scores, k, func(i int32) bool { calls++; return excluded[i] }, nil)
			if !slices.Equal(got, want) {
				t.Fatalf("trial %d k=%d: TopKFunc = %v, want %v", trial, k, got, want)
			}
			if trial%3 != 0 && k <= 7 && calls > n/2 {
				t.Errorf("trial %d k=%d: the predicate was asked about %d of %d items", trial, k, calls, n)
			}
		}
	}
}

func TestTopKNoAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	scores := make([]float32, 25181)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range scores {
		scores[i] = rng.Float32()
	}
	ex := []int32{3, 500, 9000}
	out := make([]int32, 50)
	allocs := testing.AllocsPerRun(20, func() { out = TopK(scores, 50, ex, out[:0]) })
	if allocs != 0 {
		t.Errorf("TopK allocates %v times per call with a large enough out", allocs)
	}
}

func BenchmarkTopK(b *testing.B) {
	const n, k = 25181, 50
	rng := rand.New(rand.NewPCG(3, 3))
	scores := make([]float32, n)
	for i := range scores {
		scores[i] = float32(rng.NormFloat64())
	}
	ex := make([]int32, 0, 24)
	for range 24 {
		ex = append(ex, int32(rng.IntN(n)))
	}
	slices.Sort(ex)
	out := make([]int32, k)
	b.ResetTimer()
	for b.Loop() {
		out = TopK(scores, k, ex, out[:0])
	}
}

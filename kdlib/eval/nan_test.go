package eval

import (
	"context"
	"math"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
)

// nanSplit: 3 users, 8 items. User 0 holds test item 3 among candidates
// {4, 5, 6}; user 1 test item 1 among {0, 2, 5}; user 2 test item 6 among
// {0, 1, 7}.
func nanSplit(t *testing.T) *data.Split {
	return mustSplit(t, &data.Split{
		Name:       "nan",
		Valid:      [][]int32{nil, nil, nil},
		Test:       [][]int32{{3}, {1}, {6}},
		Candidates: [][]int32{{4, 5, 6}, {0, 2, 5}, {0, 1, 7}},
	}, 3, 8, []data.Pair{{User: 0, Item: 0}, {User: 1, Item: 3}, {User: 2, Item: 2}})
}

// TestLOONaNRanksLast checks the rule for NaN scores of the sampled
// protocol: a NaN target ranks below every candidate (NaN ones included),
// a NaN candidate below every target that has a score, and ties between
// scores keep the Ties rule. A model of NaN (a diverged one) scores 0, not
// the perfect 1 that ranking NaN like −Inf with optimistic ties gave.
func TestLOONaNRanksLast(t *testing.T) {
	s := nanSplit(t)
	nan := float32(math.NaN())
	ninf := float32(math.Inf(-1))
	m := tableScorer{
		// user 0: the target (3) is NaN, one candidate NaN too → last (rank 4)
		{0, 0, 0, nan, 1, nan, 2, 0},
		// user 1: the target (1) scores 5, candidates 0 and 2 are NaN and 5
		// scores 6 → rank 2
		{nan, 5, nan, 0, 0, 6, 0, 0},
		// user 2: the target (6) is −Inf, candidates 0 and 1 NaN, 7 −Inf:
		// NaN below −Inf; the tie with 7 follows Ties → rank 1 or 2
		{nan, nan, 0, 0, 0, 0, ninf, ninf},
	}
	ctx := context.Background()
	r, err := LOO(ctx, m, s, Test, Options{Cutoffs: []int{1, 2, 4}})
	if err != nil {
		t.Fatal(err)
	}
	checkValues(t, r, []int32{0, 1, 2}, map[string][]float64{
		"HR@1":  {0, 0, 1},
		"HR@2":  {0, 1, 1},
		"HR@4":  {1, 1, 1},
		"MRR@4": {0.25, 0.5, 1},
	})
	r, err = LOO(ctx, m, s, Test, Options{Cutoffs: []int{1, 2, 4}, Ties: TiesPessimistic})
	if err != nil {
		t.Fatal(err)
	}
	checkValues(t, r, []int32{0, 1, 2}, map[string][]float64{
		"HR@1":  {0, 0, 0},
		"HR@2":  {0, 1, 1},
		"MRR@4": {0.25, 0.5, 0.5},
	})

	// A model of NaN only.
	all := tableScorer{make([]float32, 8), make([]float32, 8), make([]float32, 8)}
	for _, row := range all {
		for k := range row {
			row[k] = nan
		}
	}
	for _, ties := range []Ties{TiesOptimistic, TiesPessimistic} {
		r, err := LOO(ctx, all, s, Test, Options{Cutoffs: []int{1, 3}, Ties: ties})
		if err != nil {
			t.Fatal(err)
		}
		if hr := r.Mean("HR@3"); hr != 0 {
			t.Errorf("ties %d: an all-NaN model scores HR@3 = %v, want 0", ties, hr)
		}
	}
}

// TestFullRankingNaNNeverHits checks that items scored NaN are left out of
// the full ranking (as if ranked after every item, relevant ones after the
// others): an all-NaN model scores 0, and a NaN relevant item is no hit
// even when few items have a score.
func TestFullRankingNaNNeverHits(t *testing.T) {
	s := mustSplit(t, &data.Split{
		Name:  "nan full",
		Valid: [][]int32{nil, nil},
		Test:  [][]int32{{1, 2}, {0, 5}},
	}, 2, 6, []data.Pair{{User: 0, Item: 0}, {User: 1, Item: 1}})
	nan := float32(math.NaN())
	ctx := context.Background()
	all := tableScorer{{nan, nan, nan, nan, nan, nan}, {nan, nan, nan, nan, nan, nan}}
	r, err := FullRanking(ctx, all, s, Test, Options{Cutoffs: []int{1, 5}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range r.Metrics {
		if v := r.Mean(m); v != 0 {
			t.Errorf("all-NaN model: %s = %v, want 0", m, v)
		}
	}
	// User 0: only item 2 (relevant) and 4 have scores; item 1 (relevant)
	// is NaN → ranking 4, 2: one hit at rank 2. User 1: item 0 (relevant)
	// NaN, 5 (relevant) scored below 3 → ranking 3, 5: hit at rank 2.
	m := tableScorer{{nan, nan, 1, nan, 2, nan}, {nan, nan, 0, 4, nan, 1}}
	r, err = FullRanking(ctx, m, s, Test, Options{Cutoffs: []int{1, 5}})
	if err != nil {
		t.Fatal(err)
	}
	l3 := 1 / math.Log2(3)
	checkValues(t, r, []int32{0, 1}, map[string][]float64{
		"Recall@1": {0, 0},
		"Recall@5": {0.5, 0.5},
		"NDCG@5":   {l3 / (1 + l3), l3 / (1 + l3)},
	})
}

package eval

import (
	"context"
	"math"
	"testing"
)

// TestHeldOutRanksMatchProtocols checks the ranks against LOO (every
// per-user HR, NDCG and MRR recomputed from the candidate ranks) and
// against a direct count over all unobserved items.
func TestHeldOutRanksMatchProtocols(t *testing.T) {
	s := randomSplit(t, 60, 300, 12, 1, 1, 40, false, 7)
	m := newDenseScorer(60, 300, 8, 3)
	ctx := context.Background()
	r, err := HeldOutRanks(ctx, m, s, Test, Options{})
	if err != nil {
		t.Fatal(err)
	}
	loo, err := LOO(ctx, m, s, Test, Options{Cutoffs: []int{1, 3, 10}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Users) != loo.Len() || len(r.Users) == 0 {
		t.Fatalf("%d ranked users, LOO evaluated %d", len(r.Users), loo.Len())
	}
	for j, name := range loo.Metrics {
		kind, n, _ := ParseMetric(name)
		for k := range r.Users {
			got, err := RankMetric(kind, int(r.Candidates[k]), n)
			if err != nil {
				t.Fatal(err)
			}
			if got != loo.PerUser[j][k] {
				t.Fatalf("user %d %s: from rank %d %v, LOO %v", r.Users[k], name, r.Candidates[k], got, loo.PerUser[j][k])
			}
		}
	}
	scores := make([]float32, m.NumItems())
	for k, u := range r.Users {
		m.ScoreAll(int(u), scores)
		tgt := s.Test[u][0]
		seen := map[int32]bool{}
		for _, i := range s.Train.Items(int(u)) {
			seen[i] = true
		}
		for _, i := range s.Valid[u] {
			seen[i] = true
		}
		p := 1
		for i := range s.NumItems() {
			if int32(i) != tgt && !seen[int32(i)] && scores[i] > scores[tgt] {
				p++
			}
		}
		if int(r.Full[k]) != p {
			t.Fatalf("user %d: full rank %d, counted %d", u, r.Full[k], p)
		}
		if r.Full[k] < r.Candidates[k] {
			t.Fatalf("user %d: full rank %d above candidate rank %d", u, r.Full[k], r.Candidates[k])
		}
	}
	if _, err := RankMetric("Precision", 1, 5); err == nil {
		t.Error("RankMetric accepted an unknown metric")
	}
}

// TestRanksMean checks Ranks.Mean against values worked by hand: ranks
// 1, 3 and 60 give HR@5 = 2/3 and NDCG@5 = (1 + 1/log2(4))/3 among the
// candidates, and full ranks 2, 51 and 50 give Recall@50 = 2/3.
func TestRanksMean(t *testing.T) {
	r := &Ranks{Users: []int32{0, 1, 2}, Candidates: []int32{1, 3, 60}, Full: []int32{2, 51, 50}}
	for _, c := range []struct {
		kind string
		n    int
		full bool
		want float64
	}{
		{HR, 5, false, 2.0 / 3},
		{NDCG, 5, false, (1 + 1/math.Log2(4)) / 3},
		{HR, 50, true, 2.0 / 3},
		{HR, 1, true, 0},
	} {
		got, err := r.Mean(c.kind, c.n, c.full)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Mean(%s, %d, full=%v) = %v, want %v", c.kind, c.n, c.full, got, c.want)
		}
	}
	if _, err := (&Ranks{Full: []int32{1}}).Mean(HR, 5, false); err == nil {
		t.Error("Mean over missing candidate ranks did not fail")
	}
}

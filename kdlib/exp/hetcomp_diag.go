package exp

import (
	"context"
	"fmt"
	"slices"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/eval"
)

// StageTargets describes what HetComp distils when every teacher is at one
// trajectory stage: how good the stage's ensemble ranking is, and how much
// of it survives phase 1, whose set-wise loss sees each user's top-K
// targets without their order.
type StageTargets struct {
	// Stage is the trajectory stage of every teacher.
	Stage int
	// Ensemble is the test Recall@50 of the stage ensemble's ranking.
	Ensemble float64
	// Set is the test Recall@50 of each user's top-K targets ranked above
	// every other item in a random order (a fixed hash of user and item):
	// the expected recall of a student that learns the sets exactly but
	// not their order.
	Set float64
	// Popular is the share of all target entries that are among the 500
	// most popular training items, and Distinct the number of items that
	// are somebody's target.
	Popular  float64
	Distinct int
}

// HetCompStageTargets computes StageTargets for every stage of ens (K
// targets per user, HetComp's π^ens_u), and the test Recall@50 of ranking
// items by training popularity, the level below which a target set teaches
// little more than popularity. It trains nothing.
func HetCompStageTargets(ctx context.Context, s *data.Split, ens *distill.Ensemble, k int) ([]StageTargets, float64, error) {
	if k < 1 {
		return nil, 0, fmt.Errorf("hetcomp: stage targets: k must be >= 1, got %d", k)
	}
	n, m := s.NumUsers(), s.NumItems()
	opt := eval.Options{Cutoffs: []int{50}}
	recall := func(sc *funcScorer) (float64, error) {
		r, err := eval.FullRanking(ctx, sc, s, eval.Test, opt)
		if err != nil {
			return 0, err
		}
		return r.Mean("Recall@50"), nil
	}
	pop := make([]float32, m)
	for i := range m {
		pop[i] = float32(len(s.Train.Users(i)))
	}
	popRecall, err := recall(&funcScorer{n: n, m: m, f: func(_ int, out []float32) { copy(out, pop) }})
	if err != nil {
		return nil, 0, err
	}
	order := make([]int32, m)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return int(pop[b] - pop[a]) })
	popular := make([]bool, m)
	for _, i := range order[:min(500, m)] {
		popular[i] = true
	}
	var out []StageTargets
	for v := range ens.NumStages() {
		stages := make([]int, len(ens.Teachers))
		for x := range stages {
			stages[x] = v
		}
		targets := make([][]int32, n)
		seen := make([]bool, m)
		st := StageTargets{Stage: v}
		total, inPopular := 0, 0
		for u := range n {
			if targets[u], err = ens.Top(u, stages, k); err != nil {
				return nil, 0, err
			}
			for _, i := range targets[u] {
				total++
				if popular[i] {
					inPopular++
				}
				if !seen[i] {
					seen[i] = true
					st.Distinct++
				}
			}
		}
		if total > 0 {
			st.Popular = float64(inPopular) / float64(total)
		}
		sc, err := ens.Scorer(v)
		if err != nil {
			return nil, 0, err
		}
		r, err := eval.FullRanking(ctx, sc, s, eval.Test, opt)
		if err != nil {
			return nil, 0, err
		}
		st.Ensemble = r.Mean("Recall@50")
		st.Set, err = recall(&funcScorer{n: n, m: m, f: func(u int, row []float32) {
			for i := range row {
				row[i] = hashUnit(u, i)
			}
			for _, i := range targets[u] {
				row[i] += 1
			}
		}})
		if err != nil {
			return nil, 0, err
		}
		out = append(out, st)
	}
	return out, popRecall, nil
}

// hashUnit maps (u, i) to a fixed number in [0, 1) (splitmix64).
func hashUnit(u, i int) float32 {
	z := uint64(u)<<32 ^ uint64(i) + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	z ^= z >> 31
	return float32(z>>40) / (1 << 24)
}

// funcScorer is a model.Scorer given by a function that fills a user's row
// (safe for concurrent use when f is).
type funcScorer struct {
	n, m int
	f    func(u int, out []float32)
}

func (s *funcScorer) NumUsers() int                 { return s.n }
func (s *funcScorer) NumItems() int                 { return s.m }
func (s *funcScorer) ScoreAll(u int, out []float32) { s.f(u, out) }
func (s *funcScorer) ScoreItems(u int, items []int32, out []float32) {
	row := make([]float32, s.m)
	s.f(u, row)
	for k, i := range items {
		out[k] = row[i]
	}
}

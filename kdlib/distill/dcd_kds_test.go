package distill

import (
	"context"
	"math"
	"slices"
	"testing"
)

// TestDCDFirstDrawMatchesKDsWeights checks the reference variant's sampling
// against a direct transcription of KDs's formulas (DCD.do_something_in_each_epoch):
// S_rank is the 0-based position of an item in the student's descending sort
// of every item (training items included), T_rank its position in the
// teacher's list, and the first item drawn on the under-estimated
// (over-estimated) side has probability w/Σw with
// w = max(tanh(max(±(S_rank − T_rank)/T, 0)), 1e−5). A swapped side, a
// 1-based rank or a ranking without the training items fails it.
func TestDCDFirstDrawMatchesKDsWeights(t *testing.T) {
	const users, pool, temp, draws = 12, 12, 2.0, 4000
	f := newFixture(t, users, 40, pool, false)
	term, err := DCD(f.lists, f.student, DCDOptions{Pool: pool, K: 1, L: 1, T: temp})
	if err != nil {
		t.Fatal(err)
	}
	d := term.(*dcd)
	su, _, err := rankAll(context.Background(), f.student, d.none, d.o.Depth, 0, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The weights by KDs's formulas, from a full sort of the student's scores.
	scores := make([]float32, f.train.NumItems)
	want := make([][2][]float64, users) // [user][under, over][teacher position]
	for u := range users {
		f.student.ScoreAll(u, scores)
		order := make([]int32, len(scores))
		for i := range order {
			order[i] = int32(i)
		}
		slices.SortStableFunc(order, func(a, b int32) int {
			switch {
			case scores[a] > scores[b]:
				return -1
			case scores[a] < scores[b]:
				return 1
			}
			return 0
		})
		top := f.lists.Users.Row(u)[:pool]
		for side := range 2 {
			want[u][side] = make([]float64, pool)
		}
		var sum [2]float64
		for p, x := range top {
			diff := float64(slices.Index(order, x)-p) / temp
			want[u][0][p] = math.Max(math.Tanh(math.Max(diff, 0)), 1e-5)
			want[u][1][p] = math.Max(math.Tanh(math.Max(-diff, 0)), 1e-5)
			sum[0] += want[u][0][p]
			sum[1] += want[u][1][p]
		}
		for side := range 2 {
			for p := range want[u][side] {
				want[u][side][p] /= sum[side]
			}
		}
	}
	got := make([][2][]float64, users)
	for u := range got {
		got[u] = [2][]float64{make([]float64, pool), make([]float64, pool)}
	}
	for s := range draws {
		d.correctReference(su, uint64(s))
		for u := range users {
			top := f.lists.Users.Row(u)[:pool]
			got[u][0][slices.Index(top, d.user.Inter[u])]++
			got[u][1][slices.Index(top, d.user.Unint[u])]++
		}
	}
	for u := range users {
		for side, name := range []string{"under", "over"} {
			for p := range pool {
				if g := got[u][side][p] / draws; math.Abs(g-want[u][side][p]) > 0.035 {
					t.Errorf("user %d %s, teacher position %d: drawn first %.3f, KDs's weight %.3f", u, name, p, g, want[u][side][p])
				}
			}
		}
	}
}

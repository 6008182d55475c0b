package eval_test

import (
	"context"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
)

// perUser hides the ScoreUsers method of a model.
type perUser struct{ model.Scorer }

func TestFullRankingBlockedScoringMatchesPerUser(t *testing.T) {
	rng := nn.NewRand(4, 4)
	var pairs []data.Pair
	for u := 0; u < 37; u++ {
		for k := 0; k < 12; k++ {
			pairs = append(pairs, data.Pair{User: int32(u), Item: int32(rng.IntN(300))})
		}
	}
	x, err := data.FromPairs(37, 300, pairs)
	if err != nil {
		t.Fatal(err)
	}
	s, err := data.RatioSplit801010(x, 1)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := model.NewBPR(model.BPRConfig{Users: 37, Items: 300, Dim: 24, InitStd: 1, Seed: 3})
	if _, ok := any(m).(eval.UsersScorer); !ok {
		t.Fatal("BPR does not implement UsersScorer")
	}
	a, err := eval.FullRanking(context.Background(), m, s, eval.Test, eval.Options{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	b, err := eval.FullRanking(context.Background(), perUser{m}, s, eval.Test, eval.Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if a.Len() == 0 {
		t.Fatal("no evaluated users")
	}
	for j, name := range a.Metrics {
		for k := range a.Users {
			if d := a.PerUser[j][k] - b.PerUser[j][k]; d > 1e-12 || d < -1e-12 {
				t.Fatalf("%s user %d: blocked %v, per-user %v", name, a.Users[k], a.PerUser[j][k], b.PerUser[j][k])
			}
		}
	}
}

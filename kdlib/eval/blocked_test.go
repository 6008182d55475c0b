package eval_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
)

// perUser hides the ScoreUsers method of a model.
type perUser struct{ model.Scorer }

// randomRatioSplit is the 80/10/10 split (seed) of nu users with perUser
// random interactions each (repeats merged) over ni items.
func randomRatioSplit(t *testing.T, nu, ni, perUser int, seed uint64) *data.Split {
	t.Helper()
	rng := nn.NewRand(seed, seed)
	var pairs []data.Pair
	for u := 0; u < nu; u++ {
		for k := 0; k < perUser; k++ {
			pairs = append(pairs, data.Pair{User: int32(u), Item: int32(rng.IntN(ni))})
		}
	}
	x, err := data.FromPairs(nu, ni, pairs)
	if err != nil {
		t.Fatal(err)
	}
	s, err := data.RatioSplit801010(x, seed-3)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFullRankingBlockedScoringMatchesPerUser(t *testing.T) {
	s := randomRatioSplit(t, 37, 300, 12, 4)
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

// TestFullRankingPartsBlocked: with a model that scores blocks of users,
// the shared pass (blocks over the union of the parts' users) gives the
// results of the separate calls (blocks over each part's users).
func TestFullRankingPartsBlocked(t *testing.T) {
	s := randomRatioSplit(t, 61, 400, 20, 5)
	// Some users without a valid or a test item, so that the parts' user
	// sets differ and the blocks of the union are not the parts' blocks.
	for u := range s.Valid {
		if u%3 == 1 {
			s.Valid[u] = nil
		}
		if u%5 == 2 {
			s.Test[u] = nil
		}
	}
	m, _ := model.NewBPR(model.BPRConfig{Users: 61, Items: 400, Dim: 20, InitStd: 1, Seed: 6})
	ctx := context.Background()
	both, err := eval.FullRankingParts(ctx, m, s, []string{eval.Valid, eval.Test}, eval.Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	for k, part := range []string{eval.Valid, eval.Test} {
		one, err := eval.FullRanking(ctx, m, s, part, eval.Options{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(both[k], one) {
			t.Errorf("%s: the shared pass differs from FullRanking", part)
		}
	}
	if both[0].Len() == 0 || both[1].Len() == 0 || reflect.DeepEqual(both[0].Users, both[1].Users) {
		t.Fatalf("valid and test evaluate %d and %d users, not different sets: blocks are not exercised across the union", both[0].Len(), both[1].Len())
	}
}

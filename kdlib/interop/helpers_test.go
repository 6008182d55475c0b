package interop_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// testSplit returns a leave-one-out split of a random data set of 40 users
// and 60 items whose identifiers are strings ("u07", "i42"), as read from a
// file.
func testSplit(t testing.TB) *data.Split {
	t.Helper()
	rng := nn.NewRand(7, 1)
	var pairs []data.Pair
	for u := range 40 {
		for range 6 + rng.IntN(6) {
			pairs = append(pairs, data.Pair{User: int32(u), Item: int32(rng.IntN(60))})
		}
	}
	x, err := data.FromPairs(40, 60, pairs)
	if err != nil {
		t.Fatal(err)
	}
	for u := range 40 {
		x.UserIDs = append(x.UserIDs, fmt.Sprintf("u%02d", u))
	}
	for i := range 60 {
		x.ItemIDs = append(x.ItemIDs, fmt.Sprintf("i%02d", i))
	}
	s, err := data.LeaveOneOut(x, 0, 20)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// trainedBPR returns a BPR model of dimension dim trained for a few epochs
// on s.
func trainedBPR(t testing.TB, s *data.Split, dim int) *model.BPR {
	t.Helper()
	m, err := model.NewBPR(model.BPRConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: dim, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	cfg := train.Defaults()
	cfg.Epochs, cfg.LR, cfg.BatchSize, cfg.EvalEvery = 5, 0.05, 64, 0
	if _, err := train.Fit(context.Background(), m, s.Train, []train.Term{m.Loss()}, cfg); err != nil {
		t.Fatal(err)
	}
	return m
}

// sameScores fails unless a and b give bit-identical scores through
// ScoreAll, ScoreItems and, when both have it, ScoreUsers.
func sameScores(t *testing.T, what string, a, b model.Scorer) {
	t.Helper()
	if err := diffScores(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) }); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// diffScores compares every score of a and b with eq.
func diffScores(a, b model.Scorer, eq func(x, y float32) bool) error {
	n, m := a.NumUsers(), a.NumItems()
	if b.NumUsers() != n || b.NumItems() != m {
		return fmt.Errorf("sizes %d×%d and %d×%d", n, m, b.NumUsers(), b.NumItems())
	}
	items := make([]int32, m)
	for i := range items {
		items[i] = int32((i * 7) % m)
	}
	sa, sb := make([]float32, m), make([]float32, m)
	for u := range n {
		a.ScoreAll(u, sa)
		b.ScoreAll(u, sb)
		for i := range sa {
			if !eq(sa[i], sb[i]) {
				return fmt.Errorf("ScoreAll(u=%d)[%d]: %v and %v", u, i, sa[i], sb[i])
			}
		}
		a.ScoreItems(u, items, sa)
		b.ScoreItems(u, items, sb)
		for k := range sa {
			if !eq(sa[k], sb[k]) {
				return fmt.Errorf("ScoreItems(u=%d, i=%d): %v and %v", u, items[k], sa[k], sb[k])
			}
		}
	}
	type usersScorer interface{ ScoreUsers([]int32, []float32) }
	ua, ok1 := a.(usersScorer)
	ub, ok2 := b.(usersScorer)
	if ok1 && ok2 {
		users := []int32{0, int32(n - 1), int32(n / 2)}
		oa, ob := make([]float32, 3*m), make([]float32, 3*m)
		ua.ScoreUsers(users, oa)
		ub.ScoreUsers(users, ob)
		for k := range oa {
			if !eq(oa[k], ob[k]) {
				return fmt.Errorf("ScoreUsers(u=%d)[%d]: %v and %v", users[k/m], k%m, oa[k], ob[k])
			}
		}
	}
	return nil
}

// writeFile writes b to dir/name and returns the path.
func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// wantErr fails unless err is an error whose message holds every part.
func wantErr(t *testing.T, what string, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want one with %q", what, parts)
		return
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q does not say %q", what, err, p)
		}
	}
}

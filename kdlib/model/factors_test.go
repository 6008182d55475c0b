package model

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/nn"
)

// factorsOf rebuilds m as a Factors model from its representations.
func factorsOf(t *testing.T, m Factorized, users, items int) *Factors {
	t.Helper()
	all := func(n int) []int32 {
		ids := make([]int32, n)
		for k := range ids {
			ids[k] = int32(k)
		}
		return ids
	}
	d := FactorsData{Form: m.ScoreForm(), Users: users, Items: items, Dim: m.Dim(),
		User: make([]float32, users*m.Dim()), Item: make([]float32, items*m.Dim())}
	m.UserVecs(all(users), d.User)
	m.ItemVecs(all(items), d.Item)
	d.UserBias, d.ItemBias = m.Biases()
	f, err := NewFactors(d)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// compareScores compares every score of a and b (ScoreAll, ScoreItems and,
// when both have it, ScoreUsers): bit for bit with tol = 0, else to a
// tolerance tol relative to the largest |score| of the user's row (scores
// near zero carry the rounding of the row's scale). It returns the largest relative difference and
// the first score outside the tolerance ("" if none).
func compareScores(a, b Scorer, tol float64) (worst float64, first string) {
	n, m := a.NumUsers(), a.NumItems()
	if b.NumUsers() != n || b.NumItems() != m {
		return math.Inf(1), fmt.Sprintf("sizes %d×%d and %d×%d", n, m, b.NumUsers(), b.NumItems())
	}
	items := make([]int32, m)
	for i := range items {
		items[i] = int32(m - 1 - i) // reversed: ScoreItems follows the list
	}
	scale := 0.0 // the largest |score| of the current row
	check := func(what string, u, i int, x, y float32) {
		d := math.Abs(float64(x)-float64(y)) / math.Max(1e-30, math.Max(scale, math.Abs(float64(x))))
		worst = math.Max(worst, d)
		if first == "" && ((tol == 0 && math.Float32bits(x) != math.Float32bits(y)) || d > tol) {
			first = fmt.Sprintf("%s(u=%d, i=%d): %v, rebuilt %v", what, u, i, x, y)
		}
	}
	sa, sb := make([]float32, m), make([]float32, m)
	for u := range n {
		a.ScoreAll(u, sa)
		b.ScoreAll(u, sb)
		scale = 0
		for _, x := range sa {
			scale = math.Max(scale, math.Abs(float64(x)))
		}
		for i := range sa {
			check("ScoreAll", u, i, sa[i], sb[i])
		}
		a.ScoreItems(u, items, sa)
		b.ScoreItems(u, items, sb)
		for k := range sa {
			check("ScoreItems", u, int(items[k]), sa[k], sb[k])
		}
	}
	type usersScorer interface{ ScoreUsers([]int32, []float32) }
	ua, ok1 := a.(usersScorer)
	ub, ok2 := b.(usersScorer)
	if ok1 && ok2 {
		var users []int32
		for _, u := range []int32{3, 0, 4, 1, 2} {
			if int(u) < n {
				users = append(users, u)
			}
		}
		oa, ob := make([]float32, len(users)*m), make([]float32, len(users)*m)
		ua.ScoreUsers(users, oa)
		ub.ScoreUsers(users, ob)
		scale = 0
		for _, x := range oa {
			scale = math.Max(scale, math.Abs(float64(x)))
		}
		for k := range oa {
			check("ScoreUsers", int(users[k/m]), k%m, oa[k], ob[k])
		}
	}
	return worst, first
}

// TestFactorsReproduceModels rebuilds every Factorized kind from its
// representations and compares the scores: bit for bit for BPR, CDAE,
// ItemAE and for CML rows within the max-norm; to float32 rounding for
// LightGCN's per-item scores and for CML rows rescaled to the max-norm.
func TestFactorsReproduceModels(t *testing.T) {
	x := randomGraph(t, 9, 13, 40, 5)
	perturb := func(ps []*nn.Param, std float64, seed uint64) {
		rng := nn.NewRand(seed, 1)
		for _, p := range ps {
			nn.InitNormal(p, rng, 0, std)
		}
	}
	bpr, _ := NewBPR(BPRConfig{Users: 9, Items: 13, Dim: 19, Seed: 1, InitStd: 0.5})
	gcn, _ := NewLightGCN(LightGCNConfig{Dim: 37, Layers: 2, Seed: 1, InitStd: 0.5}, x)
	cdae, _ := NewCDAE(CDAEConfig{Hidden: 12, Seed: 1}, x)
	iae, _ := NewItemAE(CDAEConfig{Hidden: 10, Seed: 1}, x)
	perturb(cdae.Params(), 0.3, 2) // biases too, which start at zero
	perturb(iae.Params(), 0.3, 3)
	iae.Invalidate()
	cmlIn, _ := NewCML(CMLConfig{Users: 9, Items: 13, Dim: 9, Seed: 1, InitStd: 0.05}) // every row within the max-norm
	cmlOut, _ := NewCML(CMLConfig{Users: 9, Items: 13, Dim: 9, Seed: 1, InitStd: 2})   // most rows rescaled
	for _, c := range []struct {
		name string
		m    interface {
			Factorized
			Scorer
		}
		tol float64
	}{
		{"bpr", bpr, 0}, {"cdae", cdae, 0}, {"iae", iae, 0}, {"cml within max-norm", cmlIn, 0},
		{"lightgcn", gcn, 1e-6}, {"cml rescaled", cmlOut, 1e-6},
	} {
		f := factorsOf(t, c.m, c.m.NumUsers(), c.m.NumItems())
		if f.ScoreForm() != c.m.ScoreForm() {
			t.Errorf("%s: form %s, want %s", c.name, f.ScoreForm(), c.m.ScoreForm())
		}
		worst, first := compareScores(c.m, f, c.tol)
		if first != "" {
			t.Errorf("%s: %s", c.name, first)
		}
		t.Logf("%s (%s): largest relative difference %.3g", c.name, c.m.ScoreForm(), worst)
	}
}

// TestFactorsCatchesAWrongForm makes sure the comparison above can fail:
// a BPR model's matrices read as CML's distances score otherwise.
func TestFactorsCatchesAWrongForm(t *testing.T) {
	bpr, _ := NewBPR(BPRConfig{Users: 4, Items: 5, Dim: 3, Seed: 1, InitStd: 0.5})
	d := FactorsData{Form: NegSqDistScore, Users: 4, Items: 5, Dim: 3, User: bpr.P.W, Item: bpr.Q.W}
	f, err := NewFactors(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, first := compareScores(bpr, f, 1e-3); first == "" {
		t.Fatal("a dot-product model rebuilt as distances scored the same")
	}
}

func TestNewFactorsErrors(t *testing.T) {
	ok := func() FactorsData {
		return FactorsData{Form: DotScore, Users: 2, Items: 3, Dim: 2, User: make([]float32, 4), Item: make([]float32, 6)}
	}
	for _, c := range []struct {
		edit func(d *FactorsData)
		want string
	}{
		{func(d *FactorsData) { d.Form = "cosine" }, `unknown score form "cosine"`},
		{func(d *FactorsData) { d.Dim = 0 }, "need users, items and dim"},
		{func(d *FactorsData) { d.User = d.User[:3] }, "3 user values for 2×2"},
		{func(d *FactorsData) { d.ItemBias = make([]float32, 3) }, "biases are part of the dot+bias form only"},
		{func(d *FactorsData) { d.Form, d.UserBias = DotBiasScore, make([]float32, 3) }, "3 user biases for 2 users"},
		{func(d *FactorsData) { d.Item[5] = float32(math.NaN()) }, "tensor item holds NaN at row 2, column 1"},
		{func(d *FactorsData) { d.Form, d.ItemBias = DotBiasScore, []float32{0, float32(math.Inf(-1)), 0} },
			"tensor item bias holds -Inf at row 1, column 0"},
	} {
		d := ok()
		c.edit(&d)
		if _, err := NewFactors(d); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error containing %q", err, c.want)
		}
	}
	if _, err := NewFactors(ok()); err != nil {
		t.Fatal(err)
	}
}

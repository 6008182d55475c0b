package distill

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/internal/topk"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

func TestCDGradient(t *testing.T) {
	f := newFixture(t, 12, 40, 10, false)
	for _, o := range []CDOptions{
		{K: 4, T: 3, Lambda: 0.7},                            // the reference: student-guided
		{K: 3, Pool: 10, Guide: CDGuideTeacher, Lambda: 0.7}, // over the teacher's lists
		{K: 3, Guide: CDGuideRandom, Lambda: 0.7},
		{Variant: VariantKdrecV1, K: 4, T: 3, Lambda: 0.7},
	} {
		term, err := CD(f.lists, f.teacher, f.student, o)
		if err != nil {
			t.Fatal(err)
		}
		checkTerm(t, f, term, 0)
	}
}

// TestCDDefaults checks the variants' defaults: KDs's cd.yaml for the
// reference, kdrec's earlier ones for kdrec-v1, through the registry.
func TestCDDefaults(t *testing.T) {
	f := newFixture(t, 12, 600, 500, false)
	env := Env{Teacher: f.teacher, Student: f.student, Lists: func(n int, _ bool) (*TeacherLists, error) {
		if n != 0 && n != f.lists.Users.N {
			t.Fatalf("lists of length %d asked", n)
		}
		return f.lists, nil
	}}
	build := func(opts map[string]any) CDOptions {
		ts, err := Build([]TermSpec{{Method: "cd", Options: opts}}, env)
		if err != nil {
			t.Fatal(err)
		}
		return ts[0].(*cd).o
	}
	if o := build(nil); o != (CDOptions{Variant: VariantReference, Guide: CDGuideStudent, K: 2, T: 20, Pool: 3000, Temp: 2, Lambda: 0.5}) {
		t.Errorf("reference defaults %+v", o)
	}
	if o := build(map[string]any{"variant": "kdrec-v1"}); o != (CDOptions{Variant: VariantKdrecV1, K: 10, T: 10, Pool: 500, Temp: 2, Lambda: 0.1}) {
		t.Errorf("kdrec-v1 defaults %+v", o)
	}
	if o := build(map[string]any{"guide": "teacher", "pool": 500}); o.Guide != CDGuideTeacher || o.Pool != 500 {
		t.Errorf("teacher guide %+v", o)
	}
	for _, c := range []struct {
		opts map[string]any
		want string
	}{
		{map[string]any{"guide": "teacher", "n": 500}, "pool=3000 is out of range: want an integer in [1, n=500]"},
		{map[string]any{"variant": "kdrec-v1", "guide": "student"}, "guide=student is out of range"},
		{map[string]any{"variant": "kdrec-v1", "k": 501}, "k=501 is out of range"},
		{map[string]any{"variant": "kdrec-v1", "pool": 600}, "pool=600 is out of range"},
	} {
		_, err := Precheck([]TermSpec{{Method: "cd", Options: c.opts}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.opts, err, c.want)
		}
	}
	// With the teacher guide the lists are as long as the pool by default.
	if _, err := Precheck([]TermSpec{{Method: "cd", Options: map[string]any{"guide": "teacher"}}}); err != nil {
		t.Errorf("teacher guide: %v", err)
	}
}

// TestCDTournament checks the tournament's law: the better of two
// positions drawn with P(p) ∝ exp(−a·(p+1)) over a ranking of length n has
// P(min = p) = P(p)·(2·S(p) − P(p)), S(p) = P(X ≥ p).
func TestCDTournament(t *testing.T) {
	const n, draws = 12, 400000
	a := 1 / (12 * 0.25) // strong decay, to see the shape
	w := make([]float64, n)
	z := 0.0
	for p := range w {
		w[p] = math.Exp(-a * float64(p+1))
		z += w[p]
	}
	rng := nn.NewRand(5, 5)
	count := make([]float64, n)
	for d := 0; d < draws; d++ {
		count[min(cdPosition(rng, a, n), cdPosition(rng, a, n))]++
	}
	s := 1.0
	for p := range w {
		pp := w[p] / z
		want := pp * (2*s - pp)
		s -= pp
		got := count[p] / draws
		if sd := math.Sqrt(want * (1 - want) / draws); math.Abs(got-want) > 5*sd+1e-6 {
			t.Errorf("position %d: frequency %.5f, want %.5f ± %.5f", p, got, want, sd)
		}
	}
}

// TestCDSamples checks where the items come from: the student's top-pool
// unobserved items, re-drawn every epoch (student guide), the teacher's
// lists once (teacher guide), and that a user counts once per triple.
func TestCDSamples(t *testing.T) {
	f := newFixture(t, 30, 60, 20, false)
	epoch := func(term *cd, k uint64) []int32 {
		if err := term.BeginEpoch(&train.Epoch{Train: f.train, Rand: nn.NewRand(1, k)}); err != nil {
			t.Fatal(err)
		}
		return slices.Clone(term.items)
	}
	term, err := CD(nil, f.teacher, f.student, CDOptions{K: 3, Pool: 5})
	if err != nil {
		t.Fatal(err)
	}
	st := term.(*cd)
	first := epoch(st, 1)
	scores := make([]float32, f.train.NumItems)
	for u := 0; u < 30; u++ {
		f.student.ScoreAll(u, scores)
		for _, i := range first[u*3 : u*3+3] {
			if f.train.Has(u, i) {
				t.Fatalf("user %d: sampled a training item", u)
			}
			better := 0
			for j, s := range scores {
				if s > scores[i] && !f.train.Has(u, int32(j)) {
					better++
				}
			}
			if better >= 5 {
				t.Fatalf("user %d: item %d is at position %d of the student's ranking, outside the pool", u, i, better)
			}
		}
	}
	if slices.Equal(first, epoch(st, 2)) {
		t.Error("the student-guided samples did not change between epochs")
	}
	term, err = CD(f.lists, f.teacher, f.student, CDOptions{K: 3, Pool: 20, Guide: CDGuideTeacher})
	if err != nil {
		t.Fatal(err)
	}
	tg := term.(*cd)
	if a, b := epoch(tg, 1), epoch(tg, 2); !slices.Equal(a, b) {
		t.Error("the teacher-guided samples changed between epochs")
	}
	for u := 0; u < 30; u++ {
		for _, i := range tg.items[u*3 : u*3+3] {
			if !slices.Contains(f.lists.Users.Row(u), i) {
				t.Fatalf("user %d: item %d not in the teacher's list", u, i)
			}
		}
	}
	// Per triple: a user in two triples counts twice (kdrec-v1: once).
	one := &train.Batch{Users: []int32{4}, Pos: []int32{0}, Neg: []int32{1}}
	two := &train.Batch{Users: []int32{4, 4}, Pos: []int32{0, 2}, Neg: []int32{1, 3}}
	if l1, l2 := st.Batch(one), st.Batch(two); math.Abs(l2-2*l1) > 1e-12*l1 {
		t.Errorf("loss %v for a user in two triples, %v in one", l2, l1)
	}
	v1, err := CD(f.lists, f.teacher, f.student, CDOptions{Variant: VariantKdrecV1, K: 3})
	if err != nil {
		t.Fatal(err)
	}
	epoch(v1.(*cd), 1)
	if l1, l2 := v1.Batch(one), v1.Batch(two); l1 != l2 {
		t.Errorf("kdrec-v1: loss %v for a user in two triples, %v in one", l2, l1)
	}
	for _, p := range f.student.Params() {
		p.ZeroGrad()
	}
}

// TestSelectRanks checks the selection against a full sort, and the keys'
// order against the teacher lists' (topk.TopK: score descending, ties by
// index, NaN last).
func TestSelectRanks(t *testing.T) {
	rng := nn.NewRand(3, 3)
	var sample []uint64
	for _, n := range []int{1, 5, 17, 100, 1025, 5000, 30000} {
		scores := make([]float32, n)
		for i := range scores {
			scores[i] = float32(rng.IntN(n/3 + 1)) // many ties
			if rng.IntN(50) == 0 {
				scores[i] = float32(math.NaN())
			}
		}
		want := topk.TopK(scores, n, nil, nil)
		keys := make([]uint64, n)
		for i, v := range scores {
			keys[i] = cdKey(v, i)
		}
		sorted := slices.Clone(keys)
		slices.Sort(sorted)
		for r, k := range sorted {
			if int32(uint32(k)) != want[r] {
				t.Fatalf("n=%d: rank %d holds item %d, topk %d", n, r, uint32(k), want[r])
			}
		}
		for trial := 0; trial < 5; trial++ {
			var ranks []int
			for k := 0; k < 1+rng.IntN(4); k++ {
				ranks = append(ranks, rng.IntN(min(n, 3000)))
			}
			slices.Sort(ranks)
			ranks = slices.Compact(ranks)
			a := slices.Clone(keys)
			sample = selectRanks(a, ranks, sample)
			for _, r := range ranks {
				if a[r] != sorted[r] {
					t.Fatalf("n=%d ranks %v: a[%d] wrong", n, ranks, r)
				}
			}
		}
	}
}

package distill

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

func TestDCDGradient(t *testing.T) {
	f := newFixture(t, 30, 40, 8, true)
	for _, o := range []DCDOptions{
		{Pool: 6, K: 3, L: 3, T: 2, Lambda: 0.5},
		{Pool: 6, K: 3, L: 3, T: 2, Lambda: 0.5, ExcludeTrain: true},
		{Variant: VariantKdrecV1, Pool: 6, ItemPool: 5, K: 3, L: 3, ItemK: 2, ItemL: 2, T: 2, Depth: 10, Lambda: 0.5, ItemLambda: 0.25},
	} {
		term, err := DCD(f.lists, f.student, o)
		if err != nil {
			t.Fatal(err)
		}
		checkTerm(t, f, term, 0)
		d := term.(*dcd)
		for u := 0; u < 30; u++ {
			in := d.user.inter(u)
			below := d.user.Unint[u*3 : u*3+int(d.userBelow[u])]
			if len(in) != 3 || (o.Variant == "" && len(below) != 3) {
				t.Fatalf("%+v: user %d: %d under- and %d over-estimated items", o, u, len(in), len(below))
			}
			top := f.lists.Users.Row(u)[:6]
			for _, x := range slices.Concat(in, below) {
				if o.Variant == "" && !slices.Contains(top, x) {
					t.Fatalf("user %d: item %d is not in the teacher's top-6", u, x)
				}
				if f.train.Has(u, x) {
					t.Fatalf("user %d: item %d is a positive", u, x)
				}
			}
			if o.Variant == VariantKdrecV1 {
				for _, x := range below {
					if slices.Contains(in, x) {
						t.Fatalf("kdrec-v1: user %d: below item %d is in the list", u, x)
					}
				}
			}
		}
	}
}

// TestDCDExactDepth checks that the default depth of the student's ranking
// gives the weights of the full ranking: the samples drawn from the
// top-Depth ranking equal those drawn from the complete one, training items
// counted (the reference) or not.
func TestDCDExactDepth(t *testing.T) {
	f := newFixture(t, 40, 300, 30, false)
	for _, excl := range []bool{false, true} {
		term, err := DCD(f.lists, f.student, DCDOptions{Pool: 20, K: 6, L: 6, T: 2, ExcludeTrain: excl})
		if err != nil {
			t.Fatal(err)
		}
		d := term.(*dcd)
		if d.o.Depth != 19+39 {
			t.Fatalf("depth %d, want %d", d.o.Depth, 19+39)
		}
		x := f.train
		if !excl {
			x = d.none
		}
		part, _, err := rankAll(context.Background(), f.student, x, d.o.Depth, 0, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		full, _, err := rankAll(context.Background(), f.student, x, 300, 0, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		d.correctReference(part, 9)
		a := slices.Concat(d.user.Inter, d.user.Unint)
		d.correctReference(full, 9)
		if b := slices.Concat(d.user.Inter, d.user.Unint); !slices.Equal(a, b) {
			t.Fatalf("exclude-train=%v: the samples of the top-%d ranking differ from the full ranking's", excl, d.o.Depth)
		}
		// A too shallow ranking saturates weights that are not: the samples
		// change (the test can tell).
		shallow, _, _ := rankAll(context.Background(), f.student, x, 20, 0, 1, nil)
		d.o.Depth = 20
		d.correctReference(shallow, 9)
		if b := slices.Concat(d.user.Inter, d.user.Unint); slices.Equal(a, b) {
			t.Fatalf("exclude-train=%v: a depth-20 ranking gives the same samples", excl)
		}
	}
}

// TestDCDRanksTrainingItems checks that the reference ranks the student
// over every item: training items the student ranks first push the teacher's
// items down, so they all look under-estimated.
func TestDCDRanksTrainingItems(t *testing.T) {
	f := newFixture(t, 20, 100, 10, false)
	var got [2][]int32
	for k, excl := range []bool{false, true} {
		term, err := DCD(f.lists, f.student, DCDOptions{Pool: 10, K: 10, L: 10, T: 1, ExcludeTrain: excl})
		if err != nil {
			t.Fatal(err)
		}
		if err := term.BeginEpoch(&train.Epoch{Train: f.train, Rand: nn.NewRand(2, 2)}); err != nil {
			t.Fatal(err)
		}
		got[k] = slices.Clone(term.(*dcd).user.Inter)
	}
	if slices.Equal(got[0], got[1]) {
		t.Error("ranking the training items does not change the samples")
	}
}

// TestSampleWeightedDrawn checks the draw order: the first index follows
// the weights, the second the weights without the first.
func TestSampleWeightedDrawn(t *testing.T) {
	w := []float64{1, 2, 3, 4}
	const draws = 200000
	rng := nn.NewRand(8, 8)
	var first [4]float64
	var second [4][4]float64
	keys := make([]float64, 4)
	var out []int32
	for d := 0; d < draws; d++ {
		out = sampleWeightedDrawn(rng, w, 2, keys, out)
		first[out[0]]++
		second[out[0]][out[1]]++
	}
	for i := range w {
		want := w[i] / 10
		if got := first[i] / draws; math.Abs(got-want) > 0.005 {
			t.Errorf("first draw %d: %.4f, want %.4f", i, got, want)
		}
		for j := range w {
			if i == j || first[i] == 0 {
				continue
			}
			want := w[j] / (10 - w[i])
			if got := second[i][j] / first[i]; math.Abs(got-want) > 0.01 {
				t.Errorf("second draw %d after %d: %.4f, want %.4f", j, i, got, want)
			}
		}
	}
}

// TestDCDDefaults checks the variants' defaults through the registry and
// the options each variant refuses.
func TestDCDDefaults(t *testing.T) {
	f := newFixture(t, 12, 1000, 500, true)
	env := Env{Teacher: f.teacher, Student: f.student, Lists: func(n int, _ bool) (*TeacherLists, error) { return f.lists, nil }}
	build := func(opts map[string]any) DCDOptions {
		ts, err := Build([]TermSpec{{Method: "dcd", Options: opts}}, env)
		if err != nil {
			t.Fatal(err)
		}
		return ts[0].(*dcd).o
	}
	if o := build(nil); o != (DCDOptions{Variant: VariantReference, Pool: 500, K: 100, L: 100, T: 10, Depth: 499 + 191, Lambda: 0.01}) {
		t.Errorf("reference defaults %+v", o)
	}
	// (Twelve users: the item lists hold at most twelve.)
	if o := build(map[string]any{"variant": "kdrec-v1", "item-pool": 10, "item-k": 5, "item-l": 5}); o != (DCDOptions{Variant: VariantKdrecV1, Pool: 100, ItemPool: 10, K: 40, L: 40, ItemK: 5, ItemL: 5, T: 10, Depth: 200, Lambda: 1e-3, ItemLambda: 5e-4}) {
		t.Errorf("kdrec-v1 defaults %+v", o)
	}
	for _, c := range []struct {
		opts map[string]any
		want string
	}{
		{map[string]any{"item-k": 5}, "item-k=5 is out of range"},
		{map[string]any{"variant": "kdrec-v1", "exclude-train": true}, "exclude-train=true is out of range"},
		{map[string]any{"n": 50, "k": 60}, "k=60 is out of range: want an integer in [1, pool=50]"},
		{map[string]any{"pool": 40, "depth": 30}, "depth=30 is out of range"},
	} {
		_, err := Precheck([]TermSpec{{Method: "dcd", Options: c.opts}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.opts, err, c.want)
		}
	}
	// k and l default to the pool when it is shorter than 100.
	if _, err := Precheck([]TermSpec{{Method: "dcd", Options: map[string]any{"n": 50}}}); err != nil {
		t.Errorf("n=50: %v", err)
	}
}

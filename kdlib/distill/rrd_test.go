package distill

import (
	"slices"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

func TestRRDGradient(t *testing.T) {
	f := newFixture(t, 12, 40, 10, false)
	for _, topk := range []bool{false, true} {
		term, err := RRD(f.lists, f.student, RRDOptions{K: 4, L: 5, T: 2, Lambda: 0.5, TopK: topk})
		if err != nil {
			t.Fatal(err)
		}
		checkTerm(t, f, term, 0)
	}
}

func TestRRDDefaultsAndValidation(t *testing.T) {
	f := newFixture(t, 12, 600, 500, false)
	term, err := RRD(f.lists, f.student, RRDOptions{})
	if err != nil {
		t.Fatal(err)
	}
	o := term.(*rrd).user.o
	if o.K != 40 || o.L != 40 || o.T != 10 || o.Pool != 500 || o.Lambda != 1e-3 || term.Name() != "rrd" {
		t.Errorf("defaults %+v", o)
	}
	for _, c := range []struct {
		o    RRDOptions
		want string
	}{
		{RRDOptions{K: -1}, "K must be in [1, Pool=500]"},
		{RRDOptions{K: 501}, "K must be in"},
		{RRDOptions{L: -2}, "L must be >= 1"},
		{RRDOptions{T: -1}, "T must be > 0"},
		{RRDOptions{Pool: 501}, "Pool must be in [1, 500]"},
		{RRDOptions{Lambda: -1}, "Lambda must be > 0"},
		{RRDOptions{L: 1000}, "L=1000 exceeds"},
	} {
		_, err := RRD(f.lists, f.student, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.o, err, c.want)
		}
	}
}

func TestRRDSamplesRespectExclusions(t *testing.T) {
	f := newFixture(t, 30, 200, 50, false)
	term, err := RRD(f.lists, f.student, RRDOptions{K: 10, L: 20, T: 5})
	if err != nil {
		t.Fatal(err)
	}
	r := term.(*rrd)
	if err := r.BeginEpoch(&train.Epoch{Train: f.train, Rand: nn.NewRand(1, 2)}); err != nil {
		t.Fatal(err)
	}
	for u := 0; u < 30; u++ {
		list := f.lists.Users.Row(u)
		pos := map[int32]int{}
		for p, i := range list {
			pos[i] = p
		}
		prev := -1
		for _, i := range r.user.cur.inter(u) {
			p, ok := pos[i]
			if !ok || p <= prev {
				t.Fatalf("user %d: interesting item %d not in teacher order (pos %d after %d)", u, i, p, prev)
			}
			prev = p
		}
		seen := map[int32]bool{}
		for _, i := range r.user.cur.unint(u) {
			if _, inList := pos[i]; inList || f.train.Has(u, i) || seen[i] {
				t.Fatalf("user %d: uninteresting item %d is in the list, a positive or repeated", u, i)
			}
			seen[i] = true
		}
	}
}

func TestIRRRDGradient(t *testing.T) {
	f := newFixture(t, 30, 40, 8, true)
	term, err := IRRRD(f.lists, f.student, IRRRDOptions{
		User: RRDOptions{K: 3, L: 4, T: 2, Lambda: 0.5},
		Item: RRDOptions{K: 2, L: 3, T: 2, Lambda: 0.25},
	})
	if err != nil {
		t.Fatal(err)
	}
	checkTerm(t, f, term, 0)
}

func TestIRRRDNeedsItemLists(t *testing.T) {
	f := newFixture(t, 12, 40, 10, false)
	if _, err := IRRRD(f.lists, f.student, IRRRDOptions{}); err == nil || !strings.Contains(err.Error(), "ItemSide") {
		t.Fatalf("error %v", err)
	}
}

func TestRDGradient(t *testing.T) {
	f := newFixture(t, 12, 40, 10, false)
	term, err := RD(f.lists, f.student, RDOptions{K: 5, Mu: 0.5, DynamicSamples: 20, DynamicStart: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkTerm(t, f, term, 0) // position weights only
	checkTerm(t, f, term, 3) // hybrid weights
}

// hidden hides the concrete student type, so the terms take the generic
// PairScorer path rather than the BPR fast path.
type hidden struct{ *model.BPR }

func (h hidden) ScorePairs(u, i []int32, out []float32) { h.BPR.ScorePairs(u, i, out) }

func TestListwiseGenericStudentPath(t *testing.T) {
	f := newFixture(t, 30, 40, 8, true)
	term, err := IRRRD(f.lists, struct{ model.PairScorer }{hidden{f.student}}, IRRRDOptions{
		User: RRDOptions{K: 3, L: 4, T: 2, Lambda: 0.5}, Item: RRDOptions{K: 2, L: 3, T: 2, Lambda: 0.25}})
	if err != nil {
		t.Fatal(err)
	}
	checkTerm(t, f, term, 0)
}

func TestDERRDBuildsBothTerms(t *testing.T) {
	f := newFixture(t, 12, 40, 10, false)
	terms, err := DERRD(f.teacher, f.lists, f.student, DefaultDE(), RRDOptions{K: 4, L: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(terms) != 2 || terms[0].Name() != "de" || terms[1].Name() != "rrd" {
		t.Fatalf("terms %v", terms)
	}
	if _, err := DERRD(f.teacher, f.lists, f.student, DefaultDE(), RRDOptions{K: 99}); err == nil || !strings.Contains(err.Error(), "de-rrd") {
		t.Fatalf("bad RRD options: %v", err)
	}
	// The RRD half is the RRD term: its gradient is checked on its own.
	checkTerm(t, f, terms[1], 0)
}

func TestIRRRDSamplesIndependentOfWorkers(t *testing.T) {
	f := newFixture(t, 600, 80, 12, true)
	var got [][]int32
	for _, w := range []int{1, 3} {
		term, err := IRRRD(f.lists, f.student, IRRRDOptions{User: RRDOptions{K: 4, L: 5, T: 3, Workers: w}, Item: RRDOptions{K: 3, L: 4, T: 3}})
		if err != nil {
			t.Fatal(err)
		}
		ir := term.(*irrrd)
		if err := ir.BeginEpoch(&train.Epoch{Train: f.train, Rand: nn.NewRand(4, 4)}); err != nil {
			t.Fatal(err)
		}
		got = append(got, slices.Concat(ir.user.cur.Inter, ir.user.cur.Unint, ir.item.cur.Inter, ir.item.cur.Unint))
	}
	if !slices.Equal(got[0], got[1]) {
		t.Fatal("samples depend on the number of workers")
	}
}

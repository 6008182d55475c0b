package distill

import (
	"math"
	"testing"

	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

func TestDEGradient(t *testing.T) {
	for _, tc := range []struct {
		name    string
		epoch   int
		prune   float64
		grouped bool
	}{{"tau1-stacked", 0, 0, false}, {"tau1-grouped", 0, 0, true}, {"tau0.3", 60, 0, true}, {"tau0.3-pruned", 60, 0x1p-24, false}} {
		t.Run(tc.name, func(t *testing.T) {
			x := newLatToy(t, 3, 5)
			o := DefaultDE()
			o.Lambda, o.Experts, o.Prune, o.Seed = 1, 3, tc.prune, 1
			d, err := DE(x.teacher, x.student, o)
			if err != nil {
				t.Fatal(err)
			}
			if err := d.BeginEpoch(&train.Epoch{Index: tc.epoch, MaxEpochs: 100}); err != nil {
				t.Fatal(err)
			}
			for side := range d.sides {
				d.sides[side].job.noStacked = tc.grouped
			}
			checkTermGrad(t, x, d, 2e-4, 2e-2)
		})
	}
}

func TestDEOneExpertIsHint(t *testing.T) {
	x := newLatToy(t, 3, 5)
	o := DefaultDE()
	o.Experts, o.Seed = 1, 4
	d, err := DE(x.teacher, x.student, o)
	if err != nil {
		t.Fatal(err)
	}
	ho := DefaultHint()
	ho.Seed = 4
	h, err := Hint(x.teacher, x.student, ho)
	if err != nil {
		t.Fatal(err)
	}
	// Same initial weights.
	for side := 0; side < 2; side++ {
		dp, hp := d.banks[side].params(), h.banks[side].params()
		for k := range dp {
			copy(hp[k].W, dp[k].W)
		}
	}
	grads := func(term train.Term) (float64, []float32) {
		for _, p := range x.student.Params() {
			p.TouchAll()
			p.ZeroGrad()
		}
		l := term.Batch(x.batch(1))
		return l, append(append([]float32{}, x.student.P.G...), x.student.Q.G...)
	}
	ld, gd := grads(d)
	lh, gh := grads(h)
	if math.Abs(ld-lh) > 1e-6*math.Abs(ld) {
		t.Fatalf("DE(M=1) loss %v, hint %v", ld, lh)
	}
	for k := range gd {
		if math.Abs(float64(gd[k]-gh[k])) > 1e-5*(1+math.Abs(float64(gd[k]))) {
			t.Fatalf("grad %d: DE %v hint %v", k, gd[k], gh[k])
		}
	}
}

func TestDEZeroWhenReproduced(t *testing.T) {
	x := newLatToy(t, 2, 6)
	teacher, r := latMappedTeacher(x.student, 6, false, 1)
	o := DefaultDE()
	o.Experts, o.Hidden, o.Lambda = 4, 4, 1
	d, err := DE(teacher, x.student, o)
	if err != nil {
		t.Fatal(err)
	}
	for side := 0; side < 2; side++ {
		for _, net := range d.banks[side].nets {
			latSetExpertToMap(net, r, 2, 6)
		}
	}
	if l := d.Batch(x.batch(1)); l > 1e-9 {
		t.Fatalf("loss %v with a student that reproduces the teacher through every expert", l)
	}
	x.student.P.W[0] += 0.3
	if l := d.Batch(x.batch(1)); !(l > 1e-3) {
		t.Fatalf("loss %v after moving a student row", l)
	}
}

func TestDEPruningMatchesDense(t *testing.T) {
	// At a small temperature almost every expert is below float32
	// resolution: pruned and dense evaluations agree to rounding.
	run := func(prune float64) (float64, []float32, []float32, float64) {
		x := newLatToy(t, 3, 5)
		o := DefaultDE()
		o.Experts, o.Prune, o.Seed = 8, prune, 2
		d, _ := DE(x.teacher, x.student, o)
		d.BeginEpoch(&train.Epoch{Index: 300, MaxEpochs: 1000})
		l := d.Batch(x.batch(3))
		var pg []float32
		for _, p := range d.Params() {
			pg = append(pg, p.G...)
		}
		return l, append(append([]float32{}, x.student.P.G...), x.student.Q.G...), pg, d.ExpertsPerRow()
	}
	ld, gd, pd, ed := run(0)
	lp, gp, pp, ep := run(0x1p-24)
	if ed != 8 || !(ep < 2) {
		t.Fatalf("experts per row: dense %v, pruned %v", ed, ep)
	}
	if math.Abs(ld-lp) > 1e-6*ld {
		t.Fatalf("loss dense %v pruned %v", ld, lp)
	}
	for k := range gd {
		if math.Abs(float64(gd[k]-gp[k])) > 1e-5*(1+math.Abs(float64(gd[k]))) {
			t.Fatalf("student grad %d: dense %v pruned %v", k, gd[k], gp[k])
		}
	}
	for k := range pd {
		if math.Abs(float64(pd[k]-pp[k])) > 1e-4*(1+math.Abs(float64(pd[k]))) {
			t.Fatalf("param grad %d: dense %v pruned %v", k, pd[k], pp[k])
		}
	}
}

func TestDEDeterministicAcrossWorkers(t *testing.T) {
	run := func(p int) (l float64, g []float32) {
		withProcs(p, func() {
			x := newLatToy(t, 4, 16)
			o := DefaultDE()
			o.Experts, o.Seed = 5, 3
			d, _ := DE(x.teacher, x.student, o)
			l = d.Batch(x.batch(1))
			for _, q := range append(x.student.Params(), d.Params()...) {
				g = append(g, q.G...)
			}
		})
		return
	}
	l1, g1 := run(1)
	l2, g2 := run(3)
	if l1 != l2 {
		t.Fatalf("loss differs: %v vs %v", l1, l2)
	}
	for k := range g1 {
		if g1[k] != g2[k] {
			t.Fatalf("grad %d differs: %v vs %v", k, g1[k], g2[k])
		}
	}
}

func TestDEOptionsValidated(t *testing.T) {
	x := newLatToy(t, 3, 5)
	bad := []func(*DEOptions){
		func(o *DEOptions) { o.Experts = 0 },
		func(o *DEOptions) { o.Lambda = -1 },
		func(o *DEOptions) { o.Prune = 1 },
		func(o *DEOptions) { o.Tau.End = 2 },
	}
	for k, f := range bad {
		o := DefaultDE()
		f(&o)
		if _, err := DE(x.teacher, x.student, o); err == nil {
			t.Errorf("case %d accepted", k)
		}
	}
	_ = nn.CountParams
}

func TestDEParamCount(t *testing.T) {
	// Reference CiteULike counts [methods.md §3.3]: gates 12,060, experts 1,470,600.
	s := &latFixed{d: 20}
	te := &latFixed{d: 200}
	d, err := DE(te, latStudentStub{s}, DefaultDE())
	if err != nil {
		t.Fatal(err)
	}
	n := nn.CountParams(d.Params())
	if n != 12060+1470600 {
		t.Fatalf("DE parameters %d, want %d", n, 12060+1470600)
	}
}

// latStudentStub turns a latFixed into a Representer for constructor tests.
type latStudentStub struct{ *latFixed }

func (s latStudentStub) UserRep(u int32) []float32     { return nil }
func (s latStudentStub) ItemRep(i int32) []float32     { return nil }
func (s latStudentStub) UserRepGrad(u int32) []float32 { return nil }
func (s latStudentStub) ItemRepGrad(i int32) []float32 { return nil }

// TestDEStackedMatchesGrouped checks the stacked evaluation of dense
// selections against the per-expert path.
func TestDEStackedMatchesGrouped(t *testing.T) {
	run := func(noStacked bool, epoch int) (float64, []float32) {
		x := newLatToy(t, 3, 5)
		o := DefaultDE()
		o.Experts, o.Seed, o.Lambda = 4, 7, 1
		d, _ := DE(x.teacher, x.student, o)
		d.BeginEpoch(&train.Epoch{Index: epoch, MaxEpochs: 100})
		for side := range d.sides {
			d.sides[side].job.noStacked = noStacked
		}
		l := d.Batch(x.batch(2))
		var g []float32
		for _, p := range append(x.student.Params(), d.Params()...) {
			g = append(g, p.G...)
		}
		return l, g
	}
	for _, epoch := range []int{0, 30} {
		lg, gg := run(true, epoch)
		ls, gs := run(false, epoch)
		if math.Abs(lg-ls) > 1e-6*lg {
			t.Fatalf("epoch %d: loss grouped %v stacked %v", epoch, lg, ls)
		}
		for k := range gg {
			if math.Abs(float64(gg[k]-gs[k])) > 1e-5*(1+math.Abs(float64(gg[k]))) {
				t.Fatalf("epoch %d: grad %d grouped %v stacked %v", epoch, k, gg[k], gs[k])
			}
		}
	}
}

package distill

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/internal/gradcheck"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// mtdEpoch runs MTD's BeginEpoch on the fixture's data.
func mtdEpoch(t *testing.T, term *MTDTerm, f *hcFixture, seed uint64) {
	t.Helper()
	if err := term.BeginEpoch(&train.Epoch{Train: f.train, Rand: nn.NewRand(seed, 1)}); err != nil {
		t.Fatal(err)
	}
}

// TestMTDGradient checks MTD's loss against a direct float64 evaluation of
// λ Σ_u Σ_x α_{u,x} PL(π^x_u[:K]; U_u) with α_u = softmax(W p_u + b), and
// its gradients with respect to the student's embeddings and the gate
// against finite differences (the gate input p_u is detached: the
// finite-difference check of P holds only because the analytic gradient
// of P leaves the gate path out, so the gate is frozen for that part).
func TestMTDGradient(t *testing.T) {
	f := newHCFixture(t, 6, 30, 3, 2, 12, 3)
	term, err := MTD(f.ens, f.student, MTDOptions{K: 5, L: 4, Lambda: 0.7})
	if err != nil {
		t.Fatal(err)
	}
	mtdEpoch(t, term, f, 3)
	// A gate away from its zero start, so that the weights differ.
	rng := nn.NewRand(5, 5)
	for k := range term.W.W {
		term.W.W[k] = float32(rng.NormFloat64())
	}
	for k := range term.B.W {
		term.B.W[k] = float32(rng.NormFloat64())
	}
	b := f.batch(6)

	// Direct evaluation.
	direct := func() float64 {
		total := 0.0
		for _, u := range b.UniqueUsers() {
			pu := f.student.UserRep(u)
			g := make([]float64, term.nT)
			mx := math.Inf(-1)
			for x := range g {
				g[x] = float64(term.B.W[x])
				for k := range pu {
					g[x] += float64(term.W.W[x*term.d+k]) * float64(pu[k])
				}
				mx = max(mx, g[x])
			}
			z := 0.0
			for x := range g {
				g[x] = math.Exp(g[x] - mx)
				z += g[x]
			}
			score := func(i int32) float64 {
				s := 0.0
				for k, v := range f.student.P.Row(int(u)) {
					s += float64(v) * float64(f.student.Q.Row(int(i))[k])
				}
				return s
			}
			below := term.unint[int(u)*4 : int(u)*4+4]
			for x := range g {
				top := term.top(x, int(u))
				pl := 0.0
				for k := range top {
					sum := 0.0
					for _, i := range top[k:] {
						sum += math.Exp(score(i))
					}
					for _, j := range below {
						sum += math.Exp(score(j))
					}
					pl += math.Log(sum) - score(top[k])
				}
				total += g[x] / z * pl
			}
		}
		return 0.7 * total
	}
	got := term.Batch(b)
	if want := direct(); math.Abs(got-want) > 1e-4*math.Abs(want) {
		t.Fatalf("loss %v, direct %v", got, want)
	}
	// Student gradients. The gate reads p_u detached, so the analytic
	// gradient of P leaves out the path through the gate, which a finite
	// difference of P includes: with the live gate they must disagree …
	st := f.student
	if err := gradcheck.Check([]*nn.Param{st.P}, func() float64 { return term.Batch(b) }, 1e-3, 2e-4, 2e-3); err == nil {
		t.Error("P's gradient matched a finite difference through the gate: is the gate's input still detached?")
	}
	// … so check P with the gate's input frozen: a copy of P feeds the gate.
	frozen := &frozenRep{BPR: st, p: slices.Clone(st.P.W)}
	term.rep = frozen
	if err := gradcheck.Check([]*nn.Param{st.P, st.Q}, func() float64 { return term.Batch(b) }, 1e-3, 2e-4, 2e-3); err != nil {
		t.Error(err)
	}
	// Gate gradients.
	if err := gradcheck.Check(term.Params(), func() float64 { return term.Batch(b) }, 1e-3, 2e-4, 2e-3); err != nil {
		t.Error(err)
	}
}

// frozenRep serves the user representations of a fixed copy of P.
type frozenRep struct {
	*model.BPR
	p []float32
}

func (f *frozenRep) UserRep(u int32) []float32 {
	d := f.Dim()
	return f.p[int(u)*d : int(u)*d+d]
}

// TestMTDWeightsAndSampling checks that the gate starts as the plain
// average, that training moves the weights and records them per epoch,
// that the uninteresting items avoid the training set and every teacher's
// top K, and that the sampling does not depend on the number of workers.
func TestMTDWeightsAndSampling(t *testing.T) {
	f := newHCFixture(t, 8, 40, 3, 2, 10, 3)
	mk := func(workers int) *MTDTerm {
		term, err := MTD(f.ens, f.student, MTDOptions{K: 4, L: 5, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		mtdEpoch(t, term, f, 7)
		return term
	}
	a, c := mk(1), mk(3)
	if !slices.Equal(a.unint, c.unint) {
		t.Fatal("uninteresting items depend on the number of workers")
	}
	for u := range 8 {
		for _, j := range a.unint[u*5 : u*5+5] {
			if f.train.Has(u, j) {
				t.Errorf("user %d: uninteresting item %d is a training item", u, j)
			}
			for x := range a.nT {
				if slices.Contains(a.top(x, u), j) {
					t.Errorf("user %d: uninteresting item %d is in teacher %d's top", u, j, x)
				}
			}
		}
	}
	b := f.batch(8)
	a.Batch(b)
	w := a.Weights()
	if len(w) != 1 {
		t.Fatalf("%d weight records after one epoch", len(w))
	}
	for x, v := range w[0] {
		if math.Abs(v-1.0/3) > 1e-12 {
			t.Errorf("initial weight of teacher %d: %v, want 1/3", x, v)
		}
	}
	// A few steps of plain gradient descent on the gate alone move it.
	for range 20 {
		a.W.ZeroGrad()
		a.B.ZeroGrad()
		a.Batch(b)
		for k := range a.W.W {
			a.W.W[k] -= 50 * a.W.G[k]
		}
		for k := range a.B.W {
			a.B.W[k] -= 50 * a.B.G[k]
		}
	}
	w = a.Weights()
	if len(w) != 2 {
		t.Fatalf("%d weight records, want 2", len(w))
	}
	spread := slices.Max(w[1]) - slices.Min(w[1])
	if !(spread > 0.01) {
		t.Errorf("the gate did not move the weights: %v", w[1])
	}
}

// TestMTDErrors checks the options' errors and the registry's build.
func TestMTDErrors(t *testing.T) {
	f := newHCFixture(t, 6, 30, 2, 2, 8, 3)
	for _, c := range []struct {
		o    MTDOptions
		want string
	}{
		{MTDOptions{K: 9}, "K must be in [1, 8]"},
		{MTDOptions{L: -1}, "L must be >= 1"},
		{MTDOptions{Lambda: math.Inf(1)}, "Lambda must be > 0"},
		{MTDOptions{Workers: -2}, "Workers must be >= 0"},
	} {
		if _, err := MTD(f.ens, f.student, c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
	}
	if _, err := MTD(nil, f.student, MTDOptions{}); err == nil {
		t.Error("no ensemble accepted")
	}
	// Too many uninteresting items for the catalogue: BeginEpoch names L.
	term, err := MTD(f.ens, f.student, MTDOptions{K: 8, L: 29})
	if err != nil {
		t.Fatal(err)
	}
	err = term.BeginEpoch(&train.Epoch{Train: f.train, Rand: nn.NewRand(1, 1)})
	if err == nil || !strings.Contains(err.Error(), "L=29") {
		t.Errorf("L too large: %v", err)
	}
	// Through the registry: k beyond the lists, and no ensemble.
	if _, err := Build([]TermSpec{{Method: "mtd", Options: map[string]any{"k": 9}}}, Env{Student: f.student, Ensemble: f.ens}); err == nil ||
		!strings.Contains(err.Error(), "k") {
		t.Errorf("k > N: %v", err)
	}
	if _, err := Build([]TermSpec{{Method: "mtd"}}, Env{Student: f.student}); err == nil || !strings.Contains(err.Error(), "teachers") {
		t.Errorf("no ensemble: %v", err)
	}
	ts, err := Build([]TermSpec{{Method: "mtd", Lambda: 0.5, Options: map[string]any{"k": 8}}}, Env{Student: f.student, Ensemble: f.ens})
	if err != nil || len(ts) != 1 || ts[0].(*MTDTerm).o.Lambda != 0.5 || ts[0].(*MTDTerm).o.K != 8 {
		t.Errorf("build: %v %v", ts, err)
	}
}

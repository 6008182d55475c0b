package distill

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/kdrec/kdrec/kdlib/internal/gradcheck"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// latFixed is a frozen Embedder with given user and item rows.
type latFixed struct {
	d    int
	u, i []float32
}

func (f *latFixed) Dim() int { return f.d }
func (f *latFixed) UserVecs(ids []int32, out []float32) {
	for k, id := range ids {
		copy(out[k*f.d:(k+1)*f.d], f.u[int(id)*f.d:(int(id)+1)*f.d])
	}
}
func (f *latFixed) ItemVecs(ids []int32, out []float32) {
	for k, id := range ids {
		copy(out[k*f.d:(k+1)*f.d], f.i[int(id)*f.d:(int(id)+1)*f.d])
	}
}

// latToy is the small problem of the gradient tests: 4 users, 6 items, a
// batch with repeated users and an item (1) that is both positive and
// negative.
type latToy struct {
	student *model.BPR
	teacher *model.BPR
}

var (
	latToyUsers = []int32{0, 1, 1, 3, 2, 0}
	latToyPos   = []int32{1, 2, 4, 5, 0, 1}
	latToyNeg   = []int32{3, 0, 5, 2, 1, 4}
)

func newLatToy(t testing.TB, ds, dt int) *latToy {
	s, err := model.NewBPR(model.BPRConfig{Users: 4, Items: 6, Dim: ds, InitStd: 0.5, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	te, err := model.NewBPR(model.BPRConfig{Users: 4, Items: 6, Dim: dt, InitStd: 0.5, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	return &latToy{student: s, teacher: te}
}

// batch returns the toy batch with a fresh generator of the given seed, so
// repeated calls draw the same Gumbel noise.
func (x *latToy) batch(seed uint64) *train.Batch {
	return &train.Batch{Users: latToyUsers, Pos: latToyPos, Neg: latToyNeg, Rand: nn.NewRand(seed, 2)}
}

// checkTermGrad runs gradcheck on the student's tables and the term's own
// parameters.
func checkTermGrad(t *testing.T, x *latToy, term train.Term, absTol, relTol float64) {
	t.Helper()
	params := append(x.student.Params(), term.Params()...)
	loss := func() float64 { return term.Batch(x.batch(9)) }
	if err := gradcheck.Check(params, loss, 1e-3, absTol, relTol); err != nil {
		t.Fatal(err)
	}
}

// latNaiveNT is the reference for latNT.
func latNaiveNT(a []float32, m int, b []float32, n, k int) []float64 {
	c := make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			s := 0.0
			for t := 0; t < k; t++ {
				s += float64(a[i*k+t]) * float64(b[j*k+t])
			}
			c[i*n+j] = s
		}
	}
	return c
}

func TestLatNTMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][3]int{{1, 1, 8}, {3, 5, 8}, {4, 4, 16}, {7, 70, 24}, {130, 90, 200}, {5, 3, 3}} {
		m, n, k := sz[0], sz[1], sz[2]
		a, b := make([]float32, m*k), make([]float32, n*k)
		for i := range a {
			a[i] = float32(rng.NormFloat64())
		}
		for i := range b {
			b[i] = float32(rng.NormFloat64())
		}
		want := latNaiveNT(a, m, b, n, k)
		c := make([]float32, m*n)
		latNT(c, n, a, m, b, n, k, false)
		cp := make([]float32, m*n)
		latNTPar(cp, n, a, m, b, n, k, false)
		for i := range c {
			if math.Abs(float64(c[i])-want[i]) > 1e-4*(1+math.Abs(want[i])) {
				t.Fatalf("%v: c[%d] = %v, want %v", sz, i, c[i], want[i])
			}
			if c[i] != cp[i] {
				t.Fatalf("%v: parallel c[%d] = %v differs from serial %v", sz, i, cp[i], c[i])
			}
		}
		latNT(c, n, a, m, b, n, k, true)
		for i := range c {
			if math.Abs(float64(c[i])-2*want[i]) > 2e-4*(1+math.Abs(want[i])) {
				t.Fatalf("%v acc: c[%d] = %v, want %v", sz, i, c[i], 2*want[i])
			}
		}
	}
}

func TestLatTauSchedule(t *testing.T) {
	s := DefaultTau()
	if s.At(0, 1000) != 1 || s.At(1, 1000) != 1 {
		t.Fatalf("epochs 0 and 1 must use τ0 = 1, got %v %v", s.At(0, 1000), s.At(1, 1000))
	}
	if got, want := s.At(253, 1000), math.Pow(10, -2.52); math.Abs(got-want) > 1e-12 {
		t.Fatalf("τ at epoch 253 = %v, want %v", got, want)
	}
	if got := s.At(5000, 1000); got != 1e-10 {
		t.Fatalf("τ floor = %v", got)
	}
	fixed := TauSchedule{Start: 1, End: 1e-10, Epochs: 100}
	if got, want := fixed.At(11, 1000), 0.1; math.Abs(got-want) > 1e-12 {
		t.Fatalf("HTD schedule τ at epoch 11 = %v, want %v", got, want)
	}
}

func TestLatGumbelSoftmaxGradient(t *testing.T) {
	// latSelectBack against finite differences of a linear function of s.
	rng := rand.New(rand.NewPCG(3, 4))
	m := 5
	logits := make([]float32, m)
	for k := range logits {
		logits[k] = float32(rng.NormFloat64())
	}
	noise := make([]float64, m)
	GumbelNoise(rng, noise)
	c := []float64{0.3, -1, 2, 0.5, -0.7}
	tau := 0.7
	f := func(l []float32) float64 {
		alpha, s := make([]float64, m), make([]float64, m)
		latSoftmax(l, alpha)
		GumbelSoftmax(alpha, noise, tau, s)
		v := 0.0
		for k := range s {
			v += c[k] * s[k]
		}
		return v
	}
	alpha, s := make([]float64, m), make([]float64, m)
	latSoftmax(logits, alpha)
	GumbelSoftmax(alpha, noise, tau, s)
	dl := make([]float32, m)
	latSelectBack(alpha, s, c, tau, dl, make([]float64, m))
	for k := range logits {
		h := float32(1e-2)
		lp, lm := append([]float32{}, logits...), append([]float32{}, logits...)
		lp[k] += h
		lm[k] -= h
		num := (f(lp) - f(lm)) / float64(lp[k]-lm[k])
		if math.Abs(num-float64(dl[k])) > 1e-3*(1+math.Abs(num)) {
			t.Fatalf("∂/∂l[%d]: analytic %v, numeric %v", k, dl[k], num)
		}
	}
}

// withProcs runs f with GOMAXPROCS set to p.
func withProcs(p int, f func()) {
	old := runtime.GOMAXPROCS(p)
	defer runtime.GOMAXPROCS(old)
	f()
}

// latSetExpertToMap sets a 2-layer expert d_s → 2d_s → d_t to compute
// x ↦ Rᵀx exactly (relu(x) − relu(−x) = x), for the zero-loss tests.
func latSetExpertToMap(net *latNet, r []float32, ds, dt int) {
	w1, w2 := net.layers[0], net.layers[1]
	clear(w1.W.W)
	clear(w1.B.W)
	clear(w2.W.W)
	clear(w2.B.W)
	h := w1.Out
	for k := 0; k < ds; k++ {
		w1.W.W[k*ds+k] = 1
		w1.W.W[(ds+k)*ds+k] = -1
	}
	for i := 0; i < dt; i++ {
		for k := 0; k < ds; k++ {
			w2.W.W[i*h+k] = r[k*dt+i]
			w2.W.W[i*h+ds+k] = -r[k*dt+i]
		}
	}
}

// latMappedTeacher returns a teacher whose rows are the student's rows
// times r (d_s × d_t), and r.
func latMappedTeacher(s *model.BPR, dt int, orthonormal bool, seed uint64) (*latFixed, []float32) {
	ds := s.Dim()
	rng := rand.New(rand.NewPCG(seed, 7))
	r := make([]float32, ds*dt)
	for k := range r {
		r[k] = float32(rng.NormFloat64())
	}
	if orthonormal { // Gram-Schmidt on the rows of r
		for a := 0; a < ds; a++ {
			row := r[a*dt : (a+1)*dt]
			for b := 0; b < a; b++ {
				prev := r[b*dt : (b+1)*dt]
				nn.Axpy(-nn.Dot(row, prev), prev, row)
			}
			inv := 1 / float32(math.Sqrt(float64(nn.Dot(row, row))))
			for k := range row {
				row[k] *= inv
			}
		}
	}
	mul := func(p *nn.Param) []float32 {
		out := make([]float32, p.Rows*dt)
		for e := 0; e < p.Rows; e++ {
			for i := 0; i < dt; i++ {
				v := float32(0)
				for k := 0; k < ds; k++ {
					v += p.W[e*ds+k] * r[k*dt+i]
				}
				out[e*dt+i] = v
			}
		}
		return out
	}
	return &latFixed{d: dt, u: mul(s.P), i: mul(s.Q)}, r
}

func TestLatTransPadPar(t *testing.T) {
	rows, cols := 1000, 77
	src := make([]float32, rows*80)
	for k := range src {
		src[k] = float32(k)
	}
	a := latTransPad(nil, src, rows, cols, 80)
	b := latTransPadPar(nil, src, rows, cols, 80)
	for k := range a {
		if a[k] != b[k] {
			t.Fatalf("element %d: %v vs %v", k, a[k], b[k])
		}
	}
	rp := latPad(rows)
	if a[5*rp+7] != src[7*80+5] {
		t.Fatal("wrong transpose")
	}
}

// TestLatentDeterministicMedium runs every term on a medium batch (groups
// and blocks large enough to be split over goroutines) with 1 and 4
// workers and requires identical losses and gradients.
func TestLatentDeterministicMedium(t *testing.T) {
	mk := []struct {
		name string
		f    func(te, st *model.BPR) (train.Term, error)
	}{
		{"hint", func(te, st *model.BPR) (train.Term, error) { return Hint(te, st, DefaultHint()) }},
		{"de", func(te, st *model.BPR) (train.Term, error) {
			o := DefaultDE()
			o.Experts = 6
			return DE(te, st, o)
		}},
		{"phr", func(te, st *model.BPR) (train.Term, error) { return PHR(te, st, DefaultPHR()) }},
		{"ftd", func(te, st *model.BPR) (train.Term, error) { return FTD(te, st, DefaultFTD()) }},
		{"htd", func(te, st *model.BPR) (train.Term, error) {
			o := DefaultHTD()
			o.Groups = 2
			return HTD(te, st, o)
		}},
		{"htd-pp", func(te, st *model.BPR) (train.Term, error) {
			o := DefaultHTD()
			o.Groups, o.Group = 3, GroupPP
			return HTD(te, st, o)
		}},
	}
	rng := rand.New(rand.NewPCG(8, 9))
	n := 512
	users, pos, neg := make([]int32, n), make([]int32, n), make([]int32, n)
	for k := range users {
		users[k], pos[k], neg[k] = int32(rng.IntN(300)), int32(rng.IntN(400)), int32(rng.IntN(400))
	}
	for _, c := range mk {
		run := func(p int) (l float64, g []float32) {
			withProcs(p, func() {
				st, _ := model.NewBPR(model.BPRConfig{Users: 300, Items: 400, Dim: 8, InitStd: 0.3, Seed: 1})
				te, _ := model.NewBPR(model.BPRConfig{Users: 300, Items: 400, Dim: 24, InitStd: 0.3, Seed: 2})
				term, err := c.f(te, st)
				if err != nil {
					t.Fatal(err)
				}
				l = term.Batch(&train.Batch{Users: users, Pos: pos, Neg: neg, Rand: nn.NewRand(3, 4)})
				for _, q := range append(st.Params(), term.Params()...) {
					g = append(g, q.G...)
				}
			})
			return
		}
		l1, g1 := run(1)
		l4, g4 := run(4)
		if l1 != l4 || math.IsNaN(l1) {
			t.Fatalf("%s: loss %v with 1 worker, %v with 4", c.name, l1, l4)
		}
		for k := range g1 {
			if g1[k] != g4[k] {
				t.Fatalf("%s: gradient %d: %v with 1 worker, %v with 4", c.name, k, g1[k], g4[k])
			}
		}
	}
}

package nn

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// refAdam is a float64 transcription of torch.optim.Adam's update with
// coupled weight decay, used as the oracle.
func refAdam(w, g []float64, steps int, lr, wd float64) []float64 {
	w = append([]float64{}, w...)
	m, v := make([]float64, len(w)), make([]float64, len(w))
	for t := 1; t <= steps; t++ {
		for k := range w {
			gk := g[k] + wd*w[k]
			m[k] = 0.9*m[k] + 0.1*gk
			v[k] = 0.999*v[k] + 0.001*gk*gk
			denom := math.Sqrt(v[k])/math.Sqrt(1-math.Pow(0.999, float64(t))) + 1e-8
			w[k] -= lr / (1 - math.Pow(0.9, float64(t))) * m[k] / denom
		}
	}
	return w
}

func TestAdamMatchesPyTorchSemantics(t *testing.T) {
	p := NewParam("w", 600, 2) // large enough to be split over workers
	w0 := make([]float64, p.Size())
	g := make([]float64, p.Size())
	for k := range p.W {
		p.W[k] = float32(math.Sin(float64(k)))
		w0[k] = float64(p.W[k])
		if k/2%3 == 0 { // only every third row gets a gradient
			g[k] = float64(math.Cos(float64(k)))
		}
	}
	opt := NewAdam(1e-2, 1e-3)
	for s := 0; s < 3; s++ {
		for r := 0; r < p.Rows; r += 3 {
			row := p.GradRow(r)
			row[0], row[1] = float32(g[2*r]), float32(g[2*r+1])
		}
		opt.Step([]*Param{p})
	}
	want := refAdam(w0, g, 3, 1e-2, 1e-3)
	for k := range want {
		if math.Abs(float64(p.W[k])-want[k]) > 1e-5 {
			t.Fatalf("w[%d] = %v, want %v", k, p.W[k], want[k])
		}
	}
	for k, x := range p.G {
		if x != 0 {
			t.Fatalf("gradient not cleared at %d", k)
		}
	}
}

func TestAdamDecaysUntouchedRows(t *testing.T) {
	// With coupled L2, a row without gradient still moves (towards 0).
	p := NewParam("w", 2, 1)
	p.W[0], p.W[1] = 1, 1
	p.GradRow(0)[0] = 0.5
	NewAdam(1e-3, 1e-3).Step([]*Param{p})
	if !(p.W[1] < 1) {
		t.Fatalf("untouched row stayed at %v", p.W[1])
	}
	q := NewParam("w", 2, 1)
	q.W[0], q.W[1] = 1, 1
	q.GradRow(0)[0] = 0.5
	lazy := NewAdam(1e-3, 1e-3)
	lazy.Lazy = true
	lazy.Step([]*Param{q})
	if q.W[1] != 1 || q.W[0] != p.W[0] {
		t.Fatalf("lazy: untouched %v (want 1), touched %v (want %v)", q.W[1], q.W[0], p.W[0])
	}
}

func TestAdamWorkersAgree(t *testing.T) {
	// Large enough for three workers (minScalarsPerWorker each).
	const rows, cols = 1536, 2048
	if n := adamWorkers(NewParam("w", rows, cols), 3); n != 3 {
		t.Fatalf("the parameter is split over %d workers, want 3: the test would not compare split and unsplit steps", n)
	}
	// The student's item table (25,181 × 20) stays on one goroutine.
	if n := adamWorkers(NewParam("q", 25181, 20), 2); n != 1 {
		t.Errorf("the student's item table is split over %d workers, want 1", n)
	}
	run := func(workers int) []float32 {
		p := NewParam("w", rows, cols)
		InitNormal(p, NewRand(1, 2), 0, 1)
		opt := NewAdam(1e-3, 1e-3)
		opt.Workers = workers
		for s := 0; s < 4; s++ {
			for r := s; r < p.Rows; r += 5 {
				for k, x := range p.Row(r) {
					p.GradRow(r)[k] = x * x
				}
			}
			opt.Step([]*Param{p})
		}
		return p.W
	}
	a, b := run(1), run(3)
	for k := range a {
		if a[k] != b[k] {
			t.Fatalf("1 vs 3 workers differ at %d", k)
		}
	}
}

func TestAdamValidate(t *testing.T) {
	for _, a := range []*Adam{NewAdam(0, 0), NewAdam(1e-3, -1), {LR: 1, Beta1: 1, Beta2: 0.9, Eps: 1}} {
		if a.Validate() == nil {
			t.Errorf("%+v accepted", a)
		}
	}
	if err := NewAdam(1e-3, 1e-3).Validate(); err != nil {
		t.Error(err)
	}
}

func TestLogSigmoidStable(t *testing.T) {
	for _, x := range []float64{-1000, -30, -1, 0, 1, 30, 1000} {
		l, s := LogSigmoid(x), Sigmoid(x)
		if math.IsNaN(l) || math.IsInf(l, 0) && x > -1000 || math.IsNaN(s) {
			t.Fatalf("x=%v: log σ = %v, σ = %v", x, l, s)
		}
		if want := -math.Log1p(math.Exp(-x)); x > -30 && math.Abs(l-want) > 1e-12 {
			t.Fatalf("log σ(%v) = %v, want %v", x, l, want)
		}
	}
	if got := LogSigmoid(-1000); got != -1000 {
		t.Fatalf("log σ(-1000) = %v", got)
	}
}

// TestAdamResumeIsExact stops an optimisation after some steps, carries
// the moments and the step count over to a new optimizer and a new
// parameter (State, SetState, Steps, SetSteps), and checks that the next
// steps give the same values bit for bit as the uninterrupted run.
func TestAdamResumeIsExact(t *testing.T) {
	grad := func(p *Param, s int) {
		for r := 0; r < p.Rows; r += 2 {
			row := p.GradRow(r)
			for c := range row {
				row[c] = float32(math.Sin(float64(s*7 + r*3 + c)))
			}
		}
	}
	start := func() *Param {
		p := NewParam("w", 700, 3)
		for k := range p.W {
			p.W[k] = float32(math.Cos(float64(k)))
		}
		return p
	}
	straight, opt := start(), NewAdam(1e-2, 1e-3)
	for s := 0; s < 6; s++ {
		grad(straight, s)
		opt.Step([]*Param{straight})
	}
	first, opt1 := start(), NewAdam(1e-2, 1e-3)
	for s := 0; s < 4; s++ {
		grad(first, s)
		opt1.Step([]*Param{first})
	}
	m, v := first.State()
	resumed, opt2 := start(), NewAdam(1e-2, 1e-3)
	copy(resumed.W, first.W)
	if err := resumed.SetState(append([]float32(nil), m...), append([]float32(nil), v...)); err != nil {
		t.Fatal(err)
	}
	if err := opt2.SetSteps(opt1.Steps()); err != nil {
		t.Fatal(err)
	}
	for s := 4; s < 6; s++ {
		grad(resumed, s)
		opt2.Step([]*Param{resumed})
	}
	for k := range straight.W {
		if math.Float32bits(straight.W[k]) != math.Float32bits(resumed.W[k]) {
			t.Fatalf("w[%d]: resumed %v, straight %v", k, resumed.W[k], straight.W[k])
		}
	}
	sm, sv := straight.State()
	rm, rv := resumed.State()
	if !slices.Equal(sm, rm) || !slices.Equal(sv, rv) {
		t.Fatal("moments differ after resuming")
	}
	if err := resumed.SetState(make([]float32, 3), make([]float32, 3)); err == nil || !strings.Contains(err.Error(), "parameter w") {
		t.Fatalf("short moments: %v", err)
	}
	if err := opt2.SetSteps(-1); err == nil {
		t.Fatal("negative steps accepted")
	}
	if err := resumed.SetState(nil, nil); err != nil {
		t.Fatal(err)
	}
	if m, v := resumed.State(); m != nil || v != nil {
		t.Fatal("SetState(nil, nil) kept the moments")
	}
}

package nn

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/kdrec/kdrec/kdlib/internal/simd"
)

// Adam is the Adam optimizer with PyTorch's coupled L2 weight decay
// (torch.optim.Adam(weight_decay=wd), not AdamW): for every scalar θ with
// gradient g,
//
//	g  ← g + wd·θ
//	m  ← β₁m + (1−β₁)g
//	v  ← β₂v + (1−β₂)g²
//	θ  ← θ − (lr/(1−β₁ᵗ)) · m / (√v/√(1−β₂ᵗ) + ε)
//
// By default (Lazy false) every scalar of every parameter is updated at every
// step, including embedding rows absent from the batch, whose gradient is
// then wd·θ alone: this is what PyTorch does with dense embedding tables and
// what the reference DE-RRD, TD and HetComp code relies on [methods.md §2.2].
// The pass is fused (one sweep reads θ, m, v and, only for rows that were
// touched, g) and split over GOMAXPROCS goroutines; each scalar's update is
// independent, so results do not depend on the number of workers.
//
// Lazy true updates only the rows touched since the last step (like
// torch.optim.SparseAdam with coupled decay on those rows). It is faster for
// large tables but changes the optimisation; it is an option, not the
// reference behaviour.
type Adam struct {
	// LR is the learning rate, Beta1/Beta2 the moment decays, Eps the
	// denominator constant and WeightDecay the coupled L2 coefficient.
	LR, Beta1, Beta2, Eps, WeightDecay float64
	// Lazy restricts updates to touched rows (see the type comment).
	Lazy bool
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int

	step int
}

// NewAdam returns Adam with PyTorch's defaults (β₁=0.9, β₂=0.999, ε=1e-8) and
// the given learning rate and weight decay.
func NewAdam(lr, weightDecay float64) *Adam {
	return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: weightDecay}
}

// Steps returns the number of steps taken.
func (a *Adam) Steps() int { return a.step }

// SetSteps sets the number of steps taken, for resuming a run from a
// checkpoint: the next Step is step n+1, with the bias corrections of that
// step. Together with every parameter's moments (Param.State and
// Param.SetState) it restores the optimizer exactly. n must be >= 0.
func (a *Adam) SetSteps(n int) error {
	if n < 0 {
		return fmt.Errorf("adam: steps must be >= 0, got %d", n)
	}
	a.step = n
	return nil
}

// Validate reports an option out of range.
func (a *Adam) Validate() error {
	switch {
	case !(a.LR > 0) || math.IsInf(a.LR, 0):
		return fmt.Errorf("adam: lr must be > 0, got %v", a.LR)
	case !(a.Beta1 >= 0 && a.Beta1 < 1):
		return fmt.Errorf("adam: beta1 must be in [0,1), got %v", a.Beta1)
	case !(a.Beta2 >= 0 && a.Beta2 < 1):
		return fmt.Errorf("adam: beta2 must be in [0,1), got %v", a.Beta2)
	case !(a.Eps > 0):
		return fmt.Errorf("adam: eps must be > 0, got %v", a.Eps)
	case !(a.WeightDecay >= 0):
		return fmt.Errorf("adam: weight decay must be >= 0, got %v", a.WeightDecay)
	}
	return nil
}

// Step applies one update to every parameter and clears their gradients.
func (a *Adam) Step(params []*Param) {
	a.step++
	t := float64(a.step)
	bc1 := 1 - math.Pow(a.Beta1, t)
	bc2 := 1 - math.Pow(a.Beta2, t)
	k := adamKernel{simd.AdamStep{
		StepSize: float32(a.LR / bc1),
		InvBC2:   float32(1 / math.Sqrt(bc2)),
		B1:       float32(a.Beta1), B2: float32(a.Beta2),
		C1: float32(1 - a.Beta1), C2: float32(1 - a.Beta2),
		Eps: float32(a.Eps), WD: float32(a.WeightDecay),
	}}
	workers := a.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	for _, p := range params {
		if p.m == nil {
			p.m = make([]float32, len(p.W))
			p.v = make([]float32, len(p.W))
		}
		if a.Lazy && !p.allTouched {
			for _, r := range p.touchedIdx {
				lo, hi := int(r)*p.Cols, (int(r)+1)*p.Cols
				k.rows(p, lo, hi, true)
			}
		} else {
			k.parallel(p, workers)
		}
		p.ZeroGrad()
	}
}

// adamKernel applies one step's constants to the rows of parameters.
type adamKernel struct {
	simd.AdamStep
}

// minScalarsPerWorker is the least number of scalars worth a goroutine of
// the dense update. Below it the step runs on the calling goroutine: on the
// 2-core VM of docs/scale.md §7, splitting the BPR student's tables (d = 20,
// 0.1 M and 0.5 M scalars) over two goroutines made its epoch slower and
// erratic (78–157 ms against 91–106 ms on one goroutine, idle machine,
// `BenchmarkBPREpochD20` at GOMAXPROCS=2): each step's hand-off to a second
// thread (a futex wake-up) and the moving of the rows between the cores'
// caches cost more than half of a sub-millisecond pass; the teacher's item
// table (d = 200, 5 M scalars) still gains from two workers (554–609 ms
// against 652–707). The split does not change any value.
const minScalarsPerWorker = 1 << 20

// adamWorkers is the number of goroutines the dense step of p uses when
// workers are allowed: at most one per 256 rows and per
// minScalarsPerWorker scalars, at least 1.
func adamWorkers(p *Param, workers int) int {
	const minRowsPerWorker = 256
	return max(1, min(workers, p.Rows/minRowsPerWorker, len(p.W)/minScalarsPerWorker))
}

// parallel updates all rows of p, splitting rows over workers; the calling
// goroutine takes the first share.
func (k adamKernel) parallel(p *Param, workers int) {
	workers = adamWorkers(p, workers)
	if workers <= 1 {
		k.span(p, 0, p.Rows)
		return
	}
	chunk := (p.Rows + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := chunk; lo < p.Rows; lo += chunk {
		hi := min(lo+chunk, p.Rows)
		wg.Add(1)
		go func() {
			defer wg.Done()
			k.span(p, lo, hi)
		}()
	}
	k.span(p, 0, min(chunk, p.Rows))
	wg.Wait()
}

// span updates rows [r0, r1) of p, handing maximal runs of rows with the
// same touched state to the kernel at once.
func (k adamKernel) span(p *Param, r0, r1 int) {
	if p.allTouched {
		k.rows(p, r0*p.Cols, r1*p.Cols, true)
		return
	}
	for r := r0; r < r1; {
		t := p.touched[r]
		e := r + 1
		for e < r1 && p.touched[e] == t {
			e++
		}
		k.rows(p, r*p.Cols, e*p.Cols, t)
		r = e
	}
}

// rows updates the scalars [lo, hi); withGrad says whether G may be non-zero.
func (k adamKernel) rows(p *Param, lo, hi int, withGrad bool) {
	if withGrad {
		k.Update(p.W[lo:hi], p.G[lo:hi], p.m[lo:hi], p.v[lo:hi])
	} else {
		k.Decay(p.W[lo:hi], p.m[lo:hi], p.v[lo:hi])
	}
}

// ResetState drops p's optimizer moments, as creating a new PyTorch
// optimizer does; the next Step starts them from zero.
func (p *Param) ResetState() { p.m, p.v = nil, nil }

// State returns the optimizer's moment buffers of p: Adam's first (m) and
// second (v) moments, one value per scalar of W, or nil before the first
// step (and after ResetState). The slices alias p's own buffers: copy them
// to keep them, as a checkpoint does (they change at every step).
func (p *Param) State() (m, v []float32) { return p.m, p.v }

// SetState makes m and v, each of p.Size() values, p's optimizer moments,
// for resuming a run from a checkpoint (see State). p keeps the slices
// themselves (no copy: a checkpoint of a large table is not held twice),
// so the caller must not use them afterwards. nil for both drops the
// moments, as ResetState does. Lengths other than p.Size() are refused with
// an error naming the parameter, leaving p unchanged.
func (p *Param) SetState(m, v []float32) error {
	if m == nil && v == nil {
		p.ResetState()
		return nil
	}
	if len(m) != len(p.W) || len(v) != len(p.W) {
		return fmt.Errorf("nn: parameter %s: moments of %d and %d values, want %d", p.Name, len(m), len(v), len(p.W))
	}
	p.m, p.v = m, v
	return nil
}

// Package tsne is exact t-distributed stochastic neighbour embedding
// (L. van der Maaten and G. Hinton, "Visualizing Data using t-SNE", JMLR 9,
// 2008): it maps n points of a high-dimensional space to the plane so that
// points that are neighbours there stay neighbours here. kdrec uses it for
// the figure of DE's expert selection (the dissertation's t-SNE of the
// teacher's and the student's representations, methods.md §4.4).
//
// The method, as in the paper and its reference implementation:
//
//   - Input affinities. For every point i a Gaussian kernel of precision
//     β_i = 1/(2σ_i²) over the squared distances d_ij gives
//     p_{j|i} = exp(−β_i d_ij) / Σ_{k≠i} exp(−β_i d_ik); β_i is found by
//     bisection so that the perplexity 2^{H(P_i)} (H in bits) equals the
//     target (Affinities). The joint affinities are the symmetrised
//     p_ij = (p_{j|i} + p_{i|j}) / 2n, at least 10⁻¹² (as the reference does).
//   - Output affinities. A Student-t kernel with one degree of freedom:
//     q_ij = w_ij / Σ_{k≠l} w_kl, w_ij = (1 + ‖y_i − y_j‖²)⁻¹.
//   - Cost and gradient. C = KL(P‖Q) = Σ p_ij log(p_ij/q_ij), with
//     ∂C/∂y_i = 4 Σ_j (p_ij − q_ij) w_ij (y_i − y_j) (Gradient; checked
//     against finite differences in the tests).
//   - Optimisation. Gradient descent from y_i ~ N(0, 10⁻⁸ I) (standard
//     deviation 10⁻⁴, as scikit-learn draws it; the paper writes
//     N(0, 10⁻⁴ I), a variance of 10⁻⁴), with
//     momentum (0.5 for the first 250 iterations, 0.8 after), the adaptive
//     per-coordinate gains of Jacobs (1988) that the reference uses (+0.2
//     when the gradient's sign differs from the last update's, ×0.8 when
//     it agrees, at least 0.01), and early exaggeration: for the first 250
//     iterations P is multiplied by 12, so that clusters form tight and
//     far apart before the map settles. The map is re-centred after every
//     step.
//
// The settings that are choices, not the paper's fixed text, are options
// with the reason in their doc comment: the exaggeration (the paper used
// 4 for 50 iterations; 12 for 250 is the value of later implementations,
// scikit-learn's and openTSNE's, which separate clusters more reliably at
// the perplexities used here) and the learning rate (the paper's fixed
// 100; by default max(n/(12·4), 50), the rule of Belkina et al. 2019 that
// scikit-learn adopted, which scales with the number of points).
//
// The cost is O(n²) per iteration in time and memory (exact, no
// Barnes–Hut approximation): a thousand points and a thousand iterations
// take a few seconds. Results are a pure function of the input and the
// options: the rows of the gradient are computed in parallel, each by one
// goroutine in a fixed order, so the number of cores does not change a
// bit.
package tsne

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// MaxPoints bounds n: the exact method keeps n×n matrices (8·n² bytes
// each, three of them), 5,000 points take 600 MB.
const MaxPoints = 5000

// Options configures Embed. Start from Default.
type Options struct {
	// Perplexity is the effective number of neighbours of each point's
	// Gaussian kernel (the paper suggests 5 to 50; default 30). It must be
	// below n.
	Perplexity float64
	// Iterations is the number of gradient steps (default 1000, the
	// paper's).
	Iterations int
	// Exaggeration multiplies P during the first ExaggerationIters
	// iterations (default 12 for 250; see the package comment).
	Exaggeration      float64
	ExaggerationIters int
	// LearningRate is the step size η; 0 means max(n/(Exaggeration·4), 50)
	// (see the package comment).
	LearningRate float64
	// Momentum is used for the first MomentumIters iterations and
	// FinalMomentum after (defaults 0.5, 250 and 0.8, the paper's).
	Momentum, FinalMomentum float64
	MomentumIters           int
	// MinGain is the smallest adaptive gain (default 0.01, the
	// reference's).
	MinGain float64
	// Seed drives the initial map.
	Seed uint64
}

// Default returns the settings of the package comment.
func Default() Options {
	return Options{Perplexity: 30, Iterations: 1000, Exaggeration: 12, ExaggerationIters: 250,
		Momentum: 0.5, FinalMomentum: 0.8, MomentumIters: 250, MinGain: 0.01}
}

// validate checks o for n points.
func (o Options) validate(n int) error {
	switch {
	case n < 2 || n > MaxPoints:
		return fmt.Errorf("tsne: need 2 to %d points, got %d", MaxPoints, n)
	case !(o.Perplexity >= 1) || !(o.Perplexity < float64(n-1)):
		return fmt.Errorf("tsne: perplexity %v: want 1 <= perplexity < n-1 = %d (a point has n-1 neighbours)", o.Perplexity, n-1)
	case o.Iterations < 0 || o.ExaggerationIters < 0 || o.MomentumIters < 0:
		return fmt.Errorf("tsne: iteration counts must be >= 0, got %d, %d, %d", o.Iterations, o.ExaggerationIters, o.MomentumIters)
	case !(o.Exaggeration >= 1) || math.IsInf(o.Exaggeration, 0):
		return fmt.Errorf("tsne: exaggeration %v: want a finite value >= 1", o.Exaggeration)
	case !(o.LearningRate >= 0) || math.IsInf(o.LearningRate, 0):
		return fmt.Errorf("tsne: learning rate %v: want a finite value >= 0 (0: automatic)", o.LearningRate)
	case !(o.Momentum >= 0 && o.Momentum < 1) || !(o.FinalMomentum >= 0 && o.FinalMomentum < 1):
		return fmt.Errorf("tsne: momenta %v, %v: want values in [0, 1)", o.Momentum, o.FinalMomentum)
	case !(o.MinGain > 0 && o.MinGain <= 1):
		return fmt.Errorf("tsne: min gain %v: want a value in (0, 1]", o.MinGain)
	}
	return nil
}

// Embed maps the n points x (row-major, n×d) to the plane and returns their
// coordinates (row-major, n×2) and the final cost KL(P‖Q). It fails on
// invalid options or non-finite input.
func Embed(x []float64, n, d int, o Options) (y []float64, kl float64, err error) {
	if err := o.validate(n); err != nil {
		return nil, 0, err
	}
	p, err := Affinities(x, n, d, o.Perplexity)
	if err != nil {
		return nil, 0, err
	}
	eta := o.LearningRate
	if eta == 0 {
		eta = math.Max(float64(n)/(o.Exaggeration*4), 50)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x74736e65))
	y = make([]float64, 2*n)
	for k := range y {
		y[k] = 1e-4 * rng.NormFloat64()
	}
	upd, gains, grad := make([]float64, 2*n), make([]float64, 2*n), make([]float64, 2*n)
	for k := range gains {
		gains[k] = 1
	}
	ws := newWorkspace(n)
	for it := 0; it < o.Iterations; it++ {
		exag := 1.0
		if it < o.ExaggerationIters {
			exag = o.Exaggeration
		}
		mom := o.FinalMomentum
		if it < o.MomentumIters {
			mom = o.Momentum
		}
		ws.gradient(p, y, exag, grad, false)
		for k := range y {
			if (grad[k] > 0) != (upd[k] > 0) {
				gains[k] += 0.2
			} else {
				gains[k] *= 0.8
			}
			gains[k] = math.Max(gains[k], o.MinGain)
			upd[k] = mom*upd[k] - eta*gains[k]*grad[k]
			y[k] += upd[k]
		}
		var mx, my float64
		for i := 0; i < n; i++ {
			mx += y[2*i]
			my += y[2*i+1]
		}
		mx, my = mx/float64(n), my/float64(n)
		for i := 0; i < n; i++ {
			y[2*i] -= mx
			y[2*i+1] -= my
		}
	}
	for _, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, 0, errors.New("tsne: the map diverged (non-finite coordinates); lower the learning rate")
		}
	}
	return y, ws.gradient(p, y, 1, grad, true), nil
}

// Affinities returns the joint input affinities P (n×n, symmetric, zero
// diagonal, summing to 1) of the n points x (n×d) at the given perplexity:
// each point's conditional distribution calibrated by bisection on its
// kernel's precision until its perplexity is within 10⁻⁵ (in bits of
// entropy) of the target, then symmetrised and floored at 10⁻¹² as in the
// package comment.
func Affinities(x []float64, n, d int, perplexity float64) ([]float64, error) {
	if n < 2 || d < 1 || len(x) != n*d {
		return nil, fmt.Errorf("tsne: %d values for %d points of dimension %d", len(x), n, d)
	}
	if !(perplexity >= 1) || !(perplexity < float64(n-1)) {
		return nil, fmt.Errorf("tsne: perplexity %v: want 1 <= perplexity < n-1 = %d (a point has n-1 neighbours)", perplexity, n-1)
	}
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, errors.New("tsne: non-finite input")
		}
	}
	dist := make([]float64, n*n)
	parallelRows(n, func(i int) {
		xi := x[i*d : (i+1)*d]
		for j := 0; j < n; j++ {
			s := 0.0
			for k, v := range x[j*d : (j+1)*d] {
				t := xi[k] - v
				s += t * t
			}
			dist[i*n+j] = s
		}
	})
	cond := make([]float64, n*n)
	target := math.Log2(perplexity)
	parallelRows(n, func(i int) { calibrate(dist[i*n:(i+1)*n], i, target, cond[i*n:(i+1)*n]) })
	p := dist // reuse
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			v := 0.0
			if i != j {
				v = math.Max((cond[i*n+j]+cond[j*n+i])/(2*float64(n)), 1e-12)
			}
			p[i*n+j] = v
		}
	}
	return p, nil
}

// calibrate finds the precision β of point i's kernel over its squared
// distances row whose conditional distribution has entropy target (bits),
// and writes the distribution into out (out[i] = 0). Bisection on β, as the
// reference's x2p: doubling (or halving) until the target is bracketed,
// then halving the bracket, for at most 200 steps or until the entropy is
// within 10⁻⁵ bits.
func calibrate(row []float64, i int, target float64, out []float64) {
	beta, lo, hi := 1.0, 0.0, math.Inf(1)
	// Distances minus the smallest one: the same distribution, no
	// underflow when every distance is large.
	dmin := math.Inf(1)
	for j, v := range row {
		if j != i {
			dmin = math.Min(dmin, v)
		}
	}
	if dmin > 0 {
		beta = 1 / dmin // start near the scale of the nearest neighbour
	}
	entropy := func(b float64) float64 {
		sum, sdp := 0.0, 0.0
		for j, v := range row {
			if j == i {
				out[j] = 0
				continue
			}
			e := math.Exp(-b * (v - dmin))
			out[j] = e
			sum += e
			sdp += (v - dmin) * e
		}
		for j := range out {
			out[j] /= sum
		}
		// H (nats) = log Σ e + β·Σ d·e / Σ e, in bits.
		return (math.Log(sum) + b*sdp/sum) / math.Ln2
	}
	for step := 0; step < 200; step++ {
		h := entropy(beta)
		diff := h - target
		if math.Abs(diff) < 1e-5 {
			return
		}
		if diff > 0 { // too flat: sharpen
			lo = beta
			if math.IsInf(hi, 1) {
				beta *= 2
			} else {
				beta = (beta + hi) / 2
			}
		} else {
			hi = beta
			beta = (beta + lo) / 2
		}
	}
	entropy(beta)
}

// KL returns KL(P‖Q) of the map y (n×2) for the joint affinities p.
func KL(p, y []float64, n int) float64 {
	return newWorkspace(n).gradient(p, y, 1, make([]float64, 2*n), true)
}

// Gradient writes ∂KL(P‖Q)/∂y into grad (n×2) and returns KL(P‖Q), for the
// joint affinities p (summing to 1) and the map y (n×2).
func Gradient(p, y []float64, n int, grad []float64) float64 {
	return newWorkspace(n).gradient(p, y, 1, grad, true)
}

// workspace holds the kernel matrix of the gradient's iterations.
type workspace struct {
	n   int
	w   []float64 // n×n Student-t kernel values (zero diagonal)
	sum []float64 // per row: Σ_j w_ij
}

func newWorkspace(n int) *workspace {
	return &workspace{n: n, w: make([]float64, n*n), sum: make([]float64, n)}
}

// gradient writes the gradient with P multiplied by exag (the reference's
// early exaggeration: 4 Σ_j (exag·p_ij − q_ij) w_ij (y_i − y_j), the exact
// gradient when exag is 1) and, when wantKL, returns KL(P‖Q) (of the
// unexaggerated P; its logarithms cost more than the gradient, so the
// iterations skip it).
func (ws *workspace) gradient(p, y []float64, exag float64, grad []float64, wantKL bool) float64 {
	n := ws.n
	parallelRows(n, func(i int) {
		yi0, yi1 := y[2*i], y[2*i+1]
		s := 0.0
		row := ws.w[i*n : (i+1)*n]
		for j := 0; j < n; j++ {
			if j == i {
				row[j] = 0
				continue
			}
			a, b := yi0-y[2*j], yi1-y[2*j+1]
			v := 1 / (1 + a*a + b*b)
			row[j] = v
			s += v
		}
		ws.sum[i] = s
	})
	z := 0.0
	for _, s := range ws.sum {
		z += s
	}
	kls := make([]float64, n)
	parallelRows(n, func(i int) {
		yi0, yi1 := y[2*i], y[2*i+1]
		var g0, g1, kl float64
		for j := 0; j < n; j++ {
			if j == i {
				continue
			}
			w := ws.w[i*n+j]
			q := w / z
			pij := p[i*n+j]
			c := (exag*pij - q) * w
			g0 += c * (yi0 - y[2*j])
			g1 += c * (yi1 - y[2*j+1])
			if wantKL && pij > 0 {
				kl += pij * math.Log(pij/math.Max(q, 1e-300))
			}
		}
		grad[2*i], grad[2*i+1] = 4*g0, 4*g1
		kls[i] = kl
	})
	kl := 0.0
	for _, v := range kls {
		kl += v
	}
	return kl
}

// parallelRows runs f(i) for i in [0, n) on up to GOMAXPROCS goroutines,
// in contiguous blocks; each f(i) must write only its own outputs.
func parallelRows(n int, f func(i int)) {
	w := min(runtime.GOMAXPROCS(0), max(1, n/64))
	if w <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	wg.Add(w)
	for k := 0; k < w; k++ {
		go func(k int) {
			defer wg.Done()
			for i := k * n / w; i < (k+1)*n/w; i++ {
				f(i)
			}
		}(k)
	}
	wg.Wait()
}

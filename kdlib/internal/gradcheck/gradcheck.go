// Package gradcheck verifies hand-written gradients against central finite
// differences computed by gonum's diff/fd. Every model and distillation term
// of kdrec has a test that calls Check.
package gradcheck

import (
	"fmt"
	"math"

	"github.com/kdrec/kdrec/kdlib/nn"
	"gonum.org/v1/gonum/diff/fd"
)

// Check compares the gradient that loss accumulates into params with a
// central finite-difference estimate. loss must compute the loss from the
// current values of params and add its gradient into their G (it is called
// with cleared gradients). Check fails when, for some coordinate,
// |analytic − numeric| > absTol + relTol·max(|analytic|, |numeric|).
//
// The parameters are float32, so the loss is evaluated at perturbations of
// step h (default 1e-3 when h is 0) that float32 represents well; keep the
// problems small (a few users and items, small dimensions).
func Check(params []*nn.Param, loss func() float64, h, absTol, relTol float64) error {
	if h == 0 {
		h = 1e-3
	}
	n := nn.CountParams(params)
	x := make([]float64, 0, n)
	for _, p := range params {
		for _, w := range p.W {
			x = append(x, float64(w))
		}
	}
	set := func(x []float64) {
		k := 0
		for _, p := range params {
			for j := range p.W {
				p.W[j] = float32(x[k])
				k++
			}
		}
	}
	clearGrads := func() {
		for _, p := range params {
			p.TouchAll()
			p.ZeroGrad()
		}
	}
	// Analytic gradient.
	set(x)
	clearGrads()
	loss()
	analytic := make([]float64, 0, n)
	for _, p := range params {
		for _, g := range p.G {
			analytic = append(analytic, float64(g))
		}
	}
	f := func(y []float64) float64 {
		set(y)
		clearGrads()
		return loss()
	}
	numeric := fd.Gradient(nil, f, x, &fd.Settings{Formula: fd.Central, Step: h})
	set(x)
	clearGrads()
	k := 0
	for _, p := range params {
		for j := range p.W {
			a, b := analytic[k], numeric[k]
			if math.IsNaN(a) || math.Abs(a-b) > absTol+relTol*math.Max(math.Abs(a), math.Abs(b)) {
				return fmt.Errorf("gradient of %s[%d,%d]: analytic %.6g, finite difference %.6g", p.Name, j/p.Cols, j%p.Cols, a, b)
			}
			k++
		}
	}
	return nil
}

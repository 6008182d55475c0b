package nn_test

import (
	"testing"

	"github.com/kdrec/kdrec/kdlib/internal/gradcheck"
	"github.com/kdrec/kdrec/kdlib/nn"
)

// TestMLPGradient checks the MLP's parameter and input gradients for the
// loss L = Σ w ⊙ MLP(x) with fixed random weights w.
func TestMLPGradient(t *testing.T) {
	rng := nn.NewRand(1, 1)
	m := nn.NewMLP("mlp", []int{5, 7, 3}, rng)
	const n = 4
	x := nn.NewParam("x", n, 5)
	nn.InitNormal(x, rng, 0, 1)
	w := make([]float32, n*3)
	for k := range w {
		w[k] = float32(rng.NormFloat64())
	}
	var cache *nn.MLPCache
	loss := func() float64 {
		var y []float32
		y, cache = m.Forward(x.W, n, cache)
		l := 0.0
		for k := range y {
			l += float64(w[k] * y[k])
		}
		x.TouchAll()
		dx := make([]float32, n*5)
		m.Backward(cache, w, dx)
		for k := range dx {
			x.G[k] += dx[k]
		}
		return l
	}
	params := append(m.Params(), x)
	if err := gradcheck.Check(params, loss, 1e-3, 1e-3, 1e-2); err != nil {
		t.Fatal(err)
	}
}

package distill

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestLatGumbelRowMatchesReference checks the log-free selection against
// the reference formula softmax((log(α+1e−10) + g)/τ) with g = −log(e+1e−20).
func TestLatGumbelRowMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tau := range []float64{1, 0.5, 0.1, 0.003, 1e-6} {
		for trial := 0; trial < 50; trial++ {
			m := 30
			logits := make([]float32, m)
			for k := range logits {
				logits[k] = float32(3 * rng.NormFloat64())
			}
			alpha := make([]float64, m)
			latSoftmax(logits, alpha)
			e := make([]float64, m)
			g := make([]float64, m)
			for k := range e {
				e[k] = rng.ExpFloat64()
				g[k] = -math.Log(e[k] + gumbelEps)
			}
			want, got := make([]float64, m), make([]float64, m)
			GumbelSoftmax(alpha, g, tau, want)
			latGumbelRow(alpha, e, tau, got)
			for k := range want {
				if math.Abs(got[k]-want[k]) > 1e-12+1e-9*want[k] {
					t.Fatalf("τ=%v: s[%d] = %v, reference %v", tau, k, got[k], want[k])
				}
			}
		}
	}
}

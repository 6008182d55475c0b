//go:build amd64 && !noasm && !gccgo && !safe

package simd

import (
	"math/rand/v2"
	"testing"
)

// TestDotSSEIsGonum checks the Go replica of gonum's SSE dot product
// against gonum itself on an aligned second operand, bit for bit, for
// every length up to 100 and every first-operand alignment.
func TestDotSSEIsGonum(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := 0; n <= 100; n++ {
		x := make([]float32, n)
		y := make([]float32, n)
		for k := range x {
			x[k], y[k] = float32(r.NormFloat64()*3), float32(r.NormFloat64())
		}
		ya := offsetCopy(y, 0)
		for off := range 4 {
			xo := offsetCopy(x, off)
			if got, want := dotSSE(xo, ya), gonumDot(xo, ya); got != want {
				t.Fatalf("n=%d x offset %d: dotSSE %v, gonum %v", n, off, got, want)
			}
		}
	}
}

package simd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestIndexAbove compares the vector scan with the portable loop on every
// length up to 200, hits at every position (or none), NaN values and NaN or
// infinite thresholds.
func TestIndexAbove(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for n := 0; n <= 200; n++ {
		s := make([]float32, n)
		for trial := 0; trial < 8; trial++ {
			for i := range s {
				switch rng.IntN(10) {
				case 0:
					s[i] = nan
				case 1:
					s[i] = -inf
				default:
					s[i] = float32(rng.NormFloat64())
				}
			}
			for _, thr := range []float32{0, 1, 2.5, 10, nan, -inf, inf} {
				got, want := IndexAbove(s, thr), indexAboveGo(s, thr)
				if got != want {
					t.Fatalf("n=%d thr=%v: IndexAbove = %d, want %d", n, thr, got, want)
				}
				if got < n && !(s[got] > thr) {
					t.Fatalf("n=%d thr=%v: s[%d] = %v is not above", n, thr, got, s[got])
				}
			}
			// A single hit at every position.
			if n > 0 {
				for i := range s {
					s[i] = -1
				}
				for p := 0; p < n; p++ {
					s[p] = 3
					if got := IndexAbove(s, 2); got != p {
						t.Fatalf("n=%d: hit at %d found at %d", n, p, got)
					}
					s[p] = -1
				}
				if got := IndexAbove(s, 2); got != n {
					t.Fatalf("n=%d: no hit, got %d", n, got)
				}
			}
		}
	}
}

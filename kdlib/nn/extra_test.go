package nn

import (
	"math"
	"testing"
)

func TestBCEWithLogits(t *testing.T) {
	for _, z := range []float64{-800, -30, -2, -0.5, 0, 0.5, 2, 30, 800} {
		for _, y := range []float64{0, 0.25, 1} {
			l, g := BCEWithLogits(z, y)
			if math.IsInf(l, 0) || math.IsNaN(l) || math.IsNaN(g) {
				t.Fatalf("z=%v y=%v: loss %v grad %v", z, y, l, g)
			}
			if math.Abs(z) < 30 {
				s := 1 / (1 + math.Exp(-z))
				want := -y*math.Log(s) - (1-y)*math.Log(1-s)
				if math.Abs(l-want) > 1e-9 || math.Abs(g-(s-y)) > 1e-12 {
					t.Fatalf("z=%v y=%v: (%v, %v), want (%v, %v)", z, y, l, g, want, s-y)
				}
			}
		}
	}
	if l, _ := BCEWithLogits(800, 0); l != 800 {
		t.Fatalf("softplus(800) = %v", l)
	}
	x := []float32{-1, 0, 2, -0.5}
	ReLU(x)
	if x[0] != 0 || x[2] != 2 || x[3] != 0 {
		t.Fatalf("ReLU gave %v", x)
	}
}

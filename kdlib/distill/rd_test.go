package distill

import (
	"math"
	"testing"
)

// TestRDPositionWeightsDoNotUnderflow checks that a small position
// temperature (pos-temp 0.001: e^{−1/λ} underflows to 0) gives the limit
// weights (all on the first rank), not 0/0 = NaN, and that the weights of
// temperatures that did not underflow are bit-for-bit those of the
// reference formula e^{−r/λ} / Σ_{r'=1}^{K} e^{−r'/λ}.
func TestRDPositionWeightsDoNotUnderflow(t *testing.T) {
	f := newFixture(t, 12, 40, 10, false)
	term, err := RD(f.lists, f.student, RDOptions{K: 5, PosTemp: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	wa := term.(*rd).wa
	for r, w := range wa {
		want := float32(0)
		if r == 0 {
			want = 1
		}
		if w != want {
			t.Errorf("pos-temp 0.001: weight of rank %d = %v, want %v", r+1, w, want)
		}
	}
	for _, lambda := range []float64{1, 0.5, 2, 10, 0.1} {
		for _, K := range []int{1, 5, 10} {
			term, err := RD(f.lists, f.student, RDOptions{K: K, PosTemp: lambda})
			if err != nil {
				t.Fatal(err)
			}
			z := 0.0
			for r := 1; r <= K; r++ {
				z += math.Exp(-float64(r) / lambda)
			}
			for r, w := range term.(*rd).wa {
				if want := float32(math.Exp(-float64(r+1)/lambda) / z); math.Float32bits(w) != math.Float32bits(want) {
					t.Errorf("pos-temp %v K %d: weight %d = %v, the reference formula %v", lambda, K, r+1, w, want)
				}
			}
		}
	}
}

package simd_test

import (
	"math"
	"testing"

	"github.com/kdrec/kdrec/kdlib/internal/simd"
	"github.com/kdrec/kdrec/kdlib/nn"
)

// ewInput returns n values with the special cases of the element-wise
// kernels among them: zeros of both signs, NaN and infinities.
func ewInput(n int, seed uint64) []float32 {
	rng := nn.NewRand(seed, 6)
	x := make([]float32, n)
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	for t := range x {
		if rng.IntN(5) == 0 {
			x[t] = special[rng.IntN(len(special))]
		} else {
			x[t] = float32(rng.NormFloat64())
		}
	}
	return x
}

func ewSame(t *testing.T, name string, got, want []float32) {
	t.Helper()
	for k := range want {
		if math.Float32bits(got[k]) != math.Float32bits(want[k]) {
			t.Fatalf("%s[%d] = %v, want %v", name, k, got[k], want[k])
		}
	}
}

// TestElementwise checks ReluBias, ScaleTo, MaskScale and SumInto against
// their scalar definitions bit for bit (signed zeros and NaN included) for
// lengths around the vector width.
func TestElementwise(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 16, 35, 112} {
		a, b := ewInput(n, uint64(n)), ewInput(n, uint64(n)+100)
		const w = float32(-0.75)

		z := append([]float32(nil), a...)
		simd.ReluBias(z, b)
		want := make([]float32, n)
		for k := range want {
			want[k] = max(a[k]+b[k], 0)
		}
		ewSame(t, "ReluBias", z, want)

		dst := make([]float32, n)
		simd.ScaleTo(dst, a, w)
		for k := range want {
			want[k] = w * a[k]
		}
		ewSame(t, "ScaleTo", dst, want)

		g := append([]float32(nil), a...)
		simd.MaskScale(g, b, w)
		for k := range want {
			if b[k] > 0 {
				want[k] = a[k] * w
			} else {
				want[k] = 0
			}
		}
		ewSame(t, "MaskScale", g, want)

		y := append([]float32(nil), a...)
		simd.SumInto(y, b)
		for k := range want {
			want[k] = a[k] + b[k]
		}
		ewSame(t, "SumInto", y, want)
	}
}

package simd_test

import (
	"math"
	"testing"

	"github.com/kdrec/kdrec/kdlib/internal/simd"
	"github.com/kdrec/kdrec/kdlib/nn"
)

func TestDot4(t *testing.T) {
	for _, d := range []int{1, 7, 8, 16, 20, 200, 203} {
		rng := nn.NewRand(uint64(d), 1)
		a, b := make([]float32, 4*d), make([]float32, d)
		for k := range a {
			a[k] = float32(rng.NormFloat64())
		}
		for k := range b {
			b[k] = float32(rng.NormFloat64())
		}
		var out [4]float32
		simd.Dot4(a, b, &out)
		for r := 0; r < 4; r++ {
			want := 0.0
			for k := 0; k < d; k++ {
				want += float64(a[r*d+k]) * float64(b[k])
			}
			if math.Abs(float64(out[r])-want) > 1e-4*math.Sqrt(float64(d)) {
				t.Fatalf("d=%d row %d: %v, want %v", d, r, out[r], want)
			}
		}
	}
}

func TestDotRows4(t *testing.T) {
	for _, d := range []int{1, 7, 8, 20, 200, 203} {
		rng := nn.NewRand(uint64(d), 2)
		b := make([]float32, d)
		rows := make([][]float32, 4)
		for k := range b {
			b[k] = float32(rng.NormFloat64())
		}
		for r := range rows {
			rows[r] = make([]float32, d)
			for k := range rows[r] {
				rows[r][k] = float32(rng.NormFloat64())
			}
		}
		var out [4]float32
		simd.DotRows4(b, rows[0], rows[1], rows[2], rows[3], &out)
		for r := 0; r < 4; r++ {
			want := 0.0
			for k := 0; k < d; k++ {
				want += float64(rows[r][k]) * float64(b[k])
			}
			if math.Abs(float64(out[r])-want) > 1e-4*math.Sqrt(float64(d)) {
				t.Fatalf("d=%d row %d: %v, want %v", d, r, out[r], want)
			}
		}
	}
}

// TestDot4x3 checks that every element of Dot4x3 is bit-identical to the
// Dot4 of the same pair of rows, for aligned and unaligned lengths.
func TestDot4x3(t *testing.T) {
	for _, d := range []int{1, 7, 8, 16, 24, 112, 203, 3360} {
		rng := nn.NewRand(uint64(d), 3)
		a, b := make([]float32, 4*d), make([]float32, 3*d)
		for k := range a {
			a[k] = float32(rng.NormFloat64())
		}
		for k := range b {
			b[k] = float32(rng.NormFloat64())
		}
		var out [12]float32
		simd.Dot4x3(a, b, &out)
		for j := 0; j < 3; j++ {
			var want [4]float32
			simd.Dot4(a, b[j*d:(j+1)*d], &want)
			for r := 0; r < 4; r++ {
				if math.Float32bits(out[4*j+r]) != math.Float32bits(want[r]) {
					t.Fatalf("d=%d row %d col %d: %v, Dot4 gives %v", d, r, j, out[4*j+r], want[r])
				}
			}
		}
	}
}

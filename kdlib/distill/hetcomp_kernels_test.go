package distill

import (
	"math"
	"testing"

	"github.com/kdrec/kdrec/kdlib/internal/simd"
	"github.com/kdrec/kdrec/kdlib/nn"
)

// restMassRef is the scalar restMass before vectorisation: the reference
// the vectorised kernels must match bit for bit.
func restMassRef(row []float32, mark []uint8, C float32) float64 {
	var z float64
	for lo := 0; lo < len(row); lo += 256 {
		hi := min(lo+256, len(row))
		blk, mk := row[lo:hi], mark[lo:hi]
		var zc float32
		for j, s := range blk {
			c := s
			if c > C {
				c = C
			}
			if c < -C {
				c = -C
			}
			e := simd.FastExp(c)
			if mk[j] == 0 {
				zc += e
			}
			if c != s {
				e = -e
			}
			blk[j] = e
		}
		z += float64(zc)
	}
	return z
}

// TestRestKernelsBitExact checks HetComp's exponentials and rest mass
// (simd.ExpClamp and simd.RestMass, vectorised where the CPU allows)
// against the scalar code on rows of every length up to 40 and a
// catalogue-sized one, with clamped, boundary and zero scores. The kernels
// themselves are checked against their twins in kdlib/internal/simd.
func TestRestKernelsBitExact(t *testing.T) {
	rng := nn.NewRand(5, 1)
	const C = 40
	lengths := []int{25181}
	for n := range 41 {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		row := make([]float32, n)
		mark := make([]uint8, n)
		for j := range row {
			row[j] = float32(rng.NormFloat64() * 25)
			switch rng.IntN(20) {
			case 0:
				row[j] = C
			case 1:
				row[j] = -C
			case 2:
				row[j] = 0
			case 3:
				row[j] = float32(math.Copysign(0, -1))
			}
			if rng.IntN(4) == 0 {
				mark[j] = uint8(1 + rng.IntN(2))
			}
		}
		a, b := append([]float32(nil), row...), append([]float32(nil), row...)
		simd.ExpClamp(a, C)
		za, zb := simd.RestMass(a, mark), restMassRef(b, mark, C)
		if math.Float64bits(za) != math.Float64bits(zb) {
			t.Fatalf("n=%d: rest mass %v, scalar %v", n, za, zb)
		}
		for j := range a {
			if math.Float32bits(a[j]) != math.Float32bits(b[j]) {
				t.Fatalf("n=%d, j=%d (s=%v): exp %v, scalar %v", n, j, row[j], a[j], b[j])
			}
		}
	}
}

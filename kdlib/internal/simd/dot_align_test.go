package simd

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestDotAlignmentIndependent checks that Dot gives the same bits whatever
// the memory alignment of its operands: the same values at addresses 0, 4,
// 8 and 12 bytes past a 16-byte boundary.
func TestDotAlignmentIndependent(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 70; n++ {
		x := make([]float32, n)
		y := make([]float32, n)
		for k := range x {
			x[k], y[k] = float32(r.NormFloat64()), float32(r.NormFloat64())
		}
		want := Dot(offsetCopy(x, 0), offsetCopy(y, 0))
		for ox := range 4 {
			for oy := range 4 {
				if got := Dot(offsetCopy(x, ox), offsetCopy(y, oy)); got != want {
					t.Fatalf("n=%d, offsets %d,%d floats: %v, aligned %v", n, ox, oy, got, want)
				}
			}
		}
	}
}

// offsetCopy returns a copy of x that starts off floats past a 16-byte
// boundary.
func offsetCopy(x []float32, off int) []float32 {
	buf := make([]float32, len(x)+8)
	base := 0
	for uintptr(unsafe.Pointer(&buf[base]))%16 != 0 {
		base++
	}
	out := buf[base+off : base+off+len(x)]
	copy(out, x)
	return out
}

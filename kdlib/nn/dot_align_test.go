package nn

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestDotAlignmentIndependent checks that Dot gives the same bits whatever
// the memory alignment of its operands: the same values at addresses
// 0, 4, 8 and 12 bytes past a 16-byte boundary. (gonum's SSE kernel sums
// in an order that depends on the second operand's alignment, which made
// training runs with 5- or 6-dimensional embeddings differ from run to run:
// small buffers are 8-byte aligned only.)
func TestDotAlignmentIndependent(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 70; n++ {
		x := make([]float32, n)
		y := make([]float32, n)
		for k := range x {
			x[k], y[k] = float32(r.NormFloat64()), float32(r.NormFloat64())
		}
		want := Dot(alignedCopy(x, 0), alignedCopy(y, 0))
		for ox := 0; ox < 4; ox++ {
			for oy := 0; oy < 4; oy++ {
				if got := Dot(alignedCopy(x, ox), alignedCopy(y, oy)); got != want {
					t.Fatalf("n=%d, offsets %d,%d floats: %v, aligned %v", n, ox, oy, got, want)
				}
			}
		}
		out := make([]float32, 3)
		a := make([]float32, 3*n)
		for k := range a {
			a[k] = float32(r.NormFloat64())
		}
		MatVec(a, 3, alignedCopy(x, 0), out)
		w0 := append([]float32(nil), out...)
		for ox := 1; ox < 4; ox++ {
			MatVec(a, 3, alignedCopy(x, ox), out)
			for k := range out {
				if out[k] != w0[k] {
					t.Fatalf("MatVec n=%d offset %d: row %d %v, aligned %v", n, ox, k, out[k], w0[k])
				}
			}
		}
	}
}

// alignedCopy returns a copy of x that starts off floats past a 16-byte
// boundary.
func alignedCopy(x []float32, off int) []float32 {
	buf := make([]float32, len(x)+8)
	base := 0
	for uintptr(unsafe.Pointer(&buf[base]))%16 != 0 {
		base++
	}
	out := buf[base+off : base+off+len(x)]
	copy(out, x)
	return out
}

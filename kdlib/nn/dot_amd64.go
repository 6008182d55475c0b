package nn

import "golang.org/x/sys/cpu"

var useFMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func dot4AVX2(a, b []float32, out *[4]float32)

// Dot4 computes the dot products of four consecutive rows of a (each
// len(b) long) with b, using AVX2+FMA where available.
func Dot4(a, b []float32, out *[4]float32) {
	d := len(b)
	d8 := d &^ 7
	if useFMA && d8 > 0 {
		if d8 == d {
			dot4AVX2(a[:4*d], b, out)
			return
		}
		// Rows are not 8-aligned: fall back row by row for the tail.
	}
	for r := 0; r < 4; r++ {
		out[r] = dotScalar(a[r*d:(r+1)*d], b)
	}
}

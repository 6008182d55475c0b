package simd

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

//go:noescape
func dotRows4AVX2(b, r0, r1, r2, r3 []float32, out *[4]float32)

// DotRows4 computes the dot products of b with four vectors of the same
// length (e.g. four item embeddings scored for one user).
func DotRows4(b, r0, r1, r2, r3 []float32, out *[4]float32) {
	d := len(b)
	d8 := d &^ 7
	if !useFMA || d8 == 0 {
		out[0], out[1], out[2], out[3] = dotScalar(r0, b), dotScalar(r1, b), dotScalar(r2, b), dotScalar(r3, b)
		return
	}
	dotRows4AVX2(b, r0[:d], r1[:d], r2[:d], r3[:d], out)
	for j := d8; j < d; j++ {
		out[0] += r0[j] * b[j]
		out[1] += r1[j] * b[j]
		out[2] += r2[j] * b[j]
		out[3] += r3[j] * b[j]
	}
}

//go:noescape
func dot4x3AVX2(a, b []float32, d int, out *[12]float32)

// Dot4x3 computes the dot products of four consecutive rows of a with
// three consecutive rows of b (all d = len(b)/3 long): out[4j+r] =
// a_r·b_j. Every element is bit-identical to the one Dot4(a, b_j) computes,
// so blocked matrix products may mix the two freely; Dot4x3 loads each
// vector once for three or four multiply-adds instead of once for one.
func Dot4x3(a, b []float32, out *[12]float32) {
	d := len(b) / 3
	if useFMA && d > 0 && d&7 == 0 {
		dot4x3AVX2(a[:4*d], b[:3*d], d, out)
		return
	}
	var s [4]float32
	for j := 0; j < 3; j++ {
		Dot4(a, b[j*d:(j+1)*d], &s)
		copy(out[4*j:4*j+4], s[:])
	}
}

// denseKernels names the dense kernels in use (see Kernels).
func denseKernels() string {
	if useFMA {
		return "avx2+fma"
	}
	return "go"
}

//go:build !amd64

package simd

// Dot4 computes the dot products of four consecutive rows of a (each
// len(b) long) with b.
func Dot4(a, b []float32, out *[4]float32) {
	d := len(b)
	for r := 0; r < 4; r++ {
		out[r] = dotScalar(a[r*d:(r+1)*d], b)
	}
}

// DotRows4 computes the dot products of b with four vectors of the same length.
func DotRows4(b, r0, r1, r2, r3 []float32, out *[4]float32) {
	out[0], out[1], out[2], out[3] = dotScalar(r0, b), dotScalar(r1, b), dotScalar(r2, b), dotScalar(r3, b)
}

// Dot4x3 computes the dot products of four consecutive rows of a with
// three consecutive rows of b (all len(b)/3 long): out[4j+r] = a_r·b_j,
// each element as Dot4 computes it.
func Dot4x3(a, b []float32, out *[12]float32) {
	d := len(b) / 3
	var s [4]float32
	for j := 0; j < 3; j++ {
		Dot4(a, b[j*d:(j+1)*d], &s)
		copy(out[4*j:4*j+4], s[:])
	}
}

// denseKernels names the dense kernels in use (see Kernels).
func denseKernels() string { return "go" }

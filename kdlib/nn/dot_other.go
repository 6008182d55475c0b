//go:build !amd64

package nn

// Dot4 computes the dot products of four consecutive rows of a (each
// len(b) long) with b.
func Dot4(a, b []float32, out *[4]float32) {
	d := len(b)
	for r := 0; r < 4; r++ {
		out[r] = dotScalar(a[r*d:(r+1)*d], b)
	}
}

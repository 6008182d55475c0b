//go:build !amd64 || noasm || gccgo || safe

package simd

// Dot returns nn.Dot(x, y): gonum's dot product, on this platform or in
// this build its portable loop.
func Dot(x, y []float32) float32 { return gonumDot(x, y) }

// DotRows sets out[j] = Dot(x, row keys[j] of the row-major table w).
func DotRows(x, w []float32, keys []int32, out []float32) { DotRowsStride(x, w, len(x), keys, out) }

// DotRowsStride is DotRows for a table whose rows start stride entries
// apart (stride ≥ len(x)).
func DotRowsStride(x, w []float32, stride int, keys []int32, out []float32) {
	d := len(x)
	for j, k := range keys {
		out[j] = Dot(x, w[int(k)*stride:int(k)*stride+d])
	}
}

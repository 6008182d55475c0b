//go:build !amd64 || noasm || gccgo || safe

package distill

import "github.com/kdrec/kdrec/kdlib/nn"

// dot returns nn.Dot(x, y): on this platform gonum's portable loop.
func dot(x, y []float32) float32 { return nn.Dot(x, y) }

// dotRows sets out[j] = dot(x, row keys[j] of the row-major table w).
func dotRows(x, w []float32, keys []int32, out []float32) { dotRowsStride(x, w, len(x), keys, out) }

// dotRowsStride is dotRows for a table whose rows start stride entries
// apart (stride ≥ len(x)).
func dotRowsStride(x, w []float32, stride int, keys []int32, out []float32) {
	d := len(x)
	for j, k := range keys {
		out[j] = dot(x, w[int(k)*stride:int(k)*stride+d])
	}
}

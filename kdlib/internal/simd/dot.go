package simd

import "gonum.org/v1/gonum/blas/blas32"

// gonumDot is nn.Dot: gonum's float32 dot product (an SSE kernel on amd64
// unless built with -tags noasm, a Go loop otherwise), whose rounding Dot
// reproduces.
func gonumDot(x, y []float32) float32 {
	return blas32.Dot(blas32.Vector{N: len(x), Data: x, Inc: 1}, blas32.Vector{N: len(x), Data: y, Inc: 1})
}

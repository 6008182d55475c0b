package nn

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// Dot returns Σ a[k]·b[k] (SIMD through gonum's float32 BLAS).
func Dot(a, b []float32) float32 {
	return blas32.Dot(blas32.Vector{N: len(a), Data: a, Inc: 1}, blas32.Vector{N: len(a), Data: b, Inc: 1})
}

// Axpy computes y += alpha·x.
func Axpy(alpha float32, x, y []float32) {
	blas32.Axpy(alpha, blas32.Vector{N: len(x), Data: x, Inc: 1}, blas32.Vector{N: len(x), Data: y, Inc: 1})
}

// MatVec computes out[r] = Σ_c A[r,c]·x[c] for a row-major rows×len(x) matrix A.
func MatVec(a []float32, rows int, x, out []float32) {
	cols := len(x)
	blas32.Gemv(blas.NoTrans, 1,
		blas32.General{Rows: rows, Cols: cols, Stride: cols, Data: a[:rows*cols]},
		blas32.Vector{N: cols, Data: x, Inc: 1}, 0, blas32.Vector{N: rows, Data: out[:rows], Inc: 1})
}

// LogSigmoid returns log σ(x) computed without overflow.
func LogSigmoid(x float64) float64 {
	if x >= 0 {
		return -math.Log1p(math.Exp(-x))
	}
	return x - math.Log1p(math.Exp(x))
}

// Sigmoid returns σ(x) = 1/(1+e^{−x}) computed without overflow.
func Sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// dotScalar is a plain 4-way unrolled dot product.
func dotScalar(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	k := 0
	for ; k+4 <= len(a); k += 4 {
		s0 += a[k] * b[k]
		s1 += a[k+1] * b[k+1]
		s2 += a[k+2] * b[k+2]
		s3 += a[k+3] * b[k+3]
	}
	for ; k < len(a); k++ {
		s0 += a[k] * b[k]
	}
	return (s0 + s1) + (s2 + s3)
}

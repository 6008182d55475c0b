package nn

import (
	"math"

	"github.com/kdrec/kdrec/kdlib/internal/simd"
	"gonum.org/v1/gonum/blas/blas32"
)

// Dot returns Σ a[k]·b[k] (SIMD through gonum's float32 BLAS), summed in
// an order that does not depend on where a and b lie in memory (simd.Dot).
func Dot(a, b []float32) float32 {
	return simd.Dot(a, b[:len(a)])
}

// Axpy computes y += alpha·x.
func Axpy(alpha float32, x, y []float32) {
	blas32.Axpy(alpha, blas32.Vector{N: len(x), Data: x, Inc: 1}, blas32.Vector{N: len(x), Data: y, Inc: 1})
}

// MatVec computes out[r] = Σ_c A[r,c]·x[c] for a row-major rows×len(x)
// matrix A: one Dot per row, as gonum's Gemv does, so that the sums do not
// depend on where x lies in memory either.
func MatVec(a []float32, rows int, x, out []float32) {
	cols := len(x)
	a = a[:rows*cols]
	for r := range out[:rows] {
		out[r] = Dot(a[r*cols:(r+1)*cols], x)
	}
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

// Dot4 computes the dot products of four consecutive rows of a (each
// len(b) long) with b, using AVX2+FMA on amd64 where available (the kernels
// are in kdlib/internal/simd, with the distillation methods' own).
func Dot4(a, b []float32, out *[4]float32) { simd.Dot4(a, b, out) }

// DotRows4 computes the dot products of b with four vectors of the same
// length (e.g. four item embeddings scored for one user), as Dot4 does.
func DotRows4(b, r0, r1, r2, r3 []float32, out *[4]float32) { simd.DotRows4(b, r0, r1, r2, r3, out) }

// Dot4x3 computes the dot products of four consecutive rows of a with
// three consecutive rows of b (all d = len(b)/3 long): out[4j+r] =
// a_r·b_j. Every element is bit-identical to the one Dot4(a, b_j) computes,
// so blocked matrix products may mix the two freely; the AVX2 kernel loads
// each vector once for three or four multiply-adds instead of once for one.
func Dot4x3(a, b []float32, out *[12]float32) { simd.Dot4x3(a, b, out) }

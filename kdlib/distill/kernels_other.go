//go:build !amd64 || noasm || gccgo || safe

package distill

// axpy computes y += a·x (len(y) ≥ len(x)).
func axpy(a float32, x, y []float32) { axpyGo(a, x, y) }

// axpy2 computes y += a·x and v += a·u (y, u, v at least as long as x).
func axpy2(a float32, x, y, u, v []float32) { axpy2Go(a, x, y, u, v) }

// expClamp replaces every score s of row by e = fastExp(clamp(s, ±C)),
// negated when s was clamped.
func expClamp(row []float32, C float32) { expClampGo(row, C) }

// restGrad turns the exponentials left by restMass into gradients:
// c·e for the rest (mark 0, not clamped), 0 elsewhere.
func restGrad(row []float32, mark []uint8, c float32) { restGradGo(row, mark, c) }

// prefetchRows is a no-op on this platform (a cache hint elsewhere).
func prefetchRows(w []float32, keys []int32, d int) {}

// prefetchRowsStride is a no-op on this platform (a cache hint elsewhere).
func prefetchRowsStride(w []float32, keys []int32, stride, d int) {}

// prefetchInts is a no-op on this platform (a cache hint elsewhere).
func prefetchInts(s []int32) {}

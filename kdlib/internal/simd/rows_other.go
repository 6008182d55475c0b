//go:build !amd64 || noasm || gccgo || safe

package simd

// Axpy computes y += a·x (len(y) ≥ len(x)).
func Axpy(a float32, x, y []float32) { axpyGo(a, x, y) }

// Axpy2 computes y += a·x and v += a·u (y, u, v at least as long as x).
func Axpy2(a float32, x, y, u, v []float32) { axpy2Go(a, x, y, u, v) }

// ExpClamp replaces every score s of row by e = FastExp(clamp(s, ±C)),
// negated when s was clamped.
func ExpClamp(row []float32, C float32) { expClampGo(row, C) }

// RestGrad turns the exponentials left by ExpClamp into gradients:
// c·e for the rest (mark 0, not clamped), 0 elsewhere.
func RestGrad(row []float32, mark []uint8, c float32) { restGradGo(row, mark, c) }

// PrefetchRows is a no-op on this platform (a cache hint elsewhere).
func PrefetchRows(w []float32, keys []int32, d int) {}

// PrefetchRowsStride is a no-op on this platform (a cache hint elsewhere).
func PrefetchRowsStride(w []float32, keys []int32, stride, d int) {}

// PrefetchInts is a no-op on this platform (a cache hint elsewhere).
func PrefetchInts(s []int32) {}

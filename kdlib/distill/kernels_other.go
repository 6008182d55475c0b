//go:build !amd64 || noasm || gccgo || safe

package distill

// axpy computes y += a·x (len(y) ≥ len(x)).
func axpy(a float32, x, y []float32) { axpyGo(a, x, y) }

// axpy2 computes y += a·x and v += a·u (y, u, v at least as long as x).
func axpy2(a float32, x, y, u, v []float32) { axpy2Go(a, x, y, u, v) }

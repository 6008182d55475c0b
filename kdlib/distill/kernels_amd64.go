//go:build amd64 && !noasm && !gccgo && !safe

package distill

import "golang.org/x/sys/cpu"

var useAVX = cpu.X86.HasAVX

//go:noescape
func axpyAVX(a float32, x, y []float32)

//go:noescape
func axpy2AVX(a float32, x, y, u, v []float32)

// axpy computes y += a·x (len(y) ≥ len(x)).
func axpy(a float32, x, y []float32) {
	if useAVX {
		axpyAVX(a, x, y[:len(x)])
		return
	}
	axpyGo(a, x, y)
}

// axpy2 computes y += a·x and v += a·u (y, u, v at least as long as x).
func axpy2(a float32, x, y, u, v []float32) {
	if useAVX {
		n := len(x)
		axpy2AVX(a, x, y[:n], u[:n], v[:n])
		return
	}
	axpy2Go(a, x, y, u, v)
}

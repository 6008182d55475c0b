//go:build amd64 && !noasm && !gccgo && !safe

package distill

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

var useAVX = cpu.X86.HasAVX

//go:noescape
func axpyAVX(a float32, x, y []float32)

//go:noescape
func axpy2AVX(a float32, x, y, u, v []float32)

//go:noescape
func prefetchRowsAsm(base *float32, keys []int32, rowBytes int)

// prefetchRows asks the CPU to bring the cache lines that hold the first
// and the last byte of each row keys[j] of the row-major table w (d
// columns) into its caches, without waiting for them: a hint that changes
// no value (a prefetch never faults). That is the whole row when it spans
// at most two lines: always for rows of up to 64 bytes, and for the
// 80-byte rows of d = 20 when the table starts on a 64-byte boundary, as
// Go's large allocations do (such a row starts 0, 16, 32 or 48 bytes into
// a line). Longer rows get their two ends only.
func prefetchRows(w []float32, keys []int32, d int) {
	if len(keys) > 0 && d > 0 && len(w) > 0 {
		prefetchRowsAsm(&w[0], keys, 4*d)
	}
}

// prefetchInts asks for the cache lines of the first and the last entry
// of s (all of it when s spans at most two lines), like prefetchRows.
func prefetchInts(s []int32) {
	if len(s) > 0 {
		prefetchRowsAsm((*float32)(unsafe.Pointer(&s[0])), zeroKey[:], 4*len(s))
	}
}

// zeroKey is prefetchInts' one key: the row at the slice's start.
var zeroKey = [1]int32{0}

//go:noescape
func expClampAVX(row []float32, k *expK)

//go:noescape
func restGradAVX(row []float32, mark []uint8, c float32)

// expClamp replaces every score s of row by e = fastExp(clamp(s, ±C)),
// negated when s was clamped; groups of four go through AVX, with the
// same results as the scalar code for finite scores.
func expClamp(row []float32, C float32) {
	n := 0
	if useAVX {
		n = len(row) &^ 3
		if n > 0 {
			k := newExpK(C)
			expClampAVX(row[:n], &k)
		}
	}
	expClampGo(row[n:], C)
}

// restGrad turns the exponentials left by restMass into gradients:
// c·e for the rest (mark 0, not clamped), 0 elsewhere (the listed items
// are set by the caller); groups of four go through AVX.
func restGrad(row []float32, mark []uint8, c float32) {
	n := 0
	if useAVX {
		n = len(row) &^ 3
		if n > 0 {
			restGradAVX(row[:n], mark[:n], c)
		}
	}
	restGradGo(row[n:], mark[n:], c)
}

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

//go:build amd64 && !noasm && !gccgo && !safe

package simd

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
func prefetchRowsAsm(base *float32, keys []int32, strideBytes, rowBytes int)

// PrefetchRows asks the CPU to bring every cache line of each row keys[j]
// of the row-major table w (d columns) into its caches, without waiting
// for them: a hint that changes no value (a prefetch never faults). An
// 80-byte row of d = 20 is two lines (a table that starts on a 64-byte
// boundary, as Go's large allocations do, has its rows start 0, 16, 32 or
// 48 bytes into a line).
func PrefetchRows(w []float32, keys []int32, d int) { PrefetchRowsStride(w, keys, d, d) }

// PrefetchRowsStride is PrefetchRows for the first d entries of rows that
// start stride entries apart.
func PrefetchRowsStride(w []float32, keys []int32, stride, d int) {
	if len(keys) > 0 && d > 0 && len(w) > 0 {
		prefetchRowsAsm(&w[0], keys, 4*stride, 4*d)
	}
}

// PrefetchInts asks for every cache line of s, like PrefetchRows.
func PrefetchInts(s []int32) {
	if len(s) > 0 {
		prefetchRowsAsm((*float32)(unsafe.Pointer(&s[0])), zeroKey[:], 0, 4*len(s))
	}
}

// zeroKey is PrefetchInts' one key: the row at the slice's start.
var zeroKey = [1]int32{0}

//go:noescape
func expClampAVX(row []float32, k *expK)

//go:noescape
func restGradAVX(row []float32, mark []uint8, c float32)

//go:noescape
func expClampAVX2(row []float32, k *expK)

//go:noescape
func restGradAVX2(row []float32, mark []uint8, c float32)

// ExpClamp replaces every score s of row by e = FastExp(clamp(s, ±C)),
// negated when s was clamped; groups of eight go through AVX2 and then
// groups of four through AVX, lane by lane the same operations, with the
// same results as the scalar code for finite scores.
func ExpClamp(row []float32, C float32) {
	if !useAVX || len(row) < 4 {
		expClampGo(row, C)
		return
	}
	k := newExpK(C)
	if n := len(row) &^ 7; useAVX2 && n > 0 {
		expClampAVX2(row[:n], &k)
		row = row[n:]
	}
	n := len(row) &^ 3
	if n > 0 {
		expClampAVX(row[:n], &k)
	}
	expClampGo(row[n:], C)
}

// RestGrad turns the exponentials left by ExpClamp into gradients:
// c·e for the rest (mark 0, not clamped), 0 elsewhere (the listed items
// are set by the caller); groups of sixteen go through AVX-512 where the
// machine has it, then groups of eight through AVX2 and of four through
// AVX, lane by lane the same operations.
func RestGrad(row []float32, mark []uint8, c float32) {
	n := 0
	if useAVX512Rows {
		n = len(row) &^ 15
		if n > 0 {
			restGradAVX512(row[:n], mark[:n], c)
		}
		row, mark = row[n:], mark[n:]
		n = 0
	}
	if n8 := len(row) &^ 7; useAVX2 && n8 > 0 {
		restGradAVX2(row[:n8], mark[:n8], c)
		row, mark = row[n8:], mark[n8:]
	}
	if useAVX {
		n = len(row) &^ 3
		if n > 0 {
			restGradAVX(row[:n], mark[:n], c)
		}
	}
	restGradGo(row[n:], mark[n:], c)
}

// Axpy computes y += a·x (len(y) ≥ len(x)).
func Axpy(a float32, x, y []float32) {
	if useAVX {
		axpyAVX(a, x, y[:len(x)])
		return
	}
	axpyGo(a, x, y)
}

// Axpy2 computes y += a·x and v += a·u (y, u, v at least as long as x).
func Axpy2(a float32, x, y, u, v []float32) {
	if useAVX {
		n := len(x)
		axpy2AVX(a, x, y[:n], u[:n], v[:n])
		return
	}
	axpy2Go(a, x, y, u, v)
}

//go:build !amd64 || noasm || gccgo || safe

package simd

// Transpose writes the transpose of the rows×cols block of src (row stride
// lds) into dst (row stride ldd): dst[j·ldd+i] = src[i·lds+j].
func Transpose(dst []float32, ldd int, src []float32, rows, cols, lds int) {
	transposeCheck(dst, ldd, src, rows, cols, lds)
	transposeGo(dst, ldd, src, rows, cols, lds)
}

// RowSums sets out[i] to the sequential sum ((0 + s_i0) + s_i1) + … of the
// first n values of row i of src (row stride lds), for i < len(out).
func RowSums(out []float32, src []float32, n, lds int) {
	rowSumsCheck(out, src, n, lds)
	rowSumsGo(out, src, n, lds)
}

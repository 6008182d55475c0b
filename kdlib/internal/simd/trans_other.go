//go:build !amd64 || noasm || gccgo || safe

package simd

// Transpose writes the transpose of the rows×cols block of src (row stride
// lds) into dst (row stride ldd): dst[j·ldd+i] = src[i·lds+j].
func Transpose(dst []float32, ldd int, src []float32, rows, cols, lds int) {
	transposeCheck(dst, ldd, src, rows, cols, lds)
	transposeGo(dst, ldd, src, rows, cols, lds)
}

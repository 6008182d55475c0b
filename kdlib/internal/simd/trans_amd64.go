//go:build amd64 && !noasm && !gccgo && !safe

package simd

//go:noescape
func transpose8AVX(dst *float32, ldd int, src *float32, lds int, blocks int)

// Transpose writes the transpose of the rows×cols block of src (row stride
// lds) into dst (row stride ldd): dst[j·ldd+i] = src[i·lds+j]. Blocks of
// 8×8 go through AVX registers; it moves values only, so every build gives
// the same result.
func Transpose(dst []float32, ldd int, src []float32, rows, cols, lds int) {
	transposeCheck(dst, ldd, src, rows, cols, lds)
	if !useAVX || rows < 8 || cols < 8 {
		transposeGo(dst, ldd, src, rows, cols, lds)
		return
	}
	r8, c8 := rows&^7, cols&^7
	for i := 0; i < r8; i += 8 {
		transpose8AVX(&dst[i], ldd, &src[i*lds], lds, c8/8)
	}
	if c8 < cols {
		for i := 0; i < r8; i++ {
			for j, v := range src[i*lds+c8 : i*lds+cols] {
				dst[(c8+j)*ldd+i] = v
			}
		}
	}
	if r8 < rows {
		transposeGo(dst[r8:], ldd, src[r8*lds:], rows-r8, cols, lds)
	}
}

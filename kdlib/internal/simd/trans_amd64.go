//go:build amd64 && !noasm && !gccgo && !safe

package simd

//go:noescape
func transpose8AVX(dst *float32, ldd int, src *float32, lds int, blocks int)

//go:noescape
func rowSums8AVX(src *float32, lds, blocks int, out *[8]float32)

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

// RowSums sets out[i] to the sequential sum ((0 + s_i0) + s_i1) + … of the
// first n values of row i of src (row stride lds), for i < len(out): eight
// rows at a time through 8×8 blocks transposed in AVX registers, with the
// scalar loop's order and rounding.
func RowSums(out []float32, src []float32, n, lds int) {
	rows := len(out)
	rowSumsCheck(out, src, n, lds)
	i := 0
	if useAVX && n >= 8 {
		n8 := n &^ 7
		var s [8]float32
		for ; i+8 <= rows; i += 8 {
			rowSums8AVX(&src[i*lds], lds, n8/8, &s)
			for q := 0; q < 8; q++ {
				v := s[q]
				for _, x := range src[(i+q)*lds+n8 : (i+q)*lds+n] {
					v += x
				}
				out[i+q] = v
			}
		}
	}
	rowSumsGo(out[i:], src[i*lds:], n, lds)
}

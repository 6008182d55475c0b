package simd

// transposeGo is Transpose's portable twin.
func transposeGo(dst []float32, ldd int, src []float32, rows, cols, lds int) {
	for i := 0; i < rows; i++ {
		for j, v := range src[i*lds : i*lds+cols] {
			dst[j*ldd+i] = v
		}
	}
}

// transposeCheck panics unless src and dst hold the blocks Transpose names.
func transposeCheck(dst []float32, ldd int, src []float32, rows, cols, lds int) {
	if rows < 0 || cols < 0 || (rows > 1 && lds < cols) || (cols > 1 && ldd < rows) {
		panic("simd: Transpose: bad dimensions")
	}
	if rows > 0 && cols > 0 && (len(src) < (rows-1)*lds+cols || len(dst) < (cols-1)*ldd+rows) {
		panic("simd: Transpose: operand too short")
	}
}

// rowSumsGo is RowSums' portable twin.
func rowSumsGo(out []float32, src []float32, n, lds int) {
	for i := range out {
		v := float32(0)
		for _, x := range src[i*lds : i*lds+n] {
			v += x
		}
		out[i] = v
	}
}

// rowSumsCheck panics unless src holds the rows RowSums reads.
func rowSumsCheck(out []float32, src []float32, n, lds int) {
	if n < 0 || (len(out) > 1 && lds < n) {
		panic("simd: RowSums: bad dimensions")
	}
	if len(out) > 0 && n > 0 && len(src) < (len(out)-1)*lds+n {
		panic("simd: RowSums: operand too short")
	}
}

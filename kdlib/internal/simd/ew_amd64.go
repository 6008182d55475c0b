//go:build amd64 && !noasm && !gccgo && !safe

package simd

//go:noescape
func reluBiasAVX(z, b []float32)

//go:noescape
func scaleToAVX(dst, src []float32, a float32)

//go:noescape
func maskScaleAVX(g, z []float32, a float32)

//go:noescape
func sumIntoAVX(y, x []float32)

// ReluBias sets z[t] = max(z[t]+b[t], 0) (Go's max: NaN stays NaN).
func ReluBias(z, b []float32) {
	b = b[:len(z)]
	n := 0
	if useAVX {
		n = len(z) &^ 7
		reluBiasAVX(z[:n], b[:n])
	}
	reluBiasGo(z[n:], b[n:])
}

// ScaleTo sets dst[t] = a·src[t].
func ScaleTo(dst, src []float32, a float32) {
	dst = dst[:len(src)]
	n := 0
	if useAVX {
		n = len(src) &^ 7
		scaleToAVX(dst[:n], src[:n], a)
	}
	scaleToGo(dst[n:], src[n:], a)
}

// MaskScale sets g[t] = a·g[t] where z[t] > 0 and 0 elsewhere: the
// gradient through a ReLU output z, scaled.
func MaskScale(g, z []float32, a float32) {
	z = z[:len(g)]
	n := 0
	if useAVX {
		n = len(g) &^ 7
		maskScaleAVX(g[:n], z[:n], a)
	}
	maskScaleGo(g[n:], z[n:], a)
}

// SumInto computes y += x (len(y) ≥ len(x)) eight lanes at a time: AddTo
// for long vectors.
func SumInto(y, x []float32) {
	y = y[:len(x)]
	n := 0
	if useAVX {
		n = len(x) &^ 7
		sumIntoAVX(y[:n], x[:n])
	}
	sumIntoGo(y[n:], x[n:])
}

//go:noescape
func indexAboveAVX(s []float32, thr float32) int

// IndexAbove returns the index of the first value of s greater than thr, or
// len(s) when there is none. NaN is never greater (nor is anything greater
// than a NaN thr). With AVX, 32 values are compared per step and the scan
// stops at the first block that holds a greater value.
func IndexAbove(s []float32, thr float32) int {
	i := 0
	if useAVX && len(s) >= 32 {
		i = indexAboveAVX(s, thr)
	}
	return i + indexAboveGo(s[i:], thr)
}

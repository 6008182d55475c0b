//go:build !amd64 || noasm || gccgo || safe

package simd

import "math"

// Without the AVX2 kernels (see vmath_amd64.go) the vector paths are off.
const (
	vmathExpCPU, vmathLogCPU = false, false
	vmathExpOK, vmathLogOK   = false, false
)

// ExpSlice sets dst[i] = math.Exp(src[i]) for every i; bit-exact by
// construction, as every element goes through math.Exp. len(dst) must
// equal len(src); dst may be the same slice as src.
func ExpSlice(dst, src []float64) {
	dst = dst[:len(src)]
	for i, x := range src {
		dst[i] = math.Exp(x)
	}
}

// LogSlice sets dst[i] = math.Log(src[i]) for every i; bit-exact by
// construction, as every element goes through math.Log. len(dst) must
// equal len(src); dst may be the same slice as src.
func LogSlice(dst, src []float64) {
	dst = dst[:len(src)]
	for i, x := range src {
		dst[i] = math.Log(x)
	}
}

//go:build !amd64 || noasm || gccgo || safe

package simd

// ReluBias sets z[t] = max(z[t]+b[t], 0) (Go's max: NaN stays NaN).
func ReluBias(z, b []float32) { reluBiasGo(z, b) }

// ScaleTo sets dst[t] = a·src[t].
func ScaleTo(dst, src []float32, a float32) { scaleToGo(dst, src, a) }

// MaskScale sets g[t] = a·g[t] where z[t] > 0 and 0 elsewhere: the
// gradient through a ReLU output z, scaled.
func MaskScale(g, z []float32, a float32) { maskScaleGo(g, z, a) }

// SumInto computes y += x (len(y) ≥ len(x)): AddTo for long vectors.
func SumInto(y, x []float32) { sumIntoGo(y, x) }

// IndexAbove returns the index of the first value of s greater than thr, or
// len(s) when there is none. NaN is never greater (nor is anything greater
// than a NaN thr).
func IndexAbove(s []float32, thr float32) int { return indexAboveGo(s, thr) }

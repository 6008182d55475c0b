package simd

// Element-wise kernels of the latent terms' expert banks (kdlib/distill's
// stacked path). Each is exact: every element is the scalar expression of
// its Go twin, so the vector and portable versions agree bit for bit.

// reluBiasGo is ReluBias's portable twin.
func reluBiasGo(z, b []float32) {
	b = b[:len(z)]
	for t, v := range z {
		z[t] = max(v+b[t], 0)
	}
}

// scaleToGo is ScaleTo's portable twin.
func scaleToGo(dst, src []float32, a float32) {
	dst = dst[:len(src)]
	for t, v := range src {
		dst[t] = a * v
	}
}

// maskScaleGo is MaskScale's portable twin.
func maskScaleGo(g, z []float32, a float32) {
	z = z[:len(g)]
	for t := range g {
		if z[t] > 0 {
			g[t] *= a
		} else {
			g[t] = 0
		}
	}
}

// sumIntoGo is SumInto's portable twin.
func sumIntoGo(y, x []float32) {
	y = y[:len(x)]
	for t, v := range x {
		y[t] += v
	}
}

// indexAboveGo is IndexAbove's portable loop.
func indexAboveGo(s []float32, thr float32) int {
	for i, v := range s {
		if v > thr {
			return i
		}
	}
	return len(s)
}

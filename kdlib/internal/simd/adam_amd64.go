package simd

import "golang.org/x/sys/cpu"

var useAVX2 = cpu.X86.HasAVX2

//go:noescape
func adamGradAVX2(w, g, m, v []float32, c *[8]float32)

//go:noescape
func adamDecayAVX2(w, m, v []float32, c *[8]float32)

// updateVec runs the AVX2 kernel of Update over the largest multiple of 8
// scalars of w and returns how many it updated (0 without AVX2).
func (k *AdamStep) updateVec(w, g, m, v []float32) int {
	n := len(w) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	c := k.consts()
	adamGradAVX2(w[:n], g[:n], m[:n], v[:n], &c)
	return n
}

// decayVec is updateVec for Decay.
func (k *AdamStep) decayVec(w, m, v []float32) int {
	n := len(w) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	c := k.consts()
	adamDecayAVX2(w[:n], m[:n], v[:n], &c)
	return n
}

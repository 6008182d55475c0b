//go:build !amd64

package simd

// updateVec has no vector kernel on this architecture.
func (k *AdamStep) updateVec(w, g, m, v []float32) int { return 0 }

// decayVec has no vector kernel on this architecture.
func (k *AdamStep) decayVec(w, m, v []float32) int { return 0 }

package simd

import "math"

// AdamStep holds the float32 constants of one step of Adam with coupled
// weight decay (see nn.Adam), for a parameter with values w, moments m and
// v and gradient g:
//
//	g' = g + WD·w
//	m  = B1·m + C1·g'
//	v  = B2·v + C2·g'²
//	w -= StepSize·m / (√v·InvBC2 + Eps)
//
// with StepSize = lr/(1−β₁ᵗ), InvBC2 = 1/√(1−β₂ᵗ), C1 = 1−β₁, C2 = 1−β₂.
// The AVX2 kernels perform the same float32 operations in the same order
// (no fused multiply-add), so every result is identical bit for bit
// whichever path runs.
type AdamStep struct {
	// StepSize, InvBC2, B1, B2, C1, C2, Eps and WD are the constants above,
	// in the order the vector kernels read them.
	StepSize, InvBC2, B1, B2, C1, C2, Eps, WD float32
}

// consts returns the constants as the vector kernels read them.
func (k *AdamStep) consts() [8]float32 {
	return [8]float32{k.StepSize, k.InvBC2, k.B1, k.B2, k.C1, k.C2, k.Eps, k.WD}
}

// Update applies the step to every scalar of w with gradient g and moments
// m, v (all at least len(w) long): blocks of 8 through AVX2 where the CPU
// has it, the rest in Go.
func (k *AdamStep) Update(w, g, m, v []float32) {
	n := k.updateVec(w, g, m, v)
	k.updateGo(w[n:], g[n:], m[n:], v[n:])
}

// Decay applies the step to every scalar of w with a zero gradient (only
// the weight decay moves w): the update of a row no batch touched.
func (k *AdamStep) Decay(w, m, v []float32) {
	n := k.decayVec(w, m, v)
	k.decayGo(w[n:], m[n:], v[n:])
}

// updateGo is Update's portable twin.
func (k *AdamStep) updateGo(w, g, m, v []float32) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for j := range w {
		gj := g[j] + float32(k.WD*w[j])
		mj := float32(k.B1*m[j]) + float32(k.C1*gj)
		vj := float32(k.B2*v[j]) + float32(k.C2*gj*gj)
		m[j], v[j] = mj, vj
		w[j] -= float32(k.StepSize*mj) / (float32(float32(math.Sqrt(float64(vj)))*k.InvBC2) + k.Eps)
	}
}

// decayGo is Decay's portable twin.
func (k *AdamStep) decayGo(w, m, v []float32) {
	m, v = m[:len(w)], v[:len(w)]
	for j := range w {
		gj := k.WD * w[j]
		mj := float32(k.B1*m[j]) + float32(k.C1*gj)
		vj := float32(k.B2*v[j]) + float32(k.C2*gj*gj)
		m[j], v[j] = mj, vj
		w[j] -= float32(k.StepSize*mj) / (float32(float32(math.Sqrt(float64(vj)))*k.InvBC2) + k.Eps)
	}
}

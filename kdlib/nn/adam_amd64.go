package nn

import "golang.org/x/sys/cpu"

var useAVX2 = cpu.X86.HasAVX2

//go:noescape
func adamGradAVX2(w, g, m, v []float32, c *[8]float32)

//go:noescape
func adamDecayAVX2(w, m, v []float32, c *[8]float32)

// vecRows runs the AVX2 kernel over the largest multiple of 8 scalars of
// [lo, hi) and returns where the scalar tail starts.
func (k *adamKernel) vecRows(p *Param, lo, hi int, withGrad bool) int {
	n := (hi - lo) &^ 7
	if !useAVX2 || n == 0 {
		return lo
	}
	c := [8]float32{k.stepSize, k.invBC2, k.b1, k.b2, k.c1, k.c2, k.eps, k.wd}
	if withGrad {
		adamGradAVX2(p.W[lo:lo+n], p.G[lo:lo+n], p.m[lo:lo+n], p.v[lo:lo+n], &c)
	} else {
		adamDecayAVX2(p.W[lo:lo+n], p.m[lo:lo+n], p.v[lo:lo+n], &c)
	}
	return lo + n
}

//go:build !amd64

package nn

// vecRows has no vector kernel on this architecture.
func (k *adamKernel) vecRows(p *Param, lo, hi int, withGrad bool) int { return lo }

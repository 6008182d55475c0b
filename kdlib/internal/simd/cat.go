package simd

// Catalogue kernels of HetComp: a user's scores against every item of a
// transposed item table through their clamped exponentials
// (ScoreExpClamp), the rest mass of those exponentials (RestMass) and
// ∂L/∂p_u as one dot product per table row (Dots). Each gives the values
// of the scalar code it replaces bit for bit; the portable twins below are
// that code.

// scoreExpGo is ScoreExpClamp's portable twin: the row cleared, one
// y += a·x per non-zero p[r] (nn.Axpy skips a zero coefficient), then
// ExpClamp.
func scoreExpGo(p, w []float32, stride int, row []float32, C float32) {
	n := len(row)
	clear(row)
	for r, a := range p {
		if a != 0 {
			Axpy(a, w[r*stride:r*stride+n], row)
		}
	}
	ExpClamp(row, C)
}

// RestBlock is the length of the blocks in which RestMass sums in float32.
const RestBlock = 256

// restMassGo is RestMass's portable twin, from block lo on.
func restMassGo(row []float32, mark []uint8, lo int) float64 {
	var z float64
	for ; lo < len(row); lo += RestBlock {
		hi := min(lo+RestBlock, len(row))
		z += float64(restBlockGo(row[lo:hi], mark[lo:hi]))
	}
	return z
}

// restBlockGo is the float32 sum of |e| over the entries of one block
// whose mark is 0, in order.
func restBlockGo(blk []float32, mk []uint8) float32 {
	mk = mk[:len(blk)]
	var zc float32
	for j, e := range blk {
		if mk[j] == 0 {
			if e < 0 {
				e = -e
			}
			zc += e
		}
	}
	return zc
}

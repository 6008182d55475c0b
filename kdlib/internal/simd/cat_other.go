//go:build !amd64 || noasm || gccgo || safe

package simd

// Dots sets out[r] = Dot(x, w[r·stride : r·stride+len(x)]) for every r.
func Dots(x, w []float32, stride int, out []float32) {
	n := len(x)
	for r := range out {
		out[r] = Dot(x, w[r*stride:r*stride+n])
	}
}

// ScoreExpClamp sets row[j] = Σ_r p[r]·w[r·stride+j], summed from r = 0
// with every product rounded before it is added (rows whose p[r] is 0
// skipped), and replaces it by its clamped exponential as ExpClamp does.
func ScoreExpClamp(p, w []float32, stride int, row []float32, C float32) {
	scoreExpGo(p, w, stride, row, C)
}

// RestMass returns Σ |e| over the entries of row whose mark is 0, summed
// in float32 over consecutive blocks of RestBlock entries, in order, and
// the blocks' sums added in order into a float64.
func RestMass(row []float32, mark []uint8) float64 { return restMassGo(row, mark[:len(row)], 0) }

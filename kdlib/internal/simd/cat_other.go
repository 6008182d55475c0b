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

// AxpyRows computes y += a[i]·x[off[i] : off[i]+len(y)] for i = 0, 1, …
// in order, each entry rounded as Axpy rounds (the product, then the sum).
// A zero a[i] is not skipped.
func AxpyRows(y, a []float32, x []float32, off []int) {
	n := len(y)
	for i, o := range off {
		axpyGo(a[i], x[o:o+n], y)
	}
}

//go:build amd64 && !noasm && !gccgo && !safe

package simd

import "golang.org/x/sys/cpu"

//go:noescape
func dots6AVX(x []float32, w *float32, stride int, out *float32)

//go:noescape
func dots4AVX(x []float32, w *float32, stride int, out *float32)

//go:noescape
func dots2AVX(x []float32, w *float32, stride int, out *float32)

//go:noescape
func dots1AVX(x []float32, w *float32, out *float32)

//go:noescape
func restMassAVX(row []float32, mark []uint8, out []float32)

//go:noescape
func axpyRowsAVX(y []float32, a []float32, off []int, x *float32)

//go:noescape
func axpyRowsAVX512(y []float32, a []float32, off []int, x *float32)

//go:noescape
func restGradAVX512(row []float32, mark []uint8, c float32)

//go:noescape
func scoreExpAVX512(p []float32, w *float32, stride int, row []float32, k *expK)

//go:noescape
func scoreExpAVX2(p []float32, w *float32, stride int, row []float32, k *expK)

// useAVX512Rows selects ScoreExpClamp's 16-lane kernel: AVX-512 F (with the
// operating system's support, which x/sys/cpu checks); KDREC_NOAVX512 turns
// it off as it does DotNT's AVX-512 blocks. Both paths give the same bits.
var useAVX512Rows = cpu.X86.HasAVX512F && !envSet("KDREC_NOAVX512")

// Dots sets out[r] = Dot(x, w[r·stride : r·stride+len(x)]) for every r:
// six rows (then four, two, one) per pass over x, each in Dot's order.
func Dots(x, w []float32, stride int, out []float32) {
	n := len(x)
	if !useAVX || n == 0 {
		for r := range out {
			out[r] = Dot(x, w[r*stride:r*stride+n])
		}
		return
	}
	if len(out) > 0 {
		_ = w[(len(out)-1)*stride+n-1]
	}
	r := 0
	for ; r+6 <= len(out); r += 6 {
		dots6AVX(x, &w[r*stride], 4*stride, &out[r])
	}
	for ; r+4 <= len(out); r += 4 {
		dots4AVX(x, &w[r*stride], 4*stride, &out[r])
	}
	if r+2 <= len(out) {
		dots2AVX(x, &w[r*stride], 4*stride, &out[r])
		r += 2
	}
	if r < len(out) {
		dots1AVX(x, &w[r*stride], &out[r])
	}
}

// ScoreExpClamp sets row[j] = Σ_r p[r]·w[r·stride+j], summed from r = 0
// with every product rounded before it is added (rows whose p[r] is 0
// skipped, as nn.Axpy skips them), and replaces it by its clamped
// exponential as ExpClamp does: the values of clearing row, adding
// nn.Axpy(p[r], row r of w) for every r and calling ExpClamp, bit for bit.
// Blocks of 16 entries (AVX-512) or 8 (AVX2) are scored and exponentiated
// in one pass when no p[r] is 0 and there are at most 8 rows.
func ScoreExpClamp(p, w []float32, stride int, row []float32, C float32) {
	n := len(row)
	blk := 0
	switch {
	case useAVX512Rows:
		blk = 16
	case useAVX2:
		blk = 8
	}
	if blk == 0 || n < blk || len(p) == 0 || len(p) > 8 || hasZero(p) {
		scoreExpGo(p, w, stride, row, C)
		return
	}
	b := n / blk * blk
	_ = w[(len(p)-1)*stride+n-1]
	k := newExpK(C)
	if blk == 16 {
		scoreExpAVX512(p, &w[0], 4*stride, row[:b], &k)
	} else {
		scoreExpAVX2(p, &w[0], 4*stride, row[:b], &k)
	}
	for j := b; j < n; j++ {
		var s float32
		for r, a := range p {
			s += float32(a * w[r*stride+j])
		}
		row[j] = s
	}
	ExpClamp(row[b:], C)
}

// hasZero says whether some entry of p is ±0.
func hasZero(p []float32) bool {
	for _, a := range p {
		if a == 0 {
			return true
		}
	}
	return false
}

// RestMass returns Σ |e| over the entries of row whose mark is 0, summed
// in float32 over consecutive blocks of RestBlock entries, in order, and
// the blocks' sums added in order into a float64 (|e| as e < 0 ? −e : e).
// With AVX2 eight blocks are summed side by side, one lane each, in the
// same order.
func RestMass(row []float32, mark []uint8) float64 {
	mark = mark[:len(row)]
	const group = 8 * RestBlock
	g := len(row) / group * group
	if !useAVX2 || g == 0 {
		return restMassGo(row, mark, 0)
	}
	var buf [64]float32
	var z float64
	for lo := 0; lo < g; lo += 8 * group {
		hi := min(lo+8*group, g)
		sums := buf[:(hi-lo)/RestBlock]
		restMassAVX(row[lo:hi], mark[lo:hi], sums)
		for _, s := range sums {
			z += float64(s)
		}
	}
	for lo := g; lo < len(row); lo += RestBlock {
		hi := min(lo+RestBlock, len(row))
		z += float64(restBlockGo(row[lo:hi], mark[lo:hi]))
	}
	return z
}

// AxpyRows computes y += a[i]·x[off[i] : off[i]+len(y)] for i = 0, 1, …
// in order, each entry rounded as Axpy rounds (the product, then the sum):
// the values of one Axpy per i, with y's blocks (128 entries with
// AVX-512, 64 or 8 with AVX) kept in registers across the rows. A zero a[i] is not skipped (drop it to get nn.Axpy's values on
// non-finite x).
func AxpyRows(y, a []float32, x []float32, off []int) {
	n := len(y)
	a = a[:len(off)]
	for _, o := range off {
		_ = x[o : o+n]
	}
	b := 0
	if useAVX512Rows && len(off) > 0 {
		b = n &^ 127
		if b > 0 {
			axpyRowsAVX512(y[:b], a, off, &x[0])
		}
	}
	if useAVX && len(off) > 0 {
		if e := b + (n-b)&^7; e > b {
			axpyRowsAVX(y[b:e], a, off, &x[b])
			b = e
		}
	}
	for i, o := range off {
		axpyGo(a[i], x[o+b:o+n], y[b:])
	}
}

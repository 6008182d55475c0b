//go:build amd64 && !noasm && !gccgo && !safe

package simd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDotKernelsAreDotSSE checks the dot-product kernels (one, two, four
// and six rows) against dotSSE, the definition of Dot's order, bit for bit: lengths
// 0..300, the four alignments of each operand, with NaNs, infinities,
// denormals and zeros of both signs.
func TestDotKernelsAreDotSSE(t *testing.T) {
	if !useAVX {
		t.Skip("no AVX")
	}
	r := rand.New(rand.NewPCG(21, 22))
	for n := 0; n <= 300; n++ {
		for _, special := range []bool{false, true} {
			x := catVec(r, n, 1, special)
			w := catVec(r, 6*n+6, 1, special)
			stride := n + 1
			for ox := range 4 {
				for ow := range 4 {
					xo, wo := offsetCopy(x, ox), offsetCopy(w, ow)
					var want [6]float32
					for k := range want {
						want[k] = dotSSE(xo, wo[k*stride:k*stride+n])
					}
					var got [4][6]float32
					if n > 0 {
						dots6AVX(xo, &wo[0], 4*stride, &got[0][0])
						dots4AVX(xo, &wo[0], 4*stride, &got[1][0])
						dots2AVX(xo, &wo[0], 4*stride, &got[2][0])
						dots1AVX(xo, &wo[0], &got[3][0])
					} else {
						for k := range got {
							got[k] = want // no kernel call on empty rows
						}
					}
					for k, rows := range []int{6, 4, 2, 1} {
						for q := 0; q < rows; q++ {
							if !same32(got[k][q], want[q]) {
								t.Fatalf("n=%d offsets %d,%d special=%v: %d-row kernel row %d %v (%08x), dotSSE %v (%08x)",
									n, ox, ow, special, rows, q, got[k][q], math.Float32bits(got[k][q]), want[q], math.Float32bits(want[q]))
							}
						}
					}
					for _, avx := range []bool{true, false} {
						useAVX = avx
						got := Dot(xo, wo[:n])
						useAVX = true
						if !same32(got, want[0]) {
							t.Fatalf("n=%d offsets %d,%d special=%v AVX=%v: Dot %v, dotSSE %v", n, ox, ow, special, avx, got, want[0])
						}
					}
				}
			}
		}
	}
}

// TestCatalogueKernelPaths checks that ScoreExpClamp, RestMass, RestGrad,
// Dots and AxpyRows give the same bits with and without their AVX-512, AVX2
// and AVX kernels.
func TestCatalogueKernelPaths(t *testing.T) {
	defer func(a, b, c bool) { useAVX512Rows, useAVX2, useAVX = a, b, c }(useAVX512Rows, useAVX2, useAVX)
	r := rand.New(rand.NewPCG(23, 24))
	const C = 40
	for _, n := range []int{5, 16, 37, 2048, 25181} {
		d := 6
		p := catVec(r, d, 3, false)
		w := catVec(r, d*n, 2, false)
		for k := range w {
			if r.IntN(50) == 0 {
				w[k] *= 1e3
			}
		}
		mark := make([]uint8, n)
		for k := range mark {
			mark[k] = uint8(r.IntN(3)) * uint8(r.IntN(2))
		}
		var rows [2][]float32
		var z [2]float64
		var dots, ys [2][]float32
		for k, on := range []bool{true, false} {
			useAVX512Rows, useAVX2, useAVX = on && useAVX512Rows, on && useAVX2, on && useAVX
			rows[k] = make([]float32, n)
			ScoreExpClamp(p, w, n, rows[k], C)
			z[k] = RestMass(rows[k], mark)
			RestGrad(rows[k], mark, 0.37)
			dots[k] = make([]float32, d)
			Dots(rows[k], w, n, dots[k])
			ys[k] = append([]float32(nil), w[:n]...)
			AxpyRows(ys[k], p, rows[k], []int{0, 0, 0, 0, 0, 0})
		}
		if k := sameBits(rows[0], rows[1]); k >= 0 {
			t.Fatalf("n=%d: ScoreExpClamp entry %d: %v with the kernels, %v without", n, k, rows[0][k], rows[1][k])
		}
		if math.Float64bits(z[0]) != math.Float64bits(z[1]) {
			t.Fatalf("n=%d: RestMass %v with the kernels, %v without", n, z[0], z[1])
		}
		if k := sameBits(ys[0], ys[1]); k >= 0 {
			t.Fatalf("n=%d: AxpyRows entry %d: %v with the kernels, %v without", n, k, ys[0][k], ys[1][k])
		}
		if k := sameBits(dots[0], dots[1]); k >= 0 {
			t.Fatalf("n=%d: Dots row %d: %v with the kernels, %v without", n, k, dots[0][k], dots[1][k])
		}
	}
}

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

// catPath is one choice of the catalogue kernels' vector paths.
type catPath struct {
	name             string
	avx512, avx2, av bool
}

// TestCatalogueKernelPaths checks that ScoreExpClamp, RestMass, RestGrad,
// Dots and AxpyRows give the same bits with all their kernels, with the
// AVX2 and AVX ones only (the path of machines without AVX-512) and with
// none.
func TestCatalogueKernelPaths(t *testing.T) {
	defer func(a, b, c bool) { useAVX512Rows, useAVX2, useAVX = a, b, c }(useAVX512Rows, useAVX2, useAVX)
	all512, all2, all1 := useAVX512Rows, useAVX2, useAVX
	paths := [3]catPath{
		{"all kernels", all512, all2, all1},
		{"AVX2 and AVX", false, all2, all1},
		{"no kernels", false, false, false},
	}
	r := rand.New(rand.NewPCG(23, 24))
	for _, n := range []int{5, 8, 16, 37, 2048, 25181} {
		for d := 1; d <= 8; d++ {
			catPaths(t, r, paths[:], n, d)
		}
	}
}

// catPaths runs TestCatalogueKernelPaths for one length n and d rows (a
// stride of n plus up to 16, so that the rows are not adjacent).
func catPaths(t *testing.T, r *rand.Rand, paths []catPath, n, d int) {
	t.Helper()
	const C = 40
	stride := n + r.IntN(17)
	p := catVec(r, d, 3, false)
	w := catVec(r, d*stride, 2, false)
	for k := range w {
		if r.IntN(50) == 0 {
			w[k] *= 1e3
		}
	}
	mark := make([]uint8, n)
	for k := range mark {
		mark[k] = uint8(r.IntN(3)) * uint8(r.IntN(2))
	}
	var rows, dots, ys [3][]float32
	var z [3]float64
	off := make([]int, d)
	for k, c := range paths {
		useAVX512Rows, useAVX2, useAVX = c.avx512, c.avx2, c.av
		rows[k] = make([]float32, n)
		ScoreExpClamp(p, w, stride, rows[k], C)
		z[k] = RestMass(rows[k], mark)
		RestGrad(rows[k], mark, 0.37)
		dots[k] = make([]float32, d)
		Dots(rows[k], w, stride, dots[k])
		ys[k] = append([]float32(nil), w[:n]...)
		AxpyRows(ys[k], p, rows[k], off)
	}
	for k := 0; k < 2; k++ {
		name := paths[k].name
		if j := sameBits(rows[k], rows[2]); j >= 0 {
			t.Fatalf("n=%d d=%d: ScoreExpClamp entry %d: %v with %s, %v without", n, d, j, rows[k][j], name, rows[2][j])
		}
		if math.Float64bits(z[k]) != math.Float64bits(z[2]) {
			t.Fatalf("n=%d d=%d: RestMass %v with %s, %v without", n, d, z[k], name, z[2])
		}
		if j := sameBits(ys[k], ys[2]); j >= 0 {
			t.Fatalf("n=%d d=%d: AxpyRows entry %d: %v with %s, %v without", n, d, j, ys[k][j], name, ys[2][j])
		}
		if j := sameBits(dots[k], dots[2]); j >= 0 {
			t.Fatalf("n=%d d=%d: Dots row %d: %v with %s, %v without", n, d, j, dots[k][j], name, dots[2][j])
		}
	}
}

// TestExpClampPaths checks ExpClamp's 8-lane (AVX2) and 4-lane (AVX)
// kernels against its scalar twin bit for bit: lengths 0..100 and a
// catalogue's, scores beyond and at the clamp, zeros of both signs,
// denormals and values near the float32 limits.
func TestExpClampPaths(t *testing.T) {
	if !useAVX {
		t.Skip("no AVX")
	}
	defer func(b bool) { useAVX2 = b }(useAVX2)
	all2 := useAVX2
	r := rand.New(rand.NewPCG(25, 26))
	const C = 40
	specials := []float32{C, -C, C + 1e-5, -C - 1e-5, 0, float32(math.Copysign(0, -1)), 1e-40, -1e-40,
		math.MaxFloat32, -math.MaxFloat32, 88, -87, 0.5, -0.5}
	lengths := []int{25181}
	for n := range 101 {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		row := make([]float32, n)
		for j := range row {
			if r.IntN(5) == 0 {
				row[j] = specials[r.IntN(len(specials))]
			} else {
				row[j] = float32(r.NormFloat64() * 30)
			}
		}
		want := append([]float32(nil), row...)
		expClampGo(want, C)
		for _, avx2 := range []bool{all2, false} {
			useAVX2 = avx2
			got := append([]float32(nil), row...)
			ExpClamp(got, C)
			if j := sameBits(got, want); j >= 0 {
				t.Fatalf("n=%d AVX2=%v entry %d (s=%v): %v, scalar %v", n, avx2, j, row[j], got[j], want[j])
			}
		}
	}
}

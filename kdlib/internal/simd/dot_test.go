package simd_test

import (
	"math"
	"testing"

	"github.com/kdrec/kdrec/kdlib/internal/simd"
	"github.com/kdrec/kdrec/kdlib/nn"
)

// TestDotMatchesNN checks that Dot rounds exactly as nn.Dot, for every
// length and alignment (the fast path and the fallback).
func TestDotMatchesNN(t *testing.T) {
	rng := nn.NewRand(9, 9)
	buf := make([]float32, 4096)
	for k := range buf {
		buf[k] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(7)-3)))
	}
	for n := 0; n <= 70; n++ {
		for trial := 0; trial < 200; trial++ {
			a, b := rng.IntN(4000-n), rng.IntN(4000-n)
			x, y := buf[a:a+n], buf[b:b+n]
			if got, want := simd.Dot(x, y), nn.Dot(x, y); math.Float32bits(got) != math.Float32bits(want) {
				t.Fatalf("n=%d offsets %d,%d: dot %v, nn.Dot %v", n, a, b, got, want)
			}
		}
	}
}

// TestAxpyKernelsMatchScalar checks the vector row kernels against the
// scalar loops, bit for bit, for every length up to 70.
func TestAxpyKernelsMatchScalar(t *testing.T) {
	rng := nn.NewRand(5, 5)
	vec := func(n int) []float32 {
		v := make([]float32, n)
		for k := range v {
			v[k] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(9)-4)))
		}
		return v
	}
	same := func(a, b []float32) bool {
		for k := range a {
			if math.Float32bits(a[k]) != math.Float32bits(b[k]) {
				return false
			}
		}
		return true
	}
	for n := 0; n <= 70; n++ {
		a := float32(rng.NormFloat64())
		x, u, y, v := vec(n), vec(n), vec(n+3), vec(n+3)
		y1, v1 := append([]float32{}, y...), append([]float32{}, v...)
		y2, v2 := append([]float32{}, y...), append([]float32{}, v...)
		simd.Axpy2(a, x, y1, u, v1)
		simd.Axpy2Go(a, x, y2, u, v2)
		if !same(y1, y2) || !same(v1, v2) {
			t.Fatalf("n=%d: Axpy2 differs from the scalar loop", n)
		}
		simd.Axpy(a, x, y1)
		simd.AxpyGo(a, x, y2)
		if !same(y1, y2) {
			t.Fatalf("n=%d: Axpy differs from the scalar loop", n)
		}
		nn.Axpy(a, u, v2)
		simd.AxpyGo(a, u, v1)
		if !same(v1, v2) {
			t.Fatalf("n=%d: nn.Axpy differs from the scalar loop", n)
		}
	}
}

// TestDotRowsMatchesNN checks the four-row kernel against nn.Dot, bit for
// bit, on tables with aligned and unaligned rows.
func TestDotRowsMatchesNN(t *testing.T) {
	rng := nn.NewRand(8, 8)
	for _, d := range []int{1, 3, 4, 8, 12, 16, 20, 24, 36, 64} {
		w := make([]float32, 50*d+1)
		for k := range w {
			w[k] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(7)-3)))
		}
		for _, tab := range [][]float32{w[:50*d], w[1:]} {
			x := make([]float32, d)
			for k := range x {
				x[k] = float32(rng.NormFloat64())
			}
			keys := make([]int32, 23)
			for k := range keys {
				keys[k] = int32(rng.IntN(50))
			}
			out := make([]float32, len(keys))
			simd.DotRows(x, tab, keys, out)
			for j, k := range keys {
				if want := nn.Dot(x, tab[int(k)*d:int(k)*d+d]); math.Float32bits(out[j]) != math.Float32bits(want) {
					t.Fatalf("d=%d row %d: %v, nn.Dot %v", d, k, out[j], want)
				}
			}
			// Rows of d entries that start stride apart (the interleaved
			// user table has stride 2d), aligned or not.
			for _, stride := range []int{d, 2 * d, d + 1} {
				keys := keys[:0:0]
				for k := 0; k < 23; k++ {
					keys = append(keys, int32(rng.IntN((len(tab)-d)/stride+1)))
				}
				out := make([]float32, len(keys))
				simd.DotRowsStride(x, tab, stride, keys, out)
				for j, k := range keys {
					if want := nn.Dot(x, tab[int(k)*stride:int(k)*stride+d]); math.Float32bits(out[j]) != math.Float32bits(want) {
						t.Fatalf("d=%d stride %d row %d: %v, nn.Dot %v", d, stride, k, out[j], want)
					}
				}
			}
		}
	}
}

package simd_test

import (
	"math"
	"testing"

	"github.com/kdrec/kdrec/kdlib/internal/simd"
	"github.com/kdrec/kdrec/kdlib/nn"
)

// dotNTWant is the reference of DotNT's element (i, j): Dot4 of row i of a
// (as the first row of a zero panel) with row j of b.
func dotNTWant(a []float32, lda, i int, b []float32, ldb, j, k int) float32 {
	panel := make([]float32, 4*k)
	copy(panel, a[i*lda:i*lda+k])
	var s [4]float32
	simd.Dot4(panel, b[j*ldb:j*ldb+k], &s)
	return s[0]
}

// TestDotNT checks that every element of DotNT is bit-identical to Dot4's
// for the same pair of rows, for every remainder of the 3×4 blocking,
// strides longer than the rows, lengths not divisible by 8 and both
// accumulation modes, and that nothing outside the m×n block is written.
func TestDotNT(t *testing.T) {
	for _, k := range []int{0, 1, 7, 8, 16, 24, 200, 203, 3360} {
		for _, m := range []int{0, 1, 2, 3, 4, 5, 7, 12} {
			for _, n := range []int{0, 1, 2, 3, 4, 5, 6, 7, 13, 30} {
				if k >= 3360 && (m > 5 || n > 7) {
					continue
				}
				rng := nn.NewRand(uint64(k*10000+m*100+n), 4)
				lda, ldb, ldc := k+3, k+5, n+2
				a := make([]float32, m*lda)
				b := make([]float32, n*ldb)
				for x := range a {
					a[x] = float32(rng.NormFloat64())
				}
				for x := range b {
					b[x] = float32(rng.NormFloat64())
				}
				for _, acc := range []bool{false, true} {
					c := make([]float32, m*ldc+1)
					init := make([]float32, len(c))
					for x := range c {
						init[x] = float32(rng.NormFloat64())
					}
					copy(c, init)
					simd.DotNT(c, ldc, a, lda, m, b, ldb, n, k, acc)
					for x := range c {
						i, j := x/ldc, x%ldc
						want := init[x]
						if i < m && j < n {
							v := dotNTWant(a, lda, i, b, ldb, j, k)
							switch {
							case k == 0 && acc:
							case acc:
								want += v
							default:
								want = v
							}
						}
						if math.Float32bits(c[x]) != math.Float32bits(want) {
							t.Fatalf("k=%d m=%d n=%d acc=%v: c[%d,%d] = %v, want %v", k, m, n, acc, i, j, c[x], want)
						}
					}
				}
			}
		}
	}
}

// TestDotNTPacked checks the packed case (strides equal to k) with DotNT's
// cache blocking: a product wide enough for several passes over b's rows,
// and one tall enough for several blocks of a's rows (with remainders).
func TestDotNTPacked(t *testing.T) {
	for _, c := range []struct{ m, n, k int }{{10, 1100, 64}, {3103, 7, 64}} {
		m, n, k := c.m, c.n, c.k
		rng := nn.NewRand(uint64(m), 5)
		a, b := make([]float32, m*k), make([]float32, n*k)
		for x := range a {
			a[x] = float32(rng.NormFloat64())
		}
		for x := range b {
			b[x] = float32(rng.NormFloat64())
		}
		c := make([]float32, m*n)
		simd.DotNT(c, n, a, k, m, b, k, n, k, false)
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				if w := dotNTWant(a, k, i, b, k, j, k); math.Float32bits(c[i*n+j]) != math.Float32bits(w) {
					t.Fatalf("%d×%d: c[%d,%d] = %v, want %v", m, n, i, j, c[i*n+j], w)
				}
			}
		}
	}
}

// TestDotNTCols checks that DotNTCols follows the kernel DotNT uses: 12
// with the AVX-512 blocks on, 4 with AVX2 alone, 1 for the portable loop.
func TestDotNTCols(t *testing.T) {
	defer simd.SetAVX512(simd.SetAVX512(true))
	want := 1
	switch {
	case simd.HasAVX512():
		want = 12
	case simd.HasFMA():
		want = 4
	}
	if got := simd.DotNTCols(); got != want {
		t.Errorf("simd.DotNTCols() = %d with the AVX-512 blocks allowed, want %d", got, want)
	}
	simd.SetAVX512(false)
	want = min(want, 4)
	if got := simd.DotNTCols(); got != want {
		t.Errorf("simd.DotNTCols() = %d with the AVX-512 blocks off, want %d", got, want)
	}
}

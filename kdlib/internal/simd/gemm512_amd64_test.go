package simd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDotNT512IsAVX2 checks that DotNT's AVX-512 blocks give every element
// bit for bit as its AVX2 path does, for remainders of the 4×12 blocking on
// both sides, strides longer than the rows, short and long k, several
// column passes of the cache blocking, and both accumulation modes, and
// that nothing outside the block is written.
func TestDotNT512IsAVX2(t *testing.T) {
	if !useAVX512 {
		t.Skip("no AVX-512 on this machine (or KDREC_NOAVX512 is set)")
	}
	defer func(v bool) { useAVX512 = v }(useAVX512)
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct{ m, n, k int }{
		{4, 12, 8}, {5, 13, 16}, {7, 23, 24}, {8, 24, 200}, {11, 37, 3360},
		{40, 30, 4200}, {30, 40, 4200}, {13, 100, 800}, {101, 29, 64},
	} {
		lda, ldb, ldc := c.k+8, c.k+16, c.n+3
		a := make([]float32, c.m*lda)
		b := make([]float32, c.n*ldb)
		for x := range a {
			a[x] = float32(r.NormFloat64())
		}
		for x := range b {
			b[x] = float32(r.NormFloat64())
		}
		for _, acc := range []bool{false, true} {
			var out [2][]float32
			for v, on := range []bool{true, false} {
				useAVX512 = on
				out[v] = make([]float32, c.m*ldc)
				for x := range out[v] {
					out[v][x] = float32(x%17) - 8 // the accumulated values, and a sentinel in the padding
				}
				DotNT(out[v], ldc, a, lda, c.m, b, ldb, c.n, c.k, acc)
			}
			for x := range out[0] {
				if math.Float32bits(out[0][x]) != math.Float32bits(out[1][x]) {
					t.Fatalf("%dx%dx%d acc=%v: element (%d, %d) is %v with AVX-512, %v with AVX2",
						c.m, c.n, c.k, acc, x/ldc, x%ldc, out[0][x], out[1][x])
				}
				if x%ldc >= c.n && out[0][x] != float32(x%17)-8 {
					t.Fatalf("%dx%dx%d: padding (%d, %d) written", c.m, c.n, c.k, x/ldc, x%ldc)
				}
			}
		}
	}
}

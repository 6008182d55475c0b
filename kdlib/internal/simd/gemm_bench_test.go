package simd_test

import (
	"fmt"
	"testing"

	"github.com/kdrec/kdrec/kdlib/internal/benchutil"
	"github.com/kdrec/kdrec/kdlib/internal/simd"
)

// BenchmarkFMAPeak measures one core's float32 peak: twelve independent
// 8-lane fused multiply-adds per iteration on registers only.
func BenchmarkFMAPeak(b *testing.B) {
	const iters = 1 << 16
	if !simd.FMAPeak(1) {
		b.Skip("no AVX2+FMA")
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		simd.FMAPeak(iters)
	}
	b.ReportMetric(float64(b.N)*iters*192/b.Elapsed().Seconds()/1e9, "GFLOPS")
}

// BenchmarkDotNT times DotNT on one core for the shapes of DE's stacked
// expert bank at τ = 1 on CiteULike-t (an item side of n = 1977 rows,
// M·ph = 30·112 hidden units, d_s = 20 padded to 24, d_t = 200): the six
// products of a batch, named by their role; and for PHR's three products.
// KDREC_NOAVX512=1 times the AVX2 path on a machine with AVX-512. The CPU
// time (cpu-ms/op) is the figure to compare on a loaded machine.
func BenchmarkDotNT(b *testing.B) {
	const n, np, H, p0, dt = 1977, 1984, 3360, 24, 200
	for _, c := range []struct {
		name     string
		m, nn, k int
	}{
		{"Z=X·W1ᵀ", n, H, p0},
		{"ĥ=SZ·W2ᵀ", n, dt, H},
		{"G=dĥ·W2", n, H, dt},
		{"dW2=dĥᵀ·SZ", dt, H, np},
		{"dW1=dZᵀ·X", H, 20, np},
		{"dX=dZ·W1", n, 20, H},
		// PHR's reference network (H = 4,200, D = d_t·d_s = 4,000) on a
		// tenth of a CiteULike batch's 2,700 rows: its three products.
		{"PHR-Y=Z·W2ᵀ", 272, 4000, 4200},
		{"PHR-dZ=G·W2", 272, 4200, 4000},
		{"PHR-dW2=Gᵀ·Z", 400, 4200, 2704},
	} {
		b.Run(fmt.Sprintf("%s-%dx%dx%d", c.name, c.m, c.nn, c.k), func(b *testing.B) {
			a, bb, out := make([]float32, c.m*c.k), make([]float32, c.nn*c.k), make([]float32, c.m*c.nn)
			for k := range a {
				a[k] = float32(k%7) - 3
			}
			for k := range bb {
				bb[k] = float32(k%5) - 2
			}
			b.ResetTimer()
			done := benchutil.CPU(b)
			for it := 0; it < b.N; it++ {
				simd.DotNT(out, c.nn, a, c.k, c.m, bb, c.k, c.nn, c.k, false)
			}
			done()
			b.ReportMetric(2*float64(c.m)*float64(c.nn)*float64(c.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}

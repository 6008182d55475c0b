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

// BenchmarkFMAPeak512 is FMAPeak with 16-lane (512-bit) vectors: the
// core's peak when it executes them at full width.
func BenchmarkFMAPeak512(b *testing.B) {
	const iters = 1 << 16
	if !simd.FMAPeak512(1) {
		b.Skip("no AVX-512")
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		simd.FMAPeak512(iters)
	}
	b.ReportMetric(float64(b.N)*iters*384/b.Elapsed().Seconds()/1e9, "GFLOPS")
}

// BenchmarkDotNT times DotNT on one core for the shapes of DE's stacked
// expert bank at τ = 1 on CiteULike-t (an item side of n = 1977 rows,
// M·ph = 30·112 hidden units, d_s = 20 padded to 24, d_t = 200): the six
// products of a batch, named by their role, each with the 256-bit kernel
// (avx2) and the 512-bit one (avx512, skipped without it) in turn; with
// -count N the two alternate, so both see the same machine load. Besides
// the wall-clock rate (GFLOPS) each reports the rate per second of CPU the
// process used (GFLOP/cpu-s), which other jobs on the machine change less.
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
	} {
		for _, kern := range []string{"avx2", "avx512"} {
			b.Run(fmt.Sprintf("%s-%dx%dx%d/%s", c.name, c.m, c.nn, c.k, kern), func(b *testing.B) {
				if kern == "avx512" && !simd.HasAVX512() {
					b.Skip("no AVX-512")
				}
				defer simd.SetAVX512(simd.SetAVX512(kern == "avx512"))
				a, bb, out := make([]float32, c.m*c.k), make([]float32, c.nn*c.k), make([]float32, c.m*c.nn)
				for k := range a {
					a[k] = float32(k%7) - 3
				}
				for k := range bb {
					bb[k] = float32(k%5) - 2
				}
				b.ResetTimer()
				cpu0 := benchutil.CPUSeconds()
				for it := 0; it < b.N; it++ {
					simd.DotNT(out, c.nn, a, c.k, c.m, bb, c.k, c.nn, c.k, false)
				}
				flops := 2 * float64(c.m) * float64(c.nn) * float64(c.k) * float64(b.N)
				b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOPS")
				b.ReportMetric(flops/(benchutil.CPUSeconds()-cpu0)/1e9, "GFLOP/cpu-s")
			})
		}
	}
}

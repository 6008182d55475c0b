package simd

import (
	"os"

	"golang.org/x/sys/cpu"
)

// EnvAVX512 names the environment variable that turns the 512-bit kernel
// off ("off"), for processors that lower their clock for 512-bit work (the
// values are the same either way).
const EnvAVX512 = "KDREC_AVX512"

// useAVX512 says whether DotNT's main blocks run on the 512-bit kernel
// (AVX-512 F, DQ and VL with AVX2+FMA, unless $KDREC_AVX512 is "off");
// SetAVX512 switches it.
var useAVX512 = HasAVX512() && os.Getenv(EnvAVX512) != "off"

// HasFMA reports whether DotNT and the dense kernels use AVX2 with fused
// multiply-adds (their rounding differs from the portable loops').
func HasFMA() bool { return useFMA }

// HasAVX512 reports whether the machine has the 512-bit kernel's
// instructions.
func HasAVX512() bool {
	return useFMA && cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ && cpu.X86.HasAVX512VL
}

// SetAVX512 turns DotNT's 512-bit kernel on or off (it stays off on a
// machine without it) and returns the previous setting. The results do not
// change — both kernels give every element bit for bit as Dot4 does — so
// it exists for the benchmarks that compare them in the same process.
func SetAVX512(on bool) (was bool) {
	was = useAVX512
	useAVX512 = on && HasAVX512()
	return was
}

//go:noescape
func nt6x8AVX512(a *float32, lda int, b *float32, ldb, k int, c *float32, ldc, groups int, acc bool)

//go:noescape
func fmaPeakAVX512(n int)

//go:noescape
func nt3x4AVX2(a *float32, lda int, b *float32, ldb, k int, c *float32, ldc, groups int, acc bool)

//go:noescape
func fmaPeakAVX2(n int)

// DotNT's cache blocking: a pass of its row triples runs over at most
// dotNTColBytes of b's rows, and when a is the larger operand its rows are
// taken dotNTRowBytes at a time, so that both blocks stay in a core's
// second-level cache (1 MiB on the machine the numbers were measured on)
// while the larger operand is read from memory once.
const (
	dotNTColBytes = 256 << 10
	dotNTRowBytes = 384 << 10
)

// DotNT sets (acc false) or increments (acc true) c[i·ldc+j] by the dot
// product of row i of a (a[i·lda : i·lda+k]) with row j of b
// (b[j·ldb : j·ldb+k]), for i < m and j < n. Every element is the value
// Dot4 computes for that pair of rows, bit for bit, whatever m, n, the
// strides or the blocking: with AVX2+FMA and k a multiple of 8, lane-wise
// fused multiply-adds over k and Dot4's horizontal-sum tree (three rows of
// a against four of b per block, twelve accumulators, each loaded vector
// used three or four times, the results stored four at a time); otherwise
// Dot4's portable loop. k = 0 clears c (acc false) or leaves it (acc true).
func DotNT(c []float32, ldc int, a []float32, lda, m int, b []float32, ldb, n, k int, acc bool) {
	dotNTCheck(c, ldc, a, lda, m, b, ldb, n, k)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		if !acc {
			for i := 0; i < m; i++ {
				clear(c[i*ldc : i*ldc+n])
			}
		}
		return
	}
	if !useFMA || k&7 != 0 {
		dotNTGo(c, ldc, a, lda, m, b, ldb, n, k, acc)
		return
	}
	if useAVX512 && m >= 6 && n >= 8 {
		m6 := m - m%6
		dotNT512(c, ldc, a, lda, m6, b, ldb, n, k, acc)
		if m6 < m {
			dotNT256(c[m6*ldc:], ldc, a[m6*lda:], lda, m-m6, b, ldb, n, k, acc)
		}
		return
	}
	dotNT256(c, ldc, a, lda, m, b, ldb, n, k, acc)
}

// dotNT512 is DotNT's 512-bit path for m a positive multiple of 6, n ≥ 8
// and k a positive multiple of 8, with dotNT256's cache blocking: each
// block of a's rows is taken against the first n&^7 columns in passes of 6
// rows × 8 columns, then against the last n%8 columns by dotNT256 while the
// block is still in cache.
func dotNT512(c []float32, ldc int, a []float32, lda, m int, b []float32, ldb, n, k int, acc bool) {
	n8 := n &^ 7
	nb := max(8, (dotNTColBytes/(4*k))&^7) // columns per pass
	mb := m                                // rows per block
	if m >= n {
		mb = max(6, (dotNTRowBytes/(4*k))/6*6)
	}
	for i0 := 0; i0 < m; i0 += mb {
		i1 := min(i0+mb, m)
		for j0 := 0; j0 < n8; j0 += nb {
			g := (min(j0+nb, n8) - j0) / 8
			for i := i0; i < i1; i += 6 {
				nt6x8AVX512(&a[i*lda], lda, &b[j0*ldb], ldb, k, &c[i*ldc+j0], ldc, g, acc)
			}
		}
		if n8 < n {
			dotNT256(c[i0*ldc+n8:], ldc, a[i0*lda:], lda, i1-i0, b[n8*ldb:], ldb, n-n8, k, acc)
		}
	}
}

// dotNT256 is DotNT's 256-bit path (AVX2+FMA, k a positive multiple of 8).
func dotNT256(c []float32, ldc int, a []float32, lda, m int, b []float32, ldb, n, k int, acc bool) {
	n4, m3 := n&^3, m-m%3
	nb := max(4, (dotNTColBytes/(4*k))&^3) // columns per pass
	mb := m3                               // rows per block
	if m >= n {
		mb = max(3, (dotNTRowBytes/(4*k))/3*3)
	}
	for i0 := 0; i0 < m3; i0 += mb {
		i1 := min(i0+mb, m3)
		for j0 := 0; j0 < n4; j0 += nb {
			g := (min(j0+nb, n4) - j0) / 4
			for i := i0; i < i1; i += 3 {
				nt3x4AVX2(&a[i*lda], lda, &b[j0*ldb], ldb, k, &c[i*ldc+j0], ldc, g, acc)
			}
		}
		if n4 < n {
			// The last columns: the last four rows of b (or b's rows
			// repeated when it has fewer than four) into a scratch block.
			for i := i0; i < i1; i += 3 {
				dotNTCols(c[i*ldc:], ldc, a[i*lda:], lda, b, ldb, n, n4, k, acc)
			}
		}
	}
	for i := m3; i < m; i++ {
		// The last rows, one at a time with DotRows4's four accumulators.
		ar := a[i*lda : i*lda+k]
		cr := c[i*ldc : i*ldc+n]
		var s [4]float32
		for j := 0; j < n; j += 4 {
			var r [4][]float32
			for q := range r {
				jq := min(j+q, n-1)
				r[q] = b[jq*ldb : jq*ldb+k]
			}
			dotRows4AVX2(ar, r[0], r[1], r[2], r[3], &s)
			for q := 0; q < 4 && j+q < n; q++ {
				if acc {
					cr[j+q] += s[q]
				} else {
					cr[j+q] = s[q]
				}
			}
		}
	}
}

// dotNTCols computes columns [j0, n) of three rows of DotNT's product
// (fewer than four columns) through a 3×4 scratch block: b's last four
// rows, or, when b has fewer than four, each column's row four times.
func dotNTCols(c []float32, ldc int, a []float32, lda int, b []float32, ldb, n, j0, k int, acc bool) {
	var s [12]float32
	if n < 4 {
		for j := j0; j < n; j++ {
			nt3x4AVX2(&a[0], lda, &b[j*ldb], 0, k, &s[0], 4, 1, false)
			for r := 0; r < 3; r++ {
				dotNTPut(&c[r*ldc+j], s[4*r], acc)
			}
		}
		return
	}
	jb := n - 4
	nt3x4AVX2(&a[0], lda, &b[jb*ldb], ldb, k, &s[0], 4, 1, false)
	for r := 0; r < 3; r++ {
		for j := j0; j < n; j++ {
			dotNTPut(&c[r*ldc+j], s[4*r+j-jb], acc)
		}
	}
}

func dotNTPut(c *float32, v float32, acc bool) {
	if acc {
		*c += v
	} else {
		*c = v
	}
}

// FMAPeak runs n iterations of twelve independent 8-lane float32 fused
// multiply-adds (192 flops each) on registers only, or returns false
// without AVX2+FMA: the benchmarks measure the core's peak with it.
func FMAPeak(n int) bool {
	if !useFMA {
		return false
	}
	fmaPeakAVX2(n)
	return true
}

// FMAPeak512 runs n iterations of twelve independent 16-lane float32 fused
// multiply-adds (384 flops each) on registers only, or returns false
// without AVX-512: the peak of the 512-bit kernel.
func FMAPeak512(n int) bool {
	if !HasAVX512() {
		return false
	}
	fmaPeakAVX512(n)
	return true
}

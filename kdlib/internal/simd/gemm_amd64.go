package simd

import (
	"os"

	"golang.org/x/sys/cpu"
)

//go:noescape
func nt3x4AVX2(a *float32, lda int, b *float32, ldb, k int, c *float32, ldc, groups int, acc bool)

//go:noescape
func fmaPeakAVX2(n int)

//go:noescape
func nt4x12AVX512(a *float32, lda int, b *float32, ldb, k int, c *float32, ldc, groups int, acc bool)

// useAVX512 selects DotNT's 4×12 AVX-512 blocks: AVX-512 F and VL with the
// operating system's support for their registers (x/sys/cpu checks it), on
// top of AVX2 and FMA. KDREC_NOAVX512 (any value but "" and "0") turns it
// off, so that the AVX2 path can be timed and checked on the same machine.
var useAVX512 = useFMA && cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL && !envSet("KDREC_NOAVX512")

// SetAVX512 turns DotNT's AVX-512 blocks on or off (on only where the
// machine has them) and returns whether they were on: for the tests that
// check a computation gives the same numbers either way, and benchmarks.
func SetAVX512(on bool) bool {
	prev := useAVX512
	useAVX512 = on && useFMA && cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL
	return prev
}

// HasAVX512 reports whether the machine has DotNT's AVX-512 blocks (AVX-512
// F and VL on top of AVX2 and FMA), whatever SetAVX512 chose.
func HasAVX512() bool { return useFMA && cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL }

// HasFMA reports whether DotNT and the dense kernels use AVX2 with fused
// multiply-adds (their rounding differs from the portable loops').
func HasFMA() bool { return useFMA }

// envSet reports whether the environment variable is set to something but
// "" and "0".
func envSet(name string) bool {
	v := os.Getenv(name)
	return v != "" && v != "0"
}

// dotNT512 is DotNT with the AVX-512 blocks on the first m−m%4 rows and
// n−n%12 columns (in the same cache blocking as dotNTAVX2's) and the AVX2
// path on the rest; every element is the same either way.
func dotNT512(c []float32, ldc int, a []float32, lda, m int, b []float32, ldb, n, k int, acc bool) {
	n12, m4 := n-n%12, m-m%4
	nb := max(12, (dotNT512ColBytes/(4*k))/12*12) // columns per pass
	mb := m4                                      // rows per block
	if m >= n {
		mb = max(4, (dotNTRowBytes/(4*k))/4*4)
	}
	for i0 := 0; i0 < m4; i0 += mb {
		i1 := min(i0+mb, m4)
		for j0 := 0; j0 < n12; j0 += nb {
			g := (min(j0+nb, n12) - j0) / 12
			for i := i0; i < i1; i += 4 {
				nt4x12AVX512(&a[i*lda], lda, &b[j0*ldb], ldb, k, &c[i*ldc+j0], ldc, g, acc)
			}
		}
	}
	if n12 < n {
		dotNTAVX2(c[n12:], ldc, a, lda, m4, b[n12*ldb:], ldb, n-n12, k, acc)
	}
	if m4 < m {
		dotNTAVX2(c[m4*ldc:], ldc, a[m4*lda:], lda, m-m4, b, ldb, n, k, acc)
	}
}

// DotNT's cache blocking: a pass of its row triples runs over at most
// dotNTColBytes of b's rows, and when a is the larger operand its rows are
// taken dotNTRowBytes at a time, so that both blocks stay in a core's
// second-level cache (1 MiB on the machine the numbers were measured on)
// while the larger operand is read from memory once.
const (
	dotNTColBytes = 256 << 10
	dotNTRowBytes = 384 << 10
	// dotNT512ColBytes is the AVX-512 path's pass over b: its 4×12 blocks
	// do twice the arithmetic per byte read, so a pass three times
	// longer keeps each row of a in use long enough that reading it from
	// memory does not bound them (PHR's products, whose operands are tens
	// of megabytes: BenchmarkLatentBatch/PHR).
	dotNT512ColBytes = 768 << 10
)

// PanelBytes is the size of the blocks of rows DotNT's callers should hand
// it at a time (the tiles of a parallel product): what a core's
// second-level cache holds beside the other operand's rows, more with the
// AVX-512 blocks (see dotNT512ColBytes).
func PanelBytes() int {
	if useAVX512 {
		return dotNT512ColBytes
	}
	return dotNTRowBytes
}

// DotNTCols returns the column count of DotNT's register blocks on this
// machine: 12 with the AVX-512 blocks, 4 with AVX2, 1 for the portable
// loop. Columns beyond the last whole block go through the narrower AVX2
// blocks (or DotRows4 rows), so a product whose column count is a multiple
// of it runs entirely on the main blocks.
func DotNTCols() int {
	switch {
	case useAVX512:
		return 12
	case useFMA:
		return 4
	}
	return 1
}

// DotNT sets (acc false) or increments (acc true) c[i·ldc+j] by the dot
// product of row i of a (a[i·lda : i·lda+k]) with row j of b
// (b[j·ldb : j·ldb+k]), for i < m and j < n. Every element is the value
// Dot4 computes for that pair of rows, bit for bit, whatever m, n, the
// strides or the blocking: with AVX2+FMA and k a multiple of 8, lane-wise
// fused multiply-adds over k and Dot4's horizontal-sum tree (three rows of
// a against four of b per block, twelve accumulators, each loaded vector
// used three or four times, the results stored four at a time); otherwise
// Dot4's portable loop. With AVX-512 the blocks are four rows of a against
// twelve of b, each 16-lane register holding two of the 8-lane accumulators
// (nt4x12AVX512): the same operations on every element, twice the work per
// instruction. k = 0 clears c (acc false) or leaves it (acc true).
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
	if useAVX512 && m >= 4 && n >= 12 {
		dotNT512(c, ldc, a, lda, m, b, ldb, n, k, acc)
		return
	}
	dotNTAVX2(c, ldc, a, lda, m, b, ldb, n, k, acc)
}

// dotNTAVX2 is DotNT's AVX2 path (k a positive multiple of 8, m, n > 0).
func dotNTAVX2(c []float32, ldc int, a []float32, lda, m int, b []float32, ldb, n, k int, acc bool) {
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

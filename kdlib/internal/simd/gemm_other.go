//go:build !amd64

package simd

// DotNT sets (acc false) or increments (acc true) c[i·ldc+j] by the dot
// product of row i of a (a[i·lda : i·lda+k]) with row j of b
// (b[j·ldb : j·ldb+k]), for i < m and j < n, every element as Dot4
// computes it. k = 0 clears c (acc false) or leaves it (acc true).
func DotNT(c []float32, ldc int, a []float32, lda, m int, b []float32, ldb, n, k int, acc bool) {
	dotNTCheck(c, ldc, a, lda, m, b, ldb, n, k)
	if k == 0 {
		if !acc {
			for i := 0; i < m; i++ {
				clear(c[i*ldc : i*ldc+n])
			}
		}
		return
	}
	dotNTGo(c, ldc, a, lda, m, b, ldb, n, k, acc)
}

// DotNTCols returns 1: the portable loop computes one element at a time.
func DotNTCols() int { return 1 }

// FMAPeak returns false: there is no vector kernel on this platform.
func FMAPeak(n int) bool { return false }

// PanelBytes is the size of the blocks of rows DotNT's callers should hand
// it at a time (the tiles of a parallel product).
func PanelBytes() int { return 384 << 10 }

// SetAVX512 returns false: there are no AVX-512 blocks on this platform.
func SetAVX512(on bool) bool { return false }

// HasAVX512 returns false: there are no AVX-512 blocks on this platform.
func HasAVX512() bool { return false }

// HasFMA returns false: the portable loops do not fuse multiply-adds.
func HasFMA() bool { return false }

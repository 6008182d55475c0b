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

// FMAPeak returns false: there is no vector kernel on this platform.
func FMAPeak(n int) bool { return false }

// FMAPeak512 returns false: there is no vector kernel on this platform.
func FMAPeak512(n int) bool { return false }

// HasAVX512 returns false: there is no vector kernel on this platform.
func HasAVX512() bool { return false }

// SetAVX512 does nothing and returns false: there is no vector kernel on
// this platform.
func SetAVX512(on bool) (was bool) { return false }

// HasFMA returns false: there is no vector kernel on this platform.
func HasFMA() bool { return false }

// EnvAVX512 names the environment variable that turns the 512-bit kernel
// off on amd64; it has no effect here.
const EnvAVX512 = "KDREC_AVX512"

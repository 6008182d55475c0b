package simd

// Dense products with Dot4's rounding, for the latent distillation terms'
// matrix products (kdlib/distill's latNT): C (+)= A·Bᵀ with the inner
// dimension contiguous in both operands.

// dotNTGo is DotNT's element-wise form: every element as Dot4 computes it
// when Dot4 has no vector path (no FMA, or k not a multiple of 8).
func dotNTGo(c []float32, ldc int, a []float32, lda, m int, b []float32, ldb, n, k int, acc bool) {
	for i := 0; i < m; i++ {
		ar := a[i*lda : i*lda+k]
		cr := c[i*ldc : i*ldc+n]
		for j := range cr {
			s := dotScalar(ar, b[j*ldb:j*ldb+k])
			if acc {
				cr[j] += s
			} else {
				cr[j] = s
			}
		}
	}
}

// dotNTCheck panics unless the operands of DotNT hold every row they name.
func dotNTCheck(c []float32, ldc int, a []float32, lda, m int, b []float32, ldb, n, k int) {
	if m < 0 || n < 0 || k < 0 || (m > 1 && lda < k) || (n > 1 && ldb < k) || (m > 1 && ldc < n) {
		panic("simd: DotNT: bad dimensions")
	}
	if m == 0 || n == 0 {
		return
	}
	if len(a) < (m-1)*lda+k || len(b) < (n-1)*ldb+k || len(c) < (m-1)*ldc+n {
		panic("simd: DotNT: operand too short")
	}
}

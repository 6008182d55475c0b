package model

import (
	"github.com/kdrec/kdrec/kdlib/internal/simd"
	"github.com/kdrec/kdrec/kdlib/nn"
)

// gatherRows copies the listed rows of p into out, row after row.
func gatherRows(p *nn.Param, rows []int32, out []float32) {
	for k, r := range rows {
		copy(out[k*p.Cols:(k+1)*p.Cols], p.Row(int(r)))
	}
}

// scoreDotUsers computes out = P[users] · Qᵀ (len(users) × Q.Rows, row
// after row). Items are taken in blocks of 256 that are copied into a
// buffer whose rows are padded to a multiple of 8 floats (read in place when
// the rows already are), and each block is
// scored against all the users at once by simd.DotNT, whose register blocks
// (3×4 with AVX2+FMA, 4×12 with AVX-512) compute every score exactly as
// nn.Dot4 does for its pair of padded rows: the scores are bit for bit those
// of a loop over nn.Dot4 (TestScoreDotUsersIsDot4). It runs on the calling
// goroutine (callers parallelise over user blocks).
func scoreDotUsers(p, q *nn.Param, users []int32, out []float32) {
	d, m := p.Cols, q.Rows
	dp := (d + 7) &^ 7
	const itemBlock = 256
	nu := len(users)
	if nu == 0 || m == 0 {
		return
	}
	a := make([]float32, nu*dp)
	for k, u := range users {
		copy(a[k*dp:k*dp+d], p.Row(int(u)))
	}
	if dp == d {
		// Rows already a multiple of 8 floats: the item table is read in
		// place, block by block.
		for lo := 0; lo < m; lo += itemBlock {
			hi := min(lo+itemBlock, m)
			simd.DotNT(out[lo:], m, a, dp, nu, q.W[lo*d:hi*d], d, hi-lo, dp, false)
		}
		return
	}
	buf := make([]float32, itemBlock*dp)
	for lo := 0; lo < m; lo += itemBlock {
		hi := min(lo+itemBlock, m)
		for i := lo; i < hi; i++ {
			copy(buf[(i-lo)*dp:(i-lo)*dp+d], q.W[i*d:(i+1)*d])
		}
		simd.DotNT(out[lo:], m, a, dp, nu, buf, dp, hi-lo, dp, false)
	}
}

// scoreDotItems writes pu·q_i for the listed items, four at a time.
func scoreDotItems(pu []float32, q *nn.Param, items []int32, out []float32) {
	var s [4]float32
	k := 0
	for ; k+4 <= len(items); k += 4 {
		nn.DotRows4(pu, q.Row(int(items[k])), q.Row(int(items[k+1])), q.Row(int(items[k+2])), q.Row(int(items[k+3])), &s)
		out[k], out[k+1], out[k+2], out[k+3] = s[0], s[1], s[2], s[3]
	}
	for ; k < len(items); k++ {
		out[k] = nn.Dot(pu, q.Row(int(items[k])))
	}
}

package model

import (
	"github.com/kdrec/kdrec/kdlib/nn"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// gatherRows copies the listed rows of p into out, row after row.
func gatherRows(p *nn.Param, rows []int32, out []float32) {
	for k, r := range rows {
		copy(out[k*p.Cols:(k+1)*p.Cols], p.Row(int(r)))
	}
}

// scoreDotUsers computes out = P[users] · Qᵀ (len(users) × Q.Rows) with one
// matrix product, which reads the item table once for the whole block of
// users instead of once per user.
func scoreDotUsers(p, q *nn.Param, users []int32, out []float32) {
	d := p.Cols
	a := make([]float32, len(users)*d)
	gatherRows(p, users, a)
	blas32.Gemm(blas.NoTrans, blas.Trans, 1,
		blas32.General{Rows: len(users), Cols: d, Stride: d, Data: a},
		blas32.General{Rows: q.Rows, Cols: d, Stride: d, Data: q.W},
		0, blas32.General{Rows: len(users), Cols: q.Rows, Stride: q.Rows, Data: out[:len(users)*q.Rows]})
}

package nn

import (
	"fmt"
	"math"
)

// Param is a trainable tensor stored as a Rows×Cols row-major matrix (a
// vector is a 1×n matrix, an embedding table has one row per entity).
//
// W holds the values and G the gradient accumulated since the last optimizer
// step. Code that adds to a row of G through GradRow records the row as
// touched, so the optimizer can clear just those rows and, for embedding
// tables, skip reading the gradient of rows nobody touched. Code that writes
// G directly must call TouchAll.
type Param struct {
	// Name identifies the tensor inside its model, e.g. "user_emb".
	Name string
	// Rows and Cols give the shape.
	Rows, Cols int
	// W holds the values, G the accumulated gradient; both have Rows·Cols entries.
	W, G []float32

	// Adam state, allocated by the optimizer on first use.
	m, v []float32

	touched    []bool
	touchedIdx []int32
	allTouched bool
}

// NewParam allocates a zero Rows×Cols parameter.
func NewParam(name string, rows, cols int) *Param {
	n := rows * cols
	return &Param{Name: name, Rows: rows, Cols: cols, W: make([]float32, n), G: make([]float32, n), touched: make([]bool, rows)}
}

// Size returns the number of scalar values.
func (p *Param) Size() int { return len(p.W) }

// Row returns row r of the values.
func (p *Param) Row(r int) []float32 { return p.W[r*p.Cols : (r+1)*p.Cols] }

// GradRow returns row r of the gradient and records the row as touched.
func (p *Param) GradRow(r int) []float32 {
	if !p.touched[r] {
		p.touched[r] = true
		p.touchedIdx = append(p.touchedIdx, int32(r))
	}
	return p.G[r*p.Cols : (r+1)*p.Cols]
}

// TouchAll records that the whole gradient may be non-zero (dense layers).
func (p *Param) TouchAll() { p.allTouched = true }

// ZeroGrad clears the gradient.
func (p *Param) ZeroGrad() {
	if p.allTouched {
		clear(p.G)
		clear(p.touched)
	} else {
		for _, r := range p.touchedIdx {
			clear(p.G[int(r)*p.Cols : (int(r)+1)*p.Cols])
			p.touched[r] = false
		}
	}
	p.touchedIdx = p.touchedIdx[:0]
	p.allTouched = false
}

// rowTouched reports whether row r may have a non-zero gradient.
func (p *Param) rowTouched(r int) bool { return p.allTouched || p.touched[r] }

// Touched returns the rows touched since the last ZeroGrad, in first-touch
// order, or nil if TouchAll was called. The slice aliases internal storage.
func (p *Param) Touched() []int32 {
	if p.allTouched {
		return nil
	}
	return p.touchedIdx
}

// CheckFinite returns an error naming the parameter if a value is NaN or ±Inf.
func (p *Param) CheckFinite() error {
	for k, x := range p.W {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("nn: parameter %s[%d,%d] is %v", p.Name, k/p.Cols, k%p.Cols, x)
		}
	}
	return nil
}

// Clone returns a deep copy of the values (gradient and optimizer state are
// fresh), used to keep the best snapshot of a model during training.
func (p *Param) Clone() *Param {
	q := NewParam(p.Name, p.Rows, p.Cols)
	copy(q.W, p.W)
	return q
}

// CountParams returns the total number of scalar values in ps.
func CountParams(ps []*Param) int {
	n := 0
	for _, p := range ps {
		n += p.Size()
	}
	return n
}

package nn

import (
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// Linear is a fully connected layer y = x·Wᵀ + b over a batch of rows, as
// torch.nn.Linear: W is out×in, b is 1×out.
type Linear struct {
	// W (out×in) and B (1×out; nil without a bias) are the weights and the bias.
	W, B *Param
	// In and Out are the input and output widths.
	In, Out int
}

// NewLinear builds a layer with PyTorch's default initialisation
// (weights and bias U(−1/√in, 1/√in)). bias false omits b.
func NewLinear(name string, in, out int, bias bool, rng *rand.Rand) *Linear {
	l := &Linear{W: NewParam(name+".weight", out, in), In: in, Out: out}
	if bias {
		l.B = NewParam(name+".bias", 1, out)
	}
	InitLinearDefault(l.W, l.B, rng)
	return l
}

// Params returns W and b (if present).
func (l *Linear) Params() []*Param {
	if l.B == nil {
		return []*Param{l.W}
	}
	return []*Param{l.W, l.B}
}

// Forward computes y (n×Out) from x (n×In).
func (l *Linear) Forward(x []float32, n int, y []float32) {
	gemm(false, true, n, l.Out, l.In, x[:n*l.In], l.W.W, y[:n*l.Out], 0)
	if l.B != nil {
		for r := 0; r < n; r++ {
			row := y[r*l.Out : (r+1)*l.Out]
			for k, b := range l.B.W {
				row[k] += b
			}
		}
	}
}

// Backward accumulates the parameter gradients for upstream gradient dy
// (n×Out) at input x (n×In): dW += dyᵀ·x, db += Σ_rows dy. If dx is not
// nil it is overwritten with dy·W (n×In).
func (l *Linear) Backward(x []float32, n int, dy, dx []float32) {
	l.W.TouchAll()
	gemm(true, false, l.Out, l.In, n, dy[:n*l.Out], x[:n*l.In], l.W.G, 1)
	if l.B != nil {
		l.B.TouchAll()
		for r := 0; r < n; r++ {
			for k, g := range dy[r*l.Out : (r+1)*l.Out] {
				l.B.G[k] += g
			}
		}
	}
	if dx != nil {
		gemm(false, false, n, l.In, l.Out, dy[:n*l.Out], l.W.W, dx[:n*l.In], 0)
	}
}

// gemm computes c = op(a)·op(b) + beta·c for row-major matrices where
// op(a) is m×k and op(b) is k×n.
func gemm(ta, tb bool, m, n, k int, a, b, c []float32, beta float32) {
	if m == 0 || n == 0 {
		return
	}
	ga := blas32.General{Rows: m, Cols: k, Stride: k, Data: a}
	if ta {
		ga = blas32.General{Rows: k, Cols: m, Stride: m, Data: a}
	}
	gb := blas32.General{Rows: k, Cols: n, Stride: n, Data: b}
	if tb {
		gb = blas32.General{Rows: n, Cols: k, Stride: k, Data: b}
	}
	opA, opB := blas.NoTrans, blas.NoTrans
	if ta {
		opA = blas.Trans
	}
	if tb {
		opB = blas.Trans
	}
	if k == 0 {
		for i := range c[:m*n] {
			c[i] *= beta
		}
		return
	}
	blas32.Gemm(opA, opB, 1, ga, gb, beta, blas32.General{Rows: m, Cols: n, Stride: n, Data: c})
}

// Gemm computes c = op(a)·op(b) + beta·c for row-major float32 matrices,
// where op transposes when ta/tb is set, op(a) is m×k and op(b) is k×n.
func Gemm(ta, tb bool, m, n, k int, a, b, c []float32, beta float32) {
	gemm(ta, tb, m, n, k, a, b, c, beta)
}

// MLP is a stack of Linear layers with ReLU between them (none after the
// last), the experts and bridges of the distillation methods.
type MLP struct {
	// Layers are the layers in order, input first.
	Layers []*Linear
}

// NewMLP builds an MLP with the given layer widths (sizes[0] is the input
// width), PyTorch default initialisation and biases.
func NewMLP(name string, sizes []int, rng *rand.Rand) *MLP {
	m := &MLP{}
	for k := 0; k+1 < len(sizes); k++ {
		m.Layers = append(m.Layers, NewLinear(name+"."+itoa(k), sizes[k], sizes[k+1], true, rng))
	}
	return m
}

func itoa(k int) string {
	if k < 10 {
		return string(rune('0' + k))
	}
	return itoa(k/10) + string(rune('0'+k%10))
}

// Params returns every layer's parameters.
func (m *MLP) Params() []*Param {
	var ps []*Param
	for _, l := range m.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// In returns the input width.
func (m *MLP) In() int { return m.Layers[0].In }

// Out returns the output width.
func (m *MLP) Out() int { return m.Layers[len(m.Layers)-1].Out }

// MLPCache keeps the activations of one forward pass for Backward.
type MLPCache struct {
	n    int
	acts [][]float32 // acts[0] = input, acts[k+1] = output of layer k (after ReLU for hidden layers)
	grad [2][]float32
}

// Forward computes the output (n×Out) for input x (n×In) and returns it
// with the cache Backward needs. The cache may be reused across calls
// (pass the previous one, or nil).
func (m *MLP) Forward(x []float32, n int, c *MLPCache) ([]float32, *MLPCache) {
	if c == nil {
		c = &MLPCache{}
	}
	c.n = n
	if len(c.acts) != len(m.Layers)+1 {
		c.acts = make([][]float32, len(m.Layers)+1)
	}
	c.acts[0] = x[:n*m.In()]
	for k, l := range m.Layers {
		c.acts[k+1] = grow(c.acts[k+1], n*l.Out)
		l.Forward(c.acts[k], n, c.acts[k+1])
		if k+1 < len(m.Layers) {
			relu(c.acts[k+1])
		}
	}
	return c.acts[len(m.Layers)], c
}

// Backward accumulates parameter gradients for upstream gradient dy of the
// output and, if dx is not nil, writes the gradient of the input into it.
func (m *MLP) Backward(c *MLPCache, dy, dx []float32) {
	n := c.n
	cur := dy
	for k := len(m.Layers) - 1; k >= 0; k-- {
		l := m.Layers[k]
		var down []float32
		if k > 0 {
			c.grad[k%2] = grow(c.grad[k%2], n*l.In)
			down = c.grad[k%2]
		} else {
			down = dx
		}
		l.Backward(c.acts[k], n, cur, down)
		if k > 0 {
			// ReLU'(z) is 1 where the activation is positive.
			for j, a := range c.acts[k] {
				if a <= 0 {
					down[j] = 0
				}
			}
		}
		cur = down
	}
}

func relu(x []float32) {
	for k, v := range x {
		if v < 0 {
			x[k] = 0
		}
	}
}

func grow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

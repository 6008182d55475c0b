package simd

import "math"

// Row kernels of the BPR path of the listwise distillation terms. Every
// element is rounded as in the scalar expression y[t] += a·x[t] (the
// product, then the sum; no fused multiply-add), so all versions give the
// values of nn.Axpy. The portable twins write each product as an explicit
// float32 conversion, which keeps the compiler from fusing it with the sum
// (Go may fuse x*y + z on arm64 and with GOAMD64=v3 otherwise).

// axpyGo is Axpy's portable twin.
func axpyGo(a float32, x, y []float32) {
	y = y[:len(x)]
	for t, v := range x {
		y[t] += float32(a * v)
	}
}

// axpy2Go is Axpy2's portable twin.
func axpy2Go(a float32, x, y, u, v []float32) {
	y, u, v = y[:len(x)], u[:len(x)], v[:len(x)]
	for t, xv := range x {
		y[t] += float32(a * xv)
		v[t] += float32(a * u[t])
	}
}

// AddTo computes y += x (len(y) ≥ len(x)).
func AddTo(y, x []float32) {
	y = y[:len(x)]
	for t, v := range x {
		y[t] += v
	}
}

// Kernels of HetComp's loss over the whole catalogue: the clamped
// exponentials of a row of scores and their gradients.

// FastExp is e^x in float32 for |x| ≤ 80: x·log₂e = n + f with |f| ≤ ½ (in
// float64), 2^f by its degree-6 Taylor polynomial, times 2^n built from the
// exponent bits. Relative error < 1e−6. ExpClamp's vector kernel computes
// exactly these operations.
func FastExp(x float32) float32 {
	t := float64(float64(x) * 1.4426950408889634)
	n := int32(t+128.5) - 128 // round to nearest for |t| < 128
	f := float32((t - float64(n)) * 0.6931471805599453)
	p := 1 + float32(f*(1+float32(f*(0.5+float32(f*(1.0/6+float32(f*(1.0/24+float32(f*(1.0/120+float32(f*(1.0/720))))))))))))
	return p * math.Float32frombits(uint32(n+127)<<23)
}

// expClampGo is ExpClamp's portable twin.
func expClampGo(row []float32, C float32) {
	for j, s := range row {
		c := s
		if c > C {
			c = C
		}
		if c < -C {
			c = -C
		}
		e := FastExp(c)
		if c != s {
			e = -e
		}
		row[j] = e
	}
}

// expK holds the constants of the vectorised FastExp (layout read by
// expClampAVX).
type expK struct {
	log2e, half, ln2             float64
	c, negC                      float32
	p720, p120, p24, p6, p2, one float32
	bias128, bias127, sign       uint32
}

// newExpK returns FastExp's constants with the clamp bound C.
func newExpK(C float32) expK {
	return expK{log2e: 1.4426950408889634, half: 128.5, ln2: 0.6931471805599453, c: C, negC: -C,
		p720: 1.0 / 720, p120: 1.0 / 120, p24: 1.0 / 24, p6: 1.0 / 6, p2: 0.5, one: 1,
		bias128: 128, bias127: 127, sign: 0x80000000}
}

// restGradGo is RestGrad's portable twin.
func restGradGo(row []float32, mark []uint8, c float32) {
	for j, e := range row {
		if mark[j] != 0 || e < 0 {
			row[j] = 0
		} else {
			row[j] = c * e
		}
	}
}

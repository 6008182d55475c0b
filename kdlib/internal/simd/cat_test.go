package simd

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
)

// catVec returns n values of mixed magnitudes; with special set, also
// zeros of both signs, denormals, infinities and NaNs.
func catVec(r *rand.Rand, n int, scale float64, special bool) []float32 {
	v := make([]float32, n)
	for k := range v {
		v[k] = float32(r.NormFloat64() * scale * math.Pow(10, float64(r.IntN(5)-2)))
		if !special {
			continue
		}
		switch r.IntN(40) {
		case 0:
			v[k] = 0
		case 1:
			v[k] = float32(math.Copysign(0, -1))
		case 2:
			v[k] = float32(r.NormFloat64() * 1e-40) // denormal
		case 3:
			v[k] = float32(math.Inf(1 - 2*r.IntN(2)))
		case 4:
			v[k] = float32(math.NaN())
		case 5:
			v[k] = float32(r.NormFloat64() * 1e30) // products overflow
		}
	}
	return v
}

// same32 reports whether a and b are the same float32 bit for bit, any
// NaN counting as equal to any NaN: which NaN an operation on two NaNs
// returns depends on the order of its operands, which Dot's own paths do
// not fix (it swaps them by alignment), nor gonum's kernels.
func same32(a, b float32) bool {
	if a != a || b != b {
		return a != a && b != b
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

// sameBits returns the first index where a and b differ (see same32), or −1.
func sameBits(a, b []float32) int {
	for k := range a {
		if !same32(a[k], b[k]) {
			return k
		}
	}
	return -1
}

// TestDotsIsDot checks Dots against one Dot per row, bit for bit, for
// lengths 0..300, 1 to 7 rows, every alignment of x and of the table, with
// and without special values.
func TestDotsIsDot(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for n := 0; n <= 300; n++ {
		for _, special := range []bool{false, true} {
			rows := 1 + r.IntN(7)
			stride := n + r.IntN(5)
			x := catVec(r, n, 1, special)
			w := catVec(r, rows*stride, 1, special)
			for ox := range 4 {
				xo := offsetCopy(x, ox)
				wo := offsetCopy(w, r.IntN(4))
				got := make([]float32, rows)
				Dots(xo, wo, stride, got)
				for k := range got {
					want := Dot(xo, wo[k*stride:k*stride+n])
					if !same32(got[k], want) {
						t.Fatalf("n=%d rows=%d row %d x offset %d special=%v: Dots %v, Dot %v", n, rows, k, ox, special, got[k], want)
					}
				}
			}
		}
	}
}

// scoreExpRef is HetComp's scalar score pass: the row cleared, gonum's
// Axpy (which skips a zero coefficient) per row, then ExpClamp.
func scoreExpRef(p, w []float32, stride int, row []float32, C float32) {
	n := len(row)
	clear(row)
	for k, a := range p {
		blas32.Axpy(a, blas32.Vector{N: n, Data: w[k*stride : k*stride+n], Inc: 1}, blas32.Vector{N: n, Data: row, Inc: 1})
	}
	ExpClamp(row, C)
}

// TestScoreExpClampIsScalar checks ScoreExpClamp against the scalar score
// pass bit for bit: lengths 0..100 and a catalogue's 25,181, d = 1..9,
// scores beyond the clamp, zero coefficients.
func TestScoreExpClampIsScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	const C = 40
	lengths := []int{25181, 4096}
	for n := range 101 {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		for d := 1; d <= 9; d++ {
			p := catVec(r, d, 3, false)
			if r.IntN(4) == 0 {
				p[r.IntN(d)] = 0
			}
			stride := n + r.IntN(17)
			w := catVec(r, d*stride, 2, false)
			for k := range w {
				if r.IntN(50) == 0 {
					w[k] *= 1e3 // clamped scores
				}
			}
			got, want := make([]float32, n), make([]float32, n)
			ScoreExpClamp(p, w, stride, got, C)
			scoreExpRef(p, w, stride, want, C)
			if k := sameBits(got, want); k >= 0 {
				t.Fatalf("n=%d d=%d entry %d: %v, scalar %v", n, d, k, got[k], want[k])
			}
		}
	}
}

// restMassRef is HetComp's scalar rest mass: Σ |e| over mark 0, float32
// per block of 256, the blocks' sums added into a float64.
func restMassRef(row []float32, mark []uint8) float64 {
	var z float64
	for lo := 0; lo < len(row); lo += 256 {
		hi := min(lo+256, len(row))
		var zc float32
		for j := lo; j < hi; j++ {
			if mark[j] == 0 {
				e := row[j]
				if e < 0 {
					e = -e
				}
				zc += e
			}
		}
		z += float64(zc)
	}
	return z
}

// TestRestMassIsScalar checks RestMass against the scalar sum bit for bit
// on lengths around the kernel's groups of 8·256 entries and a catalogue's,
// with negative entries, zeros of both signs and (once) NaNs and
// infinities.
func TestRestMassIsScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	lengths := []int{0, 1, 255, 256, 257, 2047, 2048, 2049, 4096, 16383, 16384, 16385, 18432, 25181, 40000}
	for n := range 41 {
		lengths = append(lengths, n)
	}
	for _, special := range []bool{false, true} {
		for _, n := range lengths {
			row := catVec(r, n, 5, special)
			for k := range row {
				if !special && math.IsNaN(float64(row[k])) || math.IsInf(float64(row[k]), 0) {
					row[k] = 1
				}
			}
			if special && n > 3000 {
				for k := range row {
					if math.IsNaN(float64(row[k])) || math.IsInf(float64(row[k]), 0) {
						row[k] = -2 // keep most blocks finite
					}
				}
				row[r.IntN(n)] = float32(math.NaN())
				row[r.IntN(n)] = float32(math.Inf(1))
			}
			mark := make([]uint8, n)
			for k := range mark {
				if r.IntN(4) == 0 {
					mark[k] = uint8(1 + r.IntN(2))
				}
			}
			got, want := RestMass(row, mark), restMassRef(row, mark)
			if !(got != got && want != want) && math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("n=%d special=%v: RestMass %v, scalar %v", n, special, got, want)
			}
		}
	}
}

// TestAxpyRowsIsAxpy checks AxpyRows against one gonum Axpy per row, in
// order, bit for bit: lengths 0..300 and a tile of 1024, 0 to 40 rows at
// arbitrary offsets of a shared buffer.
func TestAxpyRowsIsAxpy(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	x := catVec(r, 50000, 1, false)
	lengths := []int{1024, 1000}
	for n := range 301 {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		rows := r.IntN(41)
		a := catVec(r, rows, 2, false)
		off := make([]int, rows)
		for i := range off {
			off[i] = r.IntN(len(x) - n + 1)
			if a[i] == 0 {
				a[i] = 1
			}
		}
		y0 := catVec(r, n, 1, false)
		got, want := append([]float32(nil), y0...), append([]float32(nil), y0...)
		AxpyRows(got, a, x, off)
		for i, o := range off {
			blas32.Axpy(a[i], blas32.Vector{N: n, Data: x[o : o+n], Inc: 1}, blas32.Vector{N: n, Data: want, Inc: 1})
		}
		if k := sameBits(got, want); k >= 0 {
			t.Fatalf("n=%d rows=%d entry %d: %v, Axpy %v", n, rows, k, got[k], want[k])
		}
	}
}

// TestRestGradIsScalar checks RestGrad against its scalar loop bit for bit
// on finite rows (negative entries, zeros of both signs, every mark) of
// lengths 0..100 and a catalogue's.
func TestRestGradIsScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	lengths := []int{25181}
	for n := range 101 {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		row := catVec(r, n, 1, false)
		mark := make([]uint8, n)
		for k := range row {
			switch r.IntN(10) {
			case 0:
				row[k] = 0
			case 1:
				row[k] = float32(math.Copysign(0, -1))
			case 2:
				mark[k] = uint8(1 + r.IntN(2))
			}
		}
		got, want := append([]float32(nil), row...), append([]float32(nil), row...)
		RestGrad(got, mark, 0.37)
		restGradGo(want, mark, 0.37)
		if k := sameBits(got, want); k >= 0 {
			t.Fatalf("n=%d entry %d (e=%v, mark %d): %v, scalar %v", n, k, row[k], mark[k], got[k], want[k])
		}
	}
}

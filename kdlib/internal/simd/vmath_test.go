package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// vmathSame reports whether a and b are the same float64 bit for bit,
// treating any NaN as equal to any NaN.
func vmathSame(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

// vmathRequireKernels fails the test when the CPU supports a vector kernel
// but its start-up self-check rejected it: the bit-exactness tests would
// otherwise pass vacuously through the scalar fallback.
func vmathRequireKernels(t *testing.T) {
	t.Helper()
	if vmathExpCPU && !vmathExpOK {
		t.Fatal("AVX2 exp kernel supported by the CPU but rejected by its self-check")
	}
	if vmathLogCPU && !vmathLogOK {
		t.Fatal("AVX2 log kernel supported by the CPU but rejected by its self-check")
	}
}

// vmathCheck runs f (ExpSlice or LogSlice) on src, out of place and in
// place, and compares every element with ref (math.Exp or math.Log).
func vmathCheck(t *testing.T, name string, f func(dst, src []float64), ref func(float64) float64, src []float64) {
	t.Helper()
	dst := make([]float64, len(src))
	for i := range dst {
		dst[i] = 12345 // must be overwritten
	}
	f(dst, src)
	inPlace := append([]float64(nil), src...)
	f(inPlace, inPlace)
	bad := 0
	for i, x := range src {
		want := ref(x)
		for _, got := range [2]float64{dst[i], inPlace[i]} {
			if !vmathSame(got, want) {
				if bad++; bad <= 10 {
					t.Errorf("%s(%v [%#016x]) at %d of %d: got %v [%#016x], want %v [%#016x]",
						name, x, math.Float64bits(x), i, len(src), got, math.Float64bits(got), want, math.Float64bits(want))
				}
			}
		}
	}
	if bad > 10 {
		t.Errorf("%s: %d mismatches in total", name, bad)
	}
}

// vmathAround returns x and its n nearest neighbours on each side.
func vmathAround(x float64, n int) []float64 {
	out := []float64{x}
	lo, hi := x, x
	for range n {
		lo = math.Nextafter(lo, math.Inf(-1))
		hi = math.Nextafter(hi, math.Inf(1))
		out = append(out, lo, hi)
	}
	return out
}

// vmathExpEdges are edge cases for Exp: specials, the overflow threshold,
// the k = 1023/1024 and k = -1022/-1023 rounding boundaries (start of
// archExp's overflow and denormal branches), the underflow-to-zero limit,
// huge negative inputs (CVTSD2SL integer indefinite) and powers of two.
func vmathExpEdges() []float64 {
	const ln2 = math.Ln2
	v := []float64{
		0, math.Copysign(0, -1), 1, -1, 0.5, -0.5, 2, -2,
		math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 0x1p-1022, -0x1p-1022, 1e-300, -1e-300,
		math.Inf(1), math.Inf(-1), math.NaN(), -math.NaN(), math.Float64frombits(0x7FF0000000000001),
		math.MaxFloat64, -math.MaxFloat64, 1e300, -1e300, 1e10, -1e10, 0x1p31, -0x1p31, 0x1p31 * ln2, -0x1p31 * ln2,
		-745.1332191019411, -745.1332191019412, -744.44007192138126, -740, -720, -709, -708, -700,
		-80, -60, -40, -20, -10, 10, 20, 40, 80, 700, 709, 709.4, 709.5, 709.7,
	}
	v = append(v, vmathAround(7.09782712893384e+02, 40)...) // Overflow
	for _, k := range []float64{1023.5, 1022.5, -1021.5, -1022.5, -1023.5, -1074.5, -1075.5} {
		v = append(v, vmathAround(k*ln2, 40)...)
	}
	v = append(v, vmathAround(-708.3964185322641, 40)...) // result near the smallest normal
	for e := -1074; e <= 1023; e += 7 {
		v = append(v, math.Ldexp(1, e), -math.Ldexp(1, e))
	}
	for k := -30.0; k <= 30; k++ { // round-half-even ties of x*LOG2E nearby
		v = append(v, vmathAround((k+0.5)*ln2, 3)...)
	}
	return v
}

// vmathLogEdges are edge cases for Log: specials, subnormals, powers of two,
// values at and around sqrt(2)/2·2^k (archLog adjusts f1 when
// f1 <= sqrt(2)/2) and around 1.
func vmathLogEdges() []float64 {
	v := []float64{
		0, math.Copysign(0, -1), -1, -1e-300, -math.MaxFloat64, math.Inf(1), math.Inf(-1),
		math.NaN(), -math.NaN(), math.Float64frombits(0x7FF0000000000001), math.Float64frombits(0xFFF8000000000001),
		math.SmallestNonzeroFloat64, 2 * math.SmallestNonzeroFloat64, 3 * math.SmallestNonzeroFloat64,
		math.Float64frombits(0x000FFFFFFFFFFFFF), math.Float64frombits(0x0008000000000000),
		math.Float64frombits(0x0006A09E667F3BCD), math.Float64frombits(0x0006A09E667F3BCE),
		0x1p-1022, math.MaxFloat64, 1e-35, 1e6, math.E, 10, 0.1,
	}
	v = append(v, vmathAround(1, 60)...)
	for _, d := range []float64{1e-15, 1e-12, 1e-9, 1e-6, 1e-3, 0.1} {
		v = append(v, 1+d, 1-d)
	}
	const hs = 7.07106781186547524401e-01
	for e := -1074; e <= 1023; e++ {
		p := math.Ldexp(1, e)
		v = append(v, p, -p)
		if e%50 == 0 || (e > -80 && e < 80) {
			v = append(v, vmathAround(math.Ldexp(hs, e), 3)...)
			v = append(v, vmathAround(math.Ldexp(math.Sqrt2, e), 2)...)
			v = append(v, vmathAround(p, 2)...)
		}
	}
	return v
}

// vmathMix interleaves edge cases with ordinary values so that special
// lanes land in every position of a block of four and in the tails.
func vmathMix(edges, ordinary []float64) []float64 {
	var v []float64
	for i, e := range edges {
		v = append(v, e)
		for j := range i % 5 {
			v = append(v, ordinary[(i+j)%len(ordinary)])
		}
	}
	return v
}

func vmathRandExp(r *rand.Rand, n int, lo, hi float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = lo + (hi-lo)*r.Float64()
	}
	return v
}

func vmathRandLog(r *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	lo, hi := math.Log(1e-35), math.Log(1e6)
	for i := range v {
		v[i] = math.Exp(lo + (hi-lo)*r.Float64())
	}
	return v
}

func TestVmathExpBitExact(t *testing.T) {
	vmathRequireKernels(t)
	r := rand.New(rand.NewPCG(1, 2))
	vmathCheck(t, "exp[-80,0]", ExpSlice, math.Exp, vmathRandExp(r, 1<<18, -80, 0))
	vmathCheck(t, "exp[-700,700]", ExpSlice, math.Exp, vmathRandExp(r, 1<<18, -700, 700))
	vmathCheck(t, "exp[-760,720]", ExpSlice, math.Exp, vmathRandExp(r, 1<<16, -760, 720))
	vmathCheck(t, "exp[-1,1]", ExpSlice, math.Exp, vmathRandExp(r, 1<<16, -1, 1))
	bits := make([]float64, 1<<16) // random bit patterns: every exponent, specials included
	for i := range bits {
		bits[i] = math.Float64frombits(r.Uint64())
	}
	vmathCheck(t, "exp(bits)", ExpSlice, math.Exp, bits)
	edges := vmathExpEdges()
	vmathCheck(t, "exp(edges)", ExpSlice, math.Exp, edges)
	vmathCheck(t, "exp(mixed)", ExpSlice, math.Exp, vmathMix(edges, vmathRandExp(r, 97, -80, 0)))
}

func TestVmathLogBitExact(t *testing.T) {
	vmathRequireKernels(t)
	r := rand.New(rand.NewPCG(3, 4))
	vmathCheck(t, "log[1e-35,1e6]", LogSlice, math.Log, vmathRandLog(r, 1<<18))
	normal := make([]float64, 1<<18) // random positive normal bit patterns
	for i := range normal {
		normal[i] = math.Float64frombits(uint64(1+r.IntN(2046))<<52 | r.Uint64()>>12)
	}
	vmathCheck(t, "log(normal bits)", LogSlice, math.Log, normal)
	sub := make([]float64, 1<<14) // random positive subnormals
	for i := range sub {
		sub[i] = math.Float64frombits(r.Uint64() >> (12 + r.IntN(52)))
	}
	vmathCheck(t, "log(subnormal bits)", LogSlice, math.Log, sub)
	bits := make([]float64, 1<<16) // any bit pattern: signs, zeros, NaN, Inf
	for i := range bits {
		bits[i] = math.Float64frombits(r.Uint64())
	}
	vmathCheck(t, "log(bits)", LogSlice, math.Log, bits)
	edges := vmathLogEdges()
	vmathCheck(t, "log(edges)", LogSlice, math.Log, edges)
	vmathCheck(t, "log(mixed)", LogSlice, math.Log, vmathMix(edges, vmathRandLog(r, 97)))
}

// TestVmathTails checks every length 0..13 at several offsets, with and
// without a special value in each position.
func TestVmathTails(t *testing.T) {
	vmathRequireKernels(t)
	r := rand.New(rand.NewPCG(5, 6))
	expPool := vmathRandExp(r, 64, -80, 0)
	logPool := vmathRandLog(r, 64)
	for n := 0; n <= 13; n++ {
		for off := 0; off < 4; off++ {
			vmathCheck(t, fmt.Sprintf("exp n=%d off=%d", n, off), ExpSlice, math.Exp, expPool[off:off+n])
			vmathCheck(t, fmt.Sprintf("log n=%d off=%d", n, off), LogSlice, math.Log, logPool[off:off+n])
		}
		for p := range n {
			e := append([]float64(nil), expPool[:n]...)
			e[p] = math.NaN()
			vmathCheck(t, fmt.Sprintf("exp n=%d NaN@%d", n, p), ExpSlice, math.Exp, e)
			e[p] = -745.5
			vmathCheck(t, fmt.Sprintf("exp n=%d -745.5@%d", n, p), ExpSlice, math.Exp, e)
			l := append([]float64(nil), logPool[:n]...)
			l[p] = 0
			vmathCheck(t, fmt.Sprintf("log n=%d 0@%d", n, p), LogSlice, math.Log, l)
			l[p] = -2
			vmathCheck(t, fmt.Sprintf("log n=%d -2@%d", n, p), LogSlice, math.Log, l)
		}
	}
}

// TestVmathAlias checks dst == src explicitly (vmathCheck also runs every
// case in place), including blocks routed to the scalar fallback.
func TestVmathAlias(t *testing.T) {
	vmathRequireKernels(t)
	r := rand.New(rand.NewPCG(7, 8))
	x := vmathRandExp(r, 203, -80, 0)
	x[9], x[50], x[51], x[200] = math.Inf(1), -800, math.NaN(), 710
	want := make([]float64, len(x))
	for i, v := range x {
		want[i] = math.Exp(v)
	}
	ExpSlice(x, x)
	for i := range x {
		if !vmathSame(x[i], want[i]) {
			t.Errorf("in-place exp at %d: got %v, want %v", i, x[i], want[i])
		}
	}
	y := vmathRandLog(r, 203)
	y[9], y[50], y[51], y[200] = 0, -1, math.NaN(), math.Inf(1)
	for i, v := range y {
		want[i] = math.Log(v)
	}
	LogSlice(y, y)
	for i := range y {
		if !vmathSame(y[i], want[i]) {
			t.Errorf("in-place log at %d: got %v, want %v", i, y[i], want[i])
		}
	}
}

// TestVmathKernels reports which kernels are in use and fails if a kernel
// supported by the CPU was rejected by the start-up self-check.
func TestVmathKernels(t *testing.T) {
	t.Logf("exp: cpu=%v in use=%v; log: cpu=%v in use=%v", vmathExpCPU, vmathExpOK, vmathLogCPU, vmathLogOK)
	vmathRequireKernels(t)
}

func BenchmarkExpSlice(b *testing.B) {
	src := vmathRandExp(rand.New(rand.NewPCG(9, 10)), 1024, -80, 0)
	dst := make([]float64, len(src))
	b.Run("slice", func(b *testing.B) {
		b.SetBytes(8 * int64(len(src)))
		for b.Loop() {
			ExpSlice(dst, src)
		}
	})
	b.Run("scalar", func(b *testing.B) {
		b.SetBytes(8 * int64(len(src)))
		for b.Loop() {
			for i, x := range src {
				dst[i] = math.Exp(x)
			}
		}
	})
}

func BenchmarkLogSlice(b *testing.B) {
	src := vmathRandLog(rand.New(rand.NewPCG(11, 12)), 1024)
	dst := make([]float64, len(src))
	b.Run("slice", func(b *testing.B) {
		b.SetBytes(8 * int64(len(src)))
		for b.Loop() {
			LogSlice(dst, src)
		}
	})
	b.Run("scalar", func(b *testing.B) {
		b.SetBytes(8 * int64(len(src)))
		for b.Loop() {
			for i, x := range src {
				dst[i] = math.Log(x)
			}
		}
	})
}

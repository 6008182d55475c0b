//go:build amd64 && !noasm && !gccgo && !safe

package simd

import (
	"math"

	"golang.org/x/sys/cpu"
)

// vmathExpCPU reports whether the CPU supports the AVX2 exponential kernel.
// math.archExp takes its FMA path exactly when AVX and FMA are present
// (math.useFMA); expAVX2 replays that path, so it is only used then, and
// it needs AVX2 as well for the 4-lane integer operations.
var vmathExpCPU = cpu.X86.HasAVX && cpu.X86.HasFMA && cpu.X86.HasAVX2

// vmathLogCPU reports whether the CPU supports the AVX2 logarithm kernel
// (math.archLog has a single, FMA-free code path).
var vmathLogCPU = cpu.X86.HasAVX && cpu.X86.HasAVX2

// vmathExpOK and vmathLogOK report whether the AVX2 kernels are in use:
// the CPU supports them and they passed the start-up self-check against
// the math package (see vmathSelfCheck).
var vmathExpOK, vmathLogOK = vmathSelfCheck()

// expAVX2 writes dst[i] = math.Exp(src[i]) for blocks of four, replaying
// archExp's FMA path lane by lane, and stops at the first block with a
// lane off that path (NaN, ±Inf, k = round(x·log2(e)) outside
// [-1022, 1023]) without writing it; it returns the number of elements
// written. len(src) must be a multiple of 4 and len(dst) >= len(src).
// Implemented in vmath_amd64.s.
//
//go:noescape
func expAVX2(dst, src []float64) int

// logAVX2 is the math.Log counterpart of expAVX2: it replays archLog lane
// by lane and stops at the first block holding a zero, negative, NaN or
// +Inf lane. Implemented in vmath_amd64.s.
//
//go:noescape
func logAVX2(dst, src []float64) int

// vmathExpProbes are inputs for which archExp's FMA and SSE paths give
// different results (found by emulating both paths); with them the
// self-check also catches a disagreement between golang.org/x/sys/cpu and
// the runtime's internal/cpu on whether math.Exp uses FMA.
var vmathExpProbes = [...]uint64{
	0xc04182317a968837, 0x407b7188fe077a78, 0xc06fd6fe69058258, 0xc05389d07a5dc648,
	0xc046018124af0805, 0xc042567373772f1b, 0xc033cc1dba98d485, 0x3fe0000000000000,
}

// vmathLogProbes are inputs for the logarithm self-check: powers of two,
// values on both sides of the sqrt(2)/2 adjustment, a subnormal, and
// ordinary values.
var vmathLogProbes = [...]uint64{
	0x3fe6a09e667f3bcd, 0x3fe6a09e667f3bce, 0x3ff0000000000000, 0x4000000000000000,
	0x0000000000000001, 0x3fb999999999999a, 0x412e848000000000, 0x38a5e69e2df6e1a4,
}

// vmathSelfCheck runs each supported kernel once on its probes and keeps it
// only if every result equals the math package's bit for bit. It is a
// guard against environment differences (GODEBUG cpu options, a changed
// math implementation); the tests check that it passes on this machine.
func vmathSelfCheck() (expOK, logOK bool) {
	var src, dst [8]float64
	if vmathExpCPU {
		for i, b := range vmathExpProbes {
			src[i] = math.Float64frombits(b)
		}
		expOK = expAVX2(dst[:], src[:]) == len(src)
		for i, x := range src {
			expOK = expOK && math.Float64bits(dst[i]) == math.Float64bits(math.Exp(x))
		}
	}
	if vmathLogCPU {
		for i, b := range vmathLogProbes {
			src[i] = math.Float64frombits(b)
		}
		logOK = logAVX2(dst[:], src[:]) == len(src)
		for i, x := range src {
			logOK = logOK && math.Float64bits(dst[i]) == math.Float64bits(math.Log(x))
		}
	}
	return expOK, logOK
}

// ExpSlice sets dst[i] = math.Exp(src[i]) for every i, bit for bit.
// len(dst) must equal len(src); dst may be the same slice as src (other
// overlaps are not supported).
//
// When the AVX2+FMA kernel is usable (vmathExpOK), blocks of four go
// through expAVX2, which performs archExp's FMA-path operations lane by
// lane, in the same order, so every result is identical bit for bit. A
// block containing a lane that archExp does not send through its main
// path, i.e. NaN, ±Inf, or k = round(x·log2(e)) outside [-1022, 1023]
// (roughly x < -708.743 or x >= 709.436: overflow to +Inf, denormal or
// zero results), is evaluated with math.Exp, as is the tail of len%4
// elements. Without the kernel every element goes through math.Exp.
func ExpSlice(dst, src []float64) { vmapSlice(dst, src, vmathExpOK, expAVX2, math.Exp) }

// LogSlice sets dst[i] = math.Log(src[i]) for every i, bit for bit.
// len(dst) must equal len(src); dst may be the same slice as src (other
// overlaps are not supported).
//
// When the AVX2 kernel is usable (vmathLogOK), blocks of four go through
// logAVX2, which performs archLog's operations lane by lane, in the same
// order (no FMA, so no contraction), so every result is identical bit for
// bit; positive subnormals stay on the vector path because archLog's
// bit-level frexp is replayed exactly. A block containing ±0, a negative
// number, NaN or +Inf is evaluated with math.Log, as is the tail of len%4
// elements. Without the kernel every element goes through math.Log.
func LogSlice(dst, src []float64) { vmapSlice(dst, src, vmathLogOK, logAVX2, math.Log) }

// vmapSlice sets dst[i] = f(src[i]): through kernel, which writes the
// blocks of four it can and returns how many elements it wrote, when ok;
// the block it stopped at (a lane off its path) and the tail through f.
func vmapSlice(dst, src []float64, ok bool, kernel func(dst, src []float64) int, f func(float64) float64) {
	dst = dst[:len(src)]
	i := 0
	if ok {
		n := len(src) &^ 3
		for i < n {
			i += kernel(dst[i:n], src[i:n])
			if i < n {
				d, s := dst[i:i+4:i+4], src[i:i+4:i+4]
				for j, x := range s {
					d[j] = f(x)
				}
				i += 4
			}
		}
	}
	for ; i < len(src); i++ {
		dst[i] = f(src[i])
	}
}

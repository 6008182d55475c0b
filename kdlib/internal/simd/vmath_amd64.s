//go:build amd64 && !noasm && !gccgo && !safe

#include "textflag.h"

// AVX2 kernels for expSlice and logSlice (see vmath_amd64.go).
//
// Each kernel replays, lane by lane on four float64 values per YMM
// register, exactly the IEEE operations of the standard library's scalar
// routine, in the same order and with the same constants (written with the
// same literals as in $GOROOT/src/math/*.s, so the assembler rounds them
// identically):
//
//	expAVX2 <- math.archExp, FMA path ($GOROOT/src/math/exp_amd64.s)
//	logAVX2 <- math.archLog           ($GOROOT/src/math/log_amd64.s)
//
// Every lane operation used is correctly rounded in the current rounding
// mode exactly like its scalar counterpart (VMULPD/MULSD, VADDPD/ADDSD,
// VDIVPD/DIVSD, VFMADD213PD/VFMADD213SD, VFNMADD231PD/VFNMADD231SD,
// VCVTPD2DQ/CVTSD2SL, ...), and the exact steps (int<->double conversions
// of small integers, bit masks, the 2**k scale built from the integer k)
// produce the same exact values. Some additions and multiplications take
// their operands in the other order than in the scalar code; IEEE + and *
// are commutative (signed zeros included) and no NaN reaches the fast path,
// so the results are identical bit for bit. The log kernel contains no FMA
// instruction (archLog has none), so nothing is contracted.
//
// A block of four with a lane off the scalar routine's fast path is not
// stored: the kernel returns its index and the Go caller evaluates that
// block with the math package. The main loops handle several independent
// blocks per iteration (interleaved, to hide the latency of the long
// dependency chains); a single-block loop handles the rest.

// D4 stores the 8-byte value v four times at sym+off (one YMM constant).
#define D4(sym, off, v) DATA sym+(off)(SB)/8, v; DATA sym+(off+8)(SB)/8, v; DATA sym+(off+16)(SB)/8, v; DATA sym+(off+24)(SB)/8, v

// ---------------------------------------------------------------- exp

#define LOG2E 1.4426950408889634073599246810018920 // 1/LN2
#define LN2U 0.69314718055966295651160180568695068359375 // upper half LN2
#define LN2L 0.28235290563031577122588448175013436025525412068e-12 // lower half LN2

D4(vexpc<>, 0, $LOG2E)
D4(vexpc<>, 32, $-1022.5)
D4(vexpc<>, 64, $1023.5)
D4(vexpc<>, 96, $LN2U)
D4(vexpc<>, 128, $LN2L)
D4(vexpc<>, 160, $0.0625)
D4(vexpc<>, 192, $2.4801587301587301587e-5)
D4(vexpc<>, 224, $1.9841269841269841270e-4)
D4(vexpc<>, 256, $1.3888888888888888889e-3)
D4(vexpc<>, 288, $8.3333333333333333333e-3)
D4(vexpc<>, 320, $4.1666666666666666667e-2)
D4(vexpc<>, 352, $1.6666666666666666667e-1)
D4(vexpc<>, 384, $0.5)
D4(vexpc<>, 416, $1.0)
D4(vexpc<>, 448, $2.0)
D4(vexpc<>, 480, $0x3FF)
GLOBL vexpc<>(SB), RODATA|NOPTR, $512

// One block of the exponential: x, y and k (with kx, its XMM half) are the
// block's registers; Y14 is scratch and Y15 accumulates the fast-path mask.

// x = src[AX+off/8 : +4]; y = x*LOG2E
#define EXP_LOAD(off, x, y) \
	VMOVUPD off(SI)(AX*8), x; \
	VMULPD  vexpc<>+0(SB), x, y

// Fast path iff -1022.5 <= y < 1023.5, i.e. k = round(y) (ties to even,
// as CVTSD2SL) is in [-1022, 1023]: archExp then neither overflows
// (k+1023 >= 0x7FF) nor takes its denormal branch (k+1023 <= 0). The
// compares (GE_OQ, LT_OQ) are false for NaN, and y >= 1024 whenever
// x > Overflow or x = +Inf, so every special case of archExp is excluded.
#define EXP_CHECK(y) \
	VCMPPD $0x1D, vexpc<>+32(SB), y, Y14; \
	VANDPD Y14, Y15, Y15; \
	VCMPPD $0x11, vexpc<>+64(SB), y, Y14; \
	VANDPD Y14, Y15, Y15

// kx = int32(round(y)); y = float64(kx)
#define EXP_ROUND(y, kx) \
	VCVTPD2DQY y, kx; \
	VCVTDQ2PD  kx, y

// x = fma(-y, LN2U, x); x = fma(-y, LN2L, x); x *= 0.0625
#define EXP_REDUCE(x, y) \
	VFNMADD231PD vexpc<>+96(SB), y, x; \
	VFNMADD231PD vexpc<>+128(SB), y, x; \
	VMULPD       vexpc<>+160(SB), x, x

// Taylor series by Horner's rule with FMA: x *= (((C8*x + C7)*x ...)*x + 1)
#define EXP_POLY(x, y) \
	VMOVUPD     vexpc<>+192(SB), y; \
	VFMADD213PD vexpc<>+224(SB), x, y; \
	VFMADD213PD vexpc<>+256(SB), x, y; \
	VFMADD213PD vexpc<>+288(SB), x, y; \
	VFMADD213PD vexpc<>+320(SB), x, y; \
	VFMADD213PD vexpc<>+352(SB), x, y; \
	VFMADD213PD vexpc<>+384(SB), x, y; \
	VFMADD213PD vexpc<>+416(SB), x, y; \
	VMULPD      y, x, x

// x = x*(x+2)
#define EXP_SQUARE(x, y) \
	VADDPD vexpc<>+448(SB), x, y; \
	VMULPD y, x, x

// x = fma(x, x+2, 1)
#define EXP_LAST(x, y) \
	VADDPD      vexpc<>+448(SB), x, y; \
	VFMADD213PD vexpc<>+416(SB), y, x

// x *= 2**k, the scale built as (k+1023)<<52 (a normal number here);
// dst[AX+off/8 : +4] = x
#define EXP_SCALE_STORE(off, x, kx, k) \
	VPMOVSXDQ kx, k; \
	VPADDQ    vexpc<>+480(SB), k, k; \
	VPSLLQ    $52, k, k; \
	VMULPD    k, x, x; \
	VMOVUPD   x, off(DI)(AX*8)

// func expAVX2(dst, src []float64) int
//
// Processes src in blocks of four (len(src) must be a multiple of 4 and
// len(dst) >= len(src)); returns the number of elements written: len(src),
// or the index of the first block holding a lane off archExp's fast path.
TEXT ·expAVX2(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	XORQ AX, AX

	// Four blocks per iteration while at least 16 elements remain and all
	// of them are on the fast path.
exp4:
	LEAQ      16(AX), DX
	CMPQ      DX, CX
	JGT       exp1
	VPCMPEQQ  Y15, Y15, Y15
	EXP_LOAD(0, Y0, Y1)
	EXP_LOAD(32, Y3, Y4)
	EXP_LOAD(64, Y6, Y7)
	EXP_LOAD(96, Y9, Y10)
	EXP_CHECK(Y1)
	EXP_CHECK(Y4)
	EXP_CHECK(Y7)
	EXP_CHECK(Y10)
	VMOVMSKPD Y15, DX
	CMPL      DX, $15
	JNE       exp1
	EXP_ROUND(Y1, X2)
	EXP_ROUND(Y4, X5)
	EXP_ROUND(Y7, X8)
	EXP_ROUND(Y10, X11)
	EXP_REDUCE(Y0, Y1)
	EXP_REDUCE(Y3, Y4)
	EXP_REDUCE(Y6, Y7)
	EXP_REDUCE(Y9, Y10)
	EXP_POLY(Y0, Y1)
	EXP_POLY(Y3, Y4)
	EXP_POLY(Y6, Y7)
	EXP_POLY(Y9, Y10)
	EXP_SQUARE(Y0, Y1)
	EXP_SQUARE(Y3, Y4)
	EXP_SQUARE(Y6, Y7)
	EXP_SQUARE(Y9, Y10)
	EXP_SQUARE(Y0, Y1)
	EXP_SQUARE(Y3, Y4)
	EXP_SQUARE(Y6, Y7)
	EXP_SQUARE(Y9, Y10)
	EXP_SQUARE(Y0, Y1)
	EXP_SQUARE(Y3, Y4)
	EXP_SQUARE(Y6, Y7)
	EXP_SQUARE(Y9, Y10)
	EXP_LAST(Y0, Y1)
	EXP_LAST(Y3, Y4)
	EXP_LAST(Y6, Y7)
	EXP_LAST(Y9, Y10)
	EXP_SCALE_STORE(0, Y0, X2, Y2)
	EXP_SCALE_STORE(32, Y3, X5, Y5)
	EXP_SCALE_STORE(64, Y6, X8, Y8)
	EXP_SCALE_STORE(96, Y9, X11, Y11)
	ADDQ      $16, AX
	JMP       exp4

	// One block per iteration: the last blocks, or up to the first block
	// with a lane off the fast path.
exp1:
	CMPQ      AX, CX
	JGE       expdone
	VPCMPEQQ  Y15, Y15, Y15
	EXP_LOAD(0, Y0, Y1)
	EXP_CHECK(Y1)
	VMOVMSKPD Y15, DX
	CMPL      DX, $15
	JNE       expdone
	EXP_ROUND(Y1, X2)
	EXP_REDUCE(Y0, Y1)
	EXP_POLY(Y0, Y1)
	EXP_SQUARE(Y0, Y1)
	EXP_SQUARE(Y0, Y1)
	EXP_SQUARE(Y0, Y1)
	EXP_LAST(Y0, Y1)
	EXP_SCALE_STORE(0, Y0, X2, Y2)
	ADDQ      $4, AX
	JMP       exp1

expdone:
	VZEROUPPER
	MOVQ AX, ret+48(FP)
	RET

// ---------------------------------------------------------------- log

#define HSqrt2 7.07106781186547524401e-01 // sqrt(2)/2
#define Ln2Hi  6.93147180369123816490e-01 // 0x3fe62e42fee00000
#define Ln2Lo  1.90821492927058770002e-10 // 0x3dea39ef35793c76
#define L1     6.666666666666735130e-01   // 0x3FE5555555555593
#define L2     3.999999999940941908e-01   // 0x3FD999999997FA04
#define L3     2.857142874366239149e-01   // 0x3FD2492494229359
#define L4     2.222219843214978396e-01   // 0x3FCC71C51D8E78AF
#define L5     1.818357216161805012e-01   // 0x3FC7466496CB03DE
#define L6     1.531383769920937332e-01   // 0x3FC39A09D078C69F
#define L7     1.479819860511658591e-01   // 0x3FC2F112DF3E5244

D4(vlogc<>, 0, $0)
D4(vlogc<>, 32, $0x7FEFFFFFFFFFFFFF) // MaxFloat64
D4(vlogc<>, 64, $0x000FFFFFFFFFFFFF)
D4(vlogc<>, 96, $0.5)
D4(vlogc<>, 128, $0x4330000000000000) // 2**52
D4(vlogc<>, 160, $0x43300000000003FE) // 2**52 + 0x3FE
D4(vlogc<>, 192, $HSqrt2)
D4(vlogc<>, 224, $1.0)
D4(vlogc<>, 256, $2.0)
D4(vlogc<>, 288, $L7)
D4(vlogc<>, 320, $L5)
D4(vlogc<>, 352, $L3)
D4(vlogc<>, 384, $L1)
D4(vlogc<>, 416, $L6)
D4(vlogc<>, 448, $L4)
D4(vlogc<>, 480, $L2)
D4(vlogc<>, 512, $Ln2Lo)
D4(vlogc<>, 544, $Ln2Hi)
GLOBL vlogc<>(SB), RODATA|NOPTR, $576

// One block of the logarithm: x, k, f, s, a, b, t are the block's
// registers; Y14 is scratch and Y15 accumulates the fast-path mask.

// x = src[AX+off/8 : +4]; fast path iff 0 < bits(x) <= bits(MaxFloat64) as
// signed integers: x positive, finite and nonzero (archLog's tests for
// ±0, negative numbers, NaN and +Inf). Positive subnormals are on the fast
// path: archLog's bit-level frexp is replayed exactly. Y15 &= (bits > 0),
// then Y15 &^= (bits > MaxFloat64).
#define LOG_LOAD_CHECK(off, x) \
	VMOVUPD  off(SI)(AX*8), x; \
	VPCMPGTQ vlogc<>+0(SB), x, Y14; \
	VPAND    Y14, Y15, Y15; \
	VPCMPGTQ vlogc<>+32(SB), x, Y14; \
	VPANDN   Y15, Y14, Y15

// f = mantissa(x) | 0.5 (f1); k = float64(exponent field - 0x3FE), exactly,
// as 2**52+e - (2**52+0x3FE) (CVTSL2SD gives the same exact value)
#define LOG_FREXP(x, k, f) \
	VANDPD vlogc<>+64(SB), x, f; \
	VORPD  vlogc<>+96(SB), f, f; \
	VPSRLQ $52, x, k; \
	VPOR   vlogc<>+128(SB), k, k; \
	VSUBPD vlogc<>+160(SB), k, k

// a = !(f1 > HSqrt2) (predicate NGT_US): bit for bit archLog's CMPSD
// predicate 5, !(HSqrt2 < f1); then k -= a&1; f1 *= a&1 + 1; f = f1 - 1
#define LOG_ADJUST(k, f, a) \
	VCMPPD $0x0A, vlogc<>+192(SB), f, a; \
	VANDPD vlogc<>+224(SB), a, a; \
	VSUBPD a, k, k; \
	VADDPD vlogc<>+224(SB), a, a; \
	VMULPD a, f, f; \
	VSUBPD vlogc<>+224(SB), f, f

// s = f/(2+f); a = s*s (s2); b = a*a (s4)
#define LOG_S(f, s, a, b) \
	VADDPD vlogc<>+256(SB), f, b; \
	VDIVPD b, f, s; \
	VMULPD s, s, a; \
	VMULPD a, a, b

// a = s2 * (L1 + s4*(L3+s4*(L5+s4*L7))) (t1)
#define LOG_T1(a, b, t) \
	VMULPD vlogc<>+288(SB), b, t; \
	VADDPD vlogc<>+320(SB), t, t; \
	VMULPD b, t, t; \
	VADDPD vlogc<>+352(SB), t, t; \
	VMULPD b, t, t; \
	VADDPD vlogc<>+384(SB), t, t; \
	VMULPD t, a, a

// b = s4 * (L2 + s4*(L4+s4*L6)) (t2)
#define LOG_T2(b, t) \
	VMULPD vlogc<>+416(SB), b, t; \
	VADDPD vlogc<>+448(SB), t, t; \
	VMULPD b, t, t; \
	VADDPD vlogc<>+480(SB), t, t; \
	VMULPD t, b, b

// R = t1 + t2; hfsq = 0.5*f*f;
// k = k*Ln2Hi - ((hfsq - (s*(hfsq+R) + k*Ln2Lo)) - f);
// dst[AX+off/8 : +4] = k
#define LOG_FINISH_STORE(off, x, k, f, s, a, b) \
	VADDPD  b, a, a; \
	VMULPD  vlogc<>+96(SB), f, x; \
	VMULPD  f, x, x; \
	VADDPD  x, a, a; \
	VMULPD  a, s, s; \
	VMULPD  vlogc<>+512(SB), k, b; \
	VADDPD  b, s, s; \
	VSUBPD  s, x, x; \
	VSUBPD  f, x, x; \
	VMULPD  vlogc<>+544(SB), k, k; \
	VSUBPD  x, k, k; \
	VMOVUPD k, off(DI)(AX*8)

// func logAVX2(dst, src []float64) int
//
// Same contract as expAVX2, for archLog.
TEXT ·logAVX2(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	XORQ AX, AX

	// Two blocks per iteration while at least 8 elements remain and all
	// of them are on the fast path.
log2:
	LEAQ      8(AX), DX
	CMPQ      DX, CX
	JGT       log1
	VPCMPEQQ  Y15, Y15, Y15
	LOG_LOAD_CHECK(0, Y0)
	LOG_LOAD_CHECK(32, Y7)
	VMOVMSKPD Y15, DX
	CMPL      DX, $15
	JNE       log1
	LOG_FREXP(Y0, Y1, Y2)
	LOG_FREXP(Y7, Y8, Y9)
	LOG_ADJUST(Y1, Y2, Y4)
	LOG_ADJUST(Y8, Y9, Y11)
	LOG_S(Y2, Y3, Y4, Y5)
	LOG_S(Y9, Y10, Y11, Y12)
	LOG_T1(Y4, Y5, Y6)
	LOG_T1(Y11, Y12, Y13)
	LOG_T2(Y5, Y6)
	LOG_T2(Y12, Y13)
	LOG_FINISH_STORE(0, Y0, Y1, Y2, Y3, Y4, Y5)
	LOG_FINISH_STORE(32, Y7, Y8, Y9, Y10, Y11, Y12)
	ADDQ      $8, AX
	JMP       log2

	// One block per iteration: the last block, or up to the first block
	// with a lane off the fast path.
log1:
	CMPQ      AX, CX
	JGE       logdone
	VPCMPEQQ  Y15, Y15, Y15
	LOG_LOAD_CHECK(0, Y0)
	VMOVMSKPD Y15, DX
	CMPL      DX, $15
	JNE       logdone
	LOG_FREXP(Y0, Y1, Y2)
	LOG_ADJUST(Y1, Y2, Y4)
	LOG_S(Y2, Y3, Y4, Y5)
	LOG_T1(Y4, Y5, Y6)
	LOG_T2(Y5, Y6)
	LOG_FINISH_STORE(0, Y0, Y1, Y2, Y3, Y4, Y5)
	ADDQ      $4, AX
	JMP       log1

logdone:
	VZEROUPPER
	MOVQ AX, ret+48(FP)
	RET

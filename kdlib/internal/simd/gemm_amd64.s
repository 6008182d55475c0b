#include "textflag.h"

// One k-step (8 lanes) of the 3×4 block: rows a0..a2 (SI, R8, R9) against
// rows b0..b3 (DI, R10, R12, R13) at byte offset R11; the accumulator of
// (a_r, b_q) is Y(3q+r).
#define STEP3x4 \
	VMOVUPS     (SI)(R11*1), Y12 \
	VMOVUPS     (R8)(R11*1), Y13 \
	VMOVUPS     (R9)(R11*1), Y14 \
	VMOVUPS     (DI)(R11*1), Y15 \
	VFMADD231PS Y15, Y12, Y0     \
	VFMADD231PS Y15, Y13, Y1     \
	VFMADD231PS Y15, Y14, Y2     \
	VMOVUPS     (R10)(R11*1), Y15 \
	VFMADD231PS Y15, Y12, Y3     \
	VFMADD231PS Y15, Y13, Y4     \
	VFMADD231PS Y15, Y14, Y5     \
	VMOVUPS     (R12)(R11*1), Y15 \
	VFMADD231PS Y15, Y12, Y6     \
	VFMADD231PS Y15, Y13, Y7     \
	VFMADD231PS Y15, Y14, Y8     \
	VMOVUPS     (R13)(R11*1), Y15 \
	VFMADD231PS Y15, Y12, Y9     \
	VFMADD231PS Y15, Y13, Y10    \
	VFMADD231PS Y15, Y14, Y11

// The horizontal sums of row r's four accumulators, in the tree of
// dot4AVX2 ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)) for every element, leave
// [c_r0 c_r1 c_r2 c_r3] in the low half of Y(r).
#define REDUCE(q0, q1, q2, q3, x0) \
	VHADDPS q1, q0, q0          \
	VHADDPS q3, q2, q2          \
	VHADDPS q2, q0, q0          \
	VEXTRACTF128 $1, q0, X12    \
	VADDPS  X12, x0, x0

// func nt3x4AVX2(a *float32, lda int, b *float32, ldb, k int, c *float32, ldc, groups int, acc bool)
// For g in [0, groups): the 3×4 block of dot products of the rows a,
// a + lda, a + 2·lda (k values each, k a positive multiple of 8) with the
// rows b + (4g+q)·ldb (q = 0..3), stored to (acc false) or added to (acc
// true) row r of c (c + r·ldc) at columns 4g .. 4g+3. Every element
// accumulates lane-wise with FMA over k and is reduced by dot4AVX2's tree,
// so it is bit-identical to Dot4's. For k ≤ 512, while a group is
// computed, the 4·ldb values after its rows (the next group's rows when b
// is packed) are prefetched, two cache lines per step: short rows are
// consumed too fast for the hardware prefetcher to bring them from L3 in
// time; longer ones are left to it.
TEXT ·nt3x4AVX2(SB), NOSPLIT, $0-65
	MOVQ a+0(FP), SI
	MOVQ lda+8(FP), R8
	SHLQ $2, R8
	LEAQ (SI)(R8*2), R9      // a row 2
	ADDQ SI, R8              // a row 1
	MOVQ b+16(FP), DI
	MOVQ ldb+24(FP), R14
	SHLQ $2, R14             // row stride of b in bytes
	MOVQ k+32(FP), CX
	SHLQ $2, CX              // row length in bytes
	MOVQ c+40(FP), AX
	MOVQ ldc+48(FP), DX
	SHLQ $2, DX              // row stride of c in bytes
	MOVQ groups+56(FP), R15
	TESTQ R15, R15
	JZ   done

group:
	LEAQ (DI)(R14*1), R10
	LEAQ (R10)(R14*1), R12
	LEAQ (R12)(R14*1), R13
	LEAQ (R13)(R14*1), BX    // the next group's rows
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	XORQ R11, R11
	CMPQ CX, $2048
	JA   kloop

kloopPF:
	PREFETCHT0 (BX)(R11*4)
	PREFETCHT0 64(BX)(R11*4)
	STEP3x4
	ADDQ $32, R11
	CMPQ R11, CX
	JB   kloopPF
	JMP  reduce

kloop:
	STEP3x4
	ADDQ $32, R11
	CMPQ R11, CX
	JB   kloop

reduce:
	REDUCE(Y0, Y3, Y6, Y9, X0)
	REDUCE(Y1, Y4, Y7, Y10, X1)
	REDUCE(Y2, Y5, Y8, Y11, X2)
	CMPB acc+64(FP), $0
	JEQ  store
	VADDPS (AX), X0, X0
	VADDPS (AX)(DX*1), X1, X1
	VADDPS (AX)(DX*2), X2, X2

store:
	VMOVUPS X0, (AX)
	VMOVUPS X1, (AX)(DX*1)
	VMOVUPS X2, (AX)(DX*2)
	ADDQ $16, AX
	MOVQ BX, DI
	DECQ R15
	JNZ  group

done:
	VZEROUPPER
	RET

// func fmaPeakAVX2(n int)
// n iterations of 12 independent 8-lane fused multiply-adds on registers
// only: the machine's float32 peak (192 flops per iteration), for the
// benchmark that reports how close the kernels come to it.
TEXT ·fmaPeakAVX2(SB), NOSPLIT, $0-8
	MOVQ n+0(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	TESTQ CX, CX
	JZ   pdone

ploop:
	VFMADD231PS Y12, Y13, Y0
	VFMADD231PS Y12, Y13, Y1
	VFMADD231PS Y12, Y13, Y2
	VFMADD231PS Y12, Y13, Y3
	VFMADD231PS Y12, Y13, Y4
	VFMADD231PS Y12, Y13, Y5
	VFMADD231PS Y12, Y13, Y6
	VFMADD231PS Y12, Y13, Y7
	VFMADD231PS Y12, Y13, Y8
	VFMADD231PS Y12, Y13, Y9
	VFMADD231PS Y12, Y13, Y10
	VFMADD231PS Y12, Y13, Y11
	DECQ CX
	JNZ  ploop

pdone:
	VZEROUPPER
	RET

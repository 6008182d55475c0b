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

// One k-step (8 lanes) of the 6×8 block of nt6x8AVX512. The pair registers
// Z24, Z25, Z26 hold rows (0,1), (2,3), (4,5) of a: row 2p in the low 256
// bits, row 2p+1 in the high. Column q of b is broadcast to both halves of
// Z27, so Z(8p+q) accumulates the lanes of (a_2p, b_q) in its low half and
// of (a_2p+1, b_q) in its high half: lane for lane the fused multiply-adds
// of the 8-lane kernels. a's rows: SI (0, 1, 2) and R9 (3, 4, 5), stride R8;
// b's rows: DI (0, 1, 2, 4), R10 (3, 5, 7), R12 (6), stride R14; all five
// pointers advance by one step.
#define STEP6x8 \
	VMOVUPS       (SI), Y24            \
	VINSERTF32X8  $1, (SI)(R8*1), Z24, Z24 \
	VMOVUPS       (SI)(R8*2), Y25      \
	VINSERTF32X8  $1, (R9), Z25, Z25   \
	VMOVUPS       (R9)(R8*1), Y26      \
	VINSERTF32X8  $1, (R9)(R8*2), Z26, Z26 \
	VBROADCASTF32X8 (DI), Z27          \
	VFMADD231PS   Z27, Z24, Z0         \
	VFMADD231PS   Z27, Z25, Z8         \
	VFMADD231PS   Z27, Z26, Z16        \
	VBROADCASTF32X8 (DI)(R14*1), Z28   \
	VFMADD231PS   Z28, Z24, Z1         \
	VFMADD231PS   Z28, Z25, Z9         \
	VFMADD231PS   Z28, Z26, Z17        \
	VBROADCASTF32X8 (DI)(R14*2), Z27   \
	VFMADD231PS   Z27, Z24, Z2         \
	VFMADD231PS   Z27, Z25, Z10        \
	VFMADD231PS   Z27, Z26, Z18        \
	VBROADCASTF32X8 (R10), Z28         \
	VFMADD231PS   Z28, Z24, Z3         \
	VFMADD231PS   Z28, Z25, Z11        \
	VFMADD231PS   Z28, Z26, Z19        \
	VBROADCASTF32X8 (DI)(R14*4), Z27   \
	VFMADD231PS   Z27, Z24, Z4         \
	VFMADD231PS   Z27, Z25, Z12        \
	VFMADD231PS   Z27, Z26, Z20        \
	VBROADCASTF32X8 (R10)(R14*2), Z28  \
	VFMADD231PS   Z28, Z24, Z5         \
	VFMADD231PS   Z28, Z25, Z13        \
	VFMADD231PS   Z28, Z26, Z21        \
	VBROADCASTF32X8 (R12), Z27         \
	VFMADD231PS   Z27, Z24, Z6         \
	VFMADD231PS   Z27, Z25, Z14        \
	VFMADD231PS   Z27, Z26, Z22        \
	VBROADCASTF32X8 (R10)(R14*4), Z28  \
	VFMADD231PS   Z28, Z24, Z7         \
	VFMADD231PS   Z28, Z25, Z15        \
	VFMADD231PS   Z28, Z26, Z23        \
	ADDQ $32, SI                       \
	ADDQ $32, R9                       \
	ADDQ $32, DI                       \
	ADDQ $32, R10                      \
	ADDQ $32, R12

// HADD2(x, y, t): x = [x0+x1, x2+x3, y0+y1, y2+y3] in every 128-bit
// lane — VHADDPS's result, which has no 512-bit form (the additions
// commute exactly, so the order of the operands within each does not
// matter).
#define HADD2(x, y, t) \
	VSHUFPS $0x88, y, x, t \
	VSHUFPS $0xDD, y, x, x \
	VADDPS  t, x, x

// REDUCE8(q0, q1, q2, q3): the four accumulators q0..q3 of
// a pair of rows (columns j..j+3) reduced by dot4AVX2's tree,
// ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)) for each half, leaving row 2p's
// four values in the low 128 bits of q0 and row 2p+1's in bits 256..383;
// q1..q3 and Z29..Z31 are clobbered.
#define REDUCE8(q0, q1, q2, q3) \
	HADD2(q0, q1, Z29)          \
	HADD2(q2, q3, Z30)          \
	HADD2(q0, q2, Z29)          \
	VSHUFF32X4 $0xB1, q0, q0, Z31 \
	VADDPS  Z31, q0, q0

// STORE8(q, xq, off): stores (or adds, when SI ≠ 0) the values REDUCE8 left in
// q: row 2p's at AX+off, row 2p+1's one row of c further (AX+DX+off); the
// pair's rows start at AX (the caller moves AX between pairs).
#define STORE8(q, xq, off) \
	VEXTRACTF32X4 $2, q, X31   \
	TESTQ SI, SI               \
	JEQ  3(PC)                 \
	VADDPS off(AX), xq, xq     \
	VADDPS off(AX)(DX*1), X31, X31 \
	VMOVUPS xq, off(AX)        \
	VMOVUPS X31, off(AX)(DX*1)

// func nt6x8AVX512(a *float32, lda int, b *float32, ldb, k int, c *float32, ldc, groups int, acc bool)
// For g in [0, groups): the 6×8 block of dot products of the rows a + r·lda
// (r = 0..5, k values each, k a positive multiple of 8) with the rows
// b + (8g+q)·ldb (q = 0..7), stored to (acc false) or added to (acc true)
// row r of c (c + r·ldc) at columns 8g .. 8g+7. Each 512-bit accumulator
// carries two 8-lane accumulators of nt3x4AVX2 side by side (two rows of a,
// one of b), every lane sees the same fused multiply-adds in the same order,
// and the reduction follows dot4AVX2's tree, so every element is
// bit-identical to Dot4's for its pair of rows — twice the lanes per
// instruction where the machine executes 512-bit FMAs at full width. For
// k ≤ 512 the next group's rows (when b is packed) are prefetched, four
// cache lines per step.
TEXT ·nt6x8AVX512(SB), NOSPLIT, $0-65
	MOVQ lda+8(FP), R8
	SHLQ $2, R8              // a's row stride in bytes
	MOVQ ldb+24(FP), R14
	SHLQ $2, R14             // b's row stride in bytes
	MOVQ k+32(FP), CX
	SHRQ $3, CX              // steps
	MOVQ c+40(FP), AX
	MOVQ ldc+48(FP), DX
	SHLQ $2, DX              // c's row stride in bytes
	MOVQ groups+56(FP), R15
	MOVQ b+16(FP), BX        // this group's first row of b
	TESTQ R15, R15
	JZ   done512

group512:
	MOVQ a+0(FP), SI
	LEAQ (SI)(R8*2), R9
	ADDQ R8, R9              // a row 3
	MOVQ BX, DI
	LEAQ (DI)(R14*2), R10
	ADDQ R14, R10            // b row 3
	LEAQ (R10)(R14*2), R12
	ADDQ R14, R12            // b row 6
	LEAQ (R12)(R14*2), R13   // the next group's rows
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	MOVQ CX, R11
	CMPQ CX, $64
	JA   kloop512

kloopPF512:
	PREFETCHT0 (R13)
	PREFETCHT0 64(R13)
	PREFETCHT0 128(R13)
	PREFETCHT0 192(R13)
	ADDQ $256, R13
	STEP6x8
	DECQ R11
	JNZ  kloopPF512
	JMP  reduce512

kloop512:
	STEP6x8
	DECQ R11
	JNZ  kloop512

reduce512:
	MOVQ AX, R11             // c's rows of this group
	MOVBQZX acc+64(FP), SI
	REDUCE8(Z0, Z1, Z2, Z3)
	REDUCE8(Z4, Z5, Z6, Z7)
	STORE8(Z0, X0, 0)
	STORE8(Z4, X4, 16)
	LEAQ (AX)(DX*2), AX
	REDUCE8(Z8, Z9, Z10, Z11)
	REDUCE8(Z12, Z13, Z14, Z15)
	STORE8(Z8, X8, 0)
	STORE8(Z12, X12, 16)
	LEAQ (AX)(DX*2), AX
	REDUCE8(Z16, Z17, Z18, Z19)
	REDUCE8(Z20, Z21, Z22, Z23)
	STORE8(Z16, X16, 0)
	STORE8(Z20, X20, 16)
	LEAQ 32(R11), AX         // the next group's columns
	LEAQ (BX)(R14*8), BX
	DECQ R15
	JNZ  group512

done512:
	VZEROUPPER
	RET

// func fmaPeakAVX512(n int)
// n iterations of 12 independent 16-lane fused multiply-adds on registers
// only (384 flops per iteration): the float32 peak with 512-bit vectors.
TEXT ·fmaPeakAVX512(SB), NOSPLIT, $0-8
	MOVQ n+0(FP), CX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	TESTQ CX, CX
	JZ   p512done

p512loop:
	VFMADD231PS Z12, Z13, Z0
	VFMADD231PS Z12, Z13, Z1
	VFMADD231PS Z12, Z13, Z2
	VFMADD231PS Z12, Z13, Z3
	VFMADD231PS Z12, Z13, Z4
	VFMADD231PS Z12, Z13, Z5
	VFMADD231PS Z12, Z13, Z6
	VFMADD231PS Z12, Z13, Z7
	VFMADD231PS Z12, Z13, Z8
	VFMADD231PS Z12, Z13, Z9
	VFMADD231PS Z12, Z13, Z10
	VFMADD231PS Z12, Z13, Z11
	DECQ CX
	JNZ  p512loop

p512done:
	VZEROUPPER
	RET

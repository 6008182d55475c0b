#include "textflag.h"

// One k-step (8 floats) of the 4×12 block of nt4x12AVX512: rows a0..a3
// broadcast to both halves of Z24..Z27; for q = 0..5 the rows b_q (low
// half) and b_{q+6} (high half) in Z28; the accumulator of rows (a_r, b_q)
// and (a_r, b_{q+6}) is Z(6r+q). Every 8-lane half performs exactly the
// fused multiply-adds of nt3x4AVX2's accumulator for its pair of rows.
#define BPAIR(lo, hi) \
	VMOVUPS       lo, Y28          \
	VINSERTF64X4  $1, hi, Z28, Z28

#define FMA4(r0, r1, r2, r3) \
	VFMADD231PS Z28, Z24, r0     \
	VFMADD231PS Z28, Z25, r1     \
	VFMADD231PS Z28, Z26, r2     \
	VFMADD231PS Z28, Z27, r3

// HADD(a, b, t) sets a to [a0+a1, a2+a3, b0+b1, b2+b3] in every 128-bit
// lane (VHADDPS's sums, each of the same two operands), t scratch.
#define HADD(a, b, t) \
	VSHUFPS $0xdd, b, a, t \
	VSHUFPS $0x88, b, a, a \
	VADDPS  t, a, a

// REDUCE4(q0, q1, q2, q3) leaves, in the 128-bit lanes 0 and 2 of q0, the
// sums of the low and of the high halves of q0..q3 by nt3x4AVX2's tree
// ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)): lane 0 = [q0.lo q1.lo q2.lo q3.lo],
// lane 2 = [q0.hi q1.hi q2.hi q3.hi]. Z29, Z30 are scratch.
#define REDUCE4(q0, q1, q2, q3) \
	HADD(q0, q1, Z29)              \
	HADD(q2, q3, Z29)              \
	HADD(q0, q2, Z29)              \
	VSHUFF32X4 $0xb1, q0, q0, Z30  \
	VADDPS     Z30, q0, q0

// func nt4x12AVX512(a *float32, lda int, b *float32, ldb, k int, c *float32, ldc, groups int, acc bool)
// For g in [0, groups): the 4×12 block of dot products of the rows a + r·lda
// (r = 0..3, k values each, k a positive multiple of 8) with the rows
// b + (12g+j)·ldb (j = 0..11), stored to (acc false) or added to (acc true)
// c + r·ldc at columns 12g .. 12g+11. Every element accumulates lane-wise
// with FMA over k in 8 lanes and is reduced by nt3x4AVX2's tree, so it is
// bit-identical to nt3x4AVX2's (and Dot4's): a 16-lane register holds two
// such 8-lane accumulators, which doubles the work per instruction.
TEXT ·nt4x12AVX512(SB), NOSPLIT, $0-65
	MOVQ lda+8(FP), R13
	SHLQ $2, R13             // row stride of a in bytes
	MOVQ b+16(FP), R15       // the group's first row of b
	MOVQ ldb+24(FP), R8
	SHLQ $2, R8              // row stride of b in bytes
	MOVQ c+40(FP), AX
	MOVQ groups+56(FP), R11
	TESTQ R11, R11
	JZ   done

group:
	MOVQ a+0(FP), SI         // a rows 0..2: (SI), (SI)(R13*1), (SI)(R13*2)
	LEAQ (SI)(R13*2), R14
	ADDQ R13, R14            // a row 3
	MOVQ R15, BX             // b rows 0..2
	LEAQ (BX)(R8*2), R9
	ADDQ R8, R9              // b rows 3..5
	LEAQ (R9)(R8*2), R10
	ADDQ R8, R10             // b rows 6..8
	LEAQ (R10)(R8*2), R12
	ADDQ R8, R12             // b rows 9..11
	LEAQ (R12)(R8*2), R15
	ADDQ R8, R15             // the next group's first row
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	VXORPS Z6, Z6, Z6
	VXORPS Z7, Z7, Z7
	VXORPS Z8, Z8, Z8
	VXORPS Z9, Z9, Z9
	VXORPS Z10, Z10, Z10
	VXORPS Z11, Z11, Z11
	VXORPS Z12, Z12, Z12
	VXORPS Z13, Z13, Z13
	VXORPS Z14, Z14, Z14
	VXORPS Z15, Z15, Z15
	VXORPS Z16, Z16, Z16
	VXORPS Z17, Z17, Z17
	VXORPS Z18, Z18, Z18
	VXORPS Z19, Z19, Z19
	VXORPS Z20, Z20, Z20
	VXORPS Z21, Z21, Z21
	VXORPS Z22, Z22, Z22
	VXORPS Z23, Z23, Z23
	MOVQ k+32(FP), CX
	SHRQ $3, CX              // steps of 8 floats

kloop:
	VBROADCASTF64X4 (SI), Z24
	VBROADCASTF64X4 (SI)(R13*1), Z25
	VBROADCASTF64X4 (SI)(R13*2), Z26
	VBROADCASTF64X4 (R14), Z27
	BPAIR((BX), (R10))
	FMA4(Z0, Z6, Z12, Z18)
	BPAIR((BX)(R8*1), (R10)(R8*1))
	FMA4(Z1, Z7, Z13, Z19)
	BPAIR((BX)(R8*2), (R10)(R8*2))
	FMA4(Z2, Z8, Z14, Z20)
	BPAIR((R9), (R12))
	FMA4(Z3, Z9, Z15, Z21)
	BPAIR((R9)(R8*1), (R12)(R8*1))
	FMA4(Z4, Z10, Z16, Z22)
	BPAIR((R9)(R8*2), (R12)(R8*2))
	FMA4(Z5, Z11, Z17, Z23)
	ADDQ $32, SI
	ADDQ $32, R14
	ADDQ $32, BX
	ADDQ $32, R9
	ADDQ $32, R10
	ADDQ $32, R12
	DECQ CX
	JNZ  kloop

	// Row r: its columns 0..3 and 6..9 from Z(6r)..Z(6r+3), its columns
	// 4, 5, 10 and 11 from Z(6r+4), Z(6r+5) (reduced with copies of
	// themselves, whose sums are not stored).
	MOVQ ldc+48(FP), DX
	SHLQ $2, DX
	MOVQ AX, DI
	REDUCE4(Z0, Z1, Z2, Z3)
	VMOVAPS Z4, Z31
	VMOVAPS Z5, Z28
	REDUCE4(Z4, Z5, Z31, Z28)
	REDUCE4(Z6, Z7, Z8, Z9)
	VMOVAPS Z10, Z31
	VMOVAPS Z11, Z28
	REDUCE4(Z10, Z11, Z31, Z28)
	REDUCE4(Z12, Z13, Z14, Z15)
	VMOVAPS Z16, Z31
	VMOVAPS Z17, Z28
	REDUCE4(Z16, Z17, Z31, Z28)
	REDUCE4(Z18, Z19, Z20, Z21)
	VMOVAPS Z22, Z31
	VMOVAPS Z23, Z28
	REDUCE4(Z22, Z23, Z31, Z28)
	// Lane 2 of each reduced register to lane 0 of another.
	VEXTRACTF32X4 $2, Z0, X24
	VEXTRACTF32X4 $2, Z4, X25
	VEXTRACTF32X4 $2, Z6, X26
	VEXTRACTF32X4 $2, Z10, X27
	VEXTRACTF32X4 $2, Z12, X28
	VEXTRACTF32X4 $2, Z16, X29
	VEXTRACTF32X4 $2, Z18, X30
	VEXTRACTF32X4 $2, Z22, X31
	CMPB acc+64(FP), $0
	JEQ  store
	VADDPS (DI), X0, X0
	VADDPS 24(DI), X24, X24
	VMOVSD 16(DI), X1
	VADDPS X1, X4, X4
	VMOVSD 40(DI), X1
	VADDPS X1, X25, X25
	ADDQ DX, DI
	VADDPS (DI), X6, X6
	VADDPS 24(DI), X26, X26
	VMOVSD 16(DI), X1
	VADDPS X1, X10, X10
	VMOVSD 40(DI), X1
	VADDPS X1, X27, X27
	ADDQ DX, DI
	VADDPS (DI), X12, X12
	VADDPS 24(DI), X28, X28
	VMOVSD 16(DI), X1
	VADDPS X1, X16, X16
	VMOVSD 40(DI), X1
	VADDPS X1, X29, X29
	ADDQ DX, DI
	VADDPS (DI), X18, X18
	VADDPS 24(DI), X30, X30
	VMOVSD 16(DI), X1
	VADDPS X1, X22, X22
	VMOVSD 40(DI), X1
	VADDPS X1, X31, X31
	MOVQ AX, DI

store:
	VMOVUPS X0, (DI)
	VMOVUPS X24, 24(DI)
	VMOVSD  X4, 16(DI)
	VMOVSD  X25, 40(DI)
	ADDQ DX, DI
	VMOVUPS X6, (DI)
	VMOVUPS X26, 24(DI)
	VMOVSD  X10, 16(DI)
	VMOVSD  X27, 40(DI)
	ADDQ DX, DI
	VMOVUPS X12, (DI)
	VMOVUPS X28, 24(DI)
	VMOVSD  X16, 16(DI)
	VMOVSD  X29, 40(DI)
	ADDQ DX, DI
	VMOVUPS X18, (DI)
	VMOVUPS X30, 24(DI)
	VMOVSD  X22, 16(DI)
	VMOVSD  X31, 40(DI)
	ADDQ $48, AX
	DECQ R11
	JNZ  group

done:
	VZEROUPPER
	RET

//go:build amd64 && !noasm && !gccgo && !safe

#include "textflag.h"

// Kernels over a whole catalogue row (HetComp): several dot products of one
// row against the rows of a transposed item table, the scores of one user
// through their clamped exponentials, and the masked sums of those
// exponentials in blocks of 256.

// The dot products follow dotSSE's order on every alignment: an 8-lane
// accumulator [s0..s3 | p0..p3] takes x·w at offsets 0..7 and then 8..15 of
// each block of 16 (s gets offsets j and 8+j, p gets 4+j and 12+j, in that
// order), then s += p, s += x·w per remaining group of 4, s0 += x·w per
// remaining element, and (s0+s1)+(s2+s3). Products are rounded before they
// are added (VMULPS then VADDPS, no FMA). Y4, Y5 hold x; Y6, Y7 scratch.

#define DOTBLK(ptr, acc) \
	VMULPS (ptr), Y4, Y6    \
	VADDPS Y6, acc, acc     \
	VMULPS 32(ptr), Y5, Y7  \
	VADDPS Y7, acc, acc     \
	ADDQ   $64, ptr

#define FOLD(acc, xacc) \
	VEXTRACTF128 $1, acc, X6 \
	VADDPS       X6, xacc, xacc

#define DOT4(ptr, xacc) \
	VMULPS (ptr), X4, X6 \
	VADDPS X6, xacc, xacc \
	ADDQ   $16, ptr

#define DOT1(ptr, xacc) \
	VMULSS (ptr), X4, X6 \
	VADDSS X6, xacc, xacc \
	ADDQ   $4, ptr

// func dots6AVX(x []float32, w *float32, stride int, out *float32)
// out[r] = Σ x[t]·w[r·stride/4 + t] for r < 6 (stride in bytes). Each
// accumulator's additions form a chain across the blocks, so a pass costs
// about the same for one row as for six: the more rows per pass the better.
TEXT ·dots6AVX(SB), NOSPLIT, $0-48
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ w+24(FP), R8
	MOVQ stride+32(FP), DX
	LEAQ (R8)(DX*1), R9
	LEAQ (R9)(DX*1), R10
	LEAQ (R10)(DX*1), R11
	LEAQ (R11)(DX*1), R12
	LEAQ (R12)(DX*1), R13
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9

d6blk:
	CMPQ    CX, $16
	JL      d6fold
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	DOTBLK(R8, Y0)
	DOTBLK(R9, Y1)
	DOTBLK(R10, Y2)
	DOTBLK(R11, Y3)
	DOTBLK(R12, Y8)
	DOTBLK(R13, Y9)
	ADDQ    $64, SI
	SUBQ    $16, CX
	JMP     d6blk

d6fold:
	FOLD(Y0, X0)
	FOLD(Y1, X1)
	FOLD(Y2, X2)
	FOLD(Y3, X3)
	FOLD(Y8, X8)
	FOLD(Y9, X9)

d6tail4:
	CMPQ    CX, $4
	JL      d6tail1
	VMOVUPS (SI), X4
	DOT4(R8, X0)
	DOT4(R9, X1)
	DOT4(R10, X2)
	DOT4(R11, X3)
	DOT4(R12, X8)
	DOT4(R13, X9)
	ADDQ    $16, SI
	SUBQ    $4, CX
	JMP     d6tail4

d6tail1:
	CMPQ   CX, $0
	JE     d6sum
	VMOVSS (SI), X4
	DOT1(R8, X0)
	DOT1(R9, X1)
	DOT1(R10, X2)
	DOT1(R11, X3)
	DOT1(R12, X8)
	DOT1(R13, X9)
	ADDQ   $4, SI
	DECQ   CX
	JMP    d6tail1

d6sum:
	VHADDPS X1, X0, X4
	VHADDPS X3, X2, X5
	VHADDPS X5, X4, X6
	MOVQ    out+40(FP), DI
	VMOVUPS X6, (DI)
	VHADDPS X9, X8, X4
	VHADDPS X4, X4, X6
	VMOVSD  X6, 16(DI)
	VZEROUPPER
	RET

// func dots4AVX(x []float32, w *float32, stride int, out *float32)
// out[r] = Σ x[t]·w[r·stride/4 + t] for r < 4 (stride in bytes).
TEXT ·dots4AVX(SB), NOSPLIT, $0-48
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ w+24(FP), R8
	MOVQ stride+32(FP), DX
	LEAQ (R8)(DX*1), R9
	LEAQ (R9)(DX*1), R10
	LEAQ (R10)(DX*1), R11
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

d4blk:
	CMPQ    CX, $16
	JL      d4fold
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	DOTBLK(R8, Y0)
	DOTBLK(R9, Y1)
	DOTBLK(R10, Y2)
	DOTBLK(R11, Y3)
	ADDQ    $64, SI
	SUBQ    $16, CX
	JMP     d4blk

d4fold:
	FOLD(Y0, X0)
	FOLD(Y1, X1)
	FOLD(Y2, X2)
	FOLD(Y3, X3)

d4tail4:
	CMPQ    CX, $4
	JL      d4tail1
	VMOVUPS (SI), X4
	DOT4(R8, X0)
	DOT4(R9, X1)
	DOT4(R10, X2)
	DOT4(R11, X3)
	ADDQ    $16, SI
	SUBQ    $4, CX
	JMP     d4tail4

d4tail1:
	CMPQ   CX, $0
	JE     d4sum
	VMOVSS (SI), X4
	DOT1(R8, X0)
	DOT1(R9, X1)
	DOT1(R10, X2)
	DOT1(R11, X3)
	ADDQ   $4, SI
	DECQ   CX
	JMP    d4tail1

d4sum:
	VHADDPS X1, X0, X4
	VHADDPS X3, X2, X5
	VHADDPS X5, X4, X6
	MOVQ    out+40(FP), DI
	VMOVUPS X6, (DI)
	VZEROUPPER
	RET

// func dots2AVX(x []float32, w *float32, stride int, out *float32)
// dots4AVX for two rows.
TEXT ·dots2AVX(SB), NOSPLIT, $0-48
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ w+24(FP), R8
	MOVQ stride+32(FP), DX
	LEAQ (R8)(DX*1), R9
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1

d2blk:
	CMPQ    CX, $16
	JL      d2fold
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	DOTBLK(R8, Y0)
	DOTBLK(R9, Y1)
	ADDQ    $64, SI
	SUBQ    $16, CX
	JMP     d2blk

d2fold:
	FOLD(Y0, X0)
	FOLD(Y1, X1)

d2tail4:
	CMPQ    CX, $4
	JL      d2tail1
	VMOVUPS (SI), X4
	DOT4(R8, X0)
	DOT4(R9, X1)
	ADDQ    $16, SI
	SUBQ    $4, CX
	JMP     d2tail4

d2tail1:
	CMPQ   CX, $0
	JE     d2sum
	VMOVSS (SI), X4
	DOT1(R8, X0)
	DOT1(R9, X1)
	ADDQ   $4, SI
	DECQ   CX
	JMP    d2tail1

d2sum:
	VHADDPS X1, X0, X4
	VHADDPS X4, X4, X6
	MOVQ    out+40(FP), DI
	VMOVSD  X6, (DI)
	VZEROUPPER
	RET

// func dots1AVX(x []float32, w *float32, out *float32)
// dots4AVX for one row.
TEXT ·dots1AVX(SB), NOSPLIT, $0-40
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ w+24(FP), R8
	VXORPS Y0, Y0, Y0

d1blk:
	CMPQ    CX, $16
	JL      d1fold
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	DOTBLK(R8, Y0)
	ADDQ    $64, SI
	SUBQ    $16, CX
	JMP     d1blk

d1fold:
	FOLD(Y0, X0)

d1tail4:
	CMPQ    CX, $4
	JL      d1tail1
	VMOVUPS (SI), X4
	DOT4(R8, X0)
	ADDQ    $16, SI
	SUBQ    $4, CX
	JMP     d1tail4

d1tail1:
	CMPQ   CX, $0
	JE     d1sum
	VMOVSS (SI), X4
	DOT1(R8, X0)
	ADDQ   $4, SI
	DECQ   CX
	JMP    d1tail1

d1sum:
	VHADDPS X0, X0, X4
	VHADDPS X4, X4, X6
	MOVQ    out+32(FP), DI
	VMOVSS  X6, (DI)
	VZEROUPPER
	RET

// Masked absolute value of 8 exponentials of block k at offset BX (floats):
// |e| (e negated when e < 0, as the scalar code does, so NaN and −0 stay)
// where the mark is 0, +0 elsewhere. Y14 holds the sign bit, Y15 zero;
// Y8, Y9 scratch.
#define MASKABS(k, yk) \
	VMOVUPS   (k*1024)(SI)(BX*4), yk \
	VPMOVZXBD (k*256)(DI)(BX*1), Y8  \
	VPCMPEQD  Y15, Y8, Y8            \
	VCMPPS    $1, Y15, yk, Y9        \
	VANDPS    Y14, Y9, Y9            \
	VXORPS    Y9, yk, yk             \
	VANDPS    Y8, yk, yk

// func restMassAVX(row []float32, mark []uint8, out []float32)
// For every group g of 8 consecutive blocks of 256 (len(row) = 2048·g):
// out[8g+k] = the float32 sum, in order, of the masked |e| of block k.
// Lane k of Y13 is block k's sum; each step loads 8 entries of each of
// the 8 blocks, transposes them and adds the 8 columns in order.
TEXT ·restMassAVX(SB), NOSPLIT, $0-72
	MOVQ     row_base+0(FP), SI
	MOVQ     row_len+8(FP), CX
	MOVQ     mark_base+24(FP), DI
	MOVQ     out_base+48(FP), R8
	VXORPS   Y15, Y15, Y15
	VPCMPEQD Y14, Y14, Y14
	VPSLLD   $31, Y14, Y14

rmgroup:
	CMPQ   CX, $2048
	JL     rmdone
	VXORPS Y13, Y13, Y13
	XORQ   BX, BX

rminner:
	MASKABS(0, Y0)
	MASKABS(1, Y1)
	MASKABS(2, Y2)
	MASKABS(3, Y3)
	MASKABS(4, Y4)
	MASKABS(5, Y5)
	MASKABS(6, Y6)
	MASKABS(7, Y7)
	VUNPCKLPS  Y1, Y0, Y8
	VUNPCKHPS  Y1, Y0, Y9
	VUNPCKLPS  Y3, Y2, Y0
	VUNPCKHPS  Y3, Y2, Y1
	VUNPCKLPS  Y5, Y4, Y2
	VUNPCKHPS  Y5, Y4, Y3
	VUNPCKLPS  Y7, Y6, Y4
	VUNPCKHPS  Y7, Y6, Y5
	VSHUFPS    $0x44, Y0, Y8, Y6
	VSHUFPS    $0xEE, Y0, Y8, Y7
	VSHUFPS    $0x44, Y1, Y9, Y10
	VSHUFPS    $0xEE, Y1, Y9, Y11
	VSHUFPS    $0x44, Y4, Y2, Y8
	VSHUFPS    $0xEE, Y4, Y2, Y9
	VSHUFPS    $0x44, Y5, Y3, Y0
	VSHUFPS    $0xEE, Y5, Y3, Y1
	VPERM2F128 $0x20, Y8, Y6, Y2
	VADDPS     Y2, Y13, Y13
	VPERM2F128 $0x20, Y9, Y7, Y3
	VADDPS     Y3, Y13, Y13
	VPERM2F128 $0x20, Y0, Y10, Y4
	VADDPS     Y4, Y13, Y13
	VPERM2F128 $0x20, Y1, Y11, Y5
	VADDPS     Y5, Y13, Y13
	VPERM2F128 $0x31, Y8, Y6, Y2
	VADDPS     Y2, Y13, Y13
	VPERM2F128 $0x31, Y9, Y7, Y3
	VADDPS     Y3, Y13, Y13
	VPERM2F128 $0x31, Y0, Y10, Y4
	VADDPS     Y4, Y13, Y13
	VPERM2F128 $0x31, Y1, Y11, Y5
	VADDPS     Y5, Y13, Y13
	ADDQ       $8, BX
	CMPQ       BX, $256
	JL         rminner

	VMOVUPS Y13, (R8)
	ADDQ    $32, R8
	ADDQ    $8192, SI
	ADDQ    $2048, DI
	SUBQ    $2048, CX
	JMP     rmgroup

rmdone:
	VZEROUPPER
	RET

// func scoreExpAVX512(p []float32, w *float32, stride int, row []float32, k *expK)
// For every block of 16 entries of row (len(row) a multiple of 16,
// 1 ≤ len(p) ≤ 8): s = Σ_r p[r]·w[r·stride/4 + j] from +0 in order r = 0,
// 1, … (VMULPS then VADDPS; p[r] broadcast in Z22+r), then expClampAVX's
// operations on 16 lanes: the float64 range reduction on two halves of 8,
// the float32 Horner polynomial, 2^n and the sign, each lane as in the
// 4-lane kernel.
TEXT ·scoreExpAVX512(SB), NOSPLIT, $0-72
	MOVQ p_base+0(FP), R8
	MOVQ p_len+8(FP), R9
	MOVQ w+24(FP), SI
	MOVQ stride+32(FP), DX
	MOVQ row_base+40(FP), DI
	MOVQ row_len+48(FP), CX
	MOVQ k+64(FP), AX
	VBROADCASTSD 0(AX), Z8   // log2e
	VBROADCASTSD 8(AX), Z9   // 128.5
	VBROADCASTSD 16(AX), Z10 // ln2
	VBROADCASTSS 24(AX), Z11 // C
	VBROADCASTSS 28(AX), Z12 // −C
	VBROADCASTSS 32(AX), Z16 // 1/720
	VBROADCASTSS 36(AX), Z17 // 1/120
	VBROADCASTSS 40(AX), Z18 // 1/24
	VBROADCASTSS 44(AX), Z19 // 1/6
	VBROADCASTSS 48(AX), Z20 // 0.5
	VBROADCASTSS 52(AX), Z21 // 1
	VBROADCASTSS 56(AX), Z13 // int32 128
	VBROADCASTSS 60(AX), Z14 // int32 127
	VBROADCASTSS 64(AX), Z15 // sign bit
	LEAQ         (DX)(DX*2), R12 // 3·stride
	LEAQ         (DX)(DX*4), R13 // 5·stride
	LEAQ         (R12)(DX*4), AX // 7·stride

	// p[r] → Z22+r for r < len(p).
	VBROADCASTSS 0(R8), Z22
	CMPQ         R9, $2
	JL           se16
	VBROADCASTSS 4(R8), Z23
	CMPQ         R9, $3
	JL           se16
	VBROADCASTSS 8(R8), Z24
	CMPQ         R9, $4
	JL           se16
	VBROADCASTSS 12(R8), Z25
	CMPQ         R9, $5
	JL           se16
	VBROADCASTSS 16(R8), Z26
	CMPQ         R9, $6
	JL           se16
	VBROADCASTSS 20(R8), Z27
	CMPQ         R9, $7
	JL           se16
	VBROADCASTSS 24(R8), Z28
	CMPQ         R9, $8
	JL           se16
	VBROADCASTSS 28(R8), Z29

se16:
	CMPQ   CX, $16
	JL     sedone
	VXORPS Z1, Z1, Z1
	VMULPS (SI), Z22, Z2
	VADDPS Z2, Z1, Z1
	CMPQ   R9, $1
	JE     seexp
	VMULPS (SI)(DX*1), Z23, Z2
	VADDPS Z2, Z1, Z1
	CMPQ   R9, $2
	JE     seexp
	VMULPS (SI)(DX*2), Z24, Z2
	VADDPS Z2, Z1, Z1
	CMPQ   R9, $3
	JE     seexp
	VMULPS (SI)(R12*1), Z25, Z2
	VADDPS Z2, Z1, Z1
	CMPQ   R9, $4
	JE     seexp
	VMULPS (SI)(DX*4), Z26, Z2
	VADDPS Z2, Z1, Z1
	CMPQ   R9, $5
	JE     seexp
	VMULPS (SI)(R13*1), Z27, Z2
	VADDPS Z2, Z1, Z1
	CMPQ   R9, $6
	JE     seexp
	VMULPS (SI)(R12*2), Z28, Z2
	VADDPS Z2, Z1, Z1
	CMPQ   R9, $7
	JE     seexp
	VMULPS (SI)(AX*1), Z29, Z2
	VADDPS Z2, Z1, Z1

seexp:
	VMINPS        Z11, Z1, Z2
	VMAXPS        Z12, Z2, Z2   // c
	VCVTPS2PD     Y2, Z3
	VEXTRACTF64X4 $1, Z2, Y4
	VCVTPS2PD     Y4, Z4
	VMULPD        Z8, Z3, Z3    // t = c·log2e
	VMULPD        Z8, Z4, Z4
	VADDPD        Z9, Z3, Z5
	VADDPD        Z9, Z4, Z6
	VCVTTPD2DQ    Z5, Y5
	VCVTTPD2DQ    Z6, Y6
	VINSERTI64X4  $1, Y6, Z5, Z5
	VPSUBD        Z13, Z5, Z5   // n
	VCVTDQ2PD     Y5, Z6
	VEXTRACTI64X4 $1, Z5, Y7
	VCVTDQ2PD     Y7, Z7
	VSUBPD        Z6, Z3, Z3    // t − n
	VSUBPD        Z7, Z4, Z4
	VMULPD        Z10, Z3, Z3
	VMULPD        Z10, Z4, Z4
	VCVTPD2PS     Z3, Y3
	VCVTPD2PS     Z4, Y4
	VINSERTF64X4  $1, Y4, Z3, Z3 // f
	VMULPS        Z3, Z16, Z6
	VADDPS        Z17, Z6, Z6
	VMULPS        Z3, Z6, Z6
	VADDPS        Z18, Z6, Z6
	VMULPS        Z3, Z6, Z6
	VADDPS        Z19, Z6, Z6
	VMULPS        Z3, Z6, Z6
	VADDPS        Z20, Z6, Z6
	VMULPS        Z3, Z6, Z6
	VADDPS        Z21, Z6, Z6
	VMULPS        Z3, Z6, Z6
	VADDPS        Z21, Z6, Z6   // p
	VPADDD        Z14, Z5, Z5
	VPSLLD        $23, Z5, Z5   // 2^n
	VMULPS        Z5, Z6, Z6    // e
	VCMPPS        $4, Z1, Z2, K1 // c ≠ s (NEQ_UQ)
	VXORPS        Z15, Z6, K1, Z6
	VMOVUPS       Z6, (DI)
	ADDQ          $64, DI
	ADDQ          $64, SI
	SUBQ          $16, CX
	JMP           se16

sedone:
	VZEROUPPER
	RET

// AXPYBLK adds a·x at byte offset off of the current block to the
// accumulator acc (VMULPS then VADDPS, no FMA); Y9 holds a, Y10 scratch.
#define AXPYBLK(off, acc) \
	VMULPS off(R12), Y9, Y10 \
	VADDPS Y10, acc, acc

// func axpyRowsAVX(y []float32, a []float32, off []int, x *float32)
// For len(y) a multiple of 8 and i = 0, 1, … in order:
// y[t] += a[i]·x[off[i]+t]. Blocks of 64 entries of y stay in Y0..Y7
// while every row is added; a last group of 8 per row step in Y0.
TEXT ·axpyRowsAVX(SB), NOSPLIT, $0-80
	MOVQ y_base+0(FP), DI
	MOVQ y_len+8(FP), CX
	MOVQ a_base+24(FP), R8
	MOVQ a_len+32(FP), R9
	MOVQ off_base+48(FP), R10
	MOVQ x+72(FP), SI
	SHLQ $2, CX             // len(y) in bytes
	XORQ DX, DX             // byte offset of the block in y

ar64:
	MOVQ    CX, AX
	SUBQ    DX, AX
	CMPQ    AX, $256        // 64 floats left?
	JL      ar8
	VMOVUPS (DI)(DX*1), Y0
	VMOVUPS 32(DI)(DX*1), Y1
	VMOVUPS 64(DI)(DX*1), Y2
	VMOVUPS 96(DI)(DX*1), Y3
	VMOVUPS 128(DI)(DX*1), Y4
	VMOVUPS 160(DI)(DX*1), Y5
	VMOVUPS 192(DI)(DX*1), Y6
	VMOVUPS 224(DI)(DX*1), Y7
	XORQ    BX, BX

ar64row:
	CMPQ         BX, R9
	JGE          ar64store
	VBROADCASTSS (R8)(BX*4), Y9
	MOVQ         (R10)(BX*8), R12
	LEAQ         (SI)(R12*4), R12
	ADDQ         DX, R12
	AXPYBLK(0, Y0)
	AXPYBLK(32, Y1)
	AXPYBLK(64, Y2)
	AXPYBLK(96, Y3)
	AXPYBLK(128, Y4)
	AXPYBLK(160, Y5)
	AXPYBLK(192, Y6)
	AXPYBLK(224, Y7)
	INCQ         BX
	JMP          ar64row

ar64store:
	VMOVUPS Y0, (DI)(DX*1)
	VMOVUPS Y1, 32(DI)(DX*1)
	VMOVUPS Y2, 64(DI)(DX*1)
	VMOVUPS Y3, 96(DI)(DX*1)
	VMOVUPS Y4, 128(DI)(DX*1)
	VMOVUPS Y5, 160(DI)(DX*1)
	VMOVUPS Y6, 192(DI)(DX*1)
	VMOVUPS Y7, 224(DI)(DX*1)
	ADDQ    $256, DX
	JMP     ar64

ar8:
	CMPQ    AX, $32
	JL      ardone
	VMOVUPS (DI)(DX*1), Y0
	XORQ    BX, BX

ar8row:
	CMPQ         BX, R9
	JGE          ar8store
	VBROADCASTSS (R8)(BX*4), Y9
	MOVQ         (R10)(BX*8), R12
	LEAQ         (SI)(R12*4), R12
	ADDQ         DX, R12
	AXPYBLK(0, Y0)
	INCQ         BX
	JMP          ar8row

ar8store:
	VMOVUPS Y0, (DI)(DX*1)
	ADDQ    $32, DX
	MOVQ    CX, AX
	SUBQ    DX, AX
	JMP     ar8

ardone:
	VZEROUPPER
	RET

// func restGradAVX512(row []float32, mark []uint8, c float32)
// restGradAVX on 16 lanes (len(row) a multiple of 16): row = c·row where
// mark = 0 and row ≥ 0 (GE_OS: false for NaN), +0 elsewhere.
TEXT ·restGradAVX512(SB), NOSPLIT, $0-52
	MOVQ         row_base+0(FP), SI
	MOVQ         row_len+8(FP), CX
	MOVQ         mark_base+24(FP), DI
	VBROADCASTSS c+48(FP), Z8
	VXORPS       Z9, Z9, Z9

rg16:
	CMPQ      CX, $16
	JL        rgdone
	VMOVUPS   (SI), Z1
	VPMOVZXBD (DI), Z2
	VPTESTNMD Z2, Z2, K1              // mark == 0
	VCMPPS    $0x0D, Z9, Z1, K1, K2   // and row ≥ 0
	VMULPS.Z  Z8, Z1, K2, Z1
	VMOVUPS   Z1, (SI)
	ADDQ      $64, SI
	ADDQ      $16, DI
	SUBQ      $16, CX
	JMP       rg16

rgdone:
	VZEROUPPER
	RET

// AXPYBLK512 is AXPYBLK on 16 lanes: Z9 holds a, Z10 scratch.
#define AXPYBLK512(off, acc) \
	VMULPS off(R12), Z9, Z10 \
	VADDPS Z10, acc, acc

// func axpyRowsAVX512(y []float32, a []float32, off []int, x *float32)
// axpyRowsAVX with blocks of 128 entries of y in Z0..Z7 (len(y) a
// multiple of 128).
TEXT ·axpyRowsAVX512(SB), NOSPLIT, $0-80
	MOVQ y_base+0(FP), DI
	MOVQ y_len+8(FP), CX
	MOVQ a_base+24(FP), R8
	MOVQ a_len+32(FP), R9
	MOVQ off_base+48(FP), R10
	MOVQ x+72(FP), SI
	SHLQ $2, CX             // len(y) in bytes
	XORQ DX, DX             // byte offset of the block in y

az128:
	CMPQ    DX, CX
	JGE     azdone
	VMOVUPS (DI)(DX*1), Z0
	VMOVUPS 64(DI)(DX*1), Z1
	VMOVUPS 128(DI)(DX*1), Z2
	VMOVUPS 192(DI)(DX*1), Z3
	VMOVUPS 256(DI)(DX*1), Z4
	VMOVUPS 320(DI)(DX*1), Z5
	VMOVUPS 384(DI)(DX*1), Z6
	VMOVUPS 448(DI)(DX*1), Z7
	XORQ    BX, BX

az128row:
	CMPQ         BX, R9
	JGE          az128store
	VBROADCASTSS (R8)(BX*4), Z9
	MOVQ         (R10)(BX*8), R12
	LEAQ         (SI)(R12*4), R12
	ADDQ         DX, R12
	AXPYBLK512(0, Z0)
	AXPYBLK512(64, Z1)
	AXPYBLK512(128, Z2)
	AXPYBLK512(192, Z3)
	AXPYBLK512(256, Z4)
	AXPYBLK512(320, Z5)
	AXPYBLK512(384, Z6)
	AXPYBLK512(448, Z7)
	INCQ         BX
	JMP          az128row

az128store:
	VMOVUPS Z0, (DI)(DX*1)
	VMOVUPS Z1, 64(DI)(DX*1)
	VMOVUPS Z2, 128(DI)(DX*1)
	VMOVUPS Z3, 192(DI)(DX*1)
	VMOVUPS Z4, 256(DI)(DX*1)
	VMOVUPS Z5, 320(DI)(DX*1)
	VMOVUPS Z6, 384(DI)(DX*1)
	VMOVUPS Z7, 448(DI)(DX*1)
	ADDQ    $512, DX
	JMP     az128

azdone:
	VZEROUPPER
	RET

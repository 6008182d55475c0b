//go:build amd64 && !noasm && !gccgo && !safe

#include "textflag.h"

// func axpyAVX(a float32, x, y []float32)
// y[t] += a*x[t], t < len(x): VMULPS then VADDPS, no FMA.
TEXT ·axpyAVX(SB), NOSPLIT, $0-56
	VBROADCASTSS a+0(FP), Y0
	MOVQ x_base+8(FP), SI
	MOVQ x_len+16(FP), CX
	MOVQ y_base+32(FP), DI

loop8:
	CMPQ CX, $8
	JL   tail4
	VMOVUPS (SI), Y1
	VMULPS  Y0, Y1, Y1
	VADDPS  (DI), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     loop8

tail4:
	CMPQ CX, $4
	JL   tail1
	VMOVUPS (SI), X1
	VMULPS  X0, X1, X1
	VADDPS  (DI), X1, X1
	VMOVUPS X1, (DI)
	ADDQ    $16, SI
	ADDQ    $16, DI
	SUBQ    $4, CX

tail1:
	CMPQ CX, $0
	JE   done
	VMOVSS (SI), X1
	VMULSS X0, X1, X1
	VADDSS (DI), X1, X1
	VMOVSS X1, (DI)
	ADDQ   $4, SI
	ADDQ   $4, DI
	DECQ   CX
	JMP    tail1

done:
	VZEROUPPER
	RET

// func axpy2AVX(a float32, x, y, u, v []float32)
// y[t] += a*x[t] and v[t] += a*u[t], t < len(x).
TEXT ·axpy2AVX(SB), NOSPLIT, $0-104
	VBROADCASTSS a+0(FP), Y0
	MOVQ x_base+8(FP), SI
	MOVQ x_len+16(FP), CX
	MOVQ y_base+32(FP), DI
	MOVQ u_base+56(FP), R8
	MOVQ v_base+80(FP), R9

loop8:
	CMPQ CX, $8
	JL   tail4
	VMOVUPS (SI), Y1
	VMULPS  Y0, Y1, Y1
	VADDPS  (DI), Y1, Y1
	VMOVUPS Y1, (DI)
	VMOVUPS (R8), Y2
	VMULPS  Y0, Y2, Y2
	VADDPS  (R9), Y2, Y2
	VMOVUPS Y2, (R9)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, R8
	ADDQ    $32, R9
	SUBQ    $8, CX
	JMP     loop8

tail4:
	CMPQ CX, $4
	JL   tail1
	VMOVUPS (SI), X1
	VMULPS  X0, X1, X1
	VADDPS  (DI), X1, X1
	VMOVUPS X1, (DI)
	VMOVUPS (R8), X2
	VMULPS  X0, X2, X2
	VADDPS  (R9), X2, X2
	VMOVUPS X2, (R9)
	ADDQ    $16, SI
	ADDQ    $16, DI
	ADDQ    $16, R8
	ADDQ    $16, R9
	SUBQ    $4, CX

tail1:
	CMPQ CX, $0
	JE   done
	VMOVSS (SI), X1
	VMULSS X0, X1, X1
	VADDSS (DI), X1, X1
	VMOVSS X1, (DI)
	VMOVSS (R8), X2
	VMULSS X0, X2, X2
	VADDSS (R9), X2, X2
	VMOVSS X2, (R9)
	ADDQ   $4, SI
	ADDQ   $4, DI
	ADDQ   $4, R8
	ADDQ   $4, R9
	DECQ   CX
	JMP    tail1

done:
	VZEROUPPER
	RET

// func dot4SSE(x []float32, r0, r1, r2, r3 *float32, out *[4]float32)
// out[k] = Σ x[t]·rk[t] for len(x) divisible by 4, with the lane order of
// gonum's DotUnitary on 16-byte aligned rows: per 16-block lanes S += x·r
// at offsets 0 and 8, P += x·r at 4 and 12; S += P; S += x·r per
// remaining 4-block; then (S0+S1)+(S2+S3). No FMA.
TEXT ·dot4SSE(SB), NOSPLIT, $0-64
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ r0+24(FP), R8
	MOVQ r1+32(FP), R9
	MOVQ r2+40(FP), R10
	MOVQ r3+48(FP), R11
	VXORPS X0, X0, X0
	VXORPS X1, X1, X1
	VXORPS X2, X2, X2
	VXORPS X3, X3, X3
	VXORPS X4, X4, X4
	VXORPS X5, X5, X5
	VXORPS X6, X6, X6
	VXORPS X7, X7, X7

loop16:
	CMPQ CX, $16
	JL   sumlanes
	VMOVUPS (SI), X8
	VMOVUPS 16(SI), X9
	VMOVUPS 32(SI), X10
	VMOVUPS 48(SI), X11

	VMULPS (R8), X8, X12
	VADDPS X12, X0, X0
	VMULPS 16(R8), X9, X12
	VADDPS X12, X4, X4
	VMULPS 32(R8), X10, X12
	VADDPS X12, X0, X0
	VMULPS 48(R8), X11, X12
	VADDPS X12, X4, X4

	VMULPS (R9), X8, X13
	VADDPS X13, X1, X1
	VMULPS 16(R9), X9, X13
	VADDPS X13, X5, X5
	VMULPS 32(R9), X10, X13
	VADDPS X13, X1, X1
	VMULPS 48(R9), X11, X13
	VADDPS X13, X5, X5

	VMULPS (R10), X8, X14
	VADDPS X14, X2, X2
	VMULPS 16(R10), X9, X14
	VADDPS X14, X6, X6
	VMULPS 32(R10), X10, X14
	VADDPS X14, X2, X2
	VMULPS 48(R10), X11, X14
	VADDPS X14, X6, X6

	VMULPS (R11), X8, X15
	VADDPS X15, X3, X3
	VMULPS 16(R11), X9, X15
	VADDPS X15, X7, X7
	VMULPS 32(R11), X10, X15
	VADDPS X15, X3, X3
	VMULPS 48(R11), X11, X15
	VADDPS X15, X7, X7

	ADDQ $64, SI
	ADDQ $64, R8
	ADDQ $64, R9
	ADDQ $64, R10
	ADDQ $64, R11
	SUBQ $16, CX
	JMP  loop16

sumlanes:
	VADDPS X4, X0, X0
	VADDPS X5, X1, X1
	VADDPS X6, X2, X2
	VADDPS X7, X3, X3

tail4:
	CMPQ CX, $4
	JL   hsum
	VMOVUPS (SI), X8
	VMULPS  (R8), X8, X12
	VADDPS  X12, X0, X0
	VMULPS  (R9), X8, X13
	VADDPS  X13, X1, X1
	VMULPS  (R10), X8, X14
	VADDPS  X14, X2, X2
	VMULPS  (R11), X8, X15
	VADDPS  X15, X3, X3
	ADDQ    $16, SI
	ADDQ    $16, R8
	ADDQ    $16, R9
	ADDQ    $16, R10
	ADDQ    $16, R11
	SUBQ    $4, CX
	JMP     tail4

hsum:
	VHADDPS X1, X0, X8
	VHADDPS X3, X2, X9
	VHADDPS X9, X8, X10
	MOVQ    out+56(FP), DI
	VMOVUPS X10, (DI)
	RET

// func expClampAVX(row []float32, k *expK)
// For len(row)/4 groups of 4: c = max(min(s, C), −C), e = fastExp(c)
// (range reduction in float64, degree-6 Horner polynomial in float32, no
// fused multiply-adds: the same operations as fastExp), row = c ≠ s ? −e : e.
TEXT ·expClampAVX(SB), NOSPLIT, $0-32
	MOVQ row_base+0(FP), SI
	MOVQ row_len+8(FP), CX
	MOVQ k+24(FP), AX
	VBROADCASTSD 0(AX), Y8   // log2e
	VBROADCASTSD 8(AX), Y9   // 128.5
	VBROADCASTSD 16(AX), Y10 // ln2
	VBROADCASTSS 24(AX), X11 // C
	VBROADCASTSS 28(AX), X12 // −C
	VBROADCASTSS 56(AX), X13 // int32 128
	VBROADCASTSS 60(AX), X14 // int32 127
	VBROADCASTSS 64(AX), X15 // sign bit

loop4:
	CMPQ CX, $4
	JL   done
	VMOVUPS (SI), X1
	VMINPS  X11, X1, X2
	VMAXPS  X12, X2, X2      // c
	VCVTPS2PD X2, Y3
	VMULPD  Y8, Y3, Y3       // t = c·log2e
	VADDPD  Y9, Y3, Y4
	VCVTTPD2DQY Y4, X4
	VPSUBD  X13, X4, X4      // n
	VCVTDQ2PD X4, Y5
	VSUBPD  Y5, Y3, Y5       // t − n
	VMULPD  Y10, Y5, Y5
	VCVTPD2PSY Y5, X5        // f
	VBROADCASTSS 32(AX), X6  // 1/720
	VMULPS  X5, X6, X6
	VBROADCASTSS 36(AX), X7  // 1/120
	VADDPS  X7, X6, X6
	VMULPS  X5, X6, X6
	VBROADCASTSS 40(AX), X7  // 1/24
	VADDPS  X7, X6, X6
	VMULPS  X5, X6, X6
	VBROADCASTSS 44(AX), X7  // 1/6
	VADDPS  X7, X6, X6
	VMULPS  X5, X6, X6
	VBROADCASTSS 48(AX), X7  // 0.5
	VADDPS  X7, X6, X6
	VMULPS  X5, X6, X6
	VBROADCASTSS 52(AX), X7  // 1
	VADDPS  X7, X6, X6
	VMULPS  X5, X6, X6
	VADDPS  X7, X6, X6       // p
	VPADDD  X14, X4, X4
	VPSLLD  $23, X4, X4      // 2^n
	VMULPS  X4, X6, X6       // e
	VCMPPS  $4, X1, X2, X0   // c ≠ s (NEQ_UQ)
	VANDPS  X15, X0, X0
	VXORPS  X0, X6, X6
	VMOVUPS X6, (SI)
	ADDQ    $16, SI
	SUBQ    $4, CX
	JMP     loop4

done:
	VZEROUPPER
	RET

// RESTGRAD sets the lanes at (SI) to c·row where their marks at (DI) are
// 0 and row ≥ 0, else to 0: row, mark and ge are scratch, c holds c in
// every lane and zero is all zeros (X registers: 4 lanes, Y: 8).
#define RESTGRAD(row, mark, ge, c, zero) \
	VMOVUPS   (SI), row          \
	VPMOVZXBD (DI), mark         \
	VPCMPEQD  zero, mark, mark   \
	VCMPPS    $0x0D, zero, row, ge \
	VANDPS    ge, mark, mark     \
	VMULPS    c, row, row        \
	VANDPS    mark, row, row     \
	VMOVUPS   row, (SI)

// func restGradAVX(row []float32, mark []uint8, c float32)
// For len(row)/4 groups of 4: row = mark ≠ 0 or row < 0 ? 0 : c·row.
TEXT ·restGradAVX(SB), NOSPLIT, $0-52
	MOVQ row_base+0(FP), SI
	MOVQ row_len+8(FP), CX
	MOVQ mark_base+24(FP), DI
	VBROADCASTSS c+48(FP), X8
	VXORPS X9, X9, X9

grad4:
	CMPQ CX, $4
	JL   gdone
	RESTGRAD(X1, X2, X3, X8, X9)
	ADDQ $16, SI
	ADDQ $4, DI
	SUBQ $4, CX
	JMP  grad4

gdone:
	RET

// func prefetchRowsAsm(base *float32, keys []int32, strideBytes, rowBytes int)
// Prefetches (PREFETCHT0) every cache line of the rowBytes bytes at
// base + keys[j]·strideBytes, for every j (see prefetchRows); rowBytes ≥ 1.
TEXT ·prefetchRowsAsm(SB), NOSPLIT, $0-48
	MOVQ base+0(FP), SI
	MOVQ keys_base+8(FP), DI
	MOVQ keys_len+16(FP), CX
	MOVQ strideBytes+32(FP), DX
	MOVQ rowBytes+40(FP), R8
	DECQ R8
	TESTQ CX, CX
	JEQ  pdone

ploop:
	MOVLQSX (DI), AX
	IMULQ   DX, AX
	ADDQ    SI, AX
	LEAQ    (AX)(R8*1), BX
	ANDQ    $-64, AX
	ANDQ    $-64, BX

pline:
	PREFETCHT0 (AX)
	ADDQ    $64, AX
	CMPQ    AX, BX
	JLS     pline
	ADDQ    $4, DI
	DECQ    CX
	JNE     ploop

pdone:
	RET

// EXP8 sets Y6 to expClampAVX's value of each of the 8 lanes of Y1, lane
// by lane the same operations: the float64 range reduction on the two
// halves of 4 (Y3, Y4), the float32 Horner polynomial on 8, 2^n and the
// sign. Constants: Y8 log2e, Y9 128.5, Y10 ln2 (float64), Y11 C, Y12 −C,
// Y13 int32 128, Y14 int32 127, Y15 the sign bit, the polynomial's
// coefficients read from the expK at AX. Scratch: Y0, Y2–Y5, Y7 (Y2 = c).
#define EXP8 \
	VMINPS       Y11, Y1, Y2     \
	VMAXPS       Y12, Y2, Y2     \
	VCVTPS2PD    X2, Y3          \
	VEXTRACTF128 $1, Y2, X4      \
	VCVTPS2PD    X4, Y4          \
	VMULPD       Y8, Y3, Y3      \
	VMULPD       Y8, Y4, Y4      \
	VADDPD       Y9, Y3, Y5      \
	VADDPD       Y9, Y4, Y6      \
	VCVTTPD2DQY  Y5, X5          \
	VCVTTPD2DQY  Y6, X6          \
	VINSERTI128  $1, X6, Y5, Y5  \
	VPSUBD       Y13, Y5, Y5     \
	VCVTDQ2PD    X5, Y6          \
	VEXTRACTI128 $1, Y5, X7      \
	VCVTDQ2PD    X7, Y7          \
	VSUBPD       Y6, Y3, Y3      \
	VSUBPD       Y7, Y4, Y4      \
	VMULPD       Y10, Y3, Y3     \
	VMULPD       Y10, Y4, Y4     \
	VCVTPD2PSY   Y3, X3          \
	VCVTPD2PSY   Y4, X4          \
	VINSERTF128  $1, X4, Y3, Y3  \
	VBROADCASTSS 32(AX), Y6      \
	VMULPS       Y3, Y6, Y6      \
	VBROADCASTSS 36(AX), Y7      \
	VADDPS       Y7, Y6, Y6      \
	VMULPS       Y3, Y6, Y6      \
	VBROADCASTSS 40(AX), Y7      \
	VADDPS       Y7, Y6, Y6      \
	VMULPS       Y3, Y6, Y6      \
	VBROADCASTSS 44(AX), Y7      \
	VADDPS       Y7, Y6, Y6      \
	VMULPS       Y3, Y6, Y6      \
	VBROADCASTSS 48(AX), Y7      \
	VADDPS       Y7, Y6, Y6      \
	VMULPS       Y3, Y6, Y6      \
	VBROADCASTSS 52(AX), Y7      \
	VADDPS       Y7, Y6, Y6      \
	VMULPS       Y3, Y6, Y6      \
	VADDPS       Y7, Y6, Y6      \
	VPADDD       Y14, Y5, Y5     \
	VPSLLD       $23, Y5, Y5     \
	VMULPS       Y5, Y6, Y6      \
	VCMPPS       $4, Y1, Y2, Y0  \
	VANDPS       Y15, Y0, Y0     \
	VXORPS       Y0, Y6, Y6

// EXPCONSTS loads EXP8's constants from the expK at AX.
#define EXPCONSTS \
	VBROADCASTSD 0(AX), Y8   \
	VBROADCASTSD 8(AX), Y9   \
	VBROADCASTSD 16(AX), Y10 \
	VBROADCASTSS 24(AX), Y11 \
	VBROADCASTSS 28(AX), Y12 \
	VBROADCASTSS 56(AX), Y13 \
	VBROADCASTSS 60(AX), Y14 \
	VBROADCASTSS 64(AX), Y15

// func expClampAVX2(row []float32, k *expK)
// expClampAVX on len(row)/8 groups of 8 (AVX2 for the 256-bit integer
// operations), each lane the same operations.
TEXT ·expClampAVX2(SB), NOSPLIT, $0-32
	MOVQ row_base+0(FP), SI
	MOVQ row_len+8(FP), CX
	MOVQ k+24(FP), AX
	EXPCONSTS

ec8:
	CMPQ    CX, $8
	JL      ec8done
	VMOVUPS (SI), Y1
	EXP8
	VMOVUPS Y6, (SI)
	ADDQ    $32, SI
	SUBQ    $8, CX
	JMP     ec8

ec8done:
	VZEROUPPER
	RET

// SEROW adds p[r]·(the 8 entries at mem) to Y1: p[r] (at byte offset poff
// of R8) broadcast, the product rounded, then the sum (no FMA).
#define SEROW(poff, mem) \
	VBROADCASTSS poff(R8), Y2 \
	VMULPS       mem, Y2, Y2  \
	VADDPS       Y2, Y1, Y1

// func scoreExpAVX2(p []float32, w *float32, stride int, row []float32, k *expK)
// scoreExpAVX512 on blocks of 8 (len(row) a multiple of 8, 1 ≤ len(p) ≤ 8):
// s = Σ_r p[r]·w[r·stride/4 + j] from +0 in order r = 0, 1, … (VMULPS then
// VADDPS, p[r] broadcast from memory), then EXP8.
TEXT ·scoreExpAVX2(SB), NOSPLIT, $0-72
	MOVQ p_base+0(FP), R8
	MOVQ p_len+8(FP), R9
	MOVQ w+24(FP), SI
	MOVQ stride+32(FP), DX
	MOVQ row_base+40(FP), DI
	MOVQ row_len+48(FP), CX
	MOVQ k+64(FP), AX
	EXPCONSTS
	LEAQ (DX)(DX*2), R12  // 3·stride
	LEAQ (DX)(DX*4), R13  // 5·stride
	LEAQ (R12)(DX*4), R14 // 7·stride

se8:
	CMPQ   CX, $8
	JL     se8done
	VXORPS Y1, Y1, Y1
	SEROW(0, (SI))
	CMPQ   R9, $1
	JE     se8exp
	SEROW(4, (SI)(DX*1))
	CMPQ   R9, $2
	JE     se8exp
	SEROW(8, (SI)(DX*2))
	CMPQ   R9, $3
	JE     se8exp
	SEROW(12, (SI)(R12*1))
	CMPQ   R9, $4
	JE     se8exp
	SEROW(16, (SI)(DX*4))
	CMPQ   R9, $5
	JE     se8exp
	SEROW(20, (SI)(R13*1))
	CMPQ   R9, $6
	JE     se8exp
	SEROW(24, (SI)(R12*2))
	CMPQ   R9, $7
	JE     se8exp
	SEROW(28, (SI)(R14*1))

se8exp:
	EXP8
	VMOVUPS Y6, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	SUBQ    $8, CX
	JMP     se8

se8done:
	VZEROUPPER
	RET

// func restGradAVX2(row []float32, mark []uint8, c float32)
// restGradAVX on len(row)/8 groups of 8.
TEXT ·restGradAVX2(SB), NOSPLIT, $0-52
	MOVQ         row_base+0(FP), SI
	MOVQ         row_len+8(FP), CX
	MOVQ         mark_base+24(FP), DI
	VBROADCASTSS c+48(FP), Y8
	VXORPS       Y9, Y9, Y9

rg8:
	CMPQ      CX, $8
	JL        rg8done
	RESTGRAD(Y1, Y2, Y3, Y8, Y9)
	ADDQ      $32, SI
	ADDQ      $8, DI
	SUBQ      $8, CX
	JMP       rg8

rg8done:
	VZEROUPPER
	RET

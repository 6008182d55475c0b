#include "textflag.h"

// func dot4AVX2(a []float32, b []float32, out *[4]float32)
// a holds 4 rows of len(b) values each, contiguous; len(b) must be a
// multiple of 8. out[r] = Σ_k a[r*len(b)+k]·b[k], with FMA.
TEXT ·dot4AVX2(SB), NOSPLIT, $0-56
	MOVQ a_base+0(FP), SI
	MOVQ b_base+24(FP), DI
	MOVQ b_len+32(FP), CX
	MOVQ out+48(FP), AX
	MOVQ CX, DX
	SHLQ $2, DX              // DX = row stride in bytes
	LEAQ (SI)(DX*1), R8      // row 1
	LEAQ (R8)(DX*1), R9      // row 2
	LEAQ (R9)(DX*1), R10     // row 3
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	SHRQ $3, CX
	JZ   reduce

loop:
	VMOVUPS     (DI), Y4
	VFMADD231PS (SI), Y4, Y0
	VFMADD231PS (R8), Y4, Y1
	VFMADD231PS (R9), Y4, Y2
	VFMADD231PS (R10), Y4, Y3
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, R8
	ADDQ $32, R9
	ADDQ $32, R10
	DECQ CX
	JNZ  loop

reduce:
	// Horizontal sums of Y0..Y3 into out[0..3].
	VHADDPS Y1, Y0, Y0       // [a01 a23 b01 b23 | a45 a67 b45 b67]
	VHADDPS Y3, Y2, Y2       // [c01 c23 d01 d23 | c45 c67 d45 d67]
	VHADDPS Y2, Y0, Y0       // [a0-3 b0-3 c0-3 d0-3 | a4-7 b4-7 c4-7 d4-7]
	VEXTRACTF128 $1, Y0, X1
	VADDPS  X1, X0, X0
	VMOVUPS X0, (AX)
	VZEROUPPER
	RET

// func dotRows4AVX2(b, r0, r1, r2, r3 []float32, out *[4]float32)
// out[k] = Σ_j rk[j]·b[j] over the first len(b)&^7 values.
TEXT ·dotRows4AVX2(SB), NOSPLIT, $0-128
	MOVQ b_base+0(FP), DI
	MOVQ b_len+8(FP), CX
	MOVQ r0_base+24(FP), SI
	MOVQ r1_base+48(FP), R8
	MOVQ r2_base+72(FP), R9
	MOVQ r3_base+96(FP), R10
	MOVQ out+120(FP), AX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	SHRQ $3, CX
	JZ   rreduce

rloop:
	VMOVUPS     (DI), Y4
	VFMADD231PS (SI), Y4, Y0
	VFMADD231PS (R8), Y4, Y1
	VFMADD231PS (R9), Y4, Y2
	VFMADD231PS (R10), Y4, Y3
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, R8
	ADDQ $32, R9
	ADDQ $32, R10
	DECQ CX
	JNZ  rloop

rreduce:
	VHADDPS Y1, Y0, Y0
	VHADDPS Y3, Y2, Y2
	VHADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS  X1, X0, X0
	VMOVUPS X0, (AX)
	VZEROUPPER
	RET

// func dot4x3AVX2(a, b []float32, d int, out *[12]float32)
// a holds 4 rows and b 3 rows of d values each (d a multiple of 8),
// contiguous. out[4j+r] = Σ_k a[r*d+k]·b[j*d+k]: the accumulation of every
// element (lane-wise FMA over k, then the same horizontal sum tree) is the
// one of dot4AVX2, so the results are bit-identical to three dot4AVX2 calls
// while each loaded vector is used three or four times.
TEXT ·dot4x3AVX2(SB), NOSPLIT, $0-64
	MOVQ a_base+0(FP), SI
	MOVQ b_base+24(FP), DI
	MOVQ d+48(FP), CX
	MOVQ out+56(FP), AX
	MOVQ CX, DX
	SHLQ $2, DX              // DX = row stride in bytes
	LEAQ (SI)(DX*1), R8      // a row 1
	LEAQ (R8)(DX*1), R9      // a row 2
	LEAQ (R9)(DX*1), R10     // a row 3
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
	SHRQ $3, CX
	JZ   reduce3

loop3:
	VMOVUPS     (DI), Y12
	VMOVUPS     (DI)(DX*1), Y13
	VMOVUPS     (DI)(DX*2), Y14
	VMOVUPS     (SI), Y15
	VFMADD231PS Y15, Y12, Y0
	VFMADD231PS Y15, Y13, Y4
	VFMADD231PS Y15, Y14, Y8
	VMOVUPS     (R8), Y15
	VFMADD231PS Y15, Y12, Y1
	VFMADD231PS Y15, Y13, Y5
	VFMADD231PS Y15, Y14, Y9
	VMOVUPS     (R9), Y15
	VFMADD231PS Y15, Y12, Y2
	VFMADD231PS Y15, Y13, Y6
	VFMADD231PS Y15, Y14, Y10
	VMOVUPS     (R10), Y15
	VFMADD231PS Y15, Y12, Y3
	VFMADD231PS Y15, Y13, Y7
	VFMADD231PS Y15, Y14, Y11
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, R8
	ADDQ $32, R9
	ADDQ $32, R10
	DECQ CX
	JNZ  loop3

reduce3:
	VHADDPS Y1, Y0, Y0
	VHADDPS Y3, Y2, Y2
	VHADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS  X1, X0, X0
	VMOVUPS X0, (AX)
	VHADDPS Y5, Y4, Y4
	VHADDPS Y7, Y6, Y6
	VHADDPS Y6, Y4, Y4
	VEXTRACTF128 $1, Y4, X5
	VADDPS  X5, X4, X4
	VMOVUPS X4, 16(AX)
	VHADDPS Y9, Y8, Y8
	VHADDPS Y11, Y10, Y10
	VHADDPS Y10, Y8, Y8
	VEXTRACTF128 $1, Y8, X9
	VADDPS  X9, X8, X8
	VMOVUPS X8, 32(AX)
	VZEROUPPER
	RET

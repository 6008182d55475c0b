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

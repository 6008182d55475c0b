//go:build amd64 && !noasm && !gccgo && !safe

#include "textflag.h"

// Element-wise kernels of the latent terms' expert banks, eight lanes at a
// time over a length that is a multiple of 8 (the Go wrappers do the
// rest). Each lane computes exactly the scalar expression of the Go twin.

// func reluBiasAVX(z, b []float32)
// z[t] = max(z[t]+b[t], 0) with Go's max: NaN stays NaN, −0 becomes +0
// (the sum is kept where it is not ≤ 0, i.e. where it is > 0 or NaN).
TEXT ·reluBiasAVX(SB), NOSPLIT, $0-48
	MOVQ z_base+0(FP), DI
	MOVQ z_len+8(FP), CX
	MOVQ b_base+24(FP), SI
	VXORPS Y0, Y0, Y0
	SHRQ $3, CX
	JZ   rdone

rloop:
	VMOVUPS (DI), Y1
	VADDPS  (SI), Y1, Y1
	VCMPPS  $6, Y0, Y1, Y2   // !(v <= 0): v > 0 or unordered
	VANDPS  Y1, Y2, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     rloop

rdone:
	VZEROUPPER
	RET

// func scaleToAVX(dst, src []float32, a float32)
// dst[t] = a·src[t], t < len(src).
TEXT ·scaleToAVX(SB), NOSPLIT, $0-52
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	VBROADCASTSS a+48(FP), Y0
	SHRQ $3, CX
	JZ   sdone

sloop:
	VMULPS  (SI), Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     sloop

sdone:
	VZEROUPPER
	RET

// func maskScaleAVX(g, z []float32, a float32)
// g[t] = a·g[t] where z[t] > 0, 0 elsewhere (NaN z included).
TEXT ·maskScaleAVX(SB), NOSPLIT, $0-52
	MOVQ g_base+0(FP), DI
	MOVQ g_len+8(FP), CX
	MOVQ z_base+24(FP), SI
	VBROADCASTSS a+48(FP), Y0
	VXORPS Y3, Y3, Y3
	SHRQ $3, CX
	JZ   mdone

mloop:
	VMOVUPS (SI), Y1
	VCMPPS  $1, Y1, Y3, Y2   // 0 < z, false for NaN
	VMULPS  (DI), Y0, Y1
	VANDPS  Y1, Y2, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     mloop

mdone:
	VZEROUPPER
	RET

// func sumIntoAVX(y, x []float32)
// y[t] += x[t], t < len(x).
TEXT ·sumIntoAVX(SB), NOSPLIT, $0-48
	MOVQ y_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	SHRQ $3, CX
	JZ   adone

aloop:
	VMOVUPS (DI), Y1
	VADDPS  (SI), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     aloop

adone:
	VZEROUPPER
	RET

// func indexAboveAVX(s []float32, thr float32) int
// Returns the offset of the first block of 32 values of s holding a value
// greater than thr (ordered comparison: NaN never is), or len(s)&^31 when
// no whole block does. The caller finds the value within the block.
TEXT ·indexAboveAVX(SB), NOSPLIT, $0-40
	MOVQ s_base+0(FP), SI
	MOVQ s_len+8(FP), CX
	VBROADCASTSS thr+24(FP), Y0
	XORQ AX, AX
	SHRQ $5, CX
	JZ   iadone

ialoop:
	VCMPPS  $0x11, (SI), Y0, Y1   // thr < s (LT_OQ: false for NaN)
	VCMPPS  $0x11, 32(SI), Y0, Y2
	VCMPPS  $0x11, 64(SI), Y0, Y3
	VCMPPS  $0x11, 96(SI), Y0, Y4
	VORPS   Y1, Y2, Y1
	VORPS   Y3, Y4, Y3
	VORPS   Y1, Y3, Y1
	VTESTPS Y1, Y1
	JNZ     iadone
	ADDQ    $128, SI
	ADDQ    $32, AX
	DECQ    CX
	JNZ     ialoop

iadone:
	MOVQ AX, ret+32(FP)
	VZEROUPPER
	RET

#include "textflag.h"

// Constants block c (8 float32): stepSize, invBC2, b1, b2, c1, c2, eps, wd.
// The operation order matches AdamStep.updateGo and decayGo exactly (no FMA), so the
// vector and scalar paths give bit-identical results.

// func adamGradAVX2(w, g, m, v []float32, c *[8]float32)
TEXT ·adamGradAVX2(SB), NOSPLIT, $0-104
	MOVQ w_base+0(FP), DI
	MOVQ w_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ m_base+48(FP), R8
	MOVQ v_base+72(FP), R9
	MOVQ c+96(FP), AX
	VBROADCASTSS 0(AX), Y8
	VBROADCASTSS 4(AX), Y9
	VBROADCASTSS 8(AX), Y10
	VBROADCASTSS 12(AX), Y11
	VBROADCASTSS 16(AX), Y12
	VBROADCASTSS 20(AX), Y13
	VBROADCASTSS 24(AX), Y14
	VBROADCASTSS 28(AX), Y15
	SHRQ $3, CX
	JZ   gdone

gloop:
	VMOVUPS (DI), Y0
	VMULPS  Y0, Y15, Y1
	VADDPS  (SI), Y1, Y1
	VMULPS  (R8), Y10, Y2
	VMULPS  Y1, Y12, Y3
	VADDPS  Y3, Y2, Y2
	VMOVUPS Y2, (R8)
	VMULPS  (R9), Y11, Y4
	VMULPS  Y1, Y13, Y5
	VMULPS  Y1, Y5, Y5
	VADDPS  Y5, Y4, Y4
	VMOVUPS Y4, (R9)
	VSQRTPS Y4, Y6
	VMULPS  Y6, Y9, Y6
	VADDPS  Y14, Y6, Y6
	VMULPS  Y2, Y8, Y7
	VDIVPS  Y6, Y7, Y7
	VSUBPS  Y7, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, R8
	ADDQ    $32, R9
	DECQ    CX
	JNZ     gloop

gdone:
	VZEROUPPER
	RET

// func adamDecayAVX2(w, m, v []float32, c *[8]float32)
TEXT ·adamDecayAVX2(SB), NOSPLIT, $0-80
	MOVQ w_base+0(FP), DI
	MOVQ w_len+8(FP), CX
	MOVQ m_base+24(FP), R8
	MOVQ v_base+48(FP), R9
	MOVQ c+72(FP), AX
	VBROADCASTSS 0(AX), Y8
	VBROADCASTSS 4(AX), Y9
	VBROADCASTSS 8(AX), Y10
	VBROADCASTSS 12(AX), Y11
	VBROADCASTSS 16(AX), Y12
	VBROADCASTSS 20(AX), Y13
	VBROADCASTSS 24(AX), Y14
	VBROADCASTSS 28(AX), Y15
	SHRQ $3, CX
	JZ   ddone

dloop:
	VMOVUPS (DI), Y0
	VMULPS  Y0, Y15, Y1
	VMULPS  (R8), Y10, Y2
	VMULPS  Y1, Y12, Y3
	VADDPS  Y3, Y2, Y2
	VMOVUPS Y2, (R8)
	VMULPS  (R9), Y11, Y4
	VMULPS  Y1, Y13, Y5
	VMULPS  Y1, Y5, Y5
	VADDPS  Y5, Y4, Y4
	VMOVUPS Y4, (R9)
	VSQRTPS Y4, Y6
	VMULPS  Y6, Y9, Y6
	VADDPS  Y14, Y6, Y6
	VMULPS  Y2, Y8, Y7
	VDIVPS  Y6, Y7, Y7
	VSUBPS  Y7, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, R8
	ADDQ    $32, R9
	DECQ    CX
	JNZ     dloop

ddone:
	VZEROUPPER
	RET

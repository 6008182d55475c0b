//go:build amd64 && !noasm && !gccgo && !safe

#include "textflag.h"

// func transpose8AVX(dst *float32, ldd int, src *float32, lds int, blocks int)
// For b in [0, blocks): the 8×8 block of src in rows 0..7 and columns
// 8b..8b+7 (row stride lds) written transposed into dst's rows 8b..8b+7,
// columns 0..7 (row stride ldd).
TEXT ·transpose8AVX(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), DX
	SHLQ $2, DX
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), BX
	SHLQ $2, BX
	MOVQ blocks+32(FP), CX
	LEAQ (BX)(BX*2), R8      // 3 source rows
	LEAQ (DX)(DX*2), R9      // 3 destination rows
	TESTQ CX, CX
	JZ   done

loop:
	MOVQ SI, R10
	VMOVUPS (R10), Y0
	VMOVUPS (R10)(BX*1), Y1
	VMOVUPS (R10)(BX*2), Y2
	VMOVUPS (R10)(R8*1), Y3
	LEAQ (R10)(BX*4), R10
	VMOVUPS (R10), Y4
	VMOVUPS (R10)(BX*1), Y5
	VMOVUPS (R10)(BX*2), Y6
	VMOVUPS (R10)(R8*1), Y7
	VUNPCKLPS Y1, Y0, Y8     // [a0 b0 a1 b1 | a4 b4 a5 b5]
	VUNPCKHPS Y1, Y0, Y9     // [a2 b2 a3 b3 | a6 b6 a7 b7]
	VUNPCKLPS Y3, Y2, Y10    // [c0 d0 c1 d1 | …]
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12    // [e0 f0 e1 f1 | …]
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14    // [g0 h0 g1 h1 | …]
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0   // [a0 b0 c0 d0 | a4 b4 c4 d4]
	VSHUFPS $0xEE, Y10, Y8, Y1   // [a1 b1 c1 d1 | a5 …]
	VSHUFPS $0x44, Y11, Y9, Y2   // [a2 … | a6 …]
	VSHUFPS $0xEE, Y11, Y9, Y3   // [a3 … | a7 …]
	VSHUFPS $0x44, Y14, Y12, Y4  // [e0 f0 g0 h0 | e4 …]
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8     // column 0
	VPERM2F128 $0x20, Y5, Y1, Y9     // column 1
	VPERM2F128 $0x20, Y6, Y2, Y10    // column 2
	VPERM2F128 $0x20, Y7, Y3, Y11    // column 3
	VPERM2F128 $0x31, Y4, Y0, Y12    // column 4
	VPERM2F128 $0x31, Y5, Y1, Y13    // column 5
	VPERM2F128 $0x31, Y6, Y2, Y14    // column 6
	VPERM2F128 $0x31, Y7, Y3, Y15    // column 7
	MOVQ DI, R11
	VMOVUPS Y8, (R11)
	VMOVUPS Y9, (R11)(DX*1)
	VMOVUPS Y10, (R11)(DX*2)
	VMOVUPS Y11, (R11)(R9*1)
	LEAQ (R11)(DX*4), R11
	VMOVUPS Y12, (R11)
	VMOVUPS Y13, (R11)(DX*1)
	VMOVUPS Y14, (R11)(DX*2)
	VMOVUPS Y15, (R11)(R9*1)
	ADDQ $32, SI
	LEAQ (DI)(DX*8), DI
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET

// func rowSums8AVX(src *float32, lds, blocks int, out *[8]float32)
// out[i] = ((0 + s_i0) + s_i1) + … + s_i(8·blocks−1), the sequential sum of
// row i of src (row stride lds), for the eight rows i < 8: each block of
// 8×8 is transposed in registers and its columns added in order, so every
// row's sum is the scalar loop's.
TEXT ·rowSums8AVX(SB), NOSPLIT, $0-32
	MOVQ src+0(FP), SI
	MOVQ lds+8(FP), BX
	SHLQ $2, BX
	MOVQ blocks+16(FP), CX
	MOVQ out+24(FP), DI
	LEAQ (BX)(BX*2), R8      // 3 rows
	VXORPS Y15, Y15, Y15     // the eight sums
	TESTQ CX, CX
	JZ   sdone

sloop:
	MOVQ SI, R10
	VMOVUPS (R10), Y0
	VMOVUPS (R10)(BX*1), Y1
	VMOVUPS (R10)(BX*2), Y2
	VMOVUPS (R10)(R8*1), Y3
	LEAQ (R10)(BX*4), R10
	VMOVUPS (R10), Y4
	VMOVUPS (R10)(BX*1), Y5
	VMOVUPS (R10)(BX*2), Y6
	VMOVUPS (R10)(R8*1), Y7
	VUNPCKLPS Y1, Y0, Y8     // ab lo
	VUNPCKHPS Y1, Y0, Y9     // ab hi
	VUNPCKLPS Y3, Y2, Y0     // cd lo
	VUNPCKHPS Y3, Y2, Y1     // cd hi
	VUNPCKLPS Y5, Y4, Y2     // ef lo
	VUNPCKHPS Y5, Y4, Y3     // ef hi
	VUNPCKLPS Y7, Y6, Y4     // gh lo
	VUNPCKHPS Y7, Y6, Y5     // gh hi
	VSHUFPS $0x44, Y0, Y8, Y6    // [a0 b0 c0 d0 | a4 …]
	VSHUFPS $0xEE, Y0, Y8, Y7    // [a1 … | a5 …]
	VSHUFPS $0x44, Y1, Y9, Y10   // [a2 … | a6 …]
	VSHUFPS $0xEE, Y1, Y9, Y11   // [a3 … | a7 …]
	VSHUFPS $0x44, Y4, Y2, Y12   // [e0 f0 g0 h0 | e4 …]
	VSHUFPS $0xEE, Y4, Y2, Y13
	VSHUFPS $0x44, Y5, Y3, Y14
	VSHUFPS $0xEE, Y5, Y3, Y0
	VPERM2F128 $0x20, Y12, Y6, Y1    // column 0
	VADDPS Y1, Y15, Y15
	VPERM2F128 $0x20, Y13, Y7, Y1    // column 1
	VADDPS Y1, Y15, Y15
	VPERM2F128 $0x20, Y14, Y10, Y1   // column 2
	VADDPS Y1, Y15, Y15
	VPERM2F128 $0x20, Y0, Y11, Y1    // column 3
	VADDPS Y1, Y15, Y15
	VPERM2F128 $0x31, Y12, Y6, Y1    // column 4
	VADDPS Y1, Y15, Y15
	VPERM2F128 $0x31, Y13, Y7, Y1    // column 5
	VADDPS Y1, Y15, Y15
	VPERM2F128 $0x31, Y14, Y10, Y1   // column 6
	VADDPS Y1, Y15, Y15
	VPERM2F128 $0x31, Y0, Y11, Y1    // column 7
	VADDPS Y1, Y15, Y15
	ADDQ $32, SI
	DECQ CX
	JNZ  sloop

sdone:
	VMOVUPS Y15, (DI)
	VZEROUPPER
	RET

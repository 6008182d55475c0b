//go:build amd64 && !noasm && !gccgo && !safe

package distill

// softAsmKernels says whether simd's row kernels are the assembly ones
// (the pinned soft-phase numbers were recorded with them).
const softAsmKernels = true

//go:build amd64 && !noasm && !gccgo && !safe

package simd

// rowKernels names the row kernels of this build (see Kernels).
const rowKernels = "asm"

package simd

import "runtime"

// Kernels names the kernels this build uses on this machine, as far as
// they decide the numbers: the architecture, the dense kernels (FMA dot
// products, which round differently from the Go loop) and the row kernels
// (assembly, or the Go twins with gonum's own portable dot product under
// -tags noasm). Two processes that report the same Kernels compute the
// same numbers; a training checkpoint is resumed only by such a process.
// AVX2 versus the scalar Adam and AVX-512 versus AVX2 blocks are not
// named: they give the same values bit for bit.
func Kernels() string {
	return runtime.GOARCH + " dense=" + denseKernels() + " rows=" + rowKernels
}

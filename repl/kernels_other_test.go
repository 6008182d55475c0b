//go:build !amd64 || noasm || gccgo || safe

package repl

// portableKernels says whether the tests run with the portable scoring
// kernels (true here), whose rounding differs from the assembly ones'.
const portableKernels = true

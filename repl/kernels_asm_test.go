//go:build amd64 && !noasm && !gccgo && !safe

package repl

// portableKernels says whether the tests run with the portable scoring
// kernels (false: the amd64 assembly ones), whose rounding differs.
const portableKernels = false

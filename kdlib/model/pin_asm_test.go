//go:build amd64 && !noasm && !gccgo && !safe

package model

// portableKernels says whether the pinned tests run with the portable
// scoring kernels (false: the amd64 assembly ones).
const portableKernels = false

//go:build !amd64 || noasm || gccgo || safe

package model

// portableKernels says whether the pinned tests run with the portable
// scoring kernels (true here).
const portableKernels = true

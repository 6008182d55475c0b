//go:build !amd64 || noasm || gccgo || safe

package exp

// portableKernels says whether the pinned tests run with the portable
// scoring kernels (true here).
const portableKernels = true

package simd

// The portable twins, for the external tests that compare them with the
// kernels and with package nn.
var (
	AxpyGo  = axpyGo
	Axpy2Go = axpy2Go
)

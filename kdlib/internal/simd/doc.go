// Package simd holds kdrec's vector kernels — every assembly routine of
// the library — each next to its portable Go twin, with the tests that
// hold them to it. Package nn exposes the dense ones (nn.Dot4, nn.DotRows4,
// nn.Dot4x3, and Adam's row update through nn.Adam); the distillation
// methods of package distill call the row kernels directly.
//
// # Two families
//
// The dense kernels (files dense_*, adam_*): Dot4, DotRows4 and Dot4x3
// (AVX2 with fused multiply-add; a 4-way unrolled Go loop otherwise) and
// AdamStep's Update and Decay (AVX2, bit-identical to their Go loops). They
// are built on every amd64 build, including -tags noasm: the recorded
// numbers of both builds were made with them, and the FMA dot products
// round differently from the Go loop.
//
// The row kernels of the distillation methods (files rows_*, dot_*,
// vmath_*, cat_*): Axpy, Axpy2, Dot, DotRows, DotRowsStride, ExpClamp,
// RestGrad, ExpSlice, LogSlice, the Prefetch hints, and HetComp's catalogue
// kernels ScoreExpClamp, RestMass, Dots and AxpyRows. Their assembly is
// built with the constraint amd64 && !noasm && !gccgo && !safe; any other
// build uses the Go twins (the prefetch hints become no-ops). The kernels
// and the twins give the same values bit for bit — Axpy, Axpy2 and
// AxpyRows round as y += a·x without fusing, ExpClamp and RestGrad as
// their Go loops over FastExp, ScoreExpClamp as the axpys then ExpClamp,
// RestMass as its sequential float32 sum per block, ExpSlice and LogSlice
// as math.Exp and math.Log (checked against them at start-up, see
// vmath_amd64.go), Dot as gonum's blas32.Dot (nn.Dot) and Dots as one Dot
// per row — so the portable build differs only where gonum's own kernels
// do: under -tags noasm gonum's dot product is a Go loop with another
// rounding.
//
// Check both builds with
//
//	go vet ./... && go vet -tags noasm ./...
//	go test ./kdlib/... && go test -tags noasm ./kdlib/...
package simd

//go:build amd64 && !noasm && !gccgo && !safe

package simd

import "unsafe"

//go:noescape
func dot4SSE(x []float32, r0, r1, r2, r3 *float32, out *[4]float32)

// DotRows sets out[j] = Dot(x, other.Row(keys[j])) for the rows of a
// row-major table w with len(x) columns, four rows at a time when the
// table's rows are 16-byte aligned.
func DotRows(x, w []float32, keys []int32, out []float32) { DotRowsStride(x, w, len(x), keys, out) }

// DotRowsStride is DotRows for a table whose rows start stride entries
// apart (stride ≥ len(x)): the rows of an interleaved table (distill keeps
// a user's row and its gradient side by side, stride 2d).
func DotRowsStride(x, w []float32, stride int, keys []int32, out []float32) {
	d := len(x)
	out = out[:len(keys)]
	if !useAVX || d&3 != 0 || stride&3 != 0 || uintptr(unsafe.Pointer(unsafe.SliceData(w)))&15 != 0 {
		for j, k := range keys {
			out[j] = Dot(x, w[int(k)*stride:int(k)*stride+d])
		}
		return
	}
	j := 0
	var o [4]float32
	for ; j+4 <= len(keys); j += 4 {
		k := keys[j : j+4 : j+4]
		r0, r1, r2, r3 := w[int(k[0])*stride:int(k[0])*stride+d], w[int(k[1])*stride:int(k[1])*stride+d], w[int(k[2])*stride:int(k[2])*stride+d], w[int(k[3])*stride:int(k[3])*stride+d]
		dot4SSE(x, &r0[0], &r1[0], &r2[0], &r3[0], &o)
		copy(out[j:j+4], o[:])
	}
	for ; j < len(keys); j++ {
		out[j] = Dot(x, w[int(keys[j])*stride:int(keys[j])*stride+d])
	}
}

// Dot returns Σ x[t]·y[t] with the rounding of gonum's SSE kernel on a
// 16-byte-aligned second operand, whatever the operands' alignment (nn.Dot
// is this function). gonum's kernel first sums, one by one, the elements
// before the second operand's first 16-byte boundary and then four lanes
// at a time, so the same values summed from differently aligned buffers
// round differently; Go aligns allocations of 25 bytes and more to 16
// bytes but smaller ones (five or six float32: the rows of a d = 6
// student) only to 8, which made such runs differ from process to process.
// Dot passes an aligned operand second (the products commute exactly), and
// when neither is aligned computes the aligned order in Go (dotSSE). For an
// aligned y and a length divisible by 4 — embedding rows of a dimension
// divisible by 4 — it computes that order itself, without the call
// overhead: four lane sums over each block of 16 elements, lanes j += x·y
// at offsets j and 8+j, a second set at 4+j and 12+j, the second set added
// to the first after the blocks, every remaining group of 4 added lane by
// lane, and the result (l0+l1)+(l2+l3). Every product is rounded to float32
// before it is added, as MULPS then ADDPS do: the explicit conversions keep
// the compiler from fusing them (it would with GOAMD64=v3). With AVX the
// assembly kernel dots1AVX computes dotSSE's order on any alignment (one
// 8-lane register holds both sets of lane sums) and serves every case but
// lengths 4, 8 and 12 with an aligned operand, where the Go loop above is
// as fast.
func Dot(x, y []float32) float32 {
	n := len(x)
	if useAVX && n > 0 && (n >= 16 || n&3 != 0 || !aligned16(x) && !aligned16(y)) {
		y = y[:n]
		var s float32
		dots1AVX(x, &y[0], &s)
		return s
	}
	if !aligned16(y) {
		if !aligned16(x) {
			return dotSSE(x, y)
		}
		x, y = y[:n], x
	}
	if n&3 != 0 {
		return gonumDot(x, y)
	}
	y = y[:n]
	var s0, s1, s2, s3 float32
	t := 0
	if n >= 16 {
		var p0, p1, p2, p3 float32
		for ; t+16 <= n; t += 16 {
			a, b := x[t:t+16:t+16], y[t:t+16:t+16]
			s0 += float32(a[0] * b[0])
			s1 += float32(a[1] * b[1])
			s2 += float32(a[2] * b[2])
			s3 += float32(a[3] * b[3])
			p0 += float32(a[4] * b[4])
			p1 += float32(a[5] * b[5])
			p2 += float32(a[6] * b[6])
			p3 += float32(a[7] * b[7])
			s0 += float32(a[8] * b[8])
			s1 += float32(a[9] * b[9])
			s2 += float32(a[10] * b[10])
			s3 += float32(a[11] * b[11])
			p0 += float32(a[12] * b[12])
			p1 += float32(a[13] * b[13])
			p2 += float32(a[14] * b[14])
			p3 += float32(a[15] * b[15])
		}
		s0 += p0
		s1 += p1
		s2 += p2
		s3 += p3
	}
	for ; t+4 <= n; t += 4 {
		a, b := x[t:t+4:t+4], y[t:t+4:t+4]
		s0 += float32(a[0] * b[0])
		s1 += float32(a[1] * b[1])
		s2 += float32(a[2] * b[2])
		s3 += float32(a[3] * b[3])
	}
	return (s0 + s1) + (s2 + s3)
}

// aligned16 says whether x starts on a 16-byte boundary (an empty slice
// counts as aligned).
func aligned16(x []float32) bool {
	return len(x) == 0 || uintptr(unsafe.Pointer(unsafe.SliceData(x)))&15 == 0
}

// dotSSE computes what gonum's f32.DotUnitary (amd64) returns for a
// 16-byte-aligned y: two 4-lane accumulators over blocks of 16, their sum,
// a 4-lane tail, a scalar tail into lane 0, then two horizontal adds. Each
// product is rounded to float32 before it is added (MULPS, then ADDPS);
// the explicit conversions keep the compiler from fusing them.
func dotSSE(x, y []float32) float32 {
	n := min(len(x), len(y))
	var s, p [4]float32
	i := 0
	if n >= 16 {
		for ; i+16 <= n; i += 16 {
			for l := range 4 {
				s[l] += float32(x[i+l] * y[i+l])
				p[l] += float32(x[i+4+l] * y[i+4+l])
				s[l] += float32(x[i+8+l] * y[i+8+l])
				p[l] += float32(x[i+12+l] * y[i+12+l])
			}
		}
		for l := range 4 {
			s[l] += p[l]
		}
	}
	for ; i+4 <= n; i += 4 {
		for l := range 4 {
			s[l] += float32(x[i+l] * y[i+l])
		}
	}
	for ; i < n; i++ {
		s[0] += float32(x[i] * y[i])
	}
	return (s[0] + s[1]) + (s[2] + s[3])
}

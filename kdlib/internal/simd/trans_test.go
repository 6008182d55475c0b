package simd_test

import (
	"math"
	"testing"

	"github.com/kdrec/kdrec/kdlib/internal/simd"
)

// TestTranspose checks Transpose against the definition for every
// remainder of the 8×8 blocks, with strides longer than the rows, and that
// nothing else of dst is written.
func TestTranspose(t *testing.T) {
	for _, rows := range []int{0, 1, 7, 8, 9, 16, 23, 40} {
		for _, cols := range []int{0, 1, 5, 8, 13, 16, 33} {
			lds, ldd := cols+3, rows+2
			src := make([]float32, rows*lds)
			for x := range src {
				src[x] = float32(x) + 0.5
			}
			dst := make([]float32, cols*ldd+1)
			for x := range dst {
				dst[x] = -1
			}
			simd.Transpose(dst, ldd, src, rows, cols, lds)
			for x, v := range dst {
				j, i := x/ldd, x%ldd
				want := float32(-1)
				if i < rows && j < cols {
					want = src[i*lds+j]
				}
				if v != want {
					t.Fatalf("%d×%d: dst[%d,%d] = %v, want %v", rows, cols, j, i, v, want)
				}
			}
		}
	}
}

// TestRowSums checks RowSums against the scalar sequential sum bit for bit
// (signed zeros, NaN and infinities included) for every remainder of the
// 8×8 blocks.
func TestRowSums(t *testing.T) {
	for _, rows := range []int{0, 1, 7, 8, 9, 17} {
		for _, n := range []int{0, 1, 7, 8, 13, 64, 70} {
			lds := n + 5
			src := ewInput(rows*lds, uint64(rows*100+n))
			out := make([]float32, rows)
			simd.RowSums(out, src, n, lds)
			for i := range out {
				want := float32(0)
				for _, x := range src[i*lds : i*lds+n] {
					want += x
				}
				if math.Float32bits(out[i]) != math.Float32bits(want) {
					t.Fatalf("%d rows, n=%d: row %d sums to %v, want %v", rows, n, i, out[i], want)
				}
			}
		}
	}
}

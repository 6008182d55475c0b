package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/kdrec/kdrec/kdlib/internal/simd"
	"github.com/kdrec/kdrec/kdlib/nn"
)

// scoreDot4 is the code scoreDotUsers replaced: items in blocks of 256
// copied into a buffer of rows padded to a multiple of 8, each group of 4
// users scored against every item of the block by nn.Dot4.
func scoreDot4(p, q *nn.Param, users []int32, out []float32) {
	d, m := p.Cols, q.Rows
	dp := (d + 7) &^ 7
	const itemBlock = 256
	nu := (len(users) + 3) &^ 3
	a := make([]float32, nu*dp)
	for k, u := range users {
		copy(a[k*dp:k*dp+d], p.Row(int(u)))
	}
	buf := make([]float32, itemBlock*dp)
	var s [4]float32
	for lo := 0; lo < m; lo += itemBlock {
		hi := min(lo+itemBlock, m)
		for i := lo; i < hi; i++ {
			copy(buf[(i-lo)*dp:(i-lo)*dp+d], q.W[i*d:(i+1)*d])
		}
		for g := 0; g < len(users); g += 4 {
			n := min(4, len(users)-g)
			rows := a[g*dp : (g+4)*dp]
			for i := lo; i < hi; i++ {
				nn.Dot4(rows, buf[(i-lo)*dp:(i-lo+1)*dp], &s)
				for r := 0; r < n; r++ {
					out[(g+r)*m+i] = s[r]
				}
			}
		}
	}
}

// TestScoreDotUsersIsDot4 holds scoreDotUsers (simd.DotNT over blocks of
// items) to the Dot4 loop bit for bit, for sizes that are and are not
// multiples of the kernels' blocks, with and without the AVX-512 blocks.
func TestScoreDotUsersIsDot4(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	prev := simd.SetAVX512(true)
	t.Cleanup(func() { simd.SetAVX512(prev) })
	for _, avx512 := range []bool{false, true} {
		if avx512 && !simd.HasAVX512() {
			continue
		}
		simd.SetAVX512(avx512)
		for _, d := range []int{1, 7, 8, 20, 64, 200} {
			for _, nu := range []int{1, 3, 4, 5, 13} {
				for _, m := range []int{1, 11, 256, 600} {
					p, q := nn.NewParam("p", 17, d), nn.NewParam("q", m, d)
					for k := range p.W {
						p.W[k] = float32(rng.NormFloat64())
					}
					for k := range q.W {
						q.W[k] = float32(rng.NormFloat64())
					}
					users := make([]int32, nu)
					for k := range users {
						users[k] = int32(rng.IntN(p.Rows))
					}
					got, want := make([]float32, nu*m), make([]float32, nu*m)
					scoreDotUsers(p, q, users, got)
					scoreDot4(p, q, users, want)
					for k := range got {
						if math.Float32bits(got[k]) != math.Float32bits(want[k]) {
							t.Fatalf("avx512=%v d=%d users=%d items=%d: score %d (user %d, item %d) is %v, Dot4 gives %v",
								avx512, d, nu, m, k, k/m, k%m, got[k], want[k])
						}
					}
				}
			}
		}
	}
}

// BenchmarkScoreDotUsers scores a block of users against CiteULike-t's
// 25,181 items at d = 200: 8 users (a worker's block in full-ranking
// evaluation) and 128 (a block of distill.BuildLists). "dotnt" is
// scoreDotUsers, "dot4" the loop it replaced, "dotnt-avx2" scoreDotUsers
// without the AVX-512 blocks.
func BenchmarkScoreDotUsers(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	p, q := nn.NewParam("p", 128, 200), nn.NewParam("q", 25181, 200)
	for k := range p.W {
		p.W[k] = float32(rng.NormFloat64())
	}
	for k := range q.W {
		q.W[k] = float32(rng.NormFloat64())
	}
	for _, nu := range []int{8, 128} {
		users := make([]int32, nu)
		for k := range users {
			users[k] = int32(k)
		}
		out := make([]float32, nu*q.Rows)
		for _, c := range []struct {
			name   string
			avx512 bool
			f      func(p, q *nn.Param, users []int32, out []float32)
		}{{"dotnt", true, scoreDotUsers}, {"dotnt-avx2", false, scoreDotUsers}, {"dot4", true, scoreDot4}} {
			b.Run(fmt.Sprintf("users=%d/%s", nu, c.name), func(b *testing.B) {
				prev := simd.SetAVX512(c.avx512)
				defer simd.SetAVX512(prev)
				cpu := processCPU()
				for b.Loop() {
					c.f(p, q, users, out)
				}
				b.ReportMetric((processCPU()-cpu)/float64(b.N)*1e3, "cpu-ms/op")
			})
		}
	}
}

// processCPU returns the CPU time (user + system) of the process so far.
func processCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

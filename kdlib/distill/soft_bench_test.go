package distill

import (
	"context"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/internal/simd"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// The soft phase of DE and HTD: the first epochs of a run, while the
// Gumbel-softmax temperature is high (τ = 1 here, the first epoch of the
// reference schedule) and every one of the 30 mapping networks of a side is
// evaluated for every entity of the batch (the 2^−24 pruning skips almost
// nothing yet). Sizes are CiteULike-t's: 5,219 users, 25,181 items, 115,142
// training pairs (113 batches of 1024 triples), a random BPR teacher with
// d_t = 200 (the cost does not depend on its values at τ = 1) and a BPR
// student with d_s = 20. Each benchmark has three parts:
//
//   - epoch: one training epoch (train.Fit: the student's BPR loss, the
//     term, Adam over the student and the term's networks), the time a
//     user waits;
//   - batch: the term alone on one batch of 1024 triples, the unit for
//     instruction counts (callgrind is too slow for a whole epoch);
//   - batch-avx2: the same batch with simd.DotNT's 256-bit kernel (skipped
//     without AVX-512, where batch is already that): the A/B of the
//     512-bit kernel in one process, under the same load.
//
// Both report the floating-point work of the mapping networks — per
// (entity, network) pair 3·(d_s·h + h·d_t) multiply-adds (the forward
// products X·W1ᵀ and (S⊙Z)·W2ᵀ, the backward products dĥ·W2, dĥᵀ·(S⊙Z),
// dZᵀ·X and dZ·W1), h = 110 — as GFLOP/op, and its rate as GFLOPS. Run
//
//	go test ./kdlib/distill -run '^$' -bench 'SoftPhase' -benchtime 2x -benchmem
//
// and, for the instruction count of a batch (one thread, so that the
// worker goroutines' instructions fall inside the counted call),
//
//	go test -c -o /tmp/distill.test ./kdlib/distill
//	GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind \
//	  --toggle-collect='*DETerm*Batch' /tmp/distill.test -test.run '^$' \
//	  -test.bench 'DESoftPhase/batch' -test.benchtime 3x
//
// (collected instructions ÷ 5 calls: the warm-up, the benchmark's first
// round of 1 and its round of 3; *HTDTerm*Batch for HTD).

func BenchmarkDESoftPhase(b *testing.B) {
	softPhase(b, func(t model.Embedder, s *model.BPR) (latTerm, error) { return DE(t, s, DefaultDE()) }, 1000)
}

func BenchmarkHTDSoftPhase(b *testing.B) {
	softPhase(b, func(t model.Embedder, s *model.BPR) (latTerm, error) { return HTD(t, s, DefaultHTD()) }, 100)
}

// latTerm is a DE or HTD term: a train.Term with the mixture's counters.
type latTerm interface {
	train.Term
	mixture() *latMixture
}

func (d *DETerm) mixture() *latMixture  { return &d.latMixture }
func (h *HTDTerm) mixture() *latMixture { return &h.latMixture }

// softFlops returns the multiply-adds ×2 of the mapping networks for the
// (entity, network) pairs evaluated since the counters were last reset.
func softFlops(m *latMixture) float64 {
	s := m.banks[latUser].sizes
	return 6 * float64(m.evaluated) * float64(s[0]*s[1]+s[1]*s[2])
}

func softPhase(b *testing.B, mk func(model.Embedder, *model.BPR) (latTerm, error), maxEpochs int) {
	s := latBenchData(b)
	teacher := latBenchTeacher(b, s)
	st, err := model.NewBPR(model.BPRConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: 20, Seed: 2})
	if err != nil {
		b.Fatal(err)
	}
	term, err := mk(teacher, st)
	if err != nil {
		b.Fatal(err)
	}
	mix := term.mixture()
	// The teacher's unit rows (HTD's topology reads them) cached up front,
	// as after a run's first epoch.
	for side, n := range []int{s.NumUsers(), s.NumItems()} {
		ids := make([]int32, n)
		for k := range ids {
			ids[k] = int32(k)
		}
		mix.teacher.units(side, ids, make([]float32, n*mix.teacher.d), mix.teacher.d)
	}
	b.Run("epoch", func(b *testing.B) {
		terms := []train.Term{st.Loss(), latAtEpoch{term, 0, maxEpochs}}
		cfg := train.Defaults()
		cfg.Epochs = 1
		mix.rows, mix.evaluated = 0, 0
		b.ReportAllocs()
		b.ResetTimer()
		cpu0 := latCPUSeconds()
		for n := 0; n < b.N; n++ {
			cfg.Seed = uint64(n)
			if _, err := train.Fit(context.Background(), st, s.Train, terms, cfg); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		softReport(b, mix, cpu0)
	})
	for _, kern := range []string{"", "-avx2"} {
		softBatch(b, "batch"+kern, s, st, term, maxEpochs, kern == "-avx2")
	}
}

// softBatch runs the batch part of softPhase, with the 256-bit product
// kernel when avx2 is set (the 512-bit one otherwise, where the machine has
// it; the values are the same, bit for bit).
func softBatch(b *testing.B, name string, s *data.Split, st *model.BPR, term latTerm, maxEpochs int, avx2 bool) {
	mix := term.mixture()
	b.Run(name, func(b *testing.B) {
		if avx2 {
			if !simd.HasAVX512() {
				b.Skip("no AVX-512: the default batch is the 256-bit one")
			}
			defer simd.SetAVX512(simd.SetAVX512(false))
		}
		// 1024 training pairs with one uniform negative each, as in an
		// epoch's batch.
		var users, pos, neg []int32
		rng := nn.NewRand(1, 1)
		pairs := s.Train.Pairs()
		for k := 0; k < 1024; k++ {
			p := pairs[rng.IntN(len(pairs))]
			users, pos = append(users, p.User), append(pos, p.Item)
			neg = append(neg, int32(rng.IntN(s.NumItems())))
		}
		if err := term.BeginEpoch(&train.Epoch{Index: 0, MaxEpochs: maxEpochs}); err != nil {
			b.Fatal(err)
		}
		batch := func(n int) *train.Batch {
			return &train.Batch{Users: users, Pos: pos, Neg: neg, Rand: nn.NewRand(uint64(n), 2)}
		}
		term.Batch(batch(0)) // sizes the buffers
		mix.rows, mix.evaluated = 0, 0
		b.ReportAllocs()
		b.ResetTimer()
		cpu0 := latCPUSeconds()
		for n := 0; n < b.N; n++ {
			term.Batch(batch(n))
		}
		b.StopTimer()
		softReport(b, mix, cpu0)
		for _, p := range append(st.Params(), term.Params()...) {
			p.TouchAll()
			p.ZeroGrad()
		}
	})
}

// softReport adds the mapping networks' work per op and its rate, and the
// process's CPU time per op (user + system over all threads, less
// sensitive than the wall time to other jobs on the machine) since cpu0.
func softReport(b *testing.B, m *latMixture, cpu0 float64) {
	b.ReportMetric((latCPUSeconds()-cpu0)/float64(b.N)*1e3, "cpu-ms/op")
	f := softFlops(m) / float64(b.N)
	b.ReportMetric(f/1e9, "GFLOP/op")
	b.ReportMetric(f/(b.Elapsed().Seconds()/float64(b.N))/1e9, "GFLOPS")
	b.ReportMetric(float64(m.evaluated)/float64(max(m.rows, 1)), "nets/row")
}

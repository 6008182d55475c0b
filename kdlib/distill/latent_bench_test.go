package distill

import (
	"bufio"
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// Benchmarks of one training epoch on CiteULike-t (LOO split of the
// embedded data, 115,142 training pairs, 113 batches of 1024): the BPR
// student (d=20) alone and with each latent term at its default settings,
// the teacher a BPR d=200. Run one method per process to read its peak
// resident memory (peak-RSS-MB, from /proc/self/status VmHWM), e.g.
//
//	go test ./kdlib/distill -run '^$' -bench 'LatentEpoch/DE-tau1$' -benchtime 1x -benchmem

var latBenchSplit *data.Split

func latBenchData(b *testing.B) *data.Split {
	if latBenchSplit == nil {
		x, err := datasets.Load("citeulike-t")
		if err != nil {
			b.Fatal(err)
		}
		if latBenchSplit, err = data.LeaveOneOut(x, 0, 0); err != nil {
			b.Fatal(err)
		}
	}
	return latBenchSplit
}

// latBenchTeacher returns the teacher: the checkpoint named by
// KDREC_BENCH_TEACHER when set (a trained BPR d=200), otherwise a random
// BPR d=200 with N(0, 0.1²) entries.
func latBenchTeacher(b *testing.B, s *data.Split) model.Embedder {
	if p := os.Getenv("KDREC_BENCH_TEACHER"); p != "" {
		c, _, err := model.Load(p)
		if err != nil {
			b.Fatal(err)
		}
		return c.(model.Embedder)
	}
	t, err := model.NewBPR(model.BPRConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: 200, InitStd: 0.1, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	return t
}

// latAtEpoch makes a term see a fixed epoch index (for the annealed
// temperature) whatever epoch the trainer runs.
type latAtEpoch struct {
	train.Term
	index, max int
}

func (a latAtEpoch) BeginEpoch(e *train.Epoch) error {
	f := *e
	f.Index, f.MaxEpochs = a.index, a.max
	return a.Term.BeginEpoch(&f)
}

// latCPUSeconds returns the process's user+system CPU time.
func latCPUSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func latPeakRSSMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func BenchmarkLatentEpoch(b *testing.B) {
	type mk func(t model.Embedder, s *model.BPR) (train.Term, error)
	cases := []struct {
		name string
		make mk
		// epoch index and max epochs seen by the term (temperature)
		index, max int
	}{
		{"Student", nil, 0, 1000},
		{"Hint-mlp", func(t model.Embedder, s *model.BPR) (train.Term, error) { return Hint(t, s, DefaultHint()) }, 0, 1000},
		{"DE-tau1", func(t model.Embedder, s *model.BPR) (train.Term, error) { return DE(t, s, DefaultDE()) }, 0, 1000},
		{"DE-epoch100", func(t model.Embedder, s *model.BPR) (train.Term, error) { return DE(t, s, DefaultDE()) }, 100, 1000},
		{"DE-epoch250", func(t model.Embedder, s *model.BPR) (train.Term, error) { return DE(t, s, DefaultDE()) }, 250, 1000},
		// The reference PHR (H = 4,200, one network): ~10 CPU-minutes an op.
		{"PHR", func(t model.Embedder, s *model.BPR) (train.Term, error) { return PHR(t, s, DefaultPHR()) }, 0, 1000},
		{"PHR-v1", func(t model.Embedder, s *model.BPR) (train.Term, error) {
			return PHR(t, s, PHROptions{Lambda: 0.01, Variant: VariantKdrecV1})
		}, 0, 1000},
		{"FTD", func(t model.Embedder, s *model.BPR) (train.Term, error) { return FTD(t, s, DefaultFTD()) }, 0, 100},
		{"FTD-skipconst", func(t model.Embedder, s *model.BPR) (train.Term, error) {
			o := DefaultFTD()
			o.SkipConstant = true
			return FTD(t, s, o)
		}, 0, 100},
		{"HTD-tau1", func(t model.Embedder, s *model.BPR) (train.Term, error) { return HTD(t, s, DefaultHTD()) }, 0, 100},
		{"HTD-epoch20", func(t model.Embedder, s *model.BPR) (train.Term, error) { return HTD(t, s, DefaultHTD()) }, 20, 100},
		{"HTD-PP-epoch20", func(t model.Embedder, s *model.BPR) (train.Term, error) {
			o := DefaultHTD()
			o.Group = GroupPP
			return HTD(t, s, o)
		}, 20, 100},
		{"DE-tau1-dense", func(t model.Embedder, s *model.BPR) (train.Term, error) {
			o := DefaultDE()
			o.Prune = 0
			return DE(t, s, o)
		}, 0, 1000},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			s := latBenchData(b)
			teacher := latBenchTeacher(b, s)
			st, err := model.NewBPR(model.BPRConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: 20, Seed: 2})
			if err != nil {
				b.Fatal(err)
			}
			terms := []train.Term{st.Loss()}
			if c.make != nil {
				term, err := c.make(teacher, st)
				if err != nil {
					b.Fatal(err)
				}
				terms = append(terms, latAtEpoch{term, c.index, c.max})
			}
			cfg := train.Defaults()
			cfg.Epochs = 1
			// One untimed epoch fills the teacher cache of the topology
			// terms, so that the timed epochs are steady-state.
			if strings.HasPrefix(c.name, "FTD") || strings.HasPrefix(c.name, "HTD") {
				cfg.Seed = 1 << 40
				if _, err := train.Fit(context.Background(), st, s.Train, terms, cfg); err != nil {
					b.Fatal(err)
				}
			}
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
			b.ReportMetric((latCPUSeconds()-cpu0)/float64(b.N), "cpu-s/op")
			b.ReportMetric(latPeakRSSMB(), "peak-RSS-MB")
		})
	}
}

// BenchmarkLatentBatch times one batch (1024 training triples of CiteULike)
// of a term alone, without the trainer: the unit the epoch benchmark
// multiplies by 113.
func BenchmarkLatentBatch(b *testing.B) {
	s := latBenchData(b)
	teacher := latBenchTeacher(b, s)
	st, err := model.NewBPR(model.BPRConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: 20, Seed: 2})
	if err != nil {
		b.Fatal(err)
	}
	// 1024 random training pairs with one uniform negative each, as in an
	// epoch's batch.
	var users, pos, neg []int32
	rng := nn.NewRand(1, 1)
	pairs := s.Train.Pairs()
	for k := 0; k < 1024; k++ {
		p := pairs[rng.IntN(len(pairs))]
		users, pos = append(users, p.User), append(pos, p.Item)
		neg = append(neg, int32(rng.IntN(s.NumItems())))
	}
	for _, c := range []struct {
		name       string
		term       func() (train.Term, error)
		index, max int
	}{
		{"Hint", func() (train.Term, error) { return Hint(teacher, st, DefaultHint()) }, 0, 1000},
		{"DE-tau1", func() (train.Term, error) { return DE(teacher, st, DefaultDE()) }, 0, 1000},
		{"DE-tau1-grouped", func() (train.Term, error) {
			d, err := DE(teacher, st, DefaultDE())
			for side := range d.sides {
				d.sides[side].job.noStacked = true
			}
			return d, err
		}, 0, 1000},
		{"DE-epoch250", func() (train.Term, error) { return DE(teacher, st, DefaultDE()) }, 250, 1000},
		{"PHR", func() (train.Term, error) { return PHR(teacher, st, DefaultPHR()) }, 0, 1000},
		{"PHR-v1", func() (train.Term, error) { return PHR(teacher, st, PHROptions{Lambda: 0.01, Variant: VariantKdrecV1}) }, 0, 1000},
		{"FTD", func() (train.Term, error) { return FTD(teacher, st, DefaultFTD()) }, 0, 100},
		{"HTD-tau1", func() (train.Term, error) { return HTD(teacher, st, DefaultHTD()) }, 0, 100},
		{"HTD-epoch20", func() (train.Term, error) { return HTD(teacher, st, DefaultHTD()) }, 20, 100},
	} {
		b.Run(c.name, func(b *testing.B) {
			term, err := c.term()
			if err != nil {
				b.Fatal(err)
			}
			if err := term.BeginEpoch(&train.Epoch{Index: c.index, MaxEpochs: c.max}); err != nil {
				b.Fatal(err)
			}
			batch := func(n int) *train.Batch {
				return &train.Batch{Users: users, Pos: pos, Neg: neg, Rand: nn.NewRand(uint64(n), 2)}
			}
			term.Batch(batch(0)) // sizes the buffers, fills caches
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := latCPUSeconds()
			for n := 0; n < b.N; n++ {
				term.Batch(batch(n))
			}
			b.StopTimer()
			b.ReportMetric((latCPUSeconds()-cpu0)/float64(b.N)*1e3, "cpu-ms/op")
			for _, p := range append(st.Params(), term.Params()...) {
				p.TouchAll()
				p.ZeroGrad()
			}
		})
	}
}

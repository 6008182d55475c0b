package distill

import (
	"context"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// The benchmarks use the embedded CiteULike-t data (5,219 users × 25,181
// items, the sizes of the DE-RRD split) with a leave-one-out split, an
// untrained BPR d=200 teacher (list building costs the same for any weights)
// and a BPR d=20 student, as in the reproduction.
var (
	benchOnce  sync.Once
	benchSplit *data.Split
	benchTeach *model.BPR
	benchLists *TeacherLists
	benchErr   error
)

// cpuTime returns the CPU time (user + system) the process has used. The
// benchmarks report it per op next to the wall time, because the machines
// they run on are shared and the wall time also counts waiting for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS returns the peak resident set size of the process in MiB.
func peakRSS() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // kilobytes on Linux
}

// loop runs f under b.Loop and reports the CPU seconds per op, and the
// process's peak resident memory ("peak-MiB": since the process started,
// so run one benchmark per process for a per-method figure; it includes
// the data, the teacher and its lists).
func loop(b *testing.B, f func()) {
	b.Helper()
	b.ReportAllocs()
	var c0 time.Duration
	n := 0
	for b.Loop() {
		if n == 0 {
			c0 = cpuTime()
		}
		f()
		n++
	}
	b.ReportMetric((cpuTime()-c0).Seconds()/float64(n), "cpu-s/op")
	b.ReportMetric(peakRSS(), "peak-MiB")
}

func benchSetup(b *testing.B, withLists bool) {
	b.Helper()
	benchOnce.Do(func() {
		x, err := datasets.Load("citeulike-t")
		if err != nil {
			benchErr = err
			return
		}
		if benchSplit, err = data.LeaveOneOut(x, 0, data.DefaultNumCandidates); err != nil {
			benchErr = err
			return
		}
		benchTeach, benchErr = model.NewBPR(model.BPRConfig{Users: x.NumUsers, Items: x.NumItems, Dim: 200, InitStd: 0.1, Seed: 1})
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	if withLists && benchLists == nil {
		var err error
		benchLists, err = BuildLists(context.Background(), benchTeach, benchSplit.Train, ListOptions{N: 500, ItemSide: true})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildUserLists times the teacher's top-500 item lists of every
// user (reference: 19 s in the authors' code).
func BenchmarkBuildUserLists(b *testing.B) {
	benchSetup(b, false)
	loop(b, func() {
		if _, err := BuildLists(context.Background(), benchTeach, benchSplit.Train, ListOptions{N: 500}); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkBuildUserItemLists times both sides in one pass (reference:
// IR-RRD's 66 s of set-up).
func BenchmarkBuildUserItemLists(b *testing.B) {
	benchSetup(b, false)
	loop(b, func() {
		if _, err := BuildLists(context.Background(), benchTeach, benchSplit.Train, ListOptions{N: 500, ItemSide: true}); err != nil {
			b.Fatal(err)
		}
	})
}

// benchEpoch times one training epoch (negative sampling, BeginEpoch of
// every term, 113 batches, Adam) of a BPR d=20 student with the given
// distillation term; one op is one epoch.
// extra, if given, returns further terms made by mk (DE-RRD's DE).
func benchEpoch(b *testing.B, mk func(st *model.BPR) (train.Term, error), extra ...func() train.Term) {
	benchSetup(b, true)
	x := benchSplit.Train
	st, _ := model.NewBPR(model.BPRConfig{Users: x.NumUsers, Items: x.NumItems, Dim: 20, Seed: 2})
	terms := []train.Term{st.Loss()}
	if mk != nil {
		t, err := mk(st)
		if err != nil {
			b.Fatal(err)
		}
		terms = append(terms, t)
	}
	for _, e := range extra {
		terms = append(terms, e())
	}
	cfg := train.Defaults()
	cfg.Epochs, cfg.Patience = 1, 0
	loop(b, func() {
		if _, err := train.Fit(context.Background(), st, x, terms, cfg); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkEpochStudent: the plain BPR student, the yardstick of the terms.
func BenchmarkEpochStudent(b *testing.B) { benchEpoch(b, nil) }

// BenchmarkEpochRD: RD with its position weights (a one-epoch Fit is epoch
// 0, before DynamicStart); BenchmarkRDDynamicWeights adds the per-epoch
// rank estimation of the later epochs.
func BenchmarkEpochRD(b *testing.B) {
	benchEpoch(b, func(st *model.BPR) (train.Term, error) { return RD(benchLists, st, RDOptions{}) })
}

// BenchmarkRDDynamicWeights times RD's BeginEpoch from DynamicStart on:
// the student's rank of the K = 10 teacher items of every user estimated
// from 100 random items.
func BenchmarkRDDynamicWeights(b *testing.B) {
	benchSetup(b, true)
	x := benchSplit.Train
	st, _ := model.NewBPR(model.BPRConfig{Users: x.NumUsers, Items: x.NumItems, Dim: 20, Seed: 2})
	t, err := RD(benchLists, st, RDOptions{})
	if err != nil {
		b.Fatal(err)
	}
	loop(b, func() {
		if err := t.BeginEpoch(&train.Epoch{Index: 10, Train: x, Rand: nn.NewRand(1, 1)}); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkEpochCD is the reference CD (the student's top-3000 every epoch),
// BenchmarkEpochCDV1 kdrec's earlier, teacher-guided one.
func BenchmarkEpochCD(b *testing.B) {
	benchEpoch(b, func(st *model.BPR) (train.Term, error) { return CD(benchLists, benchTeach, st, CDOptions{}) })
}

func BenchmarkEpochCDV1(b *testing.B) {
	benchEpoch(b, func(st *model.BPR) (train.Term, error) {
		return CD(benchLists, benchTeach, st, CDOptions{Variant: VariantKdrecV1})
	})
}

// BenchmarkEpochRRD: reference 6.4 s per epoch.
func BenchmarkEpochRRD(b *testing.B) {
	benchEpoch(b, func(st *model.BPR) (train.Term, error) { return RRD(benchLists, st, RRDOptions{}) })
}

func BenchmarkEpochRRDTopK(b *testing.B) {
	benchEpoch(b, func(st *model.BPR) (train.Term, error) { return RRD(benchLists, st, RRDOptions{TopK: true}) })
}

// BenchmarkEpochIRRRD: reference 26.8 s per epoch.
func BenchmarkEpochIRRRD(b *testing.B) {
	benchEpoch(b, func(st *model.BPR) (train.Term, error) { return IRRRD(benchLists, st, IRRRDOptions{}) })
}

// BenchmarkEpochDERRD: DE (the other engineer's term, teacher d = 200)
// plus RRD.
func BenchmarkEpochDERRD(b *testing.B) {
	benchSetup(b, true)
	var de train.Term
	benchEpoch(b, func(st *model.BPR) (train.Term, error) {
		terms, err := DERRD(benchTeach, benchLists, st, DefaultDE(), RRDOptions{})
		if err != nil {
			return nil, err
		}
		de = terms[0]
		return terms[1], nil
	}, func() train.Term { return de })
}

// BenchmarkEpochCLDRD: CL-DRD at its first stage (5 + 12 + 13 items per
// user, 291 pairs).
func BenchmarkEpochCLDRD(b *testing.B) {
	benchEpoch(b, func(st *model.BPR) (train.Term, error) { return CLDRD(benchLists, st, CLDRDOptions{}) })
}

// BenchmarkEpochDCD: the reference DCD, whose BeginEpoch ranks every item
// with the student (top-690 per user); BenchmarkEpochDCDV1: kdrec's earlier
// DCD (top-200 per user and per item, both sides distilled).
func BenchmarkEpochDCD(b *testing.B) {
	benchEpoch(b, func(st *model.BPR) (train.Term, error) { return DCD(benchLists, st, DCDOptions{}) })
}

func BenchmarkEpochDCDV1(b *testing.B) {
	benchEpoch(b, func(st *model.BPR) (train.Term, error) {
		return DCD(benchLists, st, DCDOptions{Variant: VariantKdrecV1})
	})
}

// BenchmarkListwiseBatch times one RRD-sized batch (700 users × (40 + 40)
// pairs) on a BPR d=20 student of CiteULike's size: scoring, Listwise and
// gradients. One op is one batch (an epoch has 113).
func BenchmarkListwiseBatch(b *testing.B) { benchListBatch(b, 0) }

// BenchmarkListwiseBatchIR times one IR-RRD-sized batch: the RRD groups
// plus 17,000 item groups of 20 + 20 users.
func BenchmarkListwiseBatchIR(b *testing.B) { benchListBatch(b, 17000) }

func benchListBatch(b *testing.B, itemGroups int) {
	m, _ := model.NewBPR(model.BPRConfig{Users: 5220, Items: 25182, Dim: 20, Seed: 1})
	lb := &listBatch{}
	r := nn.NewRand(1, 1)
	lb.reset()
	for g := 0; g < 700; g++ {
		ord, below := make([]int32, 40), make([]int32, 40)
		for k := range ord {
			ord[k] = int32(r.IntN(25182))
			below[k] = int32(r.IntN(25182))
		}
		lb.addUser(int32(g*7), ord, below, 1e-3)
	}
	// The item groups as IR-RRD adds them (addItems: referenced in place).
	items := make([]int32, 0, itemGroups)
	ord, below := map[int32][]int32{}, map[int32][]int32{}
	for _, i := range r.Perm(25182)[:itemGroups] {
		o, b := make([]int32, 20), make([]int32, 20)
		for k := range o {
			o[k] = int32(r.IntN(5220))
			b[k] = int32(r.IntN(5220))
		}
		items = append(items, int32(i))
		ord[int32(i)], below[int32(i)] = o, b
	}
	lb.addItems(items, 5e-4, func(i int32) ([]int32, []int32) { return ord[i], below[i] })
	loop(b, func() {
		lb.run(m)
		for _, p := range m.Params() {
			p.ZeroGrad()
		}
	})
}

package train_test

import (
	"context"
	"github.com/kdrec/kdrec/kdlib/internal/benchutil"
	"testing"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// citeulike returns the training part of the LOO split of the embedded
// CiteULike-t (115,142 interactions, as in the authors' split).
func citeulike(b *testing.B) *data.Interactions {
	x, err := datasets.Load("citeulike-t")
	if err != nil {
		b.Fatal(err)
	}
	s, err := data.LeaveOneOut(x, 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	return s.Train
}

// benchEpoch measures one BPR training epoch (113 batches of 1024 triples,
// negative sampling, shuffling and the dense Adam updates of every row).
func benchEpoch(b *testing.B, dim int, lazy bool) {
	x := citeulike(b)
	m, err := model.NewBPR(model.BPRConfig{Users: x.NumUsers, Items: x.NumItems, Dim: dim})
	if err != nil {
		b.Fatal(err)
	}
	cfg := train.Defaults()
	cfg.Epochs, cfg.LazyAdam = 1, lazy
	b.ReportAllocs()
	b.ResetTimer()
	done := benchutil.CPU(b)
	for n := 0; n < b.N; n++ {
		cfg.Seed = uint64(n)
		if _, err := train.Fit(context.Background(), m, x, []train.Term{m.Loss()}, cfg); err != nil {
			b.Fatal(err)
		}
	}
	done()
}

// BenchmarkBPREpochD20 is one epoch of the BPR student (d=20) on CiteULike.
func BenchmarkBPREpochD20(b *testing.B) { benchEpoch(b, 20, false) }

// BenchmarkBPREpochD200 is one epoch of the BPR teacher (d=200) on CiteULike.
func BenchmarkBPREpochD200(b *testing.B) { benchEpoch(b, 200, false) }

// BenchmarkBPREpochD200Lazy is the same with the lazy (touched rows) Adam.
func BenchmarkBPREpochD200Lazy(b *testing.B) { benchEpoch(b, 200, true) }

package train_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kdrec/kdrec/kdlib/internal/benchutil"

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

// fileCheckpointer keeps a checkpoint in path, written as kdlib/exp does
// (model.WriteAtomic: a temporary file, synced, renamed).
func fileCheckpointer(path string) *train.Checkpointer {
	return &train.Checkpointer{Name: path, Identity: "bench",
		Load: func() (io.ReadCloser, error) {
			f, err := os.Open(path)
			if os.IsNotExist(err) {
				return nil, nil
			}
			return f, err
		},
		Save: func(write func(io.Writer) error) error { return model.WriteAtomic(path, write) }}
}

// BenchmarkBPREpochD200Checkpoint is BenchmarkBPREpochD200 with a
// checkpoint saved after the epoch (parameters, Adam moments: about 73 MB
// for the d = 200 teacher, reported as ckpt-MB); the difference between
// the two is the cost of a save.
func BenchmarkBPREpochD200Checkpoint(b *testing.B) {
	x := citeulike(b)
	m, err := model.NewBPR(model.BPRConfig{Users: x.NumUsers, Items: x.NumItems, Dim: 200})
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "bench.ckpt")
	cfg := train.Defaults()
	cfg.Epochs = 1
	b.ReportAllocs()
	b.ResetTimer()
	done := benchutil.CPU(b)
	for n := 0; n < b.N; n++ {
		os.Remove(path)
		cfg.Seed, cfg.Checkpoint = uint64(n), fileCheckpointer(path)
		if _, err := train.Fit(context.Background(), m, x, []train.Term{m.Loss()}, cfg); err != nil {
			b.Fatal(err)
		}
	}
	done()
	if fi, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(fi.Size())/1e6, "ckpt-MB")
	}
}

// BenchmarkCheckpointResumeD200 measures resuming the d = 200 teacher from
// the checkpoint of its finished epoch: reading, checking and restoring
// it (nothing is left to train).
func BenchmarkCheckpointResumeD200(b *testing.B) {
	x := citeulike(b)
	m, err := model.NewBPR(model.BPRConfig{Users: x.NumUsers, Items: x.NumItems, Dim: 200})
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "bench.ckpt")
	cfg := train.Defaults()
	cfg.Epochs, cfg.Checkpoint = 1, fileCheckpointer(path)
	if _, err := train.Fit(context.Background(), m, x, []train.Term{m.Loss()}, cfg); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	done := benchutil.CPU(b)
	for n := 0; n < b.N; n++ {
		res, err := train.Fit(context.Background(), m, x, []train.Term{m.Loss()}, cfg)
		// Resuming saved nothing new: every iteration reads the same file.
		if err != nil || len(res.Resumed) != 1 {
			b.Fatalf("%v, resumed %v", err, res.Resumed)
		}
	}
	done()
}

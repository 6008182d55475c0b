package model_test

// Real-data tests and benchmarks of the model zoo: every model trains
// briefly on CiteULike-t (embedded) and MovieLens-100K (KDREC_DATASETS) and
// must beat the most-popular baseline clearly; KDREC_LONG=1 runs the longer
// trainings of docs/models.md; the benchmarks time one training epoch and
// the full-ranking evaluation of every user on CiteULike-t. Besides wall
// time they report CPU seconds per operation (cpu-s/op), the meaningful
// figure on a shared machine.

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/internal/datatest"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// zooModel is what the real-data tests train and evaluate.
type zooModel interface {
	model.Scorer
	train.Model
	NumParams() int
}

// zooSpec builds one model kind over a split with its reference training
// settings (TrainDefaults) and its loss term.
type zooSpec struct {
	name string
	dim  int
	// build returns the model, its loss and its reference training settings.
	build func(s *data.Split, dim int, seed uint64) (zooModel, train.Term, train.Config, error)
	// quick holds the brief runs of TestZooBeatsPop per data set: epochs and
	// the learning rate and batch size when they differ from the reference.
	quick map[string]quickRun
}

type quickRun struct {
	epochs int
	lr     float64
	batch  int
}

var zoo = []zooSpec{
	{name: "bpr", dim: 64,
		build: func(s *data.Split, dim int, seed uint64) (zooModel, train.Term, train.Config, error) {
			m, err := model.NewBPR(model.BPRConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: dim, Seed: seed})
			if err != nil {
				return nil, nil, train.Config{}, err
			}
			return m, m.Loss(), train.Defaults(), nil
		},
		quick: map[string]quickRun{"citeulike-t": {epochs: 5}, "ml-100k": {epochs: 10}}},
	{name: "neumf", dim: 64,
		build: func(s *data.Split, dim int, seed uint64) (zooModel, train.Term, train.Config, error) {
			m, err := model.NewNeuMF(model.NCFConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: dim, Seed: seed})
			if err != nil {
				return nil, nil, train.Config{}, err
			}
			return m, m.Loss(), m.TrainDefaults(), nil
		},
		quick: map[string]quickRun{"citeulike-t": {epochs: 4}, "ml-100k": {epochs: 5}}},
	{name: "mlp", dim: 64,
		build: func(s *data.Split, dim int, seed uint64) (zooModel, train.Term, train.Config, error) {
			m, err := model.NewMLP(model.NCFConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: dim, Seed: seed})
			if err != nil {
				return nil, nil, train.Config{}, err
			}
			return m, m.Loss(), m.TrainDefaults(), nil
		},
		quick: map[string]quickRun{"citeulike-t": {epochs: 10}, "ml-100k": {epochs: 10}}},
	{name: "cml", dim: 64,
		build: func(s *data.Split, dim int, seed uint64) (zooModel, train.Term, train.Config, error) {
			m, err := model.NewCML(model.CMLConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: dim, Seed: seed})
			if err != nil {
				return nil, nil, train.Config{}, err
			}
			return m, m.Loss(), m.TrainDefaults(), nil
		},
		quick: map[string]quickRun{"citeulike-t": {epochs: 3, lr: 0.01}, "ml-100k": {epochs: 3, lr: 0.01}}},
	{name: "lightgcn", dim: 64,
		build: func(s *data.Split, dim int, seed uint64) (zooModel, train.Term, train.Config, error) {
			m, err := model.NewLightGCN(model.LightGCNConfig{Dim: dim, Seed: seed}, s.Train)
			if err != nil {
				return nil, nil, train.Config{}, err
			}
			return m, m.Loss(), m.TrainDefaults(), nil
		},
		quick: map[string]quickRun{"citeulike-t": {epochs: 2, lr: 0.01, batch: 4096}, "ml-100k": {epochs: 5, lr: 0.01, batch: 4096}}},
	{name: "cdae", dim: 64,
		build: func(s *data.Split, dim int, seed uint64) (zooModel, train.Term, train.Config, error) {
			m, err := model.NewCDAE(model.CDAEConfig{Hidden: dim, Seed: seed}, s.Train)
			if err != nil {
				return nil, nil, train.Config{}, err
			}
			return m, m.Loss(), m.TrainDefaults(), nil
		},
		quick: map[string]quickRun{"citeulike-t": {epochs: 5}, "ml-100k": {epochs: 12}}},
	{name: "iae", dim: 64,
		build: func(s *data.Split, dim int, seed uint64) (zooModel, train.Term, train.Config, error) {
			m, err := model.NewItemAE(model.CDAEConfig{Hidden: dim, Seed: seed}, s.Train)
			if err != nil {
				return nil, nil, train.Config{}, err
			}
			return m, m.Loss(), m.TrainDefaults(), nil
		},
		quick: map[string]quickRun{"citeulike-t": {epochs: 4}, "ml-100k": {epochs: 20}}},
}

var splits sync.Map // data set name → *data.Split

// zooSplit returns the 80/10/10 split (seed 0) of a data set; ml-100k is
// read from KDREC_DATASETS and skips the test when it is unset.
func zooSplit(tb testing.TB, name string) *data.Split {
	if s, ok := splits.Load(name); ok {
		return s.(*data.Split)
	}
	var opts []datasets.Option
	if name != "citeulike-t" {
		dir := os.Getenv(datasets.EnvDir)
		if dir == "" {
			datatest.Skipf(tb, "%s not set: %s is read from the shared datasets folder", datasets.EnvDir, name)
		}
		opts = append(opts, datasets.Dir(dir))
	}
	x, err := datasets.Load(name, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := data.RatioSplit801010(x, 0)
	if err != nil {
		tb.Fatal(err)
	}
	splits.Store(name, s)
	return s
}

// fullRanking evaluates m on part of s (all cut-offs 10, 20, 50).
func fullRanking(tb testing.TB, m model.Scorer, s *data.Split, part string) map[string]float64 {
	r, err := eval.FullRanking(context.Background(), m, s, part, eval.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return r.Means()
}

// TestZooBeatsPop trains every model briefly on each data set and requires
// a test Recall@50 (full ranking, 80/10/10 split) of at least 1.2 times the
// most-popular baseline's.
func TestZooBeatsPop(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on real data")
	}
	for _, ds := range []string{"citeulike-t", "ml-100k"} {
		t.Run(ds, func(t *testing.T) {
			s := zooSplit(t, ds)
			pop, err := model.NewPop(s.Train)
			if err != nil {
				t.Fatal(err)
			}
			popRecall := fullRanking(t, pop, s, eval.Test)["Recall@50"]
			for _, z := range zoo {
				t.Run(z.name, func(t *testing.T) {
					q := z.quick[ds]
					m, term, cfg, err := z.build(s, z.dim, 1)
					if err != nil {
						t.Fatal(err)
					}
					cfg.Epochs, cfg.Patience, cfg.Seed = q.epochs, 0, 1
					if q.lr > 0 {
						cfg.LR = q.lr
					}
					if q.batch > 0 {
						cfg.BatchSize = q.batch
					}
					start := time.Now()
					if _, err := train.Fit(context.Background(), m, s.Train, []train.Term{term}, cfg); err != nil {
						t.Fatal(err)
					}
					took := time.Since(start)
					got := fullRanking(t, m, s, eval.Test)["Recall@50"]
					t.Logf("%s on %s: Recall@50 %.4f after %d epochs (Pop %.4f, ratio %.2f; training %v)",
						z.name, ds, got, q.epochs, popRecall, got/popRecall, took.Round(time.Millisecond))
					if got < 1.2*popRecall {
						t.Errorf("Recall@50 %.4f is below 1.2 × Pop's %.4f", got, popRecall)
					}
				})
			}
		})
	}
}

// TestZooLong runs the longer trainings reported in docs/models.md
// (KDREC_LONG=1; KDREC_LONG_MODELS=a,b restricts the models,
// KDREC_LONG_DATA the data sets). Each run evaluates validation Recall@50
// every 5 epochs, stops after 4 evaluations without improvement and
// reports the test metrics of the best validation state.
func TestZooLong(t *testing.T) {
	if os.Getenv("KDREC_LONG") == "" {
		t.Skip("long trainings: set KDREC_LONG=1")
	}
	pick := func(env string, name string) bool {
		v := os.Getenv(env)
		return v == "" || strings.Contains(","+v+",", ","+name+",")
	}
	var md strings.Builder
	md.WriteString("| data | model | d | params | epochs (best) | Recall@10 | NDCG@10 | Recall@20 | NDCG@20 | Recall@50 | NDCG@50 | CPU s/epoch (wall) |\n")
	md.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, ds := range []string{"citeulike-t", "ml-100k"} {
		if !pick("KDREC_LONG_DATA", ds) {
			continue
		}
		s := zooSplit(t, ds)
		pop, _ := model.NewPop(s.Train)
		r := fullRanking(t, pop, s, eval.Test)
		row := func(name string, dim, params int, epochs string, r map[string]float64, sec string) {
			line := fmt.Sprintf("| %s | %s | %d | %d | %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %s |\n", ds, name, dim, params, epochs,
				r["Recall@10"], r["NDCG@10"], r["Recall@20"], r["NDCG@20"], r["Recall@50"], r["NDCG@50"], sec)
			md.WriteString(line)
			t.Log(strings.TrimSpace(line))
		}
		row("pop", 0, pop.NumParams(), "–", r, "–")
		for _, z := range zoo {
			if !pick("KDREC_LONG_MODELS", z.name) {
				continue
			}
			m, term, cfg, err := z.build(s, z.dim, 0)
			if err != nil {
				t.Fatal(err)
			}
			long := longRuns[z.name]
			cfg.Epochs, cfg.EvalEvery, cfg.Patience = long.epochs, 5, 4
			if long.lr > 0 {
				cfg.LR = long.lr
			}
			if long.batch > 0 {
				cfg.BatchSize = long.batch
			}
			cfg.StopMetrics, cfg.RestoreBest = []string{"Recall@50"}, true
			cfg.Eval = func(ctx context.Context, epoch int) (map[string]float64, map[string]float64, error) {
				return fullRanking(t, m, s, eval.Valid), nil, nil
			}
			// CPU seconds of the training part of each epoch (the machine is
			// shared, so wall time says little): from the end of the previous
			// epoch (or the start) to the epoch's last batch, evaluation excluded.
			var cpu, mark, last float64
			mark = cpuSeconds()
			cfg.Hooks = append(cfg.Hooks, train.Hook{
				OnBatch: func(e train.BatchEvent) {
					if e.Batch == e.Batches {
						last = cpuSeconds()
						cpu += last - mark
					}
				},
				OnEpoch: func(train.EpochEvent) { mark = cpuSeconds() },
			})
			res, err := train.Fit(context.Background(), m, s.Train, []train.Term{term}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			wall := 0.0
			for _, p := range res.History {
				wall += p.Seconds
			}
			best := res.Best["Recall@50"].Epoch
			row(z.name, z.dim, m.NumParams(), fmt.Sprintf("%d (%d)", res.Epochs, best), fullRanking(t, m, s, eval.Test),
				fmt.Sprintf("%.2f (%.2f)", cpu/float64(res.Epochs), wall/float64(res.Epochs)))
		}
	}
	if out := os.Getenv("KDREC_LONG_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(md.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Log("\n" + md.String())
}

// longRuns are the settings of TestZooLong: epoch caps, and the reference
// hyper-parameters except LightGCN's faster learning rate and larger
// batches, needed to finish within the budget (noted in docs/models.md).
var longRuns = map[string]quickRun{
	"bpr":      {epochs: 200},
	"neumf":    {epochs: 40},
	"mlp":      {epochs: 40},
	"cml":      {epochs: 100},
	"lightgcn": {epochs: 60, lr: 0.005, batch: 4096},
	"cdae":     {epochs: 150},
	"iae":      {epochs: 150},
}

// BenchmarkEpoch times one training epoch of each model on CiteULike-t (80%
// training part, reference settings).
func BenchmarkEpoch(b *testing.B) {
	s := zooSplit(b, "citeulike-t")
	for _, z := range zoo {
		b.Run(z.name, func(b *testing.B) {
			m, term, cfg, err := z.build(s, z.dim, 0)
			if err != nil {
				b.Fatal(err)
			}
			cfg.Epochs, cfg.Patience = 1, 0
			b.ResetTimer()
			cpu := cpuSeconds()
			for n := 0; n < b.N; n++ {
				cfg.Seed = uint64(n)
				if _, err := train.Fit(context.Background(), m, s.Train, []train.Term{term}, cfg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((cpuSeconds()-cpu)/float64(b.N), "cpu-s/op")
		})
	}
}

// BenchmarkFullRanking times the full-ranking evaluation of every test
// user of CiteULike-t (scoring all 25,181 items and keeping the top 50),
// including the first call's rebuild of any scoring cache.
func BenchmarkFullRanking(b *testing.B) {
	s := zooSplit(b, "citeulike-t")
	for _, z := range zoo {
		b.Run(z.name, func(b *testing.B) {
			m, _, _, err := z.build(s, z.dim, 0)
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			cpu := cpuSeconds()
			for n := 0; n < b.N; n++ {
				if inv, ok := m.(interface{ Invalidate() }); ok {
					inv.Invalidate()
				}
				fullRanking(b, m, s, eval.Test)
			}
			b.ReportMetric((cpuSeconds()-cpu)/float64(b.N), "cpu-s/op")
		})
	}
}

// cpuSeconds returns the CPU time (user + system) of the process so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

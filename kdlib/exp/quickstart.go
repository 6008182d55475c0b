package exp

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/report"
	"github.com/kdrec/kdrec/kdlib/train"
)

// QuickstartOptions configures Quickstart. DefaultQuickstart gives the
// README's main job.
type QuickstartOptions struct {
	// Dataset is a registered data set name (default "citeulike-t", embedded).
	Dataset string
	// Seed drives the split, initialisation and sampling.
	Seed uint64
	// TeacherDim and StudentDim are the BPR embedding sizes.
	TeacherDim, StudentDim int
	// TeacherEpochs and StudentEpochs bound training; early stopping on
	// validation HR@{5,10,20} (patience in evaluations) may end it sooner.
	TeacherEpochs, StudentEpochs int
	// EvalEvery is the evaluation period in epochs.
	EvalEvery int
	// Patience is the early-stopping patience in evaluations.
	Patience int
	// Log receives progress bars and messages; nil is quiet.
	Log io.Writer
	// Plain draws progress as lines rather than an in-place bar.
	Plain bool
}

// DefaultQuickstart returns the main job's settings: CiteULike-t, LOO split
// seed 0, BPR teacher d=200 for up to 120 epochs and student d=20 for up to
// 300 epochs, evaluated every 5 epochs. The epoch budgets are cut from the
// reference's 1000 so the job finishes in minutes; docs/reproduction.md
// reports the full-budget runs.
func DefaultQuickstart() QuickstartOptions {
	return QuickstartOptions{Dataset: "citeulike-t", TeacherDim: 200, StudentDim: 20,
		TeacherEpochs: 120, StudentEpochs: 300, EvalEvery: 5, Patience: 4}
}

// Quickstart loads the data set, makes the leave-one-out split, trains a BPR
// teacher and a BPR student, evaluates both (sampled LOO and full ranking
// on the test part) and returns the comparison table: metrics, parameter
// counts and inference time per user.
func Quickstart(ctx context.Context, o QuickstartOptions) (*report.Table, error) {
	logf := func(format string, a ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format, a...)
		}
	}
	x, err := datasets.Load(o.Dataset)
	if err != nil {
		return nil, err
	}
	logf("%s: %s\n", o.Dataset, x.Stats())
	split, err := data.LeaveOneOut(x, o.Seed, data.DefaultNumCandidates)
	if err != nil {
		return nil, err
	}
	logf("split: %s\n", split.Name)
	tb := &report.Table{
		Title:  fmt.Sprintf("BPR teacher vs student on %s (%s; LOO metrics at the best validation epoch per cut-off; Recall@50 full ranking)", o.Dataset, split.Name),
		Header: []string{"model", "d", "params", "epochs", "HR@5", "NDCG@5", "HR@10", "NDCG@10", "HR@20", "NDCG@20", "Recall@50", "ms/user", "s/epoch"},
	}
	for _, spec := range []struct {
		name        string
		dim, epochs int
	}{{"teacher", o.TeacherDim, o.TeacherEpochs}, {"student", o.StudentDim, o.StudentEpochs}} {
		m, err := model.NewBPR(model.BPRConfig{Users: x.NumUsers, Items: x.NumItems, Dim: spec.dim, Seed: o.Seed})
		if err != nil {
			return nil, err
		}
		cfg := train.Defaults()
		cfg.Seed, cfg.Epochs, cfg.EvalEvery, cfg.Patience = o.Seed, spec.epochs, o.EvalEvery, o.Patience
		cfg.Eval = EvalFunc(m, split, LOO)
		cfg.RestoreBest = true
		cfg.Hooks = append(cfg.Hooks, report.ProgressHook(o.Log, fmt.Sprintf("%s bpr d=%d", spec.name, spec.dim), o.Plain))
		res, err := train.Fit(ctx, m, split.Train, []train.Term{m.Loss()}, cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", spec.name, err)
		}
		best := res.BestTest("HR")
		full, err := Evaluate(ctx, m, split, Full, "test")
		if err != nil {
			return nil, err
		}
		lat, err := eval.Latency(ctx, m, sampleUsers(x.NumUsers, 200))
		if err != nil {
			return nil, err
		}
		tb.AddRow(spec.name, spec.dim, m.NumParams(), res.Epochs, best["HR@5"], best["NDCG@5"], best["HR@10"], best["NDCG@10"],
			best["HR@20"], best["NDCG@20"], full.Mean("Recall@50"), fmt.Sprintf("%.3f", float64(lat)/float64(time.Millisecond)),
			fmt.Sprintf("%.2f", res.MeanEpochSeconds()))
	}
	tb.Notes = append(tb.Notes, "ms/user: time to score every item for one user on one goroutine; s/epoch: training time per epoch without evaluation.")
	return tb, nil
}

// sampleUsers returns up to n users spread evenly over [0, numUsers).
func sampleUsers(numUsers, n int) []int32 {
	n = min(n, numUsers)
	out := make([]int32, n)
	for k := range out {
		out[k] = int32(k * numUsers / n)
	}
	return out
}

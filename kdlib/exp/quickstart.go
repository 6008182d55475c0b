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
		res, err := FitWithProgress(ctx, fmt.Sprintf("%s bpr d=%d", spec.name, spec.dim), m, split.Train, []train.Term{m.Loss()}, cfg, o.Log, o.Plain)
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
			fmt.Sprintf("%.2f", meanEpochSeconds(res)))
	}
	tb.Notes = append(tb.Notes, "ms/user: time to score every item for one user on one goroutine; s/epoch: training time per epoch without evaluation.")
	return tb, nil
}

// FitWithProgress runs train.Fit with a progress bar on log (none if log is
// nil) that advances per batch and shows the loss and the last validation
// HR@5 / Recall@50.
func FitWithProgress(ctx context.Context, label string, m train.Model, x *data.Interactions, terms []train.Term, cfg train.Config, log io.Writer, plain bool) (*train.Result, error) {
	if log == nil {
		return train.Fit(ctx, m, x, terms, cfg)
	}
	batches := (x.NNZ() + cfg.BatchSize - 1) / cfg.BatchSize
	if cfg.Examples == train.UserWise {
		batches = (x.NumUsers + cfg.BatchSize - 1) / cfg.BatchSize
	}
	bar := report.NewProgress(log, label, cfg.Epochs*batches, plain)
	status := ""
	onBatch, onEpoch := cfg.OnBatch, cfg.OnEpoch
	cfg.OnBatch = func(e train.BatchEvent) {
		bar.Set((e.Epoch-1)*e.Batches+e.Batch, fmt.Sprintf("epoch %d%s", e.Epoch, status))
		if onBatch != nil {
			onBatch(e)
		}
	}
	cfg.OnEpoch = func(e train.EpochEvent) {
		status = fmt.Sprintf(" loss %.4g", e.Loss)
		for _, k := range []string{"HR@5", "Recall@50"} {
			if v, ok := e.Valid[k]; ok {
				status += fmt.Sprintf(" valid %s %.4f", k, v)
			}
		}
		if onEpoch != nil {
			onEpoch(e)
		}
	}
	res, err := train.Fit(ctx, m, x, terms, cfg)
	switch {
	case res != nil && err != nil:
		// Interrupted or failed: the bar stays where training stopped.
		what := "failed"
		if ctx.Err() != nil {
			what = "interrupted"
		}
		bar.Stop(fmt.Sprintf("%s after %d epochs%s", what, res.Epochs, status))
	case res != nil:
		done := fmt.Sprintf("%d epochs%s", res.Epochs, status)
		if res.StoppedEarly {
			done += " (early stop)"
		}
		bar.Done(done)
	}
	return res, err
}

func meanEpochSeconds(r *train.Result) float64 {
	s, n := 0.0, 0
	for _, p := range r.History {
		if p.Epoch > 0 {
			s += p.Seconds
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return s / float64(n)
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

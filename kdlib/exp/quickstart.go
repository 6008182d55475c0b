package exp

import (
	"context"
	"fmt"
	"io"

	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/report"
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

// Runs returns the main job as two runs of the one recipe (Execute): the
// teacher and the student, plain BPR on a leave-one-out split of
// o.Dataset with the split seed o.Seed, evaluated on the sampled
// leave-one-out protocol every o.EvalEvery epochs with early stopping.
// `kdsweep`, the ledger and the REPL see them as any other run.
func (o QuickstartOptions) Runs() ([]*Run, error) {
	var runs []*Run
	for _, r := range []struct {
		label       string
		dim, epochs int
	}{{"teacher", o.TeacherDim, o.TeacherEpochs}, {"student", o.StudentDim, o.StudentEpochs}} {
		run, err := NewRun(RunSpec{Label: r.label, Dataset: DatasetSpec{Name: o.Dataset}, Split: SplitSpec{Kind: SplitLOO},
			Student: ModelSpec{Kind: "bpr", Dim: r.dim}, Seed: o.Seed, Protocol: LOO,
			Budget: Budget{Epochs: r.epochs, EvalEvery: o.EvalEvery, Patience: o.Patience}})
		if err != nil {
			return nil, fmt.Errorf("quickstart %s: %w", r.label, err)
		}
		runs = append(runs, run)
	}
	return runs, nil
}

// Quickstart runs the main job: o.Runs() executed by Execute (the data set
// loaded, split, the teacher and the student trained and evaluated), and
// returns the comparison table: the sampled leave-one-out metrics at the
// best validation epoch per cut-off, Recall@50 under full ranking (from
// the run's held-out ranks), parameter counts, inference time per user and
// training time per epoch. Nothing is cached on disk.
func Quickstart(ctx context.Context, o QuickstartOptions) (*report.Table, error) {
	runs, err := o.Runs()
	if err != nil {
		return nil, err
	}
	env := &Env{Log: o.Log, Bars: !o.Plain}
	s, err := env.Split(runs[0].Spec.Dataset, runs[0].Spec.Split, LOO)
	if err != nil {
		return nil, err
	}
	tb := &report.Table{
		Title:  fmt.Sprintf("BPR teacher vs student on %s (%s; LOO metrics at the best validation epoch per cut-off; Recall@50 full ranking)", o.Dataset, s.Name),
		Header: []string{"model", "d", "params", "epochs", "HR@5", "NDCG@5", "HR@10", "NDCG@10", "HR@20", "NDCG@20", "Recall@50", "ms/user", "s/epoch"},
	}
	for _, run := range runs {
		rec, err := Execute(ctx, run, env)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", run.Label, err)
		}
		res := &rec.Result
		sc := res.Model // the trained model
		if sc == nil {
			return nil, fmt.Errorf("%s: the run returned no model", run.Label)
		}
		if res.Ranks == nil {
			return nil, fmt.Errorf("%s: the run has no held-out ranks", run.Label)
		}
		ranks, err := res.Ranks.Unpack()
		if err != nil {
			return nil, err
		}
		recall50, err := ranks.Mean(eval.HR, 50, true)
		if err != nil {
			return nil, err
		}
		inf, err := measureInference(ctx, sc, s, DefaultInference)
		if err != nil {
			return nil, err
		}
		best := res.Best
		tb.AddRow(run.Label, run.Spec.Student.Dim, res.Params, res.Epochs, best["HR@5"], best["NDCG@5"], best["HR@10"], best["NDCG@10"],
			best["HR@20"], best["NDCG@20"], recall50, fmt.Sprintf("%.3f", inf.MsPerUser),
			fmt.Sprintf("%.2f", res.MeanEpochSeconds()))
	}
	tb.Notes = append(tb.Notes, fmt.Sprintf("ms/user: time to score every item for one user and select the %d best it has not interacted with, on one goroutine (mean over %d users; the measurement the ledger's runs record, RunSpec.Measure); s/epoch: training time per epoch without evaluation.",
		DefaultInference.K, DefaultInference.Users))
	return tb, nil
}

package exp

import (
	"context"
	"fmt"
	"io"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/report"
	"github.com/kdrec/kdrec/kdlib/train"
)

// BPROptions configures TrainBPR: one BPR-MF run with the reference
// hyper-parameters (Adam lr 1e-3, coupled weight decay 1e-3, batch 1024).
type BPROptions struct {
	// Label names the run in progress output.
	Label string
	// Dim is the embedding size; Seed drives initialisation and sampling.
	Dim  int
	Seed uint64
	// Protocol selects validation and test evaluation.
	Protocol Protocol
	// Epochs is the maximum number of epochs, EvalEvery the evaluation
	// period and Patience the early-stopping patience in evaluations
	// (0 trains all epochs).
	Epochs, EvalEvery, Patience int
	// EvalAtStart also evaluates the untrained model (epoch 0 of the TD curves).
	EvalAtStart bool
	// LR, WeightDecay and BatchSize override the reference values
	// (1e-3, 1e-3, 1024) when non-zero.
	LR, WeightDecay float64
	BatchSize       int
	// LazyAdam selects the touched-rows Adam variant (not the reference).
	LazyAdam bool
	// Log receives a progress bar (nil: quiet); Plain draws it as lines.
	Log   io.Writer
	Plain bool
}

// BPRRun is the outcome of TrainBPR.
type BPRRun struct {
	// Model is the trained model (the best validation state when Patience > 0,
	// else the state after the last epoch).
	Model *model.BPR
	// Result is the training history.
	Result *train.Result
	// Test holds the per-user test metrics of Model, for significance tests.
	Test *eval.Result
}

// TrainBPR trains BPR-MF on split and evaluates it.
func TrainBPR(ctx context.Context, split *data.Split, o BPROptions) (*BPRRun, error) {
	m, err := model.NewBPR(model.BPRConfig{Users: split.NumUsers(), Items: split.NumItems(), Dim: o.Dim, Seed: o.Seed})
	if err != nil {
		return nil, err
	}
	cfg := train.Defaults()
	cfg.Seed, cfg.Epochs, cfg.EvalEvery, cfg.Patience = o.Seed, o.Epochs, o.EvalEvery, o.Patience
	cfg.EvalAtStart, cfg.LazyAdam = o.EvalAtStart, o.LazyAdam
	if o.LR != 0 {
		cfg.LR = o.LR
	}
	if o.WeightDecay != 0 {
		cfg.WeightDecay = o.WeightDecay
	}
	if o.BatchSize != 0 {
		cfg.BatchSize = o.BatchSize
	}
	cfg.Eval = EvalFunc(m, split, o.Protocol)
	cfg.StopMetrics = StopMetrics(o.Protocol)
	cfg.RestoreBest = o.Patience > 0
	label := o.Label
	if label == "" {
		label = fmt.Sprintf("bpr d=%d seed=%d", o.Dim, o.Seed)
	}
	cfg.Hooks = append(cfg.Hooks, report.ProgressHook(o.Log, label, o.Plain))
	res, err := train.Fit(ctx, m, split.Train, []train.Term{m.Loss()}, cfg)
	if err != nil {
		return nil, err
	}
	test, err := Evaluate(ctx, m, split, o.Protocol, "test")
	if err != nil {
		return nil, err
	}
	return &BPRRun{Model: m, Result: res, Test: test}, nil
}

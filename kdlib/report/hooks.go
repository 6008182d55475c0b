package report

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/kdrec/kdrec/kdlib/train"
)

// ProgressHook returns a training hook that draws a progress bar for one
// run of train.Fit on w, labelled label (plain: a line every tenth of the
// way instead of a bar redrawn in place; see NewProgress). The bar counts
// the batches of all epochs up to the run's cap, shows the epoch and, after
// the first epoch, the last epoch's loss and validation HR@5 / Recall@50
// when evaluated; it ends with the number of epochs run and "(early stop)"
// when patience ended the run. A run resumed from a checkpoint starts its
// bar at the epoch it resumes after. A nil w gives a hook that does
// nothing.
//
// Append it to train.Config.Hooks:
//
//	cfg.Hooks = append(cfg.Hooks, report.ProgressHook(os.Stderr, "bpr d=20", false))
func ProgressHook(w io.Writer, label string, plain bool) train.Hook {
	if w == nil {
		return train.Hook{}
	}
	var bar *Progress
	status := ""
	return train.Hook{
		OnStart: func(e train.StartEvent) {
			status = ""
			bar = NewProgress(w, label, e.MaxEpochs*e.Batches, plain)
			if e.Epoch > 0 {
				bar.Resume(e.Epoch*e.Batches, fmt.Sprintf("resumed after epoch %d", e.Epoch))
			}
		},
		OnBatch: func(e train.BatchEvent) {
			bar.Set((e.Epoch-1)*e.Batches+e.Batch, fmt.Sprintf("epoch %d%s", e.Epoch, status))
		},
		OnEpoch: func(e train.EpochEvent) {
			status = fmt.Sprintf(" loss %.4g", e.Loss)
			for _, k := range []string{"HR@5", "Recall@50"} {
				if v, ok := e.Valid[k]; ok {
					status += fmt.Sprintf(" valid %s %.4f", k, v)
				}
			}
		},
		OnEnd: func(e train.EndEvent) {
			if e.Err != nil {
				// Interrupted or failed: the bar stays where training stopped.
				what := "failed"
				if errors.Is(e.Err, context.Canceled) || errors.Is(e.Err, context.DeadlineExceeded) {
					what = "interrupted"
				}
				epochs := 0
				if e.Result != nil {
					epochs = e.Result.Epochs
				}
				bar.Stop(fmt.Sprintf("%s after %d epochs%s", what, epochs, status))
				return
			}
			done := fmt.Sprintf("%d epochs%s", e.Result.Epochs, status)
			if e.Result.StoppedEarly {
				done += " (early stop)"
			}
			bar.Done(done)
		},
	}
}

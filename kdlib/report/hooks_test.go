package report

import (
	"regexp"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/train"
)

// TestProgressHook drives the hook through a two-epoch run of three batches
// per epoch and checks the plain-mode lines: the batch count over the cap,
// the epoch, the previous epoch's loss and validation metric, and the end.
func TestProgressHook(t *testing.T) {
	var b strings.Builder
	h := ProgressHook(&b, "bpr d=4", true)
	h.OnStart(train.StartEvent{MaxEpochs: 3, Batches: 3})
	for epoch := 1; epoch <= 2; epoch++ {
		for k := 1; k <= 3; k++ {
			h.OnBatch(train.BatchEvent{Epoch: epoch, Batch: k, Batches: 3, Loss: 1})
		}
		h.OnEpoch(train.EpochEvent{Point: train.Point{Epoch: epoch, Loss: 12.5 / float64(epoch), Valid: map[string]float64{"HR@5": 0.25 * float64(epoch)}}, MaxEpochs: 3})
	}
	h.OnEnd(train.EndEvent{Result: &train.Result{Epochs: 2, StoppedEarly: true}})
	time := regexp.MustCompile(`\d+\.\ds`)
	got := time.ReplaceAllString(b.String(), "T")
	want := `bpr d=4   0% (0/9) T 
bpr d=4  11% (1/9) T epoch 1
bpr d=4  22% (2/9) T epoch 1
bpr d=4  33% (3/9) T epoch 1
bpr d=4  44% (4/9) T epoch 2 loss 12.5 valid HR@5 0.2500
bpr d=4  55% (5/9) T epoch 2 loss 12.5 valid HR@5 0.2500
bpr d=4  66% (6/9) T epoch 2 loss 12.5 valid HR@5 0.2500
bpr d=4 100% (9/9) T 2 epochs loss 6.25 valid HR@5 0.5000 (early stop)
`
	if got != want {
		t.Errorf("progress lines\n%s\nwant\n%s", got, want)
	}
	// Without a writer the hook does nothing.
	if q := ProgressHook(nil, "x", true); q.OnStart != nil || q.OnBatch != nil || q.OnEpoch != nil || q.OnEnd != nil {
		t.Error("quiet hook has functions")
	}
}

// TestProgressHookResumed checks that the bar of a run resumed from a
// checkpoint starts at the epoch it resumes after.
func TestProgressHookResumed(t *testing.T) {
	var b strings.Builder
	h := ProgressHook(&b, "bpr d=4", true)
	h.OnStart(train.StartEvent{MaxEpochs: 3, Batches: 3, Epoch: 2})
	for k := 1; k <= 3; k++ {
		h.OnBatch(train.BatchEvent{Epoch: 3, Batch: k, Batches: 3, Loss: 1})
	}
	h.OnEpoch(train.EpochEvent{Point: train.Point{Epoch: 3, Loss: 2}, MaxEpochs: 3})
	h.OnEnd(train.EndEvent{Result: &train.Result{Epochs: 3, Resumed: []int{2}}})
	time := regexp.MustCompile(`\d+\.\ds`)
	got := time.ReplaceAllString(b.String(), "T")
	want := `bpr d=4   0% (0/9) T 
bpr d=4  66% (6/9) T resumed after epoch 2
bpr d=4  77% (7/9) T epoch 3
bpr d=4  88% (8/9) T epoch 3
bpr d=4 100% (9/9) T epoch 3
bpr d=4 100% (9/9) T 3 epochs loss 2
`
	if got != want {
		t.Errorf("progress lines\n%s\nwant\n%s", got, want)
	}
}

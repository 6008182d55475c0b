package exp

// A recorded run still rising at its epoch cap (train.RisingAtCap), read
// from its record: what the learning-curve figures mark (SweepCurves sets
// report.Series.Cutoff).

import (
	"fmt"

	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/train"
)

// MetricCurve returns the values of metric in part (eval.Valid or
// eval.Test) at every epoch of the run's curve that measured it, with
// those epochs. The epochs of a curve increase strictly (one point per
// epoch; 0 is the untrained model, evaluated before training when the
// budget asks for it): a record that repeats or reorders an epoch is an error, so that a
// point drawn twice is never averaged as a second seed.
func (r *RunResult) MetricCurve(part, metric string) (epochs []int, values []float64, err error) {
	for _, p := range r.Curve {
		src := p.Valid
		if part == eval.Test {
			src = p.Test
		}
		v, ok := src[metric]
		if !ok {
			continue
		}
		if n := len(epochs); n > 0 && p.Epoch <= epochs[n-1] {
			return nil, nil, fmt.Errorf("curve: epoch %d after epoch %d: a curve holds each epoch once, in order", p.Epoch, epochs[n-1])
		}
		epochs = append(epochs, p.Epoch)
		values = append(values, v)
	}
	return epochs, values, nil
}

// RisingMetric returns the validation metric by which RisingAtCap judges
// a record for a figure of metric: metric itself when the run validated
// it, else the first stop metric of its protocol (StopMetrics).
func (rec *Record) RisingMetric(metric string) string {
	for _, p := range rec.Result.Curve {
		if _, ok := p.Valid[metric]; ok {
			return metric
		}
	}
	return StopMetrics(rec.Result.Protocol)[0]
}

// RisingAtCap reports whether the recorded run was still rising at its
// epoch cap (train.RisingAtCap): its budget's epoch cap ended it, not
// early stopping, and its validation metric (RisingMetric) set a new best
// within its last train.RisingWindow evaluations. A run without
// evaluations (NoEval) is never rising.
func (rec *Record) RisingAtCap(metric string) bool {
	_, values, err := rec.Result.MetricCurve(eval.Valid, rec.RisingMetric(metric))
	if err != nil {
		return false
	}
	return train.RisingAtCap(values, rec.Result.Epochs, rec.Spec.Budget.Epochs, rec.Result.StoppedEarly)
}

// RisingRule states the rule for a caption, for the validation metric it
// watched: "no early stop before the cap, and the best validation
// Recall@50 within the last 3 evaluations".
func RisingRule(metric string) string {
	return fmt.Sprintf("no early stop before the cap, and the best validation %s within the last %d evaluations", metric, train.RisingWindow)
}

package train_test

import (
	"context"
	"slices"
	"testing"

	"github.com/kdrec/kdrec/kdlib/train"
)

func TestRisingAtCapRule(t *testing.T) {
	for _, c := range []struct {
		name     string
		values   []float64
		ran, cap int
		early    bool
		want     bool
	}{
		{"climbing to the cap", []float64{0.1, 0.2, 0.3, 0.35, 0.38}, 100, 100, false, true},
		{"a new best in the last three", []float64{0.1, 0.3, 0.29, 0.28, 0.31, 0.27}, 50, 50, false, true},
		{"flat for the last three", []float64{0.1, 0.3, 0.31, 0.30, 0.31, 0.29}, 50, 50, false, false},
		{"ties are no new best", []float64{0.1, 0.3, 0.3, 0.3, 0.3}, 50, 50, false, false},
		{"stopped early", []float64{0.1, 0.2, 0.3}, 30, 100, true, false},
		{"patience ran out at the cap", []float64{0.1, 0.2, 0.3}, 100, 100, true, false},
		{"ended before its cap", []float64{0.1, 0.2, 0.3}, 60, 100, false, false},
		{"two evaluations, rising", []float64{0.09, 0.31}, 100, 100, false, true},
		{"two evaluations, falling", []float64{0.31, 0.09}, 100, 100, false, false},
		{"one evaluation", []float64{0.3}, 100, 100, false, false},
		{"no cap", []float64{0.1, 0.2}, 10, 0, false, false},
	} {
		if got := train.RisingAtCap(c.values, c.ran, c.cap, c.early); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestCurvesFromFit: a run's curve holds each evaluated epoch once — epoch
// 0 only for the evaluation of the untrained model (EvalAtStart), the last
// epoch once even when it is both a multiple of EvalEvery and the last —
// and the rule reads it.
func TestCurvesFromFit(t *testing.T) {
	x := toy(t)
	for _, c := range []struct {
		epochs  int
		atStart bool
		want    []int
	}{
		{25, true, []int{0, 10, 20, 25}},
		{20, true, []int{0, 10, 20}},
		{20, false, []int{10, 20}},
	} {
		m := newModel(t, x)
		cf := cfg()
		cf.Epochs, cf.EvalEvery, cf.EvalAtStart, cf.Patience = c.epochs, 10, c.atStart, 0
		cf.Eval = func(_ context.Context, epoch int) (map[string]float64, map[string]float64, error) {
			return map[string]float64{"HR@5": float64(epoch) / 100}, map[string]float64{"HR@5": float64(epoch) / 200}, nil
		}
		res, err := train.Fit(context.Background(), m, x, []train.Term{m.Loss()}, cf)
		if err != nil {
			t.Fatal(err)
		}
		ve, _ := res.ValidCurve("HR@5")
		te, _ := res.TestCurve("HR@5")
		if !slices.Equal(ve, c.want) || !slices.Equal(te, c.want) {
			t.Errorf("%d epochs, at start %v: valid epochs %v, test %v, want %v", c.epochs, c.atStart, ve, te, c.want)
		}
		if !res.RisingAtCap("HR@5", c.epochs) {
			t.Errorf("%d epochs: a curve climbing to its cap is not rising at it", c.epochs)
		}
		if res.RisingAtCap("HR@5", c.epochs+10) {
			t.Errorf("%d epochs: rising at a cap it did not reach", c.epochs)
		}
	}
}

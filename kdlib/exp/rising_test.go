package exp

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/report"
)

// curveRun returns a synthetic entry of row label, seed seed: a run of a
// budget with epoch cap, evaluation every 10 epochs (and of the untrained
// model with atStart), whose validation and test Recall@50 follow f up to
// epoch end (early stopping when end < cap).
func curveRun(label string, seed uint64, budget Budget, end int, f func(e int) float64) Entry {
	spec := RunSpec{Seed: seed, Budget: budget, Protocol: Full}
	id := fmt.Sprintf("%s-%d", label, seed)
	run := Run{ID: id, Label: label, Point: []Setting{{Path: "seed", Value: []byte(fmt.Sprint(seed))}}, Spec: spec}
	res := RunResult{Protocol: Full, Epochs: end, StoppedEarly: end < budget.Epochs}
	for e := 0; e <= end; e++ {
		p := CurvePoint{Epoch: e}
		if (e == 0 && budget.EvalAtStart) || (e > 0 && (e%budget.EvalEvery == 0 || e == end)) {
			p.Valid = map[string]float64{"Recall@50": f(e)}
			p.Test = map[string]float64{"Recall@50": f(e) - 0.01}
		}
		res.Curve = append(res.Curve, p)
	}
	return Entry{Run: run, Record: &Record{ID: id, Label: label, Point: run.Point, Spec: spec, Result: res}}
}

// TestSweepCurvesMarksCutoffs: rows whose runs the epoch cap stopped while
// still rising are marked (report.Series.Cutoff: the seeds, the cap and
// the rule in the caption, an arrow on the figure), rows that stopped
// early or plateaued are not; the caption says what epoch 0 is when it is
// drawn; a curve drawn only to MaxEpoch is not marked, and the caption
// says the runs went on.
func TestSweepCurvesMarksCutoffs(t *testing.T) {
	capped := Budget{Epochs: 100, EvalEvery: 10, EvalAtStart: true}
	rising := func(e int) float64 { return 0.3 * (1 - math.Exp(-float64(e)/60)) }
	plateau := func(e int) float64 { return 0.3 * (1 - math.Exp(-float64(e)/5)) * (1 - 0.001*float64(e)) }
	sr := &SweepResults{Sweep: "synthetic"}
	for s := range uint64(3) {
		sr.Entries = append(sr.Entries,
			curveRun("Student", s, capped, 100, rising),
			curveRun("DE", s, Budget{Epochs: 100, EvalEvery: 10, EvalAtStart: true, Patience: 2}, 60+10*int(s), rising),
			curveRun("RRD", s, Budget{Epochs: 100, EvalEvery: 10}, 100, plateau))
	}
	sr.Entries = append(sr.Entries, curveRun("HTD", 0, capped, 100, rising), curveRun("HTD", 1, capped, 100, plateau))
	fig, err := SweepCurves(sr, CurveOptions{Metric: "Recall@50", Part: "test"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Student": "3 of 3 seeds at 100", "DE": "", "RRD": "", "HTD": "1 of 2 seeds at 100"}
	for _, s := range fig.Series {
		got := ""
		if c := s.Cutoff; c != nil {
			got = fmt.Sprintf("%d of %d seeds at %d", c.Seeds, c.All, c.At)
		}
		if got != want[s.Name] {
			t.Errorf("%s: cutoff %q, want %q", s.Name, got, want[s.Name])
		}
	}
	c := fig.CaptionText()
	for _, w := range []string{
		"Epoch 0 is the untrained model, evaluated before training; runs without that evaluation start at their first evaluated epoch.",
		report.CutoffPhrase + " (" + RisingRule("Recall@50") + "): Student (3 of 3 seeds, cap 100 epochs), HTD (1 of 2 seeds, cap 100 epochs).",
	} {
		if !strings.Contains(c, w) {
			t.Errorf("caption lacks %q:\n%s", w, c)
		}
	}
	if issues := report.CheckStyle(fig); len(issues) > 0 {
		t.Errorf("style: %v", issues)
	}
	if st := fig.Get("RRD").Stats(); st[0].X != 10 {
		t.Errorf("RRD, evaluated from epoch 10 on, starts at %v", st[0].X)
	}

	// Drawn to epoch 50 only: nothing is marked, the caption says the runs
	// trained on.
	short, err := SweepCurves(sr, CurveOptions{Metric: "Recall@50", Part: "test", MaxEpoch: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range short.Series {
		if s.Cutoff != nil {
			t.Errorf("%s marked as cut off in a figure that ends at epoch 50", s.Name)
		}
	}
	if c := short.CaptionText(); !strings.Contains(c, "The curves are drawn to epoch 50; the runs trained on (to epoch 100 at most).") || strings.Contains(c, report.CutoffPhrase) {
		t.Errorf("caption %q", c)
	}

	// Without an untrained evaluation in any row, the caption says nothing
	// of epoch 0.
	late, err := sr.Select("RRD")
	if err != nil {
		t.Fatal(err)
	}
	lf, err := SweepCurves(late, CurveOptions{Metric: "Recall@50"})
	if err != nil || strings.Contains(lf.CaptionText(), "Epoch 0") {
		t.Errorf("caption %q, %v", lf.CaptionText(), err)
	}

	// A record that holds an epoch twice is an error naming the run, not
	// a second seed.
	bad := curveRun("Student", 0, capped, 20, rising)
	res := &bad.Record.Result
	res.Curve = append(res.Curve, res.Curve[len(res.Curve)-1])
	if _, err := SweepCurves(&SweepResults{Sweep: "bad", Entries: []Entry{bad}}, CurveOptions{Metric: "Recall@50"}); err == nil || !strings.Contains(err.Error(), "Student-0") {
		t.Errorf("a repeated epoch drew: %v", err)
	}
}

// TestRecordRisingAtCap reads the rule from a record: by the figure's
// metric when validated, else by the protocol's first stop metric.
func TestRecordRisingAtCap(t *testing.T) {
	capped := Budget{Epochs: 100, EvalEvery: 10}
	up := curveRun("Student", 0, capped, 100, func(e int) float64 { return float64(e) / 1000 })
	if !up.Record.RisingAtCap("Recall@50") || up.Record.RisingMetric("NDCG@10") != "Recall@50" || !up.Record.RisingAtCap("NDCG@10") {
		t.Error("a run climbing to its cap is not rising at it")
	}
	down := curveRun("Student", 0, capped, 100, func(e int) float64 { return 1 - float64(e)/1000 })
	if down.Record.RisingAtCap("Recall@50") {
		t.Error("a falling run is rising")
	}
	early := curveRun("Student", 0, Budget{Epochs: 100, EvalEvery: 10, Patience: 3}, 50, func(e int) float64 { return float64(e) / 1000 })
	if early.Record.RisingAtCap("Recall@50") {
		t.Error("a run that stopped before its cap is rising at it")
	}
}

package exp

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSweepDeadlineDefers checks SweepOptions.Deadline: a run whose
// estimate ends after the deadline is deferred (not run, reported, a
// "defer" event), a run without an estimate or with a checkpoint of its own
// runs, and the deferred runs run when the sweep is started again without
// a deadline.
func TestSweepDeadlineDefers(t *testing.T) {
	s := tinySpec()
	runs, err := s.Expand()
	if err != nil {
		t.Fatal(err)
	}
	env, err := NewEnv("", nil)
	if err != nil {
		t.Fatal(err)
	}
	env.CheckpointDir = t.TempDir()
	seed := func(r *Run) string { return r.Point[len(r.Point)-1].String() }
	// A checkpoint of Large seed 1: it would resume, so it is not deferred.
	var resumes *Run
	for k := range runs {
		if runs[k].Label == "Large" && seed(&runs[k]) == "seed=1" {
			resumes = &runs[k]
		}
	}
	// The runs of tinySpec have no distillation: the checkpoint they
	// resume from is their model's (TrainModel's modelTarget), not
	// run-<ID>.ckpt, which only a distillation run reads.
	mt, err := modelTarget(resumes.Spec.StudentKey())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(env.CheckpointDir, mt.file), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(env.CheckpointDir, "run-"+runs[0].ID+".ckpt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err) // not read by a plain run: Large seed 0 is still deferred
	}
	var deferred []string
	o := SweepOptions{Out: t.TempDir(), Env: env, Deadline: time.Now().Add(time.Hour),
		Estimate: func(r *Run) (time.Duration, bool) {
			switch {
			case r.Label == "Large":
				return 2 * time.Hour, true // does not fit
			case seed(r) == "seed=2":
				return 0, false // no estimate: runs
			}
			return time.Minute, true
		},
		OnRun: func(ev RunEvent) {
			if ev.Phase == "defer" {
				deferred = append(deferred, ev.Run.Name())
			}
		},
	}
	rep, err := RunSweep(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ran != 4 || len(rep.Deferred) != 2 {
		t.Fatalf("ran %d, deferred %d; want 4 and 2: %v", rep.Ran, len(rep.Deferred), rep)
	}
	want := "Large [seed=0]|Large [seed=2]"
	if got := strings.Join(deferred, "|"); got != want {
		t.Errorf("defer events %q, want %q", got, want)
	}
	for k, r := range rep.Deferred {
		if r.Name() != strings.Split(want, "|")[k] {
			t.Errorf("deferred[%d] = %s", k, r.Name())
		}
	}
	if !strings.Contains(rep.String(), "2 deferred") {
		t.Errorf("report %q does not count the deferred runs", rep)
	}
	// The run resumed from its checkpoint, and removed it once stored.
	if _, err := os.Stat(filepath.Join(env.CheckpointDir, mt.file)); err == nil {
		t.Errorf("the checkpoint of %s is still there after the run", resumes.Name())
	}
	// A deadline already past defers every run with an estimate, but the
	// one with a checkpoint (planted again).
	if err := os.WriteFile(filepath.Join(env.CheckpointDir, mt.file), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	o2 := o
	o2.Out, o2.Deadline, o2.OnRun = t.TempDir(), time.Now().Add(-time.Minute), nil
	o2.Estimate = func(*Run) (time.Duration, bool) { return 0, true }
	if rep, err := RunSweep(context.Background(), s, o2); err != nil || rep.Ran != 1 || len(rep.Deferred) != 5 {
		t.Errorf("past deadline: %v, %v; want 1 run (the one with a checkpoint) and 5 deferred", rep, err)
	}
	// Without a deadline, what was deferred runs.
	o.Deadline, o.OnRun = time.Time{}, nil
	rep, err = RunSweep(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ran != 2 || rep.Skipped != 4 || len(rep.Deferred) != 0 {
		t.Errorf("second pass: %v, want the 2 deferred runs run", rep)
	}
}

// TestLedgerEstimates checks the estimates from the ledger: a run's row
// mean (label and grid point but the seed), the label's mean for a row
// without records, nothing for an unknown label or a sweep not recorded.
func TestLedgerEstimates(t *testing.T) {
	s := tinySpec()
	l, err := OpenLedger(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if est, err := LedgerEstimates(l, s.SweepKey()); err != nil {
		t.Fatal(err)
	} else if _, ok := est(&Run{Label: "Small"}); ok {
		t.Error("a sweep not in the ledger gave an estimate")
	}
	if _, err := RunSweep(context.Background(), s, SweepOptions{Out: t.TempDir(), Ledger: l}); err != nil {
		t.Fatal(err)
	}
	sr, err := l.Sweep(s.SweepKey())
	if err != nil {
		t.Fatal(err)
	}
	mean := map[string]float64{}
	n := map[string]int{}
	for _, e := range sr.Entries {
		mean[e.Run.Label] += e.Record.Seconds()
		n[e.Run.Label]++
	}
	est, err := LedgerEstimates(l, s.SweepKey())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range sr.Entries {
		got, ok := est(&e.Run)
		want := mean[e.Run.Label] / float64(n[e.Run.Label])
		if !ok || abs(got.Seconds()-want) > 1e-6 {
			t.Errorf("%s: estimate %v %v, want %.6fs", e.Run.Name(), got, ok, want)
		}
	}
	// Another grid point of a recorded label: the label's mean.
	other := &Run{Label: "Large", Point: []Setting{{Path: "student.dim", Value: json.RawMessage("32")}, {Path: "seed", Value: json.RawMessage("7")}}}
	if got, ok := est(other); !ok || abs(got.Seconds()-mean["Large"]/3) > 1e-6 {
		t.Errorf("label fallback: %v %v", got, ok)
	}
	if _, ok := est(&Run{Label: "Unknown"}); ok {
		t.Error("an unknown label gave an estimate")
	}
}

// TestEstimatesSkipCached checks that a record whose model came from the
// cache (seconds, not the hours of a training) does not pull a row's
// estimate down: derrd-inference's Teacher row holds two such records
// (1 s each) beside one training of 287 s.
func TestEstimatesSkipCached(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	rec := func(sec int, cached bool) *Record {
		r := &Record{Started: t0, Finished: t0.Add(time.Duration(sec) * time.Second)}
		r.Result.Cached = cached
		return r
	}
	sr := &SweepResults{Entries: []Entry{
		{Run: Run{Label: "Teacher"}, Record: rec(1, true)},
		{Run: Run{Label: "Teacher"}, Record: rec(287, false)},
		{Run: Run{Label: "Teacher"}, Record: rec(1, true)},
		{Run: Run{Label: "Student"}, Record: rec(2, true)},
	}}
	est := sweepEstimates(sr)
	if got, ok := est(&Run{Label: "Teacher"}); !ok || got != 287*time.Second {
		t.Errorf("Teacher: estimate %v %v, want 4m47s from the one training", got, ok)
	}
	if got, ok := est(&Run{Label: "Student"}); ok {
		t.Errorf("Student, only a cached record: estimate %v, want none", got)
	}
}

// TestEstimatesFollowNewestCode checks that a row's estimate is the mean
// of the records made by the code of its most recently finished record
// (older, slower code left out), and that a resumed run counts its
// training seconds when they exceed its last process's wall time.
func TestEstimatesFollowNewestCode(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	rec := func(rev string, finished, sec int, train float64) *Record {
		end := t0.Add(time.Duration(finished) * time.Hour)
		r := &Record{Started: end.Add(-time.Duration(sec) * time.Second), Finished: end, Code: CodeVersion{Revision: rev}}
		r.Result.TrainSeconds = train
		return r
	}
	sr := &SweepResults{Entries: []Entry{
		{Run: Run{Label: "HetComp"}, Record: rec("old", 1, 6000, 5900)},
		{Run: Run{Label: "HetComp"}, Record: rec("new", 3, 2000, 1900)},
		{Run: Run{Label: "HetComp"}, Record: rec("old", 2, 7000, 6900)},
		{Run: Run{Label: "HetComp"}, Record: rec("new", 2, 1000, 900)},
		// Resumed twice: its last process ran 400 s of 2,400 s of training.
		{Run: Run{Label: "Ablation"}, Record: rec("new", 1, 400, 2400)},
	}}
	est := sweepEstimates(sr)
	if got, ok := est(&Run{Label: "HetComp"}); !ok || got != 1500*time.Second {
		t.Errorf("HetComp: estimate %v %v, want 25m0s (the new code's two records)", got, ok)
	}
	if got, ok := est(&Run{Label: "Ablation"}); !ok || got != 2400*time.Second {
		t.Errorf("Ablation: estimate %v %v, want 40m0s (its training seconds)", got, ok)
	}
}

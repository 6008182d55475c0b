package distill

import (
	"slices"
	"strings"
	"testing"
)

// TestTauScheduleIsTheMethods checks that DE, DE-RRD and HTD anneal over
// their reference lengths whatever the run's cap, that the options tables
// state them, and that the notes say what a shorter cap changes.
func TestTauScheduleIsTheMethods(t *testing.T) {
	if s := DefaultDE().Tau; s.Epochs != 1000 || s.At(101, 100) != s.At(101, 1000) {
		t.Errorf("DE schedule %+v depends on the cap", s)
	}
	if s := DefaultHTD().Tau; s.Epochs != 100 || s.At(51, 20) != s.At(51, 100) {
		t.Errorf("HTD schedule %+v depends on the cap", s)
	}
	for method, want := range map[string]int{"de": 1000, "de-rrd": 1000, "htd": 100} {
		m, err := Lookup(method)
		if err != nil {
			t.Fatal(err)
		}
		o, ok := m.Option("tau-epochs")
		if !ok || o.Default != want {
			t.Errorf("%s: tau-epochs %+v, want default %d", method, o, want)
		}
	}
	notes := BudgetNotes([]TermSpec{{Method: "de"}, {Method: "rrd"}, {Method: "htd", Options: map[string]any{"tau-epochs": 10}}}, 50)
	if len(notes) != 1 || !strings.Contains(notes[0], "de anneals its Gumbel-softmax temperature 1 → 1e-10 over 1000 epochs") ||
		!strings.Contains(notes[0], "capped at 50 epochs") {
		t.Errorf("notes %q", notes)
	}
	if n := BudgetNotes([]TermSpec{{Method: "de"}}, 1000); n != nil {
		t.Errorf("a run of the schedule's length got notes %q", n)
	}
	if n := BudgetNotes([]TermSpec{{Method: "de-rrd", Options: map[string]any{"tau-epochs": 0}}}, 30); len(n) != 1 || !strings.Contains(n[0], "over the run's epoch cap") {
		t.Errorf("tau-epochs=0: %q", n)
	}
	if n := BudgetNotes([]TermSpec{{Method: "de", Options: map[string]any{"experts": 0}}}, 30); n != nil {
		t.Errorf("a bad term got notes %q", n)
	}
	if _, err := Check(TermSpec{Method: "de-rrd", Options: map[string]any{"tau-start": 0.1, "tau-end": 1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Precheck([]TermSpec{{Method: "de-rrd", Options: map[string]any{"tau-start": 0.1, "tau-end": 1}}}); err == nil {
		t.Error("de-rrd accepts tau-end > tau-start")
	}
}

// TestFitNetIsLinearHint checks that the fitnet method is hint with the
// linear bridge: same parameters, same loss, its own name.
func TestFitNetIsLinearHint(t *testing.T) {
	x := newLatToy(t, 3, 5)
	env := Env{Teacher: x.teacher, Student: x.student, Seed: 4}
	f, err := Build([]TermSpec{{Method: "fitnet"}}, env)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Build([]TermSpec{{Method: "hint", Options: map[string]any{"bridge": "linear"}}}, env)
	if err != nil {
		t.Fatal(err)
	}
	if f[0].Name() != "fitnet" || h[0].Name() != "hint" {
		t.Errorf("names %q %q", f[0].Name(), h[0].Name())
	}
	fp, hp := f[0].Params(), h[0].Params()
	if len(fp) != len(hp) || len(fp) != 4 {
		t.Fatalf("%d and %d parameters, want 4 (weights and biases of one linear map per side)", len(fp), len(hp))
	}
	for k := range fp {
		if !slices.Equal(fp[k].W, hp[k].W) {
			t.Errorf("parameter %d differs", k)
		}
	}
	if a, b := f[0].Batch(x.batch(1)), h[0].Batch(x.batch(1)); a != b {
		t.Errorf("losses %v and %v", a, b)
	}
	ts, err := BuildTyped("fitnet", nil, env)
	if err != nil || ts[0].Name() != "fitnet" {
		t.Fatalf("typed: %v", err)
	}
}

package exp

import (
	"context"
	"slices"
	"testing"
)

// TestWithQuick: a spec's own quick budget, or DefaultQuick fitted to a
// spec that names none; the user slice reaches the split and the runs'
// identity, and leaves the full budget's runs alone.
func TestWithQuick(t *testing.T) {
	s := tinySpec()
	s.Budgets["quick"] = NamedBudget{Budget: Budget{Epochs: 1}, Seeds: []uint64{0}, Users: 50}
	q, err := s.WithQuick()
	if err != nil {
		t.Fatal(err)
	}
	if q.BudgetName != QuickBudget || q.Budget.Epochs != 1 || q.Split.Users != 50 || !slices.Equal(q.Seeds, []uint64{0}) {
		t.Fatalf("own quick budget: %s %+v users %d seeds %v", q.BudgetName, q.Budget, q.Split.Users, q.Seeds)
	}
	runs, err := q.Expand()
	if err != nil {
		t.Fatal(err)
	}
	env, _ := NewEnv("", nil)
	sp, err := env.Split(runs[0].Spec.Dataset, runs[0].Spec.Split, runs[0].Spec.Protocol)
	if err != nil {
		t.Fatal(err)
	}
	if sp.NumUsers() != 50 || len(sp.Candidates) != 50 {
		t.Fatalf("split of the quick budget: %d users, %d candidate lists", sp.NumUsers(), len(sp.Candidates))
	}
	full, _ := s.Expand()
	s.Budgets = nil
	again, _ := s.Expand()
	if full[0].ID != again[0].ID {
		t.Fatal("a spec's named budgets changed its full runs")
	}

	// No quick budget: DefaultQuick, with the spec's first seed, its
	// evaluation at the start and one-epoch teachers of their own.
	s.Budget.EvalAtStart = true
	s.Teacher = &TeacherSpec{ModelSpec: bpr(12), Budget: &Budget{Epochs: 30}}
	d, err := s.WithQuick()
	if err != nil {
		t.Fatal(err)
	}
	if d.BudgetName != QuickBudget || d.SweepKey() != "tiny@quick" || d.Budget.Epochs != DefaultQuick.Epochs || !d.Budget.EvalAtStart ||
		d.Split.Users != DefaultQuick.Users || !slices.Equal(d.Seeds, []uint64{0}) || d.Teacher.Budget.Epochs != DefaultQuick.Epochs {
		t.Fatalf("default quick: %s %+v users %d seeds %v teacher %+v", d.SweepKey(), d.Budget, d.Split.Users, d.Seeds, d.Teacher.Budget)
	}
	if s.Budget.Epochs != 2 || s.Split.Users != 0 || len(s.Seeds) != 3 {
		t.Fatal("WithQuick changed its receiver")
	}
	bad := tinySpec()
	bad.Split.Users = -1
	if _, err := bad.Expand(); err == nil {
		t.Error("split.users < 0 accepted")
	}
}

// TestSweepOnly: a sweep restricted to some runs executes just those and
// still records the whole manifest.
func TestSweepOnly(t *testing.T) {
	s := tinySpec()
	runs, _ := s.Expand()
	out := t.TempDir()
	l, err := OpenLedger(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	only := []string{runs[1].ID, runs[4].ID}
	rep, err := RunSweep(context.Background(), s, SweepOptions{Out: out, Ledger: l, Only: only})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ran != 2 || rep.Owned != 2 || rep.Runs != len(runs) {
		t.Fatalf("%v", rep)
	}
	sr, err := l.SweepOf(s)
	if err != nil {
		t.Fatal(err)
	}
	for k, e := range sr.Entries {
		if (e.Record != nil) != slices.Contains(only, e.Run.ID) {
			t.Errorf("run %d recorded %v", k, e.Record != nil)
		}
	}
	if ms, err := LoadManifests(l.Dir()); err != nil || len(ms["tiny"].Runs) != len(runs) {
		t.Errorf("manifest: %v", err)
	}
}

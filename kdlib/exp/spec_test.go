package exp

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// tinySpec is a sweep on generated data that trains in milliseconds:
// two variants × three seeds of BPR on 120 users × 200 items.
func tinySpec() *Spec {
	return &Spec{
		Name: "tiny",
		RunSpec: RunSpec{
			Dataset:  DatasetSpec{Name: SyntheticName, Synthetic: &SyntheticSpec{Users: 120, Items: 200, PerUser: 20, Seed: 1}},
			Split:    SplitSpec{Kind: SplitLOO, Candidates: 50},
			Student:  bpr(8),
			Protocol: LOO,
			Budget:   Budget{Epochs: 2},
		},
		Variants: []Variant{{Label: "Small"}, {Label: "Large", Set: map[string]any{"student.dim": 16}}},
		Seeds:    []uint64{0, 1, 2},
		Budgets:  map[string]NamedBudget{"quick": {Budget: Budget{Epochs: 1}, Seeds: []uint64{0}}},
		Report:   ReportSpec{Baseline: "Small"},
	}
}

func TestSpecExpandOrderAndIdentity(t *testing.T) {
	s := tinySpec()
	s.Grid = Grid{"kd": {nil}, "budget.patience": {0, 3}}
	runs, err := s.Expand()
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2*2*3 {
		t.Fatalf("%d runs, want 12", len(runs))
	}
	// Variants outermost, then sorted paths, seed innermost.
	var names []string
	for _, r := range runs[:4] {
		names = append(names, r.Name())
	}
	want := []string{
		"Small [budget.patience=0 kd=null seed=0]", "Small [budget.patience=0 kd=null seed=1]",
		"Small [budget.patience=0 kd=null seed=2]", "Small [budget.patience=3 kd=null seed=0]",
	}
	if strings.Join(names, "|") != strings.Join(want, "|") {
		t.Fatalf("order:\n%s\nwant\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
	if runs[6].Label != "Large" || runs[6].Spec.Student.Dim != 16 {
		t.Fatalf("run 6 = %s dim %d", runs[6].Name(), runs[6].Spec.Student.Dim)
	}
	// Normalisation: the split seed follows the run seed; defaults filled.
	r := runs[1].Spec
	if *r.Split.Seed != 1 || r.Student.LR != 1e-3 || *r.Student.WeightDecay != 1e-3 || r.Student.BatchSize != 1024 || r.Budget.EvalEvery != 1 {
		t.Fatalf("not normalised: %+v", r)
	}
	// The JSON form expands to the same runs, with the same hashes.
	b, err := s.JSON()
	if err != nil {
		t.Fatal(err)
	}
	s2, err := ParseSpec(b)
	if err != nil {
		t.Fatal(err)
	}
	runs2, err := s2.Expand()
	if err != nil {
		t.Fatal(err)
	}
	for k := range runs {
		if runs[k].Hash != runs2[k].Hash || runs[k].Name() != runs2[k].Name() {
			t.Fatalf("run %d: %s %s vs %s %s", k, runs[k].ID, runs[k].Name(), runs2[k].ID, runs2[k].Name())
		}
	}
}

func TestSpecHashCanonical(t *testing.T) {
	a := tinySpec()
	b := tinySpec()
	// Explicit defaults and a data directory do not change identities.
	wd := 1e-3
	b.Student = ModelSpec{Kind: "bpr", Dim: 8, LR: 1e-3, WeightDecay: &wd, BatchSize: 1024}
	b.Budget.EvalEvery = 1
	b.Dataset.Dir = "/somewhere/else"
	ra, err := a.Expand()
	if err != nil {
		t.Fatal(err)
	}
	rb, err := b.Expand()
	if err != nil {
		t.Fatal(err)
	}
	for k := range ra {
		if ra[k].Hash != rb[k].Hash {
			t.Fatalf("run %d: %s vs %s", k, ra[k].ID, rb[k].ID)
		}
	}
	// A changed hyper-parameter does.
	b.Budget.Epochs = 3
	rb, _ = b.Expand()
	if ra[0].Hash == rb[0].Hash {
		t.Fatal("epochs not part of the hash")
	}
	// Numbers written differently in JSON options hash the same.
	j1 := `{"name":"x","dataset":{"name":"citeulike-t"},"split":{"kind":"loo"},"teacher":{"kind":"bpr","dim":200},"student":{"kind":"bpr","dim":20},"kd":[{"method":"de","lambda":0.01,"options":{"experts":30}}],"seed":0,"protocol":"loo","budget":{"epochs":1}}`
	j2 := strings.Replace(strings.Replace(j1, `"experts":30`, `"experts":3e1`, 1), `"lambda":0.01`, `"lambda":1e-2`, 1)
	h := func(j string) string {
		s, err := ParseSpec([]byte(j))
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Expand()
		if err != nil {
			t.Fatal(err)
		}
		return r[0].Hash
	}
	if h(j1) != h(j2) {
		t.Fatal("equal numbers in different notation hash differently")
	}
}

func TestSpecErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		mod  func(s *Spec)
		want string
	}{
		{"unknown grid field", func(s *Spec) { s.Grid = Grid{"student.dimm": {4}} }, `unknown field "dimm"`},
		{"index out of range", func(s *Spec) { s.Grid = Grid{"kd[0].lambda": {0.1}} }, "kd is not set"},
		{"kd without teacher", func(s *Spec) { s.KD = []KDTerm{{Method: "de", Lambda: 1}} }, "needs a teacher"},
		{"bad protocol", func(s *Spec) { s.Protocol = "xyz" }, `protocol "xyz"`},
		{"seed twice", func(s *Spec) { s.Grid = Grid{"seed": {1}} }, "both seeds"},
		{"duplicate runs", func(s *Spec) { s.Grid = Grid{"student.dim": {8, 8}} }, "identical"},
		{"duplicate labels", func(s *Spec) {
			s.Variants = []Variant{{Label: "A"}, {Label: "a", Set: map[string]any{"student.dim": 4}}}
		}, "both labelled"},
		{"empty axis", func(s *Spec) { s.Grid = Grid{"student.dim": {}} }, "no values"},
		{"import without name", func(s *Spec) { s.Split = SplitSpec{Kind: SplitImport} }, "needs split.name"},
	} {
		s := tinySpec()
		c.mod(s)
		_, err := s.Expand()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	if _, err := ParseSpec([]byte(`{"name":"x","studnet":{}}`)); err == nil || !strings.Contains(err.Error(), "studnet") {
		t.Errorf("misspelt field accepted: %v", err)
	}
	if _, err := tinySpec().WithBudget("slow"); err == nil || !strings.Contains(err.Error(), "quick") {
		t.Errorf("unknown budget: %v", err)
	}
}

func TestSpecBudget(t *testing.T) {
	s, err := tinySpec().WithBudget("quick")
	if err != nil {
		t.Fatal(err)
	}
	runs, err := s.Expand()
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Spec.Budget.Epochs != 1 || s.SweepKey() != "tiny@quick" {
		t.Fatalf("%d runs, epochs %d, key %s", len(runs), runs[0].Spec.Budget.Epochs, s.SweepKey())
	}
}

func TestSpecOptions(t *testing.T) {
	o := Options{"k": json.Number("40"), "t": 10.0, "name": "x", "on": true, "frac": 0.5}
	if k, err := o.Int("k", 0); err != nil || k != 40 {
		t.Errorf("Int = %d, %v", k, err)
	}
	if _, err := o.Int("frac", 0); err == nil {
		t.Error("0.5 accepted as an integer")
	}
	if v, _ := o.Float("missing", 7); v != 7 {
		t.Errorf("default = %v", v)
	}
	if err := o.Check("k", "t", "name", "on"); err == nil || !strings.Contains(err.Error(), `"frac"`) {
		t.Errorf("Check: %v", err)
	}
}

func TestSpecBuiltins(t *testing.T) {
	seen := map[string]bool{}
	for _, b := range Builtins() {
		if seen[b.Name] {
			t.Errorf("duplicate built-in %s", b.Name)
		}
		seen[b.Name] = true
		for _, budget := range []string{"full", "quick"} {
			s, err := BuiltinSpec(b.Name, budget)
			if err != nil {
				t.Fatalf("%s %s: %v", b.Name, budget, err)
			}
			runs, err := s.Expand()
			if err != nil {
				t.Fatalf("%s %s: %v", b.Name, budget, err)
			}
			if len(runs) == 0 {
				t.Fatalf("%s: no runs", b.Name)
			}
			// The JSON form is a valid spec with the same runs.
			j, _ := s.JSON()
			s2, err := ParseSpec(j)
			if err != nil {
				t.Fatalf("%s: %v", b.Name, err)
			}
			runs2, err := s2.Expand()
			if err != nil || len(runs2) != len(runs) || runs2[len(runs)-1].Hash != runs[len(runs)-1].Hash {
				t.Fatalf("%s: JSON round trip changes the runs (%v)", b.Name, err)
			}
		}
		s, _ := BuiltinSpec(b.Name, "")
		missing, err := s.Unavailable()
		if err != nil {
			t.Fatalf("%s: %v", b.Name, err)
		}
		if len(missing) > 0 {
			t.Errorf("%s: unavailable %v", b.Name, missing)
		}
	}
	// The TD student-size sweep is BPR at 10, 20, 100, 200 on the TD split.
	s, _ := BuiltinSpec("td-student-size", "full")
	runs, _ := s.Expand()
	var dims []int
	for _, r := range runs {
		dims = append(dims, r.Spec.Student.Dim)
		if r.Spec.Split.Name != "td-loo" || r.Spec.Budget.Epochs != 100 || r.Spec.Budget.EvalEvery != 10 || !r.Spec.Budget.EvalAtStart {
			t.Fatalf("td-student-size run %+v", r.Spec)
		}
	}
	if len(dims) != 4 || dims[0] != 10 || dims[3] != 200 {
		t.Fatalf("dims %v", dims)
	}
	// MTD is built: a HetComp table with its row can run; a method nobody
	// registered is refused, named.
	s, _ = BuiltinSpec("hetcomp-table", "quick")
	s.Variants = append(s.Variants, kdRow("MTD", kd("mtd", 0.001)))
	if missing, err := s.Unavailable(); err != nil || len(missing) != 0 {
		t.Fatalf("hetcomp-table with MTD: unavailable %v, %v", missing, err)
	}
	s.Variants = append(s.Variants, kdRow("XTD", kd("xtd", 0.001)))
	if missing, err := s.Unavailable(); err == nil || !strings.Contains(err.Error(), `"xtd"`) {
		t.Fatalf("hetcomp-table with an unknown method: unavailable %v, %v", missing, err)
	}
	if _, err := BuiltinSpec("no-such-table", ""); err == nil || !strings.Contains(err.Error(), "derrd-table") {
		t.Fatalf("unknown built-in: %v", err)
	}
	if !errors.Is(func() error { _, err := LookupRunner("no-such-model", nil); return err }(), ErrNotAvailable) {
		t.Fatal("a runner for an unknown model kind")
	}
}

// TestSpecAddedSeeds: added seeds come after every run of the spec's
// seeds, the variants and points again in the same order, so the spec
// with them starts with exactly the runs of the spec without (what the
// ledger takes as a grown sweep); a budget with seeds of its own keeps only
// the added seeds it names; overlapping or orphan added seeds are errors.
func TestSpecAddedSeeds(t *testing.T) {
	s := tinySpec()
	s.Seeds = []uint64{0}
	before, err := s.Expand()
	if err != nil {
		t.Fatal(err)
	}
	s.AddedSeeds = []uint64{1, 2}
	after, err := s.Expand()
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 3*len(before) || !sameRuns(before, after[:len(before)]) {
		t.Fatalf("%d runs, the first %d not the %d runs without added seeds", len(after), len(before), len(before))
	}
	var names []string
	for _, r := range after[len(before):] {
		names = append(names, r.Name())
		if r.Index != len(before)+len(names)-1 {
			t.Errorf("run %s has index %d", r.Name(), r.Index)
		}
	}
	want := "Small [seed=1]|Small [seed=2]|Large [seed=1]|Large [seed=2]"
	if strings.Join(names, "|") != want {
		t.Errorf("appended runs %q, want %q", strings.Join(names, "|"), want)
	}
	// The same runs as the spec with all three seeds, in another order.
	all := tinySpec()
	full, err := all.Expand()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, r := range full {
		ids[r.ID] = true
	}
	for _, r := range after {
		if !ids[r.ID] {
			t.Errorf("run %s (%s) is not a run of the spec with seeds 0, 1, 2", r.Name(), r.ID)
		}
	}
	// Budgets: the quick budget names its own seeds and no added ones.
	q, err := s.WithBudget("quick")
	if err != nil {
		t.Fatal(err)
	}
	if runs, err := q.Expand(); err != nil || len(runs) != 2 {
		t.Errorf("quick budget: %d runs, %v; want 2 (seed 0 only)", len(runs), err)
	}
	s.Budgets["full"] = NamedBudget{Budget: Budget{Epochs: 2}, Seeds: []uint64{0}, AddedSeeds: []uint64{1}}
	if f, err := s.WithBudget("full"); err != nil || len(f.AddedSeeds) != 1 {
		t.Errorf("full budget: added seeds %v, %v", f.AddedSeeds, err)
	}
	// The JSON form keeps them.
	b, err := s.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if s2, err := ParseSpec(b); err != nil || len(s2.AddedSeeds) != 2 {
		t.Errorf("round trip: %v, %v", s2, err)
	}
	for _, c := range []struct {
		seeds, added []uint64
		want         string
	}{
		{[]uint64{0}, []uint64{0}, "already a seed"},
		{[]uint64{0}, []uint64{1, 1}, "already a seed"},
		{nil, []uint64{1}, "seeds, which is not set"},
	} {
		bad := tinySpec()
		bad.Seeds, bad.AddedSeeds = c.seeds, c.added
		if _, err := bad.Expand(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("seeds %v, added %v: %v, want an error with %q", c.seeds, c.added, err, c.want)
		}
	}
}

package nbkit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/exp"
)

// tinyLedger writes a ledger holding one spec file and no record: a
// teacher, a plain student and a hint student on generated data, three
// seeds, with a quick budget of one seed on 60 users.
func tinyLedger(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "results")
	if _, err := exp.OpenLedger(dir); err != nil {
		t.Fatal(err)
	}
	wd := 1e-3
	s := &exp.Spec{Name: "tiny-nb", Title: "a tiny sweep",
		RunSpec: exp.RunSpec{
			Dataset:  exp.DatasetSpec{Name: exp.SyntheticName, Synthetic: &exp.SyntheticSpec{Users: 100, Items: 120, PerUser: 12, Seed: 4}},
			Split:    exp.SplitSpec{Kind: exp.SplitLOO, Candidates: 40},
			Teacher:  &exp.TeacherSpec{ModelSpec: exp.ModelSpec{Kind: "bpr", Dim: 8, WeightDecay: &wd}},
			Student:  exp.ModelSpec{Kind: "bpr", Dim: 4},
			Protocol: exp.LOO, Budget: exp.Budget{Epochs: 3, EvalEvery: 1},
		},
		Seeds: []uint64{0, 1, 2},
		Variants: []exp.Variant{
			{Label: "Student", Set: map[string]any{"teacher": nil}},
			{Label: "Hint", Set: map[string]any{"kd": []exp.KDTerm{{Method: "hint", Lambda: 0.01}}}},
		},
		Budgets: map[string]exp.NamedBudget{"quick": {Budget: exp.Budget{Epochs: 2, EvalEvery: 1}, Seeds: []uint64{0}, Users: 60}},
		Report:  exp.ReportSpec{Baseline: "Student"},
	}
	b, err := s.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "specs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "specs", "tiny-nb.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestTrainingPath: under KDREC_QUICK the notebook's ledger is a scratch
// ledger in the artefact cache, a sweep is its spec with the quick budget,
// drawing trains just the rows drawn (through exp.RunSweep) and records
// them, the same drawing code then reads them, the tables and figures say
// they are reduced scale, and the ledger the specs come from is left alone.
func TestTrainingPath(t *testing.T) {
	src := tinyLedger(t)
	cache, figs := t.TempDir(), t.TempDir()
	t.Setenv(EnvLedger, src)
	t.Setenv("KDREC_CACHE", cache)
	t.Setenv(EnvFigures, figs)
	t.Setenv(EnvRetrain, "")
	t.Setenv(EnvRecord, "")
	t.Setenv(EnvQuick, "1")
	l, err := OpenLedger()
	if err != nil {
		t.Fatal(err)
	}
	if l.Dir() != filepath.Join(cache, "ledger", "quick") {
		t.Fatalf("records into %s", l.Dir())
	}
	sw, err := l.Sweep("tiny-nb")
	if err != nil {
		t.Fatal(err)
	}
	if sw.Sweep != "tiny-nb@quick" || sw.Spec.Split.Users != 60 || len(sw.Entries) != 2 || sw.Recorded() {
		t.Fatalf("sweep %s: users %d, %d runs, recorded %v", sw.Sweep, sw.Spec.Split.Users, len(sw.Entries), sw.Recorded())
	}
	if !strings.Contains(sw.DataText(), "first 60 users") {
		t.Errorf("data text %q", sw.DataText())
	}
	students, err := sw.Rows("Student")
	if err != nil {
		t.Fatal(err)
	}
	if err := students.ShowTable("t", exp.TableOptions{Baseline: exp.NoBaseline}); err != nil {
		t.Fatal(err)
	}
	tb, err := os.ReadFile(filepath.Join(figs, "t.md"))
	if err != nil || !strings.Contains(string(tb), "| Student |") || !strings.Contains(string(tb), "KDREC_QUICK=1") || !strings.Contains(string(tb), "trained here") {
		t.Errorf("table: %v\n%s", err, tb)
	}
	// Only the drawn row was trained.
	again, err := l.Sweep("tiny-nb")
	if err != nil {
		t.Fatal(err)
	}
	n, total := again.Counts()
	if n != 1 || total != 2 || again.Entries[0].Record == nil {
		t.Fatalf("%d of %d recorded after drawing the Student row", n, total)
	}
	// Drawing the curves trains the rest, and says so on the figure.
	if err := again.ShowCurves("c", exp.CurveOptions{Metric: "HR@5", Part: "valid"}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(figs, "c.caption.txt")); !strings.HasPrefix(string(b), QuickNotice) {
		t.Errorf("caption %q", b)
	}
	if n, _ := again.Counts(); n != 2 {
		t.Errorf("%d runs recorded after drawing both rows", n)
	}
	if txt := again.StatusText(); !strings.Contains(txt, "trained by this notebook") || !strings.Contains(txt, "$KDREC_CACHE/ledger/quick") {
		t.Errorf("status %q", txt)
	}
	if !strings.Contains(again.ProvenanceText(), "that this notebook trained") {
		t.Errorf("provenance %q", again.ProvenanceText())
	}
	// The runner's measurements are there to draw from.
	hint, _ := again.Rows("Hint")
	if es, err := hint.Measured("m", exp.ExtraTopology); err != nil || len(es) != 1 {
		t.Errorf("topology of the hint run: %d entries, %v", len(es), err)
	}
	// The source ledger holds no record; the scratch ledger holds both.
	if recs, _ := os.ReadDir(filepath.Join(src, "runs")); len(recs) != 0 {
		t.Errorf("%d records written into the source ledger", len(recs))
	}
	if recs, _ := os.ReadDir(filepath.Join(l.Dir(), "runs")); len(recs) != 2 {
		t.Errorf("%d records in the scratch ledger", len(recs))
	}
	// In ledger mode the same sweep reads the source ledger: nothing recorded.
	t.Setenv(EnvQuick, "")
	lm, err := OpenLedger()
	if err != nil {
		t.Fatal(err)
	}
	ls, err := lm.Sweep("tiny-nb")
	if err != nil {
		t.Fatal(err)
	}
	if ls.Sweep != "tiny-nb" || ls.Recorded() || len(ls.Entries) != 6 {
		t.Errorf("ledger mode: sweep %s, recorded %v, %d runs", ls.Sweep, ls.Recorded(), len(ls.Entries))
	}
	if err := ls.Fill(); err != nil {
		t.Errorf("ledger mode trains: %v", err)
	}
}

// TestTrainingSpecData: a spec whose split ships with an embedded data set
// but whose files are not found is trained on a leave-one-out split of the
// embedded data, renamed and said so; the spec's quick budget is kept.
func TestTrainingSpecData(t *testing.T) {
	t.Setenv(datasets.EnvDir, "")
	t.Setenv(EnvQuick, "1")
	s, err := exp.BuiltinSpec("rrd-params", "")
	if err != nil {
		t.Fatal(err)
	}
	spec, data, err := trainingSpec(s)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Name != "rrd-params.embedded" || spec.BudgetName != exp.QuickBudget || spec.Split.Kind != exp.SplitLOO || spec.Split.Users != 600 ||
		!strings.Contains(data, "embedded citeulike-t") || !strings.Contains(data, "derrd-loo") {
		t.Fatalf("%s@%s split %+v: %q", spec.Name, spec.BudgetName, spec.Split, data)
	}
	if _, err := spec.Expand(); err != nil {
		t.Fatal(err)
	}
	// A split that needs no files is kept.
	h, _ := exp.BuiltinSpec("hetcomp-table", "")
	spec, data, err = trainingSpec(h)
	if err != nil || spec.Name != "hetcomp-table" || data != "" {
		t.Errorf("hetcomp-table: %s %q %v", spec.Name, data, err)
	}
	// A data set that is not embedded and not found: the embedded one
	// stands in at reduced scale, with the same split.
	l, _ := exp.BuiltinSpec("hetcomp-protocol-lastfm", "")
	spec, data, err = trainingSpec(l)
	if err != nil || spec.Name != "hetcomp-protocol-lastfm.embedded" || spec.Dataset.Name != "citeulike-t" ||
		spec.Split.Kind != exp.SplitRatio602020 || !strings.Contains(data, "stands in for lastfm") {
		t.Fatalf("hetcomp-protocol-lastfm: %s on %s, split %+v: %q %v", spec.Name, spec.Dataset.Name, spec.Split, data, err)
	}
	if _, err := spec.Expand(); err != nil {
		t.Fatal(err)
	}
	// Not at full scale: there the data set is needed.
	t.Setenv(EnvQuick, "")
	spec, data, err = trainingSpec(l)
	if err != nil || spec.Name != "hetcomp-protocol-lastfm" || spec.Dataset.Name != "lastfm" || data != "" {
		t.Errorf("hetcomp-protocol-lastfm at full scale: %s on %s: %q %v", spec.Name, spec.Dataset.Name, data, err)
	}
}

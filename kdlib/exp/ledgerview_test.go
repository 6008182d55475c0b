package exp

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/report"
)

// TestLedgerViews records part of a small sweep with a grid and checks what
// the readers see: every run of the spec with its record or none, rows
// with their missing seeds, selections, curves over seeds, a metric against
// the grid with a reference row, and tables from the recorded ranks.
func TestLedgerViews(t *testing.T) {
	s := pinSpec()
	s.Name = "views"
	s.Seeds = []uint64{0, 1}
	s.Budget = Budget{Epochs: 3, EvalEvery: 1}
	s.Variants = []Variant{plainRow("Student", bpr(4)),
		{Label: "RRD", Set: map[string]any{"kd": []KDTerm{kd("rrd", 0.001, "n", 60, "k", 10, "l", 10)}}, Grid: Grid{"kd[0].options.k": {5, 10}}}}
	dir := t.TempDir()
	l, err := OpenLedger(dir)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := s.Expand()
	if err != nil || len(runs) != 6 {
		t.Fatalf("%d runs, %v", len(runs), err)
	}
	// Nothing recorded: every run is missing, and nothing can be drawn.
	sr, err := l.SweepOf(s)
	if err != nil {
		t.Fatal(err)
	}
	if sr.Recorded() || len(sr.Missing()) != 6 {
		t.Fatalf("empty ledger: recorded %v, %d missing", sr.Recorded(), len(sr.Missing()))
	}
	if _, err := SweepCurves(sr, CurveOptions{Metric: "HR@5"}); !errors.Is(err, ErrNoData) {
		t.Errorf("curves of nothing: %v", err)
	}
	// Record all but RRD k=10 seed 1 (the last run).
	env, _ := NewEnv(t.TempDir(), nil)
	part := *s
	if _, err := RunSweep(context.Background(), &part, SweepOptions{Out: t.TempDir(), Env: env, Ledger: l, Shard: Shard{Index: 0, Count: 1}}); err != nil {
		t.Fatal(err)
	}
	last := runs[len(runs)-1]
	if err := os.Remove(filepath.Join(dir, "runs", last.ID+".json.gz")); err != nil {
		t.Fatal(err)
	}
	sr, err = l.SweepOf(s)
	if err != nil {
		t.Fatal(err)
	}
	st := sr.Status()
	if len(st) != 3 || st[0].Name != "Student" || st[2].Name != "RRD (kd[0].options.k=10)" {
		t.Fatalf("rows %+v", st)
	}
	if !slices.Equal(st[2].Recorded, []uint64{0}) || !slices.Equal(st[2].Missing, []uint64{1}) || !slices.Equal(st[2].MissingIDs, []string{last.ID}) || len(st[0].Missing) != 0 {
		t.Errorf("status %+v", st)
	}
	// Select: by label (every grid point) and by full name, in the order asked.
	sel, err := sr.Select("RRD (kd[0].options.k=10)", "Student")
	if err != nil || len(sel.Entries) != 4 || sel.Entries[0].Run.Label != "RRD" || sel.Entries[3].Run.Label != "Student" {
		t.Fatalf("select: %v, %+v", err, sel)
	}
	// A label and one of its rows named together select each run once.
	if dup, err := sr.Select("RRD", "RRD (kd[0].options.k=10)", "RRD"); err != nil || len(dup.Entries) != 4 {
		t.Fatalf("select with repeats: %v, %d entries, want the 4 RRD runs once each", err, len(dup.Entries))
	}
	if _, err := sr.Select("Studnet"); err == nil || !strings.Contains(err.Error(), "Student") {
		t.Errorf("a typo selected something: %v", err)
	}
	// Curves: one series per row; RRD's label is shared by two rows, so the
	// series carry the full names.
	// A misspelt metric or row is an error of its own, not missing data.
	if _, err := SweepCurves(sr, CurveOptions{Metric: "hr@5"}); err == nil || errors.Is(err, ErrNoData) || !strings.Contains(err.Error(), "hr@5") {
		t.Errorf("curves of metric hr@5: %v, want an error naming the metric, not ErrNoData", err)
	}
	if _, err := SweepParam(sr, ParamOptions{X: "kd[0].options.k", Metric: "HR@5", Rows: []string{"RDD"}}); err == nil || errors.Is(err, ErrNoData) || !strings.Contains(err.Error(), "RDD") {
		t.Errorf("param figure of row RDD: %v, want an error naming the row, not ErrNoData", err)
	}
	fig, err := SweepCurves(sr, CurveOptions{Metric: "HR@5"})
	if err != nil {
		t.Fatal(err)
	}
	if len(fig.Series) != 3 || fig.Series[0].Name != "Student" || fig.Series[1].Name != "RRD (kd[0].options.k=5)" {
		t.Fatalf("series %v", seriesNames(fig))
	}
	if stats := fig.Series[0].Stats(); len(stats) != 3 || stats[0].N != 2 {
		t.Errorf("student curve: %+v", stats)
	}
	if stats := fig.Series[2].Stats(); len(stats) != 3 || stats[0].N != 1 {
		t.Errorf("RRD k=10 curve (one seed recorded): %+v", stats)
	}
	if !strings.Contains(fig.CaptionText(), "views") {
		t.Errorf("caption %q does not name the sweep", fig.CaptionText())
	}
	if _, err := report.Encode(fig, report.SVG); err != nil {
		t.Fatal(err)
	}
	// A metric against the grid, with the student as a reference.
	pf, err := SweepParam(sr, ParamOptions{X: "kd[0].options.k", XLabel: "K", Metric: "HR@5", Rows: []string{"RRD"}, References: []string{"Student"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(pf.Series) != 2 || pf.Series[0].Name != "RRD" || pf.Series[1].Name != "Student" {
		t.Fatalf("param series %v", seriesNames(pf))
	}
	if lv, ok := pf.Series[1].Level(); !ok || lv.N != 2 {
		t.Errorf("student reference %+v %v", lv, ok)
	}
	if stats := pf.Series[0].Stats(); len(stats) != 2 || stats[0].X != 5 || stats[0].N != 2 || stats[1].N != 1 {
		t.Errorf("RRD against K: %+v", stats)
	}
	// XScale draws the coordinate scaled (a dimension as a size ratio).
	scaled, err := SweepParam(sr, ParamOptions{X: "kd[0].options.k", XScale: 0.1, Metric: "HR@5", Rows: []string{"RRD"}})
	if err != nil {
		t.Fatal(err)
	}
	if stats := scaled.Series[0].Stats(); len(stats) != 2 || stats[0].X != 0.5 || stats[1].X != 1 {
		t.Errorf("RRD against K/10: %+v", stats)
	}
	// One series per value of a second coordinate (here the seed axis is
	// not a grid path, so split by K itself over K: one point each).
	byK, err := SweepParam(sr, ParamOptions{X: "kd[0].options.k", Metric: "HR@5", Rows: []string{"RRD"}, By: "kd[0].options.k", ByLabel: "K"})
	if err != nil || len(byK.Series) != 2 || byK.Series[1].Name != "RRD (K=10)" || byK.Series[0].Style == nil {
		t.Errorf("by K: %v %v", seriesNames(byK), err)
	}
	if _, err := SweepParam(sr, ParamOptions{X: "kd[0].options.k", Metric: "HR@5", References: []string{"RRD"}}); err == nil {
		t.Error("a reference row that varies with X was accepted")
	}
	// Tables from the ranks: candidates reproduce the records' final
	// values; full ranking is never better than the candidates.
	cand, err := RankTable(sr, []string{"HR@5", "NDCG@5"}, false)
	if err != nil {
		t.Fatal(err)
	}
	full, err := RankTable(sr, []string{"HR@5", "NDCG@5"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(cand.Rows) != 3 || cand.Rows[2][3] != "1" || cand.Rows[0][3] != "2" {
		t.Fatalf("rank table %v", cand.Rows)
	}
	sum, err := Aggregate(sr, TableOptions{Metrics: []string{"HR@5"}, Source: SourceFinal, Baseline: NoBaseline})
	if err != nil {
		t.Fatal(err)
	}
	for k, r := range sum.Rows {
		if want := strings.Fields(sum.Table().Rows[k][1])[0]; strings.Fields(cand.Rows[k][1])[0] != want {
			t.Errorf("row %s: HR@5 from the ranks %s, recorded final %s", r.Name(), cand.Rows[k][1], want)
		}
		if strings.Fields(full.Rows[k][1])[0] > strings.Fields(cand.Rows[k][1])[0] {
			t.Errorf("row %s: full-ranking HR@5 %s above the sampled %s", r.Name(), full.Rows[k][1], cand.Rows[k][1])
		}
	}
}

func seriesNames(f *report.Figure) []string {
	var out []string
	for _, s := range f.Series {
		out = append(out, s.Name)
	}
	return out
}

// TestLedgerSpecFor finds a spec in the ledger's specs/ folder first, then
// among the built-in ones, and says how kdsweep is given each.
func TestLedgerSpecFor(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "results")
	l, err := OpenLedger(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := pinSpec()
	s.Name = "mine"
	b, err := s.JSON()
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "specs"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, "specs", "mine.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	got, arg, err := l.SpecFor("mine")
	if err != nil || got.Name != "mine" || arg != "results/specs/mine.json" {
		t.Errorf("own spec: %v %q %v", got, arg, err)
	}
	got, arg, err = l.SpecFor("td-params")
	if err != nil || got.Name != "td-params" || arg != "td-params" {
		t.Errorf("built-in spec: %v %q %v", got, arg, err)
	}
	if _, _, err := l.SpecFor("../etc"); err == nil {
		t.Error("a path was taken as a spec name")
	}
	if _, _, err := l.SpecFor("no-such-spec"); err == nil {
		t.Error("an unknown spec was found")
	}
}

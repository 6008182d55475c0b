package exp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// splitsFixture is a ledger with two sweeps of the same three rows on
// synthetic data: "authors-fx" (a fixed split, seeds 0–2, recorded with
// its manifest) and "splits-fx" (the split following the seed, seeds 0–4,
// only its spec file in the ledger's specs/). Records are written by hand
// with chosen best-epoch values, so that the block's numbers are known.
type splitsFixture struct {
	l       *Ledger
	dir     string
	authors []Run
	splits  []Run
}

func newSplitsFixture(t *testing.T) *splitsFixture {
	t.Helper()
	rows := []Variant{plainRow("Teacher", bpr(16)), plainRow("Student", bpr(4)), kdRow("RRD", kd("rrd", 1, "n", 60, "k", 10, "l", 10))}
	fixed := uint64(7)
	authors := pinSpec()
	authors.Name, authors.Seeds, authors.Variants = "authors-fx", []uint64{0, 1, 2}, rows
	authors.Split.Seed = &fixed
	splits := pinSpec()
	splits.Name, splits.Seeds, splits.Variants = "splits-fx", []uint64{0, 1, 2, 3, 4}, rows
	f := &splitsFixture{dir: t.TempDir()}
	var err error
	if f.l, err = OpenLedger(f.dir); err != nil {
		t.Fatal(err)
	}
	if f.authors, err = authors.Expand(); err != nil {
		t.Fatal(err)
	}
	if f.splits, err = splits.Expand(); err != nil {
		t.Fatal(err)
	}
	if err := f.l.AddManifest(&Manifest{Sweep: authors.Name, Spec: authors, Runs: f.authors}); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(splits)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(f.dir, "specs"), 0o755)
	if err := os.WriteFile(filepath.Join(f.dir, "specs", "splits-fx.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// record writes a record of run r with the given HR@5 and NDCG@5.
func (f *splitsFixture) record(t *testing.T, sweep string, r Run, hr, ndcg float64) {
	t.Helper()
	rec := &Record{ID: r.ID, Hash: r.Hash, Sweep: sweep, Index: r.Index, Label: r.Label, Point: r.Point, Spec: r.Spec,
		Result: RunResult{Best: map[string]float64{"HR@5": hr, "NDCG@5": ndcg}}}
	if added, err := f.l.Add(rec); !added || err != nil {
		t.Fatalf("record %s: added %v, %v", r.ID, added, err)
	}
}

// recordAll records every run of runs whose label has values, the k-th
// seed of a label taking vals[label][k] as HR@5 and half of it as NDCG@5,
// except the runs skip names ("RRD/4").
func (f *splitsFixture) recordAll(t *testing.T, sweep string, runs []Run, vals map[string][]float64, skip ...string) {
	t.Helper()
	for _, r := range runs {
		v, ok := vals[r.Label]
		name := r.Label + "/" + strings.TrimPrefix(r.Point[len(r.Point)-1].String(), "seed=")
		if !ok || containsString(skip, name) {
			continue
		}
		x := v[r.Spec.Seed]
		f.record(t, sweep, r, x, x/2)
	}
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// splitsClaims are the fixture's logs as value claims about authors-fx
// (the Teacher has none), and a claim about the other sweep that the
// block must not take for a log.
func splitsClaims() []ClaimResult {
	cs := []Claim{
		{ID: "log-student-hr5", Kind: ClaimValue, Sweep: "authors-fx", Row: "Student", Metric: "HR@5", Value: 0.45, Tol: 0.02},
		{ID: "log-student-ndcg5", Kind: ClaimValue, Sweep: "authors-fx", Row: "Student", Metric: "NDCG@5", Value: 0.20, Tol: 0.02},
		{ID: "log-rrd-hr5", Kind: ClaimValue, Sweep: "authors-fx", Row: "RRD", Metric: "HR@5", Value: 0.60, Tol: 0.02},
		{ID: "splits-rrd-hr5", Kind: ClaimValue, Sweep: "splits-fx", Row: "RRD", Metric: "HR@5", Value: 0.99, Tol: 0.02},
		{ID: "rrd-better", Kind: ClaimBetter, Sweep: "authors-fx", Row: "RRD", Baseline: "Student", Metric: "HR@5"},
	}
	out := make([]ClaimResult, len(cs))
	for k, c := range cs {
		out[k] = ClaimResult{Claim: c}
	}
	return out
}

// blockRows returns the table rows of a generated block, by "row metric".
func blockRows(t *testing.T, body string) map[string][]string {
	t.Helper()
	rows := map[string][]string{}
	for _, line := range strings.Split(body, "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| row ") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) != 7 {
			t.Fatalf("row with %d cells: %q", len(cells), line)
		}
		rows[cells[0]+" "+cells[1]] = cells
	}
	return rows
}

func genSplits(l *Ledger, claims []ClaimResult, args string) (string, error) {
	doc := "# x\n\n<!-- ledger:splits " + args + " -->\nstale\n<!-- /ledger -->\n"
	b, err := GenerateDoc([]byte(doc), l, claims)
	return string(b), err
}

// TestSplitsBlock renders the splits block from a fixture ledger: before
// the random splits are recorded (every run listed as missing, the logs
// and the authors' split shown), with one run missing, and complete, with
// the differences to the logs in units of the splits' sd checked against
// values worked out by hand; and it refuses wrong arguments.
func TestSplitsBlock(t *testing.T) {
	f := newSplitsFixture(t)
	claims := splitsClaims()
	// The authors' split: Student HR@5 0.40, 0.42, 0.44 (mean 0.42, sd
	// 0.02); RRD 0.58, 0.59, 0.60; Teacher 0.70 ×3.
	f.recordAll(t, "authors-fx", f.authors, map[string][]float64{
		"Teacher": {0.70, 0.70, 0.70}, "Student": {0.40, 0.42, 0.44}, "RRD": {0.58, 0.59, 0.60}})

	// 1. The random splits not recorded: every run is missing.
	g, err := genSplits(f.l, claims, "splits-fx authors-fx")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(g, "stale") {
		t.Errorf("the old content survived:\n%s", g)
	}
	rows := blockRows(t, g)
	if len(rows) != 6 {
		t.Fatalf("%d rows, want 3 rows × 2 metrics:\n%s", len(rows), g)
	}
	want := map[string][]string{
		"Teacher HR@5":   {"Teacher", "HR@5", "–", "0.7000 ± 0.0000 (n=3)", "–", "–", "–"},
		"Student HR@5":   {"Student", "HR@5", "0.4500", "0.4200 ± 0.0200 (n=3)", "–", "-0.0300", "–"},
		"Student NDCG@5": {"Student", "NDCG@5", "0.2000", "0.2100 ± 0.0100 (n=3)", "–", "+0.0100", "–"},
		"RRD NDCG@5":     {"RRD", "NDCG@5", "–", "0.2950 ± 0.0050 (n=3)", "–", "–", "–"},
	}
	for k, w := range want {
		if strings.Join(rows[k], "|") != strings.Join(w, "|") {
			t.Errorf("%s: %q, want %q", k, rows[k], w)
		}
	}
	for _, w := range []string{"against 5 random splits (splits-fx) and the authors' split (authors-fx)",
		"No log can be set against the random splits yet", "3 logs wait",
		"_splits-fx: 0 of 15 runs recorded; missing Teacher seeds 0–4, Student seeds 0–4, RRD seeds 0–4 (`kdsweep run --ledger results " +
			filepath.Base(f.dir) + "/specs/splits-fx.json`)._"} {
		if !strings.Contains(g, w) {
			t.Errorf("block lacks %q:\n%s", w, g)
		}
	}
	if strings.Contains(g, "authors-fx: ") {
		t.Errorf("the recorded authors' sweep is reported missing:\n%s", g)
	}

	// 2. The random splits recorded but RRD's seed 4. Student HR@5 0.40 …
	// 0.44: mean 0.42, sd sqrt(0.001/4) = 0.0158, so the log 0.45 is
	// -0.03 away, -1.9 sd, and the authors' split (mean 0.42) too; NDCG@5
	// (half of HR@5) is +0.01 from its log 0.20, +1.3 sd. RRD
	// HR@5 0.50, 0.51, 0.49, 0.50 (seed 4 missing): mean 0.50, sd 0.0082,
	// the log 0.60 is -0.10 away, -12.2 sd; the authors' split (0.59) is
	// -0.01, -1.2 sd.
	f.recordAll(t, "splits-fx", f.splits, map[string][]float64{
		"Teacher": {0.70, 0.71, 0.72, 0.73, 0.74}, "Student": {0.40, 0.41, 0.42, 0.43, 0.44}, "RRD": {0.50, 0.51, 0.49, 0.50, 0.50}}, "RRD/4")
	g, err = genSplits(f.l, claims, "splits-fx authors-fx")
	if err != nil {
		t.Fatal(err)
	}
	rows = blockRows(t, g)
	want = map[string][]string{
		"Teacher HR@5":   {"Teacher", "HR@5", "–", "0.7000 ± 0.0000 (n=3)", "0.7200 ± 0.0158 (n=5)", "–", "–"},
		"Student HR@5":   {"Student", "HR@5", "0.4500", "0.4200 ± 0.0200 (n=3)", "0.4200 ± 0.0158 (n=5)", "-0.0300 (-1.9 sd)", "-0.0300 (-1.9 sd)"},
		"Student NDCG@5": {"Student", "NDCG@5", "0.2000", "0.2100 ± 0.0100 (n=3)", "0.2100 ± 0.0079 (n=5)", "+0.0100 (+1.3 sd)", "+0.0100 (+1.3 sd)"},
		"RRD HR@5":       {"RRD", "HR@5", "0.6000", "0.5900 ± 0.0100 (n=3)", "0.5000 ± 0.0082 (n=4)", "-0.0100 (-1.2 sd)", "-0.1000 (-12.2 sd)"},
	}
	for k, w := range want {
		if strings.Join(rows[k], "|") != strings.Join(w, "|") {
			t.Errorf("%s: %q, want %q", k, rows[k], w)
		}
	}
	for _, w := range []string{"2 of 3 logs lie within 2 sd of the random splits' mean.",
		"_splits-fx: 14 of 15 runs recorded; missing RRD seed 4 ("} {
		if !strings.Contains(g, w) {
			t.Errorf("block lacks %q:\n%s", w, g)
		}
	}
	again, err := GenerateDoc([]byte(g), f.l, claims)
	if err != nil || string(again) != g {
		t.Errorf("regenerating changes the document (%v)", err)
	}

	// 3. Complete: no missing note; metrics= selects the metrics.
	f.record(t, "splits-fx", f.splits[len(f.splits)-1], 0.50, 0.25)
	g, err = genSplits(f.l, claims, "splits-fx authors-fx metrics=HR@5")
	if err != nil {
		t.Fatal(err)
	}
	rows = blockRows(t, g)
	if len(rows) != 3 || rows["Student NDCG@5"] != nil || strings.Contains(g, "missing") {
		t.Errorf("complete sweep, HR@5 only:\n%s", g)
	}
	if r := rows["RRD HR@5"]; r == nil || r[4] != "0.5000 ± 0.0071 (n=5)" {
		t.Errorf("RRD HR@5 with seed 4: %q", r)
	}

	// 4. Wrong arguments are errors naming the problem.
	for _, c := range []struct{ args, want string }{
		{"splits-fx", "want two sweeps"},
		{"splits-fx authors-fx extra", "want two sweeps"},
		{"splits-fx nosuch", "nosuch"},
		{"splits-fx authors-fx metric=HR@5", `unknown option "metric"`},
		{"splits-fx authors-fx metrics=hr@5", `"hr@5"`},
		{"splits-fx authors-fx metrics=HR@7", `"HR@7"`},
	} {
		if _, err := genSplits(f.l, claims, c.args); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("splits %s: error %v, want one containing %q", c.args, err, c.want)
		}
	}
	// The sweeps swapped: no log is about the first one.
	if _, err := genSplits(f.l, claims[:3], "authors-fx splits-fx"); err == nil || !strings.Contains(err.Error(), "no value claim is about sweep splits-fx") {
		t.Errorf("sweeps swapped: %v", err)
	}
	// Two logs for one row and metric: the block cannot say which.
	twice := append(splitsClaims(), ClaimResult{Claim: Claim{ID: "other", Kind: ClaimValue, Sweep: "authors-fx", Row: "Student", Metric: "HR@5", Value: 0.5, Tol: 0.02}})
	if _, err := genSplits(f.l, twice, "splits-fx authors-fx"); err == nil || !strings.Contains(err.Error(), "log-student-hr5 and other") {
		t.Errorf("two logs for Student HR@5: %v", err)
	}
}

// TestSeedRanges checks how missing seeds are written.
func TestSeedRanges(t *testing.T) {
	for _, c := range []struct {
		seeds []uint64
		want  string
	}{
		{[]uint64{4, 0, 1, 2, 3}, "0–4"},
		{[]uint64{2}, "2"},
		{[]uint64{0, 1, 5, 7, 8, 9}, "0, 1, 5, 7–9"},
	} {
		if got := seedRanges(c.seeds); got != c.want {
			t.Errorf("seedRanges(%v) = %q, want %q", c.seeds, got, c.want)
		}
	}
}

// TestClaimValueOf checks value_of in a claims file: the value is taken
// from the named value claim, and a missing or wrong reference, a value
// given twice, a chain and value_of in a spec's claims are refused.
func TestClaimValueOf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "claims.json")
	load := func(body string) ([]Claim, error) {
		os.WriteFile(path, []byte(body), 0o644)
		return LoadClaims(path)
	}
	base := `{"id": "log", "kind": "value", "value": 0.4486, "tol": 0.02, "sweep": "a", "row": "Student", "metric": "HR@5"}`
	cs, err := load(`[` + base + `, {"id": "splits", "kind": "value", "value_of": "log", "tol": 0.02, "sweep": "b", "row": "Student", "metric": "HR@5"}]`)
	if err != nil {
		t.Fatal(err)
	}
	if cs[1].Value != 0.4486 || cs[1].ValueOf != "log" {
		t.Errorf("value_of resolved to %+v", cs[1])
	}
	for _, c := range []struct{ body, want string }{
		{`[` + base + `, {"id": "s", "kind": "value", "value_of": "nosuch", "tol": 0.02, "sweep": "b", "row": "r", "metric": "HR@5"}]`, `value_of "nosuch": no such claim`},
		{`[` + base + `, {"id": "s", "kind": "value", "value": 0.5, "value_of": "log", "tol": 0.02, "sweep": "b", "row": "r", "metric": "HR@5"}]`, "not both"},
		{`[` + base + `, {"id": "s", "kind": "close", "value_of": "log", "tol": 0.02, "sweep": "b", "row": "r", "baseline": "q", "metric": "HR@5"}]`, "value_of is for kind value"},
		{`[{"id": "b", "kind": "better", "sweep": "a", "row": "r", "baseline": "q", "metric": "HR@5"}, {"id": "s", "kind": "value", "value_of": "b", "tol": 0.02, "sweep": "b", "row": "r", "metric": "HR@5"}]`, "of kind better"},
		{`[` + base + `, {"id": "s", "kind": "value", "value_of": "log", "tol": 0.02, "sweep": "b", "row": "r", "metric": "HR@5"}, {"id": "t", "kind": "value", "value_of": "s", "tol": 0.02, "sweep": "b", "row": "r", "metric": "NDCG@5"}]`, `from "log" in turn`},
	} {
		if _, err := load(c.body); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one containing %q", err, c.want)
		}
	}
	if err := checkClaim(Claim{ID: "s", Kind: ClaimValue, ValueOf: "log", Tol: 0.02, Row: "r", Metric: "HR@5"}, false); err == nil || !strings.Contains(err.Error(), "spec's claim") {
		t.Errorf("value_of in a spec's claim: %v", err)
	}
}

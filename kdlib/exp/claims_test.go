package exp

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestClaimsAndDocBlocks records a small three-seed sweep in a ledger,
// evaluates claims of every kind against it and regenerates a document's
// blocks from it.
func TestClaimsAndDocBlocks(t *testing.T) {
	s := pinSpec()
	s.Name = "claims-test"
	s.Seeds = []uint64{0, 1, 2}
	s.Variants = []Variant{plainRow("Student", bpr(4)), kdRow("RRD", kd("rrd", 1, "n", 60, "k", 10, "l", 10))}
	s.Report = ReportSpec{Metrics: []string{"HR@5", "NDCG@5"}, Baseline: "Student"}
	dir := t.TempDir()
	l, _ := OpenLedger(dir)
	env, _ := NewEnv(t.TempDir(), nil)
	if _, err := RunSweep(context.Background(), s, SweepOptions{Out: t.TempDir(), Env: env, Ledger: l}); err != nil {
		t.Fatal(err)
	}
	claims := []Claim{
		{ID: "wide", Kind: ClaimValue, Sweep: "claims-test", Row: "Student", Metric: "HR@5", Value: 0.5, Tol: 1},
		{ID: "narrow", Kind: ClaimValue, Sweep: "claims-test", Row: "Student", Metric: "HR@5", Value: 2, Tol: 0.01},
		{ID: "close", Kind: ClaimClose, Sweep: "claims-test", Row: "RRD", Baseline: "Student", Metric: "HR@5", Tol: 1},
		{ID: "better", Kind: ClaimBetter, Sweep: "claims-test", Row: "RRD", Baseline: "Student", Metric: "NDCG@5"},
		{ID: "seeds", Kind: ClaimValue, Sweep: "claims-test", Row: "Student", Metric: "HR@5", Value: 0.5, Tol: 1, MinSeeds: 4},
		{ID: "absent", Kind: ClaimValue, Sweep: "nosuch", Row: "Student", Metric: "HR@5", Value: 0.5, Tol: 1},
		{ID: "norow", Kind: ClaimValue, Sweep: "claims-test", Row: "DE", Metric: "HR@5", Value: 0.5, Tol: 1},
		{ID: "here", Kind: ClaimUnavailable, Reason: "no data"},
	}
	res, err := EvaluateClaims(l, claims)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"wide": Holds, "narrow": Fails, "close": Holds, "seeds": NoEvidence, "absent": NoEvidence,
		"norow": NoEvidence, "here": CannotRun}
	for _, r := range res {
		if w, ok := want[r.Claim.ID]; ok && r.Verdict != w {
			t.Errorf("claim %s: %s (%s), want %s", r.Claim.ID, r.Verdict, r.Evidence, w)
		}
		if r.Claim.ID == "better" {
			if r.Verdict != Holds && r.Verdict != Fails || !strings.Contains(r.Evidence, "seed 2 p=") {
				t.Errorf("better: %s %s", r.Verdict, r.Evidence)
			}
		}
	}
	doc := []byte("# r\n\n<!-- ledger:table claims-test -->\nstale\n<!-- /ledger -->\n\ntext 1e-3\n\n<!-- ledger:claims sweep=claims-test -->\n<!-- /ledger -->\n" +
		"<!-- ledger:runs claims-test -->\n<!-- /ledger -->\n<!-- ledger:table other -->\n<!-- /ledger -->\n" +
		"<!-- ledger:claim narrow here -->\n<!-- /ledger -->\n")
	gen, err := GenerateDoc(doc, l, res)
	if err != nil {
		t.Fatal(err)
	}
	g := string(gen)
	for _, w := range []string{"| Student |", "| RRD |", "narrow", "6 claims: ", "Not recorded yet: no run of other", "text 1e-3",
		"- **narrow** (claim `narrow`): **fails** — Student HR@5 ", "- **here** (claim `here`): **cannot run here** — no data\n<!-- /ledger -->"} {
		if !strings.Contains(g, w) {
			t.Errorf("generated document lacks %q:\n%s", w, g)
		}
	}
	if strings.Contains(g, "stale") {
		t.Errorf("the old block content survived:\n%s", g)
	}
	again, _ := GenerateDoc(gen, l, res)
	if string(again) != g {
		t.Error("regenerating a generated document changes it")
	}
	if strip := string(StripGenerated(gen)); strings.Contains(strip, "| Student |") || !strings.Contains(strip, "text 1e-3") {
		t.Errorf("StripGenerated:\n%s", strip)
	}
	if _, err := GenerateDoc([]byte("<!-- ledger:table claims-test -->\nno end\n"), l, res); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("unterminated block: %v", err)
	}
	if _, err := GenerateDoc([]byte("<!-- ledger:claim nosuch -->\n<!-- /ledger -->\n"), l, res); err == nil || !strings.Contains(err.Error(), `no claim "nosuch"`) {
		t.Errorf("a claim block naming an unknown claim: %v", err)
	}
	// The claims file format.
	path := filepath.Join(t.TempDir(), "claims.json")
	os.WriteFile(path, []byte(`[{"id": "a", "kind": "value", "sweep": "s", "row": "r", "metric": "HR@5", "value": 0.4}]`), 0o644)
	if _, err := LoadClaims(path); err == nil || !strings.Contains(err.Error(), "tol > 0") {
		t.Errorf("a value claim without tolerance: %v", err)
	}
	os.WriteFile(path, []byte(`[{"id": "a", "kind": "beter", "sweep": "s", "row": "r", "metric": "HR@5"}]`), 0o644)
	if _, err := LoadClaims(path); err == nil || !strings.Contains(err.Error(), `unknown kind "beter"`) {
		t.Errorf("a misspelt kind: %v", err)
	}
}

// TestClaimsOnGridRows checks that claims naming grid rows ("RRD
// (student.dim=4)") are judged against the baseline row of the same grid
// point, with a test in every seed.
func TestClaimsOnGridRows(t *testing.T) {
	s := pinSpec()
	s.Name = "claims-grid"
	s.Seeds = []uint64{0, 1, 2}
	s.Variants = []Variant{
		{Label: "Student", Set: map[string]any{"kd": nil, "teacher": nil}, Grid: Grid{"student.dim": {4, 8}}},
		{Label: "RRD", Set: map[string]any{"kd": []KDTerm{kd("rrd", 1, "n", 60, "k", 10, "l", 10)}}, Grid: Grid{"student.dim": {4, 8}}},
	}
	l, _ := OpenLedger(t.TempDir())
	env, _ := NewEnv(t.TempDir(), nil)
	if _, err := RunSweep(context.Background(), s, SweepOptions{Out: t.TempDir(), Env: env, Ledger: l}); err != nil {
		t.Fatal(err)
	}
	res, err := EvaluateClaims(l, []Claim{{ID: "grid", Kind: ClaimBetter, Sweep: "claims-grid", Row: "RRD (student.dim=4)",
		Baseline: "Student (student.dim=4)", Metric: "NDCG@5", Alpha: 1.01}})
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	if r.Verdict == NoEvidence || strings.Count(r.Evidence, "p=") != 3 || !strings.Contains(r.Evidence, "Student (student.dim=4)") {
		t.Errorf("grid claim: %s: %s", r.Verdict, r.Evidence)
	}
}

// TestWriteClaimsText checks the terminal form of claim results: the
// verdict opens each block, every line fits the width, no word is lost,
// and a failing claim carries its analysis.
func TestWriteClaimsText(t *testing.T) {
	long := strings.Repeat("evidence word ", 30)
	rs := []ClaimResult{
		{Claim: Claim{ID: "a", Text: "A beats B (HR@5)", Source: "ch. 3", Reason: "analysis: seeds disagree"}, Verdict: Fails, Evidence: long},
		{Claim: Claim{ID: "b", Text: "B holds"}, Verdict: Holds, Evidence: "short"},
		{Claim: Claim{ID: "c", Text: "C needs data"}, Verdict: CannotRun, Evidence: "absent"},
	}
	var b strings.Builder
	if err := WriteClaimsText(&b, rs, 60); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for _, l := range lines {
		if n := utf8.RuneCountInString(l); n > 60 {
			t.Errorf("line of %d columns > 60: %q", n, l)
		}
	}
	if !strings.HasPrefix(lines[0], Fails) || !strings.Contains(out, "\n"+Holds) {
		t.Errorf("verdicts do not open the blocks:\n%s", out)
	}
	if !strings.Contains(out, "\n"+CannotRun+"  C needs data") {
		t.Errorf("the longest verdict is not set apart from its text:\n%s", out)
	}
	if !strings.Contains(out, "analysis: seeds disagree") {
		t.Errorf("the failing claim lost its analysis:\n%s", out)
	}
	if got, want := strings.Count(out, "evidence word"), 30; got != want {
		t.Errorf("%d of %d evidence words written:\n%s", got, want, out)
	}
}

// TestCheckExplained checks that a failing claim without an analysis is an
// error naming it, and that analysed failures and other verdicts are not.
func TestCheckExplained(t *testing.T) {
	rs := []ClaimResult{
		{Claim: Claim{ID: "ok"}, Verdict: Holds},
		{Claim: Claim{ID: "analysed", Reason: "analysis: …"}, Verdict: Fails},
		{Claim: Claim{ID: "none"}, Verdict: NoEvidence},
	}
	if err := CheckExplained(rs, "claims.json"); err != nil {
		t.Fatalf("explained results: %v", err)
	}
	rs = append(rs, ClaimResult{Claim: Claim{ID: "bare", Reason: "  "}, Verdict: Fails})
	err := CheckExplained(rs, "claims.json")
	if !errors.Is(err, ErrUnexplained) || !strings.Contains(err.Error(), "bare") || strings.Contains(err.Error(), "analysed") {
		t.Fatalf("got %v, want an error naming only the claim bare", err)
	}
}

// TestClaimTunedBaseline checks Claim.Tune: the baseline is the grid point
// of the variant with the highest mean validation value over its seeds,
// the evidence names it, and a claim waits while a grid point lacks runs.
func TestClaimTunedBaseline(t *testing.T) {
	s := pinSpec()
	s.Name = "claims-tuned"
	s.Seeds = []uint64{0, 1, 2}
	s.Variants = []Variant{
		{Label: "Student", Set: map[string]any{"kd": nil, "teacher": nil}, Grid: Grid{"student.dim": {2, 8}}},
		{Label: "Wide", Set: map[string]any{"kd": nil, "teacher": nil, "student": ModelSpec{Kind: "bpr", Dim: 16}}},
	}
	l, _ := OpenLedger(t.TempDir())
	env, _ := NewEnv(t.TempDir(), nil)
	out := t.TempDir()
	if _, err := RunSweep(context.Background(), s, SweepOptions{Out: out, Env: env, Ledger: l, Shard: Shard{Index: 0, Count: 2}}); err != nil {
		t.Fatal(err)
	}
	claim := Claim{ID: "tuned", Kind: ClaimAtLeast, Sweep: "claims-tuned", Row: "Wide", Baseline: "Student", Tune: TuneValid, Metric: "NDCG@5", Tol: 1}
	res, err := EvaluateClaims(l, []Claim{claim})
	if err != nil {
		t.Fatal(err)
	}
	if r := res[0]; r.Verdict != NoEvidence || !strings.Contains(r.Evidence, "needs all its runs") {
		t.Errorf("half the grid recorded: %s: %s", r.Verdict, r.Evidence)
	}
	if _, err := RunSweep(context.Background(), s, SweepOptions{Out: out, Env: env, Ledger: l, Shard: Shard{Index: 1, Count: 2}}); err != nil {
		t.Fatal(err)
	}
	res, err = EvaluateClaims(l, []Claim{claim})
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	// The expected choice, from the records themselves.
	sr, err := l.Sweep("claims-tuned")
	if err != nil {
		t.Fatal(err)
	}
	valid, test := map[string]float64{}, map[string]float64{}
	for _, e := range sr.Entries {
		if e.Run.Label != "Student" || e.Record == nil {
			continue
		}
		name := fmt.Sprintf("Student (student.dim=%v)", e.Run.Spec.Student.Dim)
		valid[name] += e.Record.Result.BestValid["NDCG@5"] / 3
		test[name] += e.Record.Result.Best["NDCG@5"] / 3
	}
	want := "Student (student.dim=2)"
	if valid["Student (student.dim=8)"] > valid[want] {
		want = "Student (student.dim=8)"
	}
	if r.Verdict != Holds || !strings.Contains(r.Evidence, "Student tuned on validation NDCG@5 over 2 grid points: "+want) ||
		math.Abs(r.BaselineMean-test[want]) > 1e-12 || r.Claim.Baseline != "Student" {
		t.Errorf("tuned claim: %s: %s (baseline mean %v, want %s with test mean %v; valid means %v)", r.Verdict, r.Evidence, r.BaselineMean, want, test[want], valid)
	}
	claim.MinSeeds = 4
	if res, err = EvaluateClaims(l, []Claim{claim}); err != nil || res[0].Verdict != NoEvidence || !strings.Contains(res[0].Evidence, "3 of 4 seeds") {
		t.Errorf("four seeds needed: %v %+v", err, res)
	}
	for _, bad := range []Claim{
		{ID: "x", Kind: ClaimAtLeast, Sweep: "s", Row: "A", Baseline: "B", Metric: "m", Tol: 1, Tune: "test"},
		{ID: "x", Kind: ClaimBeatsBest, Sweep: "s", Row: "A", Baseline: "B", Metric: "m", Tune: TuneValid},
		{ID: "x", Kind: ClaimBetter, Sweep: "s", Row: "A", Baseline: "B", Others: []string{"C"}, Metric: "m", Tune: TuneValid},
	} {
		if err := checkClaim(bad, true); err == nil || !strings.Contains(err.Error(), "tune") {
			t.Errorf("claim %+v: %v", bad, err)
		}
	}
}

package nbkit

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/report"
)

// synthetic returns the runs of the built-in spec name as a Recorded of no
// ledger (nothing to train), with a record carrying extra for every run
// that keep selects.
func synthetic(t *testing.T, name string, keep func(exp.Run) bool, extra func(exp.Run) map[string]any) *Recorded {
	t.Helper()
	return syntheticResults(t, name, keep, func(r exp.Run) exp.RunResult { return exp.RunResult{Extra: extra(r)} })
}

// syntheticResults is synthetic with the result of each kept run given by
// result.
func syntheticResults(t *testing.T, name string, keep func(exp.Run) bool, result func(exp.Run) exp.RunResult) *Recorded {
	t.Helper()
	spec, err := exp.BuiltinSpec(name, "")
	if err != nil {
		// A spec of the committed ledger only.
		l, lerr := exp.OpenLedgerExisting(filepath.Join("..", "..", "results"))
		if lerr != nil {
			t.Fatal(err)
		}
		if spec, _, err = l.SpecFor(name); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := spec.Expand()
	if err != nil {
		t.Fatal(err)
	}
	sr := &exp.SweepResults{Sweep: name, Spec: spec}
	for _, r := range runs {
		e := exp.Entry{Run: r}
		if keep(r) {
			e.Record = &exp.Record{ID: r.ID, Hash: r.Hash, Sweep: name, Label: r.Label, Point: r.Point, Spec: r.Spec,
				Result: result(r)}
		}
		sr.Entries = append(sr.Entries, e)
	}
	return &Recorded{SweepResults: sr, Name: name, Arg: name, LedgerArg: "results"}
}

// figureDir points the figures at a fresh directory, in ledger mode.
func figureDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv(EnvFigures, dir)
	t.Setenv(EnvQuick, "")
	t.Setenv(EnvRetrain, "")
	t.Setenv(EnvQuiet, "1")
	return dir
}

// readCaption returns the caption file of figure name, failing when the
// figure's files break the paper style.
func readCaption(t *testing.T, dir, name string) string {
	t.Helper()
	if issues := report.CheckSaved(filepath.Join(dir, name)); len(issues) > 0 {
		t.Errorf("%s: %v", name, issues)
	}
	b, err := os.ReadFile(filepath.Join(dir, name+report.CaptionExt))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestShowExpertSelection: one line per M > 1, mean over the seeds that
// recorded the count, the rows not recorded named on the figure.
func TestShowExpertSelection(t *testing.T) {
	dir := figureDir(t)
	sw := synthetic(t, "de-experts", func(r exp.Run) bool { return r.Label == "DE" && r.Spec.Seed < 2 }, func(r exp.Run) map[string]any {
		m, _ := r.Spec.KD[0].Options.Int("experts", 0)
		rows := []float64{float64(m), float64(m) / 2, 1}
		return map[string]any{exp.ExtraExpertsPerRow: rows}
	})
	de, err := sw.Rows("DE")
	if err != nil {
		t.Fatal(err)
	}
	if err := de.ShowExpertSelection("sel"); err != nil {
		t.Fatal(err)
	}
	c := readCaption(t, dir, "sel")
	for _, want := range []string{"Not in the ledger yet: DE", "seeds 2–4", "n = 2 seeds", "One line per number of experts M"} {
		if !strings.Contains(c, want) {
			t.Errorf("caption lacks %q: %s", want, c)
		}
	}
	// Runs recorded before the runner kept the count: the note says so.
	old := synthetic(t, "de-experts", func(r exp.Run) bool { return r.Label == "DE" }, func(exp.Run) map[string]any { return nil })
	de, _ = old.Rows("DE")
	if err := de.ShowExpertSelection("sel"); err != nil {
		t.Fatal(err)
	}
	note, err := os.ReadFile(filepath.Join(dir, "sel"+MissingExt))
	if err != nil || !strings.Contains(string(note), "experts_per_row") {
		t.Errorf("note %q, %v", note, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "sel.png")); err == nil {
		t.Error("the stale figure stayed beside its note")
	}
}

// TestShowTopology: two panels with their definitions in the caption, and
// a trace whose lengths disagree is an error.
func TestShowTopology(t *testing.T) {
	dir := figureDir(t)
	rows := RowsAt("student.dim", 20, "FTD", "HTD")
	trace := func(r exp.Run) map[string]any {
		return map[string]any{exp.ExtraTopology: exp.TopologyTrace{Users: 500, Items: 500, K: 10, Stride: 1,
			Epoch: []int{0, 10, 20}, Discrepancy: []float64{0.3, 0.2, 0.1 + 0.01*float64(r.Spec.Seed)}, KNN: []float64{0.05, 0.2, 0.3}}}
	}
	sw := synthetic(t, "td-protocol", func(exp.Run) bool { return true }, trace)
	sel, err := sw.Rows(rows...)
	if err != nil {
		t.Fatal(err)
	}
	if err := sel.ShowTopology("topo"); err != nil {
		t.Fatal(err)
	}
	c := readCaption(t, dir, "topo")
	for _, want := range []string{"(a) topology discrepancy, the mean squared difference", "500 users and 500 items", "(b) the share of each sampled entity's 10 nearest", "n = 3 seeds"} {
		if !strings.Contains(c, want) {
			t.Errorf("caption lacks %q: %s", want, c)
		}
	}
	bad := synthetic(t, "td-protocol", func(exp.Run) bool { return true }, func(exp.Run) map[string]any {
		return map[string]any{exp.ExtraTopology: exp.TopologyTrace{Epoch: []int{0, 10}, Discrepancy: []float64{0.3}, KNN: []float64{0.1, 0.2}}}
	})
	sel, _ = bad.Rows(rows...)
	if err := sel.ShowTopology("topo"); err == nil || !strings.Contains(err.Error(), "2 epochs, 1 discrepancies") {
		t.Errorf("a broken trace drew: %v", err)
	}
}

// TestShowHetCompStages: the stages of HetComp's DKC steps, one line per
// teacher, the switch to phase 2 in the caption; the teachers' own
// trajectories are a figure of their own.
func TestShowHetCompStages(t *testing.T) {
	dir := figureDir(t)
	members := HetCompMembers
	sw := synthetic(t, "hetcomp-table", func(exp.Run) bool { return true }, func(r exp.Run) map[string]any {
		switch r.Label {
		case "HetComp":
			var dkc []distill.DKCRecord
			for k, ep := range []int{10, 20, 30} {
				st := make([]float64, len(members))
				for x := range st {
					st[x] = float64(k) + 0.1*float64(x)
				}
				dkc = append(dkc, distill.DKCRecord{Epoch: ep, MeanStage: st, Phase: 1 + k/2})
			}
			return map[string]any{exp.ExtraDKC: dkc}
		case "Ensemble", "w/o KD", "RRD", "CL-DRD", "DCD":
			return nil
		}
		return map[string]any{exp.ExtraTrajectory: exp.Trajectory{Epoch: []int{10, 20, 30}, Valid: []float64{0.1, 0.2, 0.25}, StageEpochs: []int{10, 20, 30}}}
	})
	if err := sw.ShowHetCompStages("stages", members); err != nil {
		t.Fatal(err)
	}
	c := readCaption(t, dir, "stages")
	for _, want := range []string{"each teacher's stage averaged over the users after every DKC step", "phase 2 (the list-wise order) at epoch 30", "One seed per point"} {
		if !strings.Contains(c, want) {
			t.Errorf("caption lacks %q: %s", want, c)
		}
	}
	if err := sw.ShowHetCompStages("stages", members[:2]); err == nil {
		t.Error("stages of six teachers drawn with two member names")
	}
	if err := sw.ShowTeacherTrajectories("traj", members); err != nil {
		t.Fatal(err)
	}
	if c := readCaption(t, dir, "traj"); !strings.Contains(c, "each teacher's validation Recall@50 during its own training") {
		t.Errorf("caption %q", c)
	}
	// No DKC step recorded: a note, not an empty figure.
	none := synthetic(t, "hetcomp-table", func(r exp.Run) bool { return r.Label == "HetComp" }, func(exp.Run) map[string]any {
		return map[string]any{exp.ExtraDKC: []distill.DKCRecord{}}
	})
	if err := none.ShowHetCompStages("stages", members); err != nil {
		t.Fatal(err)
	}
	if note, err := os.ReadFile(filepath.Join(dir, "stages"+MissingExt)); err != nil || !strings.Contains(string(note), "no DKC step") {
		t.Errorf("note %q, %v", note, err)
	}
}

// TestShowSizeCurvesNames: the rows become "d=…" lines, light to dark, and
// the caption lists them.
func TestShowSizeCurvesNames(t *testing.T) {
	dir := figureDir(t)
	l := repoLedger(t)
	t.Setenv(EnvFigures, dir)
	sw, err := l.Sweep("derrd-students")
	if err != nil {
		t.Fatal(err)
	}
	if !sw.Recorded() {
		t.Skip("derrd-students has no record in the ledger")
	}
	sel, err := sw.Rows("Student")
	if err != nil {
		t.Fatal(err)
	}
	if err := sel.ShowSizeCurves("sizes", exp.CurveOptions{Metric: "HR@5", Part: "valid"}, "student.dim", "d="); err != nil {
		t.Fatal(err)
	}
	if c := readCaption(t, dir, "sizes"); !regexp.MustCompile(`One line per d=\d+(, d=\d+)*, from light to dark`).MatchString(c) {
		t.Errorf("caption %q", c)
	}
}

// TestFindings: the generated discussion of the committed ledger's
// derrd-protocol claims counts the verdicts as the claims table does, puts
// every claim under its verdict with its numbers, and groups the open
// claims by the sweep whose runs they wait for.
func TestFindings(t *testing.T) {
	l := repoLedger(t)
	t.Setenv(EnvQuick, "")
	t.Setenv(EnvRetrain, "")
	res, ok, err := l.claims("derrd-protocol")
	if err != nil || !ok || len(res) == 0 {
		t.Fatalf("claims: %d, %v, %v", len(res), ok, err)
	}
	md, err := l.FindingsText("derrd-protocol")
	if err != nil {
		t.Fatal(err)
	}
	n := exp.CountVerdicts(res)
	head := regexp.MustCompile(`Of the chapter's (\d+) claims \(the table above\), (\d+) holds?, (\d+) fails?, (\d+) waits? for runs and (\d+) cannot`).FindStringSubmatch(md)
	if head == nil {
		t.Fatalf("no count sentence:\n%s", md)
	}
	for k, want := range []int{len(res), n[exp.Holds], n[exp.Fails], n[exp.NoEvidence], n[exp.CannotRun]} {
		if head[k+1] != strconv.Itoa(want) {
			t.Errorf("count %d: %s, want %d", k, head[k+1], want)
		}
	}
	for _, r := range res {
		text := claimText(r)
		if !strings.Contains(md, text) {
			t.Errorf("claim %s (%s) is not discussed", r.Claim.ID, r.Verdict)
		}
		if r.Verdict == exp.Fails && !strings.Contains(md, strings.TrimSuffix(strings.TrimPrefix(r.Claim.Reason, "analysis: "), ".")+".") {
			t.Errorf("failing claim %s without its analysis", r.Claim.ID)
		}
		if (r.Verdict == exp.Holds || r.Verdict == exp.Fails) && r.N > 0 && !strings.Contains(md, text+": "+r.Claim.Row+" "+r.Claim.Metric) {
			t.Errorf("claim %s: its numbers do not follow it", r.Claim.ID)
		}
	}
	if n[exp.NoEvidence] > 0 && !strings.Contains(md, "`derrd-protocol` lacks ") {
		t.Errorf("open claims not grouped by sweep:\n%s", md)
	}
	if got := exp.ResultNumbers("Of the chapter's 3 claims"); len(got) != 0 {
		t.Errorf("the scanner flags a count: %v", got)
	}
}

// TestFindingsOpenSweep: claims on a sweep the ledger holds nothing of wait
// for its runs, named with the command that records them.
func TestFindingsOpenSweep(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "results")
	if _, err := exp.OpenLedger(dir); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "claims.json"), []byte(`[
{"id": "x-better", "kind": "better", "text": "HTD beats FTD at d = 20", "source": "ch. 2", "sweep": "td-params", "row": "HTD (K) (kd[0].options.groups=30)", "baseline": "Student", "metric": "Recall@50"},
{"id": "x-na", "kind": "unavailable", "text": "the Foursquare column", "source": "ch. 2", "reason": "no data"}]`), 0o644)
	t.Setenv(EnvLedger, dir)
	t.Setenv(EnvQuick, "")
	t.Setenv(EnvRetrain, "")
	l, err := OpenLedger()
	if err != nil {
		t.Fatal(err)
	}
	md, err := l.FindingsText("x-*")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Of the chapter's 2 claims (the table above), 0 hold, 0 fail, 1 waits for runs and 1 cannot",
		"- `td-params` lacks HTD (K) (kd[0].options.groups=30) (seeds 0–2); Student (seeds 0–2); `go run ./cmd/kdsweep run --ledger " + dir + " td-params` records them. They decide: HTD beats FTD at d = 20.",
		"*Not checkable here:*\n\n- the Foursquare column: no data."} {
		if !strings.Contains(md, want) {
			t.Errorf("findings lack %q:\n%s", want, md)
		}
	}
}

// TestNoticeNamesRowsForReaders: a figure's notice names grid rows by the
// last name of their coordinates, not by the spec's paths.
func TestNoticeNamesRowsForReaders(t *testing.T) {
	sw := synthetic(t, "de-experts", func(r exp.Run) bool {
		if len(r.Spec.KD) == 0 {
			return true // the student
		}
		m, _ := r.Spec.KD[0].Options.Int("experts", 0)
		return r.Spec.Seed > 0 || m != 5
	}, func(exp.Run) map[string]any { return nil })
	n := sw.Notice()
	if !strings.Contains(n, "DE (experts=5) (seed 0)") || strings.Contains(n, "kd[0]") {
		t.Errorf("notice %q", n)
	}
	if got := shortSettings.ReplaceAllString("FTD (student.dim=20); HTD (K) (kd[0].options.groups=30, seed=1)", "$1"); got != "FTD (dim=20); HTD (K) (groups=30, seed=1)" {
		t.Errorf("%q", got)
	}
}

// TestClaimNumbersAcross: a claim whose baseline is another quantity or
// the row in another sweep names both sides in full, and says that means
// are compared.
func TestClaimNumbersAcross(t *testing.T) {
	r := exp.ClaimResult{Claim: exp.Claim{ID: "h", Kind: exp.ClaimLess, Sweep: "hom", Row: "RRD", Baseline: "RRD", BaselineSweep: "het",
		Metric: "discrepancy:teachers@end"}, Verdict: exp.Holds, Mean: 0.3, N: 3, BaselineMean: 0.6, BaselineN: 3}
	got := claimNumbers(r)
	want := "RRD in hom, discrepancy:teachers@end 0.3000 (n = 3 seeds), against RRD in het, discrepancy:teachers@end 0.6000 (n = 3 seeds): a difference of -0.3000, compared as means over the seeds."
	if got != want {
		t.Errorf("baseline sweep:\n got %q\nwant %q", got, want)
	}
	r.Claim.BaselineSweep, r.Claim.Sweep, r.Claim.BaselineMetric = "", "het", "discrepancy:stage0@50"
	if got := claimNumbers(r); !strings.HasPrefix(got, "RRD in het, discrepancy:teachers@end 0.3000 (n = 3 seeds), against RRD in het, discrepancy:stage0@50 0.6000") {
		t.Errorf("baseline metric: %q", got)
	}
}

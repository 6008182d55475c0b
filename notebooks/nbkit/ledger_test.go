package nbkit

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/report"
)

// TestLedgerDir finds the repository's ledger from the notebook directory,
// and follows KDREC_ROOT and KDREC_LEDGER.
func TestLedgerDir(t *testing.T) {
	nb, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(nb)
	t.Setenv("GONB_DIR", nb)
	t.Setenv("KDREC_ROOT", "")
	t.Setenv(EnvLedger, "")
	if got, want := LedgerDir(), filepath.Join(root, "results"); got != want {
		t.Errorf("from the notebook directory: %s, want %s", got, want)
	}
	t.Setenv("KDREC_ROOT", "/repo")
	if got := LedgerDir(); got != "/repo/results" {
		t.Errorf("KDREC_ROOT: %s", got)
	}
	t.Setenv(EnvLedger, "/elsewhere")
	if got := LedgerDir(); got != "/elsewhere" {
		t.Errorf("KDREC_LEDGER: %s", got)
	}
	if _, err := OpenLedger(); err == nil || !strings.Contains(err.Error(), EnvLedger) {
		t.Errorf("a missing ledger opened: %v", err)
	}
}

// repoLedger opens the repository's committed ledger.
func repoLedger(t *testing.T) *Ledger {
	t.Helper()
	nb, _ := filepath.Abs("..")
	t.Setenv("GONB_DIR", nb)
	t.Setenv("KDREC_ROOT", "")
	t.Setenv(EnvLedger, "")
	l, err := OpenLedger()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestLedgerDraws draws the DE-RRD protocol sweep of the committed ledger
// as ch3-rrd does: its status, the table over seeds, the curves with the
// rows not yet recorded written on the figure, and the claims.
func TestLedgerDraws(t *testing.T) {
	l := repoLedger(t)
	figs := t.TempDir()
	t.Setenv(EnvFigures, figs)
	t.Setenv(EnvQuick, "")
	t.Setenv(EnvRetrain, "")
	sw, err := l.Sweep("derrd-protocol")
	if err != nil {
		t.Fatal(err)
	}
	n, total := sw.Counts()
	if n == 0 || total < n || sw.Arg != "results/specs/derrd-protocol.json" {
		t.Fatalf("derrd-protocol: %d of %d recorded, arg %q", n, total, sw.Arg)
	}
	if st := sw.StatusText(); !strings.Contains(st, "derrd-protocol") || (n < total) != strings.Contains(st, sw.StatusCommand()) {
		t.Errorf("status %q", st)
	}
	if err := sw.ShowTable("t-table", exp.TableOptions{}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(figs, "t-table.md"))
	if err != nil || !strings.Contains(string(b), "| Student |") || !strings.Contains(string(b), "seeds") {
		t.Errorf("table: %v\n%s", err, b)
	}
	sel, err := sw.Rows("Student", "RRD", "DE")
	if err != nil {
		t.Fatal(err)
	}
	if err := sel.ShowCurves("t-curves", exp.CurveOptions{Metric: "HR@5", Part: "valid"}); err != nil {
		t.Fatal(err)
	}
	caption, err := os.ReadFile(filepath.Join(figs, "t-curves.caption.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if (sel.Notice() != "") != strings.HasPrefix(string(caption), "Not in the ledger yet") || !regexp.MustCompile(`n = [0-9]+(–[0-9]+)? seeds`).Match(caption) {
		t.Errorf("caption %q (notice %q)", caption, sel.Notice())
	}
	for _, ext := range []string{".png", ".svg", ".pdf"} {
		if _, err := os.Stat(filepath.Join(figs, "t-curves"+ext)); err != nil {
			t.Error(err)
		}
	}
	if err := l.ShowClaims("derrd-protocol"); err != nil {
		t.Fatal(err)
	}
}

// TestNotRecorded draws from a ledger that holds none of a sweep's runs:
// tables and figures become notes naming the sweep, its runs and the
// commands, stale files of the same name go, and a later drawing removes
// the note.
func TestNotRecorded(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "results")
	if _, err := exp.OpenLedger(dir); err != nil {
		t.Fatal(err)
	}
	spec, err := exp.BuiltinSpec("td-params", "")
	if err != nil {
		t.Fatal(err)
	}
	spec.Name = "td-mine"
	b, _ := spec.JSON()
	os.MkdirAll(filepath.Join(dir, "specs"), 0o755)
	os.WriteFile(filepath.Join(dir, "specs", "td-mine.json"), b, 0o644)
	t.Setenv(EnvLedger, dir)
	figs := t.TempDir()
	t.Setenv(EnvFigures, figs)
	for _, ext := range []string{".png", ".csv"} {
		os.WriteFile(filepath.Join(figs, "x"+ext), []byte("stale"), 0o644)
	}
	l, err := OpenLedger()
	if err != nil {
		t.Fatal(err)
	}
	sw, err := l.Sweep("td-mine")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sw.Table(exp.TableOptions{}); !errors.Is(err, exp.ErrNotRecorded) {
		t.Errorf("table of nothing: %v", err)
	}
	if err := sw.ShowTable("x", exp.TableOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := sw.ShowCurves("y", exp.CurveOptions{Metric: "Recall@50", Part: "test"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"x", "y"} {
		note, err := os.ReadFile(filepath.Join(figs, name+MissingExt))
		if err != nil {
			t.Fatal(err)
		}
		runs, _ := spec.Expand()
		for _, want := range []string{"sweep: td-mine\n", "missing: " + runs[0].ID + " ", "status: go run ./cmd/kdsweep status --ledger " + dir + " " + filepath.ToSlash(filepath.Join(dir, "specs", "td-mine.json")) + "\n", "Not recorded: Student (seeds 0–2)"} {
			if !strings.Contains(string(note), want) {
				t.Errorf("%s note lacks %q:\n%s", name, want, note)
			}
		}
	}
	for _, ext := range []string{".png", ".csv"} {
		if _, err := os.Stat(filepath.Join(figs, "x"+ext)); err == nil {
			t.Errorf("stale x%s kept beside the note", ext)
		}
	}
	if err := NotRecorded("z", nil); err != nil {
		t.Fatal(err)
	}
	if note, _ := os.ReadFile(filepath.Join(figs, "z"+MissingExt)); !strings.Contains(string(note), "sweep: none\n") {
		t.Errorf("note of a notebook-only figure:\n%s", note)
	}
	// Drawing it removes the note.
	fig := exampleFigure()
	if err := ShowFigure(fig, "z", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(figs, "z"+MissingExt)); err == nil {
		t.Error("the note stayed beside the drawn figure")
	}
}

func exampleFigure() *report.Figure {
	f := report.NewLearningCurve("HR@5")
	f.AddCurve("student", []int{1, 2, 3}, []float64{0.1, 0.2, 0.25})
	return f
}

// TestShowFigureNotices: figures of trained runs say where they come from.
func TestShowFigureNotices(t *testing.T) {
	figs := t.TempDir()
	t.Setenv(EnvFigures, figs)
	for _, c := range []struct{ quick, retrain, want string }{
		{"1", "", QuickNotice + " rows missing."},
		{"", "1", RetrainNotice + " rows missing."},
		{"", "", "rows missing."},
	} {
		t.Setenv(EnvQuick, c.quick)
		t.Setenv(EnvRetrain, c.retrain)
		if err := ShowFigure(exampleFigure(), "n", "rows missing."); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(filepath.Join(figs, "n.caption.txt"))
		if !strings.HasPrefix(string(b), c.want) {
			t.Errorf("quick %q retrain %q: caption %q, want it to start with %q", c.quick, c.retrain, b, c.want)
		}
	}
}

// Package notebooks holds kdrec's GoNB notebooks (*.ipynb) and the tests
// that check them:
//
//   - TestNotebookSources (always): every notebook is nbformat 4 for the
//     gonb kernel, starts with the module-replace cell, declares the figures
//     it saves (metadata.kdrec.figures) and is stored without outputs.
//   - TestRenderedNotebooks (always, when rendered/ exists): the committed
//     rendered copies have the sources' code, show no failure, and
//     their figures exist and are valid images.
//   - TestExecutedNotebooks (when KDREC_NB_EXECUTED names a directory of
//     notebooks executed by scripts/run-notebooks.sh): no cell failed,
//     every declared figure was written (PNG, SVG and PDF) and is a valid,
//     non-blank image with its fonts, and every declared table
//     (metadata.kdrec.tables) was written as CSV and Markdown. In the
//     default ledger mode a figure or table whose runs the results ledger
//     does not hold yet may instead be a note, <name>.missing.txt
//     (nbkit.NotRecorded), naming its sweep and the runs it lacks; the
//     checker verifies that the ledger indeed lacks them.
//   - TestQuickNotebooks (when KDREC_NB_QUICK=1; nbquick_test.go): the
//     notebooks' reduced-scale training path, run without Jupyter.
//   - TestChapterNotebooks (always): the chapter notebooks of the
//     dissertation (ch1-de, ch1-phr, ch2-topology, ch3-rrd, ch4-hetcomp)
//     exist and declare at least their expected figures, so a chapter or a
//     figure cannot silently drop out of CI.
//
// A cell has failed when it has an output of type error (compile errors),
// stderr containing "exit status " or "panic:" (runtime failures and
// failing ! commands, which nbconvert does not report), or HTML containing
// "gonb-err-location" (GoNB's HTML error report).
package notebooks

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/notebooks/nbkit"
)

// ReplaceCell is the first cell of every notebook: it points the
// notebook's Go module at this repository.
const ReplaceCell = "!*go mod edit -replace github.com/kdrec/kdrec=$GONB_DIR/.. -require github.com/kdrec/kdrec@v0.0.0-00010101000000-000000000000"

// text is a notebook string: JSON string or list of strings.
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = text(s)
		return nil
	}
	var parts []string
	if err := json.Unmarshal(b, &parts); err != nil {
		return err
	}
	*t = text(strings.Join(parts, ""))
	return nil
}

type notebook struct {
	NBFormat int `json:"nbformat"`
	Metadata struct {
		Kernelspec struct {
			Name     string `json:"name"`
			Language string `json:"language"`
		} `json:"kernelspec"`
		Kdrec *struct {
			Figures []string `json:"figures"`
			Tables  []string `json:"tables"`
		} `json:"kdrec"`
	} `json:"metadata"`
	Cells []cell `json:"cells"`
}

type cell struct {
	CellType       string   `json:"cell_type"`
	Source         text     `json:"source"`
	ExecutionCount *int     `json:"execution_count"`
	Outputs        []output `json:"outputs"`
}

type output struct {
	OutputType string          `json:"output_type"`
	Name       string          `json:"name"`
	Text       text            `json:"text"`
	Data       map[string]text `json:"data"`
	Ename      string          `json:"ename"`
	Evalue     string          `json:"evalue"`
	Traceback  []string        `json:"traceback"`
}

func readNotebook(t *testing.T, path string) *notebook {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var nb notebook
	if err := json.Unmarshal(b, &nb); err != nil {
		t.Fatalf("%s: not a notebook: %v", path, err)
	}
	return &nb
}

// sources returns the notebooks of this directory, by base name without
// extension, restricted to KDREC_NB_ONLY (space-separated names) if set.
func sources(t *testing.T) map[string]*notebook {
	t.Helper()
	paths, err := filepath.Glob("*.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no notebooks found")
	}
	only := strings.Fields(os.Getenv("KDREC_NB_ONLY"))
	out := map[string]*notebook{}
	for _, p := range paths {
		name := strings.TrimSuffix(p, ".ipynb")
		if len(only) > 0 && !slices.Contains(only, name) {
			continue
		}
		out[name] = readNotebook(t, p)
	}
	return out
}

var figureName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

func TestNotebookSources(t *testing.T) {
	for name, nb := range sources(t) {
		if nb.NBFormat != 4 {
			t.Errorf("%s: nbformat %d, want 4", name, nb.NBFormat)
		}
		if ks := nb.Metadata.Kernelspec; ks.Name != "gonb" || ks.Language != "go" {
			t.Errorf("%s: kernelspec %+v, want name gonb, language go", name, ks)
		}
		if len(nb.Cells) == 0 || nb.Cells[0].CellType != "code" || strings.TrimSpace(string(nb.Cells[0].Source)) != ReplaceCell {
			t.Errorf("%s: the first cell must be exactly\n\t%s", name, ReplaceCell)
		}
		if nb.Metadata.Kdrec == nil {
			t.Errorf(`%s: metadata has no "kdrec": {"figures": [...]} (the figures the notebook saves)`, name)
		} else {
			for _, f := range nb.Metadata.Kdrec.Figures {
				if !figureName.MatchString(f) || filepath.Ext(f) == ".png" || filepath.Ext(f) == ".svg" || filepath.Ext(f) == ".pdf" {
					t.Errorf("%s: figure %q: give a base name without directory or extension", name, f)
				}
			}
			for _, f := range nb.Metadata.Kdrec.Tables {
				if !figureName.MatchString(f) || filepath.Ext(f) == ".csv" || filepath.Ext(f) == ".md" {
					t.Errorf("%s: table %q: give a base name without directory or extension", name, f)
				}
			}
		}
		for k, c := range nb.Cells {
			if c.CellType == "code" && (len(c.Outputs) > 0 || c.ExecutionCount != nil) {
				t.Errorf("%s: cell %d has outputs: store notebooks without them "+
					"(jupyter nbconvert --clear-output --inplace notebooks/%s.ipynb); rendered copies go to rendered/", name, k, name)
				break
			}
		}
	}
}

// renderedFigures is where the rendered notebooks' figures, tables and
// notes are committed (nbkit.FiguresFolder, from this directory).
var renderedFigures = filepath.Join("..", filepath.FromSlash(nbkit.FiguresFolder))

func TestRenderedNotebooks(t *testing.T) {
	if _, err := os.Stat("rendered"); os.IsNotExist(err) {
		t.Skip("no rendered/ notebooks")
	}
	for name, src := range sources(t) {
		path := filepath.Join("rendered", name+".ipynb")
		if _, err := os.Stat(path); err != nil {
			t.Logf("%s: no rendered copy yet (scripts/run-notebooks.sh --render %s)", name, name)
			continue
		}
		nb := readNotebook(t, path)
		if code(nb) != code(src) {
			t.Errorf("%s: rendered/%s.ipynb is stale (its code differs from the source's): scripts/run-notebooks.sh --render %s", name, name, name)
		}
		checkOutputs(t, name, nb)
		checkQuiet(t, name, nb)
		checkFigures(t, name, src, renderedFigures, time.Time{}, true)
		checkTables(t, name, src, renderedFigures, time.Time{}, true)
	}
}

func TestExecutedNotebooks(t *testing.T) {
	dir := os.Getenv("KDREC_NB_EXECUTED")
	if dir == "" {
		t.Skip("KDREC_NB_EXECUTED not set: run scripts/run-notebooks.sh")
	}
	figs := os.Getenv("KDREC_FIGURES")
	if figs == "" {
		figs = "figures"
	}
	var since time.Time
	if s := os.Getenv("KDREC_NB_SINCE"); s != "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("KDREC_NB_SINCE=%q: %v", s, err)
		}
		since = time.Unix(sec, 0)
	}
	for name, src := range sources(t) {
		path := filepath.Join(dir, name+".ipynb")
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%s: not executed: %v", name, err)
			continue
		}
		nb := readNotebook(t, path)
		if len(nb.Cells) != len(src.Cells) {
			t.Errorf("%s: executed copy has %d cells, source %d", name, len(nb.Cells), len(src.Cells))
		}
		for k, c := range nb.Cells {
			if c.CellType == "code" && c.ExecutionCount == nil && strings.TrimSpace(string(c.Source)) != "" {
				t.Errorf("%s: cell %d was not executed", name, k)
			}
		}
		checkOutputs(t, name, nb)
		if fromLedger() {
			checkQuiet(t, name, nb)
		}
		checkFigures(t, name, src, figs, since, fromLedger())
		checkTables(t, name, src, figs, since, fromLedger())
		if k := src.Metadata.Kdrec; k != nil {
			t.Logf("%s: %d cells, figures %v (PNG, SVG, PDF), tables %v", name, len(nb.Cells), k.Figures, k.Tables)
		}
	}
}

// fromLedger reports whether the notebooks ran in their default mode,
// drawing from the results ledger (as nbkit.FromLedger): only then may a
// declared figure or table be replaced by a note that the ledger does not
// hold its runs yet. Notebooks that train (KDREC_QUICK, KDREC_RETRAIN)
// must draw every one.
func fromLedger() bool {
	for _, v := range []string{"KDREC_QUICK", "KDREC_RETRAIN"} {
		if x := os.Getenv(v); x != "" && x != "0" {
			return false
		}
	}
	return true
}

// TestNotebookTextHasNoResultNumbers: the notebooks' text states no result
// number by hand; tables, captions and claims are generated from the
// ledger (or from the runs the notebook trains), and the text points at
// them. Hyper-parameters with three decimals are written as powers of ten.
func TestNotebookTextHasNoResultNumbers(t *testing.T) {
	for name, nb := range sources(t) {
		for k, c := range nb.Cells {
			if c.CellType != "markdown" {
				continue
			}
			for _, line := range strings.Split(string(c.Source), "\n") {
				// The docs' scanner (exp.ResultNumbers): decimals, signed
				// gains, ± spreads, p-values, percentages, metric values.
				for _, m := range exp.ResultNumbers(line) {
					t.Errorf("%s: markdown cell %d states %s by hand (%s): %s", name, k, m.Text, m.Rule, clip(line, 200))
				}
			}
		}
	}
}

// chapterFigures lists the dissertation's chapter notebooks and the figures
// each must declare (and so produce in CI): a notebook may add figures, not
// drop these.
var chapterFigures = map[string][]string{
	"ch1-de":       {"ch1-de-curves", "ch1-de-experts", "ch1-de-lambda", "ch1-de-selection", "ch1-de-tsne"},
	"ch1-phr":      {"ch1-phr-curves", "ch1-phr-grid", "ch1-phr-activity"},
	"ch2-topology": {"ch2-td1-curves", "ch2-td2-curves", "ch2-topology-size", "ch2-topology-params", "ch2-topology-preservation"},
	"ch3-rrd":      {"ch3-derrd-curves", "ch3-rrd-curves", "ch3-derrd-size", "ch3-rrd-params"},
	"ch4-hetcomp":  {"ch4-hetcomp-curves", "ch4-hetcomp-trajectories", "ch4-hetcomp-stages"},
}

func TestChapterNotebooks(t *testing.T) {
	only := strings.Fields(os.Getenv("KDREC_NB_ONLY"))
	for name, want := range chapterFigures {
		if len(only) > 0 && !slices.Contains(only, name) {
			continue
		}
		path := name + ".ipynb"
		if _, err := os.Stat(path); err != nil {
			t.Errorf("chapter notebook %s is missing: %v", path, err)
			continue
		}
		nb := readNotebook(t, path)
		var have []string
		if nb.Metadata.Kdrec != nil {
			have = nb.Metadata.Kdrec.Figures
		}
		for _, f := range want {
			if !slices.Contains(have, f) {
				t.Errorf("%s: figure %s is not declared in metadata.kdrec.figures (declared: %v)", name, f, have)
			}
		}
	}
}

// code returns the code cells of nb, joined.
func code(nb *notebook) string {
	var b strings.Builder
	for _, c := range nb.Cells {
		if c.CellType == "code" {
			b.WriteString(string(c.Source) + "\n\x00")
		}
	}
	return b.String()
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)

// reporter is the part of *testing.T the checks use.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
}

// recorder is a reporter that keeps the messages (for testing the checker).
type recorder struct{ msgs []string }

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}
func (r *recorder) Logf(format string, args ...any) {}

// checkOutputs reports every failed cell of nb, quoting the cell's first
// line and the failure.
func checkOutputs(t reporter, name string, nb *notebook) {
	t.Helper()
	for k, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		// A program cell (%%) shows something: an empty output means its
		// displays were lost (e.g. the program ended before GoNB sent them;
		// report.Flush waits for them).
		if strings.HasPrefix(strings.TrimSpace(string(c.Source)), "%%") && len(c.Outputs) == 0 {
			t.Errorf("%s: cell %d (%s) has no output", name, k, firstLine(string(c.Source)))
		}
		for _, o := range c.Outputs {
			var why string
			switch {
			case o.OutputType == "error":
				why = fmt.Sprintf("error output %s: %s\n%s", o.Ename, o.Evalue, ansi.ReplaceAllString(strings.Join(o.Traceback, "\n"), ""))
			case o.OutputType == "stream" && o.Name == "stderr" &&
				(strings.Contains(string(o.Text), "exit status ") || strings.Contains(string(o.Text), "panic:")):
				why = "stderr:\n" + string(o.Text)
			case strings.Contains(string(o.Data["text/html"]), "gonb-err-location"):
				why = "GoNB error report:\n" + string(o.Data["text/plain"])
			}
			if why != "" {
				t.Errorf("%s: cell %d (%s) failed: %s", name, k, firstLine(string(c.Source)), clip(why, 3000))
			}
		}
	}
}

// missingExt is the extension of the note a notebook writes in place of a
// figure or table the results ledger cannot draw yet (nbkit.NotRecorded).
const missingExt = ".missing.txt"

// ledgerRuns is the folder of the ledger's records the notebooks read:
// $KDREC_LEDGER/runs, else the repository's results/runs.
func ledgerRuns() string {
	if d := os.Getenv("KDREC_LEDGER"); d != "" {
		return filepath.Join(d, "runs")
	}
	return filepath.Join("..", "results", "runs")
}

// checkMissing checks the note that replaces figure or table f in dir, if
// there is one, and reports whether there is: it must be fresh (written
// after since, if not zero), name its sweep ("sweep: none" for what only
// trained models give) and, for a sweep, list run ids that the ledger
// indeed does not hold (strict; otherwise, for the committed rendered
// copies, a recorded run only asks for a re-render, in the log) — and no
// figure or table of that name may stand beside it.
func checkMissing(t reporter, name, f, dir string, since time.Time, strict bool, exts []string) bool {
	t.Helper()
	path := filepath.Join(dir, f+missingExt)
	st, err := os.Stat(path)
	if err != nil {
		return false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("%v", err)
		return true
	}
	if !since.IsZero() && st.ModTime().Before(since) {
		t.Errorf("%s: note %s is older than this run", name, path)
	}
	fields := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok && !strings.Contains(k, " ") {
			fields[k] = v
		}
	}
	sweep, ok := fields["sweep"]
	switch {
	case !ok || sweep == "":
		t.Errorf("%s: note %s names no sweep (a line \"sweep: <name>\" or \"sweep: none\")", name, path)
	case sweep != "none":
		ids := strings.Fields(fields["missing"])
		if len(ids) == 0 || !strings.Contains(fields["status"], "kdsweep status") {
			t.Errorf("%s: note %s lists no missing runs or no kdsweep status command", name, path)
		}
		for _, id := range ids {
			if _, err := os.Stat(filepath.Join(ledgerRuns(), id+".json.gz")); err == nil {
				msg := fmt.Sprintf("%s: note %s says run %s of %s is not recorded, but the ledger holds it", name, path, id, sweep)
				if strict {
					t.Errorf("%s", msg)
				} else {
					t.Logf("%s: re-render the notebook (scripts/run-notebooks.sh --render %s)", msg, name)
				}
				break
			}
		}
	}
	for _, ext := range exts {
		if _, err := os.Stat(filepath.Join(dir, f+ext)); err == nil {
			t.Errorf("%s: %s%s stands beside the note %s that says it is not drawn", name, f, ext, path)
		}
	}
	t.Logf("%s: %s not drawn from the ledger (%s): %s", name, f, "sweep "+sweep, firstLine(string(b)))
	return true
}

// checkFigures checks that every figure declared by src exists in dir as
// PNG, SVG and PDF, was written after since (if not zero), and is valid —
// or, with allowMissing, is replaced by a valid note that the ledger cannot
// draw it yet (checkMissing).
func checkFigures(t *testing.T, name string, src *notebook, dir string, since time.Time, allowMissing bool) {
	t.Helper()
	if src.Metadata.Kdrec == nil {
		return
	}
	for _, f := range src.Metadata.Kdrec.Figures {
		if allowMissing && checkMissing(t, name, f, dir, since, !since.IsZero(), []string{".png", ".svg", ".pdf"}) {
			continue
		}
		for _, ext := range []string{".png", ".svg", ".pdf"} {
			path := filepath.Join(dir, f+ext)
			st, err := os.Stat(path)
			if err != nil {
				t.Errorf("%s: figure %s not written: %v", name, f+ext, err)
				continue
			}
			if !since.IsZero() && st.ModTime().Before(since) {
				t.Errorf("%s: figure %s is older than this run (%v < %v)", name, path, st.ModTime().Format(time.RFC3339), since.Format(time.RFC3339))
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Error(err)
				continue
			}
			if err := validImage(ext, b); err != nil {
				t.Errorf("%s: figure %s: %v", name, path, err)
			}
		}
	}
}

// checkTables checks that every table declared by src exists in dir as CSV
// (a header and at least one row, every row as wide as the header) and
// Markdown, written after since (if not zero) — or, with allowMissing, is
// replaced by a valid note (checkMissing).
func checkTables(t *testing.T, name string, src *notebook, dir string, since time.Time, allowMissing bool) {
	t.Helper()
	if src.Metadata.Kdrec == nil {
		return
	}
	for _, f := range src.Metadata.Kdrec.Tables {
		if allowMissing && checkMissing(t, name, f, dir, since, !since.IsZero(), []string{".csv", ".md"}) {
			continue
		}
		for _, ext := range []string{".csv", ".md"} {
			path := filepath.Join(dir, f+ext)
			st, err := os.Stat(path)
			if err != nil {
				t.Errorf("%s: table %s not written: %v", name, f+ext, err)
				continue
			}
			if !since.IsZero() && st.ModTime().Before(since) {
				t.Errorf("%s: table %s is older than this run", name, path)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Error(err)
				continue
			}
			if err := validTable(ext, b); err != nil {
				t.Errorf("%s: table %s: %v", name, path, err)
			}
		}
	}
}

// validTable checks a saved table: CSV with a header and rows of its width,
// or Markdown with a header rule.
func validTable(ext string, b []byte) error {
	switch ext {
	case ".csv":
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			return err
		}
		if len(rows) < 2 {
			return fmt.Errorf("%d rows, want a header and at least one row", len(rows))
		}
	case ".md":
		if !bytes.Contains(b, []byte("|---")) && !bytes.Contains(b, []byte("| ---")) {
			return fmt.Errorf("no Markdown table")
		}
	default:
		return fmt.Errorf("unknown table format %s", ext)
	}
	return nil
}

// minFigurePixels is the smallest width of a figure's PNG: 2 in at the
// 300 dpi of report.Save.
const minFigurePixels = 600

// validImage checks that b is a decodable, non-blank PNG of at least
// minFigurePixels width, an XML document with an <svg> root that embeds its
// fonts, or a PDF, according to ext.
func validImage(ext string, b []byte) error {
	switch ext {
	case ".png":
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			return err
		}
		r := img.Bounds()
		if r.Empty() {
			return fmt.Errorf("empty image")
		}
		if r.Dx() < minFigurePixels {
			return fmt.Errorf("%d px wide, want at least %d", r.Dx(), minFigurePixels)
		}
		// Blank (one colour) figures: an empty plot or a failed render.
		ink, total := 0, 0
		step := max(1, r.Dx()/200)
		first := color.RGBAModel.Convert(img.At(r.Min.X, r.Min.Y))
		for y := r.Min.Y; y < r.Max.Y; y += step {
			for x := r.Min.X; x < r.Max.X; x += step {
				total++
				if color.RGBAModel.Convert(img.At(x, y)) != first {
					ink++
				}
			}
		}
		if float64(ink) < 0.005*float64(total) {
			return fmt.Errorf("blank image (%d of %d sampled pixels differ from the background)", ink, total)
		}
	case ".svg":
		d := xml.NewDecoder(bytes.NewReader(b))
		root := ""
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("not XML: %w", err)
			}
			if se, ok := tok.(xml.StartElement); ok && root == "" {
				root = se.Name.Local
			}
		}
		if root != "svg" {
			return fmt.Errorf("root element <%s>, want <svg>", root)
		}
		if bytes.Contains(b, []byte("<text")) && !bytes.Contains(b, []byte("@font-face")) {
			return fmt.Errorf("text without embedded fonts (@font-face)")
		}
	case ".pdf":
		if !bytes.HasPrefix(b, []byte("%PDF-")) {
			return fmt.Errorf("does not start with %%PDF-")
		}
		if !bytes.Contains(b[max(0, len(b)-1024):], []byte("%%EOF")) {
			return fmt.Errorf("truncated PDF (no %%%%EOF)")
		}
	default:
		return fmt.Errorf("unknown figure format %s", ext)
	}
	return nil
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" && l != "%%" {
			return clip(l, 80)
		}
	}
	return "empty"
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// TestCheckerCatchesFailures feeds the checker the three kinds of failure
// and a benign stderr line.
func TestCheckerCatchesFailures(t *testing.T) {
	nb := &notebook{Cells: []cell{
		{CellType: "code", Source: "%%\nok()", Outputs: []output{{OutputType: "stream", Name: "stderr", Text: "go: added github.com/x/y v1.0.0\n"}}},
		{CellType: "code", Source: "%%\nboom()", Outputs: []output{{OutputType: "stream", Name: "stderr", Text: "panic: boom\n\ngoroutine 1\nexit status 2\n"}}},
		{CellType: "code", Source: "x := ", Outputs: []output{{OutputType: "error", Ename: "ERROR", Evalue: "syntax error"}}},
		{CellType: "code", Source: "y", Outputs: []output{{OutputType: "display_data", Data: map[string]text{"text/html": `<span class="gonb-err-location">x</span>`}}}},
		{CellType: "code", Source: "!false", Outputs: []output{{OutputType: "stream", Name: "stderr", Text: "exit status 1\n"}}},
		{CellType: "code", Source: "%%\nreport.DisplayTable(tb)"},
		{CellType: "code", Source: "func helper() {}"},
	}}
	rec := &recorder{}
	checkOutputs(rec, "t", nb)
	if len(rec.msgs) != 5 {
		t.Fatalf("checker reported %d failures, want 5:\n%s", len(rec.msgs), strings.Join(rec.msgs, "\n"))
	}
	for k, want := range []string{"cell 1 (boom())", "cell 2 (x :=)", "cell 3 (y)", "cell 4 (!false)", "cell 5 (report.DisplayTable(tb)) has no output"} {
		if !strings.Contains(rec.msgs[k], want) {
			t.Errorf("failure %d: %s, want %s", k, rec.msgs[k], want)
		}
	}
	for _, e := range []struct {
		ext  string
		data string
		ok   bool
	}{
		{".svg", `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>`, true},
		{".svg", `<html></html>`, false},
		{".svg", `<svg><g></svg>`, false},
		{".pdf", "%PDF-1.3\n...\n%%EOF\n", true},
		{".pdf", "%PDF-1.3\n...", false},
		{".png", "not a png", false},
		{".png", pngOf(700, 300, false), false}, // blank
		{".png", pngOf(100, 80, true), false},   // too small
		{".png", pngOf(700, 300, true), true},
		{".svg", `<svg xmlns="http://www.w3.org/2000/svg"><text>x</text></svg>`, false}, // fonts not embedded
		{".svg", `<svg xmlns="http://www.w3.org/2000/svg"><style>@font-face{}</style><text>x</text></svg>`, true},
	} {
		if err := validImage(e.ext, []byte(e.data)); (err == nil) != e.ok {
			t.Errorf("validImage(%s, %q) = %v", e.ext, e.data, err)
		}
	}
}

// pngOf encodes a white w×h PNG, with a black diagonal band when ink is set.
func pngOf(w, h int, ink bool) string {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{255, 255, 255, 255}
			if ink && (x-y*w/h+w)%(w/5) < w/25 {
				c = color.RGBA{0, 0, 0, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.String()
}

func TestValidTable(t *testing.T) {
	for _, e := range []struct {
		ext, data string
		ok        bool
	}{
		{".csv", "a,b\n1,2\n", true},
		{".csv", "a,b\n", false},
		{".csv", "a,b\n1,2,3\n", false},
		{".md", "| a | b |\n|---|---|\n| 1 | 2 |\n", true},
		{".md", "no table", false},
	} {
		if err := validTable(e.ext, []byte(e.data)); (err == nil) != e.ok {
			t.Errorf("validTable(%s, %q) = %v", e.ext, e.data, err)
		}
	}
}

// TestCheckMissing: a note in place of a figure passes only when it names
// its sweep and runs the ledger indeed lacks, with no figure beside it.
func TestCheckMissing(t *testing.T) {
	recs, _ := filepath.Glob(filepath.Join(ledgerRuns(), "*.json.gz"))
	if len(recs) == 0 {
		t.Skip("the ledger holds no record")
	}
	held := strings.TrimSuffix(filepath.Base(recs[0]), ".json.gz")
	exts := []string{".png", ".svg", ".pdf"}
	for _, c := range []struct {
		note   string
		beside bool
		errs   int
	}{
		{"Not drawn.\nsweep: s\nmissing: 0123456789abcdef\nstatus: go run ./cmd/kdsweep status s\n", false, 0},
		{"Not drawn.\nsweep: none\n", false, 0},
		{"Not drawn.\nsweep: s\nmissing: " + held + "\nstatus: go run ./cmd/kdsweep status s\n", false, 1},
		{"Not drawn.\nsweep: s\nstatus: go run ./cmd/kdsweep status s\n", false, 1},
		{"Not drawn.\n", false, 1},
		{"Not drawn.\nsweep: none\n", true, 1},
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "f"+missingExt), []byte(c.note), 0o644)
		if c.beside {
			os.WriteFile(filepath.Join(dir, "f.png"), []byte("x"), 0o644)
		}
		rec := &recorder{}
		if !checkMissing(rec, "nb", "f", dir, time.Time{}, true, exts) || len(rec.msgs) != c.errs {
			t.Errorf("note %q (figure beside: %v): %d errors, want %d: %v", c.note, c.beside, len(rec.msgs), c.errs, rec.msgs)
		}
	}
	if checkMissing(&recorder{}, "nb", "f", t.TempDir(), time.Time{}, true, exts) {
		t.Error("no note, but checkMissing saw one")
	}
}

package notebooks

// The notebooks read as chapters: question, method, setup, results, the
// chapter's claims, a discussion; the declarations a notebook needs are
// one import of nbkit and a few names, and each cell a few calls; and the
// rendered copies show the chapter, not the machinery (no saved-file
// lines, progress bars or cache paths).

import (
	"regexp"
	"strings"
	"testing"
)

// chapterSections are the sections of every notebook, in order.
var chapterSections = []string{"Question", "Method", "Setup", "Results", "Claims", "Discussion"}

// Limits on the code a notebook shows.
const (
	maxDeclLines       = 8  // the declarations cell: the import and a few names
	maxCellLines       = 14 // any other code cell
	minDiscussionWords = 60
)

var (
	callClaims   = regexp.MustCompile(`nbkit\.Claims\(([^)]*)\)`)
	callFindings = regexp.MustCompile(`nbkit\.Findings\(([^)]*)\)`)
)

// checkStructure reports what keeps nb from reading as a chapter.
func checkStructure(t reporter, name string, nb *notebook) {
	t.Helper()
	// Sections: "## X" headings of the markdown cells, in order.
	var found []string
	section := make([]string, len(nb.Cells)) // the section each cell is in
	cur := ""
	for k, c := range nb.Cells {
		if c.CellType == "markdown" {
			for _, l := range strings.Split(string(c.Source), "\n") {
				if h, ok := strings.CutPrefix(l, "## "); ok {
					cur = strings.TrimSpace(h)
					found = append(found, cur)
				}
			}
		}
		section[k] = cur
	}
	if strings.Join(found, "|") != strings.Join(chapterSections, "|") {
		t.Errorf("%s: sections %q, want %q (as ## headings, in that order)", name, found, chapterSections)
	}
	var claims, findings []string
	decl := false
	words := 0
	for k, c := range nb.Cells {
		src := strings.TrimSpace(string(c.Source))
		lines := strings.Count(src, "\n") + 1
		switch {
		case c.CellType == "markdown":
			if section[k] == "Discussion" {
				words += len(strings.Fields(src))
			}
		case k == 0 || strings.HasPrefix(src, "!"):
		case !strings.HasPrefix(src, "%%"):
			// A declarations cell (package level): the one import of nbkit.
			if decl {
				t.Errorf("%s: cell %d: a second declarations cell; declare once, after the method", name, k)
			}
			decl = true
			if lines > maxDeclLines {
				t.Errorf("%s: cell %d: the declarations cell has %d lines, at most %d: move helpers into nbkit", name, k, lines, maxDeclLines)
			}
			if imports := regexp.MustCompile(`"[^"]+/[^"]+"|"[a-z]+"`).FindAllString(importBlock(src), -1); len(imports) != 1 || imports[0] != `"github.com/kdrec/kdrec/notebooks/nbkit"` {
				t.Errorf("%s: cell %d imports %v; a notebook imports nbkit alone", name, k, imports)
			}
		default:
			if lines > maxCellLines {
				t.Errorf("%s: cell %d (%s) has %d lines, at most %d", name, k, firstLine(src), lines, maxCellLines)
			}
			for _, m := range callClaims.FindAllStringSubmatch(src, -1) {
				claims = append(claims, m[1])
				if section[k] != "Claims" {
					t.Errorf("%s: cell %d shows the claims in section %q, want Claims", name, k, section[k])
				}
			}
			for _, m := range callFindings.FindAllStringSubmatch(src, -1) {
				findings = append(findings, m[1])
				if section[k] != "Discussion" {
					t.Errorf("%s: cell %d shows the findings in section %q, want Discussion", name, k, section[k])
				}
			}
		}
	}
	if !decl {
		t.Errorf("%s: no declarations cell (the import of nbkit)", name)
	}
	if len(claims) != 1 || len(findings) != 1 || claims[0] != findings[0] {
		t.Errorf("%s: the Claims section shows %q and the Discussion generates %q: want one nbkit.Claims and one nbkit.Findings call with the same patterns", name, claims, findings)
	}
	if words < minDiscussionWords {
		t.Errorf("%s: the discussion has %d written words, want at least %d: say what the results show and where they differ from the dissertation", name, words, minDiscussionWords)
	}
}

// importBlock returns the import declarations of a cell.
func importBlock(src string) string {
	var b strings.Builder
	in := false
	for _, l := range strings.Split(src, "\n") {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "import ("):
			in = true
		case in && t == ")":
			in = false
		case in || strings.HasPrefix(t, "import "):
			b.WriteString(t + "\n")
		}
	}
	return b.String()
}

func TestChapterStructure(t *testing.T) {
	for name, nb := range sources(t) {
		checkStructure(t, name, nb)
	}
}

// noise matches output lines that show the machinery instead of the
// chapter: the saved-file lines (nbkit.Quiet silences them), progress bars,
// paths of the artefact cache, and loading messages.
var noise = regexp.MustCompile(`(?m)^saved .* in |\d+% \(\d+/\d+\)|\$KDREC_CACHE/runs|^loaded `)

// checkQuiet reports output of nb that is noise.
func checkQuiet(t reporter, name string, nb *notebook) {
	t.Helper()
	for k, c := range nb.Cells {
		for _, o := range c.Outputs {
			text := string(o.Text)
			if o.OutputType != "stream" {
				text = string(o.Data["text/plain"])
			}
			if m := noise.FindString(text); m != "" {
				t.Errorf("%s: cell %d (%s) prints %q: render quietly (scripts/run-notebooks.sh sets %s)", name, k, firstLine(string(c.Source)), m, "KDREC_NB_QUIET")
			}
			if strings.Contains(string(o.Data["text/html"]), "data:image/png") {
				t.Errorf("%s: cell %d (%s) shows a figure as a PNG image: notebooks show figures as inline SVG (report.Display)", name, k, firstLine(string(c.Source)))
			}
		}
	}
}

// TestStructureChecker: the checks fail on a lab notebook.
func TestStructureChecker(t *testing.T) {
	md := func(s string) cell { return cell{CellType: "markdown", Source: text(s)} }
	code := func(s string) cell { return cell{CellType: "code", Source: text(s)} }
	discussion := strings.Repeat("word ", minDiscussionWords)
	good := &notebook{Cells: []cell{code(ReplaceCell), md("# T\n\n## Question\n\nq\n\n## Method\n\nm"),
		code("import \"github.com/kdrec/kdrec/notebooks/nbkit\""), md("## Setup"), code("%%\nnbkit.Check(x)"), md("## Results"), code("%%\ny()"),
		md("## Claims"), code("%%\nnbkit.Check(nbkit.Claims(\"a-*\"))"), md("## Discussion\n\n" + discussion), code("%%\nnbkit.Check(nbkit.Findings(\"a-*\"))")}}
	rec := &recorder{}
	checkStructure(rec, "good", good)
	if len(rec.msgs) != 0 {
		t.Fatalf("a chapter: %v", rec.msgs)
	}
	for _, c := range []struct {
		name string
		edit func(nb *notebook)
		want string
	}{
		{"no claims section", func(nb *notebook) { nb.Cells[7] = md("## Verdicts") }, "sections"},
		{"a long declarations cell", func(nb *notebook) {
			nb.Cells[2] = code("import (\n\t\"fmt\"\n\t\"github.com/kdrec/kdrec/notebooks/nbkit\"\n)\n" + strings.Repeat("var x = 1\n", 10))
		}, "lines, at most"},
		{"two imports", func(nb *notebook) {
			nb.Cells[2] = code("import (\n\t\"fmt\"\n\t\"github.com/kdrec/kdrec/notebooks/nbkit\"\n)")
		}, "imports nbkit alone"},
		{"findings of other claims", func(nb *notebook) { nb.Cells[10] = code("%%\nnbkit.Check(nbkit.Findings(\"b-*\"))") }, "same patterns"},
		{"a bullet list for a discussion", func(nb *notebook) { nb.Cells[9] = md("## Discussion\n\n- a\n- b") }, "written words"},
		{"claims in the results", func(nb *notebook) {
			nb.Cells[6] = code("%%\nnbkit.Check(nbkit.Claims(\"a-*\"))")
		}, "in section \"Results\""},
	} {
		nb := &notebook{Cells: append([]cell(nil), good.Cells...)}
		c.edit(nb)
		rec := &recorder{}
		checkStructure(rec, c.name, nb)
		if !strings.Contains(strings.Join(rec.msgs, "\n"), c.want) {
			t.Errorf("%s: %v, want a message with %q", c.name, rec.msgs, c.want)
		}
	}
	noisy := &notebook{Cells: []cell{{CellType: "code", Source: "%%\nx()", Outputs: []output{
		{OutputType: "stream", Name: "stdout", Text: "saved a.png, a.svg in ../docs/figures/\n"},
		{OutputType: "stream", Name: "stderr", Text: "bpr d=4 seed=0  50% (1/2) 0.0s epoch 1\n"},
		{OutputType: "display_data", Data: map[string]text{"text/plain": "loaded $KDREC_CACHE/runs/x"}},
		{OutputType: "stream", Name: "stdout", Text: "citeulike-t: 5219 users\n"},
		{OutputType: "display_data", Data: map[string]text{"text/html": `<img src="data:image/png;base64,xx"/>`}},
		{OutputType: "display_data", Data: map[string]text{"text/html": `<div><svg width="480px"></svg></div>`}},
	}}}}
	rec = &recorder{}
	checkQuiet(rec, "noisy", noisy)
	if len(rec.msgs) != 4 {
		t.Errorf("noise found: %v, want 4 messages", rec.msgs)
	}
}

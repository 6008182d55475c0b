package nbkit

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/report"
)

// galleryRepo writes a small repository: one notebook declaring the
// figures a-fig (drawn) and a-gone (a note) and the table a-tab, and the
// style card, all in docs/figures, and docs/figures.md with empty gallery
// markers.
func galleryRepo(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	figs := filepath.Join(root, FiguresFolder)
	docs := filepath.Join(root, "docs", "figures")
	for _, d := range []string{figs, docs, filepath.Join(root, "notebooks")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeNotebook(t, root, "a", []string{"a-fig", "a-gone"})
	fig := exampleFigure()
	fig.Caption = "HR@5 of a student"
	if _, err := report.Save(fig, filepath.Join(figs, "a-fig"), report.AllFormats); err != nil {
		t.Fatal(err)
	}
	if _, err := report.Save(report.WithCaption(fig, "The style."), filepath.Join(docs, "style-card"), report.PNG|report.PDF); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(figs, "a-gone"+MissingExt), []byte("Not drawn: none of the 3 runs of s that a-gone is drawn from is in the results ledger yet.\n"+
		"Not recorded: DE (seeds 0–2).\nsweep: s\nmissing: 0123456789abcdef\nstatus: go run ./cmd/kdsweep status --ledger results s\nrun: go run ./cmd/kdsweep run --ledger results s\n"), 0o644)
	os.WriteFile(filepath.Join(figs, "a-tab.csv"), []byte("a,b\n1,2\n"), 0o644)
	os.WriteFile(filepath.Join(root, GalleryDoc), []byte("# Figures\n\n## Gallery\n\n"+GalleryStart+"\n"+GalleryEnd+"\n\nAfter.\n"), 0o644)
	return root
}

// writeNotebook writes notebooks/<name>.ipynb declaring figs and the table
// a-tab.
func writeNotebook(t *testing.T, root, name string, figs []string) {
	t.Helper()
	meta := `{"cells": [{"cell_type": "markdown", "source": ["# Chapter A — a test\n", "text"]}], "metadata": {"kdrec": {"figures": ["` +
		strings.Join(figs, `", "`) + `"], "tables": ["a-tab"]}}}`
	if err := os.WriteFile(filepath.Join(root, "notebooks", name+".ipynb"), []byte(meta), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestGalleryGenerated: the gallery lists every figure with its preview,
// files, caption or note and command; it is written between its markers,
// and a second run finds it up to date.
func TestGalleryGenerated(t *testing.T) {
	root := galleryRepo(t)
	changed, err := UpdateGallery(root, false)
	if err != nil || !changed {
		t.Fatalf("first update: changed %v, %v", changed, err)
	}
	doc, _ := os.ReadFile(filepath.Join(root, GalleryDoc))
	text := string(doc)
	for _, want := range []string{
		"3 figures, 2 drawn and 1 not drawn yet",
		"| [a-fig](#a-fig) | notebook `a` | drawn |",
		"| [a-gone](#a-gone) | notebook `a` | not drawn yet: runs of `s` missing |",
		"### Notebook a: Chapter A — a test",
		`<img src="figures/a-fig.png" width="480" alt="a-fig">`,
		"*HR@5 of a student. One seed per point: no uncertainty is shown.*",
		"[PDF](figures/a-fig.pdf) · [SVG](figures/a-fig.svg) · [PNG](figures/a-fig.png)",
		"Regenerate: `bash scripts/run-notebooks.sh --render a`.",
		"*Not drawn yet.* Not drawn: none of the 3 runs of s that a-gone is drawn from is in the results ledger yet. Not recorded: DE (seeds 0–2).",
		"Record the runs and draw it: `go run ./cmd/kdsweep run --ledger results s && bash scripts/run-notebooks.sh --render a`",
		`<img src="figures/style-card.png" width="480" alt="style-card">`,
		"Regenerate: `" + DocFigures["style-card"] + "`.",
		GalleryEnd + "\n\nAfter.\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("gallery lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "a-tab") {
		t.Error("a table is listed as a figure")
	}
	if changed, err := UpdateGallery(root, true); err != nil || changed {
		t.Errorf("second check: changed %v, %v", changed, err)
	}
	// The captions are generated, and the region is the one a checked
	// region of the docs' number policy exempts: outside it, nothing.
	region := exp.CheckedRegion{Start: regexp.MustCompile("^" + regexp.QuoteMeta(GalleryStart) + "$"), End: regexp.MustCompile("^" + regexp.QuoteMeta(GalleryEnd) + "$"), Test: "t", Reason: "r"}
	if hs := exp.HandNumbers(doc, exp.NumberPolicy{Checked: []exp.CheckedRegion{region}}); len(hs) != 0 {
		t.Errorf("hand numbers: %v", hs)
	}
}

// TestGalleryDrift: a gallery that disagrees with the files is found —
// a new figure, a changed caption, a figure now drawn — and files that no
// notebook declares, figures with neither files nor note, a figure beside
// its note and a figure of docs/figures without a command are errors.
func TestGalleryDrift(t *testing.T) {
	drift := func(name string, edit func(root string)) {
		t.Helper()
		root := galleryRepo(t)
		if _, err := UpdateGallery(root, false); err != nil {
			t.Fatal(err)
		}
		edit(root)
		if changed, err := UpdateGallery(root, true); err != nil || !changed {
			t.Errorf("%s: drift not found (changed %v, %v)", name, changed, err)
		}
	}
	figs := func(root string) string { return filepath.Join(root, FiguresFolder) }
	drift("a changed caption", func(root string) {
		os.WriteFile(filepath.Join(figs(root), "a-fig"+report.CaptionExt), []byte("Another caption.\n"), 0o644)
	})
	drift("a figure now drawn", func(root string) {
		os.Remove(filepath.Join(figs(root), "a-gone"+MissingExt))
		report.Save(exampleFigure(), filepath.Join(figs(root), "a-gone"), report.AllFormats)
	})
	drift("a new figure", func(root string) {
		writeNotebook(t, root, "a", []string{"a-fig", "a-gone", "a-new"})
		report.Save(exampleFigure(), filepath.Join(figs(root), "a-new"), report.AllFormats)
	})
	drift("a figure of a new notebook", func(root string) {
		os.WriteFile(filepath.Join(root, "notebooks", "b.ipynb"), []byte(`{"cells": [], "metadata": {"kdrec": {"figures": ["b-fig"]}}}`), 0o644)
		report.Save(exampleFigure(), filepath.Join(figs(root), "b-fig"), report.AllFormats)
	})

	broken := func(name, want string, edit func(root string)) {
		t.Helper()
		root := galleryRepo(t)
		edit(root)
		if _, err := UpdateGallery(root, true); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error naming %q", name, err, want)
		}
	}
	broken("a stale file", "no notebook declares old", func(root string) {
		os.WriteFile(filepath.Join(figs(root), "old.png"), []byte("x"), 0o644)
	})
	broken("a declared figure never drawn", "a-new: neither drawn", func(root string) {
		writeNotebook(t, root, "a", []string{"a-fig", "a-gone", "a-new"})
	})
	broken("a figure beside its note", "a-gone: a figure file stands beside its note", func(root string) {
		report.Save(exampleFigure(), filepath.Join(figs(root), "a-gone"), report.PNG)
	})
	broken("a figure without its caption", "a-fig: no caption", func(root string) {
		os.Remove(filepath.Join(figs(root), "a-fig"+report.CaptionExt))
	})
	broken("docs/figures without a command", "docs/figures/extra.png: no notebook declares extra and no command draws it", func(root string) {
		report.Save(exampleFigure(), filepath.Join(root, "docs", "figures", "extra"), report.PNG)
	})
	broken("a name both a notebook's and a document's", "both a figure of the documents", func(root string) {
		writeNotebook(t, root, "a", []string{"a-fig", "a-gone", "style-card"})
	})
	broken("a document's figure without files", "DocFigures names it, but it has no files", func(root string) {
		for _, ext := range []string{".png", ".pdf", report.CaptionExt} {
			os.Remove(filepath.Join(root, "docs", "figures", "style-card"+ext))
		}
	})
	broken("no markers", "no generated-block markers", func(root string) {
		os.WriteFile(filepath.Join(root, GalleryDoc), []byte("# Figures\n"), 0o644)
	})
}

// TestPanelsAt: one panel per value, the fixed rows first.
func TestPanelsAt(t *testing.T) {
	ps := PanelsAt("student.dim", "d = %d", []int{10, 20}, []string{"Teacher"}, "FTD", "HTD")
	if len(ps) != 2 || ps[1].Title != "d = 20" || strings.Join(ps[1].Rows, "|") != "Teacher|FTD (student.dim=20)|HTD (student.dim=20)" {
		t.Errorf("%+v", ps)
	}
	if ps[0].Rows[0] != "Teacher" || len(ps[0].Rows) != 3 {
		t.Errorf("the fixed rows are shared between panels: %+v", ps)
	}
}

package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestDisplayOutsideNotebook(t *testing.T) {
	if InNotebook() {
		t.Skip("running inside a notebook")
	}
	// No-ops: nothing is rendered, so even an empty figure is fine.
	if err := Display(&Figure{}); err != nil {
		t.Error(err)
	}
	if err := DisplaySVG(&Figure{}); err != nil {
		t.Error(err)
	}
	DisplayTable(&Table{Header: []string{"a"}})
	DisplayHTML("<b>x</b>")
	DisplayMarkdown("*x*")
	Flush()
	var b bytes.Buffer
	w := NotebookWriter(&b)
	fmt.Fprint(w, "hello\n")
	if err := w.Close(); err != nil || b.String() != "hello\n" {
		t.Errorf("fallback writer got %q, %v", b.String(), err)
	}
	if _, ok := NewBar(&b, "x", 10, true).(*Progress); !ok {
		t.Error("NewBar outside a notebook is not the terminal bar")
	}
	p := NewNotebookProgress("train", 10)
	p.Set(5, "loss 1")
	p.SetTotal(8)
	p.Done("ok")
	var nilp *NotebookProgress
	nilp.Set(1, "")
	nilp.Done("")
}

// TestNotebookWriterTerminal feeds the writer what the terminal progress
// bar prints and checks the screen it keeps.
func TestNotebookWriterTerminal(t *testing.T) {
	w := &notebookWriter{id: "test"}
	bar := NewProgress(w, "train", 4, false)
	for k := 1; k <= 4; k++ {
		time.Sleep(110 * time.Millisecond) // the bar redraws at most every 100 ms
		bar.Set(k, fmt.Sprintf("epoch %d", k))
	}
	bar.Done("4 epochs")
	fmt.Fprint(w, "teacher: saved\n\x1b[1mbold\x1b[0m and \x1bMplain")
	if len(w.lines) != 2 {
		t.Fatalf("lines %q", w.lines)
	}
	if l := w.lines[0]; !strings.HasPrefix(l, "train ") || !strings.Contains(l, "100%") || !strings.Contains(l, "4 epochs") || strings.ContainsAny(l, "\r\x1b") {
		t.Errorf("progress line %q", l)
	}
	if w.lines[1] != "teacher: saved" || string(w.cur) != "bold and plain" {
		t.Errorf("lines %q, current %q", w.lines, w.cur)
	}
	for k := 0; k < 100; k++ {
		fmt.Fprintf(w, "line %d\n", k)
	}
	if len(w.lines) != notebookWriterLines || w.lines[len(w.lines)-1] != "line 99" {
		t.Errorf("kept %d lines, last %q", len(w.lines), w.lines[len(w.lines)-1])
	}
	if err := w.Close(); err != nil {
		t.Error(err)
	}
}

func TestProgressHTML(t *testing.T) {
	h := progressHTML("a<b", 25, 100, 10*time.Second, "loss <1>")
	for _, want := range []string{"a&lt;b", "width:25%", " 25% 25/100", "eta 30.0s", "loss &lt;1&gt;"} {
		if !strings.Contains(h, want) {
			t.Errorf("%s missing from %s", want, h)
		}
	}
	if h := TableHTML(&Table{Title: "T", Header: []string{"m"}}); !strings.Contains(h, `<table class="kdrec"><caption>T</caption>`) {
		t.Errorf("table html %s", h)
	}
}

// TestInlineSVG: the inline figure names its fonts with fallbacks instead
// of embedding them, has no XML prolog and is sized for the screen.
func TestInlineSVG(t *testing.T) {
	svg, err := InlineSVG(refFigure(Lines))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(svg, `<svg width="480px" height="360px" style="max-width:100%;height:auto"`) {
		t.Errorf("inline SVG starts %q", svg[:min(len(svg), 120)])
	}
	if strings.Contains(svg, "@font-face") || !strings.Contains(svg, "font-family:'Liberation Serif','Times New Roman',Times,serif;") || strings.Contains(svg, "font-family:Liberation Serif;") {
		t.Error("fonts embedded, or named without their fallbacks")
	}
	full, _ := Encode(refFigure(Lines), SVG)
	if len(svg)*4 > len(full) {
		t.Errorf("inline SVG %d bytes, the saved one %d: not much smaller", len(svg), len(full))
	}
}

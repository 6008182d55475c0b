package report

import (
	"bytes"
	"strings"
	"testing"
)

func TestTableRenderings(t *testing.T) {
	tb := &Table{Title: "T", Header: []string{"model", "HR@5"}}
	tb.AddRow("teacher <200>", 0.52861)
	tb.AddRow("student", 0.4)
	var txt bytes.Buffer
	if err := tb.WriteText(&txt); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(txt.String()), "\n")
	if len(lines) != 5 || !strings.HasSuffix(lines[3], "0.5286") || !strings.HasSuffix(lines[4], "0.4000") {
		t.Fatalf("text:\n%s", txt.String())
	}
	if md := tb.Markdown(); !strings.Contains(md, "| teacher <200> | 0.5286 |") || !strings.Contains(md, "|---|---:|") {
		t.Fatalf("markdown:\n%s", md)
	}
	if h := tb.HTML(); !strings.Contains(h, "<td>teacher &lt;200&gt;</td>") {
		t.Fatalf("html: %s", h)
	}
	var c bytes.Buffer
	tb.WriteCSV(&c)
	if c.String() != "model,HR@5\nteacher <200>,0.5286\nstudent,0.4000\n" {
		t.Fatalf("csv: %q", c.String())
	}
}

func TestProgressPlainAndNil(t *testing.T) {
	var b bytes.Buffer
	p := NewProgress(&b, "train", 20, true)
	for k := 1; k <= 20; k++ {
		p.Set(k, "")
	}
	p.Done("ok")
	if n := strings.Count(b.String(), "\n"); n < 10 || n > 13 {
		t.Fatalf("plain progress printed %d lines:\n%s", n, b.String())
	}
	var q *Progress
	q.Set(1, "") // quiet mode: a nil bar is a no-op
	q.Done("")
}

func TestTableLaTeX(t *testing.T) {
	tb := &Table{Title: "HR@5 of d_s = 20", Header: []string{"method", "HR@5"}, Notes: []string{"50% of users"}}
	tb.AddRow("DE & RRD", "0.4773 ± 0.0021")
	want := `% HR@5 of d\_s = 20
\begin{tabular}{lr}
\toprule
method & HR@5 \\
\midrule
DE \& RRD & 0.4773 $\pm$ 0.0021 \\
\bottomrule
\end{tabular}
% 50\% of users
`
	if got := tb.LaTeX(); got != want {
		t.Errorf("LaTeX:\n%s\nwant\n%s", got, want)
	}
}

func TestLaTeXEscape(t *testing.T) {
	if got := LaTeXEscape(`a_b & 50% #1 {x} ± λ \ ~ ^ $`); got != `a\_b \& 50\% \#1 \{x\} $\pm$ $\lambda$ \textbackslash{} \textasciitilde{} \textasciicircum{} \$` {
		t.Fatalf("%s", got)
	}
}

// TestTableWriteTextWidth checks the wrapped rendering: a table that fits
// prints as WriteText does; a wider one is cut into blocks of columns that
// each repeat the first column and fit the width; title and notes wrap.
func TestTableWriteTextWidth(t *testing.T) {
	tb := &Table{Title: "a title that is longer than the width of the terminal", Header: []string{"metric", "a", "b", "c", "d"},
		Notes: []string{"a note that is also longer than the width"}}
	tb.AddRow("HR@5", "0.1111", "0.2222", "0.3333", "0.4444")
	tb.AddRow("NDCG@10", "0.5555", "0.6666", "0.7777", "0.8888")
	var plain, wide bytes.Buffer
	tb.WriteText(&plain)
	tb.WriteTextWidth(&wide, 1000)
	if plain.String() != wide.String() {
		t.Errorf("a table that fits differs from WriteText:\n%s\n%s", plain.String(), wide.String())
	}
	var zero bytes.Buffer
	tb.WriteTextWidth(&zero, 0)
	if zero.String() != plain.String() {
		t.Errorf("width 0 is no limit")
	}
	var b bytes.Buffer
	if err := tb.WriteTextWidth(&b, 25); err != nil {
		t.Fatal(err)
	}
	want := `a title that is longer
than the width of the
terminal
metric        a       b
-----------------------
HR@5     0.1111  0.2222
NDCG@10  0.5555  0.6666

metric        c       d
-----------------------
HR@5     0.3333  0.4444
NDCG@10  0.7777  0.8888
a note that is also
longer than the width
`
	if b.String() != want {
		t.Errorf("wrapped:\n%s\nwant:\n%s", b.String(), want)
	}
	for _, l := range strings.Split(b.String(), "\n") {
		if len(l) > 25 {
			t.Errorf("line of %d characters: %q", len(l), l)
		}
	}
	// A column wider than the width keeps its line, in a block of its own.
	if got := WrapText("one averyveryverylongword two", 8); strings.Join(got, "|") != "one|averyveryverylongword|two" {
		t.Errorf("WrapText: %q", got)
	}
}

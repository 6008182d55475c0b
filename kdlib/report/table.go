package report

import (
	"encoding/csv"
	"fmt"
	"html"
	"io"
	"strings"
	"unicode/utf8"
)

// Table is a titled grid of strings with a header row, rendered as aligned
// text, Markdown, CSV or HTML.
type Table struct {
	// Title is printed above the table (not part of CSV).
	Title string
	// Header names the columns; every row has len(Header) cells.
	Header []string
	// Rows holds the cells.
	Rows [][]string
	// Notes are printed below the table.
	Notes []string
}

// AddRow appends a row, formatting each value: float64 with 4 decimals,
// ints as is, strings verbatim.
func (t *Table) AddRow(cells ...any) {
	row := make([]string, len(cells))
	for k, c := range cells {
		row[k] = Cell(c)
	}
	t.Rows = append(t.Rows, row)
}

// Cell formats one value the way AddRow does.
func Cell(c any) string {
	switch v := c.(type) {
	case float64:
		return fmt.Sprintf("%.4f", v)
	case float32:
		return fmt.Sprintf("%.4f", v)
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// widths returns the display width of every column.
func (t *Table) widths() []int {
	w := make([]int, len(t.Header))
	for k, h := range t.Header {
		w[k] = utf8.RuneCountInString(h)
	}
	for _, r := range t.Rows {
		for k, c := range r {
			if k < len(w) {
				w[k] = max(w[k], utf8.RuneCountInString(c))
			}
		}
	}
	return w
}

// WriteText writes the table as aligned plain text.
func (t *Table) WriteText(out io.Writer) error {
	w := t.widths()
	var b strings.Builder
	if t.Title != "" {
		b.WriteString(t.Title + "\n")
	}
	line := func(cells []string) {
		for k, c := range cells {
			if k > 0 {
				b.WriteString("  ")
			}
			pad := w[k] - utf8.RuneCountInString(c)
			if k == 0 {
				b.WriteString(c + strings.Repeat(" ", pad))
			} else {
				b.WriteString(strings.Repeat(" ", pad) + c)
			}
		}
		b.WriteString("\n")
	}
	line(t.Header)
	total := 0
	for _, x := range w {
		total += x + 2
	}
	b.WriteString(strings.Repeat("-", max(total-2, 0)) + "\n")
	for _, r := range t.Rows {
		line(r)
	}
	for _, n := range t.Notes {
		b.WriteString(n + "\n")
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// WriteTextWidth writes the table as aligned plain text in lines of at most
// width characters where it can: a table wider than width is cut into
// blocks of columns, one after the other, each repeating the first column
// (the row names); the title and the notes are wrapped at spaces. A
// column wider than width on its own, or a word longer than width, keeps
// its line. A width ≤ 0 is no limit: WriteText.
func (t *Table) WriteTextWidth(out io.Writer, width int) error {
	if width <= 0 {
		return t.WriteText(out)
	}
	w := t.widths()
	var b strings.Builder
	if t.Title != "" {
		for _, l := range WrapText(t.Title, width) {
			b.WriteString(l + "\n")
		}
	}
	// Blocks of columns: the first column and as many of the next as fit.
	var blocks [][]int
	if len(w) > 0 {
		cur, used := []int{0}, w[0]
		for k := 1; k < len(w); k++ {
			if len(cur) > 1 && used+2+w[k] > width {
				blocks = append(blocks, cur)
				cur, used = []int{0}, w[0]
			}
			cur, used = append(cur, k), used+2+w[k]
		}
		blocks = append(blocks, cur)
	}
	for n, cols := range blocks {
		if n > 0 {
			b.WriteString("\n")
		}
		line := func(cells []string) {
			for j, k := range cols {
				c := ""
				if k < len(cells) {
					c = cells[k]
				}
				pad := w[k] - utf8.RuneCountInString(c)
				switch {
				case j == 0:
					b.WriteString(c + strings.Repeat(" ", pad))
				default:
					b.WriteString("  " + strings.Repeat(" ", pad) + c)
				}
			}
			b.WriteString("\n")
		}
		line(t.Header)
		total := -2
		for _, k := range cols {
			total += w[k] + 2
		}
		b.WriteString(strings.Repeat("-", max(total, 0)) + "\n")
		for _, r := range t.Rows {
			line(r)
		}
	}
	for _, n := range t.Notes {
		for _, l := range WrapText(n, width) {
			b.WriteString(l + "\n")
		}
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// WrapText breaks s into lines of at most width characters at spaces (a
// word longer than width keeps its own line; a width ≤ 0 is no limit).
func WrapText(s string, width int) []string {
	if width <= 0 || utf8.RuneCountInString(s) <= width {
		return []string{s}
	}
	var lines []string
	var cur strings.Builder
	n := 0
	for _, word := range strings.Fields(s) {
		wl := utf8.RuneCountInString(word)
		if n > 0 && n+1+wl > width {
			lines = append(lines, cur.String())
			cur.Reset()
			n = 0
		}
		if n > 0 {
			cur.WriteByte(' ')
			n++
		}
		cur.WriteString(word)
		n += wl
	}
	if n > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// Markdown returns the table in GitHub Markdown.
func (t *Table) Markdown() string {
	var b strings.Builder
	if t.Title != "" {
		b.WriteString("**" + t.Title + "**\n\n")
	}
	b.WriteString("| " + strings.Join(t.Header, " | ") + " |\n|")
	for k := range t.Header {
		if k == 0 {
			b.WriteString("---|")
		} else {
			b.WriteString("---:|")
		}
	}
	b.WriteString("\n")
	for _, r := range t.Rows {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
	for _, n := range t.Notes {
		b.WriteString("\n" + n + "\n")
	}
	return b.String()
}

// HTML returns the table as an HTML fragment (for notebooks).
func (t *Table) HTML() string {
	var b strings.Builder
	b.WriteString("<table>")
	if t.Title != "" {
		b.WriteString("<caption>" + html.EscapeString(t.Title) + "</caption>")
	}
	b.WriteString("<thead><tr>")
	for _, h := range t.Header {
		b.WriteString("<th>" + html.EscapeString(h) + "</th>")
	}
	b.WriteString("</tr></thead><tbody>")
	for _, r := range t.Rows {
		b.WriteString("<tr>")
		for _, c := range r {
			b.WriteString("<td>" + html.EscapeString(c) + "</td>")
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</tbody></table>")
	for _, n := range t.Notes {
		b.WriteString("<p>" + html.EscapeString(n) + "</p>")
	}
	return b.String()
}

// WriteCSV writes the header and rows as CSV.
func (t *Table) WriteCSV(out io.Writer) error {
	w := csv.NewWriter(out)
	if err := w.Write(t.Header); err != nil {
		return err
	}
	if err := w.WriteAll(t.Rows); err != nil {
		return err
	}
	w.Flush()
	return w.Error()
}

// LaTeX returns the table as a booktabs tabular (first column
// left-aligned, the others right-aligned), every cell escaped with
// LaTeXEscape; the title and the notes become TeX comments.
func (t *Table) LaTeX() string {
	var b strings.Builder
	if t.Title != "" {
		b.WriteString("% " + LaTeXEscape(t.Title) + "\n")
	}
	b.WriteString("\\begin{tabular}{l" + strings.Repeat("r", max(len(t.Header)-1, 0)) + "}\n\\toprule\n")
	esc := func(cells []string) string {
		out := make([]string, len(cells))
		for k, c := range cells {
			out[k] = LaTeXEscape(c)
		}
		return strings.Join(out, " & ") + " \\\\\n"
	}
	b.WriteString(esc(t.Header) + "\\midrule\n")
	for _, r := range t.Rows {
		b.WriteString(esc(r))
	}
	b.WriteString("\\bottomrule\n\\end{tabular}\n")
	for _, n := range t.Notes {
		b.WriteString("% " + LaTeXEscape(n) + "\n")
	}
	return b.String()
}

var latexReplacer = strings.NewReplacer(`\`, `\textbackslash{}`, `&`, `\&`, `%`, `\%`, `$`, `\$`, `#`, `\#`, `_`, `\_`,
	`{`, `\{`, `}`, `\}`, `~`, `\textasciitilde{}`, `^`, `\textasciicircum{}`, "±", `$\pm$`, "λ", `$\lambda$`)

// LaTeXEscape escapes TeX's special characters in text (\ & % $ # _ { } ~
// ^) and writes ± and λ in math mode, for a table cell or a caption.
func LaTeXEscape(s string) string { return latexReplacer.Replace(s) }

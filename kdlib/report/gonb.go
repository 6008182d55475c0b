package report

import (
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// InNotebook reports whether the program runs as a GoNB notebook cell.
// Every Display function and the notebook progress bar are no-ops
// otherwise, so the same code runs unchanged in the REPL and in tests.
func InNotebook() bool { return gonbui.IsNotebook }

// DisplayDPI is the resolution at which Display renders figures. The image
// is shown at 1.5 CSS pixels per printed point-inch (a 3.3 in figure is
// 475 px wide) and rendered at twice that for sharp text on high-density
// screens.
var DisplayDPI = 288

// displayCSSPerInch is the on-screen width, in CSS pixels, of one inch of a
// figure.
const displayCSSPerInch = 144

// Display shows a figure in the notebook as inline SVG (tables are HTML,
// figures SVG: both stay sharp at any zoom and are text a reader can
// search). The inline copy names its fonts instead of embedding them —
// Liberation Serif, then the metrically identical Times New Roman, then
// any serif — so a rendered notebook stays small (an embedded font is
// about half a megabyte per figure); the files Save writes embed theirs.
// Outside a notebook it does nothing and returns nil without rendering.
func Display(d Drawable) error {
	if !gonbui.IsNotebook {
		return nil
	}
	svg, err := InlineSVG(d)
	if err != nil {
		return err
	}
	gonbui.DisplaySvg(svg)
	gonbui.Sync()
	return nil
}

// InlineSVG renders d as an <svg> element for embedding in HTML (no XML
// prolog), its fonts named with fallbacks rather than embedded (Display).
func InlineSVG(d Drawable) (string, error) {
	p, size, err := d.Plot()
	if err != nil {
		return "", err
	}
	c := vgsvg.NewWith(vgsvg.UseWH(size.Width, size.Height), vgsvg.EmbedFonts(false))
	b, err := drawTo(p, c)
	if err != nil {
		return "", err
	}
	svg := string(b)
	if i := strings.Index(svg, "<svg"); i > 0 {
		svg = svg[i:]
	}
	// On screen at DisplayCSSPerInch, as Display's PNG was (a print-size
	// SVG would be a third smaller), shrinking with a narrow page.
	w := float64(size.Width/vg.Inch) * displayCSSPerInch
	h := float64(size.Height/vg.Inch) * displayCSSPerInch
	svg = svgSize.ReplaceAllString(svg, fmt.Sprintf(`<svg width="%.0fpx" height="%.0fpx" style="max-width:100%%;height:auto"`, w, h))
	return svgFontFallback.Replace(svg), nil
}

// svgSize matches the printed size of an SVG's root element.
var svgSize = regexp.MustCompile(`^<svg width="[0-9.]+pt" height="[0-9.]+pt"`)

// svgFontFallback gives the serif the figures name a fallback chain, for
// inline SVG whose fonts are not embedded.
var svgFontFallback = strings.NewReplacer(
	`font-family:Liberation Serif;`, `font-family:'Liberation Serif','Times New Roman',Times,serif;`,
	`font-family:"Liberation Serif";`, `font-family:'Liberation Serif','Times New Roman',Times,serif;`,
)

// DisplayPNG shows a figure in the notebook as a PNG image at DisplayDPI
// (embedded in HTML with its on-screen width). Outside a notebook it does
// nothing.
func DisplayPNG(d Drawable) error {
	if !gonbui.IsNotebook {
		return nil
	}
	b, err := encodeDPI(d, PNG, DisplayDPI)
	if err != nil {
		return err
	}
	_, size, _ := d.Plot()
	gonbui.DisplayHTML(imgHTML(b, size))
	gonbui.Sync()
	return nil
}

func imgHTML(png []byte, size Size) string {
	w := int(float64(size.Width/vg.Inch)*displayCSSPerInch + 0.5)
	return fmt.Sprintf(`<img style="width:%dpx;max-width:100%%" src="data:image/png;base64,%s"/>`, w, base64.StdEncoding.EncodeToString(png))
}

// DisplaySVG shows a figure in the notebook as inline SVG with its fonts
// embedded (as the saved .svg file; larger than Display's). Outside a
// notebook it does nothing.
func DisplaySVG(d Drawable) error {
	if !gonbui.IsNotebook {
		return nil
	}
	b, err := Encode(d, SVG)
	if err != nil {
		return err
	}
	svg := string(b)
	if i := strings.Index(svg, "<svg"); i > 0 {
		svg = svg[i:] // drop the XML prolog: the SVG is embedded in HTML
	}
	gonbui.DisplaySvg(svg)
	gonbui.Sync()
	return nil
}

// tableCSS keeps tables compact and right-aligns the numeric columns.
const tableCSS = `<style>
table.kdrec{border-collapse:collapse;font-size:90%;margin:0.5em 0}
table.kdrec caption{caption-side:top;text-align:left;font-weight:bold;padding-bottom:0.3em}
table.kdrec th,table.kdrec td{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}
table.kdrec th:first-child,table.kdrec td:first-child{text-align:left}
table.kdrec thead th{border-bottom:2px solid #444}
</style>`

// TableHTML returns the table's HTML with kdrec's compact style: a
// caption, right-aligned numbers, notes below.
func TableHTML(t *Table) string {
	return tableCSS + strings.Replace(t.HTML(), "<table>", `<table class="kdrec">`, 1)
}

// DisplayTable shows a table in the notebook as HTML (see TableHTML).
// Outside a notebook it does nothing.
func DisplayTable(t *Table) {
	if !gonbui.IsNotebook || t == nil {
		return
	}
	gonbui.DisplayHTML(TableHTML(t))
	gonbui.Sync()
}

// DisplayHTML shows an HTML fragment in the notebook; outside a notebook
// it does nothing.
func DisplayHTML(h string) {
	gonbui.DisplayHTML(h)
	gonbui.Sync()
}

// DisplayMarkdown shows Markdown (with $…$ math) in the notebook; outside a
// notebook it does nothing.
func DisplayMarkdown(md string) {
	gonbui.DisplayMarkdown(md)
	gonbui.Sync()
}

// Flush waits until everything sent to the notebook has been displayed.
// The Display functions of this package already wait for their own
// output (GoNB sends displays asynchronously, and a cell whose program
// ended right after a display could lose it); Flush is for gonbui calls
// made directly. Outside a notebook it returns at once.
func Flush() { gonbui.Sync() }

// Bar is a progress bar: *Progress (terminal) and *NotebookProgress both
// implement it, and a nil value of either does nothing.
type Bar interface {
	// Set moves the bar to step done with a short status text.
	Set(done int, status string)
	// SetTotal changes the number of steps.
	SetTotal(total int)
	// Done draws the final state with a status text.
	Done(status string)
}

var (
	_ Bar = (*Progress)(nil)
	_ Bar = (*NotebookProgress)(nil)
)

// NewBar returns a notebook progress bar inside a GoNB notebook and a
// terminal one writing to w otherwise (see NewProgress for plain).
func NewBar(w io.Writer, label string, total int, plain bool) Bar {
	if gonbui.IsNotebook {
		return NewNotebookProgress(label, total)
	}
	return NewProgress(w, label, total, plain)
}

// NotebookProgress is a progress bar drawn as one HTML output of the cell
// and updated in place (gonbui.UpdateHTML). It has the methods of the
// terminal Progress, so it is attached to training the same way. Outside a
// notebook every method is a no-op; so is a nil *NotebookProgress.
type NotebookProgress struct {
	id     string
	label  string
	total  int
	done   int
	status string
	start  time.Time
	last   time.Time
	mu     sync.Mutex
}

// NewNotebookProgress starts a notebook bar for total steps.
func NewNotebookProgress(label string, total int) *NotebookProgress {
	p := &NotebookProgress{label: label, total: max(total, 1), start: time.Now()}
	if gonbui.IsNotebook {
		p.id = "kdrec-progress-" + gonbui.UniqueId()
		p.draw(true)
	}
	return p
}

// Set moves the bar to step done with a short status text (e.g. a loss).
// Redraws are limited to five a second.
func (p *NotebookProgress) Set(done int, status string) {
	if p == nil || p.id == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.status = min(done, p.total), status
	p.draw(false)
}

// SetTotal changes the number of steps (early stopping shortens a run).
func (p *NotebookProgress) SetTotal(total int) {
	if p == nil || p.id == "" {
		return
	}
	p.mu.Lock()
	p.total = max(total, 1)
	p.mu.Unlock()
}

// Done draws the final state, which stays in the notebook, and waits until
// it is displayed.
func (p *NotebookProgress) Done(status string) {
	if p == nil || p.id == "" {
		return
	}
	p.mu.Lock()
	p.done, p.status = p.total, status
	p.draw(true)
	p.mu.Unlock()
	gonbui.Sync()
}

func (p *NotebookProgress) draw(force bool) {
	now := time.Now()
	if !force && now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	gonbui.UpdateHTML(p.id, progressHTML(p.label, p.done, p.total, now.Sub(p.start), p.status))
}

// progressHTML renders one bar: label, a filled box, percentage, steps,
// elapsed time, estimated time left and status.
func progressHTML(label string, done, total int, took time.Duration, status string) string {
	pct := 100 * done / max(total, 1)
	eta := ""
	if done > 0 && done < total {
		eta = " eta " + elapsed(time.Duration(float64(took)*float64(total-done)/float64(done)))
	}
	return fmt.Sprintf(`<div style="font-family:monospace;font-size:85%%;white-space:pre">%s `+
		`<span style="display:inline-block;vertical-align:middle;width:200px;height:0.8em;background:#e4e4e4;border-radius:2px">`+
		`<span style="display:block;width:%d%%;height:100%%;background:#4477aa;border-radius:2px"></span></span>`+
		` %3d%% %d/%d %s%s %s</div>`,
		html.EscapeString(label), pct, pct, done, total, elapsed(took), eta, html.EscapeString(status))
}

// NotebookWriter returns a writer for log and progress text (such as the
// Log of exp.BPROptions): inside a notebook it shows what a terminal would
// (carriage returns and ANSI clear-line codes redraw the last line, as the
// terminal Progress does) in one <pre> output updated in place, keeping the
// last 40 lines; outside a notebook it writes to fallback. Close it when
// done to draw the final state.
func NotebookWriter(fallback io.Writer) io.WriteCloser {
	if !gonbui.IsNotebook {
		return nopCloser{fallback}
	}
	return &notebookWriter{id: "kdrec-log-" + gonbui.UniqueId()}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

type notebookWriter struct {
	mu    sync.Mutex
	id    string
	lines []string
	cur   []byte
	cr    bool // a carriage return was seen: the next byte starts the line over
	esc   int  // bytes of an ANSI escape sequence still to skip (-1: in a CSI)
	last  time.Time
	dirty bool
}

const notebookWriterLines = 40

func (w *notebookWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	committed := false
	for _, c := range b {
		switch {
		case w.esc == 1:
			// After ESC: '[' starts a CSI sequence, anything else is a
			// two-byte sequence.
			w.esc = 0
			if c == '[' {
				w.esc = -1
			}
			continue
		case w.esc == -1:
			if c >= 0x40 && c <= 0x7e {
				w.esc = 0
			}
			continue
		}
		switch c {
		case 0x1b:
			w.esc = 1
		case '\r':
			w.cr = true
		case '\n':
			w.lines = append(w.lines, string(w.cur))
			if len(w.lines) > notebookWriterLines {
				w.lines = w.lines[len(w.lines)-notebookWriterLines:]
			}
			w.cur, w.cr = w.cur[:0], false
			committed = true
		default:
			if w.cr {
				w.cur, w.cr = w.cur[:0], false
			}
			w.cur = append(w.cur, c)
		}
	}
	w.dirty = true
	if committed || time.Since(w.last) >= 200*time.Millisecond {
		w.render()
	}
	return len(b), nil
}

func (w *notebookWriter) render() {
	var sb strings.Builder
	sb.WriteString(`<pre style="font-size:85%;line-height:1.25;margin:0">`)
	for _, l := range w.lines {
		sb.WriteString(html.EscapeString(l) + "\n")
	}
	sb.WriteString(html.EscapeString(string(w.cur)))
	sb.WriteString("</pre>")
	gonbui.UpdateHTML(w.id, sb.String())
	w.last, w.dirty = time.Now(), false
}

// Close draws the final text and waits until it is displayed.
func (w *notebookWriter) Close() error {
	w.mu.Lock()
	if w.dirty {
		w.render()
	}
	w.mu.Unlock()
	gonbui.Sync()
	return nil
}

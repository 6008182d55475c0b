package report

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Panels is a multi-panel figure: several Figures drawn side by side on a
// grid, with aligned axes and panel letters (a), (b), … above them, such as
// the learning curves of one method comparison for several student sizes
// (one panel per size). A y label shared by all panels is shown in the
// first column only. It is a Drawable and Captioned, so Save, Encode and
// Display handle it like a Figure.
//
//	fig := report.NewPanels(small, large)  // two *Figure, each with a Title
//	fig.SameY = true
//	fig.Caption = "Recall@50 of the students during training."
//	report.Save(fig, "out/curves", report.AllFormats)
type Panels struct {
	// Figures are the panels, filled row by row; each keeps its own
	// title, labels, kind and series (their Size is ignored).
	Figures []*Figure
	// Cols is the number of panels per row (0: all in one row).
	Cols int
	// Size is the printed size of the whole figure (zero: TwoColumn wide,
	// 2.4 in high per row).
	Size Size
	// SameY gives every panel the same y range (the union of theirs), so
	// values can be compared across panels: from zero unless every panel
	// sets YBreak (or its own YMin and YMax). Panels that share their y
	// label show it only in the first column.
	SameY bool
	// LegendAll draws a legend in every panel; by default only the first
	// panel has one (the panels usually share their series and styles).
	LegendAll bool
	// Gap is the horizontal and vertical space between panels (zero:
	// 10 pt).
	Gap vg.Length
	// NoLetters leaves out the panel letters (a), (b), ….
	NoLetters bool
	// Caption is the caption of the whole figure; CaptionText adds the
	// panels' own captions after their letters, and what the panels state
	// about themselves (seeds, references, broken axes).
	Caption string
}

// NewPanels returns a one-row multi-panel figure of figs.
func NewPanels(figs ...*Figure) *Panels { return &Panels{Figures: figs} }

// grid returns the number of rows and columns.
func (p *Panels) grid() (rows, cols int) {
	if len(p.Figures) == 0 {
		return 1, 1
	}
	cols = p.Cols
	if cols <= 0 || cols > len(p.Figures) {
		cols = len(p.Figures)
	}
	return (len(p.Figures) + cols - 1) / cols, cols
}

// size returns the printed size of the whole figure.
func (p *Panels) size() Size {
	if p.Size.Width > 0 && p.Size.Height > 0 {
		return p.Size
	}
	rows, _ := p.grid()
	return Size{Width: TwoColumn.Width, Height: vg.Length(rows) * 2.4 * vg.Inch}
}

// Letter returns the panel letter of the k-th panel: "(a)", "(b)", ….
func Letter(k int) string {
	s := ""
	for k >= 0 {
		s = string(rune('a'+k%26)) + s
		k = k/26 - 1
	}
	return "(" + s + ")"
}

// letterStyle returns the text style of the panel letters: the axis
// labels' serif at LabelFont.
func letterStyle() text.Style {
	return text.Style{Color: color.Black, Font: font.From(plot.DefaultFont, LabelFont),
		XAlign: draw.XLeft, YAlign: draw.YBottom, Handler: plot.DefaultTextHandler}
}

// panelFigures returns copies of the figures as the panels draw them: the
// cell size, the legend only in the first panel (unless LegendAll), the
// same y range with SameY, the y label only in the first column when the
// panels share it.
func (p *Panels) panelFigures(cell Size) ([]Figure, error) {
	_, cols := p.grid()
	figs := make([]Figure, len(p.Figures))
	sameLabel := true
	for k, f := range p.Figures {
		if f == nil {
			return nil, fmt.Errorf("report: panels: figure %d is nil", k)
		}
		figs[k] = *f
		figs[k].Size = cell
		if k > 0 && !p.LegendAll {
			figs[k].Legend = LegendNone
		}
		sameLabel = sameLabel && f.YLabel == p.Figures[0].YLabel
	}
	if sameLabel && cols > 1 {
		for k := range figs {
			if k%cols != 0 {
				figs[k].YLabel = ""
			}
		}
	}
	if p.SameY {
		lo, hi := math.Inf(1), math.Inf(-1)
		brk := true
		for k := range figs {
			flo, fhi, ok := figs[k].yRange(figs[k].analyse())
			if ok {
				lo, hi = min(lo, flo), max(hi, fhi)
			}
			brk = brk && (figs[k].YBreak || figs[k].YMax > figs[k].YMin)
		}
		if hi > lo {
			if !brk {
				lo, hi = min(lo, 0), max(hi, 0)
			}
			for k := range figs {
				if !(figs[k].YMax > figs[k].YMin) {
					figs[k].YMin, figs[k].YMax = lo, hi
				}
			}
		}
	}
	return figs, nil
}

// Plot builds the panels and returns a plot that draws them (Drawable).
// The figures are not modified.
func (p *Panels) Plot() (*plot.Plot, Size, error) {
	t, _, _, size, err := p.layout()
	if err != nil {
		return nil, size, err
	}
	container := plot.New()
	container.HideAxes()
	container.X.Padding, container.Y.Padding = 0, 0
	container.Add(t)
	return container, size, nil
}

// layout builds the panels: the tiles that draw them, each panel's build
// and its cell size, and the size of the whole figure.
func (p *Panels) layout() (t tiles, builds []built, cell, size Size, err error) {
	size = p.size()
	if len(p.Figures) == 0 {
		return t, nil, cell, size, errors.New("report: panels: no figures")
	}
	rows, cols := p.grid()
	gap := p.Gap
	if gap <= 0 {
		gap = vg.Points(10)
	}
	var letterH vg.Length
	if !p.NoLetters {
		letterH = letterStyle().Height(Letter(0)) + vg.Points(1)
	}
	cell = Size{
		Width:  (size.Width - vg.Length(cols-1)*gap) / vg.Length(cols),
		Height: (size.Height - vg.Length(rows-1)*gap - vg.Length(rows)*letterH) / vg.Length(rows),
	}
	if cell.Width <= 0 || cell.Height <= 0 {
		return t, nil, cell, size, fmt.Errorf("report: panels: %d×%d panels do not fit in %v × %v", rows, cols, size.Width, size.Height)
	}
	figs, err := p.panelFigures(cell)
	if err != nil {
		return t, nil, cell, size, err
	}
	t = tiles{gap: gap, letterH: letterH, plots: make([][]*plot.Plot, rows), broken: make([][]bool, rows)}
	for r := range t.plots {
		t.plots[r] = make([]*plot.Plot, cols)
		t.broken[r] = make([]bool, cols)
	}
	top := math.Inf(-1)
	builds = make([]built, len(figs))
	for k := range figs {
		b, err := figs[k].build()
		if err != nil {
			return t, nil, cell, size, fmt.Errorf("report: panel %d: %w", k, err)
		}
		builds[k] = b
		pl := b.p
		top = max(top, pl.Y.Max)
		t.plots[k/cols][k%cols] = pl
		t.broken[k/cols][k%cols] = b.broken
	}
	if p.SameY {
		// Legend placement may have raised a panel's top for head-room:
		// give every panel the same top again, and place the legends
		// anew on the common range.
		for k := range figs {
			pl := builds[k].p
			pl.Y.Max = top
			if figs[k].Legend == LegendAuto {
				placeLegend(pl, LegendAuto, cell, builds[k].legend, false)
			}
		}
	}
	return t, builds, cell, size, nil
}

// CaptionText returns the caption of the whole figure: Caption, then each
// panel's own Caption after its letter, then what the panels state about
// themselves (seeds, references, broken axes) — once when every panel
// states the same, else per panel.
func (p *Panels) CaptionText() string {
	text := p.Caption
	for k, f := range p.Figures {
		if f != nil && strings.TrimSpace(f.Caption) != "" {
			text = joinSentences(text, p.letter(k)+" "+strings.TrimSpace(f.Caption))
		}
	}
	cell := Size{Width: vg.Inch, Height: vg.Inch}
	figs, err := p.panelFigures(cell)
	if err != nil {
		return text
	}
	notes := make([][]string, len(figs))
	same := true
	for k := range figs {
		notes[k] = figs[k].notes(figs[k].analyse())
		same = same && slices.Equal(notes[k], notes[0])
	}
	for k, ns := range notes {
		if same && k > 0 {
			break
		}
		for _, n := range ns {
			if !same {
				n = p.letter(k) + " " + n
			}
			text = joinSentences(text, n)
		}
	}
	return text
}

// letter returns the letter of panel k, or its number without letters.
func (p *Panels) letter(k int) string {
	if p.NoLetters {
		return fmt.Sprintf("Panel %d:", k+1)
	}
	return Letter(k)
}

// tiles is the plotter of the container plot: it draws the panels on a
// grid with aligned data areas (plot.Align), each with its letter above
// its top-left corner and its break mark when its y axis is broken.
type tiles struct {
	plots   [][]*plot.Plot
	broken  [][]bool
	gap     vg.Length
	letterH vg.Length // height of the letter strip above each row (0: none)
}

func (t tiles) Plot(c draw.Canvas, _ *plot.Plot) {
	rows, cols := len(t.plots), len(t.plots[0])
	grid := draw.Tiles{Rows: rows, Cols: cols, PadX: t.gap, PadY: t.gap + t.letterH, PadTop: t.letterH}
	canvases := plot.Align(t.plots, grid, c)
	for r := range t.plots {
		for k, pl := range t.plots[r] {
			if pl == nil {
				continue
			}
			cc := canvases[r][k]
			pl.Draw(cc)
			if t.broken[r][k] {
				drawBreak(pl, cc)
			}
			if t.letterH > 0 {
				c.FillText(letterStyle(), vg.Point{X: cc.Min.X, Y: cc.Max.Y + vg.Points(1)}, Letter(r*cols+k))
			}
		}
	}
}

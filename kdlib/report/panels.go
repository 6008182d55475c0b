package report

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Panels is a multi-panel figure: several Figures drawn side by side on a
// grid, with aligned axes, such as the learning curves of one method
// comparison for several student sizes (one panel per size). It is a
// Drawable, so Save, Encode and Display handle it like a Figure.
//
//	fig := report.NewPanels(small, large)  // two *Figure, each with a Title
//	fig.SameY = true
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
	// values can be compared across panels.
	SameY bool
	// LegendAll draws a legend in every panel; by default only the first
	// panel has one (the panels usually share their series and styles).
	LegendAll bool
	// Gap is the horizontal and vertical space between panels (zero:
	// 10 pt).
	Gap vg.Length
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

// Plot builds the panels and returns a plot that draws them (Drawable).
// The figures are not modified.
func (p *Panels) Plot() (*plot.Plot, Size, error) {
	size := p.size()
	if len(p.Figures) == 0 {
		return nil, size, errors.New("report: panels: no figures")
	}
	rows, cols := p.grid()
	gap := p.Gap
	if gap <= 0 {
		gap = vg.Points(10)
	}
	cell := Size{
		Width:  (size.Width - vg.Length(cols-1)*gap) / vg.Length(cols),
		Height: (size.Height - vg.Length(rows-1)*gap) / vg.Length(rows),
	}
	if cell.Width <= 0 || cell.Height <= 0 {
		return nil, size, fmt.Errorf("report: panels: %d×%d panels do not fit in %v × %v", rows, cols, size.Width, size.Height)
	}
	figs := make([]Figure, len(p.Figures))
	for k, f := range p.Figures {
		if f == nil {
			return nil, size, fmt.Errorf("report: panels: figure %d is nil", k)
		}
		figs[k] = *f
		figs[k].Size = cell
		if k > 0 && !p.LegendAll {
			figs[k].Legend = LegendNone
		}
	}
	if p.SameY {
		lo, hi := math.Inf(1), math.Inf(-1)
		for k := range figs {
			flo, fhi := figs[k].dataYRange()
			lo, hi = min(lo, flo), max(hi, fhi)
		}
		if hi > lo {
			pad := 0.04 * (hi - lo)
			switch {
			case lo >= 0 && (lo-pad < 0 || lo < 0.15*(hi-lo)):
				lo = 0 // data that nearly reach zero: show the origin
			default:
				lo -= pad
			}
			for k := range figs {
				if !(figs[k].YMax > figs[k].YMin) {
					figs[k].YMin, figs[k].YMax = lo, hi+pad
				}
			}
		}
	}
	plots := make([][]*plot.Plot, rows)
	for r := range plots {
		plots[r] = make([]*plot.Plot, cols)
	}
	for k := range figs {
		pl, _, err := figs[k].Plot()
		if err != nil {
			return nil, size, fmt.Errorf("report: panel %d: %w", k, err)
		}
		if figs[k].Kind == Lines && !(figs[k].YMax > figs[k].YMin) {
			// Head-room, so markers at the extremes are not cut by the
			// narrow panels' frames (the origin stays on the axis).
			r := pl.Y.Max - pl.Y.Min
			pl.Y.Max += 0.04 * r
			if pl.Y.Min != 0 {
				pl.Y.Min -= 0.04 * r
			}
		}
		if figs[k].Legend == LegendNone {
			// Figure.Plot lists every series in the legend and only skips
			// placing it: drop the entries so nothing is drawn.
			pl.Legend = plot.NewLegend()
		}
		plots[k/cols][k%cols] = pl
	}
	if p.SameY {
		// Legend placement may have raised a panel's top for head-room:
		// give every panel the same top again.
		top := math.Inf(-1)
		for _, row := range plots {
			for _, pl := range row {
				if pl != nil {
					top = max(top, pl.Y.Max)
				}
			}
		}
		for _, row := range plots {
			for _, pl := range row {
				if pl != nil {
					pl.Y.Max = top
				}
			}
		}
	}
	container := plot.New()
	container.HideAxes()
	container.X.Padding, container.Y.Padding = 0, 0
	container.Add(tiles{plots: plots, gap: gap})
	return container, size, nil
}

// dataYRange returns the smallest and largest mean ∓ std of the figure's
// series (bars from zero).
func (f *Figure) dataYRange() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range f.Series {
		for _, t := range s.Stats() {
			lo, hi = min(lo, t.Mean-t.Std), max(hi, t.Mean+t.Std)
		}
	}
	if f.Kind == Bars {
		lo = min(lo, 0)
	}
	return lo, hi
}

// tiles is the plotter of the container plot: it draws the panels on a
// grid with aligned data areas (plot.Align).
type tiles struct {
	plots [][]*plot.Plot
	gap   vg.Length
}

func (t tiles) Plot(c draw.Canvas, _ *plot.Plot) {
	rows, cols := len(t.plots), len(t.plots[0])
	canvases := plot.Align(t.plots, draw.Tiles{Rows: rows, Cols: cols, PadX: t.gap, PadY: t.gap}, c)
	for r := range t.plots {
		for k, pl := range t.plots[r] {
			if pl != nil {
				pl.Draw(canvases[r][k])
			}
		}
	}
}

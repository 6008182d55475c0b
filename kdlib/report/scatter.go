package report

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Scatter is a figure of points in the plane that fall into categories — a
// 2-D embedding such as t-SNE's, coloured by cluster or by the expert that
// selected each point — on one or more panels laid out like Panels, with
// panel letters and one legend (in the first panel, in the corner that
// hides the fewest points). Each group has a colour and a marker shape of
// its own (Okabe–Ito's colours without black, then Tol's muted ones; the
// shapes cycle), so the groups can be told apart in greyscale too; with
// Rest, the last group is "everything else", drawn as small light-grey dots
// behind the others. The legend is in the first panel, or in each panel of
// Legends listing the groups that panel shows (panels whose points fall
// into different groups, such as a figure's rows). Embedding coordinates
// have no unit, so no tick labels are drawn unless Axes asks for them. It
// is a Drawable and Captioned.
type Scatter struct {
	// Panels are the point sets, filled row by row.
	Panels []ScatterPanel
	// Groups names the categories, in legend order; ScatterPanel.Group
	// indexes it.
	Groups []string
	// Rest draws the last group as the background rest (light grey).
	Rest bool
	// Legends lists the panels that carry a legend of the groups they show
	// (nil: the first panel, listing every group).
	Legends []int
	// Cols is the number of panels per row (0: all in one row).
	Cols int
	// Size is the printed size (zero: TwoColumn wide, 2.4 in per row).
	Size Size
	// Axes draws tick labels (coordinates that mean something).
	Axes bool
	// XLabel and YLabel name the axes ("t-SNE 1", "t-SNE 2"): the x axes
	// of the bottom row and the y axes of the first column carry them.
	XLabel, YLabel string
	// Caption is the figure's caption; CaptionText adds the panels'
	// titles after their letters and the number of points.
	Caption string
}

// ScatterPanel is one panel of a Scatter: the points (X[k], Y[k]), each in
// group Group[k].
type ScatterPanel struct {
	// Title is drawn above the panel.
	Title string
	// X, Y and Group have one entry per point.
	X, Y  []float64
	Group []int
}

// scatterShapes are the marker shapes of the groups, in order.
var scatterShapes = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{},
	draw.RingGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{}, draw.SquareGlyph{},
}

// scatterColor returns the colour of group k of n (the rest grey).
func (s *Scatter) scatterColor(k int) color.Color {
	if s.Rest && k == len(s.Groups)-1 {
		return Neutral[2]
	}
	cols := append(append([]color.RGBA{}, OkabeIto[1:]...), TolMuted...)
	return cols[k%len(cols)]
}

// check validates the panels and groups.
func (s *Scatter) check() error {
	if len(s.Panels) == 0 {
		return errors.New("report: scatter: no panels")
	}
	if len(s.Groups) == 0 {
		return errors.New("report: scatter: no groups")
	}
	for k, p := range s.Panels {
		if len(p.X) != len(p.Y) || len(p.X) != len(p.Group) {
			return fmt.Errorf("report: scatter: panel %d has %d x, %d y and %d groups", k, len(p.X), len(p.Y), len(p.Group))
		}
		for j, g := range p.Group {
			if g < 0 || g >= len(s.Groups) {
				return fmt.Errorf("report: scatter: panel %d, point %d: group %d of %d", k, j, g, len(s.Groups))
			}
			if math.IsNaN(p.X[j]) || math.IsNaN(p.Y[j]) || math.IsInf(p.X[j], 0) || math.IsInf(p.Y[j], 0) {
				return fmt.Errorf("report: scatter: panel %d, point %d is not finite", k, j)
			}
		}
	}
	return nil
}

// grid returns the number of rows and columns.
func (s *Scatter) grid() (rows, cols int) {
	cols = s.Cols
	if cols <= 0 || cols > len(s.Panels) {
		cols = len(s.Panels)
	}
	return (len(s.Panels) + cols - 1) / cols, cols
}

// Plot builds the figure (Drawable).
func (s *Scatter) Plot() (*plot.Plot, Size, error) {
	rows, cols := s.grid()
	size := s.Size
	if !(size.Width > 0 && size.Height > 0) {
		size = Size{Width: TwoColumn.Width, Height: vg.Length(rows) * 2.4 * vg.Inch}
	}
	if err := s.check(); err != nil {
		return nil, size, err
	}
	gap := vg.Points(10)
	letterH := letterStyle().Height(Letter(0)) + vg.Points(1)
	cell := Size{Width: (size.Width - vg.Length(cols-1)*gap) / vg.Length(cols),
		Height: (size.Height - vg.Length(rows-1)*gap - vg.Length(rows)*letterH) / vg.Length(rows)}
	t := tiles{gap: gap, letterH: letterH, plots: make([][]*plot.Plot, rows), broken: make([][]bool, rows)}
	for r := range t.plots {
		t.plots[r] = make([]*plot.Plot, cols)
		t.broken[r] = make([]bool, cols)
	}
	for k, panel := range s.Panels {
		p := plot.New()
		grid := styleAxes(p, LabelFont)
		grid.Vertical.Color, grid.Horizontal.Color = nil, nil
		p.Title.Text = panel.Title
		if k/cols == rows-1 || k+cols >= len(s.Panels) {
			p.X.Label.Text = s.XLabel
		}
		if k%cols == 0 {
			p.Y.Label.Text = s.YLabel
		}
		if !s.Axes {
			p.X.Tick.Marker, p.Y.Tick.Marker = plot.ConstantTicks(nil), plot.ConstantTicks(nil)
		}
		var all []vg.Point
		// The rest first, behind the groups; then the groups in order.
		order := make([]int, 0, len(s.Groups))
		if s.Rest {
			order = append(order, len(s.Groups)-1)
		}
		for g := range s.Groups {
			if !s.Rest || g != len(s.Groups)-1 {
				order = append(order, g)
			}
		}
		for _, g := range order {
			var xys plotter.XYs
			for j, pg := range panel.Group {
				if pg == g {
					xys = append(xys, plotter.XY{X: panel.X[j], Y: panel.Y[j]})
				}
			}
			sc, err := plotter.NewScatter(xys)
			if err != nil && len(xys) > 0 {
				return nil, size, err
			}
			if sc == nil {
				sc = &plotter.Scatter{}
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: s.scatterColor(g), Radius: vg.Points(1.6), Shape: scatterShapes[g%len(scatterShapes)]}
			if s.Rest && g == len(s.Groups)-1 {
				sc.GlyphStyle.Radius, sc.GlyphStyle.Shape = vg.Points(1), draw.CircleGlyph{}
			}
			if len(xys) > 0 {
				p.Add(sc)
			}
			if s.Legends == nil && k == 0 || slices.Contains(s.Legends, k) && len(xys) > 0 {
				p.Legend.Add(s.Groups[g], sc)
			}
			for _, xy := range xys {
				all = append(all, vg.Point{X: vg.Length(xy.X), Y: vg.Length(xy.Y)})
			}
		}
		if s.Legends == nil && k == 0 || slices.Contains(s.Legends, k) {
			placeLegend(p, LegendAuto, cell, legendData{pts: all}, false)
		}
		t.plots[k/cols][k%cols] = p
	}
	container := plot.New()
	container.HideAxes()
	container.X.Padding, container.Y.Padding = 0, 0
	container.Add(t)
	return container, size, nil
}

// CaptionText returns Caption, each panel's title after its letter, and
// the number of points per panel.
func (s *Scatter) CaptionText() string {
	text := s.Caption
	var titles []string
	for k, p := range s.Panels {
		if strings.TrimSpace(p.Title) != "" {
			titles = append(titles, Letter(k)+" "+strings.TrimSpace(p.Title))
		}
	}
	if len(titles) > 0 {
		text = joinSentences(text, strings.Join(titles, "; ")+".")
	}
	if len(s.Panels) > 0 {
		n, same := len(s.Panels[0].X), true
		for _, p := range s.Panels {
			same = same && len(p.X) == n
		}
		if same {
			text = joinSentences(text, fmt.Sprintf("%d points per panel.", n))
		}
	}
	return text
}

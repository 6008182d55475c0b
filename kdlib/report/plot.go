package report

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Format is a set of output formats; combine them with |.
type Format uint8

const (
	// PNG is a raster image at PNGDPI dots per inch.
	PNG Format = 1 << iota
	// SVG is a vector image with its fonts embedded, so it renders the same
	// everywhere.
	SVG
	// PDF is a vector document with its fonts embedded, for LaTeX papers.
	PDF

	// AllFormats is PNG|SVG|PDF.
	AllFormats = PNG | SVG | PDF
)

// Ext returns the file extension of a single format (".png", ".svg",
// ".pdf"), or "" for a combination or the empty set.
func (f Format) Ext() string {
	switch f {
	case PNG:
		return ".png"
	case SVG:
		return ".svg"
	case PDF:
		return ".pdf"
	}
	return ""
}

// String names the formats of the set, e.g. "png|svg".
func (f Format) String() string {
	var names []string
	for _, g := range []Format{PNG, SVG, PDF} {
		if f&g != 0 {
			names = append(names, g.Ext()[1:])
		}
	}
	if rest := f &^ AllFormats; rest != 0 {
		names = append(names, fmt.Sprintf("Format(%#x)", uint8(rest)))
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "|")
}

// Size is the printed size of a figure.
type Size struct {
	// Width and Height are lengths on paper (vg.Inch, vg.Centimeter, …).
	Width, Height vg.Length
}

var (
	// OneColumn fits one column of a two-column paper (ACM and IEEE
	// columns are about 3.33 in wide).
	OneColumn = Size{Width: 3.3 * vg.Inch, Height: 2.3 * vg.Inch}
	// TwoColumn spans both columns of a two-column paper (7 in).
	TwoColumn = Size{Width: 7 * vg.Inch, Height: 2.6 * vg.Inch}
)

// PNGDPI is the resolution of the PNG files written by Save and Encode
// (300 dpi: print quality).
var PNGDPI = 300

// Drawable is anything Save, Encode and Display can render: a *Figure, or a
// hand-built gonum plot wrapped by Raw.
type Drawable interface {
	// Plot builds the gonum plot and returns it with its printed size.
	Plot() (*plot.Plot, Size, error)
}

// Raw wraps a gonum plot built by hand so it can be saved and displayed
// like a Figure. A zero size means OneColumn.
func Raw(p *plot.Plot, size Size) Drawable { return raw{p, size} }

type raw struct {
	p    *plot.Plot
	size Size
}

func (r raw) Plot() (*plot.Plot, Size, error) {
	if r.p == nil {
		return nil, Size{}, errors.New("report: nil plot")
	}
	return r.p, orDefault(r.size), nil
}

func orDefault(s Size) Size {
	if s.Width <= 0 || s.Height <= 0 {
		return OneColumn
	}
	return s
}

// Encode renders d in one format (PNG at PNGDPI).
func Encode(d Drawable, f Format) ([]byte, error) {
	return encodeDPI(d, f, PNGDPI)
}

// encodeDPI renders d in format f, PNG at dpi dots per inch.
func encodeDPI(d Drawable, f Format, dpi int) ([]byte, error) {
	p, size, err := d.Plot()
	if err != nil {
		return nil, err
	}
	var canvas vg.CanvasWriterTo
	switch f {
	case PNG:
		c := vgimg.NewWith(vgimg.UseWH(size.Width, size.Height), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
		canvas = vgimg.PngCanvas{Canvas: c}
	case SVG:
		canvas = vgsvg.NewWith(vgsvg.UseWH(size.Width, size.Height), vgsvg.EmbedFonts(true))
	case PDF:
		c := vgpdf.New(size.Width, size.Height)
		c.EmbedFonts(true)
		canvas = c
	default:
		return nil, fmt.Errorf("report: encode: want exactly one of png, svg, pdf, got %v", f)
	}
	// A small margin on the right and at the top, where the last tick
	// labels and markers would otherwise touch the edge.
	m := vg.Points(3)
	p.Draw(draw.Crop(draw.New(canvas), 0, -m, 0, -m))
	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("report: encode %v: %w", f, err)
	}
	return buf.Bytes(), nil
}

// Save renders d once per format in formats and writes base+".png",
// base+".svg" and/or base+".pdf", creating the directory. Each file is
// written atomically (a temporary file in the same directory, then a
// rename), so a reader never sees a half-written figure. A known extension
// on base is dropped ("out/fig.png" and "out/fig" are the same base). It
// returns the paths written.
func Save(d Drawable, base string, formats Format) ([]string, error) {
	if formats&AllFormats == 0 || formats&^AllFormats != 0 {
		return nil, fmt.Errorf("report: save %s: bad formats %v", base, formats)
	}
	if ext := strings.ToLower(filepath.Ext(base)); ext == ".png" || ext == ".svg" || ext == ".pdf" {
		base = strings.TrimSuffix(base, filepath.Ext(base))
	}
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return nil, fmt.Errorf("report: save: %w", err)
	}
	var paths []string
	for _, f := range []Format{PNG, SVG, PDF} {
		if formats&f == 0 {
			continue
		}
		b, err := Encode(d, f)
		if err != nil {
			return paths, err
		}
		path := base + f.Ext()
		if err := writeAtomic(path, b); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// writeAtomic writes b to a temporary file next to path and renames it.
func writeAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("report: save %s: %w", path, err)
	}
	tmp := f.Name()
	_, werr := f.Write(b)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp, 0o644)
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("report: save %s: %w", path, werr)
	}
	return nil
}

// Kind selects how a Figure draws its series.
type Kind int

const (
	// Lines draws each series as a line with markers; several observations
	// at one x (seeds) become mean ± standard deviation, drawn as error bars
	// (or as a shaded band when a series has many points).
	Lines Kind = iota
	// Bars draws grouped bars: one group per distinct x (a category, such
	// as a student size), one bar per series, with error bars.
	Bars
)

// LegendPos places a Figure's legend inside the data area.
type LegendPos int

const (
	// LegendAuto picks the corner that hides the least data, adding
	// head-room above the data when every corner is taken.
	LegendAuto LegendPos = iota
	// LegendTopRight places the legend in the top-right corner.
	LegendTopRight
	// LegendTopLeft places the legend in the top-left corner.
	LegendTopLeft
	// LegendBottomRight places the legend in the bottom-right corner.
	LegendBottomRight
	// LegendBottomLeft places the legend in the bottom-left corner.
	LegendBottomLeft
	// LegendNone draws no legend.
	LegendNone
)

// Figure is a publication figure: named series of (x, y) observations,
// drawn with the method palette (StyleFor), sized for a paper column and
// rendered by Save, Encode or Display. The zero value is a one-column line
// figure; NewLearningCurve and NewSizeSweep fill in the usual labels.
type Figure struct {
	// Title is drawn above the plot; papers usually leave it empty and
	// caption the figure instead.
	Title string
	// XLabel and YLabel name the axes.
	XLabel, YLabel string
	// Kind selects lines or grouped bars.
	Kind Kind
	// Size is the printed size; zero means OneColumn.
	Size Size
	// FontSize is the size of axis labels (tick labels and the legend are
	// one point smaller); zero means 8 pt up to 4 in wide, 9 pt above.
	FontSize vg.Length
	// LogX puts the x axis of a line figure on a log scale, with ticks at
	// the data's x values (student sizes 10, 20, 50, …).
	LogX bool
	// YMin and YMax fix the y range when YMax > YMin; otherwise it is
	// fitted to the data (bars always start at zero).
	YMin, YMax float64
	// Legend places the legend.
	Legend LegendPos
	// Series holds the data, drawn and listed in the legend in order.
	Series []*Series
}

// NewLearningCurve returns a one-column line figure with x = epoch and
// y = metric: one series per method, mean ± std over seeds.
func NewLearningCurve(metric string) *Figure {
	return &Figure{XLabel: "epoch", YLabel: metric}
}

// NewSizeSweep returns a one-column figure of metric against model size
// (xlabel, e.g. "student dimension d"): grouped bars (kind Bars) or lines on
// a log x axis (kind Lines).
func NewSizeSweep(xlabel, metric string, kind Kind) *Figure {
	return &Figure{XLabel: xlabel, YLabel: metric, Kind: kind, LogX: kind == Lines}
}

// Get returns the series called name, adding an empty one at the end if
// there is none.
func (f *Figure) Get(name string) *Series {
	for _, s := range f.Series {
		if s.Name == name {
			return s
		}
	}
	s := &Series{Name: name}
	f.Series = append(f.Series, s)
	return s
}

// Add records one observation (x, y) of series name. Observations with the
// same x (one per seed) are summarised as mean ± std.
func (f *Figure) Add(name string, x, y float64) { f.Get(name).Add(x, y) }

// AddCurve records a curve of series name, e.g. the epochs and values
// returned by train.Result.TestCurve; call it once per seed.
func (f *Figure) AddCurve(name string, xs []int, ys []float64) error {
	return f.Get(name).AddCurve(xs, ys)
}

// Series is one named line (or set of bars) of a Figure. Its name selects
// its colour, marker and dashes (StyleFor) unless Style is set.
type Series struct {
	// Name is the legend label and the style key, e.g. "teacher",
	// "DE", "IR-RRD", "student d=20".
	Name string
	// Style, when not nil, overrides StyleFor(Name).
	Style *Style

	xs, ys []float64
}

// Add records one observation; NaN and infinite values are ignored.
func (s *Series) Add(x, y float64) {
	if math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(y) || math.IsInf(y, 0) {
		return
	}
	s.xs = append(s.xs, x)
	s.ys = append(s.ys, y)
}

// AddCurve records the points (xs[k], ys[k]); the slices must have the
// same length.
func (s *Series) AddCurve(xs []int, ys []float64) error {
	if len(xs) != len(ys) {
		return fmt.Errorf("report: series %q: %d x values, %d y values", s.Name, len(xs), len(ys))
	}
	for k := range xs {
		s.Add(float64(xs[k]), ys[k])
	}
	return nil
}

// Len returns the number of observations recorded.
func (s *Series) Len() int { return len(s.xs) }

// Stat summarises the observations of a series at one x.
type Stat struct {
	// X is the abscissa; N the number of observations (seeds) there.
	X float64
	N int
	// Mean and Std are their mean and sample standard deviation (0 when
	// N = 1).
	Mean, Std float64
}

// Stats returns one Stat per distinct x, sorted by x.
func (s *Series) Stats() []Stat {
	idx := make([]int, len(s.xs))
	for k := range idx {
		idx[k] = k
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case s.xs[a] < s.xs[b]:
			return -1
		case s.xs[a] > s.xs[b]:
			return 1
		}
		return 0
	})
	var out []Stat
	for lo := 0; lo < len(idx); {
		hi := lo
		for hi < len(idx) && s.xs[idx[hi]] == s.xs[idx[lo]] {
			hi++
		}
		st := Stat{X: s.xs[idx[lo]], N: hi - lo}
		for _, k := range idx[lo:hi] {
			st.Mean += s.ys[k]
		}
		st.Mean /= float64(st.N)
		if st.N > 1 {
			ss := 0.0
			for _, k := range idx[lo:hi] {
				d := s.ys[k] - st.Mean
				ss += d * d
			}
			st.Std = math.Sqrt(ss / float64(st.N-1))
		}
		out = append(out, st)
		lo = hi
	}
	return out
}

// maxErrorBars is the number of points above which a line's spread is
// drawn as a shaded band rather than error bars, and markers are thinned.
const maxErrorBars = 25

// Plot builds the gonum plot of the figure (Drawable).
func (f *Figure) Plot() (*plot.Plot, Size, error) {
	size := orDefault(f.Size)
	if len(f.Series) == 0 {
		return nil, size, errors.New("report: figure has no series")
	}
	fs := f.FontSize
	if fs <= 0 {
		fs = vg.Points(8)
		if size.Width > 4*vg.Inch {
			fs = vg.Points(9)
		}
	}
	p := plot.New()
	grid := styleAxes(p, fs)
	if f.Kind == Bars {
		grid.Vertical.Color = nil // categories need no vertical rules
	}
	p.Title.Text = f.Title
	p.X.Label.Text = f.XLabel
	p.Y.Label.Text = f.YLabel

	styles := f.styles()
	var pts [][]vg.Point // data points per series, for legend placement
	var err error
	switch f.Kind {
	case Lines:
		pts, err = f.addLines(p, styles)
	case Bars:
		pts, err = f.addBars(p, styles)
	default:
		err = fmt.Errorf("report: unknown figure kind %d", f.Kind)
	}
	if err != nil {
		return nil, size, err
	}
	if f.YMax > f.YMin {
		p.Y.Min, p.Y.Max = f.YMin, f.YMax
	} else if f.Kind == Lines && p.Y.Min > 0 && p.Y.Min < 0.15*(p.Y.Max-p.Y.Min) {
		p.Y.Min = 0 // data that nearly reach zero: show the origin
	}
	if f.Kind == Lines && !f.LogX {
		p.X.Tick.Marker = niceTicks{n: max(3, int(float64(size.Width/vg.Inch)/0.6))}
	}
	p.Y.Tick.Marker = niceTicks{n: max(3, int(float64(size.Height/vg.Inch)/0.4))}
	if f.Legend != LegendNone {
		placeLegend(p, f.Legend, size, pts)
	}
	return p, size, nil
}

// styleAxes applies the publication defaults: small serif text, thin
// axes, short ticks, tight padding, a light grid (returned).
func styleAxes(p *plot.Plot, fs vg.Length) *plotter.Grid {
	small := fs - vg.Points(1)
	p.Title.TextStyle.Font = font.From(plot.DefaultFont, fs+vg.Points(1))
	p.Title.Padding = vg.Points(3)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(plot.DefaultFont, fs)
		a.Label.Padding = vg.Points(2)
		a.Tick.Label.Font = font.From(plot.DefaultFont, small)
		a.Tick.Length = vg.Points(3)
		a.Tick.Width = vg.Points(0.5)
		a.Width = vg.Points(0.5)
		a.Padding = vg.Points(2)
	}
	p.Legend.TextStyle.Font = font.From(plot.DefaultFont, small)
	p.Legend.ThumbnailWidth = vg.Points(16)
	p.Legend.Padding = vg.Points(0.5)
	p.Legend.YPosition = draw.PosCenter
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 0xe4}
	grid.Vertical.Width = vg.Points(0.4)
	grid.Horizontal = grid.Vertical
	p.Add(grid)
	return grid
}

// styles returns the style of every series: the explicit Style, else the
// method palette; a palette style already taken by an earlier series of
// the figure (two "student …" lines) is replaced by a free fallback one.
func (f *Figure) styles() []Style {
	out := make([]Style, len(f.Series))
	used := map[color.RGBA]bool{}
	for k, s := range f.Series {
		if s.Style != nil {
			out[k] = *s.Style
			used[rgba(s.Style.Color)] = true
		}
	}
	glyph := 0
	for k, s := range f.Series {
		if s.Style != nil {
			continue
		}
		st, known := lookupStyle(s.Name)
		if !known || used[rgba(st.Color)] {
			st = fallbackStyle(s.Name, used, glyph)
			glyph++
		}
		used[rgba(st.Color)] = true
		out[k] = st
	}
	return out
}

func (f *Figure) addLines(p *plot.Plot, styles []Style) ([][]vg.Point, error) {
	var all [][]vg.Point
	var xticks []float64
	for k, s := range f.Series {
		st := styles[k]
		stats := s.Stats()
		if f.LogX {
			stats = slices.DeleteFunc(stats, func(t Stat) bool { return t.X <= 0 })
		}
		if len(stats) == 0 {
			continue
		}
		xys := make(plotter.XYs, len(stats))
		spread := false
		for i, t := range stats {
			xys[i] = plotter.XY{X: t.X, Y: t.Mean}
			spread = spread || t.Std > 0
			xticks = append(xticks, t.X)
		}
		if spread {
			if len(stats) > maxErrorBars {
				band, err := newBand(stats, st.Color)
				if err != nil {
					return nil, err
				}
				p.Add(band)
			} else {
				eb, err := plotter.NewYErrorBars(errXYs(stats))
				if err != nil {
					return nil, err
				}
				eb.LineStyle = draw.LineStyle{Color: st.Color, Width: vg.Points(0.6)}
				eb.CapWidth = vg.Points(3)
				p.Add(eb)
			}
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		line.LineStyle = draw.LineStyle{Color: st.Color, Width: vg.Points(1), Dashes: st.Dashes}
		marks := xys
		if len(xys) > maxErrorBars {
			// Thin the markers to about a dozen, staggered per series so
			// coinciding curves stay distinguishable.
			step := (len(xys) + 11) / 12
			marks = nil
			for i := (k * step / 3) % step; i < len(xys); i += step {
				marks = append(marks, xys[i])
			}
		}
		sc, err := plotter.NewScatter(marks)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: st.Color, Radius: vg.Points(1.8), Shape: st.Glyph}
		p.Add(line, sc)
		p.Legend.Add(s.Name, line, sc)
		all = append(all, seriesPoints(stats))
	}
	if len(all) == 0 {
		return nil, errors.New("report: figure has no data")
	}
	if f.LogX {
		p.X.Scale = plot.LogScale{}
		slices.Sort(xticks)
		xticks = slices.Compact(xticks)
		if len(xticks) <= 12 {
			var ticks plot.ConstantTicks
			for _, x := range xticks {
				ticks = append(ticks, plot.Tick{Value: x, Label: strconv.FormatFloat(x, 'g', 4, 64)})
			}
			p.X.Tick.Marker = ticks
		} else {
			p.X.Tick.Marker = plot.LogTicks{Prec: -1}
		}
		// Room for the end markers on a log axis.
		p.X.Min, p.X.Max = xticks[0]/1.15, xticks[len(xticks)-1]*1.15
	}
	return all, nil
}

func (f *Figure) addBars(p *plot.Plot, styles []Style) ([][]vg.Point, error) {
	var cats []float64
	stats := make([][]Stat, len(f.Series))
	for k, s := range f.Series {
		stats[k] = s.Stats()
		for _, t := range stats[k] {
			cats = append(cats, t.X)
		}
	}
	slices.Sort(cats)
	cats = slices.Compact(cats)
	if len(cats) == 0 {
		return nil, errors.New("report: figure has no data")
	}
	n := len(f.Series)
	const groupWidth = 0.8
	w := groupWidth / float64(n)
	var all [][]vg.Point
	for k, s := range f.Series {
		st := styles[k]
		var rects []barRect
		var errs errXYs
		for _, t := range stats[k] {
			c, _ := slices.BinarySearch(cats, t.X)
			x := float64(c) - groupWidth/2 + (float64(k)+0.5)*w
			rects = append(rects, barRect{x: x, w: w * 0.92, y: t.Mean})
			if t.Std > 0 {
				errs = append(errs, Stat{X: x, N: t.N, Mean: t.Mean, Std: t.Std})
			}
		}
		b := &bars{rects: rects, fill: st.Color, hatch: st.Dashes != nil}
		p.Add(b)
		if len(errs) > 0 {
			eb, err := plotter.NewYErrorBars(errs)
			if err != nil {
				return nil, err
			}
			eb.LineStyle = draw.LineStyle{Color: color.Black, Width: vg.Points(0.6)}
			eb.CapWidth = vg.Points(2.5)
			p.Add(eb)
		}
		p.Legend.Add(s.Name, b)
		var pts []vg.Point
		for _, r := range rects {
			for y := 0.0; y <= 1; y += 0.125 {
				pts = append(pts, vg.Point{X: vg.Length(r.x), Y: vg.Length(r.y * y)})
			}
		}
		all = append(all, pts)
	}
	var ticks plot.ConstantTicks
	for c, x := range cats {
		ticks = append(ticks, plot.Tick{Value: float64(c), Label: strconv.FormatFloat(x, 'g', 4, 64)})
	}
	p.X.Tick.Marker = ticks
	p.X.Tick.Length = 0
	p.X.Min, p.X.Max = -0.5, float64(len(cats))-0.5
	p.Y.Min = 0
	return all, nil
}

// errXYs adapts Stats to plotter.XYer and plotter.YErrorer.
type errXYs []Stat

func (e errXYs) Len() int                        { return len(e) }
func (e errXYs) XY(i int) (float64, float64)     { return e[i].X, e[i].Mean }
func (e errXYs) YError(i int) (float64, float64) { return e[i].Std, e[i].Std }

// newBand returns the shaded mean ± std region of a series.
func newBand(stats []Stat, c color.Color) (*plotter.Polygon, error) {
	ring := make(plotter.XYs, 0, 2*len(stats))
	for _, t := range stats {
		ring = append(ring, plotter.XY{X: t.X, Y: t.Mean + t.Std})
	}
	for i := len(stats) - 1; i >= 0; i-- {
		ring = append(ring, plotter.XY{X: stats[i].X, Y: stats[i].Mean - stats[i].Std})
	}
	poly, err := plotter.NewPolygon(ring)
	if err != nil {
		return nil, err
	}
	r := rgba(c)
	poly.Color = color.NRGBA{R: r.R, G: r.G, B: r.B, A: 0x40}
	poly.LineStyle.Width = 0
	return poly, nil
}

// seriesPoints samples a series' polyline and error extents in data
// coordinates, for legend placement.
func seriesPoints(stats []Stat) []vg.Point {
	var pts []vg.Point
	for i, t := range stats {
		pts = append(pts, vg.Point{X: vg.Length(t.X), Y: vg.Length(t.Mean + t.Std)}, vg.Point{X: vg.Length(t.X), Y: vg.Length(t.Mean - t.Std)})
		if i > 0 {
			a := stats[i-1]
			for s := 0.0; s < 1; s += 1.0 / 16 {
				pts = append(pts, vg.Point{X: vg.Length(a.X + s*(t.X-a.X)), Y: vg.Length(a.Mean + s*(t.Mean-a.Mean))})
			}
		}
	}
	return pts
}

// barRect is one bar in data coordinates: centre x, width w, height y.
type barRect struct{ x, w, y float64 }

// bars draws the bars of one series of a grouped bar chart in data
// coordinates (plot.Plotter, plot.DataRanger, plot.Thumbnailer).
type bars struct {
	rects []barRect
	fill  color.Color
	hatch bool
}

func (b *bars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for _, r := range b.rects {
		x0, x1 := trX(r.x-r.w/2), trX(r.x+r.w/2)
		y0, y1 := trY(0), trY(r.y)
		b.draw(&c, vg.Rectangle{Min: vg.Point{X: x0, Y: min(y0, y1)}, Max: vg.Point{X: x1, Y: max(y0, y1)}})
	}
}

func (b *bars) draw(c *draw.Canvas, r vg.Rectangle) {
	c.SetColor(b.fill)
	c.Fill(r.Path())
	if b.hatch {
		// Dashed series (teacher, student) get white diagonal hatching, so
		// reference bars read apart from method bars in greyscale too.
		c.Push()
		c.SetColor(color.White)
		c.SetLineWidth(vg.Points(0.6))
		step := vg.Points(3)
		for d := -r.Size().Y; d < r.Size().X; d += step {
			x0, y0 := r.Min.X+d, r.Min.Y
			x1, y1 := x0+r.Size().Y, r.Max.Y
			if x0 < r.Min.X {
				y0 += r.Min.X - x0
				x0 = r.Min.X
			}
			if x1 > r.Max.X {
				y1 -= x1 - r.Max.X
				x1 = r.Max.X
			}
			if y1 > y0 {
				var path vg.Path
				path.Move(vg.Point{X: x0, Y: y0})
				path.Line(vg.Point{X: x1, Y: y1})
				c.Stroke(path)
			}
		}
		c.Pop()
	}
	c.SetColor(color.Black)
	c.SetLineWidth(vg.Points(0.4))
	c.Stroke(r.Path())
}

func (b *bars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = math.Inf(1), math.Inf(-1), 0, 0
	for _, r := range b.rects {
		xmin, xmax = min(xmin, r.x-r.w/2), max(xmax, r.x+r.w/2)
		ymin, ymax = min(ymin, r.y), max(ymax, r.y)
	}
	return
}

func (b *bars) Thumbnail(c *draw.Canvas) {
	h := c.Max.Y - c.Min.Y
	r := vg.Rectangle{Min: vg.Point{X: c.Min.X + h*0.15, Y: c.Min.Y + h*0.1}, Max: vg.Point{X: c.Max.X - h*0.15, Y: c.Max.Y - h*0.1}}
	b.draw(c, r)
}

// placeLegend positions the legend: the requested corner, or for
// LegendAuto the corner covering the fewest data points (preferring top
// right, bottom right, top left, bottom left), with head-room added above
// the data when every corner covers some.
func placeLegend(p *plot.Plot, pos LegendPos, size Size, series [][]vg.Point) {
	inset := vg.Points(3)
	set := func(top, left bool) {
		p.Legend.Top, p.Legend.Left = top, left
		p.Legend.XOffs, p.Legend.YOffs = -inset, -inset
		if left {
			p.Legend.XOffs = inset
		}
		if !top {
			p.Legend.YOffs = inset
		}
	}
	switch pos {
	case LegendTopRight:
		set(true, false)
		return
	case LegendTopLeft:
		set(true, true)
		return
	case LegendBottomRight:
		set(false, false)
		return
	case LegendBottomLeft:
		set(false, true)
		return
	}
	// Fractions of the data area taken by the legend box (plus inset).
	area := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: size.Width, Y: size.Height}}}
	dc := p.DataCanvas(area)
	lr := p.Legend.Rectangle(area)
	dw, dh := float64(dc.Max.X-dc.Min.X), float64(dc.Max.Y-dc.Min.Y)
	if dw <= 0 || dh <= 0 {
		set(true, false)
		return
	}
	fw := (float64(lr.Max.X-lr.Min.X) + 2*float64(inset)) / dw
	fh := (float64(lr.Max.Y-lr.Min.Y) + 2*float64(inset)) / dh

	// Normalise the data points with the axes' own ranges and scales.
	xmin, xmax, ymin, ymax := p.X.Min, p.X.Max, p.Y.Min, p.Y.Max
	if !(xmax > xmin) || !(ymax > ymin) {
		set(true, false)
		return
	}
	var norm []vg.Point
	for _, pts := range series {
		for _, q := range pts {
			norm = append(norm, vg.Point{
				X: vg.Length(p.X.Scale.Normalize(xmin, xmax, float64(q.X))),
				Y: vg.Length(p.Y.Scale.Normalize(ymin, ymax, float64(q.Y))),
			})
		}
	}
	type corner struct{ top, left bool }
	count := func(c corner) int {
		n := 0
		for _, q := range norm {
			x, y := float64(q.X), float64(q.Y)
			inX := (c.left && x <= fw) || (!c.left && x >= 1-fw)
			inY := (c.top && y >= 1-fh) || (!c.top && y <= fh)
			if inX && inY {
				n++
			}
		}
		return n
	}
	best, bestN := corner{true, false}, -1
	for _, c := range []corner{{true, false}, {false, false}, {true, true}, {false, true}} {
		if n := count(c); bestN < 0 || n < bestN {
			best, bestN = c, n
		}
	}
	if bestN > 0 && fh < 0.7 && p.Y.Scale == (plot.LinearScale{}) {
		// Every corner hides data: raise the top of the y axis so the
		// data stay below the legend.
		p.Y.Max = ymin + (ymax-ymin)/(1-fh-0.02)
		best = corner{true, false}
	}
	set(best.top, best.left)
}

// niceTicks places about n major ticks at round values (1, 2 or 5 times a
// power of ten), labelled with just enough decimals, and minor ticks
// between them.
type niceTicks struct{ n int }

func (t niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return []plot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'g', 4, 64)}}
	}
	raw := (hi - lo) / float64(max(t.n, 2))
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	var step, minor float64
	switch f := raw / pow; {
	case f < 1.5:
		step, minor = pow, pow/5
	case f < 3:
		step, minor = 2*pow, pow/2
	case f < 7:
		step, minor = 5*pow, pow
	default:
		step, minor = 10*pow, 2*pow
	}
	prec := max(0, int(-math.Floor(math.Log10(step)+1e-9)))
	var ticks []plot.Tick
	eps := step * 1e-9
	for k := math.Ceil((lo - eps) / minor); ; k++ {
		v := k * minor
		if v > hi+eps {
			break
		}
		if r := v / step; math.Abs(r-math.Round(r)) < 1e-6 {
			v = math.Round(r) * step
			if math.Abs(v) < eps {
				v = 0
			}
			ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', prec, 64)})
		} else {
			ticks = append(ticks, plot.Tick{Value: v})
		}
	}
	return ticks
}

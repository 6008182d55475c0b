package report

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Kind selects how a Figure draws its series.
type Kind int

const (
	// Lines draws each series as a line with markers; several observations
	// at one x (seeds) become the mean with its uncertainty (Uncertainty),
	// drawn as error bars (or as a shaded band when a series has many
	// points).
	Lines Kind = iota
	// Bars draws grouped bars: one group per distinct x (a category, such
	// as a student size), one bar per series, with error bars.
	Bars
)

// LegendPos places a Figure's legend inside the data area.
type LegendPos int

const (
	// LegendAuto picks the corner that hides the least data (points of
	// the curves and their error bars, and reference lines, which cross
	// the whole plot), adding head-room above the data when every corner
	// is taken.
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

// Uncertainty selects what a Figure's error bars and bands show around
// the mean over seeds.
type Uncertainty int

const (
	// SD is ± one sample standard deviation of the seeds.
	SD Uncertainty = iota
	// CI95 is ± the half-width of the 95 % confidence interval of the mean
	// (Student's t with n−1 degrees of freedom).
	CI95
)

// String describes the interval as a caption does.
func (u Uncertainty) String() string {
	if u == CI95 {
		return "95 % confidence interval of the mean (Student's t)"
	}
	return "± 1 sd"
}

// Font sizes of the paper style (serif, as SciencePlots' IEEE style):
// tick labels and legends at a paper's caption size, axis labels, titles
// and panel letters at its body size (ACM's is 9 pt).
const (
	// LabelFont is the default size of axis labels, titles and panel
	// letters (Figure.FontSize overrides it for one figure).
	LabelFont = 9 * vg.Length(1) // points
	// SmallFont is the default size of tick labels and legends, one point
	// below the axis labels.
	SmallFont = LabelFont - 1
)

// Figure is a publication figure: named series of (x, y) observations,
// drawn with the method palette (StyleFor) and the method names of the
// style table (HumanName), sized for a paper column, captioned
// (CaptionText) and rendered by Save, Encode or Display. The zero value is
// a one-column line figure; NewLearningCurve and NewSizeSweep fill in the
// usual labels.
//
// The paper style: 8–9 pt serif text; the mean over seeds with ± 1 sd (or
// a 95 % CI) and the number of seeds stated in the caption, or per series
// in the legend when it differs; reference lines (AddReference, or a
// series with the same value at every x) drawn without markers across the
// plot; a y axis from zero unless YBreak or YMin ask otherwise, and then
// marked as broken and said so in the caption.
type Figure struct {
	// Title is drawn above the plot; papers leave it empty and caption
	// the figure instead (Caption).
	Title string
	// Caption is the figure's caption, saved beside it by Save.
	// CaptionText appends what the figure can state itself: the number of
	// seeds and what the error bars show, which lines are references,
	// where a broken y axis starts.
	Caption string
	// XLabel and YLabel name the axes.
	XLabel, YLabel string
	// Kind selects lines or grouped bars.
	Kind Kind
	// Categories names the categories of a bar figure whose x values are
	// 0, 1, …: x = k is labelled Categories[k] (a variant, a method).
	// Without them, or for an x outside them, a category is labelled by its
	// x value (a student size).
	Categories []string
	// Size is the printed size; zero means OneColumn.
	Size Size
	// FontSize is the size of axis labels (tick labels and the legend are
	// one point smaller); zero means LabelFont (9 pt, with SmallFont
	// ticks).
	FontSize vg.Length
	// LogX puts the x axis of a line figure on a log scale, with ticks at
	// the data's x values (student sizes 10, 20, 50, …).
	LogX bool
	// YMin and YMax fix the y range when YMax > YMin; otherwise a line
	// figure's y axis runs from zero (or from below the data with YBreak)
	// to the data, and bars always start at zero. A y axis that does not
	// include zero is drawn with a break mark and noted in the caption.
	YMin, YMax float64
	// YBreak lets the y axis of a line figure start just below the data
	// instead of at zero, to show differences that are small against the
	// values; the axis is then marked as broken.
	YBreak bool
	// Uncertainty selects what error bars and bands show (SD: ± 1 sd).
	Uncertainty Uncertainty
	// Legend places the legend.
	Legend LegendPos
	// Series holds the data, drawn and listed in the legend in order.
	Series []*Series
	// Events mark epochs (x values) where something happened to a run,
	// such as HetComp's switch to its second phase: each is a thin
	// dotted vertical line across a line figure with its label at the
	// top (the x axis reaches it), and CaptionText says what the lines
	// are. Bar figures and LogX figures ignore them, as they ignore an
	// event whose X is not finite or that has neither Label nor What.
	Events []Event
}

// Event is a vertical mark of a line figure (Figure.Events).
type Event struct {
	// X is where the line stands, in data coordinates.
	X float64
	// Label is drawn at the top of the line ("phase 2").
	Label string
	// What says in the caption what the line marks ("HetComp's switch
	// to phase 2 in seed 0 (epoch 120)"); the caption lists the events'
	// What in order.
	What string
}

// NewLearningCurve returns a one-column line figure with x = epoch and
// y = metric: one series per method, mean ± sd over seeds.
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
// same x (one per seed) are summarised as mean ± sd.
func (f *Figure) Add(name string, x, y float64) { f.Get(name).Add(x, y) }

// AddCurve records a curve of series name, e.g. the epochs and values
// returned by train.Result.TestCurve; call it once per seed.
func (f *Figure) AddCurve(name string, xs []int, ys []float64) error {
	return f.Get(name).AddCurve(xs, ys)
}

// AddReference records a constant reference of series name, such as the
// student without distillation in a figure over α: one value per seed,
// drawn as a horizontal line without markers across the plot (with a band
// for the spread of the seeds). It returns the series.
func (f *Figure) AddReference(name string, ys ...float64) *Series {
	s := f.Get(name)
	s.Reference = true
	for _, y := range ys {
		if !math.IsNaN(y) && !math.IsInf(y, 0) {
			s.level = append(s.level, y)
		}
	}
	return s
}

// Series is one named line (or set of bars) of a Figure. Its name selects
// its colour, marker and dashes (StyleFor) unless Style is set, and is
// shown in the legend as HumanName(Name).
type Series struct {
	// Name is the legend label and the style key, e.g. "teacher",
	// "DE", "IR-RRD", "student d=20".
	Name string
	// Style, when not nil, overrides StyleFor(Name).
	Style *Style
	// Reference draws the series as a reference: a line without markers
	// (a horizontal line across the plot for a constant, as AddReference
	// records). A line series with the same mean at three or more x is
	// drawn as a constant reference even when Reference is false. In a bar
	// figure a reference is a horizontal line, not a bar.
	Reference bool
	// Cutoff, when set, says that the series ends where an epoch cap
	// stopped its runs while their metric was still improving, so the
	// curve would have gone on rising: the figure draws an arrow (→) after
	// its last point and CaptionText names it (CheckStyle fails a figure
	// that hides it).
	Cutoff *Cutoff

	xs, ys []float64
	level  []float64 // AddReference's values, one per seed
}

// Cutoff describes a line series whose runs were stopped by their epoch
// cap while still improving (Series.Cutoff). The caller detects it from
// its records (exp's Record.RisingAtCap applies train.RisingAtCap) and
// says how in Rule.
type Cutoff struct {
	// Seeds is the number of the series' runs (seeds) cut off while
	// rising, All the number of its runs (0: not stated).
	Seeds, All int
	// At is the epoch cap (0: not stated).
	At int
	// Rule says how the cut-off was detected, for the caption, e.g. "no
	// early stop, and the best validation Recall@50 within the last 3
	// evaluations".
	Rule string
}

// CutoffPhrase is what a caption says of the series that end at their
// epoch cap while still rising (CaptionText writes it; CheckStyle looks
// for it).
const CutoffPhrase = "stopped by their epoch cap while still improving"

// Add records one observation; NaN and infinite values are ignored.
func (s *Series) Add(x, y float64) {
	if math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(y) || math.IsInf(y, 0) {
		return
	}
	s.xs = append(s.xs, x)
	s.ys = append(s.ys, y)
}

// AddCurve records the points (xs[k], ys[k]) of one run (one seed): the
// slices must have the same length and xs must increase strictly, since a
// run has one value per epoch — an x given twice (a final evaluation
// appended again) would be counted as a second seed.
func (s *Series) AddCurve(xs []int, ys []float64) error {
	if len(xs) != len(ys) {
		return fmt.Errorf("report: series %q: %d x values, %d y values", s.Name, len(xs), len(ys))
	}
	for k := 1; k < len(xs); k++ {
		if xs[k] <= xs[k-1] {
			return fmt.Errorf("report: series %q: a curve's x values must increase, got %d after %d (a point given twice?)", s.Name, xs[k], xs[k-1])
		}
	}
	for k := range xs {
		s.Add(float64(xs[k]), ys[k])
	}
	return nil
}

// Len returns the number of observations recorded (reference values
// included).
func (s *Series) Len() int { return len(s.xs) + len(s.level) }

// Stat summarises the observations of a series at one x.
type Stat struct {
	// X is the abscissa; N the number of observations (seeds) there.
	X float64
	N int
	// Mean and Std are their mean and sample standard deviation (0 when
	// N = 1).
	Mean, Std float64
}

// Spread returns the half-width of the interval u around the mean: the
// sd, or t(0.975, N−1)·sd/√N for CI95; 0 for a single observation.
func (t Stat) Spread(u Uncertainty) float64 {
	if t.N < 2 {
		return 0
	}
	if u == CI95 {
		q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(t.N - 1)}.Quantile(0.975)
		return q * t.Std / math.Sqrt(float64(t.N))
	}
	return t.Std
}

// Stats returns one Stat per distinct x, sorted by x (the values of
// AddReference are not included: see Level).
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
		ys := make([]float64, 0, hi-lo)
		for _, k := range idx[lo:hi] {
			ys = append(ys, s.ys[k])
		}
		st := summarise(ys)
		st.X = s.xs[idx[lo]]
		out = append(out, st)
		lo = hi
	}
	return out
}

// Level returns the summary of the values recorded by AddReference (X is
// 0), and false when there are none.
func (s *Series) Level() (Stat, bool) {
	if len(s.level) == 0 {
		return Stat{}, false
	}
	return summarise(s.level), true
}

// summarise returns the count, mean and sample sd of ys.
func summarise(ys []float64) Stat {
	st := Stat{N: len(ys)}
	for _, y := range ys {
		st.Mean += y
	}
	st.Mean /= float64(st.N)
	if st.N > 1 {
		ss := 0.0
		for _, y := range ys {
			d := y - st.Mean
			ss += d * d
		}
		st.Std = math.Sqrt(ss / float64(st.N-1))
	}
	return st
}

// markerRadius is the radius of the markers (4.4 pt across, as
// matplotlib's default marker at a paper figure's scale).
var markerRadius = vg.Points(2.2)

// maxErrorBars is the number of points above which a line's spread is
// drawn as a shaded band rather than error bars, and markers are thinned;
// in a figure that has such a line, every line is drawn so.
const maxErrorBars = 25

// seriesInfo is what a Figure draws for one series.
type seriesInfo struct {
	s     *Series
	style Style
	// label is the legend entry: the human name, with the number of seeds
	// when it differs between series.
	label string
	stats []Stat
	// level is a constant reference drawn across the plot (AddReference,
	// or a line series constant in x).
	level *Stat
	// ref: drawn without markers.
	ref bool
	// nMin and nMax bound the seeds per point; spread is set when some
	// point has more than one (uncertainty is drawn).
	nMin, nMax int
	spread     bool
	// band: the spread is a shaded band (else error bars).
	band bool
	// thin: the markers are thinned to about a dozen.
	thin bool
}

// analyse works out what the figure draws for each series, in order.
func (f *Figure) analyse() []seriesInfo {
	styles := f.styles()
	infos := make([]seriesInfo, 0, len(f.Series))
	for k, s := range f.Series {
		in := seriesInfo{s: s, style: styles[k], stats: s.Stats(), ref: s.Reference}
		if f.Kind == Lines && f.LogX {
			in.stats = slices.DeleteFunc(in.stats, func(t Stat) bool { return t.X <= 0 })
		}
		if lv, ok := s.Level(); ok {
			in.level = &lv
		} else if f.Kind == Lines && constant(in.stats) {
			lv := in.stats[0]
			lv.X = 0
			in.level, in.stats, in.ref = &lv, nil, true
		} else if f.Kind == Bars && s.Reference && len(in.stats) > 0 {
			// A reference in a bar figure is one level: the mean over its
			// observations.
			var ys []float64
			ys = append(ys, s.ys...)
			lv := summarise(ys)
			in.level, in.stats = &lv, nil
		}
		all := in.stats
		if in.level != nil {
			all = append(slices.Clone(all), *in.level)
		}
		for i, t := range all {
			if i == 0 || t.N < in.nMin {
				in.nMin = t.N
			}
			in.nMax = max(in.nMax, t.N)
			in.spread = in.spread || t.N > 1
		}
		in.band = in.level != nil || (f.Kind == Lines && len(in.stats) > maxErrorBars) || (in.ref && f.Kind == Lines)
		infos = append(infos, in)
	}
	// When one measured line of the figure is dense (more than maxErrorBars
	// points; a long reference curve does not count), every line draws its
	// spread as a band and thins its markers, so that the curves of one
	// panel look alike whatever their number of points (a run stopped early
	// has fewer evaluations than its neighbours).
	if f.Kind == Lines && slices.ContainsFunc(infos, func(in seriesInfo) bool { return !in.ref && len(in.stats) > maxErrorBars }) {
		for k := range infos {
			infos[k].band, infos[k].thin = true, true
		}
	}
	// The number of seeds goes into the legend when it differs.
	nset := map[[2]int]bool{}
	spread := false
	for _, in := range infos {
		if in.nMax > 0 {
			nset[[2]int{in.nMin, in.nMax}] = true
			spread = spread || in.spread
		}
	}
	perSeries := spread && len(nset) > 1
	for k := range infos {
		in := &infos[k]
		in.label = HumanName(in.s.Name)
		if perSeries && in.nMax > 0 {
			if in.nMin == in.nMax {
				in.label += fmt.Sprintf(" (n=%d)", in.nMin)
			} else {
				in.label += fmt.Sprintf(" (n=%d–%d)", in.nMin, in.nMax)
			}
		}
	}
	return infos
}

// constant reports whether a line series has the same mean and sd at
// three or more x: a reference value repeated at every x.
func constant(stats []Stat) bool {
	if len(stats) < 3 {
		return false
	}
	for _, t := range stats[1:] {
		if t.Mean != stats[0].Mean || t.Std != stats[0].Std || t.N != stats[0].N {
			return false
		}
	}
	return true
}

// CaptionText returns the figure's caption: Caption, followed by what the
// figure states about itself — the number of seeds behind each mean and
// what the error bars or bands show (or that there is one seed and no
// uncertainty), which lines are references, and where a broken y axis
// starts.
func (f *Figure) CaptionText() string {
	infos := f.analyse()
	text := f.Caption
	for _, n := range f.notes(infos) {
		text = joinSentences(text, n)
	}
	return text
}

// notes returns the sentences the figure adds to its caption.
func (f *Figure) notes(infos []seriesInfo) []string {
	var out []string
	if n := f.seedNote(infos); n != "" {
		out = append(out, n)
	}
	var refs []string
	allConst := true
	for _, in := range infos {
		if in.ref || in.level != nil {
			refs = append(refs, HumanName(in.s.Name))
			allConst = allConst && in.level != nil
		}
	}
	if n := cutoffNote(infos); n != "" {
		out = append(out, n)
	}
	if len(refs) > 0 {
		what := "Lines without markers are references"
		if f.Kind == Bars {
			what = "Horizontal lines are references"
		}
		if allConst {
			what += ", constant in x (not measured at each x)"
		}
		out = append(out, fmt.Sprintf("%s: %s.", what, strings.Join(refs, ", ")))
	}
	if evs := f.events(); len(evs) > 0 {
		var what []string
		for _, e := range evs {
			w := e.What
			if w == "" {
				w = fmt.Sprintf("%s at %s", e.Label, strconv.FormatFloat(e.X, 'g', 6, 64))
			}
			what = append(what, w)
		}
		out = append(out, fmt.Sprintf("Dotted vertical lines mark %s.", strings.Join(what, "; ")))
	}
	if lo, hi, ok := f.yRange(infos); ok && (lo > 0 || hi < 0) {
		at := lo
		if hi < 0 {
			at = hi
		}
		out = append(out, fmt.Sprintf("The y axis is broken: it %s at %s, not at 0.",
			map[bool]string{true: "starts", false: "ends"}[lo > 0], strconv.FormatFloat(at, 'g', 4, 64)))
	}
	return out
}

// cutoffNote names the series that end at their epoch cap while still
// rising (Series.Cutoff), with how many of their seeds, the cap and the
// rule that found them: "Curves ending in an arrow (→) stopped by their
// epoch cap while still improving (rule): Student (3 of 3 seeds, cap 100
// epochs)."
func cutoffNote(infos []seriesInfo) string {
	var rules []string
	byRule := map[string][]string{}
	for _, in := range infos {
		c := in.s.Cutoff
		if c == nil {
			continue
		}
		var parts []string
		if c.All > 0 {
			parts = append(parts, fmt.Sprintf("%d of %d seeds", c.Seeds, c.All))
		}
		if c.At > 0 {
			parts = append(parts, fmt.Sprintf("cap %d epochs", c.At))
		}
		item := HumanName(in.s.Name)
		if len(parts) > 0 {
			item += " (" + strings.Join(parts, ", ") + ")"
		}
		if _, ok := byRule[c.Rule]; !ok {
			rules = append(rules, c.Rule)
		}
		byRule[c.Rule] = append(byRule[c.Rule], item)
	}
	if len(rules) == 0 {
		return ""
	}
	var groups []string
	for _, r := range rules {
		g := strings.Join(byRule[r], ", ")
		if r != "" && len(rules) > 1 {
			g += " (" + r + ")"
		}
		groups = append(groups, g)
	}
	head := "Curves ending in an arrow (→) " + CutoffPhrase
	if len(rules) == 1 && rules[0] != "" {
		head += " (" + rules[0] + ")"
	}
	return head + ": " + strings.Join(groups, "; ") + "."
}

// seedNote states how many seeds each mean is over and what the spread
// shows.
func (f *Figure) seedNote(infos []seriesInfo) string {
	var nMin, nMax int
	spread, bars, bands := false, false, false
	first := true
	for _, in := range infos {
		if in.nMax == 0 {
			continue
		}
		if first || in.nMin < nMin {
			nMin = in.nMin
		}
		first = false
		nMax = max(nMax, in.nMax)
		if in.spread {
			spread = true
			if in.band || f.Kind == Bars && in.level != nil {
				bands = true
			} else {
				bars = true
			}
		}
	}
	if first {
		return ""
	}
	unit := "point"
	if f.Kind == Bars {
		unit = "bar"
	}
	if !spread {
		return fmt.Sprintf("One seed per %s: no uncertainty is shown.", unit)
	}
	var seeds string
	switch {
	case nMin == nMax:
		seeds = fmt.Sprintf("n = %d seeds", nMin)
	default:
		seeds = fmt.Sprintf("n = %d–%d seeds (n per series in the legend)", nMin, nMax)
	}
	var drawn string
	switch {
	case bars && bands:
		drawn = "error bars and shaded bands"
	case bands:
		drawn = "shaded bands"
	default:
		drawn = "error bars"
	}
	what := "Lines show"
	if f.Kind == Bars {
		what = "Bars show"
	}
	interval := "± 1 sd"
	if f.Uncertainty == CI95 {
		interval = "the " + CI95.String()
	}
	return fmt.Sprintf("%s the mean over %s; %s: %s.", what, seeds, drawn, interval)
}

// yRange returns the y axis range the figure draws: YMin and YMax when
// set, else the data's (mean ± spread) with 4 % head-room, from zero for
// bars and, unless YBreak, for lines. ok is false when there are no data.
func (f *Figure) yRange(infos []seriesInfo) (lo, hi float64, ok bool) {
	if f.YMax > f.YMin {
		return f.YMin, f.YMax, true
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, in := range infos {
		pts := in.stats
		if in.level != nil {
			pts = append(slices.Clone(pts), *in.level)
		}
		for _, t := range pts {
			e := t.Spread(f.Uncertainty)
			lo, hi = min(lo, t.Mean-e), max(hi, t.Mean+e)
		}
	}
	if lo > hi {
		return 0, 0, false
	}
	if f.Kind == Bars || !f.YBreak {
		lo, hi = min(lo, 0), max(hi, 0)
	} else if lo > 0 {
		// Start at a round value below the data.
		step := tickStep(hi-lo, 5)
		lo = math.Floor(lo/step) * step
	}
	if hi <= lo {
		hi = lo + 1
	}
	if hi > 0 {
		hi += 0.04 * (hi - lo) // head-room for the markers at the top
	}
	return lo, hi, true
}

// Plot builds the gonum plot of the figure (Drawable).
func (f *Figure) Plot() (*plot.Plot, Size, error) {
	b, err := f.build()
	if err != nil {
		return nil, b.size, err
	}
	if !b.broken {
		return b.p, b.size, nil
	}
	// The break mark is drawn on the y axis, whose position only the
	// drawing knows: a container plot draws the figure and then the mark.
	c := plot.New()
	c.HideAxes()
	c.X.Padding, c.Y.Padding = 0, 0
	c.Add(decorated{b.p})
	return c, b.size, nil
}

// built is a figure's gonum plot with what it drew.
type built struct {
	p      *plot.Plot
	size   Size
	infos  []seriesInfo
	broken bool // the y axis does not include zero: drawn with a break mark
	// markers reports, per series, whether markers were drawn, and cuts
	// whether the arrow of a Cutoff was.
	markers, cuts []bool
	// legend is what the legend must not cover.
	legend legendData
}

func (f *Figure) build() (built, error) {
	b := built{size: orDefault(f.Size)}
	if len(f.Series) == 0 {
		return b, errors.New("report: figure has no series")
	}
	fs := f.FontSize
	if fs <= 0 {
		fs = LabelFont
	}
	p := plot.New()
	grid := styleAxes(p, fs)
	if f.Kind == Bars {
		grid.Vertical.Color = nil // categories need no vertical rules
	}
	p.Title.Text = f.Title
	p.X.Label.Text = f.XLabel
	p.Y.Label.Text = f.YLabel

	b.infos = f.analyse()
	b.markers = make([]bool, len(b.infos))
	b.cuts = make([]bool, len(b.infos))
	var err error
	switch f.Kind {
	case Lines:
		err = f.addLines(p, &b)
	case Bars:
		err = f.addBars(p, &b)
	default:
		err = fmt.Errorf("report: unknown figure kind %d", f.Kind)
	}
	if err != nil {
		return b, err
	}
	lo, hi, _ := f.yRange(b.infos)
	p.Y.Min, p.Y.Max = lo, hi
	b.broken = lo > 0 || hi < 0
	if f.Kind == Lines && !f.LogX {
		p.X.Tick.Marker = niceTicks{n: max(3, int(float64(b.size.Width/vg.Inch)/0.6))}
	}
	p.Y.Tick.Marker = niceTicks{n: max(3, int(float64(b.size.Height/vg.Inch)/0.4))}
	if f.Legend != LegendNone {
		placeLegend(p, f.Legend, b.size, b.legend, true)
	} else {
		p.Legend = plot.NewLegend() // no entries: nothing drawn
	}
	b.p = p
	return b, nil
}

// styleAxes applies the paper style: serif text at fs (axis labels) and
// fs−1 (ticks, legend), thin axes, short ticks, tight padding, a light
// grid (returned).
func styleAxes(p *plot.Plot, fs vg.Length) *plotter.Grid {
	small := fs - vg.Points(1)
	p.Title.TextStyle.Font = font.From(plot.DefaultFont, fs)
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
	p.Legend.ThumbnailWidth = vg.Points(18)
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
	// Known methods first, so that a fallback colour never takes the
	// colour of a method drawn later in the figure.
	known := make([]bool, len(f.Series))
	for k, s := range f.Series {
		if s.Style != nil {
			continue
		}
		if st, ok := lookupStyle(s.Name); ok && !used[rgba(st.Color)] {
			out[k], known[k] = st, true
			used[rgba(st.Color)] = true
		}
	}
	glyph := 0
	for k, s := range f.Series {
		if s.Style != nil || known[k] {
			continue
		}
		st := fallbackStyle(s.Name, used, glyph)
		glyph++
		used[rgba(st.Color)] = true
		out[k] = st
	}
	return out
}

// xRange returns the smallest and largest x of the figure's line series.
func xRange(infos []seriesInfo) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, in := range infos {
		for _, t := range in.stats {
			lo, hi = min(lo, t.X), max(hi, t.X)
		}
	}
	return lo, hi, lo <= hi
}

func (f *Figure) addLines(p *plot.Plot, b *built) error {
	var xticks []float64
	xlo, xhi, haveX := xRange(b.infos)
	if !haveX {
		xlo, xhi = 0, 1
	}
	if haveX {
		for _, e := range f.events() {
			// Drawn first, under the data.
			p.Add(&eventLine{x: e.X, label: e.Label, font: f.eventFont()})
		}
	}
	for k := range b.infos {
		in := &b.infos[k]
		st := in.style
		if in.level != nil {
			r := &refLine{level: *in.level, half: in.level.Spread(f.Uncertainty), style: st}
			p.Add(r)
			p.Legend.Add(in.label, r)
			b.legend.levels = append(b.legend.levels, [2]float64{in.level.Mean - r.half, in.level.Mean + r.half})
		}
		if len(in.stats) == 0 {
			continue
		}
		xys := make(plotter.XYs, len(in.stats))
		for i, t := range in.stats {
			xys[i] = plotter.XY{X: t.X, Y: t.Mean}
			xticks = append(xticks, t.X)
		}
		if in.spread {
			if in.band {
				band, err := newBand(in.stats, f.Uncertainty, st.Color)
				if err != nil {
					return err
				}
				p.Add(band)
			} else {
				eb, err := plotter.NewYErrorBars(errBars(in.stats, f.Uncertainty))
				if err != nil {
					return err
				}
				eb.LineStyle = draw.LineStyle{Color: st.Color, Width: vg.Points(0.6)}
				eb.CapWidth = vg.Points(3)
				p.Add(eb)
			}
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return err
		}
		line.LineStyle = draw.LineStyle{Color: st.Color, Width: vg.Points(1), Dashes: st.Dashes}
		if in.ref {
			// A reference curve: no markers, as nothing was measured
			// for this figure at its points.
			p.Add(line)
			if in.level == nil {
				p.Legend.Add(in.label, line)
			}
			b.legend.pts = append(b.legend.pts, seriesPoints(in.stats, f.Uncertainty)...)
			continue
		}
		marks := xys
		if in.thin {
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
			return err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: st.Color, Radius: markerRadius, Shape: st.Glyph}
		p.Add(line, sc)
		b.markers[k] = true
		if in.s.Cutoff != nil {
			last := in.stats[len(in.stats)-1]
			p.Add(&cutArrow{x: last.X, y: last.Mean, color: st.Color})
			b.cuts[k] = true
		}
		if in.level == nil {
			p.Legend.Add(in.label, line, sc)
		}
		b.legend.pts = append(b.legend.pts, seriesPoints(in.stats, f.Uncertainty)...)
	}
	if len(b.legend.pts) == 0 && len(b.legend.levels) == 0 {
		return errors.New("report: figure has no data")
	}
	if !haveX {
		p.X.Min, p.X.Max = xlo, xhi
	}
	if f.LogX && len(xticks) > 0 {
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
	return nil
}

func (f *Figure) addBars(p *plot.Plot, b *built) error {
	var cats []float64
	var barSeries []int
	for k, in := range b.infos {
		if in.level != nil {
			continue
		}
		barSeries = append(barSeries, k)
		for _, t := range in.stats {
			cats = append(cats, t.X)
		}
	}
	slices.Sort(cats)
	cats = slices.Compact(cats)
	if len(cats) == 0 {
		return errors.New("report: figure has no data")
	}
	n := len(barSeries)
	const groupWidth = 0.8
	w := groupWidth / float64(max(n, 1))
	for j, k := range barSeries {
		in := &b.infos[k]
		st := in.style
		var rects []barRect
		var errs []Stat
		for _, t := range in.stats {
			c, _ := slices.BinarySearch(cats, t.X)
			x := float64(c) - groupWidth/2 + (float64(j)+0.5)*w
			rects = append(rects, barRect{x: x, w: w * 0.92, y: t.Mean})
			if t.Std > 0 {
				errs = append(errs, Stat{X: x, N: t.N, Mean: t.Mean, Std: t.Std})
			}
		}
		bs := &bars{rects: rects, fill: st.Color, hatch: st.Dashes != nil}
		p.Add(bs)
		if len(errs) > 0 {
			eb, err := plotter.NewYErrorBars(errBars(errs, f.Uncertainty))
			if err != nil {
				return err
			}
			eb.LineStyle = draw.LineStyle{Color: color.Black, Width: vg.Points(0.6)}
			eb.CapWidth = vg.Points(2.5)
			p.Add(eb)
		}
		p.Legend.Add(in.label, bs)
		for _, r := range rects {
			for y := 0.0; y <= 1; y += 0.125 {
				b.legend.pts = append(b.legend.pts, vg.Point{X: vg.Length(r.x), Y: vg.Length(r.y * y)})
			}
		}
	}
	for _, in := range b.infos {
		if in.level == nil {
			continue
		}
		r := &refLine{level: *in.level, half: in.level.Spread(f.Uncertainty), style: in.style}
		p.Add(r)
		p.Legend.Add(in.label, r)
		b.legend.levels = append(b.legend.levels, [2]float64{in.level.Mean - r.half, in.level.Mean + r.half})
	}
	var ticks plot.ConstantTicks
	for c, x := range cats {
		label := strconv.FormatFloat(x, 'g', 4, 64)
		if k := int(x); float64(k) == x && k >= 0 && k < len(f.Categories) {
			label = f.Categories[k]
		}
		ticks = append(ticks, plot.Tick{Value: float64(c), Label: label})
	}
	p.X.Tick.Marker = ticks
	p.X.Tick.Length = 0
	p.X.Min, p.X.Max = -0.5, float64(len(cats))-0.5
	return nil
}

// errBars returns the error bars of stats (plotter.XYer and
// plotter.YErrorer) with half-widths for u.
func errBars(stats []Stat, u Uncertainty) errXYs {
	out := make(errXYs, len(stats))
	for i, t := range stats {
		out[i] = errXY{x: t.X, y: t.Mean, e: t.Spread(u)}
	}
	return out
}

type errXY struct{ x, y, e float64 }

// errXYs adapts error bars to plotter.XYer and plotter.YErrorer.
type errXYs []errXY

func (e errXYs) Len() int                        { return len(e) }
func (e errXYs) XY(i int) (float64, float64)     { return e[i].x, e[i].y }
func (e errXYs) YError(i int) (float64, float64) { return e[i].e, e[i].e }

// newBand returns the shaded mean ± spread region of a series.
func newBand(stats []Stat, u Uncertainty, c color.Color) (*plotter.Polygon, error) {
	ring := make(plotter.XYs, 0, 2*len(stats))
	for _, t := range stats {
		ring = append(ring, plotter.XY{X: t.X, Y: t.Mean + t.Spread(u)})
	}
	for i := len(stats) - 1; i >= 0; i-- {
		ring = append(ring, plotter.XY{X: stats[i].X, Y: stats[i].Mean - stats[i].Spread(u)})
	}
	poly, err := plotter.NewPolygon(ring)
	if err != nil {
		return nil, err
	}
	poly.Color = tint(c)
	poly.LineStyle.Width = 0
	return poly, nil
}

// tint returns c at a quarter opacity, for bands.
func tint(c color.Color) color.Color {
	r := rgba(c)
	return color.NRGBA{R: r.R, G: r.G, B: r.B, A: 0x40}
}

// seriesPoints samples a series' polyline and error extents in data
// coordinates, for legend placement.
func seriesPoints(stats []Stat, u Uncertainty) []vg.Point {
	var pts []vg.Point
	for i, t := range stats {
		e := t.Spread(u)
		pts = append(pts, vg.Point{X: vg.Length(t.X), Y: vg.Length(t.Mean + e)}, vg.Point{X: vg.Length(t.X), Y: vg.Length(t.Mean - e)})
		if i > 0 {
			a := stats[i-1]
			for s := 0.0; s < 1; s += 1.0 / 16 {
				pts = append(pts, vg.Point{X: vg.Length(a.X + s*(t.X-a.X)), Y: vg.Length(a.Mean + s*(t.Mean-a.Mean))})
			}
		}
	}
	return pts
}

// events returns the events the figure draws (Figure.Events): none for
// bars or a log x axis, and only those with a finite X and a Label or
// What.
func (f *Figure) events() []Event {
	if f.Kind != Lines || f.LogX {
		return nil
	}
	var out []Event
	for _, e := range f.Events {
		if !math.IsNaN(e.X) && !math.IsInf(e.X, 0) && (e.Label != "" || e.What != "") {
			out = append(out, e)
		}
	}
	return out
}

// eventFont is the size of the events' labels: that of the tick labels,
// a point below the axis labels.
func (f *Figure) eventFont() vg.Length {
	fs := f.FontSize
	if fs <= 0 {
		fs = LabelFont
	}
	return fs - 1
}

// eventLine is an Event drawn as a thin dotted grey vertical line across
// the data area with its label at the top (plot.Plotter,
// plot.DataRanger: the x axis includes it).
type eventLine struct {
	x     float64
	label string
	font  vg.Length
}

func (e *eventLine) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x := trX(e.x)
	ls := draw.LineStyle{Color: color.Gray{Y: 0x70}, Width: vg.Points(0.6), Dashes: []vg.Length{vg.Points(1), vg.Points(1.5)}}
	c.StrokeLine2(ls, x, c.Min.Y, x, c.Max.Y)
	if e.label == "" {
		return
	}
	sty := draw.TextStyle{Color: color.Gray{Y: 0x40}, Font: p.X.Label.TextStyle.Font, XAlign: draw.XLeft, YAlign: draw.YTop, Handler: p.X.Label.TextStyle.Handler}
	sty.Font.Size = e.font
	c.FillText(sty, vg.Point{X: x + vg.Points(1.5), Y: c.Max.Y - vg.Points(1)}, e.label)
}

// DataRange covers the line's x; its y is the other series'.
func (e *eventLine) DataRange() (xmin, xmax, ymin, ymax float64) {
	return e.x, e.x, math.Inf(1), math.Inf(-1)
}

// refLine draws a constant reference across the whole data area: a line
// in the series' colour and dashes, without markers, over a light band of
// ± half (plot.Plotter, plot.DataRanger, plot.Thumbnailer).
type refLine struct {
	level Stat
	half  float64
	style Style
}

func (r *refLine) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	if r.half > 0 {
		lo, hi := trY(r.level.Mean-r.half), trY(r.level.Mean+r.half)
		c.SetColor(tint(r.style.Color))
		c.Fill(vg.Rectangle{Min: vg.Point{X: c.Min.X, Y: lo}, Max: vg.Point{X: c.Max.X, Y: hi}}.Path())
	}
	y := trY(r.level.Mean)
	c.StrokeLine2(r.lineStyle(), c.Min.X, y, c.Max.X, y)
}

func (r *refLine) lineStyle() draw.LineStyle {
	return draw.LineStyle{Color: r.style.Color, Width: vg.Points(1), Dashes: r.style.Dashes}
}

// DataRange covers the level and its band; the infinite x range leaves the
// x axis to the other series.
func (r *refLine) DataRange() (xmin, xmax, ymin, ymax float64) {
	return math.Inf(1), math.Inf(-1), r.level.Mean - r.half, r.level.Mean + r.half
}

func (r *refLine) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(r.lineStyle(), c.Min.X, y, c.Max.X, y)
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

// decorated draws a figure's plot and then the break mark on its y axis
// (plot.Plotter of a container plot).
type decorated struct{ p *plot.Plot }

func (d decorated) Plot(c draw.Canvas, _ *plot.Plot) {
	d.p.Draw(c)
	drawBreak(d.p, c)
}

// drawBreak draws the mark of a broken axis — a gap with two slanted
// strokes — across the y axis of p, near its lower end, where p was drawn
// on c. The axis position is worked out as gonum's vertical axis draws it.
func drawBreak(p *plot.Plot, c draw.Canvas) {
	a := p.Y
	x := c.Min.X
	if a.Label.Text != "" {
		x += a.Label.TextStyle.Height(a.Label.Text) + a.Label.TextStyle.FontExtents().Descent + a.Label.Padding
	}
	marks := a.Tick.Marker.Ticks(a.Min, a.Max)
	var w vg.Length
	for _, t := range marks {
		if !t.IsMinor() {
			r := a.Tick.Label.Rectangle(t.Label)
			w = max(w, r.Max.X-r.Min.X)
		}
	}
	if len(marks) > 0 && w > 0 {
		x += w + a.Tick.Label.Width(" ")
	}
	if a.Tick.Width > 0 && a.Tick.Length > 0 && len(marks) > 0 {
		x += a.Tick.Length
	}
	dc := p.DataCanvas(c)
	y := dc.Min.Y + vg.Points(7)
	dx, dy, gap := vg.Points(3), vg.Points(1.6), vg.Points(1.6)
	// The gap hides the axis line between the strokes.
	var g vg.Path
	g.Move(vg.Point{X: x - dx, Y: y - gap/2 - dy})
	g.Line(vg.Point{X: x + dx, Y: y - gap/2 + dy})
	g.Line(vg.Point{X: x + dx, Y: y + gap/2 + dy})
	g.Line(vg.Point{X: x - dx, Y: y + gap/2 - dy})
	g.Close()
	c.SetColor(color.White)
	c.Fill(g)
	ls := draw.LineStyle{Color: color.Black, Width: a.LineStyle.Width}
	for _, off := range []vg.Length{-gap / 2, gap / 2} {
		c.StrokeLine2(ls, x-dx, y+off-dy, x+dx, y+off+dy)
	}
}

// legendData is what a legend must not cover, in data coordinates: the
// points of the series (their lines sampled, and the ends of their error
// bars) and the levels drawn across the whole plot (a reference line and
// its band, lo to hi).
type legendData struct {
	pts    []vg.Point
	levels [][2]float64
}

// levelWeight is how many data points a reference line counts for under a
// legend: it crosses the whole plot, so a corner that hides part of it
// hides as much as a sampled curve (seriesPoints samples 16 per segment).
const levelWeight = 17

// legendFrac returns the share of the data area's width and height that
// the legend box takes (with its inset), and false when the plot has no
// data area or axis range yet.
func legendFrac(p *plot.Plot, size Size) (fw, fh float64, ok bool) {
	area := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: size.Width, Y: size.Height}}}
	dc := p.DataCanvas(area)
	lr := p.Legend.Rectangle(area)
	dw, dh := float64(dc.Max.X-dc.Min.X), float64(dc.Max.Y-dc.Min.Y)
	if dw <= 0 || dh <= 0 || !(p.X.Max > p.X.Min) || !(p.Y.Max > p.Y.Min) {
		return 0, 0, false
	}
	inset := float64(legendInset)
	return (float64(lr.Max.X-lr.Min.X) + 2*inset) / dw, (float64(lr.Max.Y-lr.Min.Y) + 2*inset) / dh, true
}

// legendInset is the gap between the legend and the data area's edges.
var legendInset = vg.Points(3)

// legendCover counts what a legend in the corner (top, left) would cover
// in p, whose legend box takes the shares fw and fh of the data area:
// the data points under it, and levelWeight per reference level whose
// band crosses its height.
func legendCover(p *plot.Plot, data legendData, top, left bool, fw, fh float64) int {
	n := 0
	inY := func(y float64) bool { return (top && y >= 1-fh) || (!top && y <= fh) }
	for _, q := range data.pts {
		x := p.X.Scale.Normalize(p.X.Min, p.X.Max, float64(q.X))
		y := p.Y.Scale.Normalize(p.Y.Min, p.Y.Max, float64(q.Y))
		inX := (left && x <= fw) || (!left && x >= 1-fw)
		if inX && inY(y) {
			n++
		}
	}
	for _, l := range data.levels {
		lo := p.Y.Scale.Normalize(p.Y.Min, p.Y.Max, l[0])
		hi := p.Y.Scale.Normalize(p.Y.Min, p.Y.Max, l[1])
		if (top && hi >= 1-fh) || (!top && lo <= fh) {
			n += levelWeight
		}
	}
	return n
}

// legendOverlap returns what the legend of p, where it was placed, covers
// of data (legendCover; 0 without a legend).
func legendOverlap(p *plot.Plot, size Size, data legendData) int {
	fw, fh, ok := legendFrac(p, size)
	if !ok {
		return 0
	}
	return legendCover(p, data, p.Legend.Top, p.Legend.Left, fw, fh)
}

// placeLegend positions the legend: the requested corner, or for
// LegendAuto the corner covering the least data (legendCover: the data
// points under the box, and the reference lines that cross the whole plot
// under it; ties go to top right, bottom right, top left, bottom left).
// When every corner covers some and raise is set, head-room is added above
// the data (a linear y axis, a legend under 70 % of the height), so that
// the legend sits above everything.
func placeLegend(p *plot.Plot, pos LegendPos, size Size, data legendData, raise bool) {
	set := func(top, left bool) {
		p.Legend.Top, p.Legend.Left = top, left
		p.Legend.XOffs, p.Legend.YOffs = -legendInset, -legendInset
		if left {
			p.Legend.XOffs = legendInset
		}
		if !top {
			p.Legend.YOffs = legendInset
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
	fw, fh, ok := legendFrac(p, size)
	if !ok {
		set(true, false)
		return
	}
	type corner struct{ top, left bool }
	best, bestN := corner{true, false}, -1
	for _, c := range []corner{{true, false}, {false, false}, {true, true}, {false, true}} {
		if n := legendCover(p, data, c.top, c.left, fw, fh); bestN < 0 || n < bestN {
			best, bestN = c, n
		}
	}
	if bestN > 0 && raise && fh < 0.7 && p.Y.Scale == (plot.LinearScale{}) {
		// Every corner hides data: raise the top of the y axis so the
		// data stay below the legend.
		p.Y.Max = p.Y.Min + (p.Y.Max-p.Y.Min)/(1-fh-0.02)
		best = corner{true, false}
	}
	set(best.top, best.left)
}

// cutArrow is the arrow (→) drawn after the last point of a series that
// ended at its epoch cap while still rising (Series.Cutoff): a short
// horizontal stroke with a filled head, in the series' colour, starting
// just right of the point's marker (plot.Plotter, plot.GlyphBoxer, so
// the x axis leaves room for it).
type cutArrow struct {
	x, y  float64
	color color.Color
}

// Sizes of the cut-off arrow: the gap after the marker, the stroke and the
// head's length and half-height.
var (
	cutGap   = markerRadius + vg.Points(1.2)
	cutShaft = vg.Points(5)
	cutHead  = vg.Points(3)
	cutHalf  = vg.Points(1.8)
)

func (a *cutArrow) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	x0, y := trX(a.x)+cutGap, trY(a.y)
	x1 := x0 + cutShaft
	c.StrokeLine2(draw.LineStyle{Color: a.color, Width: vg.Points(1)}, x0, y, x1, y)
	var head vg.Path
	head.Move(vg.Point{X: x1, Y: y + cutHalf})
	head.Line(vg.Point{X: x1 + cutHead, Y: y})
	head.Line(vg.Point{X: x1, Y: y - cutHalf})
	head.Close()
	c.SetColor(a.color)
	c.Fill(head)
}

// GlyphBoxes gives the arrow's extent, so that the plot's padding keeps it
// inside the data area.
func (a *cutArrow) GlyphBoxes(p *plot.Plot) []plot.GlyphBox {
	return []plot.GlyphBox{{
		X: p.X.Norm(a.x), Y: p.Y.Norm(a.y),
		Rectangle: vg.Rectangle{Min: vg.Point{X: 0, Y: -cutHalf}, Max: vg.Point{X: cutGap + cutShaft + cutHead, Y: cutHalf}},
	}}
}

// tickStep returns a round step (1, 2 or 5 times a power of ten) that
// divides span into about n intervals.
func tickStep(span float64, n int) float64 {
	raw := span / float64(max(n, 2))
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	switch f := raw / pow; {
	case f < 1.5:
		return pow
	case f < 3:
		return 2 * pow
	case f < 7:
		return 5 * pow
	}
	return 10 * pow
}

// niceTicks places about n major ticks at round values (1, 2 or 5 times a
// power of ten), labelled with just enough decimals, and minor ticks
// between them.
type niceTicks struct{ n int }

func (t niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return []plot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'g', 4, 64)}}
	}
	step := tickStep(hi-lo, t.n)
	minor := step / 5
	if r := step / math.Pow(10, math.Floor(math.Log10(step)+1e-9)); math.Abs(r-2) < 1e-9 {
		minor = step / 4
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

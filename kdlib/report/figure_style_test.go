package report

// The figure rules of the paper style that a program can check: reference
// lines carry no markers; the number of seeds is written whenever
// uncertainty is drawn; sizes match the column widths; fonts are 8–9 pt;
// y axes start at zero or are marked as broken; a caption file is written
// beside the figure; panels are lettered.

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// refFigure has a measured method, a constant reference recorded by
// AddReference, a constant series recorded at every x (as the notebooks
// draw baselines) and an explicit reference curve.
func refFigure(kind Kind) *Figure {
	f := &Figure{Kind: kind, XLabel: "α", YLabel: "Recall@50"}
	for seed := range 3 {
		for _, a := range []float64{0.1, 0.5, 1, 2} {
			f.Add("RRD", a, 0.2+0.01*a+0.002*float64(seed))
			f.Add("hint", a, 0.18)
		}
	}
	f.AddReference("student", 0.15, 0.16, 0.155)
	if kind == Lines {
		tc := f.Get("teacher")
		tc.Reference = true
		for seed := range 3 {
			for _, a := range []float64{0.1, 0.5, 1, 2} {
				tc.Add(a, 0.3+0.001*a+0.001*float64(seed))
			}
		}
	}
	return f
}

func TestReferenceLinesHaveNoMarkers(t *testing.T) {
	for _, kind := range []Kind{Lines, Bars} {
		b, err := refFigure(kind).build()
		if err != nil {
			t.Fatal(err)
		}
		for k, in := range b.infos {
			// In a bar figure only the explicit reference is one: a
			// series with the same value in every category is bars.
			isRef := in.s.Name != "RRD" && !(kind == Bars && in.s.Name == "hint")
			if isRef && b.markers[k] {
				t.Errorf("kind %d: reference %s drawn with markers", kind, in.s.Name)
			}
			if !isRef && kind == Lines && !b.markers[k] {
				t.Errorf("measured series %s drawn without markers", in.s.Name)
			}
			if isRef && !(in.ref || in.level != nil) {
				t.Errorf("kind %d: %s not drawn as a reference", kind, in.s.Name)
			}
		}
		if c := refFigure(kind).CaptionText(); !strings.Contains(c, "references") || !strings.Contains(c, "student") {
			t.Errorf("kind %d: caption does not name the references: %q", kind, c)
		}
	}
	// Two x values are not enough to call a series constant.
	f := &Figure{}
	f.Add("DE", 1, 0.2)
	f.Add("DE", 2, 0.2)
	if b, err := f.build(); err != nil || !b.markers[0] {
		t.Errorf("a two-point series was taken for a reference (%v)", err)
	}
}

var seedsRE = regexp.MustCompile(`n ?= ?(\d+)`)

// seedsStated reports whether the caption or every legend label states a
// number of seeds.
func seedsStated(caption string, labels []string) bool {
	if seedsRE.MatchString(caption) {
		return true
	}
	for _, l := range labels {
		if !seedsRE.MatchString(l) {
			return false
		}
	}
	return len(labels) > 0
}

func TestSeedsWrittenWhenUncertaintyDrawn(t *testing.T) {
	figs := demoFigures()
	figs["references"] = refFigure(Lines)
	mixed := NewLearningCurve("HR@10")
	for seed := range 3 {
		for e := 0; e <= 10; e++ {
			if seed < 2 || e < 6 { // early stopping: seed 2 stopped at epoch 5
				mixed.Add("DE", float64(e), 0.1*float64(e)+0.01*float64(seed))
			}
			if seed == 0 {
				mixed.Add("PHR", float64(e), 0.09*float64(e))
			}
		}
	}
	figs["mixed"] = mixed
	ci := refFigure(Lines)
	ci.Uncertainty = CI95
	figs["ci"] = ci
	for name, f := range figs {
		b, err := f.build()
		if err != nil {
			t.Fatal(err)
		}
		spread := false
		var labels []string
		for _, in := range b.infos {
			spread = spread || in.spread
			labels = append(labels, in.label)
		}
		caption := f.CaptionText()
		if spread && !seedsStated(caption, labels) {
			t.Errorf("%s: uncertainty drawn, but no number of seeds in the caption %q or the legend %q", name, caption, labels)
		}
		if !spread && !strings.Contains(caption, "One seed") {
			t.Errorf("%s: one seed, but the caption %q does not say so", name, caption)
		}
		if spread && !strings.Contains(caption, f.Uncertainty.String()) {
			t.Errorf("%s: the caption %q does not say what the error bars show", name, caption)
		}
	}
	// Differing seeds are written per series.
	b, _ := mixed.build()
	if b.infos[0].label != "DE (n=2–3)" || b.infos[1].label != "PHR (n=1)" {
		t.Errorf("mixed seeds: legend %q, %q", b.infos[0].label, b.infos[1].label)
	}
	// Panels state the seeds of their panels.
	if c := demoPanels().CaptionText(); !seedsRE.MatchString(c) {
		t.Errorf("panels caption %q: no number of seeds", c)
	}
	// CI95 is wider than the sd for few seeds.
	st := Stat{N: 3, Mean: 1, Std: 0.1}
	if ci := st.Spread(CI95); math.Abs(ci-4.302653*0.1/math.Sqrt(3)) > 1e-4 {
		t.Errorf("95%% CI half-width %v", ci)
	}
}

// TestDenseLinesDrawnAlike checks that in a figure where one line has more
// points than error bars can show (a long run) every line draws its
// spread as a band and thins its markers, so that a run stopped early
// looks like its neighbours; a figure of short lines keeps error bars.
func TestDenseLinesDrawnAlike(t *testing.T) {
	mk := func(long int) *Figure {
		f := NewLearningCurve("Recall@50")
		for seed := range 3 {
			for e := 0; e <= long; e++ {
				f.Add("RRD", float64(10*e), 0.1+0.001*float64(e)+0.01*float64(seed))
			}
			for e := 0; e <= 17; e++ {
				f.Add("HetComp", float64(10*e), 0.12+0.001*float64(e)+0.01*float64(seed))
			}
		}
		return f
	}
	b, err := mk(42).build()
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range b.infos {
		if !in.band || !in.thin {
			t.Errorf("dense figure: %s band %v thin %v, want both", in.s.Name, in.band, in.thin)
		}
	}
	if c := mk(42).CaptionText(); !strings.Contains(c, "; shaded bands: ") {
		t.Errorf("dense figure caption %q: want shaded bands alone", c)
	}
	b, err = mk(20).build()
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range b.infos {
		if in.band || in.thin {
			t.Errorf("short lines: %s band %v thin %v, want error bars and every marker", in.s.Name, in.band, in.thin)
		}
	}
	if c := mk(20).CaptionText(); !strings.Contains(c, "; error bars: ") {
		t.Errorf("short lines caption %q: want error bars", c)
	}
	// A long reference curve does not make the measured lines dense.
	f := mk(20)
	ref := f.Get("teacher")
	ref.Reference = true
	for e := 0; e <= 60; e++ {
		ref.Add(float64(10*e), 0.3+0.0001*float64(e))
	}
	b, err = f.build()
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range b.infos {
		if !in.ref && (in.band || in.thin) {
			t.Errorf("long reference: %s band %v thin %v, want error bars and every marker", in.s.Name, in.band, in.thin)
		}
	}
}

func TestSizesMatchColumnWidths(t *testing.T) {
	if OneColumn.Width != 3.33*vg.Inch || TwoColumn.Width != 7*vg.Inch {
		t.Fatalf("OneColumn %v, TwoColumn %v wide", OneColumn.Width, TwoColumn.Width)
	}
	for _, size := range []Size{OneColumn, TwoColumn} {
		f := refFigure(Lines)
		f.Size = size
		for _, d := range []Drawable{f, &Panels{Figures: []*Figure{f, f}, Size: size}} {
			b, err := Encode(d, PNG)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			want := int(math.Round(float64(size.Width/vg.Inch) * float64(PNGDPI)))
			if w := img.Bounds().Dx(); w != want {
				t.Errorf("%T %v in: PNG %d px wide, want %d", d, size.Width/vg.Inch, w, want)
			}
			b, err = Encode(d, PDF)
			if err != nil {
				t.Fatal(err)
			}
			m := regexp.MustCompile(`/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]`).FindSubmatch(b)
			if m == nil {
				t.Fatal("PDF without a MediaBox")
			}
			if w, _ := strconv.ParseFloat(string(m[1]), 64); math.Abs(w-float64(size.Width)) > 0.01 {
				t.Errorf("%T: PDF %.2f pt wide, want %.2f", d, w, float64(size.Width))
			}
			if !bytes.Contains(b, []byte("/FontFile")) {
				t.Errorf("%T: PDF fonts not embedded", d)
			}
		}
	}
	if s := NewPanels(NewLearningCurve("x")).size(); s.Width != TextWidth {
		t.Errorf("panels default to %v wide, want %v", s.Width, TextWidth)
	}
}

func TestFontsAtPaperSize(t *testing.T) {
	for name, f := range demoFigures() {
		b, err := f.build()
		if err != nil {
			t.Fatal(err)
		}
		p := b.p
		for what, size := range map[string]vg.Length{
			"x label": p.X.Label.TextStyle.Font.Size, "y label": p.Y.Label.TextStyle.Font.Size,
			"x ticks": p.X.Tick.Label.Font.Size, "y ticks": p.Y.Tick.Label.Font.Size,
			"legend": p.Legend.TextStyle.Font.Size, "title": p.Title.TextStyle.Font.Size,
		} {
			if size < 8 || size > 9 {
				t.Errorf("%s: %s at %v pt, want 8–9 pt", name, what, size)
			}
		}
	}
	if s := letterStyle().Font.Size; s < 8 || s > 9 {
		t.Errorf("panel letters at %v pt", s)
	}
}

func TestAxesFromZeroOrBroken(t *testing.T) {
	f := refFigure(Lines) // data between 0.15 and 0.32
	b, err := f.build()
	if err != nil {
		t.Fatal(err)
	}
	if b.p.Y.Min != 0 || b.broken {
		t.Errorf("y axis from %v (broken %v), want from 0", b.p.Y.Min, b.broken)
	}
	if strings.Contains(f.CaptionText(), "broken") {
		t.Error("unbroken axis said to be broken")
	}
	g := refFigure(Lines)
	g.YBreak = true
	b, err = g.build()
	if err != nil {
		t.Fatal(err)
	}
	if b.p.Y.Min <= 0 || !b.broken || !strings.Contains(g.CaptionText(), "broken") {
		t.Errorf("YBreak: y from %v, broken %v, caption %q", b.p.Y.Min, b.broken, g.CaptionText())
	}
	if _, err := Encode(g, SVG); err != nil {
		t.Fatal(err)
	}
	h := refFigure(Lines)
	h.YMin, h.YMax = 0.1, 0.4
	if b, _ := h.build(); !b.broken || !strings.Contains(h.CaptionText(), "starts at 0.1") {
		t.Errorf("YMin above zero not marked as broken: %q", h.CaptionText())
	}
	// Panels with one y range: from zero unless every panel breaks.
	p := NewPanels(refFigure(Lines), refFigure(Lines))
	p.SameY = true
	figs, err := p.panelFigures(OneColumn)
	if err != nil || figs[0].YMin != 0 || figs[1].YMin != 0 {
		t.Errorf("same-y panels from %v, %v (%v)", figs[0].YMin, figs[1].YMin, err)
	}
	if figs[1].YLabel != "" {
		t.Error("the shared y label is repeated on the second panel")
	}
}

func TestCaptionFileWritten(t *testing.T) {
	dir := t.TempDir()
	f := refFigure(Lines)
	f.Caption = "Recall@50 of RRD over its weight α"
	paths, err := Save(f, filepath.Join(dir, "fig.pdf"), PDF)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "fig.pdf"), filepath.Join(dir, "fig"+CaptionExt)}
	if !reflect.DeepEqual(paths, want) {
		t.Fatalf("wrote %v, want %v", paths, want)
	}
	b, err := os.ReadFile(want[1])
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); got != f.CaptionText()+"\n" || !strings.HasPrefix(got, f.Caption+". Lines show the mean over n = 3 seeds") {
		t.Errorf("caption file %q", got)
	}
	// WithCaption captions a hand-made plot; a plain Raw plot has none.
	raw, _, _ := f.Plot()
	paths, err = Save(WithCaption(Raw(raw, OneColumn), "A hand-made plot."), filepath.Join(dir, "raw"), PNG)
	if err != nil || len(paths) != 2 {
		t.Fatalf("WithCaption: %v %v", paths, err)
	}
	if paths, _ := Save(Raw(raw, OneColumn), filepath.Join(dir, "bare"), PNG); len(paths) != 1 {
		t.Errorf("uncaptioned plot wrote %v", paths)
	}
	// Panels: the figure's caption, then each panel's after its letter.
	p := NewPanels(refFigure(Lines), refFigure(Lines))
	p.Caption = "RRD on two data sets."
	p.Figures[0].Caption = "CiteULike"
	p.Figures[1].Caption = "Foursquare"
	c := p.CaptionText()
	if !strings.HasPrefix(c, "RRD on two data sets. (a) CiteULike. (b) Foursquare. Lines show") {
		t.Errorf("panels caption %q", c)
	}
}

func TestLetters(t *testing.T) {
	for k, want := range map[int]string{0: "(a)", 1: "(b)", 25: "(z)", 26: "(aa)"} {
		if got := Letter(k); got != want {
			t.Errorf("Letter(%d) = %q, want %q", k, got, want)
		}
	}
}

// TestStyleCard draws the style table: one panel per group, one line per
// entry named on the y axis (methods in the registry's listing order,
// model kinds by name), the references drawn as references.
// KDREC_PLOT_DEMO=dir keeps it (docs/figures/style-card is made so).
func TestStyleCard(t *testing.T) {
	dir := os.Getenv("KDREC_PLOT_DEMO")
	if dir == "" {
		dir = t.TempDir()
	}
	size := Size{Width: TextWidth, Height: 2.4 * vg.Inch}
	row := make([]*plot.Plot, 0, 3)
	for _, g := range []string{GroupLatent, GroupRanking, GroupModel} {
		f := &Figure{Title: map[string]string{GroupLatent: "latent KD", GroupRanking: "ranking KD, HetComp", GroupModel: "model kinds"}[g],
			Legend: LegendNone, YMin: 0.4, YMax: 0.6, Size: Size{Width: size.Width / 3, Height: size.Height}}
		members := groupMembers(g)
		var ticks plot.ConstantTicks
		for k, m := range members {
			y := float64(len(members) - k)
			ticks = append(ticks, plot.Tick{Value: y, Label: m.Name})
			if m.in(GroupReference) {
				f.AddReference(m.Key, y)
				continue
			}
			for x := 0; x <= 4; x++ {
				f.Add(m.Key, float64(x), y+0.1*float64(x%2))
			}
		}
		f.YMin, f.YMax = 0.4, float64(len(members))+0.6
		b, err := f.build()
		if err != nil {
			t.Fatal(err)
		}
		b.p.Y.Tick.Marker = ticks
		b.p.X.Tick.Marker = plot.ConstantTicks{}
		b.p.X.Min, b.p.X.Max = -0.3, 4.3
		row = append(row, b.p)
	}
	card := plot.New()
	card.HideAxes()
	card.X.Padding, card.Y.Padding = 0, 0
	card.Add(tiles{plots: [][]*plot.Plot{row}, broken: [][]bool{{false, false, false}}, gap: vg.Points(10)})
	d := WithCaption(Raw(card, size), "The figure style of kdlib/report (report.MethodStyles(), as each method's and model kind's registration declares it): the colour, marker and dash pattern of every distillation method, model kind and reference, the same in every figure; references (teacher, student) are drawn without markers.")
	if issues := CheckStyle(d); len(issues) > 0 {
		t.Errorf("the style card breaks the style: %v", issues)
	}
	paths, err := Save(d, filepath.Join(dir, "style-card"), PNG|PDF)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range paths[:2] {
		checkImageFile(t, path)
	}
	if issues := CheckSaved(filepath.Join(dir, "style-card")); len(issues) > 0 {
		t.Errorf("the saved style card: %v", issues)
	}
}

// TestBarCategories: a bar figure with Categories labels its x values 0,
// 1, … by their names (variants of an ablation), and any other x by its
// value.
func TestBarCategories(t *testing.T) {
	f := &Figure{Kind: Bars, XLabel: "variant", YLabel: "test Recall@50", Caption: "An ablation.",
		Categories: []string{"HetComp", "w/o DKC", "w/o AKT"}}
	for seed := range 2 {
		for x := range 4 {
			f.Add("Recall@50", float64(x), 0.2+0.01*float64(x+seed))
		}
	}
	b, err := f.build()
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, tk := range b.p.X.Tick.Marker.Ticks(b.p.X.Min, b.p.X.Max) {
		labels = append(labels, tk.Label)
	}
	if want := []string{"HetComp", "w/o DKC", "w/o AKT", "3"}; !slices.Equal(labels, want) {
		t.Errorf("category labels %q, want %q", labels, want)
	}
}

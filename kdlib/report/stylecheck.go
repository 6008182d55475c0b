package report

// The rules of the paper style that a program can check, as a function:
// CheckStyle inspects what a figure draws (each series' style, markers,
// legend labels, font sizes, axis range, printed size and caption), and
// CheckSaved inspects the files Save wrote. The notebooks run CheckStyle on
// every figure they save (nbkit.SaveFigure fails on a finding), and their
// tests run CheckSaved on every figure file of the repository, so a rule
// broken by a notebook's own code (a method drawn in another colour, a
// spec path as a legend label, a figure at a width no paper column has)
// fails a test rather than a reviewer.

import (
	"bytes"
	"fmt"
	"image/png"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot/vg"
)

// Rules of a StyleIssue.
const (
	RuleSize      = "size"      // printed width is not a paper column (3.33 in) or the text width (7 in)
	RuleFont      = "font"      // text outside 8–9 pt
	RulePalette   = "palette"   // a method drawn in another colour or dash pattern than its entry of MethodStyles (CheckPalette: the declared styles break the palette)
	RuleReference = "reference" // a reference line drawn with markers
	RuleSeeds     = "seeds"     // uncertainty drawn without the number of seeds, or one seed not said
	RuleLegend    = "legend"    // a legend label written as code (a spec path such as student.dim=10)
	RuleTitle     = "title"     // a one-panel figure titled instead of captioned
	RuleAxis      = "axis"      // a y axis that neither starts at zero nor is marked (and captioned) as broken
	RuleLetters   = "letters"   // panels without their letters (a), (b), …
	RuleCaption   = "caption"   // no caption
	RuleCutoff    = "cutoff"    // a curve cut off by its epoch cap while rising, not marked or not said
	RuleFile      = "file"      // a saved file that is missing, unreadable or without its fonts
)

// StyleIssue is one rule of the paper style (docs/figures.md) that a
// figure breaks.
type StyleIssue struct {
	// Rule is one of the Rule… constants.
	Rule string
	// Msg says what breaks the rule, naming the series or panel.
	Msg string
}

// String formats the issue as "rule: message".
func (i StyleIssue) String() string { return i.Rule + ": " + i.Msg }

// specPath matches a legend label that carries a spec path with its value
// ("student.dim=10", "kd[0].options.experts=5"): code, not a name.
var specPath = regexp.MustCompile(`[A-Za-z_]\w*(\[\d+\])?\.[\w.\[\]]+=`)

// statesSeeds matches a caption or legend that states a number of seeds.
var statesSeeds = regexp.MustCompile(`\bn ?= ?\d+`)

// CheckStyle returns the rules of the paper style that d breaks, checked
// on what it draws:
//
//   - size: the printed width is ColumnWidth or TextWidth, the height
//     between 1.2 and 9 in;
//   - font: axis labels, tick labels, legends, titles and event labels at 8–9 pt;
//   - palette: a series named after a method, model kind or role
//     (LookupMethod) is drawn in its row's colour and dash pattern, unless
//     an earlier series of the same panel holds that colour, or the panel
//     draws several series of that method (its variants, "DE (λ=0.1)",
//     "DE (λ=0.01)", which an ordered scale tells apart);
//   - reference: reference lines (AddReference, Series.Reference, a line
//     constant in x) carry no markers;
//   - seeds: when uncertainty is drawn the caption or every legend label
//     states the number of seeds (n = …), and a figure of single runs
//     says "One seed";
//   - legend: no legend label is a spec path with a value;
//   - title: a one-panel figure has no Title (its caption says it; panels
//     keep theirs as panel titles);
//   - axis: a y axis that does not start at zero is drawn broken and the
//     caption says where it starts;
//   - letters: a figure of several panels letters them;
//   - caption: the figure has a caption;
//   - cutoff: a series that ends at its epoch cap while still rising
//     (Series.Cutoff) is drawn as a line with the arrow after its last
//     point, and the caption says so (CutoffPhrase) and names it.
//
// A hand-made plot (Raw) is checked for its size and caption only. d is
// built but not drawn; CheckStyle does not modify it.
func CheckStyle(d Drawable) []StyleIssue {
	var out []StyleIssue
	add := func(rule, format string, args ...any) {
		out = append(out, StyleIssue{Rule: rule, Msg: fmt.Sprintf(format, args...)})
	}
	caption := ""
	if c, ok := d.(Captioned); ok {
		caption = c.CaptionText()
	}
	if strings.TrimSpace(caption) == "" {
		add(RuleCaption, "the figure has no caption (Figure.Caption, Panels.Caption or WithCaption)")
	}
	inner := unwrap(d)
	_, size, err := inner.Plot()
	if err != nil {
		add(RuleFile, "the figure cannot be built: %v", err)
		return out
	}
	checkSize(size, add)
	switch f := inner.(type) {
	case *Figure:
		if strings.TrimSpace(f.Title) != "" {
			add(RuleTitle, "the figure is titled %q: a paper figure leaves Title empty and says it in its caption", f.Title)
		}
		checkFigure(f, "", caption, add)
	case *Panels:
		if len(f.Figures) > 1 && f.NoLetters {
			add(RuleLetters, "%d panels without their letters (Panels.NoLetters)", len(f.Figures))
		}
		rows, cols := f.grid()
		cell := Size{Width: size.Width / vg.Length(cols), Height: size.Height / vg.Length(rows)}
		figs, err := f.panelFigures(cell)
		if err != nil {
			add(RuleFile, "%v", err)
			return out
		}
		for k := range figs {
			checkFigure(&figs[k], "panel "+Letter(k)+": ", caption, add)
		}
	}
	return out
}

// unwrap returns the figure inside the notice and caption wrappers.
func unwrap(d Drawable) Drawable {
	for {
		switch w := d.(type) {
		case noticed:
			d = w.d
		case captioned:
			d = w.Drawable
		default:
			return d
		}
	}
}

// checkSize checks a printed size against the paper's widths.
func checkSize(size Size, add func(rule, format string, args ...any)) {
	w := float64(size.Width)
	if math.Abs(w-float64(ColumnWidth)) > 0.01 && math.Abs(w-float64(TextWidth)) > 0.01 {
		add(RuleSize, "%.2f in wide: a paper figure is one column (%.2f in, report.OneColumn) or the text width (%.0f in, report.TwoColumn)",
			w/float64(vg.Inch), float64(ColumnWidth/vg.Inch), float64(TextWidth/vg.Inch))
	}
	if h := size.Height / vg.Inch; h < 1.2 || h > 9 {
		add(RuleSize, "%.2f in high: want 1.2 to 9 in", float64(h))
	}
}

// checkFigure checks one figure (or one panel, named by where) against the
// rules of CheckStyle; caption is the caption of the whole drawable.
func checkFigure(f *Figure, where, caption string, add func(rule, format string, args ...any)) {
	b, err := f.build()
	if err != nil {
		add(RuleFile, "%sthe figure cannot be built: %v", where, err)
		return
	}
	checkBuilt(f, b, where, caption, add)
}

// checkBuilt checks what a figure built: its fonts, series, legend, seeds
// and axis.
func checkBuilt(f *Figure, b built, where, caption string, add func(rule, format string, args ...any)) {
	p := b.p
	fonts := map[string]vg.Length{
		"x label": p.X.Label.TextStyle.Font.Size, "y label": p.Y.Label.TextStyle.Font.Size,
		"x tick labels": p.X.Tick.Label.Font.Size, "y tick labels": p.Y.Tick.Label.Font.Size,
		"title": p.Title.TextStyle.Font.Size,
	}
	if f.Legend != LegendNone { // a figure without a legend keeps gonum's unused default
		fonts["legend"] = p.Legend.TextStyle.Font.Size
	}
	for _, e := range f.events() {
		if e.Label != "" {
			fonts["event labels"] = f.eventFont()
		}
	}
	for what, size := range fonts {
		if size < 8 || size > 9 {
			add(RuleFont, "%s%s at %.3g pt, want 8–9 pt (Figure.FontSize %.3g)", where, what, float64(size), float64(f.FontSize))
		}
	}
	taken := map[string]bool{}
	// Several series of one method (DE at several λ) are its variants: they
	// cannot all take its colour, and an ordered scale (Ramp) is theirs.
	perMethod := map[string]int{}
	for _, in := range b.infos {
		if m := lookupMethod(in.s.Name); m != nil {
			perMethod[m.Key]++
		}
	}
	spread, data := false, false
	var labels []string
	for k, in := range b.infos {
		name := in.s.Name
		if m := lookupMethod(name); m != nil && perMethod[m.Key] > 1 {
			// a variant among several: any style
		} else if want, ok := lookupStyle(name); ok {
			got := in.style
			sameColour := rgba(got.Color) == rgba(want.Color)
			if !sameColour && !taken[colourKey(want)] {
				m, _ := LookupMethod(name)
				add(RulePalette, "%sseries %q is %s, drawn in %s instead of its colour %s (report.MethodStyles, from its registration's Figure)", where, name, methodName(m, name), colourKey(got), colourKey(want))
			} else if sameColour && !slices.Equal(got.Dashes, want.Dashes) {
				add(RulePalette, "%sseries %q is drawn with dashes %v instead of its pattern %v", where, name, got.Dashes, want.Dashes)
			}
		}
		taken[colourKey(in.style)] = true
		if (in.ref || in.level != nil) && b.markers[k] {
			add(RuleReference, "%sthe reference line %q is drawn with markers, as if measured at each x", where, name)
		}
		if specPath.MatchString(in.label) {
			add(RuleLegend, "%sthe legend label %q is code: name the series for people (Names, or the row's label)", where, in.label)
		}
		if in.s.Cutoff != nil {
			if !b.cuts[k] {
				add(RuleCutoff, "%sseries %q ends at its epoch cap while still rising, but no arrow marks its end (a reference line or bars cannot show it)", where, name)
			}
			if !strings.Contains(caption, CutoffPhrase) || !strings.Contains(caption, HumanName(name)) {
				add(RuleCutoff, "%sseries %q ends at its epoch cap while still rising, and the caption does not say so (%q)", where, name, CutoffPhrase)
			}
		}
		spread = spread || in.spread
		data = data || in.nMax > 0
		labels = append(labels, in.label)
	}
	if spread {
		stated := statesSeeds.MatchString(caption)
		if !stated {
			stated = true
			for _, l := range labels {
				stated = stated && statesSeeds.MatchString(l)
			}
		}
		if !stated {
			add(RuleSeeds, "%suncertainty is drawn but neither the caption nor the legend states the number of seeds", where)
		}
	} else if data && !strings.Contains(caption, "One seed") {
		add(RuleSeeds, "%sone seed per point, and the caption does not say so", where)
	}
	if lo := p.Y.Min; lo > 0 || p.Y.Max < 0 {
		if !b.broken {
			add(RuleAxis, "%sthe y axis starts at %g without a break mark", where, lo)
		}
		if !strings.Contains(caption, "y axis is broken") {
			add(RuleAxis, "%sthe y axis starts at %g and the caption does not say it is broken", where, lo)
		}
	}
}

// colourKey writes a colour as #rrggbb.
func colourKey(s Style) string {
	c := rgba(s.Color)
	return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
}

// methodName is the style row's name of a series, for messages.
func methodName(m MethodStyle, name string) string {
	if m.Name != "" {
		return m.Name
	}
	return MethodKey(name)
}

// CheckSaved returns the rules of the paper style that the files Save
// wrote at base (base.png, base.svg, base.pdf and base.caption.txt; the
// formats present are checked, at least one must be) break: the PNG's
// width in pixels and the PDF's page width are a paper column or the text
// width (at PNGDPI), the PDF and the SVG embed their fonts, the caption
// file exists and is not empty, and a caption that names error bars,
// bands or an interval states the number of seeds.
func CheckSaved(base string) []StyleIssue {
	var out []StyleIssue
	add := func(rule, format string, args ...any) {
		out = append(out, StyleIssue{Rule: rule, Msg: fmt.Sprintf(format, args...)})
	}
	widths := []float64{float64(ColumnWidth), float64(TextWidth)} // points
	found := 0
	if b, err := os.ReadFile(base + ".png"); err == nil {
		found++
		img, err := png.DecodeConfig(bytes.NewReader(b))
		switch {
		case err != nil:
			add(RuleFile, "%s.png: %v", base, err)
		case !slices.ContainsFunc(widths, func(w float64) bool {
			return math.Abs(float64(img.Width)-w/72*float64(PNGDPI)) <= 1
		}):
			add(RuleSize, "%s.png is %d px wide: at %d dpi a paper figure is %.0f or %.0f px", base, img.Width, PNGDPI,
				widths[0]/72*float64(PNGDPI), widths[1]/72*float64(PNGDPI))
		}
	}
	if b, err := os.ReadFile(base + ".pdf"); err == nil {
		found++
		m := mediaBox.FindSubmatch(b)
		if m == nil {
			add(RuleFile, "%s.pdf has no page size (/MediaBox)", base)
		} else if w, _ := strconv.ParseFloat(string(m[1]), 64); !slices.ContainsFunc(widths, func(x float64) bool { return math.Abs(w-x) <= 0.01 }) {
			add(RuleSize, "%s.pdf is %.2f pt wide, want %.2f or %.2f pt", base, w, widths[0], widths[1])
		}
		if !bytes.Contains(b, []byte("/FontFile")) {
			add(RuleFile, "%s.pdf does not embed its fonts", base)
		}
	}
	if b, err := os.ReadFile(base + ".svg"); err == nil {
		found++
		if bytes.Contains(b, []byte("<text")) && !bytes.Contains(b, []byte("@font-face")) {
			add(RuleFile, "%s.svg does not embed its fonts", base)
		}
	}
	if found == 0 {
		add(RuleFile, "%s: no .png, .svg or .pdf", base)
	}
	b, err := os.ReadFile(base + CaptionExt)
	caption := strings.TrimSpace(string(b))
	switch {
	case err != nil || caption == "":
		add(RuleCaption, "%s%s: no caption beside the figure", base, CaptionExt)
	case uncertaintyWords.MatchString(caption) && !statesSeeds.MatchString(caption):
		add(RuleSeeds, "%s%s names the uncertainty drawn but not the number of seeds", base, CaptionExt)
	}
	return out
}

var (
	mediaBox         = regexp.MustCompile(`/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]`)
	uncertaintyWords = regexp.MustCompile(`(?i)error bars|shaded bands?|confidence interval|± 1 sd`)
)

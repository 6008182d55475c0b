package report

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// rules returns the rules of issues, sorted and without repeats.
func rules(issues []StyleIssue) []string {
	var out []string
	for _, i := range issues {
		out = append(out, i.Rule)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestCheckStyleAcceptsTheStyle: the figures the package draws by its
// defaults break no rule — single figures, bars, references, panels, and
// the notice and caption wrappers.
func TestCheckStyleAcceptsTheStyle(t *testing.T) {
	figs := map[string]Drawable{"references": refFigure(Lines), "reference bars": refFigure(Bars), "panels": demoPanels()}
	for name, f := range demoFigures() {
		figs[name] = f
	}
	two := NewLearningCurve("HR@10") // two student lines: the second takes a free colour
	for seed := range 2 {
		for e := range 5 {
			two.Add("student d=10", float64(e), 0.1*float64(e)+0.01*float64(seed))
			two.Add("student d=20", float64(e), 0.12*float64(e)+0.01*float64(seed))
		}
	}
	figs["two students"] = two
	variants := NewSizeSweep("number of experts M", "HR@5", Lines) // DE at three λ, on an ordered scale
	for k, l := range []string{"0.001", "0.01", "0.1"} {
		s := variants.Get("DE (λ=" + l + ")")
		st := Ramp(k, 3)
		s.Style = &st
		for _, m := range []float64{5, 10, 20} {
			s.Add(m, 0.4+0.01*float64(k))
		}
	}
	figs["variants of one method"] = variants
	figs["noticed"] = WithNotice(refFigure(Lines), "Not in the ledger yet: DE (seed 2).")
	figs["captioned"] = WithCaption(demoPanels(), "Learning curves.")
	for name, d := range figs {
		if issues := CheckStyle(d); len(issues) > 0 {
			t.Errorf("%s: %v", name, issues)
		}
	}
}

// TestCheckStyleFindsEachRule plants one broken rule at a time and checks
// that CheckStyle names it (and only it).
func TestCheckStyleFindsEachRule(t *testing.T) {
	oneSeed := func() *Figure {
		f := NewLearningCurve("HR@10")
		for e := range 5 {
			f.Add("DE", float64(e), 0.1*float64(e))
		}
		return f
	}
	wide := oneSeed()
	wide.Size = Size{Width: 5 * vg.Inch, Height: 3 * vg.Inch}
	big := oneSeed()
	big.FontSize = 12
	recoloured := refFigure(Lines)
	de := StyleFor("DE")
	recoloured.Get("RRD").Style = &de
	coded := oneSeed()
	coded.Get("DE").Name = "DE (kd[0].options.experts=5)"
	titled := oneSeed()
	titled.Title = "DE"
	unlettered := demoPanels()
	unlettered.NoLetters = true
	_, size, _ := oneSeed().Plot()
	p, _, _ := oneSeed().Plot()
	for _, c := range []struct {
		name string
		d    Drawable
		want string
	}{
		{"5 in wide", wide, RuleSize},
		{"12 pt", big, RuleFont},
		{"RRD in DE's colour", recoloured, RulePalette},
		{"spec path in the legend", coded, RuleLegend},
		{"titled", titled, RuleTitle},
		{"panels without letters", unlettered, RuleLetters},
		{"uncaptioned raw plot", Raw(p, size), RuleCaption},
	} {
		if got := rules(CheckStyle(c.d)); !slices.Equal(got, []string{c.want}) {
			t.Errorf("%s: rules %v, want [%s]: %v", c.name, got, c.want, CheckStyle(c.d))
		}
	}

	// What the figure code never draws is planted in what it built.
	check := func(f *Figure, caption string, plant func(*built)) []string {
		b, err := f.build()
		if err != nil {
			t.Fatal(err)
		}
		if plant != nil {
			plant(&b)
		}
		var out []StyleIssue
		checkBuilt(f, b, "", caption, func(rule, format string, args ...any) {
			out = append(out, StyleIssue{Rule: rule})
		})
		return rules(out)
	}
	ref := refFigure(Lines)
	if got := check(ref, ref.CaptionText(), nil); len(got) != 0 {
		t.Errorf("clean figure: %v", got)
	}
	markers := func(b *built) {
		for k := range b.markers {
			b.markers[k] = true
		}
	}
	if got := check(ref, ref.CaptionText(), markers); !slices.Equal(got, []string{RuleReference}) {
		t.Errorf("references with markers: %v", got)
	}
	if got := check(ref, "Recall@50 of RRD.", nil); !slices.Equal(got, []string{RuleSeeds}) {
		t.Errorf("three seeds, caption silent: %v", got)
	}
	if got := check(oneSeed(), "HR@10 of DE.", nil); !slices.Equal(got, []string{RuleSeeds}) {
		t.Errorf("one seed, caption silent: %v", got)
	}
	lifted := func(b *built) { b.p.Y.Min = 0.1 }
	if got := check(ref, ref.CaptionText(), lifted); !slices.Equal(got, []string{RuleAxis}) {
		t.Errorf("y axis from 0.1, unmarked: %v", got)
	}
	brk := refFigure(Lines)
	brk.YBreak = true
	if got := check(brk, brk.CaptionText(), nil); len(got) != 0 {
		t.Errorf("a broken axis marked and captioned: %v", got)
	}
}

// TestCheckSaved checks the files Save writes, and finds a figure saved at
// another width, a caption that names error bars without the seeds, a
// missing caption and a PDF without its fonts.
func TestCheckSaved(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	if _, err := Save(refFigure(Lines), good, AllFormats); err != nil {
		t.Fatal(err)
	}
	if issues := CheckSaved(good); len(issues) != 0 {
		t.Errorf("a saved figure: %v", issues)
	}
	wide := refFigure(Lines)
	wide.Size = Size{Width: 5 * vg.Inch, Height: 3 * vg.Inch}
	base := filepath.Join(dir, "wide")
	if _, err := Save(wide, base, PNG|PDF); err != nil {
		t.Fatal(err)
	}
	if got := CheckSaved(base); len(got) != 2 || got[0].Rule != RuleSize || got[1].Rule != RuleSize {
		t.Errorf("5 in wide: %v", got)
	}
	os.WriteFile(good+CaptionExt, []byte("Recall@50; error bars: ± 1 sd.\n"), 0o644)
	if got := rules(CheckSaved(good)); !slices.Equal(got, []string{RuleSeeds}) {
		t.Errorf("caption without seeds: %v", got)
	}
	os.Remove(good + CaptionExt)
	os.WriteFile(good+".pdf", []byte("%PDF-1.4\n/MediaBox [0 0 239.76 180]\n%%EOF\n"), 0o644)
	if got := rules(CheckSaved(good)); !slices.Equal(got, []string{RuleCaption, RuleFile}) {
		t.Errorf("no caption, PDF without fonts: %v", got)
	}
	if got := CheckSaved(filepath.Join(dir, "none")); len(got) != 2 || !strings.Contains(got[0].Msg, "no .png") {
		t.Errorf("nothing saved: %v", got)
	}
}

// TestStyleCardChecked: the style card, a hand-made plot, is checked for
// its size and caption.
func TestStyleCardChecked(t *testing.T) {
	p := plot.New()
	if got := CheckStyle(WithCaption(Raw(p, TwoColumn), "The style.")); len(got) != 0 {
		t.Errorf("%v", got)
	}
}

// TestPDFReproducible: the PDF carries the fixed date, so the same figure
// is the same file whenever it is written.
func TestPDFReproducible(t *testing.T) {
	b, err := Encode(refFigure(Lines), PDF)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("/CreationDate (D:"+PDFDate)) || !bytes.Contains(b, []byte("/ModDate (D:"+PDFDate)) || pdfDate.FindIndex(bytes.ReplaceAll(b, []byte(PDFDate), nil)) != nil {
		t.Errorf("PDF dates not fixed: %q", regexp.MustCompile(`/(CreationDate|ModDate) \([^)]*\)`).FindAll(b, -1))
	}
	if c, _ := Encode(refFigure(Lines), PDF); !bytes.Equal(b, c) {
		t.Error("the same figure encodes to different PDFs")
	}
}

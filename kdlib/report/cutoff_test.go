package report

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// TestAddCurveRefusesRepeatedX: a run's curve has one value per epoch; a
// point given twice (a final evaluation appended again) would be averaged
// as a second seed, so AddCurve refuses it, and x going back.
func TestAddCurveRefusesRepeatedX(t *testing.T) {
	f := NewLearningCurve("test Recall@50")
	if err := f.AddCurve("FTD", []int{0, 10, 20}, []float64{0.1, 0.2, 0.25}); err != nil {
		t.Fatal(err)
	}
	for _, xs := range [][]int{{0, 10, 20, 20}, {0, 20, 10, 30}} {
		if err := f.AddCurve("HTD", xs, []float64{0.1, 0.2, 0.25, 0.25}); err == nil || !strings.Contains(err.Error(), "must increase") {
			t.Errorf("%v accepted: %v", xs, err)
		}
	}
	// The refused curves left nothing behind.
	if n := f.Get("HTD").Len(); n != 0 {
		t.Errorf("HTD holds %d points", n)
	}
	st := f.Get("FTD").Stats()
	if len(st) != 3 || st[2].N != 1 {
		t.Errorf("FTD stats %+v", st)
	}
}

// cutFigure returns learning curves over three seeds in which the student
// ends at its epoch cap while still rising (Cutoff) and DE stopped early.
func cutFigure() *Figure {
	f := NewLearningCurve("validation HR@5")
	f.Caption = "Validation HR@5 per epoch."
	for seed := range 3 {
		var xs []int
		var st, de []float64
		for e := 1; e <= 100; e++ {
			xs = append(xs, e)
			st = append(st, 0.4*(1-math.Exp(-float64(e)/60))+0.002*float64(seed))
			de = append(de, 0.45*(1-math.Exp(-float64(e)/15))+0.002*float64(seed))
		}
		f.AddCurve("Student", xs, st)
		f.AddCurve("DE", xs[:80], de[:80])
	}
	f.Get("Student").Cutoff = &Cutoff{Seeds: 3, All: 3, At: 100, Rule: "no early stop, best validation HR@5 in the last 3 evaluations"}
	return f
}

// TestCutoffMarkedAndSaid: a series cut off by its epoch cap while rising
// gets the arrow after its last point and a sentence of the caption naming
// it with its seeds, cap and rule; CheckStyle accepts the figure and fails
// one that hides it.
func TestCutoffMarkedAndSaid(t *testing.T) {
	f := cutFigure()
	b, err := f.build()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(b.cuts, []bool{true, false}) {
		t.Errorf("arrows drawn %v, want the student's only", b.cuts)
	}
	c := f.CaptionText()
	want := "Curves ending in an arrow (→) " + CutoffPhrase + " (no early stop, best validation HR@5 in the last 3 evaluations): Student (3 of 3 seeds, cap 100 epochs)."
	if !strings.Contains(c, want) {
		t.Errorf("caption %q lacks %q", c, want)
	}
	if strings.Contains(c, "DE (") {
		t.Errorf("caption names DE, which stopped early: %q", c)
	}
	if issues := CheckStyle(f); len(issues) > 0 {
		t.Errorf("the marked figure breaks the style: %v", issues)
	}
	if _, err := Encode(f, PNG); err != nil {
		t.Fatal(err)
	}
	// Rules in the panels' caption: said once when every panel says the same.
	p := NewPanels(cutFigure(), cutFigure())
	if issues := CheckStyle(p); len(issues) > 0 {
		t.Errorf("panels: %v", issues)
	}
	if n := strings.Count(p.CaptionText(), CutoffPhrase); n != 1 {
		t.Errorf("panels' caption says it %d times: %q", n, p.CaptionText())
	}

	// A caption of one's own keeps the sentence (WithCaption adds the
	// figure's); a cut-off series drawn as a constant reference (no end to
	// mark), or as bars, fails the check.
	if c := WithCaption(cutFigure(), "Learning curves.").CaptionText(); !strings.Contains(c, want) {
		t.Errorf("captioned: %q", c)
	}
	flat := NewLearningCurve("HR@5")
	for e := range 5 {
		flat.Add("Student", float64(e), 0.3)
	}
	flat.Add("DE", 1, 0.2)
	flat.Get("Student").Cutoff = &Cutoff{Rule: "r"}
	bars := NewSizeSweep("d", "HR@5", Bars)
	bars.Add("Student", 10, 0.3)
	bars.Get("Student").Cutoff = &Cutoff{}
	for name, d := range map[string]Drawable{"reference": flat, "bars": bars} {
		if got := rules(CheckStyle(d)); !slices.Contains(got, RuleCutoff) {
			t.Errorf("%s: rules %v, want %s", name, got, RuleCutoff)
		}
	}
}

// TestCutoffNoteGroupsRules: series found by different rules are listed
// with their own rule.
func TestCutoffNoteGroupsRules(t *testing.T) {
	f := NewLearningCurve("HR@5")
	for _, n := range []string{"Student", "DE", "RRD"} {
		f.AddCurve(n, []int{1, 2, 3}, []float64{0.1, 0.2, 0.3})
	}
	f.Get("Student").Cutoff = &Cutoff{Rule: "rule A"}
	f.Get("RRD").Cutoff = &Cutoff{Seeds: 1, All: 2, Rule: "rule B"}
	want := "Curves ending in an arrow (→) " + CutoffPhrase + ": Student (rule A); RRD (1 of 2 seeds) (rule B)."
	if c := f.CaptionText(); !strings.Contains(c, want) {
		t.Errorf("caption %q lacks %q", c, want)
	}
}

// TestLegendAvoidsReferenceLines: a reference line crosses the whole plot,
// so a legend must not sit on it even where no sampled point lies — the
// case of ch1-de-experts: one measured x, the student's reference just
// below the top, where the top-right corner (the default) would cover it.
func TestLegendAvoidsReferenceLines(t *testing.T) {
	f := NewSizeSweep("number of experts M", "test HR@5", Lines)
	for _, y := range []float64{0.470, 0.476} {
		f.Add("DE", 30, y)
	}
	f.AddReference("Student", 0.452, 0.455, 0.458)
	b, err := f.build()
	if err != nil {
		t.Fatal(err)
	}
	fw, fh, ok := legendFrac(b.p, b.size)
	if !ok {
		t.Fatal("no data area")
	}
	if n := legendCover(b.p, b.legend, true, false, fw, fh); n == 0 {
		t.Fatalf("the top-right corner covers nothing here: the test does not test the case")
	}
	if b.p.Legend.Top {
		t.Errorf("legend on top, over the reference line")
	}
	if n := legendOverlap(b.p, b.size, b.legend); n != 0 {
		t.Errorf("the legend covers %d", n)
	}

	// In panels with one y range, the legend of the first panel is placed
	// on the common range.
	g := NewSizeSweep("number of experts M", "test NDCG@5", Lines)
	for _, y := range []float64{0.35, 0.36} {
		g.Add("DE", 30, y)
	}
	g.AddReference("Student", 0.34, 0.341)
	p := NewPanels(f, g)
	p.SameY = true
	_, builds, cell, _, err := p.layout()
	if err != nil {
		t.Fatal(err)
	}
	if n := legendOverlap(builds[0].p, cell, builds[0].legend); n != 0 {
		t.Errorf("the panels' legend covers %d", n)
	}
}

// TestLegendHeadRoomForLevels: when reference lines fill every corner's
// height, head-room is added above them.
func TestLegendHeadRoomForLevels(t *testing.T) {
	f := NewLearningCurve("HR@5")
	for e := 1; e <= 20; e++ {
		f.Add("DE", float64(e), 0.2+0.01*float64(e%3))
	}
	f.AddReference("Student", 0.02)
	f.AddReference("teacher", 0.42)
	b, err := f.build()
	if err != nil {
		t.Fatal(err)
	}
	if n := legendOverlap(b.p, b.size, b.legend); n != 0 {
		t.Errorf("the legend covers %d (y max %v)", n, b.p.Y.Max)
	}
}

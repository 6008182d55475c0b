package report

import (
	"math"
	"strings"
	"testing"
)

// TestFigureEvents: a line figure's events are drawn (the x axis reaches
// one beyond the data) and explained in the caption, in order; a bar
// figure ignores them.
func TestFigureEvents(t *testing.T) {
	f := NewLearningCurve("Recall@50")
	if err := f.AddCurve("HetComp", []int{0, 10, 20}, []float64{0, 0.1, 0.2}); err != nil {
		t.Fatal(err)
	}
	f.Events = []Event{{X: 15, Label: "phase 2", What: "the switch in seed 0"}, {X: 30, What: "the end of seed 1"}}
	if c := f.CaptionText(); !strings.Contains(c, "Dotted vertical lines mark the switch in seed 0; the end of seed 1.") {
		t.Errorf("caption %q", c)
	}
	p, _, err := f.Plot()
	if err != nil {
		t.Fatal(err)
	}
	if p.X.Max < 30 {
		t.Errorf("x axis ends at %v, before the event at 30", p.X.Max)
	}
	svg, err := InlineSVG(f)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(svg, "phase 2") {
		t.Error("the event's label is not drawn")
	}
	if v := CheckStyle(f); len(v) != 0 {
		t.Errorf("style: %v", v)
	}
	small := *f
	small.FontSize = 8 // tick and event labels at 7 pt
	found := false
	for _, v := range CheckStyle(&small) {
		found = found || strings.Contains(v.Msg, "event labels at 7 pt")
	}
	if !found {
		t.Errorf("event labels at 7 pt not flagged: %v", CheckStyle(&small))
	}
	// Without What, the label and x.
	f.Events = []Event{{X: 15, Label: "phase 2"}}
	if c := f.CaptionText(); !strings.Contains(c, "Dotted vertical lines mark phase 2 at 15.") {
		t.Errorf("caption %q", c)
	}
	// Events that cannot be drawn are not drawn, nor captioned.
	f.Events = []Event{{X: math.NaN(), Label: "nan"}, {X: 12}, {X: 0, Label: "start"}}
	if c := f.CaptionText(); !strings.Contains(c, "Dotted vertical lines mark start at 0.") || strings.Contains(c, "nan") {
		t.Errorf("caption %q", c)
	}
	lg := NewLearningCurve("Recall@50")
	lg.LogX = true
	if err := lg.AddCurve("HetComp", []int{10, 20, 50}, []float64{0.1, 0.2, 0.3}); err != nil {
		t.Fatal(err)
	}
	lg.Events = []Event{{X: 0, Label: "at zero"}, {X: 5000, Label: "far"}}
	if _, _, err := lg.Plot(); err != nil {
		t.Errorf("log x with events: %v", err)
	}
	if c := lg.CaptionText(); strings.Contains(c, "Dotted") {
		t.Errorf("log x caption %q", c)
	}
	b := &Figure{Kind: Bars, Categories: []string{"a", "b"}, Events: []Event{{X: 1, Label: "x"}}}
	b.Add("HetComp", 0, 0.3)
	b.Add("HetComp", 1, 0.2)
	if c := b.CaptionText(); strings.Contains(c, "Dotted") {
		t.Errorf("bar caption %q", c)
	}
}

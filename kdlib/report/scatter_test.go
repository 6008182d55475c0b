package report

import (
	"bytes"
	"image"
	"image/png"
	"path/filepath"
	"strings"
	"testing"
)

func TestScatter(t *testing.T) {
	panel := func(title string, shift float64) ScatterPanel {
		var p ScatterPanel
		p.Title = title
		for k := 0; k < 60; k++ {
			g := k % 3
			p.X = append(p.X, float64(g*10)+shift+float64(k%7))
			p.Y = append(p.Y, float64(k%5)-float64(g*8))
			p.Group = append(p.Group, g)
		}
		return p
	}
	s := &Scatter{Panels: []ScatterPanel{panel("teacher", 0), panel("student", 3), panel("experts", 1)},
		Groups: []string{"expert 4", "expert 9", "other experts"}, Rest: true, Cols: 3,
		Caption: "A t-SNE map of one run."}
	b, err := Encode(s, PNG)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if w := img.Bounds().Dx(); w != int(7*PNGDPI) {
		t.Errorf("width %d px, want %d (7 in at %d dpi)", w, int(7*PNGDPI), PNGDPI)
	}
	if !colourful(img) {
		t.Error("the scatter has no coloured pixels")
	}
	c := s.CaptionText()
	for _, want := range []string{"A t-SNE map of one run.", "(a) teacher", "(c) experts", "60 points per panel"} {
		if !strings.Contains(c, want) {
			t.Errorf("caption %q lacks %q", c, want)
		}
	}
	if issues := CheckStyle(s); len(issues) > 0 {
		t.Errorf("the scatter breaks the paper style: %v", issues)
	}
	base := filepath.Join(t.TempDir(), "scatter")
	if _, err := Save(s, base, AllFormats); err != nil {
		t.Fatal(err)
	}
	if issues := CheckSaved(base); len(issues) > 0 {
		t.Errorf("the saved scatter breaks the paper style: %v", issues)
	}
	// Axis labels: once per column on the bottom row, once per row in the
	// first column (two rows of two, one panel in the second row).
	s.XLabel, s.YLabel = "t-SNE 1", "t-SNE 2"
	s.Cols = 2
	svg, err := Encode(s, SVG)
	if err != nil {
		t.Fatal(err)
	}
	if x, y := strings.Count(string(svg), ">t-SNE 1<"), strings.Count(string(svg), ">t-SNE 2<"); x != 2 || y != 2 {
		t.Errorf("axis labels drawn %d (x) and %d (y) times, want 2 and 2 (the bottom of each column, the left of each row)", x, y)
	}
	if s.scatterColor(2) != Neutral[2] || s.scatterColor(0) == s.scatterColor(1) {
		t.Error("the rest is not grey, or two groups share a colour")
	}
	bad := *s
	bad.Panels = []ScatterPanel{{X: []float64{1}, Y: []float64{1}, Group: []int{3}}}
	if _, err := Encode(&bad, PNG); err == nil {
		t.Error("a group out of range accepted")
	}
	bad.Panels = []ScatterPanel{{X: []float64{1, 2}, Y: []float64{1}, Group: []int{0, 0}}}
	if _, err := Encode(&bad, PNG); err == nil {
		t.Error("ragged panel accepted")
	}
}

// colourful reports whether img has a pixel whose channels differ (not
// black, white or grey).
func colourful(img image.Image) bool {
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if max(cr, cg, cb)-min(cr, cg, cb) > 0x4000 {
				return true
			}
		}
	}
	return false
}

package report

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// demoPanels returns a 4-panel figure of learning curves, as the TD
// notebook's figures (one panel per student size), with two seeds.
func demoPanels() *Panels {
	var figs []*Figure
	for k, d := range []int{10, 20, 100, 200} {
		f := NewLearningCurve("Recall@50")
		f.Title = "d = " + []string{"10", "20", "100", "200"}[k]
		for seed := range 2 {
			for e := 0; e <= 100; e += 10 {
				t := float64(e) / 100
				n := 0.003 * float64(seed)
				f.Add("teacher", float64(e), 0.09+0.22*(1-math.Exp(-4*t)))
				f.Add("student", float64(e), 0.02+float64(d)/1000+0.15*(1-math.Exp(-3*t))+n)
				f.Add("FTD", float64(e), 0.05+float64(d)/900+0.16*(1-math.Exp(-3*t))+n)
				f.Add("HTD", float64(e), 0.05+float64(d)/950+0.18*(1-math.Exp(-3.5*t))+n)
			}
		}
		figs = append(figs, f)
	}
	p := NewPanels(figs...)
	p.SameY = true
	return p
}

func TestPanels(t *testing.T) {
	dir := os.Getenv("KDREC_PLOT_DEMO")
	if dir == "" {
		dir = t.TempDir()
	}
	p := demoPanels()
	before := *p.Figures[1]
	paths, err := Save(p, filepath.Join(dir, "panels"), AllFormats)
	if err != nil || len(paths) != 4 {
		t.Fatalf("save: %v %v", paths, err)
	}
	if p.Figures[1].Legend != before.Legend || p.Figures[1].Size != before.Size || p.Figures[1].YMax != before.YMax {
		t.Error("Plot modified a panel figure")
	}
	b, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	want := int(7*float64(PNGDPI) + 0.5)
	if w := img.Bounds().Dx(); w < want-2 || w > want+2 {
		t.Errorf("width %d px, want %d", w, want)
	}
	// Two rows of two.
	p.Cols = 2
	if _, size, err := p.Plot(); err != nil || size.Height <= TwoColumn.Height {
		t.Errorf("2×2: %v, height %v", err, size.Height)
	}
	if _, err := Save(p, filepath.Join(dir, "panels-2x2"), PNG); err != nil {
		t.Fatal(err)
	}
	if _, _, err := (&Panels{}).Plot(); err == nil {
		t.Error("empty panels accepted")
	}
	if _, _, err := NewPanels(NewLearningCurve("x")).Plot(); err == nil {
		t.Error("panel without series accepted")
	}
}

func TestCombinedStyles(t *testing.T) {
	de, derrd := StyleFor("DE"), StyleFor("DE-RRD")
	if rgba(de.Color) == rgba(derrd.Color) {
		t.Error("DE and DE-RRD share a colour")
	}
	if _, known := lookupStyle("DE-RRD"); !known {
		t.Error("DE-RRD has no palette entry")
	}
}

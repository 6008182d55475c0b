package report

import (
	"bytes"
	"encoding/xml"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// demoFigures returns one figure of each kind, with several seeds, as the
// notebooks make them.
func demoFigures() map[string]*Figure {
	lc := NewLearningCurve("Recall@50")
	for seed := 0; seed < 3; seed++ {
		for e := 0; e <= 100; e += 10 {
			t := float64(e) / 100
			noise := 0.004 * float64(seed-1)
			lc.Add("teacher", float64(e), 0.09+0.22*(1-math.Exp(-4*t))+noise)
			lc.Add("student", float64(e), 0.04+0.18*(1-math.Exp(-3*t))+noise)
			lc.Add("DE", float64(e), 0.05+0.20*(1-math.Exp(-3.5*t))+noise)
			lc.Add("IR-RRD", float64(e), 0.05+0.21*(1-math.Exp(-3.8*t))+noise)
		}
	}
	long := NewLearningCurve("HR@10")
	for seed := 0; seed < 2; seed++ {
		for e := 1; e <= 300; e++ {
			t := float64(e) / 300
			long.Add("student d=20", float64(e), 0.3+0.25*(1-math.Exp(-5*t))+0.01*float64(seed))
			long.Add("student d=10", float64(e), 0.25+0.22*(1-math.Exp(-4*t))+0.01*float64(seed))
		}
	}
	sweep := NewSizeSweep("student dimension d", "Recall@50", Lines)
	bars := NewSizeSweep("student dimension d", "Recall@50", Bars)
	for seed := 0; seed < 3; seed++ {
		for _, d := range []float64{5, 10, 20, 50, 100, 200} {
			v := 0.31 * (1 - math.Exp(-d/30))
			n := 0.003 * float64(seed-1)
			sweep.Add("BPR", d, v+n)
			sweep.Add("RRD", d, v*1.08+n)
			if d <= 50 {
				bars.Add("student", d, v+n)
				bars.Add("DE", d, v*1.05+n)
				bars.Add("HetComp", d, v*1.1+n)
			}
		}
	}
	wide := NewLearningCurve("NDCG@20")
	wide.Size = TwoColumn
	for _, m := range []string{"teacher", "student", "DE", "PHR", "FTD", "HTD", "RD", "CD", "RRD", "IR-RRD", "DCD", "HetComp"} {
		for e := 0; e <= 50; e += 5 {
			h := float64(len(m)%7) * 0.01
			wide.Add(m, float64(e), 0.1+h+0.2*(1-math.Exp(-float64(e)/15)))
		}
	}
	// A method over a hyper-parameter with constant references, as the DE
	// notebook's experts figure: once from zero, once with a broken axis.
	refs := NewSizeSweep("number of experts M", "test HR@5", Lines)
	refs.Caption = "DE's test HR@5 against its number of experts."
	for seed := 0; seed < 3; seed++ {
		n := 0.002 * float64(seed-1)
		for _, m := range []float64{2, 5, 10, 20} {
			refs.Add("de", m, 0.44+0.01*math.Log(m)+n)
		}
	}
	refs.AddReference("student", 0.421, 0.418, 0.425)
	refs.AddReference("hint", 0.430, 0.433, 0.431)
	refsBreak := *refs
	refsBreak.YBreak = true
	return map[string]*Figure{"curve": lc, "curve-long": long, "sweep-lines": sweep, "sweep-bars": bars, "wide": wide,
		"refs": refs, "refs-break": &refsBreak}
}

// TestSaveAllFormats renders every demo figure to PNG, SVG and PDF and
// checks each file decodes. KDREC_PLOT_DEMO=dir keeps them for viewing.
func TestSaveAllFormats(t *testing.T) {
	dir := os.Getenv("KDREC_PLOT_DEMO")
	if dir == "" {
		dir = t.TempDir()
	}
	for name, fig := range demoFigures() {
		paths, err := Save(fig, filepath.Join(dir, name+".png"), AllFormats)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(paths) != 4 || filepath.Ext(paths[3]) != ".txt" {
			t.Fatalf("%s: wrote %v", name, paths)
		}
		for _, p := range paths[:3] {
			checkImageFile(t, p)
		}
	}
	// No temporary files are left behind.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left-over file %s", e.Name())
		}
	}
}

// checkImageFile is the notebook checker's rule: PNG decodes, SVG is XML
// with an <svg> root, PDF starts with %PDF.
func checkImageFile(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	switch filepath.Ext(path) {
	case ".png":
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if w := img.Bounds().Dx(); w < 600 {
			t.Errorf("%s: %d px wide, want print resolution", path, w)
		}
	case ".svg":
		d := xml.NewDecoder(bytes.NewReader(b))
		for {
			tok, err := d.Token()
			if err != nil {
				t.Fatalf("%s: no <svg> root: %v", path, err)
			}
			if se, ok := tok.(xml.StartElement); ok {
				if se.Name.Local != "svg" {
					t.Fatalf("%s: root <%s>", path, se.Name.Local)
				}
				break
			}
		}
		for {
			if _, err := d.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		}
		if !bytes.Contains(b, []byte("@font-face")) {
			t.Errorf("%s: fonts not embedded", path)
		}
	case ".pdf":
		if !bytes.HasPrefix(b, []byte("%PDF")) {
			t.Fatalf("%s: not a PDF", path)
		}
	}
}

func TestStats(t *testing.T) {
	var s Series
	s.Add(2, 1)
	s.Add(1, 4)
	s.Add(2, 3)
	s.Add(1, math.NaN())
	st := s.Stats()
	if len(st) != 2 || st[0].X != 1 || st[0].N != 1 || st[0].Std != 0 || st[1].X != 2 || st[1].N != 2 || st[1].Mean != 2 {
		t.Fatalf("stats %+v", st)
	}
	if math.Abs(st[1].Std-math.Sqrt2) > 1e-12 {
		t.Fatalf("sample std %v, want √2", st[1].Std)
	}
	if err := s.AddCurve([]int{1, 2}, []float64{1}); err == nil {
		t.Fatal("mismatched curve accepted")
	}
}

func TestMethodKeyAndStyles(t *testing.T) {
	for in, want := range map[string]string{"IR-RRD": "irrrd", "ir_rrd (ours)": "irrrd", "Student d=20": "student", "HetComp": "hetcomp", "d=10": "d10"} {
		if got := MethodKey(in); got != want {
			t.Errorf("MethodKey(%q) = %q, want %q", in, got, want)
		}
	}
	if de, ok := LookupMethod("de"); !ok || StyleFor("DE").Color != de.Style.Color || StyleFor("teacher d=200").Dashes == nil {
		t.Error("palette not used")
	}
	// A name given a style by hand keeps it; an entry of Styles keyed by
	// a table key overrides that entry.
	Styles["handmade"] = Style{Color: Neutral[1], Glyph: DiamondGlyph{}}
	Styles["rd"] = Style{Color: Neutral[2], Glyph: DiamondGlyph{}}
	defer delete(Styles, "handmade")
	defer delete(Styles, "rd")
	if StyleFor("Handmade (d=10)").Color != Neutral[1] || StyleFor("RD").Color != Neutral[2] {
		t.Error("Styles entries not used")
	}
	if a, b := StyleFor("some method"), StyleFor("some method"); a.Color != b.Color || a.Glyph != b.Glyph {
		t.Error("fallback style not stable")
	}
	// Aliases share their entry's style; the entries' colours are
	// distinct (TestColoursDistinctAndReadableInGreyscale checks more).
	if StyleFor("fitnet").Color != StyleFor("Hint").Color || StyleFor("MF").Color != StyleFor("bpr").Color {
		t.Error("alias drawn apart from its method")
	}
	seen := map[color.RGBA]string{}
	for _, m := range MethodStyles() {
		c := rgba(m.Style.Color)
		if o, dup := seen[c]; dup {
			t.Errorf("%s and %s share a colour", m.Key, o)
		}
		seen[c] = m.Key
	}
	// Within a figure, two series of one method get different colours.
	f := &Figure{}
	f.Add("student d=10", 1, 1)
	f.Add("student d=20", 1, 2)
	f.Add("x", 1, 3)
	f.Add("y", 1, 3)
	st := f.styles()
	cols := map[color.RGBA]bool{}
	for _, s := range st {
		cols[rgba(s.Color)] = true
	}
	if len(cols) != 4 {
		t.Errorf("figure styles share colours: %+v", st)
	}
	if r0, r1 := Ramp(0, 5), Ramp(4, 5); r0.Color == r1.Color {
		t.Error("ramp has one colour")
	}
}

func TestLegendAvoidsData(t *testing.T) {
	// Rising curves fill the top-left: the legend goes bottom-right.
	f := NewLearningCurve("HR@10")
	for e := 0; e <= 50; e++ {
		f.Add("teacher", float64(e), 1-math.Exp(-float64(e)/3))
		f.Add("student", float64(e), 0.8*(1-math.Exp(-float64(e)/3)))
	}
	p, _, err := f.Plot()
	if err != nil {
		t.Fatal(err)
	}
	if p.Legend.Top || p.Legend.Left {
		t.Errorf("legend top=%v left=%v, want bottom right", p.Legend.Top, p.Legend.Left)
	}
	// A curve through every corner: head-room is added above the data.
	g := &Figure{}
	for x := 0; x <= 20; x++ {
		y := float64((x / 2) % 2)
		g.Add("zigzag", float64(x), y)
		g.Add("other", float64(x), 1-y)
	}
	p, _, err = g.Plot()
	if err != nil {
		t.Fatal(err)
	}
	if !p.Legend.Top || p.Y.Max <= 1 {
		t.Errorf("legend top=%v y max %v, want head-room", p.Legend.Top, p.Y.Max)
	}
}

func TestEncodeErrors(t *testing.T) {
	if _, err := Encode(&Figure{}, PNG); err == nil {
		t.Error("empty figure rendered")
	}
	f := NewLearningCurve("x")
	f.Add("a", 1, 1)
	if _, err := Encode(f, PNG|SVG); err == nil {
		t.Error("two formats accepted by Encode")
	}
	if _, err := Save(f, filepath.Join(t.TempDir(), "f"), 0); err == nil {
		t.Error("no format accepted by Save")
	}
	if got := (PNG | PDF).String(); got != "png|pdf" {
		t.Errorf("String = %q", got)
	}
}

func TestRawPlot(t *testing.T) {
	p := plot.New()
	l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		t.Fatal(err)
	}
	p.Add(l)
	b, err := Encode(Raw(p, Size{Width: 2 * vg.Inch, Height: vg.Inch}), PNG)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 2*PNGDPI || img.Bounds().Dy() != PNGDPI {
		t.Errorf("size %v at %d dpi", img.Bounds(), PNGDPI)
	}
}

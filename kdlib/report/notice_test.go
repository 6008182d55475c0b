package report

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWithNotice draws a notice on a figure and on panels: the caption
// starts with it, the text is in the SVG and the PDF, the top of the PNG
// carries the notice's colour, and the printed size is the figure's.
func TestWithNotice(t *testing.T) {
	dir := os.Getenv("KDREC_PLOT_DEMO")
	if dir == "" {
		dir = t.TempDir()
	}
	const notice = "Reduced scale (KDREC_QUICK=1): not a result. A second sentence long enough to need a second line on a one-column figure."
	for name, d := range map[string]Drawable{"notice-figure": demoFigures()["curve"], "notice-panels": demoPanels()} {
		n := WithNotice(d, notice)
		if got := n.CaptionText(); !strings.HasPrefix(got, notice) || len(got) <= len(notice) {
			t.Errorf("%s: caption %q does not start with the notice and keep the figure's own", name, got)
		}
		paths, err := Save(n, filepath.Join(dir, name), AllFormats)
		if err != nil || len(paths) != 4 {
			t.Fatalf("%s: %v %v", name, paths, err)
		}
		svg, _ := os.ReadFile(paths[1])
		if !bytes.Contains(svg, []byte("not a result")) {
			t.Errorf("%s: the SVG does not hold the notice's text", name)
		}
		b, _ := os.ReadFile(paths[0])
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		_, size, _ := d.Plot()
		if w := img.Bounds().Dx(); w < int(float64(size.Width)/72*float64(PNGDPI))-2 {
			t.Errorf("%s: %d px wide: the notice changed the size", name, w)
		}
		// The notice's colour appears in the top tenth of the image.
		found := false
		r := img.Bounds()
		for y := r.Min.Y; y < r.Min.Y+r.Dy()/10 && !found; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				cr, cg, cb, _ := img.At(x, y).RGBA()
				if cr>>8 > 0x80 && cg>>8 < 0x40 && cb>>8 < 0x60 {
					found = true
					break
				}
			}
		}
		if !found {
			t.Errorf("%s: no notice-coloured pixel at the top of the PNG", name)
		}
	}
	// An empty notice leaves the figure as it was.
	f := demoFigures()["curve"]
	if WithNotice(f, "  ").CaptionText() != f.CaptionText() {
		t.Error("an empty notice changed the caption")
	}
}

package notebooks

import (
	"path/filepath"
	"testing"

	"github.com/kdrec/kdrec/kdlib/report"
	"github.com/kdrec/kdrec/notebooks/nbkit"
)

// TestGallery: the gallery of docs/figures.md is what the figure files
// produce (nbkit.Gallery: every figure of docs/figures and every figure
// the notebooks declare, with its caption or its note and its command),
// and every figure drawn there keeps the paper style's rules that its
// files show (report.CheckSaved: PNG and PDF at a column or the text
// width, fonts embedded in PDF and SVG, a caption beside it that states
// the seeds behind the uncertainty it draws). Regenerate the gallery with
// `go run ./notebooks/gallery` (scripts/run-notebooks.sh --render does).
func TestGallery(t *testing.T) {
	root := ".."
	changed, err := nbkit.UpdateGallery(root, true)
	if err != nil {
		t.Fatal(err)
	}
	if changed {
		t.Errorf("%s: the gallery differs from the figure files: go run ./notebooks/gallery (figures.md)", nbkit.GalleryDoc)
	}
	figs, _, err := nbkit.GalleryFigures(root)
	if err != nil {
		t.Fatal(err)
	}
	drawn := 0
	for _, g := range figs {
		if g.Missing != "" {
			continue
		}
		drawn++
		for _, issue := range report.CheckSaved(filepath.Join(root, g.Dir, g.Name)) {
			t.Errorf("%s/%s: %s", g.Dir, g.Name, issue)
		}
	}
	if drawn == 0 {
		t.Error("the gallery has no drawn figure")
	}
}

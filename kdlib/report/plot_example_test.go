package report_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/kdrec/kdrec/kdlib/report"
)

// A learning curve with two seeds per method, saved for a paper (PNG, SVG
// and PDF from one call) and shown in the notebook when run in one.
func ExampleSave() {
	fig := report.NewLearningCurve("Recall@50")
	epochs := []int{0, 10, 20, 30}
	fig.AddCurve("teacher", epochs, []float64{0.09, 0.22, 0.25, 0.27}) // seed 0
	fig.AddCurve("teacher", epochs, []float64{0.08, 0.21, 0.26, 0.27}) // seed 1
	fig.AddCurve("RRD", epochs, []float64{0.04, 0.15, 0.18, 0.20})
	fig.AddCurve("RRD", epochs, []float64{0.04, 0.14, 0.19, 0.21})

	dir, _ := os.MkdirTemp("", "fig")
	defer os.RemoveAll(dir)
	paths, err := report.Save(fig, filepath.Join(dir, "curve"), report.PNG|report.SVG|report.PDF)
	if err != nil {
		panic(err)
	}
	for _, p := range paths {
		fmt.Println(filepath.Base(p))
	}
	report.Display(fig) // no-op outside a notebook

	st := fig.Get("RRD").Stats()[1]
	fmt.Printf("RRD at epoch %.0f: %.3f ± %.3f over %d seeds\n", st.X, st.Mean, st.Std, st.N)
	// Output:
	// curve.png
	// curve.svg
	// curve.pdf
	// RRD at epoch 10: 0.145 ± 0.007 over 2 seeds
}

package report_test

import (
	"fmt"
	"math"
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
	// curve.caption.txt
	// RRD at epoch 10: 0.145 ± 0.007 over 2 seeds
}

// A figure for a paper: one column wide (3.33 in), the methods in their
// fixed colours, markers and human names ("rrd" is drawn as "RRD", "teacher
// bpr d=200" as "BPR teacher (d=200)"), the mean ± sd over three seeds,
// the student and the teacher as constant references without markers, a
// y axis from zero, and the caption saved beside the PNG, SVG and PDF.
func Example_paperFigure() {
	fig := &report.Figure{
		XLabel:  "distillation weight λ",
		YLabel:  "test Recall@50",
		LogX:    true,
		Size:    report.OneColumn,
		Caption: "Students (d=20) distilled from a BPR teacher (d=200) on CiteULike-t",
	}
	for _, noise := range []float64{-0.002, 0, 0.003} { // three seeds
		for _, lambda := range []float64{0.01, 0.1, 1} {
			fig.Add("rrd", lambda, 0.25+0.01*math.Log10(lambda*100)+noise)
			fig.Add("ir-rrd", lambda, 0.26+0.012*math.Log10(lambda*100)+noise)
		}
	}
	fig.AddReference("student d=20", 0.221, 0.219, 0.224)
	fig.AddReference("teacher bpr d=200", 0.312, 0.309, 0.311)

	dir, _ := os.MkdirTemp("", "paper")
	defer os.RemoveAll(dir)
	paths, err := report.Save(fig, filepath.Join(dir, "rrd-lambda"), report.AllFormats)
	if err != nil {
		panic(err)
	}
	for _, p := range paths {
		fmt.Println(filepath.Base(p))
	}
	caption, _ := os.ReadFile(filepath.Join(dir, "rrd-lambda"+report.CaptionExt))
	fmt.Print(string(caption))
	// Output:
	// rrd-lambda.png
	// rrd-lambda.svg
	// rrd-lambda.pdf
	// rrd-lambda.caption.txt
	// Students (d=20) distilled from a BPR teacher (d=200) on CiteULike-t. Lines show the mean over n = 3 seeds; error bars and shaded bands: ± 1 sd. Lines without markers are references, constant in x (not measured at each x): student (d=20), BPR teacher (d=200).
}

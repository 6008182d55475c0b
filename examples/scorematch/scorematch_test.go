package scorematch_test

import (
	"bytes"
	"context"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"

	"github.com/kdrec/kdrec/examples/scorematch"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/report"
	"github.com/kdrec/kdrec/kdlib/train"
	"github.com/kdrec/kdrec/repl"
)

// TestGradient checks the term's gradient with respect to the student's
// parameters against central finite differences.
func TestGradient(t *testing.T) {
	teacher, _ := model.NewBPR(model.BPRConfig{Users: 3, Items: 5, Dim: 4, Seed: 1})
	st, _ := model.NewBPR(model.BPRConfig{Users: 3, Items: 5, Dim: 2, Seed: 2})
	term, err := scorematch.New(teacher, st, scorematch.Options{Lambda: 0.3, Scale: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	b := &train.Batch{Users: []int32{0, 2, 1}, Pos: []int32{1, 4, 0}, Neg: []int32{3, 2, 2}}
	for _, p := range st.Params() {
		clear(p.G)
		term.Batch(b)
		grad := append([]float32(nil), p.G...)
		f := func(x []float64) float64 {
			for k := range x {
				p.W[k] = float32(x[k])
			}
			return term.Batch(b)
		}
		x := make([]float64, len(p.W))
		for k, w := range p.W {
			x[k] = float64(w)
		}
		want := fd.Gradient(nil, f, x, &fd.Settings{Formula: fd.Central, Step: 1e-3})
		for k := range x {
			p.W[k] = float32(x[k])
		}
		for k := range want {
			if math.Abs(float64(grad[k])-want[k]) > 2e-3*math.Max(1, math.Abs(want[k])) {
				t.Errorf("%s[%d]: gradient %v, finite differences %v", p.Name, k, grad[k], want[k])
			}
		}
	}
}

// TestOneFile runs the method through kdrepl's train line (with help) and
// through a sweep spec, with nothing in kdrec changed: importing the
// package registered it.
func TestOneFile(t *testing.T) {
	if testing.Short() {
		t.Skip("trains small models on CiteULike-t")
	}
	var out bytes.Buffer
	sh := repl.New(repl.Config{Out: &out, Err: io.Discard, Dir: t.TempDir(), Quiet: true})
	ctx := context.Background()
	if err := sh.Exec(ctx, "help train"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "method score-match:") || !strings.Contains(out.String(), "scale=<float>   factor applied to the teacher") {
		t.Fatalf("help train does not list the new method's option:\n%s", out.String())
	}
	out.Reset()
	histPath := filepath.Join(t.TempDir(), "h.csv")
	script := "load citeulike-t; split loo; train teacher bpr dim=16 epochs=1; " +
		"train student bpr dim=4 epochs=2 eval-every=1 kd=score-match scale.score-match=0.5 lambda.score-match=0.05; export history student " + histPath + "; show student"
	if err := sh.Exec(ctx, script); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	hist, err := os.ReadFile(filepath.Join(filepath.Dir(histPath), "h.csv"))
	if err != nil || !strings.Contains(string(hist), "score-match") {
		t.Fatalf("the student's history has no score-match loss (%v):\n%s\n%s", err, hist, out.String())
	}
	if err := sh.Exec(ctx, "train bad bpr dim=4 kd=score-match scale.score-match=0"); err == nil ||
		!strings.Contains(err.Error(), "scale.score-match=0 is out of range") {
		t.Errorf("bad option: %v", err)
	}

	spec := &exp.Spec{Name: "score-match-example", RunSpec: exp.RunSpec{
		Dataset: exp.DatasetSpec{Name: exp.SyntheticName, Synthetic: &exp.SyntheticSpec{Users: 150, Items: 200, PerUser: 12, Seed: 5}},
		Split:   exp.SplitSpec{Kind: exp.SplitLOO, Candidates: 50},
		Teacher: &exp.TeacherSpec{ModelSpec: exp.ModelSpec{Kind: "bpr", Dim: 16}},
		Student: exp.ModelSpec{Kind: "bpr", Dim: 4}, Protocol: exp.LOO, Budget: exp.Budget{Epochs: 2, EvalEvery: 1},
		KD: []exp.KDTerm{{Method: scorematch.Name, Options: exp.Options{"scale": 0.5}}}}}
	dir := t.TempDir()
	rep, err := exp.RunSweep(ctx, spec, exp.SweepOptions{Out: dir})
	if err != nil || rep.Ran != 1 {
		t.Fatalf("sweep: %v, %v", rep, err)
	}
	sr, err := exp.LoadSweep(dir, spec.SweepKey())
	if err != nil {
		t.Fatal(err)
	}
	if loss := sr.Entries[0].Record.Result.Curve[1].TermLoss[scorematch.Name]; !(loss > 0) {
		t.Errorf("the sweep's run has no score-match loss: %v", sr.Entries[0].Record.Result.Curve[1].TermLoss)
	}
}

// TestFigureStyle checks the style the registration declares: figures draw
// the method under its legend name, in its colour and marker, whatever the
// series is called, and the palette with it keeps its rules (colour from a
// colour-blind-safe palette, distinct within the ranking group, apart in
// greyscale) with no registered name left without a style.
func TestFigureStyle(t *testing.T) {
	m, ok := report.LookupMethod(scorematch.Name)
	if !ok || m.Fallback || m.Name != "ScoreMatch" || !slices.Contains(m.Groups, "ranking") {
		t.Fatalf("LookupMethod(%q) = %+v, %v: want the declared style", scorematch.Name, m, ok)
	}
	want := color.RGBA{R: 0xF0, G: 0xE4, B: 0x42, A: 0xff}
	for _, name := range []string{scorematch.Name, "ScoreMatch", "score-match scale=0.5", "ScoreMatch (ours)"} {
		if st := report.StyleFor(name); st.Color != want || st.Glyph != (report.OpenDiamondGlyph{}) || st.Dashes != nil {
			t.Errorf("StyleFor(%q) = %+v, want #F0E442, open diamond, solid", name, st)
		}
	}
	if got := report.HumanName("score-match scale=0.5"); got != "ScoreMatch (scale=0.5)" {
		t.Errorf("HumanName = %q", got)
	}
	for _, issue := range report.CheckPalette() {
		t.Error(issue)
	}
	if u := report.Unstyled(); len(u) > 0 {
		t.Errorf("registered without a figure style: %v", u)
	}
}

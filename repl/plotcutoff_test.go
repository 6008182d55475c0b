package repl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/report"
)

// TestPlotCurvesCutoff: `plot curves` marks a curve whose run its epoch
// cap stopped while the validation metric was still setting new bests
// (train.RisingAtCap), as the notebooks' figures do: the series is cut off
// (report.Series.Cutoff: an arrow after its last point) and the caption
// written beside the figure, the printed caption and the table's notes say
// so; a run past its peak, a run stopped early and a model whose cap is
// not recorded are not marked.
func TestPlotCurvesCutoff(t *testing.T) {
	sh, out := testShell(t, withoutMethods())
	mustExec(t, sh, out, "load tiny; split loo seed=1 candidates=20")
	for _, m := range []string{"up", "up2", "down", "early", "nocap"} {
		mustExec(t, sh, out, "train "+m+" bpr dim=4 epochs=4 batch=64 eval-every=1")
	}
	// Set each history's validation HR@5, the protocol's stop metric, to
	// the shape under test.
	shape := map[string][]float64{"up": {0.1, 0.2, 0.3, 0.4}, "up2": {0.1, 0.1, 0.1, 0.2}, "down": {0.4, 0.3, 0.2, 0.1}, "early": {0.1, 0.2, 0.3, 0.4}, "nocap": {0.1, 0.2, 0.3, 0.4}}
	for name, vals := range shape {
		me, err := sh.ws.ModelByName(name)
		if err != nil {
			t.Fatal(err)
		}
		k := 0
		for i := range me.Result.History {
			if p := &me.Result.History[i]; p.Valid != nil {
				p.Valid["HR@5"] = vals[k]
				k++
			}
		}
		if k != len(vals) || me.Record == nil || me.Result.Epochs != 4 {
			t.Fatalf("%s: %d evaluations, record %v, %d epochs", name, k, me.Record != nil, me.Result.Epochs)
		}
	}
	early, _ := sh.ws.ModelByName("early")
	early.Result.StoppedEarly = true
	nocap, _ := sh.ws.ModelByName("nocap")
	nocap.Record = nil

	got := mustExec(t, sh, out, "plot curves up down early nocap up2 out=c.svg")
	b, err := os.ReadFile(filepath.Join(sh.dir, "c"+report.CaptionExt))
	if err != nil {
		t.Fatal(err)
	}
	caption := strings.TrimSpace(string(b))
	rule := exp.RisingRule("HR@5")
	want := "Curves ending in an arrow (→) " + report.CutoffPhrase + " (" + rule + "): up (1 of 1 seeds, cap 4 epochs), up2 (1 of 1 seeds, cap 4 epochs)."
	if !strings.Contains(caption, want) {
		t.Errorf("caption %q lacks %q", caption, want)
	}
	for _, name := range []string{"down", "early", "nocap"} {
		if strings.Contains(caption, name+" (1 of 1") {
			t.Errorf("caption marks %s: %q", name, caption)
		}
	}
	if !strings.Contains(got, "caption (c"+report.CaptionExt+"): "+caption) || !strings.Contains(got, "up, up2 stopped at their epoch cap (4) while still improving ("+rule+")") {
		t.Errorf("output does not say so:\n%s", got)
	}
	if strings.Contains(got, "down stopped at its epoch cap") {
		t.Errorf("output marks down:\n%s", got)
	}
	// The test part is judged by the validation values of its metric; a
	// CSV alone has no figure and no caption.
	got = mustExec(t, sh, out, "plot curves up part=test out=t.svg")
	if !strings.Contains(got, "up stopped at its epoch cap (4)") {
		t.Errorf("test curves: %s", got)
	}
	got = mustExec(t, sh, out, "plot curves up out=only.csv")
	if _, err := os.Stat(filepath.Join(sh.dir, "only"+report.CaptionExt)); err == nil || strings.Contains(got, "caption (") {
		t.Errorf("a CSV-only plot wrote a caption: %s", got)
	}
}

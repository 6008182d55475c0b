package nbkit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/exp"
)

// TestMeasuredTableAndFigure draws the inference table and the t-SNE
// figure from a ledger: as notes while it holds none of their runs, then
// from records that hold the measurements (made up here: the drawing is
// under test, not the runs).
func TestMeasuredTableAndFigure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "results")
	led, err := exp.OpenLedger(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvLedger, dir)
	t.Setenv(EnvQuick, "")
	t.Setenv(EnvRetrain, "")
	figs := t.TempDir()
	t.Setenv(EnvFigures, figs)
	l, err := OpenLedger()
	if err != nil {
		t.Fatal(err)
	}
	inf, err := l.Sweep("derrd-inference")
	if err != nil {
		t.Fatal(err)
	}
	tsne, err := l.Sweep("de-tsne")
	if err != nil {
		t.Fatal(err)
	}
	if err := inf.ShowInference("inf"); err != nil {
		t.Fatal(err)
	}
	if err := tsne.ShowEmbedding("map", 4, "A map."); err != nil {
		t.Fatal(err)
	}
	for name, sweep := range map[string]string{"inf": "derrd-inference", "map": "de-tsne"} {
		note, err := os.ReadFile(filepath.Join(figs, name+MissingExt))
		if err != nil || !strings.Contains(string(note), "sweep: "+sweep+"\n") {
			t.Errorf("%s: note %q, %v", name, note, err)
		}
	}
	// Records with the measurements.
	add := func(e exp.Entry, extra map[string]any, params int) {
		rec := &exp.Record{ID: e.Run.ID, Hash: e.Run.Hash, Label: e.Run.Label, Point: e.Run.Point, Spec: e.Run.Spec,
			Machine: &exp.Machine{Arch: "amd64", CPUs: 2, Procs: 2, Load: []float64{1, 2}},
			Result:  exp.RunResult{Protocol: exp.LOO, Epochs: 1, Best: map[string]float64{"HR@5": 0.4}, Params: params, Extra: extra}}
		if _, err := led.Add(rec); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range inf.Entries[:2] { // the teacher's first two seeds
		add(e, map[string]any{exp.ExtraInference: &exp.InferenceReport{Users: 200, K: 50, Items: 25181, MsPerUser: 1.5}}, 6080000)
	}
	side := func(name string) exp.EmbeddingSide {
		s := exp.EmbeddingSide{Side: name}
		for k := range 12 {
			s.IDs, s.Expert = append(s.IDs, int32(k)), append(s.Expert, int32(k%5))
			p := [2]float64{float64(k % 3), float64(k / 3)}
			s.Teacher, s.Student, s.Experts = append(s.Teacher, p), append(s.Student, p), append(s.Experts, p)
		}
		return s
	}
	add(tsne.Entries[0], map[string]any{exp.ExtraEmbedding: &exp.EmbeddingReport{Method: "de", Experts: 5, Sides: []exp.EmbeddingSide{side("users"), side("items")}}}, 608000)
	if inf, err = l.Sweep("derrd-inference"); err != nil {
		t.Fatal(err)
	}
	if tsne, err = l.Sweep("de-tsne"); err != nil {
		t.Fatal(err)
	}
	if err := inf.ShowInference("inf"); err != nil {
		t.Fatal(err)
	}
	if err := tsne.ShowEmbedding("map", 4, "A map."); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(figs, "inf.md"))
	if err != nil || !strings.Contains(string(md), "| Teacher | 200 | 6080000 | 1.000 | – | 1.500 ± 0.000 | 1.0× | 2 |") || !strings.Contains(string(md), "Not recorded yet: ") {
		t.Errorf("inference table:\n%s (%v)", md, err)
	}
	capt, err := os.ReadFile(filepath.Join(figs, "map.caption.txt"))
	if err != nil || !strings.Contains(string(capt), "A map.") || !strings.Contains(string(capt), "(f) items: experts' outputs") {
		t.Errorf("figure caption %q, %v", capt, err)
	}
	for _, name := range []string{"inf", "map"} {
		if _, err := os.Stat(filepath.Join(figs, name+MissingExt)); err == nil {
			t.Errorf("the note of %s stayed beside it", name)
		}
	}
}

package nbkit

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/report"
)

// curveMetrics are the metrics of a synthetic run: both protocols'.
var curveMetrics = []string{"HR@5", "HR@10", "HR@20", "NDCG@5", "NDCG@10", "NDCG@20", "Recall@10", "Recall@20", "Recall@50", "NDCG@50"}

// fakeResult returns a synthetic result of run r that trained end epochs
// of its budget (clipped to the cap), evaluated as the budget says: its
// metrics still rising at the end when rising, else past their peak; a
// topology trace, a teacher's trajectory and, for HetComp, DKC steps of
// the six teachers.
func fakeResult(r exp.Run, end int, rising bool) exp.RunResult {
	b := r.Spec.Budget
	end = min(end, b.Epochs)
	h := fnv.New32a()
	h.Write([]byte(r.Label))
	base := 0.2 + 0.2*float64(h.Sum32()%100)/100 + 0.002*float64(r.Spec.Seed)
	value := func(e int) float64 {
		if rising {
			return base * (1 - math.Exp(-float64(e)/float64(3*end)))
		}
		return base * (1 - math.Exp(-float64(e)/5)) * (1 - 0.002*float64(e))
	}
	every := max(b.EvalEvery, 1)
	res := exp.RunResult{Protocol: r.Spec.Protocol, Epochs: end, StoppedEarly: end < b.Epochs, Best: map[string]float64{}, Final: map[string]float64{}}
	for _, m := range curveMetrics {
		res.Best[m], res.Final[m] = value(end), value(end)
	}
	tr := exp.TopologyTrace{Users: 500, Items: 500, K: 10, Stride: 1}
	for e := 0; e <= end; e++ {
		p := exp.CurvePoint{Epoch: e}
		if (e == 0 && b.EvalAtStart) || (e > 0 && (e%every == 0 || e == end)) {
			p.Valid, p.Test = map[string]float64{}, map[string]float64{}
			for _, m := range curveMetrics {
				p.Valid[m], p.Test[m] = value(e), value(e)-0.01
			}
			tr.Epoch = append(tr.Epoch, e)
			tr.Discrepancy = append(tr.Discrepancy, 0.3-value(e)/2)
			tr.KNN = append(tr.KNN, value(e))
		}
		res.Curve = append(res.Curve, p)
	}
	res.Extra = map[string]any{exp.ExtraTopology: tr,
		exp.ExtraTrajectory: exp.Trajectory{Epoch: []int{10, 20, 30}, Valid: []float64{value(10), value(20), value(30)}, StageEpochs: []int{10, 20, 30}}}
	if r.Label == "HetComp" {
		var dkc []distill.DKCRecord
		for k, ep := range []int{10, 20, 30} {
			st := make([]float64, len(HetCompMembers))
			counts := make([][]int, len(HetCompMembers))
			for x := range st {
				// 100 users: 10·k·(x+1) moved one stage per step.
				c := []int{100, 0, 0, 0}
				for v := range k {
					moved := min(c[v], 10*(k+x+1))
					c[v], c[v+1] = c[v]-moved, c[v+1]+moved
				}
				for v, n := range c {
					st[x] += float64(v*n) / 100
				}
				counts[x] = c
			}
			dkc = append(dkc, distill.DKCRecord{Epoch: ep, MeanStage: st, StageUsers: counts, Phase: 1 + k/2})
		}
		res.Extra[exp.ExtraDKC] = dkc
	}
	if len(r.Spec.Teachers) > 0 && len(r.Spec.KD) > 0 {
		// The student's distance to each teacher, the ensemble and the
		// earlier checkpoints: falling as it learns, the checkpoints closer.
		d := exp.DiscrepancyTrace{K: 50, Stride: 1, Stages: make([][]float64, 3)}
		for x := range r.Spec.Teachers {
			d.Sources = append(d.Sources, fmt.Sprintf("T%d", x))
		}
		d.Sources = append(d.Sources, "Ensemble")
		d.Distance = make([][]float64, len(d.Sources))
		for _, p := range res.Curve {
			if p.Valid == nil {
				continue
			}
			d.Epoch = append(d.Epoch, p.Epoch)
			for s := range d.Distance {
				d.Distance[s] = append(d.Distance[s], 0.95-value(p.Epoch)-0.01*float64(s))
			}
			for v := range d.Stages {
				d.Stages[v] = append(d.Stages[v], 0.8-value(p.Epoch)+0.05*float64(v))
			}
		}
		res.Extra[exp.ExtraDiscrepancy] = d
	}
	if r.Spec.Measure != nil && r.Spec.Measure.Embedding != nil {
		// Two sides of 40 entities over 7 experts, on a spiral.
		e := exp.EmbeddingReport{Method: "de", Experts: 7}
		for _, side := range []string{"users", "items"} {
			s := exp.EmbeddingSide{Side: side}
			for j := range 40 {
				a := float64(j) / 3
				xy := [2]float64{a * math.Cos(a), a * math.Sin(a)}
				s.IDs, s.Expert = append(s.IDs, int32(j)), append(s.Expert, int32(j%7))
				s.Teacher, s.Student, s.Experts = append(s.Teacher, xy), append(s.Student, [2]float64{xy[1], xy[0]}), append(s.Experts, xy)
			}
			e.Sides = append(e.Sides, s)
		}
		res.Extra[exp.ExtraEmbedding] = e
	}
	// As a ledger restores it: the extras as JSON trees.
	b2, _ := json.Marshal(res.Extra)
	res.Extra = nil
	json.Unmarshal(b2, &res.Extra)
	return res
}

// fakeSweeps returns a sweepFunc of synthetic sweeps in which every run is
// recorded (fakeResult: end epochs, rising or not).
func fakeSweeps(t *testing.T, end int, rising bool) sweepFunc {
	return func(name string, rows ...string) (*Recorded, error) {
		sw := syntheticResults(t, name, func(exp.Run) bool { return true }, func(r exp.Run) exp.RunResult { return fakeResult(r, end, rising) })
		return sw.Rows(rows...)
	}
}

// shown records the figures ShowFigure is given while the test runs.
func shown(t *testing.T) map[string]report.Drawable {
	got := map[string]report.Drawable{}
	figureShown = func(name string, d report.Drawable) { got[name] = d }
	t.Cleanup(func() { figureShown = nil })
	return got
}

// TestDissertationGrammar draws every figure that reproduces one of the
// dissertation's from synthetic records of its sweep, as the notebook
// draws it, and checks its grammar — each panel's axes and the series —
// against DissertationFigures, and the paper style of its files.
func TestDissertationGrammar(t *testing.T) {
	dir := figureDir(t)
	got := shown(t)
	sweeps := fakeSweeps(t, 120, false)
	for _, d := range DissertationFigures {
		if (d.Name == "") != (d.draw == nil) || (d.Name == "") != (d.Missing != "") || (d.Name != "" && (d.Notebook == "" || d.Sweep == "")) {
			t.Errorf("%s: name %q, notebook %q, sweep %q, missing %q, drawn %v: want a figure with its notebook, sweep and drawing, or what is missing",
				d.Figure, d.Name, d.Notebook, d.Sweep, d.Missing, d.draw != nil)
			continue
		}
		if d.Name == "" {
			continue
		}
		if err := d.draw(sweeps, d.Name); err != nil {
			t.Errorf("%s: %v", d.Name, err)
			continue
		}
		fig, ok := got[d.Name]
		if !ok {
			t.Errorf("%s: not drawn", d.Name)
			continue
		}
		g := grammarOf(fig)
		if !slices.Equal(g.X, d.Want.X) || !slices.Equal(g.Y, d.Want.Y) || !slices.Equal(g.Series, d.Want.Series) {
			t.Errorf("%s: grammar\n x %q\n y %q\n series %q\nwant\n x %q\n y %q\n series %q", d.Name, g.X, g.Y, g.Series, d.Want.X, d.Want.Y, d.Want.Series)
		}
		readCaption(t, dir, d.Name)
	}
	// The size figures draw the size ratio φ, from 0.05 (d = 10) to 1.
	size := got["ch2-topology-size"].(*report.Figure)
	if st := size.Get("FTD").Stats(); len(st) != 4 || st[0].X != 0.05 || st[3].X != 1 {
		t.Errorf("FTD against φ: %+v", st)
	}
	// The DE-RRD and IR-RRD curves end at epoch 100, as the notebooks'.
	if st := got["ch3-rrd-curves"].(*report.Figure).Get("IR-RRD").Stats(); st[len(st)-1].X != 100 {
		t.Errorf("IR-RRD curve ends at %v", st[len(st)-1].X)
	}
	// The notice of a figure names the missing runs of the rows it draws
	// only: FitNet, missing from td-protocol, is not in the size figure.
	partial := func(name string, rows ...string) (*Recorded, error) {
		sw := syntheticResults(t, name, func(r exp.Run) bool { return r.Label != "FitNet" && r.Label != "FTD" },
			func(r exp.Run) exp.RunResult { return fakeResult(r, 120, false) })
		return sw.Rows(rows...)
	}
	i := slices.IndexFunc(DissertationFigures, func(d DissertationFigure) bool { return d.Name == "ch2-topology-size" })
	if err := DissertationFigures[i].draw(partial, "size"); err != nil {
		t.Fatal(err)
	}
	if c := readCaption(t, dir, "size"); !strings.Contains(c, "Not in the ledger yet: FTD") || strings.Contains(c, "FitNet") {
		t.Errorf("caption %q", c)
	}
	if err := Reproduce("ch9-nothing"); err == nil || !strings.Contains(err.Error(), "ch3-derrd-curves") {
		t.Errorf("an unknown figure: %v", err)
	}
}

// TestDissertationFiguresDeclared: each figure of the table is declared by
// its notebook, which draws it with Reproduce, and docs/figures.md holds
// the generated table.
func TestDissertationFiguresDeclared(t *testing.T) {
	root := filepath.Join("..", "..")
	for _, d := range DissertationFigures {
		if d.Name == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, "notebooks", d.Notebook+".ipynb"))
		if err != nil {
			t.Errorf("%s: %v", d.Name, err)
			continue
		}
		var nb notebookMeta
		if err := json.Unmarshal(b, &nb); err != nil {
			t.Fatal(err)
		}
		if nb.Metadata.Kdrec == nil || !slices.Contains(nb.Metadata.Kdrec.Figures, d.Name) {
			t.Errorf("%s: notebook %s does not declare it", d.Name, d.Notebook)
		}
		if !strings.Contains(string(b), `nbkit.Reproduce(\"`+d.Name+`\")`) {
			t.Errorf("%s: notebook %s does not draw it with nbkit.Reproduce", d.Name, d.Notebook)
		}
	}
	doc, err := os.ReadFile(filepath.Join(root, GalleryDoc))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), DissertationStart+"\n") || !strings.Contains(string(doc), "\n"+DissertationEnd) {
		t.Errorf("%s has no table of the dissertation's figures (its markers)", GalleryDoc)
	}
}

// TestDissertationTable: the state of each figure comes from its files.
func TestDissertationTable(t *testing.T) {
	figs := []GalleryFigure{
		{Name: "ch3-derrd-curves", Caption: "Validation HR@5 per epoch."},
		{Name: "ch3-rrd-curves", Caption: "Not in the ledger yet: DE (seed 2). Validation HR@5 per epoch."},
		{Name: "ch2-td1-curves", Missing: "Not drawn: none of the 39 runs.\nsweep: td-protocol\nmissing: 0123\n"},
		{Name: "ch4-hetcomp-stages", Missing: "Not drawn: ch4-hetcomp-stages: no DKC step of HetComp is recorded.\nsweep: none\n"},
	}
	tb := DissertationTable(figs)
	rows := strings.Split(strings.TrimSpace(tb), "\n")
	if len(rows) != len(DissertationFigures)+2 {
		t.Fatalf("%d rows for %d figures:\n%s", len(rows), len(DissertationFigures), tb)
	}
	for _, want := range []string{
		"[ch3-derrd-curves](#ch3-derrd-curves) (`ch3-rrd`) | yes: the first 100 epochs",
		"| drawn from the ledger (`derrd-protocol`) |",
		"| drawn from the ledger (`derrd-protocol`), some rows still waiting for runs |",
		"| waiting for the runs of `td-protocol` |",
		"| not drawn: ch4-hetcomp-stages: no DKC step of HetComp is recorded |",
		"| not rendered: its notebook does not declare it |",
		"| — | — | not yet built: the setup is not defined in any source available here",
		"| no: one panel, CiteULike",
	} {
		if !strings.Contains(tb, want) {
			t.Errorf("table lacks %q:\n%s", want, tb)
		}
	}
}

// TestCurvesSayCutoff: the chapters' curves drawn from runs that their
// epoch cap stopped while still rising say so — on the learning curves of
// one or several panels, the size curves and the topology traces — and
// those of runs that stopped early do not. A drawing path that dropped the
// mark would fail here.
func TestCurvesSayCutoff(t *testing.T) {
	dir := figureDir(t)
	for _, rising := range []bool{true, false} {
		end := 100 // td-protocol's cap: every run stops there
		if !rising {
			end = 60 // as if stopped early
		}
		sweeps := fakeSweeps(t, end, rising)
		draws := map[string]func(string) error{
			"panels": func(n string) error {
				return DissertationFigures[slices.IndexFunc(DissertationFigures, func(d DissertationFigure) bool { return d.Name == "ch2-td1-curves" })].draw(sweeps, n)
			},
			"sizes": func(n string) error {
				sw, err := sweeps("td-protocol", "Student")
				if err != nil {
					return err
				}
				return sw.ShowSizeCurves(n, exp.CurveOptions{Metric: "Recall@50", Part: "test"}, "student.dim", "d=")
			},
			"curves": func(n string) error {
				sw, err := sweeps("td-protocol", "Teacher")
				if err != nil {
					return err
				}
				return sw.ShowCurves(n, exp.CurveOptions{Metric: "Recall@50", Part: "test"})
			},
			"topology": func(n string) error {
				sw, err := sweeps("td-protocol", RowsAt("student.dim", 20, "FTD", "HTD")...)
				if err != nil {
					return err
				}
				return sw.ShowTopology(n)
			},
		}
		for what, draw := range draws {
			if err := draw(what); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			c := readCaption(t, dir, what)
			if said := strings.Contains(c, report.CutoffPhrase); said != rising {
				t.Errorf("%s, rising %v: caption says cut off %v: %s", what, rising, said, c)
			}
			if rising && !strings.Contains(c, exp.RisingRule("Recall@50")) {
				t.Errorf("%s: caption does not state the rule: %s", what, c)
			}
		}
	}
}

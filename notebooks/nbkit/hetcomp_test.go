package nbkit

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/report"
)

// discTrace is a synthetic discrepancy trace of teachers teachers over
// epochs: teacher x at 0.5 + 0.01·x + shift, the ensemble at 0.4 + shift,
// the three earlier stages at 0.2, 0.3, 0.4 + shift.
func discTrace(teachers int, epochs []int, shift float64) exp.DiscrepancyTrace {
	d := exp.DiscrepancyTrace{K: 50, Stride: 1, Epoch: epochs}
	for x := range teachers {
		d.Sources = append(d.Sources, "T")
		d.Distance = append(d.Distance, slices.Repeat([]float64{0.5 + 0.01*float64(x) + shift}, len(epochs)))
	}
	d.Sources = append(d.Sources, "Ensemble")
	d.Distance = append(d.Distance, slices.Repeat([]float64{0.4 + shift}, len(epochs)))
	for v := range 3 {
		d.Stages = append(d.Stages, slices.Repeat([]float64{0.2 + 0.1*float64(v) + shift}, len(epochs)))
	}
	return d
}

// TestShowDiscrepancy: the distances of the RRD students to their teachers
// (the mean over the set), to the ensemble and to the checkpoints, one
// line per teacher set and per stage, each the mean over seeds to the last
// epoch all seeds reached; a sweep not recorded yet is named on the
// figure, both unrecorded give one note naming both, and records without
// the measurement give a note saying so.
func TestShowDiscrepancy(t *testing.T) {
	dir := figureDir(t)
	got := shown(t)
	// Heterogeneous: seeds 0 and 1 recorded (seed 1 ends earlier);
	// homogeneous: seed 0 only.
	het := synthetic(t, "hetcomp-protocol", func(r exp.Run) bool { return r.Label == "RRD" && r.Spec.Seed < 2 }, func(r exp.Run) map[string]any {
		epochs := []int{0, 10, 20, 30}
		if r.Spec.Seed == 1 {
			epochs = epochs[:3]
		}
		return map[string]any{exp.ExtraDiscrepancy: discTrace(6, epochs, 0.1*float64(r.Spec.Seed))}
	})
	homo := synthetic(t, "hetcomp-homogeneous", func(r exp.Run) bool { return r.Label == "RRD" && r.Spec.Seed == 0 }, func(r exp.Run) map[string]any {
		return map[string]any{exp.ExtraDiscrepancy: discTrace(6, []int{0, 10, 20, 30}, -0.2)}
	})
	if err := het.ShowDiscrepancy("disc", homo, ""); err != nil {
		t.Fatal(err)
	}
	p := got["disc"].(*report.Panels)
	if len(p.Figures) != 3 {
		t.Fatalf("%d panels", len(p.Figures))
	}
	// (a) The heterogeneous set: the mean of 0.5…0.55 is 0.525 at seed 0,
	// 0.625 at seed 1; drawn to epoch 20, where both seeds end.
	st := p.Figures[0].Get(heterogeneousSeries).Stats()
	if len(st) != 3 || st[2].X != 20 || st[2].N != 2 || math.Abs(st[2].Mean-0.575) > 1e-9 {
		t.Errorf("heterogeneous, to the teachers: %+v", st)
	}
	if st := p.Figures[1].Get(homogeneousSeries).Stats(); len(st) != 4 || math.Abs(st[0].Mean-0.2) > 1e-9 {
		t.Errorf("homogeneous, to the ensemble: %+v", st)
	}
	// (c) The stages, earliest first, then the converged teachers' mean.
	var names []string
	for _, s := range p.Figures[2].Series {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, []string{"stage 0", "stage 1", "stage 2", "stage 3 (converged)"}) {
		t.Errorf("stage series %q", names)
	}
	if st := p.Figures[2].Get("stage 1").Stats(); math.Abs(st[0].Mean-0.35) > 1e-9 {
		t.Errorf("stage 1: %+v", st)
	}
	c := readCaption(t, dir, "disc")
	for _, want := range []string{"Not in the ledger yet: RRD (seed 2)", "RRD (seeds 1, 2)", "each line ends at the last epoch all its seeds reached",
		"ledger sweep hetcomp-protocol", "ledger sweep hetcomp-homogeneous"} {
		if !strings.Contains(strings.ToLower(c), strings.ToLower(want)) {
			t.Errorf("caption lacks %q: %s", want, c)
		}
	}
	// Neither sweep recorded: one note for both.
	none := func(name string) *Recorded {
		return synthetic(t, name, func(exp.Run) bool { return false }, func(exp.Run) map[string]any { return nil })
	}
	if err := none("hetcomp-protocol").ShowDiscrepancy("disc", none("hetcomp-homogeneous"), ""); err != nil {
		t.Fatal(err)
	}
	note, err := os.ReadFile(filepath.Join(dir, "disc"+MissingExt))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sweep: hetcomp-protocol, hetcomp-homogeneous\n", "runs of hetcomp-protocol and hetcomp-homogeneous",
		"kdsweep status --ledger results hetcomp-protocol; go run ./cmd/kdsweep status", "hetcomp-homogeneous: RRD (seeds 0–2)"} {
		if !strings.Contains(string(note), want) {
			t.Errorf("note lacks %q:\n%s", want, note)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "disc.png")); err == nil {
		t.Error("a figure stands beside the note")
	}
	// Records made before the runner measured it.
	old := synthetic(t, "hetcomp-protocol", func(r exp.Run) bool { return r.Label == "RRD" }, func(exp.Run) map[string]any { return nil })
	if err := old.ShowDiscrepancy("disc", none("hetcomp-homogeneous"), ""); err != nil {
		t.Fatal(err)
	}
	if note, _ := os.ReadFile(filepath.Join(dir, "disc"+MissingExt)); !strings.Contains(string(note), "sweep: none") || !strings.Contains(string(note), "before the runners kept") {
		t.Errorf("note %q", note)
	}
}

// TestShowStageShares: the share of the users at each stage of every
// teacher after the first, middle and last DKC step, mean over the seeds;
// records without the counts give a note, counts of another number of
// teachers an error.
func TestShowStageShares(t *testing.T) {
	dir := figureDir(t)
	got := shown(t)
	steps := func(seed uint64, counts bool) []distill.DKCRecord {
		var out []distill.DKCRecord
		for k, ep := range []int{5, 10, 15, 20, 25} {
			d := distill.DKCRecord{Epoch: ep, MeanStage: make([]float64, 6)}
			if counts {
				for x := range 6 {
					// 10 users: k+x of them (at most 10) at stage 1,
					// one more at stage 3 for seed 1.
					c := []int{10, 0, 0, 0}
					at1 := min(k+x, 9)
					c[0], c[1] = 10-at1, at1
					if seed == 1 {
						c[0]--
						c[3]++
					}
					d.StageUsers = append(d.StageUsers, c)
				}
			}
			out = append(out, d)
		}
		return out
	}
	sw := synthetic(t, "hetcomp-table", func(r exp.Run) bool { return r.Label == "HetComp" }, func(r exp.Run) map[string]any {
		return map[string]any{exp.ExtraDKC: steps(r.Spec.Seed, true)}
	})
	if err := sw.ShowStageShares("shares", HetCompMembers); err != nil {
		t.Fatal(err)
	}
	p := got["shares"].(*report.Panels)
	var titles []string
	for _, f := range p.Figures {
		titles = append(titles, f.Title)
	}
	if !slices.Equal(titles, []string{"epoch 5", "epoch 15", "epoch 25"}) {
		t.Errorf("panels %q", titles)
	}
	// Epoch 15 (k = 2), teacher GNN (x = 3): 5 of 10 users at stage 1.
	st := p.Figures[1].Get("GNN").Stats()
	if len(st) != 4 || st[1].X != 1 || math.Abs(st[1].Mean-0.5) > 1e-12 || st[3].Mean != 0 {
		t.Errorf("GNN at epoch 15: %+v", st)
	}
	if c := readCaption(t, dir, "shares"); !strings.Contains(c, "3: converged") || !strings.Contains(c, "One seed per bar") {
		t.Errorf("caption %q", c)
	}
	// One DKC step (a short run): one panel, said in the caption.
	one := synthetic(t, "hetcomp-table", func(r exp.Run) bool { return r.Label == "HetComp" }, func(r exp.Run) map[string]any {
		return map[string]any{exp.ExtraDKC: steps(r.Spec.Seed, true)[:1]}
	})
	if err := one.ShowStageShares("one", HetCompMembers); err != nil {
		t.Fatal(err)
	}
	if f, ok := got["one"].(*report.Figure); !ok || f.Title != "" {
		t.Errorf("one step drawn as %T", got["one"])
	}
	if c := readCaption(t, dir, "one"); !strings.Contains(c, "after the run's one recorded DKC step, at epoch 5;") {
		t.Errorf("caption %q", c)
	}
	if err := sw.ShowStageShares("shares", HetCompMembers[:3]); err == nil {
		t.Error("the stages of six teachers drawn with three member names")
	}
	old := synthetic(t, "hetcomp-table", func(r exp.Run) bool { return r.Label == "HetComp" }, func(r exp.Run) map[string]any {
		return map[string]any{exp.ExtraDKC: steps(r.Spec.Seed, false)}
	})
	if err := old.ShowStageShares("shares", HetCompMembers); err != nil {
		t.Fatal(err)
	}
	if note, _ := os.ReadFile(filepath.Join(dir, "shares"+MissingExt)); !strings.Contains(string(note), "before the runner kept the users' stage counts") {
		t.Errorf("note %q", note)
	}
}

// TestHetCompAblation: HetComp and its two ablations as categories, one
// panel per N, the rows not recorded named on the figure; none recorded
// gives the note of the protocol's runs.
func TestHetCompAblation(t *testing.T) {
	dir := figureDir(t)
	got := shown(t)
	part := func(name string, rows ...string) (*Recorded, error) {
		sw := syntheticResults(t, name, func(r exp.Run) bool { return r.Label != "HetComp w/o AKT" },
			func(r exp.Run) exp.RunResult { return fakeResult(r, 60, false) })
		return sw.Rows(rows...)
	}
	if err := HetCompAblation(part, "abl"); err != nil {
		t.Fatal(err)
	}
	p := got["abl"].(*report.Panels)
	if len(p.Figures) != 2 || p.Figures[1].Title != "N = 50" || !slices.Equal(p.Figures[0].Categories, []string{"HetComp", "w/o DKC", "w/o AKT"}) {
		t.Fatalf("panels %+v", p.Figures)
	}
	if st := p.Figures[1].Get("NDCG@N").Stats(); len(st) != 2 || st[1].X != 1 || st[1].N != 3 {
		t.Errorf("NDCG@50 bars: %+v", st)
	}
	c := readCaption(t, dir, "abl")
	for _, want := range []string{"Not in the ledger yet: HetComp w/o AKT (seeds 0–2)", "Recall@10, NDCG@10 (a); Recall@50, NDCG@50 (b)", "n = 3 seeds"} {
		if !strings.Contains(c, want) {
			t.Errorf("caption lacks %q: %s", want, c)
		}
	}
	none := func(name string, rows ...string) (*Recorded, error) {
		sw := synthetic(t, name, func(exp.Run) bool { return false }, func(exp.Run) map[string]any { return nil })
		return sw.Rows(rows...)
	}
	if err := HetCompAblation(none, "abl"); err != nil {
		t.Fatal(err)
	}
	note, err := os.ReadFile(filepath.Join(dir, "abl"+MissingExt))
	if err != nil || !strings.Contains(string(note), "sweep: hetcomp-protocol\n") || !strings.Contains(string(note), "none of the 9 runs") {
		t.Errorf("note %q, %v", note, err)
	}
}

// TestShowHetCompCurves: the curves of the rows with a dotted line at
// every HetComp seed's switch to phase 2 (one label, on the earliest),
// and the seeds that never switched named in the caption.
func TestShowHetCompCurves(t *testing.T) {
	dir := figureDir(t)
	got := shown(t)
	// Seed 0 switches at 120, seed 1 at at1, seed 2 never.
	synth := func(at1 int) *Recorded {
		return syntheticResults(t, "hetcomp-protocol", func(r exp.Run) bool {
			return r.Label == "HetComp" || r.Label == "w/o KD"
		}, func(r exp.Run) exp.RunResult {
			res := fakeResult(r, 300, false)
			if r.Label == "HetComp" {
				var dkc []distill.DKCRecord
				for ep := 10; ep <= 200; ep += 10 {
					phase := 1
					if (r.Spec.Seed == 0 && ep >= 120) || (r.Spec.Seed == 1 && ep >= at1) {
						phase = 2
					}
					dkc = append(dkc, distill.DKCRecord{Epoch: ep, MeanStage: make([]float64, 6), Phase: phase})
				}
				res.Extra = map[string]any{exp.ExtraDKC: dkc}
			}
			return res
		})
	}
	together, err := synth(120).Rows("w/o KD", "HetComp")
	if err != nil {
		t.Fatal(err)
	}
	if err := together.ShowHetCompCurves("hc2", exp.CurveOptions{Metric: "Recall@50", Part: "test"}); err != nil {
		t.Fatal(err)
	}
	if f := got["hc2"].(*report.Figure); len(f.Events) != 1 || !strings.Contains(f.Events[0].What, "in seeds 0, 1, at epoch 120") {
		t.Errorf("seeds switching together: %+v", f.Events)
	}
	sel, err := synth(140).Rows("w/o KD", "HetComp")
	if err != nil {
		t.Fatal(err)
	}
	if err := sel.ShowHetCompCurves("hc", exp.CurveOptions{Metric: "Recall@50", Part: "test"}); err != nil {
		t.Fatal(err)
	}
	f := got["hc"].(*report.Figure)
	if len(f.Events) != 2 || f.Events[0].X != 120 || f.Events[1].X != 140 || f.Events[0].Label != "phase 2" || f.Events[1].Label != "" {
		t.Fatalf("events %+v", f.Events)
	}
	c := readCaption(t, dir, "hc")
	for _, want := range []string{"Dotted vertical lines mark HetComp's switch to phase 2 (AKT's list-wise loss) in seed 0, at epoch 120; HetComp's switch",
		"in seed 1, at epoch 140.", "HetComp did not reach phase 2 in seed 2."} {
		if !strings.Contains(c, want) {
			t.Errorf("caption lacks %q:\n%s", want, c)
		}
	}
}

// tChoice is a synthetic temperature choice over grid: validation recall
// rising to its maximum at best and falling by 0.001 per step after it.
func tChoice(grid []float64, best int) map[string]any {
	valid := map[string]any{}
	for j, T := range grid {
		v := 0.3 - 0.02*float64(max(best-j, 0)) - 0.001*float64(max(j-best, 0))
		valid[strconv.FormatFloat(T, 'g', -1, 64)] = v
	}
	return map[string]any{exp.ExtraEnsembleT: grid[best], exp.ExtraTValid: valid, exp.ExtraTEdge: best == 0 || best == len(grid)-1}
}

// TestShowEnsembleTemperature: one line per sweep over its own grid, the
// mean over the seeds at each T, labelled by data set and teachers; the
// Ensemble rows not recorded named on the figure; no record in any sweep
// gives one note naming the sweeps.
func TestShowEnsembleTemperature(t *testing.T) {
	dir := figureDir(t)
	got := shown(t)
	cite := []float64{1, 2, 5, 10, 20, 50, 100, 200}
	lastfm := append(slices.Clone(cite), 500, 1000)
	het := synthetic(t, "hetcomp-protocol", func(r exp.Run) bool { return r.Label == "Ensemble" && r.Spec.Seed < 2 }, func(r exp.Run) map[string]any {
		return tChoice(cite, 6+int(r.Spec.Seed)) // T = 100, then 200 (the edge)
	})
	homo := synthetic(t, "hetcomp-homogeneous", func(r exp.Run) bool { return r.Label == "Ensemble" }, func(r exp.Run) map[string]any {
		return tChoice(cite, 7)
	})
	lfm := synthetic(t, "hetcomp-protocol-lastfm", func(r exp.Run) bool { return r.Label == "Ensemble" && r.Spec.Seed == 0 }, func(r exp.Run) map[string]any {
		return tChoice(lastfm, 8)
	})
	if err := ShowEnsembleTemperature("temp", het, homo, lfm); err != nil {
		t.Fatal(err)
	}
	fig := got["temp"].(*report.Figure)
	var names []string
	for _, s := range fig.Series {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, []string{"CiteULike-t, heterogeneous teachers", "CiteULike-t, homogeneous teachers", "Last.fm, heterogeneous teachers"}) {
		t.Fatalf("series %q", names)
	}
	// CiteULike-t heterogeneous at T = 200: 0.299 (seed 0, one step past
	// its best) and 0.3 (seed 1).
	st := fig.Series[0].Stats()
	if len(st) != len(cite) || st[7].X != 200 || st[7].N != 2 || math.Abs(st[7].Mean-0.2995) > 1e-12 {
		t.Errorf("CiteULike-t heterogeneous: %+v", st)
	}
	if st := fig.Series[2].Stats(); len(st) != len(lastfm) || st[9].X != 1000 || st[9].N != 1 || math.Abs(st[9].Mean-0.299) > 1e-12 {
		t.Errorf("Last.fm: %+v", st)
	}
	if !fig.LogX {
		t.Error("the T axis is not logarithmic")
	}
	// Each line its own colour, marker and dashes; the CiteULike-t sets
	// styled as the discrepancy figure styles them.
	for j, a := range fig.Series {
		for _, b := range fig.Series[j+1:] {
			if a.Style == nil || b.Style == nil || a.Style.Color == b.Style.Color || a.Style.Glyph == b.Style.Glyph || slices.Equal(a.Style.Dashes, b.Style.Dashes) {
				t.Errorf("lines %q and %q are not styled apart: %+v, %+v", a.Name, b.Name, a.Style, b.Style)
			}
		}
	}
	if st := setStyles[homogeneousSeries]; fig.Series[1].Style.Color != st.Color || !slices.Equal(fig.Series[1].Style.Dashes, st.Dashes) {
		t.Errorf("homogeneous line %+v, the discrepancy figure's %+v", fig.Series[1].Style, st)
	}
	c := readCaption(t, dir, "temp")
	for _, want := range []string{"CiteULike-t, heterogeneous teachers: not in the ledger yet: Ensemble (seed 2).", "Last.fm, heterogeneous teachers: not in the ledger yet: Ensemble (seeds 1, 2).", "hetcomp-protocol, hetcomp-homogeneous, hetcomp-protocol-lastfm", "Heterogeneous teachers: one of each of HetComp's teacher families; homogeneous: teachers of one kind (BPR-MF) ("} {
		if !strings.Contains(c, want) {
			t.Errorf("caption lacks %q: %s", want, c)
		}
	}
	// No sweep recorded: one note naming them.
	none := func(name string) *Recorded {
		return synthetic(t, name, func(exp.Run) bool { return false }, func(exp.Run) map[string]any { return nil })
	}
	if err := ShowEnsembleTemperature("temp", none("hetcomp-protocol"), none("hetcomp-protocol-lastfm")); err != nil {
		t.Fatal(err)
	}
	note, err := os.ReadFile(filepath.Join(dir, "temp"+MissingExt))
	if err != nil || !strings.Contains(string(note), "sweep: hetcomp-protocol, hetcomp-protocol-lastfm\n") {
		t.Errorf("note %q, %v", note, err)
	}
	// A candidate that is not a number is an error naming the run.
	bad := synthetic(t, "hetcomp-protocol", func(r exp.Run) bool { return r.Label == "Ensemble" }, func(exp.Run) map[string]any {
		return map[string]any{exp.ExtraTValid: map[string]any{"warm": 0.3}, exp.ExtraEnsembleT: 5.0, exp.ExtraTEdge: false}
	})
	if err := ShowEnsembleTemperature("temp", bad); err == nil || !strings.Contains(err.Error(), `"warm"`) {
		t.Errorf("bad candidate: %v", err)
	}
}

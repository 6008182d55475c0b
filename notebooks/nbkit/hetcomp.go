package nbkit

// The HetComp figures beyond its table and curves: the ablation of DKC and
// AKT as bars, the student's distance to homogeneous and heterogeneous
// teachers during training, and the distribution of the users over each
// teacher's stages — each drawn from what the runners record (exp's
// ExtraDiscrepancy, ExtraDKC) and replaced by its note while the ledger
// lacks its runs.

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/report"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// BarPanel is one panel of ShowBars: its title and what it draws.
type BarPanel struct {
	// Title is drawn above the panel ("N = 10"); a single panel has none.
	Title string
	// Options select the rows and metrics (exp.SweepBars).
	Options exp.BarOptions
}

// ShowBars draws rows of the sweep side by side as grouped bars
// (exp.SweepBars: one category per row, one bar per metric, mean ± sd over
// the seeds), one panel per BarPanel with one y range, the rows not
// recorded yet named on the figure; it shows the figure and saves it as
// name. With no recorded value in any panel, the note is written instead.
func (r *Recorded) ShowBars(name string, panels ...BarPanel) error {
	var rows []string
	for _, p := range panels {
		for _, row := range p.Options.Rows {
			if !slices.Contains(rows, row) {
				rows = append(rows, row)
			}
		}
	}
	sel, err := r.Rows(rows...)
	if err != nil {
		return err
	}
	if err := sel.Fill(); err != nil {
		return err
	}
	var figs []*report.Figure
	var drawn []BarPanel
	for _, p := range panels {
		f, err := exp.SweepBars(sel.SweepResults, p.Options)
		if errors.Is(err, exp.ErrNoData) {
			continue
		}
		if err != nil {
			return err
		}
		if len(panels) > 1 {
			f.Title = p.Title
		}
		figs, drawn = append(figs, f), append(drawn, p)
	}
	switch len(figs) {
	case 0:
		return NotRecorded(name, sel)
	case 1:
		return ShowFigure(figs[0], name, sel.Notice())
	}
	// One caption for the panels: each panel's metrics after its letter.
	var parts []string
	for k, p := range drawn {
		parts = append(parts, strings.Join(p.Options.Metrics, ", ")+" "+report.Letter(k))
	}
	fig := report.NewPanels(figs...)
	fig.SameY = true
	fig.Caption = strings.Replace(figs[0].Caption, strings.Join(drawn[0].Options.Metrics, ", "), strings.Join(parts, "; "), 1)
	for _, f := range figs {
		f.Caption = ""
	}
	return ShowFigure(fig, name, sel.Notice())
}

// HetCompAblation draws the ablation of DKC and AKT (the HetComp paper's
// figure): HetComp and its two ablation rows of hetcomp-protocol on the x
// axis, Recall@N and NDCG@N bars, one panel per N ∈ {10, 50}.
func HetCompAblation(sweep sweepFunc, name string) error {
	sw, err := sweep("hetcomp-protocol")
	if err != nil {
		return err
	}
	rows := []string{"HetComp", "HetComp w/o DKC", "HetComp w/o AKT"}
	names := map[string]string{"HetComp w/o DKC": "w/o DKC", "HetComp w/o AKT": "w/o AKT"}
	var panels []BarPanel
	for _, n := range []int{10, 50} {
		rec, ndcg := fmt.Sprintf("Recall@%d", n), fmt.Sprintf("NDCG@%d", n)
		panels = append(panels, BarPanel{Title: fmt.Sprintf("N = %d", n), Options: exp.BarOptions{
			Rows: rows, Names: names, Metrics: []string{rec, ndcg}, XLabel: "variant", YLabel: "test Recall@N, NDCG@N",
			SeriesNames: map[string]string{rec: "Recall@N", ndcg: "NDCG@N"}}})
	}
	return sw.ShowBars(name, panels...)
}

// discrepancyRow is the KD row whose student's distance to its teachers
// ShowDiscrepancy draws from both sweeps: RRD, which distils the converged
// ensemble's top-K list as the existing ranking distillation the HetComp
// paper starts from.
const discrepancyRow = "RRD"

// ensembleRow is the row of a HetComp sweep that evaluates the teachers'
// ensemble (ShowEnsembleTemperature reads its temperature choice).
const ensembleRow = "Ensemble"

// The series of ShowDiscrepancy.
const (
	homogeneousSeries   = "homogeneous teachers"
	heterogeneousSeries = "heterogeneous teachers"
)

// setStyles draw the two teacher sets of ShowDiscrepancy apart from the
// stages' ramp of its panel (c) and in greyscale: the homogeneous set
// orange and dashed, the heterogeneous black and solid.
var setStyles = map[string]report.Style{
	homogeneousSeries:   {Color: report.OkabeIto[1], Glyph: draw.TriangleGlyph{}, Dashes: []vg.Length{vg.Points(3), vg.Points(1.5)}},
	heterogeneousSeries: {Color: report.Neutral[0], Glyph: draw.CircleGlyph{}},
}

// traceOf is one run's discrepancy trace with the entry it came from.
type traceOf struct {
	e  exp.Entry
	tr *exp.DiscrepancyTrace
}

// discrepancyTraces returns the traces recorded by the row of r, and
// whether r records any run of that row at all.
func discrepancyTraces(r *Recorded, row string) ([]traceOf, bool, error) {
	var out []traceOf
	recorded := false
	for _, e := range r.Entries {
		if e.Record == nil || e.Run.Label != row {
			continue
		}
		recorded = true
		tr, ok, err := e.Record.Result.Discrepancy()
		if err != nil {
			return nil, true, fmt.Errorf("run %s of %s: %w", e.Run.ID, r.Name, err)
		}
		if !ok || len(tr.Epoch) == 0 {
			continue
		}
		if len(tr.Distance) != len(tr.Sources) || len(tr.Sources) < 2 || tr.Sources[len(tr.Sources)-1] != "Ensemble" {
			return nil, true, fmt.Errorf("run %s of %s: a discrepancy trace of %d sources (%v) and %d series", e.Run.ID, r.Name, len(tr.Sources), tr.Sources, len(tr.Distance))
		}
		for _, d := range append(slices.Clone(tr.Distance), tr.Stages...) {
			if len(d) != len(tr.Epoch) {
				return nil, true, fmt.Errorf("run %s of %s: a discrepancy series of %d points over %d epochs", e.Run.ID, r.Name, len(d), len(tr.Epoch))
			}
		}
		out = append(out, traceOf{e, tr})
	}
	return out, recorded, nil
}

// curveSet gathers one series' curves, one per run, and draws them to the
// last epoch all of them reached (as exp.SweepCurves does), marking the
// series cut off when its runs ended at their epoch cap still rising.
type curveSet struct {
	name   string
	epochs [][]int
	values [][]float64
	runs   []exp.Entry
	style  *report.Style
}

func (c *curveSet) add(e exp.Entry, epochs []int, values []float64) {
	c.epochs, c.values, c.runs = append(c.epochs, epochs), append(c.values, values), append(c.runs, e)
}

// draw adds the curves to fig and says whether a curve was shortened.
func (c *curveSet) draw(fig *report.Figure) (bool, error) {
	if len(c.epochs) == 0 {
		return false, nil
	}
	last := c.epochs[0][len(c.epochs[0])-1]
	for _, ep := range c.epochs {
		last = min(last, ep[len(ep)-1])
	}
	s := fig.Get(c.name)
	s.Style = c.style
	cut := false
	var cutoff *report.Cutoff
	for k, ep := range c.epochs {
		n, _ := slices.BinarySearch(ep, last+1)
		cut = cut || n < len(ep)
		if err := s.AddCurve(ep[:n], c.values[k][:n]); err != nil {
			return false, err
		}
		rec := c.runs[k].Record
		if stop := rec.RisingMetric(""); n == len(ep) && ep[n-1] == rec.Result.Epochs && rec.RisingAtCap(stop) {
			if cutoff == nil {
				cutoff = &report.Cutoff{All: len(c.epochs), At: rec.Spec.Budget.Epochs, Rule: exp.RisingRule(stop)}
			}
			cutoff.Seeds++
		}
	}
	s.Cutoff = cutoff
	return cut, nil
}

// ShowDiscrepancy draws the HetComp paper's study of how far a student's
// ranking stays from its teachers' during training: the distance 1 −
// wNDCG@50 (exp.DiscrepancyTrace) of the students of row (RRD when "")
// distilled from the heterogeneous teachers of r (hetcomp-protocol) and
// from the homogeneous teachers of homo (hetcomp-homogeneous), (a) to the
// teachers (the mean over the set's teachers), (b) to their ensemble, and,
// when recorded, (c) to the heterogeneous teachers' trajectory checkpoints,
// one line per stage. Lines are means over seeds with ± 1 sd bands. It
// shows and saves the figure as name; while neither sweep holds a trace,
// the note (naming the missing runs of both) stands in for it.
func (r *Recorded) ShowDiscrepancy(name string, homo *Recorded, row string) error {
	if row == "" {
		row = discrepancyRow
	}
	het, err := r.Rows(row)
	if err != nil {
		return err
	}
	hom, err := homo.Rows(row)
	if err != nil {
		return err
	}
	for _, s := range []*Recorded{het, hom} {
		if err := s.Fill(); err != nil {
			return err
		}
	}
	hetTr, hetRec, err := discrepancyTraces(het, row)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	homTr, homRec, err := discrepancyTraces(hom, row)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if len(hetTr)+len(homTr) == 0 {
		if het.trained() || hom.trained() {
			return fmt.Errorf("%s: the runs of %s that the notebook trained hold no %q", name, row, exp.ExtraDiscrepancy)
		}
		if hetRec || homRec {
			return NotDrawn(name, fmt.Sprintf("the recorded %s runs of %s and %s were recorded before the runners kept %q in their records",
				row, het.Name, hom.Name, exp.ExtraDiscrepancy))
		}
		return notRecorded(name, het, hom)
	}
	teachers := report.NewLearningCurve("1 − NDCG@50 to the teachers")
	ensemble := report.NewLearningCurve("1 − NDCG@50 to the ensemble")
	shortened := false
	for _, set := range []struct {
		name   string
		traces []traceOf
	}{{homogeneousSeries, homTr}, {heterogeneousSeries, hetTr}} {
		st := setStyles[set.name]
		toT, toE := &curveSet{name: set.name, style: &st}, &curveSet{name: set.name, style: &st}
		for _, t := range set.traces {
			n := len(t.tr.Sources) - 1 // the teachers; the ensemble last
			mean := make([]float64, len(t.tr.Epoch))
			for j := range mean {
				for x := range n {
					mean[j] += t.tr.Distance[x][j] / float64(n)
				}
			}
			toT.add(t.e, t.tr.Epoch, mean)
			toE.add(t.e, t.tr.Epoch, t.tr.Distance[n])
		}
		for _, cs := range []struct {
			c   *curveSet
			fig *report.Figure
		}{{toT, teachers}, {toE, ensemble}} {
			cut, err := cs.c.draw(cs.fig)
			if err != nil {
				return err
			}
			shortened = shortened || cut
		}
	}
	for _, f := range []*report.Figure{teachers, ensemble} {
		f.YMin, f.YMax = 0, 1
	}
	ensemble.Legend = report.LegendNone // (a)'s
	figs := []*report.Figure{teachers, ensemble}
	// (c) The heterogeneous teachers' checkpoints, earliest first, then
	// the converged models (the teachers' mean of panel a).
	stages := 0
	for _, t := range hetTr {
		stages = max(stages, len(t.tr.Stages))
	}
	if stages > 0 {
		ckpt := report.NewLearningCurve("1 − NDCG@50 to the checkpoints")
		ckpt.YMin, ckpt.YMax = 0, 1
		sets := make([]*curveSet, stages+1)
		for v := range sets {
			st := report.Ramp(v, stages+1)
			sets[v] = &curveSet{name: fmt.Sprintf("stage %d", v), style: &st}
		}
		sets[stages].name = fmt.Sprintf("stage %d (converged)", stages)
		for _, t := range hetTr {
			if len(t.tr.Stages) != stages {
				continue
			}
			n := len(t.tr.Sources) - 1
			for v := range stages {
				sets[v].add(t.e, t.tr.Epoch, t.tr.Stages[v])
			}
			mean := make([]float64, len(t.tr.Epoch))
			for j := range mean {
				for x := range n {
					mean[j] += t.tr.Distance[x][j] / float64(n)
				}
			}
			sets[stages].add(t.e, t.tr.Epoch, mean)
		}
		for _, c := range sets {
			cut, err := c.draw(ckpt)
			if err != nil {
				return err
			}
			shortened = shortened || cut
		}
		ckpt.Caption = "the distance to the heterogeneous teachers' trajectory checkpoints (HetComp's stages; the mean over the teachers), from the earliest (light) to the converged models (dark)"
		figs = append(figs, ckpt)
	}
	teachers.Caption = "the mean over the set's teachers"
	ensemble.Caption = "to the ensemble of the set's converged teachers"
	fig := report.NewPanels(figs...)
	fig.SameY = true
	fig.LegendAll = stages > 0
	fig.Caption = fmt.Sprintf("How far the %s student's ranking stays from its teachers' during training: 1 − wNDCG@50 between the student's top 50 "+
		"unobserved items and each teacher's, averaged over the users (the distance of HetComp's DKC), for six heterogeneous teachers "+
		"(ledger sweep %s) and six BPR-MF teachers of one model type trained from six seeds (ledger sweep %s); epoch 0 is the untrained student.",
		row, r.Sweep, homo.Sweep)
	if shortened {
		fig.Caption += " Each line ends at the last epoch all its seeds reached (early stopping ends seeds at different epochs)."
	}
	return ShowFigure(fig, name, joinNotice(het.Notice(), hom.Notice()))
}

// stageSnapshots picks the DKC steps ShowStageShares draws: the first,
// the middle and the last step of the records (fewer when there are fewer
// steps).
func stageSnapshots(dkc []distill.DKCRecord) []int {
	var epochs []int
	for _, d := range dkc {
		if len(d.StageUsers) > 0 {
			epochs = append(epochs, d.Epoch)
		}
	}
	if len(epochs) == 0 {
		return nil
	}
	pick := []int{epochs[0], epochs[(len(epochs)-1)/2], epochs[len(epochs)-1]}
	return slices.Compact(pick)
}

// ShowStageShares draws the HetComp paper's per-teacher stage
// distributions: after a few of HetComp's DKC steps (the first, the middle
// and the last, one panel each), the share of the users at each stage
// (0: the earliest checkpoint … 3: converged) of every teacher, one bar per
// teacher, mean ± sd over the seeds, from the HetComp row of r
// (exp.ExtraDKC's users per stage, distill.DKCRecord.StageUsers); members
// are the teachers' rows in the order of the spec's teachers. It shows and
// saves the figure as name; records without the counts give a note.
func (r *Recorded) ShowStageShares(name string, members []string) error {
	hc, err := r.Rows("HetComp")
	if err != nil {
		return err
	}
	entries, err := hc.Measured(name, exp.ExtraDKC)
	if err != nil || entries == nil {
		return err
	}
	var snaps []int
	records := map[string][]distill.DKCRecord{}
	steps, final := 0, 0
	for _, e := range entries {
		dkc, _, err := e.Record.Result.DKC()
		if err != nil {
			return fmt.Errorf("%s: run %s: %w", name, e.Run.ID, err)
		}
		records[e.Run.ID] = dkc
		steps += len(dkc)
		for _, d := range dkc {
			if len(d.StageUsers) == 0 {
				continue
			}
			if len(d.StageUsers) != len(members) {
				return fmt.Errorf("%s: run %s: a DKC step with the stages of %d teachers, %d members given", name, e.Run.ID, len(d.StageUsers), len(members))
			}
			for _, c := range d.StageUsers {
				final = max(final, len(c)-1)
			}
		}
		if snaps == nil {
			snaps = stageSnapshots(dkc)
		}
	}
	switch {
	case steps == 0:
		return NotDrawn(name, "no DKC step of HetComp is recorded (its first comes after its start epoch)")
	case snaps == nil:
		return NotDrawn(name, fmt.Sprintf("the recorded HetComp runs of %s were recorded before the runner kept the users' stage counts (distill.DKCRecord.StageUsers)", r.Name))
	}
	var figs []*report.Figure
	for _, ep := range snaps {
		f := &report.Figure{Kind: report.Bars, XLabel: "stage", YLabel: "share of users", Title: fmt.Sprintf("epoch %d", ep), YMin: 0, YMax: 1}
		for _, m := range members {
			f.Get(m)
		}
		for _, e := range entries {
			for _, d := range records[e.Run.ID] {
				if d.Epoch != ep || len(d.StageUsers) == 0 {
					continue
				}
				for x, counts := range d.StageUsers {
					users := 0
					for _, c := range counts {
						users += c
					}
					for v, c := range counts {
						f.Add(members[x], float64(v), float64(c)/float64(max(users, 1)))
					}
				}
			}
		}
		figs = append(figs, f)
	}
	when := "the first, the middle and the last of the run's DKC steps (the epochs above the panels)"
	switch len(figs) {
	case 1:
		when = fmt.Sprintf("the run's one recorded DKC step, at epoch %d", snaps[0])
	case 2:
		when = "the first and the last of the run's DKC steps (the epochs above the panels)"
	}
	caption := fmt.Sprintf("HetComp's curriculum as distributions (ledger sweep %s): the share of the users at each stage of every teacher "+
		"(0: the earliest checkpoint, %d: converged) after %s; their means over the users are the stage figure's lines.", r.Sweep, final, when)
	if len(figs) == 1 {
		figs[0].Title, figs[0].Caption = "", caption
		return ShowFigure(figs[0], name, hc.Notice())
	}
	fig := report.NewPanels(figs...)
	fig.SameY = true
	fig.Caption = caption
	return ShowFigure(fig, name, hc.Notice())
}

// ShowHetCompCurves draws the learning curves of r's rows (r.Curves with
// o) as ShowCurves does, and marks on them, with a dotted vertical line
// per seed, the epoch at which each recorded HetComp run of r switched to
// phase 2 (the first DKC step of exp.ExtraDKC in phase 2): the README's
// figure with the point where the list-wise half of the method begins. A
// HetComp run that never switched is named in the caption. It shows and
// saves the figure as name.
func (r *Recorded) ShowHetCompCurves(name string, o exp.CurveOptions) error {
	fig, err := r.Curves(o)
	if errors.Is(err, exp.ErrNoData) {
		return NotRecorded(name, r)
	}
	if err != nil {
		return err
	}
	var never []string
	switched := map[int][]string{} // epoch → seeds
	for _, e := range r.Entries {
		if e.Record == nil || e.Run.Label != "HetComp" || e.Record.Result.Extra[exp.ExtraDKC] == nil {
			continue
		}
		dkc, _, err := e.Record.Result.DKC()
		if err != nil {
			return fmt.Errorf("%s: run %s: %w", name, e.Run.ID, err)
		}
		at := slices.IndexFunc(dkc, func(d distill.DKCRecord) bool { return d.Phase == 2 })
		if at < 0 {
			never = append(never, fmt.Sprint(e.Run.Spec.Seed))
			continue
		}
		ep := dkc[at].Epoch
		if o.MaxEpoch > 0 && ep > o.MaxEpoch {
			continue // beyond the curves drawn
		}
		switched[ep] = append(switched[ep], fmt.Sprint(e.Run.Spec.Seed))
	}
	// One line per epoch (seeds that switched together share it), and one
	// label, on the earliest line: the seeds' switches are close together
	// and their labels would overlap.
	epochs := slices.Sorted(maps.Keys(switched))
	for k, ep := range epochs {
		label, word := "", "seed"
		if k == 0 {
			label = "phase 2"
		}
		if len(switched[ep]) > 1 {
			word = "seeds"
		}
		fig.Events = append(fig.Events, report.Event{X: float64(ep), Label: label,
			What: fmt.Sprintf("HetComp's switch to phase 2 (AKT's list-wise loss) in %s %s, at epoch %d", word, strings.Join(switched[ep], ", "), ep)})
	}
	if len(never) > 0 {
		if fig.Caption != "" {
			fig.Caption += " "
		}
		fig.Caption += fmt.Sprintf("HetComp did not reach phase 2 in seed %s.", strings.Join(never, ", "))
	}
	return ShowFigure(fig, name, r.Notice())
}

// dataNames are the data sets' names in figure legends.
var dataNames = map[string]string{
	"citeulike-t": "CiteULike-t", "lastfm": "Last.fm", "ml-1m": "MovieLens-1M",
	"gowalla-lightgcn": "Gowalla", "amazon-book-kgat": "Amazon-book",
}

// teacherSetLabel names a HetComp sweep's data and teachers for a legend:
// "CiteULike-t, heterogeneous teachers", or "…, homogeneous teachers" when
// every teacher is of one kind (the kind itself is left to the caption:
// a method's name in a legend would claim the method's colour).
func teacherSetLabel(spec *exp.RunSpec) string {
	data := spec.Dataset.Name
	if n, ok := dataNames[data]; ok {
		data = n
	}
	kinds := map[string]bool{}
	for _, t := range spec.Teachers {
		kinds[t.Kind] = true
	}
	if len(kinds) == 1 {
		return data + ", " + homogeneousSeries
	}
	return data + ", " + heterogeneousSeries
}

// ShowEnsembleTemperature draws where the rank ensemble's temperature T
// lands (distill.Ensemble, Eq. 8): the converged teachers' ensemble's
// validation Recall@50 at every T of each sweep's grid (exp's
// EnsembleTemperature, recorded by its Ensemble rows), mean ± sd over the
// seeds on a log T axis, one line per sweep, and a table of the chosen T
// per seed with whether it lies at the grid's edge. It shows both and
// saves the figure as name; while no sweep holds an Ensemble record, the
// note (naming the missing runs) stands in for them.
func ShowEnsembleTemperature(name string, sets ...*Recorded) error {
	fig := report.NewSizeSweep("ensemble temperature T", "validation Recall@50", report.Lines)
	tb := &report.Table{Title: "The ensemble's temperature, chosen on validation Recall@50",
		Header: []string{"teachers", "seed", "grid", "chosen T", "validation Recall@50", "at the grid's edge"}}
	var (
		rows    []*Recorded
		notices []string
		labels  []string // in order of appearance: each label's style
	)
	for _, s := range sets {
		ens, err := s.Rows(ensembleRow)
		if err != nil {
			return err
		}
		if err := ens.Fill(); err != nil {
			return err
		}
		rows = append(rows, ens)
		for _, e := range ens.Entries {
			if e.Record == nil {
				continue
			}
			et, ok, err := e.Record.Result.EnsembleTemperature()
			if err != nil {
				return fmt.Errorf("%s: run %s: %w", name, e.Run.ID, err)
			}
			if !ok {
				continue
			}
			label := teacherSetLabel(&e.Run.Spec)
			k := slices.Index(labels, label)
			if k < 0 {
				k, labels = len(labels), append(labels, label)
			}
			st := temperatureStyles[k%len(temperatureStyles)]
			ser := fig.Get(label)
			ser.Style = &st
			for j, T := range et.Ts {
				ser.Add(T, et.Valid[j])
			}
			best := slices.Index(et.Ts, et.T)
			edge := "no"
			if et.Edge {
				edge = "yes"
			}
			tb.AddRow(label, e.Run.Spec.Seed, fmt.Sprintf("%g–%g", et.Ts[0], et.Ts[len(et.Ts)-1]), fmt.Sprintf("%g", et.T),
				fmt.Sprintf("%.4f", et.Valid[best]), edge)
		}
		// The missing rows, named with their sweep's data and teachers.
		if miss := ens.missingText(); miss != "" && len(ens.Entries) > 0 {
			notices = append(notices, fmt.Sprintf("%s: not in the ledger yet: %s.", teacherSetLabel(&ens.Entries[0].Run.Spec), miss))
		}
		if ens.Data != "" {
			notices = append(notices, ens.Data)
		}
	}
	if len(fig.Series) == 0 {
		for _, s := range rows {
			if s.trained() {
				return fmt.Errorf("%s: the Ensemble runs that the notebook trained hold no %q", name, exp.ExtraTValid)
			}
		}
		if slices.ContainsFunc(rows, (*Recorded).Recorded) {
			return NotDrawn(name, fmt.Sprintf("the recorded Ensemble runs were recorded before the runners kept %q in their records", exp.ExtraTValid))
		}
		return notRecorded(name, rows...)
	}
	fig.Caption = "Validation Recall@50 of the converged teachers' rank ensemble (Eq. 8) at each candidate temperature T of its sweep's grid; " +
		"each row of the sweep uses the T with the highest value." + setsNote(labels, rows) + " (ledger sweeps " + sweepNames(rows) + ")."
	for _, s := range rows {
		tb.Notes = append(tb.Notes, s.TableNotes()...)
	}
	tb.Notes = slices.Compact(tb.Notes)
	report.DisplayTable(tb)
	return ShowFigure(fig, name, strings.Join(notices, " "))
}

// temperatureStyles tell the lines of ShowEnsembleTemperature apart, in
// greyscale too, in the order the lines first appear: the first two are
// ShowDiscrepancy's heterogeneous and homogeneous teachers (setStyles), the
// others hues of Tol's vibrant scheme that no method's fixed colour uses.
var temperatureStyles = []report.Style{
	setStyles[heterogeneousSeries],
	setStyles[homogeneousSeries],
	{Color: report.TolVibrant[1], Glyph: draw.SquareGlyph{}, Dashes: []vg.Length{vg.Points(1), vg.Points(1.5)}},
	{Color: report.TolVibrant[3], Glyph: draw.CrossGlyph{}, Dashes: []vg.Length{vg.Points(4), vg.Points(1.5), vg.Points(1), vg.Points(1.5)}},
}

// setsNote says what the teacher sets of the drawn labels are: "
// Heterogeneous teachers: one of each of HetComp's teacher families;
// homogeneous: teachers of one kind (BPR-MF)", or "" with neither.
func setsNote(labels []string, rs []*Recorded) string {
	var parts []string
	if slices.ContainsFunc(labels, func(l string) bool { return strings.HasSuffix(l, heterogeneousSeries) }) {
		parts = append(parts, "Heterogeneous teachers: one of each of HetComp's teacher families")
	}
	var kinds []string
	for _, r := range rs {
		if len(r.Entries) == 0 || len(r.Entries[0].Run.Spec.Teachers) == 0 {
			continue
		}
		sp := &r.Entries[0].Run.Spec
		label := teacherSetLabel(sp)
		if k := report.HumanName(sp.Teachers[0].Kind); strings.HasSuffix(label, homogeneousSeries) && slices.Contains(labels, label) && !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) > 0 {
		what := "homogeneous: teachers of one kind (" + strings.Join(kinds, ", ") + ")"
		if len(parts) == 0 {
			what = "Homogeneous teachers" + strings.TrimPrefix(what, "homogeneous")
		}
		parts = append(parts, what)
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + strings.Join(parts, "; ")
}

// sweepNames lists the sweeps' names.
func sweepNames(rs []*Recorded) string {
	var names []string
	for _, r := range rs {
		names = append(names, r.Name)
	}
	return strings.Join(names, ", ")
}

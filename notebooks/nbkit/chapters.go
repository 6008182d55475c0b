package nbkit

// The figures and tables of the chapters that are more than a sweep's
// table, curves or grid: drawn from what the runners record beside the
// metrics (exp's Extra keys) or from the split, each a call of one line in
// its notebook. Each is drawn in the paper style with its caption, and
// becomes the figure's note (NotRecorded, NotDrawn) when the ledger cannot
// draw it yet.

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/report"
)

// RowsAt returns the row names of labels at one grid point: RowsAt(
// "student.dim", 20, "FTD", "HTD") is "FTD (student.dim=20)", "HTD
// (student.dim=20)", as Recorded.Rows takes them.
func RowsAt(coord string, value any, labels ...string) []string {
	out := make([]string, len(labels))
	for k, l := range labels {
		out[k] = fmt.Sprintf("%s (%s=%v)", l, coord, value)
	}
	return out
}

// PanelsAt returns one Panel per value of the grid coordinate coord, for
// ShowCurvePanels: titled by the format title with the value ("d = %d"),
// drawing the rows fixed (rows without the coordinate, such as the
// teacher) and labels at that value (RowsAt).
func PanelsAt(coord, title string, values []int, fixed []string, labels ...string) []Panel {
	out := make([]Panel, len(values))
	for k, v := range values {
		out[k] = Panel{Title: fmt.Sprintf(title, v), Rows: append(slices.Clone(fixed), RowsAt(coord, v, labels...)...)}
	}
	return out
}

// ShowSizeCurves draws the learning curves of the recorded runs
// (exp.SweepCurves) with one line per value of the grid coordinate coord,
// light to dark (report.Ramp: ordered values such as sizes), each named
// prefix and the value ("d=10" for the row "Student (student.dim=10)"), and
// shows and saves them as name; with no curve recorded, the missing note.
// Rows without the coordinate keep their names and palette styles.
func (r *Recorded) ShowSizeCurves(name string, o exp.CurveOptions, coord, prefix string) error {
	names := map[string]string{}
	for k, v := range o.Names {
		names[k] = v
	}
	only := map[string]string{} // label → the name of its only recorded row ("" when several)
	for _, st := range r.Status() {
		v := ""
		for _, set := range st.Settings {
			if set.Path == coord {
				v = strings.Trim(string(set.Value), `"`)
			}
		}
		if v == "" {
			continue
		}
		names[st.Name] = prefix + v
		if len(st.Recorded) > 0 {
			if _, seen := only[st.Label]; seen {
				only[st.Label] = ""
			} else {
				only[st.Label] = prefix + v
			}
		}
	}
	ramped := map[string]bool{}
	for label, n := range only {
		if n != "" {
			names[label] = n // SweepCurves names a label's only row by its label
		}
	}
	for _, n := range names {
		ramped[n] = true
	}
	o.Names = names
	fig, err := r.Curves(o)
	if errors.Is(err, exp.ErrNoData) {
		return NotRecorded(name, r)
	}
	if err != nil {
		return err
	}
	var values []string
	for _, s := range fig.Series {
		if ramped[s.Name] {
			values = append(values, s.Name)
		}
	}
	k := 0
	for _, s := range fig.Series {
		if ramped[s.Name] {
			st := report.Ramp(k, len(values))
			s.Style = &st
			k++
		}
	}
	if len(values) > 0 {
		fig.Caption += fmt.Sprintf(" One line per %s, from light to dark.", strings.Join(values, ", "))
	}
	return ShowFigure(fig, name, r.Notice())
}

// ShowExpertSelection draws how the expert selection of DE hardens: the
// mean number of experts evaluated per user or item in each epoch of the
// recorded runs (exp.ExtraExpertsPerRow), one line per number of experts
// M > 1 (light to dark), mean over seeds; it shows and saves it as name.
// Runs recorded before the runner kept the count give the note instead
// (Measured).
func (r *Recorded) ShowExpertSelection(name string) error {
	entries, err := r.Measured(name, exp.ExtraExpertsPerRow)
	if err != nil || entries == nil {
		return err
	}
	per := map[int][]exp.Entry{}
	var ms []int
	for _, e := range entries {
		if len(e.Run.Spec.KD) == 0 {
			return fmt.Errorf("%s: run %s of %s has no distillation term", name, e.Run.ID, r.Sweep)
		}
		m, err := e.Run.Spec.KD[0].Options.Int("experts", 0)
		if err != nil {
			return fmt.Errorf("%s: run %s: %w", name, e.Run.ID, err)
		}
		if m <= 1 {
			continue // one expert: nothing to select
		}
		if _, ok := per[m]; !ok {
			ms = append(ms, m)
		}
		per[m] = append(per[m], e)
	}
	if len(ms) == 0 {
		return NotDrawn(name, "the recorded runs of "+r.Name+" all have a single expert, which selects nothing")
	}
	slices.Sort(ms)
	fig := report.NewLearningCurve("experts evaluated per entity")
	fig.Caption = fmt.Sprintf("How DE's expert selection hardens (ledger sweep %s): the mean number of experts evaluated per user or item "+
		"in each epoch. An expert whose Gumbel-softmax weight is below float32 resolution is skipped, so the count falls from M, "+
		"while the selection is soft, to 1 once it is one-hot. One line per number of experts M, from light to dark.", r.Sweep)
	for k, m := range ms {
		s := fig.Get(fmt.Sprintf("M=%d", m))
		st := report.Ramp(k, len(ms))
		s.Style = &st
		for _, e := range per[m] {
			rows, _, err := e.Record.Result.ExpertsPerRow()
			if err != nil {
				return fmt.Errorf("%s: run %s: %w", name, e.Run.ID, err)
			}
			for ep, v := range rows {
				s.Add(float64(ep+1), v)
			}
		}
	}
	return ShowFigure(fig, name, r.Notice())
}

// ShowTopology draws the topology the recorded latent students keep of
// their teacher during training (exp.ExtraTopology, measured by the runner
// on a fixed sample; epoch 0 is the untrained student): (a) the
// discrepancy of their cosine similarities, (b) the share of nearest
// neighbours kept, mean over seeds; it shows and saves it as name, and
// displays the final values as a table. A row whose traces end where the
// epoch cap stopped runs still rising (exp.Record.RisingAtCap, by the
// protocol's stop metric) is marked as cut off (report.Series.Cutoff).
func (r *Recorded) ShowTopology(name string) error {
	entries, err := r.Measured(name, exp.ExtraTopology)
	if err != nil || entries == nil {
		return err
	}
	disc := report.NewLearningCurve("topology discrepancy")
	knn := report.NewLearningCurve("teacher's 10-NN kept (share)")
	final := map[string][2][]float64{}
	var order []string
	var sample *exp.TopologyTrace
	cuts := map[string]*report.Cutoff{}
	seeds := map[string]int{}
	for _, e := range entries {
		tr, _, err := e.Record.Result.Topology()
		if err != nil {
			return fmt.Errorf("%s: run %s: %w", name, e.Run.ID, err)
		}
		if len(tr.Epoch) == 0 || len(tr.Discrepancy) != len(tr.Epoch) || len(tr.KNN) != len(tr.Epoch) {
			return fmt.Errorf("%s: run %s: a topology trace of %d epochs, %d discrepancies and %d neighbour shares", name, e.Run.ID, len(tr.Epoch), len(tr.Discrepancy), len(tr.KNN))
		}
		sample = tr
		if err := disc.AddCurve(e.Run.Label, tr.Epoch, tr.Discrepancy); err != nil {
			return err
		}
		if err := knn.AddCurve(e.Run.Label, tr.Epoch, tr.KNN); err != nil {
			return err
		}
		f, ok := final[e.Run.Label]
		if !ok {
			order = append(order, e.Run.Label)
		}
		last := len(tr.Epoch) - 1
		seeds[e.Run.Label]++
		if stop := e.Record.RisingMetric(""); tr.Epoch[last] == e.Record.Result.Epochs && e.Record.RisingAtCap(stop) {
			c := cuts[e.Run.Label]
			if c == nil {
				c = &report.Cutoff{At: e.Record.Spec.Budget.Epochs, Rule: exp.RisingRule(stop)}
				cuts[e.Run.Label] = c
			}
			c.Seeds++
		}
		final[e.Run.Label] = [2][]float64{append(f[0], tr.Discrepancy[last]), append(f[1], tr.KNN[last])}
	}
	for label, c := range cuts {
		c.All = seeds[label]
		disc.Get(label).Cutoff = c
		knn.Get(label).Cutoff = c
	}
	disc.Caption = fmt.Sprintf("topology discrepancy, the mean squared difference between the student's and the teacher's cosine similarities "+
		"over all pairs of a fixed sample of %d users and %d items (lower is closer)", sample.Users, sample.Items)
	knn.YLabel = fmt.Sprintf("teacher's %d-NN kept (share)", sample.K)
	knn.Caption = fmt.Sprintf("the share of each sampled entity's %d nearest neighbours in the teacher's space that are among its %d nearest in the student's", sample.K, sample.K)
	fig := report.NewPanels(disc, knn)
	fig.LegendAll = true
	fig.Caption = fmt.Sprintf("The teacher's topology kept by the latent students during training (ledger sweep %s; epoch 0 is the untrained student).", r.Sweep)
	if err := ShowFigure(fig, name, r.Notice()); err != nil {
		return err
	}
	var rows []string
	for _, st := range r.Status() {
		rows = append(rows, st.Name)
	}
	tb := &report.Table{Title: fmt.Sprintf("%s: topology kept by the final students (mean ± sd over seeds): %s", r.Sweep, strings.Join(rows, ", ")),
		Header: []string{"run", "discrepancy", fmt.Sprintf("%d-NN kept", sample.K), "seeds"}}
	for _, l := range order {
		tb.AddRow(l, exp.SpreadOf(final[l][0]).String(), exp.SpreadOf(final[l][1]).String(), len(final[l][0]))
	}
	tb.Notes = append(tb.Notes, r.TableNotes()...)
	report.DisplayTable(tb)
	return nil
}

// HetCompMembers are the rows of the HetComp sweeps' teachers, in the order of
// the spec's teachers (the order of HetComp's stages, distill.DKCRecord's
// MeanStage).
var HetCompMembers = []string{"MF", "ML", "DL", "GNN", "AE", "I-AE"}

// ShowTeacherTrajectories draws the trajectories HetComp learns from: each
// teacher's validation Recall@50 during its own training, whose
// checkpoints are HetComp's stages (the member rows' exp.ExtraTrajectory;
// members are their labels), and shows and saves the figure as name.
func (r *Recorded) ShowTeacherTrajectories(name string, members []string) error {
	sw, err := r.Rows(members...)
	if err != nil {
		return err
	}
	entries, err := sw.Measured(name, exp.ExtraTrajectory)
	if err != nil || entries == nil {
		return err
	}
	traj := report.NewLearningCurve("teacher's validation Recall@50")
	traj.Caption = fmt.Sprintf("The trajectories HetComp learns from (ledger sweep %s): each teacher's validation Recall@50 during its own training, "+
		"whose checkpoints are HetComp's stages.", r.Sweep)
	for _, e := range entries {
		tr, _, err := e.Record.Result.Trajectory()
		if err != nil {
			return fmt.Errorf("%s: run %s: %w", name, e.Run.ID, err)
		}
		if err := traj.AddCurve(e.Run.Label, tr.Epoch, tr.Valid); err != nil {
			return err
		}
	}
	return ShowFigure(traj, name, sw.Notice())
}

// ShowHetCompStages draws HetComp's curriculum as the dissertation does:
// each teacher's stage averaged over the users after every DKC step of the
// HetComp row of r (exp.ExtraDKC), against HetComp's epoch, one line per
// teacher; members are the teachers' rows in the order of the spec's
// teachers (the order of the stages). It shows and saves the figure as
// name; its caption says when AKT switched to phase 2. Runs whose first
// DKC step did not come give a note instead.
func (r *Recorded) ShowHetCompStages(name string, members []string) error {
	hc, err := r.Rows("HetComp")
	if err != nil {
		return err
	}
	entries, err := hc.Measured(name, exp.ExtraDKC)
	if err != nil || entries == nil {
		return err
	}
	stages := report.NewLearningCurve("mean stage over users")
	stages.YMin, stages.YMax = 0, 3.3
	switched := 0
	for _, e := range entries {
		dkc, _, err := e.Record.Result.DKC()
		if err != nil {
			return fmt.Errorf("%s: run %s: %w", name, e.Run.ID, err)
		}
		for _, d := range dkc {
			if len(d.MeanStage) != len(members) {
				return fmt.Errorf("%s: run %s: a DKC step with %d teachers, %d members given", name, e.Run.ID, len(d.MeanStage), len(members))
			}
			for x, v := range d.MeanStage {
				stages.Add(members[x], float64(d.Epoch), v)
			}
			if d.Phase == 2 && switched == 0 {
				switched = d.Epoch
			}
		}
	}
	if len(stages.Series) == 0 {
		return NotDrawn(name, "no DKC step of HetComp is recorded (its first comes after its start epoch)")
	}
	stages.Caption = fmt.Sprintf("HetComp's curriculum (ledger sweep %s): each teacher's stage averaged over the users after every DKC step "+
		"(0: the earliest checkpoint, 3: converged).", r.Sweep)
	if switched > 0 {
		stages.Caption += fmt.Sprintf(" AKT switched to phase 2 (the list-wise order) at epoch %d.", switched)
	} else {
		stages.Caption += " HetComp never reached phase 2 (the list-wise order)."
	}
	return ShowFigure(stages, name, hc.Notice())
}

// ShowStageTargets tabulates what the stages of HetComp's ensemble can
// teach (the ensemble row's exp.ExtraStageTargets; r holds that row) and
// shows and saves the table as name.
func (r *Recorded) ShowStageTargets(name string) error {
	entries, err := r.Measured(name, exp.ExtraStageTargets)
	if err != nil || entries == nil {
		return err
	}
	st, _, err := entries[0].Record.Result.StageTargets()
	if err != nil {
		return fmt.Errorf("%s: run %s: %w", name, entries[0].Run.ID, err)
	}
	tb := &report.Table{Title: fmt.Sprintf("%s: stage targets (K = %d): test Recall@50", r.Sweep, st.K),
		Header: []string{"stage", "ensemble", "top-K set, order-free", "targets among the 500 most popular", "distinct target items"}}
	for _, s := range st.Stages {
		tb.AddRow(s.Stage, fmt.Sprintf("%.4f", s.Ensemble), fmt.Sprintf("%.4f", s.Set), fmt.Sprintf("%.1f %%", 100*s.Popular), s.Distinct)
	}
	tb.Notes = append(tb.Notes, fmt.Sprintf("ranking by training popularity: %.4f", st.Popularity))
	tb.Notes = append(tb.Notes, r.TableNotes()...)
	return ShowTable(tb, name)
}

// ShowActivity draws the test metric of the recorded runs by quartile of
// the users' training interactions (exp.ActivityQuartiles), showing the
// table and the figure (saved as name). The split is rebuilt from the
// sweep's spec; when it cannot be loaded here (the authors' split needs
// KDREC_DATASETS), the note says so.
func (r *Recorded) ShowActivity(name, metric string) error {
	if err := r.Fill(); err != nil {
		return err
	}
	if !r.Recorded() {
		return NotRecorded(name, r)
	}
	env, err := exp.NewEnv(ArtifactDir(), nil)
	if err != nil {
		return err
	}
	spec := r.Entries[0].Run.Spec
	s, err := env.Split(spec.Dataset, spec.Split, spec.Protocol)
	if err != nil {
		return NotDrawn(name, "the users' activity needs the split of "+r.Name+", which cannot be loaded here ("+err.Error()+")")
	}
	tb, fig, err := exp.ActivityQuartiles(r.SweepResults, s, metric)
	if err != nil {
		return err
	}
	if fig.Caption == "" {
		fig.Caption = fmt.Sprintf("Test %s per user of the restored models, averaged within each quartile of the users' number of training interactions "+
			"(1 = the least active quarter; ledger sweep %s).", metric, r.Sweep)
	}
	tb.Notes = append(tb.Notes, r.TableNotes()...)
	report.DisplayTable(tb)
	return ShowFigure(fig, name, r.Notice())
}

// ShowData displays the data set called name as the library loads it
// (datasets.Load: users, items, interactions, density and degrees) and
// where the notebook's numbers come from (ScaleName).
func ShowData(name string) error {
	x, err := datasets.Load(name)
	if err != nil {
		return err
	}
	showMarkdown(fmt.Sprintf("**%s**: %s. Numbers from: %s.\n", name, x.Stats(), ScaleName()))
	return nil
}

package exp

// Views of the ledger for readers that draw from it (the notebooks, the
// figures of the docs): a sweep's runs with whatever records exist, which
// rows are still missing, learning curves over seeds, a metric against a
// grid coordinate, and metrics recomputed from the recorded ranks.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/report"
)

// SpecFor returns the spec of sweep name as the ledger's readers use it:
// the ledger's own spec file (<dir>/specs/<name>.json) when it holds one,
// else the built-in spec of that name (base budget: the ledger records
// full-scale runs). arg is what `kdsweep status` and `kdsweep run` take
// for it: the spec file's path as seen from the ledger's parent directory
// (the repository root: "results/specs/<name>.json"), or the built-in
// name.
func (l *Ledger) SpecFor(name string) (spec *Spec, arg string, err error) {
	if err := CheckName(name); err != nil {
		return nil, "", fmt.Errorf("ledger: spec name %w", err)
	}
	path := filepath.Join(l.dir, "specs", name+".json")
	if _, err := os.Stat(path); err == nil {
		s, err := LoadSpec(path)
		if err != nil {
			return nil, "", err
		}
		return s, filepath.ToSlash(filepath.Join(filepath.Base(filepath.Clean(l.dir)), "specs", name+".json")), nil
	}
	s, err := BuiltinSpec(name, "")
	if err != nil {
		return nil, "", fmt.Errorf("ledger: no spec %s in %s and %w", name, filepath.Join(l.dir, "specs"), err)
	}
	return s, name, nil
}

// SweepOf returns the runs of spec with the ledger's records of them (nil
// where it has none). A record counts whichever sweep wrote it — sweeps
// that share runs (the same spec hash) share records — and a sweep that
// nobody has started lists every run as missing, so a reader can say
// exactly what is still to run.
func (l *Ledger) SweepOf(spec *Spec) (*SweepResults, error) {
	runs, err := spec.Expand()
	if err != nil {
		return nil, err
	}
	res := &SweepResults{Sweep: spec.SweepKey(), Spec: spec}
	for _, r := range runs {
		var rec *Record
		if l.Has(r.ID) {
			if rec, err = l.Get(r.ID); err != nil {
				return nil, err
			}
		}
		res.Entries = append(res.Entries, Entry{Run: r, Record: rec})
	}
	return res, nil
}

// RowStatus says which seeds of one row of a sweep (a label and grid
// point) have a record.
type RowStatus struct {
	// Name is the row's name: the label and its coordinates
	// (SummaryRow.Name).
	Name string
	// Label is the variant label.
	Label string
	// Settings are the row's coordinates without the seed.
	Settings []Setting
	// Recorded and Missing list the row's seeds with and without a
	// record, in expansion order.
	Recorded, Missing []uint64
	// MissingIDs are the run ids of the missing seeds.
	MissingIDs []string
}

// Status returns the sweep's rows in order of first appearance, with their
// recorded and missing seeds.
func (s *SweepResults) Status() []RowStatus {
	var out []RowStatus
	index := map[string]int{}
	for _, e := range s.Entries {
		key, settings := rowKey(e.Run.Label, e.Run.Point, "seed")
		k, ok := index[key]
		if !ok {
			k = len(out)
			index[key] = k
			out = append(out, RowStatus{Name: (&SummaryRow{Label: e.Run.Label, Settings: settings}).Name(), Label: e.Run.Label, Settings: settings})
		}
		if e.Record != nil {
			out[k].Recorded = append(out[k].Recorded, e.Run.Spec.Seed)
		} else {
			out[k].Missing = append(out[k].Missing, e.Run.Spec.Seed)
			out[k].MissingIDs = append(out[k].MissingIDs, e.Run.ID)
		}
	}
	return out
}

// Select returns the sweep restricted to the rows named in rows, in that
// order: a name is a row's full name (SummaryRow.Name, with its
// coordinates) or a label (every grid point of that label, in expansion
// order); a run named twice is taken once. A name that matches no row is
// an error listing the rows.
func (s *SweepResults) Select(rows ...string) (*SweepResults, error) {
	out := &SweepResults{Sweep: s.Sweep, Spec: s.Spec, Problems: s.Problems}
	status := s.Status()
	taken := map[string]bool{}
	for _, want := range rows {
		found := false
		for _, e := range s.Entries {
			_, settings := rowKey(e.Run.Label, e.Run.Point, "seed")
			name := (&SummaryRow{Label: e.Run.Label, Settings: settings}).Name()
			if name == want || e.Run.Label == want {
				found = true
				if !taken[e.Run.ID] { // a label and one of its rows may both be named
					taken[e.Run.ID] = true
					out.Entries = append(out.Entries, e)
				}
			}
		}
		if !found {
			names := make([]string, len(status))
			for k, r := range status {
				names[k] = r.Name
			}
			return nil, fmt.Errorf("sweep %s has no row %q (rows: %s)", s.Sweep, want, strings.Join(names, ", "))
		}
	}
	return out, nil
}

// Recorded reports whether any run of the sweep has a record.
func (s *SweepResults) Recorded() bool {
	for _, e := range s.Entries {
		if e.Record != nil {
			return true
		}
	}
	return false
}

// checkMetric refuses a metric name that no record can hold (a misspelt
// or wrongly cased one, "hr@5"), so that a typo is not reported as data
// that is not recorded yet.
func checkMetric(what, m string) error {
	kind, _, ok := eval.ParseMetric(m)
	if ok {
		switch kind {
		case eval.HR, eval.NDCG, eval.MRR, eval.Recall:
			return nil
		}
	}
	return fmt.Errorf("%s: metric %q: want HR@k, NDCG@k, MRR@k or Recall@k", what, m)
}

// checkLabels refuses row labels that the sweep does not have, listing
// those it has, so that a typo is not reported as rows not recorded yet.
func checkLabels(what string, sr *SweepResults, labels []string) error {
	var have []string
	for _, e := range sr.Entries {
		if !slices.Contains(have, e.Run.Label) {
			have = append(have, e.Run.Label)
		}
	}
	for _, l := range labels {
		if !slices.Contains(have, l) {
			return fmt.Errorf("%s: sweep %s has no row %q (rows: %s)", what, sr.Sweep, l, strings.Join(have, ", "))
		}
	}
	return nil
}

// ErrNoData is wrapped by the errors of SweepCurves, SweepParam and
// RankTable when no recorded run of the sweep holds what they draw.
var ErrNoData = errors.New("no recorded data")

// CurveOptions selects what SweepCurves draws.
type CurveOptions struct {
	// Metric is the drawn metric ("HR@5", "Recall@50").
	Metric string
	// Part is the evaluated part: "valid" (default) or "test".
	Part string
	// MaxEpoch, when positive, ends the curves at that epoch.
	MaxEpoch int
	// Names renames series: row label (or full row name) → legend name.
	Names map[string]string
	// Ragged keeps every seed's curve to its own end. By default a row's
	// curves end at the last epoch all its seeds reached (early stopping
	// ends the seeds at different epochs), so every point of a row is a
	// mean over the same seeds.
	Ragged bool
}

// SweepCurves returns the learning curves of a sweep's recorded runs: x is
// the epoch, one series per row (named by its label, or by its full name
// when two selected rows share a label), one curve per seed, so the figure
// draws the mean over seeds with a band of ± 1 sd and states n in its
// caption. Select the rows first to draw a subset in a chosen order.
//
// Epoch 0 is the untrained model, evaluated before training (the budget's
// EvalAtStart); a run without that evaluation starts at its first
// evaluated epoch, and the caption says what epoch 0 is whenever it is
// drawn. A row whose drawn curves end where their epoch cap stopped runs
// still rising (Record.RisingAtCap) is marked (report.Series.Cutoff: an
// arrow at its end, its seeds and the rule in the caption).
func SweepCurves(sr *SweepResults, o CurveOptions) (*report.Figure, error) {
	if o.Metric == "" {
		return nil, errors.New("curves: no metric")
	}
	if err := checkMetric("curves", o.Metric); err != nil {
		return nil, err
	}
	part := o.Part
	if part == "" {
		part = eval.Valid
	}
	if part != eval.Valid && part != eval.Test {
		return nil, fmt.Errorf("curves: part %q: want %s or %s", part, eval.Valid, eval.Test)
	}
	type curve struct {
		epochs []int
		values []float64
		// end is the run's last epoch of the metric, before MaxEpoch;
		// rising says the run was still rising at its cap (cap).
		end, cap int
		rising   bool
		rule     string
	}
	type row struct {
		name, label string
		curves      []curve
	}
	var rows []*row
	index := map[string]*row{}
	labels := map[string]int{}
	for _, e := range sr.Entries {
		if e.Record == nil {
			continue
		}
		key, settings := rowKey(e.Run.Label, e.Run.Point, "seed")
		r := index[key]
		if r == nil {
			r = &row{name: (&SummaryRow{Label: e.Run.Label, Settings: settings}).Name(), label: e.Run.Label}
			index[key] = r
			rows = append(rows, r)
			labels[e.Run.Label]++
		}
		epochs, values, err := e.Record.Result.MetricCurve(part, o.Metric)
		if err != nil {
			return nil, fmt.Errorf("curves: run %s of %s: %w", e.Run.ID, sr.Sweep, err)
		}
		if len(epochs) == 0 {
			continue
		}
		c := curve{epochs: epochs, values: values, end: epochs[len(epochs)-1], cap: e.Record.Spec.Budget.Epochs,
			rising: e.Record.RisingAtCap(o.Metric), rule: RisingRule(e.Record.RisingMetric(o.Metric))}
		if o.MaxEpoch > 0 {
			n, _ := slices.BinarySearch(c.epochs, o.MaxEpoch+1)
			c.epochs, c.values = c.epochs[:n], c.values[:n]
		}
		if len(c.epochs) > 0 {
			r.curves = append(r.curves, c)
		}
	}
	partName := map[string]string{eval.Valid: "validation", eval.Test: "test"}[part]
	fig := report.NewLearningCurve(partName + " " + o.Metric)
	cut := false
	zero, later := false, false // series with and without an epoch-0 point
	shortened, lastRun := 0, 0  // curves MaxEpoch shortened, and their runs' last epoch
	for _, r := range rows {
		if len(r.curves) == 0 {
			continue
		}
		last := r.curves[0].epochs[len(r.curves[0].epochs)-1]
		for _, c := range r.curves {
			last = min(last, c.epochs[len(c.epochs)-1])
		}
		name := r.label
		if labels[r.label] > 1 || name == "" {
			name = r.name
		}
		if n, ok := o.Names[name]; ok {
			name = n
		}
		s := fig.Get(name)
		var cutoff *report.Cutoff
		for _, c := range r.curves {
			n := len(c.epochs)
			if !o.Ragged {
				n, _ = slices.BinarySearch(c.epochs, last+1)
				cut = cut || n < len(c.epochs)
			}
			if err := s.AddCurve(c.epochs[:n], c.values[:n]); err != nil {
				return nil, err
			}
			if c.epochs[n-1] < c.end {
				if o.MaxEpoch > 0 && c.epochs[len(c.epochs)-1] < c.end {
					shortened++
					lastRun = max(lastRun, c.end)
				}
				continue
			}
			// This curve is drawn to its run's end.
			if c.rising {
				if cutoff == nil {
					cutoff = &report.Cutoff{All: len(r.curves), At: c.cap, Rule: c.rule}
				}
				cutoff.Seeds++
				if c.cap != cutoff.At {
					cutoff.At = 0 // seeds with different caps: not stated
				}
			}
		}
		s.Cutoff = cutoff
		if r.curves[0].epochs[0] == 0 {
			zero = true
		} else {
			later = true
		}
		for _, c := range r.curves[1:] {
			if (c.epochs[0] == 0) != (r.curves[0].epochs[0] == 0) {
				zero, later = true, true
			}
		}
	}
	if len(fig.Series) == 0 {
		return nil, fmt.Errorf("curves: sweep %s: %w: no curve of %s %s", sr.Sweep, ErrNoData, part, o.Metric)
	}
	fig.Caption = fmt.Sprintf("%s %s per epoch (ledger sweep %s).", strings.ToUpper(partName[:1])+partName[1:], o.Metric, sr.Sweep)
	if zero {
		fig.Caption += " Epoch 0 is the untrained model, evaluated before training"
		if later {
			fig.Caption += "; runs without that evaluation start at their first evaluated epoch"
		}
		fig.Caption += "."
	}
	if shortened > 0 {
		fig.Caption += fmt.Sprintf(" The curves are drawn to epoch %d; the runs trained on (to epoch %d at most).", o.MaxEpoch, lastRun)
	}
	if cut {
		fig.Caption += " Each row's curve ends at the last epoch all its seeds reached (early stopping ends seeds at different epochs)."
	}
	return fig, nil
}

// ParamOptions selects what SweepParam draws.
type ParamOptions struct {
	// X is the grid path on the x axis ("kd[0].options.k", "student.dim").
	X string
	// XLabel labels the x axis (default: X).
	XLabel string
	// XScale, when not zero, multiplies the coordinate before it is
	// drawn: 1.0/200 draws a student dimension d as the size ratio
	// φ = d/200 to a teacher of d = 200, the x quantity of the
	// dissertation's figures over student size.
	XScale float64
	// Metric is the drawn metric ("HR@5").
	Metric string
	// Source is SourceBest (default) or SourceFinal.
	Source string
	// Rows are the labels drawn against X (default: every label of the
	// sweep with X among its coordinates).
	Rows []string
	// References are labels drawn as constant reference lines over the
	// whole x range, one value per seed (e.g. the plain student of a
	// hyper-parameter sweep); they must not vary with X.
	References []string
	// Names renames series: label → legend name (default: the label).
	Names map[string]string
	// By, when set, is a second grid path that splits each row into one
	// series per value ("kd[0].lambda": DE over M, one line per λ), named
	// "<name> (<ByLabel>=<value>)" and drawn on an ordered colour ramp.
	By string
	// ByLabel names By in the legend (default: By).
	ByLabel string
	// Kind is report.Lines (default) or report.Bars.
	Kind report.Kind
}

// SweepParam returns a figure of metric against grid coordinate X: one
// series per row label, each point the mean over its seeds (± 1 sd), and
// the reference rows as lines without markers. The caption names the
// sweep and the compared values. It fails with ErrNoData when no run of
// the rows (references aside) is recorded.
func SweepParam(sr *SweepResults, o ParamOptions) (*report.Figure, error) {
	if o.X == "" || o.Metric == "" {
		return nil, errors.New("param figure: want X and Metric")
	}
	if err := checkMetric("param figure", o.Metric); err != nil {
		return nil, err
	}
	if err := checkLabels("param figure", sr, append(slices.Clone(o.Rows), o.References...)); err != nil {
		return nil, err
	}
	source := o.Source
	if source == "" {
		source = SourceBest
	}
	xl := o.XLabel
	if xl == "" {
		xl = o.X
	}
	fig := report.NewSizeSweep(xl, "test "+o.Metric, o.Kind)
	name := func(label string) string {
		if n, ok := o.Names[label]; ok {
			return n
		}
		return label
	}
	rows := o.Rows
	if len(rows) == 0 {
		for _, e := range sr.Entries {
			if _, ok := coordinate(e.Run.Point, o.X); ok && !slices.Contains(rows, e.Run.Label) && !slices.Contains(o.References, e.Run.Label) {
				rows = append(rows, e.Run.Label)
			}
		}
	}
	points := 0
	byLabel := o.ByLabel
	if byLabel == "" {
		byLabel = o.By
	}
	var ramp []*report.Series
	for _, label := range rows {
		for _, e := range sr.Entries {
			if e.Record == nil || e.Run.Label != label {
				continue
			}
			x, ok := coordinate(e.Run.Point, o.X)
			if !ok {
				return nil, fmt.Errorf("param figure: row %s of %s has no coordinate %s", label, sr.Sweep, o.X)
			}
			if o.XScale != 0 {
				x *= o.XScale
			}
			series := name(label)
			if o.By != "" {
				b, ok := coordinate(e.Run.Point, o.By)
				if !ok {
					return nil, fmt.Errorf("param figure: row %s of %s has no coordinate %s", label, sr.Sweep, o.By)
				}
				series += fmt.Sprintf(" (%s=%s)", byLabel, strconv.FormatFloat(b, 'g', -1, 64))
			}
			if v, ok := recordValue(e.Record, o.Metric, source); ok {
				s := fig.Get(series)
				if o.By != "" && !slices.Contains(ramp, s) {
					ramp = append(ramp, s)
				}
				s.Add(x, v)
				points++
			}
		}
	}
	for k, s := range ramp {
		st := report.Ramp(k, len(ramp))
		s.Style = &st
	}
	if points == 0 {
		return nil, fmt.Errorf("param figure: sweep %s: %w: no recorded run of %s", sr.Sweep, ErrNoData, strings.Join(rows, ", "))
	}
	for _, label := range o.References {
		var vals []float64
		for _, e := range sr.Entries {
			if e.Record == nil || e.Run.Label != label {
				continue
			}
			if _, ok := coordinate(e.Run.Point, o.X); ok {
				return nil, fmt.Errorf("param figure: reference row %s of %s varies with %s", label, sr.Sweep, o.X)
			}
			if v, ok := recordValue(e.Record, o.Metric, source); ok {
				vals = append(vals, v)
			}
		}
		if len(vals) > 0 {
			fig.AddReference(name(label), vals...)
		}
	}
	what := "at the best validation epoch per cut-off"
	if source == SourceFinal {
		what = "of the restored model"
	}
	fig.Caption = fmt.Sprintf("Test %s %s against %s (ledger sweep %s).", o.Metric, what, xl, sr.Sweep)
	return fig, nil
}

// coordinate returns the numeric value of path in a run's grid point.
func coordinate(point []Setting, path string) (float64, bool) {
	for _, p := range point {
		if p.Path == path {
			x, err := strconv.ParseFloat(string(p.Value), 64)
			return x, err == nil
		}
	}
	return 0, false
}

// RankTable returns metrics recomputed from the recorded test ranks of
// each user's held-out item (Record.Result.Ranks): one row per recorded
// row of the sweep, mean ± sd over seeds, and the number of seeds. full
// selects the ranks under full ranking (among every item outside the
// user's training and validation data), else among the sampled
// candidates. The ranks are those of the model a run returns (restored at
// its best validation epoch), so these are its test values, not the best
// epoch per cut-off of Aggregate; with one held-out item per user,
// Recall@k equals HR@k. Runs without ranks are left out; a run whose
// ranks lack the side asked for (no candidates) is an error.
func RankTable(sr *SweepResults, metrics []string, full bool) (*report.Table, error) {
	if len(metrics) == 0 {
		return nil, errors.New("rank table: no metrics")
	}
	type acc struct {
		name string
		vals [][]float64 // per metric, per seed
	}
	var rows []*acc
	index := map[string]*acc{}
	for _, e := range sr.Entries {
		if e.Record == nil || e.Record.Result.Ranks == nil {
			continue
		}
		ranks, err := e.Record.Result.Ranks.Unpack()
		if err != nil {
			return nil, fmt.Errorf("rank table: run %s: %w", e.Run.ID, err)
		}
		key, settings := rowKey(e.Run.Label, e.Run.Point, "seed")
		a := index[key]
		if a == nil {
			a = &acc{name: (&SummaryRow{Label: e.Run.Label, Settings: settings}).Name(), vals: make([][]float64, len(metrics))}
			index[key] = a
			rows = append(rows, a)
		}
		for j, m := range metrics {
			kind, n, ok := eval.ParseMetric(m)
			if !ok {
				return nil, fmt.Errorf("rank table: bad metric %q", m)
			}
			v, err := ranks.Mean(kind, n, full)
			if err != nil {
				return nil, fmt.Errorf("rank table: run %s: %w", e.Run.ID, err)
			}
			a.vals[j] = append(a.vals[j], v)
		}
	}
	how := "among the sampled candidates"
	if full {
		how = "under full ranking"
	}
	t := &report.Table{Title: fmt.Sprintf("%s: test metrics %s, from the recorded ranks of the restored models (mean ± std over seeds)", sr.Sweep, how),
		Header: append(append([]string{"run"}, metrics...), "seeds")}
	for _, a := range rows {
		row := []string{a.name}
		for j := range metrics {
			m, sd := meanStd(a.vals[j])
			cell := strconv.FormatFloat(m, 'f', 4, 64)
			if len(a.vals[j]) > 1 {
				cell += " ± " + strconv.FormatFloat(sd, 'f', 4, 64)
			}
			row = append(row, cell)
		}
		t.Rows = append(t.Rows, append(row, strconv.Itoa(len(a.vals[0]))))
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("rank table: sweep %s: %w: no recorded run has ranks", sr.Sweep, ErrNoData)
	}
	return t, nil
}

package exp

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/report"
)

// Entry pairs a run of a sweep with its stored record (nil if missing).
type Entry struct {
	// Run is the run of the sweep.
	Run Run
	// Record is its stored result, nil when it has none yet.
	Record *Record
}

// SweepResults is one sweep's runs with their records, ready to aggregate.
type SweepResults struct {
	// Sweep is the sweep key.
	Sweep string
	// Spec is the sweep's spec (nil when no manifest exists and the runs
	// were rebuilt from the records).
	Spec *Spec
	// Entries lists the runs in expansion order.
	Entries []Entry
	// Problems lists the damaged lines met while loading.
	Problems []Problem
}

// Missing returns the runs without a record.
func (s *SweepResults) Missing() []Run {
	var out []Run
	for _, e := range s.Entries {
		if e.Record == nil {
			out = append(out, e.Run)
		}
	}
	return out
}

// Metrics lists the metrics the sweep's runs report, in table order: the
// test metrics of their protocols (ProtocolMetrics) and any other metric
// a stored result holds.
func (s *SweepResults) Metrics() []string {
	set := map[string]bool{}
	for _, e := range s.Entries {
		for _, m := range ProtocolMetrics(e.Run.Spec.Protocol) {
			set[m] = true
		}
		if r := e.Record; r != nil {
			for _, m := range []string{MetricParams, MetricMsPerUser, MetricCPUMsPerUser} {
				if _, ok := recordValue(r, m, SourceBest); ok {
					set[m] = true
				}
			}
			for m := range r.Result.Best {
				set[m] = true
			}
			for m := range r.Result.Final {
				set[m] = true
			}
		}
	}
	return metricList(set)
}

// CheckMetrics reports the first of ms that no run of the sweep reports
// (a typo such as HR@7 would otherwise make a column of dashes), listing
// those it does.
func (s *SweepResults) CheckMetrics(ms []string) error {
	known := s.Metrics()
	for _, m := range ms {
		if IsDiscrepancyMetric(m) {
			// Trace quantities are named by epoch; a run without a
			// trace simply has no value.
			if err := s.checkDiscrepancyTarget(m); err != nil {
				return err
			}
			continue
		}
		if !slices.Contains(known, m) {
			return fmt.Errorf("metric %q: the runs of %s report %s", clipText(m), s.Sweep, strings.Join(known, ", "))
		}
	}
	return nil
}

// SweepKeys lists the sweeps found under out (manifests and records).
func SweepKeys(out string) ([]string, error) {
	ms, err := LoadManifests(out)
	if err != nil {
		return nil, err
	}
	rs, err := LoadResults(out)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for k := range ms {
		set[k] = true
	}
	for _, r := range rs.Records {
		set[r.Sweep] = true
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, nil
}

// LoadSweep loads the runs and records of one sweep under out. sweep is a
// sweep key ("td-student-size@quick"), or a spec name when it matches one
// key, or "" when out holds a single sweep. With a manifest, the runs come
// from it (so records a run shares with another sweep count too); without,
// from the records of that sweep.
func LoadSweep(out, sweep string) (*SweepResults, error) {
	keys, err := SweepKeys(out)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: no sweep manifests or results", out)
	}
	key := ""
	switch {
	case sweep == "" && len(keys) == 1:
		key = keys[0]
	case sweep == "":
		return nil, fmt.Errorf("%s holds several sweeps, choose one: %s", out, strings.Join(keys, ", "))
	case slices.Contains(keys, sweep):
		key = sweep
	default:
		var match []string
		for _, k := range keys {
			if strings.HasPrefix(k, sweep+"@") {
				match = append(match, k)
			}
		}
		if len(match) != 1 {
			return nil, fmt.Errorf("%s: no single sweep %q (have: %s)", out, sweep, strings.Join(keys, ", "))
		}
		key = match[0]
	}
	rs, err := LoadResults(out)
	if err != nil {
		return nil, err
	}
	ms, err := LoadManifests(out)
	if err != nil {
		return nil, err
	}
	res := &SweepResults{Sweep: key, Problems: rs.Problems}
	if m := ms[key]; m != nil {
		res.Spec = m.Spec
		for _, r := range m.Runs {
			res.Entries = append(res.Entries, Entry{Run: r, Record: rs.Get(r.ID)})
		}
		return res, nil
	}
	var recs []*Record
	for _, r := range rs.Records {
		if r.Sweep == key {
			recs = append(recs, r)
		}
	}
	sort.SliceStable(recs, func(a, b int) bool { return recs[a].Index < recs[b].Index })
	for _, r := range recs {
		res.Entries = append(res.Entries, Entry{Run: Run{Index: r.Index, ID: r.ID, Hash: r.Hash, Label: r.Label, Point: r.Point, Spec: r.Spec}, Record: r})
	}
	return res, nil
}

// Value sources of TableOptions.Source.
const (
	// SourceBest is the reference report: test metrics at the best
	// validation epoch per cut-off (RunResult.Best).
	SourceBest = "best"
	// SourceFinal is the test metrics of the returned model
	// (RunResult.Final), the values the per-user tests are computed on.
	SourceFinal = "final"
)

// NoBaseline as TableOptions.Baseline turns the paired tests off.
const NoBaseline = "-"

// TableOptions configures Aggregate.
type TableOptions struct {
	// Metrics are the reported metrics; default: the spec's report
	// metrics, else HR/NDCG@{5,10,20} for LOO and Recall/NDCG@{10,20,50}
	// for full ranking.
	Metrics []string
	// Baseline is the label of the rows others are tested against
	// (default: the spec's report baseline; NoBaseline for no tests).
	Baseline string
	// Source is SourceBest (default) or SourceFinal.
	Source string
	// Alpha is the significance level of the table's markers (default 0.05).
	Alpha float64
}

// Summary is a sweep aggregated over seeds: one row per variant and grid
// point, with mean ± std per metric and paired tests against a baseline.
type Summary struct {
	// Sweep is the sweep key.
	Sweep string
	// Metrics are the columns.
	Metrics []string
	// Baseline is the label of the baseline rows ("" for no tests).
	Baseline string
	// Source is SourceBest or SourceFinal.
	Source string
	// Alpha is the significance level of the markers.
	Alpha float64
	// Rows holds the rows in order of first appearance in the sweep.
	Rows []*SummaryRow
	// Missing counts runs without a record; they are left out.
	Missing int
}

// SummaryRow is one row: a label and grid point, over its seeds.
type SummaryRow struct {
	// Key identifies the row: the label and the non-seed coordinates.
	Key string
	// Label is the variant label.
	Label string
	// Settings are the row's coordinates (the grid point without seed).
	Settings []Setting
	// Seeds lists the seeds with a record, ascending.
	Seeds []uint64
	// Mean is the mean over seeds per metric.
	Mean map[string]float64
	// Std is the sample standard deviation over seeds per metric (0 for
	// one seed).
	Std map[string]float64
	// N is the number of seeds with a value per metric.
	N map[string]int
	// BaselineKey is the key of the row this row is tested against ("" if
	// none).
	BaselineKey string
	// Tests holds the tests against the baseline row per metric.
	Tests map[string]*MetricTest

	recs map[uint64]*Record
}

// Name returns the row's display name: the label and its coordinates.
func (r *SummaryRow) Name() string {
	if len(r.Settings) == 0 {
		if r.Label == "" {
			return "run"
		}
		return r.Label
	}
	parts := make([]string, len(r.Settings))
	for k, s := range r.Settings {
		parts[k] = s.String()
	}
	if r.Label == "" {
		return strings.Join(parts, " ")
	}
	return r.Label + " (" + strings.Join(parts, " ") + ")"
}

// MetricTest holds the paired tests of one metric of a row against its
// baseline row.
type MetricTest struct {
	// PerSeed holds, per common seed, the tests over users (the same split
	// and seed, so the per-user values are paired).
	PerSeed []SeedTest
	// OverSeeds is the paired t-test over the per-seed means (nil with
	// fewer than two common seeds).
	OverSeeds *eval.Significance
	// P is the p-value the table marks: OverSeeds.P with two or more
	// seeds, else the single seed's per-user t-test.
	P float64
}

// SeedTest is the per-user comparison of one seed.
type SeedTest struct {
	// Seed is the seed both runs share.
	Seed uint64
	// Comparison holds the paired t and Wilcoxon tests over users.
	eval.Comparison
}

// Aggregate summarises a sweep over seeds: one row per label and grid
// point (seed excluded), in order of first appearance, with the mean and
// sample standard deviation of every metric. With a baseline label (exact,
// else case-insensitive), every other row is paired with the baseline row
// whose coordinates it shares and tested per seed over users (eval.Compare
// on the stored per-user values of the same seed and split) and over the
// seeds' means (eval.PairedT).
func Aggregate(sr *SweepResults, o TableOptions) (*Summary, error) {
	if o.Alpha == 0 {
		o.Alpha = 0.05
	}
	if o.Source == "" {
		o.Source = SourceBest
	}
	if o.Source != SourceBest && o.Source != SourceFinal {
		return nil, fmt.Errorf("aggregate: source %q: want %s or %s", o.Source, SourceBest, SourceFinal)
	}
	if sr.Spec != nil {
		if len(o.Metrics) == 0 {
			o.Metrics = sr.Spec.Report.Metrics
		}
		if o.Baseline == "" {
			o.Baseline = sr.Spec.Report.Baseline
		}
	}
	if o.Baseline == NoBaseline {
		o.Baseline = ""
	}
	s := &Summary{Sweep: sr.Sweep, Baseline: o.Baseline, Source: o.Source, Alpha: o.Alpha}
	rows := map[string]*SummaryRow{}
	for _, e := range sr.Entries {
		if e.Record == nil {
			s.Missing++
			continue
		}
		key, settings := rowKey(e.Run.Label, e.Run.Point, "seed")
		row := rows[key]
		if row == nil {
			row = &SummaryRow{Key: key, Label: e.Run.Label, Settings: settings, recs: map[uint64]*Record{}}
			rows[key] = row
			s.Rows = append(s.Rows, row)
		}
		seed := e.Run.Spec.Seed
		if _, dup := row.recs[seed]; dup {
			return nil, fmt.Errorf("aggregate: row %s has two runs with seed %d", row.Name(), seed)
		}
		row.recs[seed] = e.Record
		row.Seeds = append(row.Seeds, seed)
	}
	if len(o.Metrics) == 0 {
		o.Metrics = defaultMetrics(sr)
	} else if err := sr.CheckMetrics(o.Metrics); err != nil {
		return nil, fmt.Errorf("aggregate: %w", err)
	}
	s.Metrics = o.Metrics
	for _, row := range s.Rows {
		slices.Sort(row.Seeds)
		row.Mean, row.Std, row.N = map[string]float64{}, map[string]float64{}, map[string]int{}
		for _, m := range s.Metrics {
			vals := row.values(m, s.Source)
			if len(vals) == 0 {
				continue
			}
			row.Mean[m], row.Std[m] = meanStd(vals)
			row.N[m] = len(vals)
		}
	}
	if s.Baseline != "" {
		if err := s.test(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// rowKey returns the row key of a run and its coordinates without the
// excluded paths.
func rowKey(label string, point []Setting, exclude ...string) (string, []Setting) {
	var kept []Setting
	var b strings.Builder
	b.WriteString(strconv.Quote(label))
	for _, p := range point {
		if slices.Contains(exclude, p.Path) {
			continue
		}
		kept = append(kept, p)
		b.WriteString(" " + p.String())
	}
	return b.String(), kept
}

func defaultMetrics(sr *SweepResults) []string {
	for _, e := range sr.Entries {
		if e.Run.Spec.Protocol == Full {
			return []string{"Recall@10", "NDCG@10", "Recall@20", "NDCG@20", "Recall@50", "NDCG@50"}
		}
	}
	return []string{"HR@5", "NDCG@5", "HR@10", "NDCG@10", "HR@20", "NDCG@20"}
}

// values returns the metric over the row's seeds (in seed order).
func (r *SummaryRow) values(m, source string) []float64 {
	var out []float64
	for _, seed := range r.Seeds {
		if v, ok := recordValue(r.recs[seed], m, source); ok {
			out = append(out, v)
		}
	}
	return out
}

func recordValue(rec *Record, m, source string) (float64, bool) {
	if IsDiscrepancyMetric(m) {
		return discrepancyValue(rec, m)
	}
	switch m {
	case MetricParams:
		return float64(rec.Result.Params), rec.Result.Params > 0
	case MetricMsPerUser:
		inf, ok, err := rec.Result.Inference()
		return inf.MsPerUser, ok && err == nil
	case MetricCPUMsPerUser:
		inf, ok, err := rec.Result.Inference()
		return inf.CPUMsPerUser, ok && err == nil && inf.CPUMsPerUser > 0
	}
	src := rec.Result.Best
	if source == SourceFinal {
		src = rec.Result.Final
	}
	v, ok := src[m]
	return v, ok
}

func meanStd(v []float64) (mean, std float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	if len(v) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(v)-1))
}

// test pairs every row with its baseline row and runs the tests.
func (s *Summary) test() error {
	var bases []*SummaryRow
	for _, r := range s.Rows {
		if r.Label == s.Baseline {
			bases = append(bases, r)
		}
	}
	if len(bases) == 0 {
		// "--baseline student" finds the "Student" rows.
		for _, r := range s.Rows {
			if strings.EqualFold(r.Label, s.Baseline) {
				bases = append(bases, r)
			}
		}
		if len(bases) > 0 && slices.ContainsFunc(bases, func(b *SummaryRow) bool { return b.Label != bases[0].Label }) {
			return fmt.Errorf("aggregate: baseline %q matches several labels; give the exact one", s.Baseline)
		}
		if len(bases) > 0 {
			s.Baseline = bases[0].Label
		}
	}
	if len(bases) == 0 {
		return fmt.Errorf("aggregate: no row labelled %q (labels: %s)", s.Baseline, strings.Join(s.labels(), ", "))
	}
	unpacked := map[string]*eval.Result{}
	perUser := func(rec *Record) (*eval.Result, error) {
		if r, ok := unpacked[rec.ID]; ok {
			return r, nil
		}
		if rec.Result.PerUser == nil {
			return nil, fmt.Errorf("run %s has no per-user values", rec.ID)
		}
		r, err := rec.Result.PerUser.Unpack()
		if err != nil {
			return nil, fmt.Errorf("run %s: %w", rec.ID, err)
		}
		unpacked[rec.ID] = r
		return r, nil
	}
	for _, row := range s.Rows {
		if row.Label == s.Baseline {
			continue
		}
		base := matchBaseline(row, bases)
		if base == nil {
			continue
		}
		row.BaselineKey = base.Key
		row.Tests = map[string]*MetricTest{}
		for _, m := range s.Metrics {
			mt := &MetricTest{P: math.NaN()}
			var xs, ys []float64
			for _, seed := range row.Seeds {
				rb, ok := base.recs[seed]
				if !ok {
					continue
				}
				ra := row.recs[seed]
				if x, ok := recordValue(ra, m, s.Source); ok {
					if y, ok := recordValue(rb, m, s.Source); ok {
						xs, ys = append(xs, x), append(ys, y)
					}
				}
				a, errA := perUser(ra)
				b, errB := perUser(rb)
				if errA != nil || errB != nil || a.Index(m) < 0 || b.Index(m) < 0 {
					continue
				}
				c, err := eval.Compare(a, b, m)
				if err != nil {
					return fmt.Errorf("aggregate: %s vs %s, seed %d: %w", row.Name(), base.Name(), seed, err)
				}
				mt.PerSeed = append(mt.PerSeed, SeedTest{Seed: seed, Comparison: c})
			}
			if len(xs) >= 2 {
				sig, err := eval.PairedT(xs, ys)
				if err != nil {
					return err
				}
				mt.OverSeeds = &sig
				mt.P = sig.P
			} else if len(mt.PerSeed) == 1 {
				mt.P = mt.PerSeed[0].T.P
			}
			row.Tests[m] = mt
		}
	}
	return nil
}

// matchBaseline returns the baseline row whose coordinates all appear in
// row's (the most specific one), or nil if none or ambiguous.
func matchBaseline(row *SummaryRow, bases []*SummaryRow) *SummaryRow {
	var best *SummaryRow
	bestN, ties := -1, 0
	for _, b := range bases {
		ok := true
		for _, bs := range b.Settings {
			found := false
			for _, rs := range row.Settings {
				if rs.Path == bs.Path && string(rs.Value) == string(bs.Value) {
					found = true
					break
				}
			}
			if !found {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		switch n := len(b.Settings); {
		case n > bestN:
			best, bestN, ties = b, n, 0
		case n == bestN:
			ties++
		}
	}
	if ties > 0 {
		return nil
	}
	return best
}

func (s *Summary) labels() []string {
	var out []string
	for _, r := range s.Rows {
		if !slices.Contains(out, r.Label) {
			out = append(out, r.Label)
		}
	}
	return out
}

// cell formats one metric of a row: "0.4773 ± 0.0021*".
func (s *Summary) cell(r *SummaryRow, m string) (mean, std, mark string, ok bool) {
	n := r.N[m]
	if n == 0 {
		return "", "", "", false
	}
	mean = strconv.FormatFloat(r.Mean[m], 'f', 4, 64)
	if n > 1 {
		std = strconv.FormatFloat(r.Std[m], 'f', 4, 64)
	}
	if t := r.Tests[m]; t != nil && t.P < s.Alpha {
		mark = "*"
	}
	return mean, std, mark, true
}

func (s *Summary) title() string {
	src := "test metrics at the best validation epoch per cut-off"
	if s.Source == SourceFinal {
		src = "test metrics of the restored model"
	}
	return fmt.Sprintf("%s: mean ± std over seeds (%s)", s.Sweep, src)
}

func (s *Summary) notes() []string {
	var notes []string
	if s.Baseline != "" {
		notes = append(notes, fmt.Sprintf("* p < %g against %s (paired t-test over the seeds' means with two or more seeds, else over users; per-user tests use the restored model's test values).",
			s.Alpha, s.Baseline))
	}
	if s.Missing > 0 {
		notes = append(notes, fmt.Sprintf("%d runs of the sweep have no result yet and are left out.", s.Missing))
	}
	return notes
}

// Table renders the summary as a report.Table: one row per summary row,
// one column per metric ("mean ± std", "*" when significant), and the
// number of seeds.
func (s *Summary) Table() *report.Table {
	t := &report.Table{Title: s.title(), Header: append(append([]string{"run"}, s.Metrics...), "seeds"), Notes: s.notes()}
	for _, r := range s.Rows {
		row := []string{r.Name()}
		for _, m := range s.Metrics {
			mean, std, mark, ok := s.cell(r, m)
			switch {
			case !ok:
				row = append(row, "–")
			case std != "":
				row = append(row, mean+" ± "+std+mark)
			default:
				row = append(row, mean+mark)
			}
		}
		row = append(row, strconv.Itoa(len(r.Seeds)))
		t.Rows = append(t.Rows, row)
	}
	return t
}

// best returns, per metric, the highest mean over rows.
func (s *Summary) best() map[string]float64 {
	out := map[string]float64{}
	for _, m := range s.Metrics {
		bv := math.Inf(-1)
		for _, r := range s.Rows {
			if r.N[m] > 0 && r.Mean[m] > bv {
				bv = r.Mean[m]
			}
		}
		out[m] = bv
	}
	return out
}

// Markdown renders the summary as a Markdown table with the best mean of
// every metric in bold and significance marked \*.
func (s *Summary) Markdown() string {
	t := s.Table()
	best := s.best()
	for k, r := range s.Rows {
		for j, m := range s.Metrics {
			mean, std, mark, ok := s.cell(r, m)
			if !ok {
				continue
			}
			v := mean
			if std != "" {
				v += " ± " + std
			}
			if r.Mean[m] == best[m] {
				v = "**" + v + "**"
			}
			if mark != "" {
				v += `\*`
			}
			t.Rows[k][j+1] = v
		}
	}
	for k, n := range t.Notes {
		if strings.HasPrefix(n, "*") {
			t.Notes[k] = `\` + n
		}
	}
	return t.Markdown()
}

// HTML renders the summary as an HTML table (for notebooks).
func (s *Summary) HTML() string { return s.Table().HTML() }

// LaTeX renders the summary as a booktabs tabular for a paper: the best
// mean per metric in bold, "±" as \pm and significance as a superscript *.
func (s *Summary) LaTeX() string {
	var b strings.Builder
	best := s.best()
	b.WriteString("% " + report.LaTeXEscape(s.title()) + "\n")
	b.WriteString("\\begin{tabular}{l" + strings.Repeat("r", len(s.Metrics)) + "}\n\\toprule\n")
	head := []string{"Method"}
	for _, m := range s.Metrics {
		head = append(head, report.LaTeXEscape(m))
	}
	b.WriteString(strings.Join(head, " & ") + " \\\\\n\\midrule\n")
	for _, r := range s.Rows {
		cells := []string{report.LaTeXEscape(r.Name())}
		for _, m := range s.Metrics {
			mean, std, mark, ok := s.cell(r, m)
			if !ok {
				cells = append(cells, "--")
				continue
			}
			v := mean
			if r.Mean[m] == best[m] {
				v = "\\mathbf{" + mean + "}"
			}
			if std != "" {
				v += " \\pm " + std
			}
			if mark != "" {
				v += "^{*}"
			}
			cells = append(cells, "$"+v+"$")
		}
		b.WriteString(strings.Join(cells, " & ") + " \\\\\n")
	}
	b.WriteString("\\bottomrule\n\\end{tabular}\n")
	for _, n := range s.notes() {
		b.WriteString("% " + report.LaTeXEscape(n) + "\n")
	}
	return b.String()
}

// SignificanceTable lists, per tested row and metric, the baseline, the
// means, the per-seed p-values over users (paired t and Wilcoxon) and the
// paired t over seed means.
func (s *Summary) SignificanceTable() *report.Table {
	t := &report.Table{Title: fmt.Sprintf("%s: paired tests against %s", s.Sweep, s.Baseline),
		Header: []string{"run", "metric", "mean", "baseline", "diff", "p per seed (t)", "p per seed (Wilcoxon)", "p over seeds (t)"}}
	byKey := map[string]*SummaryRow{}
	for _, r := range s.Rows {
		byKey[r.Key] = r
	}
	g := func(p float64) string { return strconv.FormatFloat(p, 'g', 3, 64) }
	for _, r := range s.Rows {
		base := byKey[r.BaselineKey]
		if base == nil {
			continue
		}
		for _, m := range s.Metrics {
			mt := r.Tests[m]
			if mt == nil || r.N[m] == 0 || base.N[m] == 0 {
				continue
			}
			var pt, pw []string
			for _, st := range mt.PerSeed {
				pt = append(pt, fmt.Sprintf("s%d:%s", st.Seed, g(st.T.P)))
				pw = append(pw, fmt.Sprintf("s%d:%s", st.Seed, g(st.Wilcoxon.P)))
			}
			over := "–"
			if mt.OverSeeds != nil {
				over = g(mt.OverSeeds.P)
			}
			t.AddRow(r.Name(), m, r.Mean[m], base.Mean[m], fmt.Sprintf("%+.4f", r.Mean[m]-base.Mean[m]),
				strings.Join(pt, " "), strings.Join(pw, " "), over)
		}
	}
	return t
}

// CurveTable returns the data of a learning-curve figure: one row per
// variant and grid point (seeds averaged), one column per evaluated epoch,
// the mean of metric on part ("valid" or "test") at that epoch.
func CurveTable(sr *SweepResults, metric, part string) *report.Table {
	if part == "" {
		part = "test"
	}
	type series struct {
		name string
		sum  map[int]float64
		n    map[int]int
	}
	var order []string
	all := map[string]*series{}
	epochs := map[int]bool{}
	for _, e := range sr.Entries {
		if e.Record == nil {
			continue
		}
		key, settings := rowKey(e.Run.Label, e.Run.Point, "seed")
		s := all[key]
		if s == nil {
			row := SummaryRow{Label: e.Run.Label, Settings: settings}
			s = &series{name: row.Name(), sum: map[int]float64{}, n: map[int]int{}}
			all[key] = s
			order = append(order, key)
		}
		for _, p := range e.Record.Result.Curve {
			src := p.Test
			if part == "valid" {
				src = p.Valid
			}
			if v, ok := src[metric]; ok {
				s.sum[p.Epoch] += v
				s.n[p.Epoch]++
				epochs[p.Epoch] = true
			}
		}
	}
	var ep []int
	for e := range epochs {
		ep = append(ep, e)
	}
	sort.Ints(ep)
	t := &report.Table{Title: fmt.Sprintf("%s: %s %s per epoch (mean over seeds)", sr.Sweep, part, metric), Header: []string{"run"}}
	for _, e := range ep {
		t.Header = append(t.Header, strconv.Itoa(e))
	}
	for _, k := range order {
		s := all[k]
		row := []string{s.name}
		for _, e := range ep {
			if s.n[e] == 0 {
				row = append(row, "")
				continue
			}
			row = append(row, strconv.FormatFloat(s.sum[e]/float64(s.n[e]), 'f', 4, 64))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// ParamTable pivots metric against grid path x (e.g. "student.dim"): one
// row per label and remaining coordinates, one column per value of x, cells
// "mean ± std" over seeds.
func ParamTable(sr *SweepResults, x, metric, source string) *report.Table {
	if source == "" {
		source = SourceBest
	}
	type cellAcc struct{ vals []float64 }
	var rowsOrder, colsOrder []string
	names := map[string]string{}
	cells := map[string]map[string]*cellAcc{}
	for _, e := range sr.Entries {
		if e.Record == nil {
			continue
		}
		key, settings := rowKey(e.Run.Label, e.Run.Point, "seed", x)
		col := ""
		for _, p := range e.Run.Point {
			if p.Path == x {
				col = string(p.Value)
			}
		}
		if cells[key] == nil {
			cells[key] = map[string]*cellAcc{}
			rowsOrder = append(rowsOrder, key)
			names[key] = (&SummaryRow{Label: e.Run.Label, Settings: settings}).Name()
		}
		if !slices.Contains(colsOrder, col) {
			colsOrder = append(colsOrder, col)
		}
		c := cells[key][col]
		if c == nil {
			c = &cellAcc{}
			cells[key][col] = c
		}
		if v, ok := recordValue(e.Record, metric, source); ok {
			c.vals = append(c.vals, v)
		}
	}
	t := &report.Table{Title: fmt.Sprintf("%s: %s against %s (mean ± std over seeds)", sr.Sweep, metric, x), Header: []string{"run"}}
	for _, c := range colsOrder {
		t.Header = append(t.Header, x+"="+c)
	}
	for _, k := range rowsOrder {
		row := []string{names[k]}
		for _, c := range colsOrder {
			acc := cells[k][c]
			if acc == nil || len(acc.vals) == 0 {
				row = append(row, "")
				continue
			}
			m, sd := meanStd(acc.vals)
			cell := strconv.FormatFloat(m, 'f', 4, 64)
			if len(acc.vals) > 1 {
				cell += " ± " + strconv.FormatFloat(sd, 'f', 4, 64)
			}
			row = append(row, cell)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// Spread is the mean and sample standard deviation of a metric over seeds.
type Spread struct {
	// Mean and Std are the mean and the sample standard deviation.
	Mean, Std float64
	// N is the number of values.
	N int
}

// String formats the spread as "mean ± std" (just the mean for one seed).
func (s Spread) String() string {
	if s.N <= 1 {
		return fmt.Sprintf("%.4f", s.Mean)
	}
	return fmt.Sprintf("%.4f ± %.4f", s.Mean, s.Std)
}

// SpreadOf returns the mean and sample standard deviation of xs.
func SpreadOf(xs []float64) Spread {
	s := Spread{N: len(xs)}
	if s.N == 0 {
		return s
	}
	for _, x := range xs {
		s.Mean += x
	}
	s.Mean /= float64(s.N)
	if s.N > 1 {
		for _, x := range xs {
			s.Std += (x - s.Mean) * (x - s.Mean)
		}
		s.Std = math.Sqrt(s.Std / float64(s.N-1))
	}
	return s
}

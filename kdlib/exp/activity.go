package exp

import (
	"errors"
	"fmt"
	"slices"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/report"
)

// ActivityQuartiles splits the users of s into four groups by their number
// of training interactions (quartile 1 = the least active; the boundaries
// are the 25th, 50th and 75th percentiles, a user on a boundary in the
// lower group) and returns, for each recorded row of sr, the test metric
// of its restored models per quartile: a table (mean ± std over seeds,
// the boundaries in a note) and a bar figure (one bar per row and
// quartile, each seed a point). It reads the records' per-user values, so
// s must be the split the runs were evaluated on. With no recorded run it
// fails with ErrNoData.
func ActivityQuartiles(sr *SweepResults, s *data.Split, metric string) (*report.Table, *report.Figure, error) {
	if err := checkMetric("activity", metric); err != nil {
		return nil, nil, err
	}
	if s.NumUsers() == 0 {
		return nil, nil, errors.New("activity: the split has no users")
	}
	sizes := make([]int, s.NumUsers())
	for u := range sizes {
		sizes[u] = len(s.Train.Items(u))
	}
	sorted := slices.Clone(sizes)
	slices.Sort(sorted)
	cut := []int{sorted[len(sorted)/4], sorted[len(sorted)/2], sorted[3*len(sorted)/4]}
	quartile := func(u int32) int {
		q := 1
		for _, c := range cut {
			if sizes[u] > c {
				q++
			}
		}
		return q
	}
	fig := report.NewSizeSweep("user activity quartile (1 = fewest training interactions)", "test "+metric, report.Bars)
	tb := &report.Table{Title: fmt.Sprintf("%s: test %s by user activity quartile (restored models; mean ± std over seeds)", sr.Sweep, metric),
		Header: []string{"run", "Q1", "Q2", "Q3", "Q4", "seeds"}}
	for _, st := range sr.Status() {
		if len(st.Recorded) == 0 {
			continue
		}
		vals := make([][]float64, 4)
		for _, e := range sr.Entries {
			if e.Record == nil || e.Run.Label != st.Label || e.Record.Result.PerUser == nil {
				continue
			}
			pu, err := e.Record.Result.PerUser.Unpack()
			if err != nil {
				return nil, nil, fmt.Errorf("activity: run %s: %w", e.Run.ID, err)
			}
			if !slices.Contains(pu.Metrics, metric) {
				return nil, nil, fmt.Errorf("activity: run %s has no per-user %s", e.Run.ID, metric)
			}
			for q := 1; q <= 4; q++ {
				v := pu.Filter(func(u int32) bool { return int(u) < len(sizes) && quartile(u) == q }).Mean(metric)
				fig.Add(st.Label, float64(q), v)
				vals[q-1] = append(vals[q-1], v)
			}
		}
		row := []any{st.Label}
		for _, v := range vals {
			sp := SpreadOf(v)
			row = append(row, fmt.Sprintf("%.4f ± %.4f", sp.Mean, sp.Std))
		}
		tb.AddRow(append(row, len(st.Recorded))...)
	}
	if len(tb.Rows) == 0 {
		return nil, nil, fmt.Errorf("activity: sweep %s: %w", sr.Sweep, ErrNoData)
	}
	tb.Notes = append(tb.Notes, fmt.Sprintf("quartile boundaries (training interactions): ≤ %d, ≤ %d, ≤ %d, > %d", cut[0], cut[1], cut[2], cut[2]))
	return tb, fig, nil
}

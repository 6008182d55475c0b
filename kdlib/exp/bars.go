package exp

// Rows of a sweep side by side as grouped bars: an ablation (HetComp and
// HetComp without DKC, without AKT) drawn as the dissertation draws it,
// one category per row and one bar per metric.

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kdrec/kdrec/kdlib/report"
)

// BarOptions selects what SweepBars draws.
type BarOptions struct {
	// Rows are the labels drawn as the categories of the x axis, in order.
	Rows []string
	// Names renames categories: label → the name under its bars (default:
	// the label).
	Names map[string]string
	// Metrics are the metrics drawn: one bar per metric in each category.
	Metrics []string
	// SeriesNames renames the metrics in the legend ("Recall@50" →
	// "Recall@N" in a figure whose panels are one cut-off each).
	SeriesNames map[string]string
	// Source is SourceBest (default) or SourceFinal.
	Source string
	// XLabel and YLabel name the axes (default: "variant" and "test " and
	// the metrics, comma-separated).
	XLabel, YLabel string
}

// metricStyles are the bars of SweepBars' metrics, in order: dark grey,
// light grey, black (greys, so that no metric takes a method's colour).
var metricStyles = []report.Style{{Color: report.Neutral[1]}, {Color: report.Neutral[2]}, {Color: report.Neutral[0]}}

// SweepBars returns a bar figure of the sweep's rows: one category per
// row of o.Rows on the x axis, one bar per metric in each (greys, in the
// order of o.Metrics), the mean over
// the row's recorded seeds with ± 1 sd (report.Bars states n in the
// caption). A row whose runs differ in a grid coordinate other than the
// seed is an error (its seeds would mix grid points); a row without a
// recorded run leaves its category empty. It fails with ErrNoData when no
// row has a recorded value.
func SweepBars(sr *SweepResults, o BarOptions) (*report.Figure, error) {
	if len(o.Rows) == 0 || len(o.Metrics) == 0 {
		return nil, errors.New("bar figure: want rows and metrics")
	}
	for _, m := range o.Metrics {
		if err := checkMetric("bar figure", m); err != nil {
			return nil, err
		}
	}
	if err := checkLabels("bar figure", sr, o.Rows); err != nil {
		return nil, err
	}
	source := o.Source
	if source == "" {
		source = SourceBest
	}
	xl, yl := o.XLabel, o.YLabel
	if xl == "" {
		xl = "variant"
	}
	if yl == "" {
		yl = "test " + strings.Join(o.Metrics, ", ")
	}
	fig := &report.Figure{Kind: report.Bars, XLabel: xl, YLabel: yl}
	for _, label := range o.Rows {
		name := label
		if n, ok := o.Names[label]; ok {
			name = n
		}
		fig.Categories = append(fig.Categories, name)
	}
	for k, m := range o.Metrics {
		name := m
		if n, ok := o.SeriesNames[m]; ok {
			name = n
		}
		// Legend in the order of the metrics, each in a grey of its own:
		// a metric is not a method, and no method's colour should suggest
		// one.
		st := metricStyles[k%len(metricStyles)]
		fig.Get(name).Style = &st
	}
	points := 0
	for x, label := range o.Rows {
		key := ""
		for _, e := range sr.Entries {
			if e.Run.Label != label {
				continue
			}
			k, _ := rowKey(e.Run.Label, e.Run.Point, "seed")
			if key != "" && k != key {
				return nil, fmt.Errorf("bar figure: row %s of %s has several grid points (%s, %s): select one", label, sr.Sweep, key, k)
			}
			key = k
			if e.Record == nil {
				continue
			}
			for _, m := range o.Metrics {
				if v, ok := recordValue(e.Record, m, source); ok {
					name := m
					if n, ok := o.SeriesNames[m]; ok {
						name = n
					}
					fig.Add(name, float64(x), v)
					points++
				}
			}
		}
	}
	if points == 0 {
		return nil, fmt.Errorf("bar figure: sweep %s: %w: no recorded run of %s", sr.Sweep, ErrNoData, strings.Join(o.Rows, ", "))
	}
	fig.Series = slices.DeleteFunc(fig.Series, func(s *report.Series) bool { return s.Len() == 0 })
	what := "at the best validation epoch per cut-off"
	if source == SourceFinal {
		what = "of the restored model"
	}
	fig.Caption = fmt.Sprintf("Test %s %s of %s (ledger sweep %s).", strings.Join(o.Metrics, ", "), what, strings.Join(fig.Categories, ", "), sr.Sweep)
	return fig, nil
}

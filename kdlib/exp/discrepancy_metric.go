package exp

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// MetricDiscrepancyPrefix starts the names of the quantities read from a
// run's recorded DiscrepancyTrace (ExtraDiscrepancy) rather than from its
// test metrics, so that claims about HetComp's teacher-discrepancy study
// can be judged from the ledger like any metric:
//
//	discrepancy:<target>@<epoch>    the distance at that epoch
//	discrepancy:<target>@end        the distance at the last measurement
//
// <target> is "teachers" (the mean over the converged teachers of the
// distances to each), "ensemble", a teacher's role ("MF"), or "stage<v>"
// (the teachers' stage-v trajectory checkpoints, averaged over the
// teachers, v = 0 the earliest; the converged stage is "teachers"). The
// distance is the trace's: the mean over users of 1 − wNDCG@K between the
// student's top-K unobserved items and the target's. At an epoch between
// two measurements the earlier one is taken (the student as it was last
// measured); an epoch before the first measurement or after the last (a
// run that stopped earlier), or a run without a trace, has no value, so a
// claim at an epoch compares only runs that reached it. "end" is each
// run's last measurement, which early stopping puts at different epochs.
// These quantities have no per-user values, so claims about them compare
// means over seeds (kinds less, at-least, close and value).
const MetricDiscrepancyPrefix = "discrepancy:"

// IsDiscrepancyMetric reports whether m names a trace quantity
// (MetricDiscrepancyPrefix), well formed or not.
func IsDiscrepancyMetric(m string) bool { return strings.HasPrefix(m, MetricDiscrepancyPrefix) }

// discrepancyMetric is a parsed MetricDiscrepancyPrefix name.
type discrepancyMetric struct {
	target string // "teachers", "ensemble", "stage<v>" or a role
	stage  int    // v for "stage<v>", else -1
	epoch  int    // −1 for "end"
}

// parseDiscrepancyMetric parses a MetricDiscrepancyPrefix name.
func parseDiscrepancyMetric(m string) (discrepancyMetric, error) {
	rest, ok := strings.CutPrefix(m, MetricDiscrepancyPrefix)
	if !ok {
		return discrepancyMetric{}, fmt.Errorf("metric %q: not a %s quantity", clipText(m), MetricDiscrepancyPrefix)
	}
	target, at, ok := strings.Cut(rest, "@")
	if !ok || target == "" || at == "" {
		return discrepancyMetric{}, fmt.Errorf("metric %q: want %s<target>@<epoch|end>", clipText(m), MetricDiscrepancyPrefix)
	}
	d := discrepancyMetric{target: target, stage: -1, epoch: -1}
	if at != "end" {
		e, err := strconv.Atoi(at)
		if err != nil || e < 0 {
			return discrepancyMetric{}, fmt.Errorf("metric %q: epoch %q: want a number >= 0 or end", clipText(m), clipText(at))
		}
		d.epoch = e
	}
	if v, ok := strings.CutPrefix(target, "stage"); ok {
		s, err := strconv.Atoi(v)
		if err != nil || s < 0 {
			return discrepancyMetric{}, fmt.Errorf("metric %q: stage %q: want stage0, stage1, …", clipText(m), clipText(v))
		}
		d.stage = s
	}
	return d, nil
}

// discrepancyValue returns the trace quantity m of a record (false when
// the record has no trace, no such target or no measurement by the epoch).
func discrepancyValue(rec *Record, m string) (float64, bool) {
	d, err := parseDiscrepancyMetric(m)
	if err != nil {
		return 0, false
	}
	tr, ok, err := rec.Result.Discrepancy()
	if !ok || err != nil {
		return 0, false
	}
	return d.value(tr)
}

// value evaluates d on a trace.
func (d discrepancyMetric) value(tr *DiscrepancyTrace) (float64, bool) {
	j := len(tr.Epoch) - 1
	if d.epoch >= 0 {
		if j < 0 || d.epoch > tr.Epoch[j] {
			return 0, false // not reached
		}
		j = -1
		for k, e := range tr.Epoch {
			if e <= d.epoch {
				j = k
			}
		}
	}
	if j < 0 {
		return 0, false
	}
	at := func(series []float64) (float64, bool) {
		if j >= len(series) || math.IsNaN(series[j]) {
			return 0, false
		}
		return series[j], true
	}
	nt := len(tr.Sources) - 1 // the teachers; the last source is the ensemble
	switch {
	case d.stage >= 0:
		if d.stage >= len(tr.Stages) {
			return 0, false
		}
		return at(tr.Stages[d.stage])
	case d.target == "teachers":
		if nt < 1 || len(tr.Distance) < nt {
			return 0, false
		}
		sum := 0.0
		for s := range nt {
			v, ok := at(tr.Distance[s])
			if !ok {
				return 0, false
			}
			sum += v
		}
		return sum / float64(nt), true
	}
	s := slices.Index(tr.Sources, d.target)
	if d.target == "ensemble" {
		s = slices.Index(tr.Sources, "Ensemble")
	}
	if s < 0 || s >= len(tr.Distance) {
		return 0, false
	}
	return at(tr.Distance[s])
}

// checkDiscrepancyTarget reports a trace quantity whose target none of
// the sweep's recorded traces has (a misspelt role, a stage beyond the
// trajectories' intermediate ones), so that a typo is an error rather
// than a column of dashes. Sweeps whose records hold no trace say
// nothing.
func (s *SweepResults) checkDiscrepancyTarget(m string) error {
	d, err := parseDiscrepancyMetric(m)
	if err != nil {
		return err
	}
	var sources []string
	stages, traced := 0, false
	for _, e := range s.Entries {
		if e.Record == nil {
			continue
		}
		tr, ok, err := e.Record.Result.Discrepancy()
		if !ok || err != nil {
			continue
		}
		traced = true
		for _, src := range tr.Sources {
			if !slices.Contains(sources, src) {
				sources = append(sources, src)
			}
		}
		stages = max(stages, len(tr.Stages))
	}
	switch {
	case !traced, d.target == "teachers", d.target == "ensemble":
		return nil
	case d.stage >= 0:
		if d.stage < stages {
			return nil
		}
		return fmt.Errorf("metric %q: the traces of %s have stages 0 to %d (the converged stage is \"teachers\")", clipText(m), s.Sweep, stages-1)
	case slices.Contains(sources, d.target):
		return nil
	}
	return fmt.Errorf("metric %q: target %q: want teachers, ensemble, stage<v> or a teacher's role (%s)", clipText(m), clipText(d.target), strings.Join(sources, ", "))
}

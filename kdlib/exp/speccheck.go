package exp

// Validation of a whole sweep before anything trains: what Expand and
// RunSpec.Validate cannot see from one run alone (the report, the
// constraints between distillation options that need no data, the data
// sets on disk).

import (
	"errors"
	"fmt"
	"github.com/kdrec/kdrec/kdlib/distill"
	"slices"
	"strings"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/eval"
)

// Check validates the whole sweep of s as RunSweep does before its first
// run trains, and returns its runs: the expansion (names, fields, every
// variant and grid point, distinct labels and runs), the report (kind,
// baseline among the labels, metrics the protocol reports, part, x among
// the grid paths), every run's distillation terms — options, combinations
// and the constraints between options that need no data (rrd's k ≤ pool ≤
// n, dcd's pools, cl-drd's depths, DE's temperatures, …) — the claims
// (Spec.Claims: ids, kinds, rows the runs make, metrics they report) and that every
// data set and imported split the runs name can be found (env.DataDir,
// then DatasetSpec.Dir, then KDREC_DATASETS; the files of a data set of
// one's own, DatasetSpec.Files; env may be nil). Runs whose
// methods or models are not available yet (errors wrapping
// ErrNotAvailable) are left to RunSweep, which refuses or skips them.
func (s *Spec) Check(env *Env) ([]Run, error) {
	runs, err := s.Expand()
	if err != nil {
		return nil, err
	}
	if err := checkSweep(s, runs, env); err != nil {
		return nil, err
	}
	return runs, nil
}

// checkSweep is Check on an expanded spec.
func checkSweep(s *Spec, runs []Run, env *Env) error {
	if err := checkRuns(s, runs); err != nil {
		return err
	}
	if err := checkClaims(s, runs); err != nil {
		return fmt.Errorf("spec %s: %w", s.Name, err)
	}
	return checkData(s, runs, env)
}

// checkRuns validates the report and every run's terms, without touching
// the disk.
func checkRuns(s *Spec, runs []Run) error {
	if err := checkReport(s, runs); err != nil {
		return fmt.Errorf("spec %s: report: %w", s.Name, err)
	}
	for k := range runs {
		r := &runs[k]
		if err := r.Check(); err != nil && !errors.Is(err, ErrNotAvailable) {
			return fmt.Errorf("spec %s: run %d (%s): %w", s.Name, r.Index, r.Name(), err)
		}
		if err := checkKDLimits(r.Spec.KD); err != nil {
			return fmt.Errorf("spec %s: run %d (%s): %w", s.Name, r.Index, r.Name(), err)
		}
	}
	return nil
}

// checkReport checks the report spec against the runs.
func checkReport(s *Spec, runs []Run) error {
	rep := s.Report
	switch rep.Kind {
	case "", ReportTable, ReportCurves, ReportParam:
	default:
		return fmt.Errorf("kind %q: want %s, %s or %s", clipText(rep.Kind), ReportTable, ReportCurves, ReportParam)
	}
	switch rep.Part {
	case "", "valid", "test":
	default:
		return fmt.Errorf("part %q: want valid or test", clipText(rep.Part))
	}
	var labels []string
	protocols := map[Protocol]bool{}
	paths := map[string]bool{}
	for k := range runs {
		if !slices.Contains(labels, runs[k].Label) {
			labels = append(labels, runs[k].Label)
		}
		protocols[runs[k].Spec.Protocol] = true
		for _, p := range runs[k].Point {
			paths[p.Path] = true
		}
	}
	if b := rep.Baseline; b != "" && !slices.Contains(labels, b) &&
		!slices.ContainsFunc(labels, func(l string) bool { return strings.EqualFold(l, b) }) {
		return fmt.Errorf("baseline %q is not the label of a run (labels: %s)", clipText(b), strings.Join(quoteAll(labels), ", "))
	}
	var known []string
	for _, p := range []Protocol{LOO, Full} {
		if protocols[p] {
			known = append(known, ProtocolMetrics(p)...)
		}
	}
	for _, m := range rep.Metrics {
		if !slices.Contains(known, m) {
			return fmt.Errorf("metric %q is not reported by these runs (they report %s)", clipText(m), strings.Join(known, ", "))
		}
	}
	if rep.X != "" && !paths[rep.X] {
		var ps []string
		for p := range paths {
			ps = append(ps, p)
		}
		slices.Sort(ps)
		return fmt.Errorf("x %q is not a grid path of the sweep (grid paths: %s)", clipText(rep.X), strings.Join(ps, ", "))
	}
	return nil
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for k, x := range s {
		out[k] = fmt.Sprintf("%q", x)
	}
	return out
}

// ProtocolMetrics returns the test metrics a run of protocol p reports, in
// table order: HR, NDCG and MRR at 5, 10 and 20 for LOO; Recall and NDCG at
// 10, 20 and 50 for full ranking (the cut-offs of Evaluate).
func ProtocolMetrics(p Protocol) []string {
	prefixes, cutoffs := []string{eval.HR, eval.NDCG, eval.MRR}, []int{5, 10, 20}
	if p == Full {
		prefixes, cutoffs = []string{eval.Recall, eval.NDCG}, []int{10, 20, 50}
	}
	var out []string
	for _, k := range cutoffs {
		for _, pre := range prefixes {
			out = append(out, eval.MetricName(pre, k))
		}
	}
	return out
}

// checkData checks that every data set and imported split of the runs can
// be found, each once.
func checkData(s *Spec, runs []Run, env *Env) error {
	seen := map[string]bool{}
	for k := range runs {
		r := &runs[k].Spec
		if r.Dataset.Name == SyntheticName {
			continue
		}
		if r.Split.Kind == SplitProvided {
			key, _ := env.splitKey(r.Dataset, r.Split, r.Protocol)
			if env.providedSplit(key) == nil {
				return fmt.Errorf("spec %s: run %d (%s): split %.16s is a provided split (kdrepl's workspace), which this process does not hold", s.Name, runs[k].Index, runs[k].Name(), r.Split.Fingerprint)
			}
			continue
		}
		dir := r.Dataset.Dir
		if env != nil && env.DataDir != "" {
			dir = env.DataDir
		}
		var opts []datasets.Option
		if dir != "" {
			opts = append(opts, datasets.Dir(dir))
		}
		if f := r.Dataset.Files; f != nil {
			if err := datasets.CheckFiles(*f, opts...); err != nil {
				return fmt.Errorf("spec %s: run %d (%s): dataset %s: %w", s.Name, runs[k].Index, runs[k].Name(), r.Dataset.Name, err)
			}
			continue
		}
		split := ""
		if r.Split.Kind == SplitImport {
			split = r.Split.Name
			opts = append(opts, datasets.SplitName(split))
		}
		key := r.Dataset.Name + "\x00" + dir + "\x00" + split
		if seen[key] {
			continue
		}
		seen[key] = true
		if err := datasets.Check(r.Dataset.Name, opts...); err != nil {
			return fmt.Errorf("spec %s: run %d (%s): %w", s.Name, runs[k].Index, runs[k].Name(), err)
		}
	}
	return nil
}

// checkKDLimits checks the constraints between the options of a run's
// distillation terms that need neither data nor models (distill.Precheck:
// each method's own Precheck) — the ones the terms would otherwise find
// only when the run starts, after the runs before it trained. Terms that
// fail CheckKDTerm are left to Run.Check, which reports them.
func checkKDLimits(terms []KDTerm) error {
	ts := make([]distill.TermSpec, len(terms))
	for k, t := range terms {
		if CheckKDTerm(t) != nil {
			return nil
		}
		ts[k] = termSpec(t)
	}
	k, err := distill.Precheck(ts)
	if err == nil {
		return nil
	}
	if k < 0 {
		return nil // a bad combination: Run.Check reports it
	}
	return fmt.Errorf("kd[%d]: %w", k, err)
}

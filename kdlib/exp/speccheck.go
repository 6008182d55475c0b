package exp

// Validation of a whole sweep before anything trains: what Expand and
// RunSpec.Validate cannot see from one run alone (the report, the
// constraints between distillation options that need no data, the data
// sets on disk).

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
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
// n, dcd's pools, cl-drd's depths, DE's temperatures, …) — and that every
// data set and imported split the runs name can be found (env.DataDir,
// then DatasetSpec.Dir, then KDREC_DATASETS; env may be nil). Runs whose
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
		dir := r.Dataset.Dir
		if env != nil && env.DataDir != "" {
			dir = env.DataDir
		}
		var opts []datasets.Option
		if dir != "" {
			opts = append(opts, datasets.Dir(dir))
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
// distillation terms that need neither data nor models — the ones KDTerms
// would otherwise find only when the run starts, after the runs before it
// trained. Terms that fail CheckKDTerm are skipped (Run.Check reports
// them).
func checkKDLimits(terms []KDTerm) error {
	for k, t := range terms {
		o, err := checkedValues(t)
		if err != nil {
			continue
		}
		var bad error
		switch t.Method {
		case "rd":
			bad = atMost(o, "k", o.Int("n"), "n")
		case "cd", "rrd", "de-rrd":
			bad = poolLimits(o, "pool", "k", o.Int("n"))
		case "ir-rrd":
			bad = cmpOr(poolLimits(o, "pool", "k", o.Int("n")), poolLimits(o, "item-pool", "item-k", o.Int("n")))
		case "ir":
			// IR-RRD's item side samples from the lists of its rrd term.
			n := 500
			if j := slices.IndexFunc(terms, func(x KDTerm) bool { return x.Method == "rrd" }); j >= 0 {
				if r, err := checkedValues(terms[j]); err == nil {
					n = r.Int("n")
				}
			}
			bad = poolLimits(o, "pool", "k", n)
		case "cl-drd":
			n, list, hard, semi := o.Int("n"), o.Int("list"), o.Int("hard-depth"), o.Int("semi-depth")
			if hard < list {
				bad = o.OutOfRange("hard-depth", fmt.Sprintf("an integer >= list=%d", list))
			} else if semi > n || semi <= hard {
				bad = o.OutOfRange("semi-depth", fmt.Sprintf("an integer in (hard-depth=%d, n=%d]", hard, n))
			}
		case "dcd":
			n, pool, ipool := o.Int("n"), o.Int("pool"), o.Int("item-pool")
			bad = cmpOr(atMost(o, "pool", n, "n"), atMost(o, "item-pool", n, "n"),
				atMost(o, "k", pool, "pool"), atMost(o, "l", pool, "pool"),
				atMost(o, "item-k", ipool, "item-pool"), atMost(o, "item-l", ipool, "item-pool"))
			if d := o.Int("depth"); bad == nil && d != 0 && d < max(pool, ipool) {
				bad = o.OutOfRange("depth", fmt.Sprintf("0 or an integer >= %d (the larger pool)", max(pool, ipool)))
			}
		case "de", "htd":
			if start, end := o.Float("tau-start"), o.Float("tau-end"); end > start {
				bad = o.OutOfRange("tau-end", fmt.Sprintf("a number in (0, tau-start=%s]", strconv.FormatFloat(start, 'g', -1, 64)))
			}
		case "hetcomp":
			K, long, short := o.Int("k"), o.Int("long-k"), o.Int("short-k")
			if long == 0 {
				long = min(50, K)
			}
			if short == 0 {
				short = min(10, long)
			}
			if long > K {
				bad = o.OutOfRange("long-k", fmt.Sprintf("0 or an integer in [1, k=%d]", K))
			} else if short > long {
				bad = o.OutOfRange("short-k", fmt.Sprintf("0 or an integer in [1, long-k=%d]", long))
			}
		}
		if bad != nil {
			return fmt.Errorf("kd[%d]: %w", k, bad)
		}
	}
	return nil
}

// limitValues are the checked options of one term, defaults filled in:
// what checkKDLimits reads.
type limitValues interface {
	Int(name string) int
	Float(name string) float64
	// OutOfRange is the error of option name, as given, violating a
	// constraint between options.
	OutOfRange(name, want string) error
}

// checkedValues checks t against the catalogue (as CheckKDTerm does) and
// returns its options with defaults filled in. (With the catalogue as a
// registry in package distill, kdCheck's distill.Values are limitValues
// themselves.)
func checkedValues(t KDTerm) (limitValues, error) {
	v, err := kdCheck(t)
	return catalogueValues{v}, err
}

// catalogueValues adapts the catalogue's checked values to limitValues.
type catalogueValues struct{ v kdValues }

func (c catalogueValues) Int(name string) int                { return c.v.int(name) }
func (c catalogueValues) Float(name string) float64          { return c.v.float(name) }
func (c catalogueValues) OutOfRange(name, want string) error { return c.v.outOfRange(name, want) }

// cmpOr returns the first error that is not nil.
func cmpOr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// atMost checks option name ≤ limit (the value of option what).
func atMost(o limitValues, name string, limit int, what string) error {
	if o.Int(name) > limit {
		return o.OutOfRange(name, fmt.Sprintf("an integer in [1, %s=%d]", what, limit))
	}
	return nil
}

// poolLimits checks the sampling range of an RRD-like side: pool (0
// meaning min(500, n)) ≤ n and k ≤ pool.
func poolLimits(o limitValues, poolName, kName string, n int) error {
	pool := o.Int(poolName)
	if pool > n {
		return o.OutOfRange(poolName, fmt.Sprintf("an integer in [0, n=%d] (the teacher lists' length)", n))
	}
	if pool == 0 {
		pool = min(500, n)
	}
	if o.Int(kName) > pool {
		return o.OutOfRange(kName, fmt.Sprintf("an integer in [1, %d] (the sampling pool)", pool))
	}
	return nil
}

package exp

// Claims as data: the dissertation's claims, written once in a claims file
// (results/claims.json) or carried by a spec (Spec.Claims, which templates
// generate for the sweep they instantiate), each evaluated against the
// records of a ledger or a results store by EvaluateClaims. A claim that fails stays in the table, with its numbers;
// a claim without records says "no evidence" and names the sweep to run.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/kdrec/kdrec/kdlib/report"
)

// Kinds of Claim.
const (
	// ClaimBetter: Row's mean of Metric exceeds Baseline's, and in every
	// seed the paired t-test over users gives p < Alpha.
	ClaimBetter = "better"
	// ClaimAtLeast: Row's mean is not below Baseline's by more than Tol.
	ClaimAtLeast = "at-least"
	// ClaimClose: the two means differ by at most Tol.
	ClaimClose = "close"
	// ClaimValue: Row's mean is within Tol of Value (an authors' number).
	ClaimValue = "value"
	// ClaimLess: Row's mean is below Baseline's by more than Tol (Tol may
	// be 0), for quantities claimed to be smaller: the inference time per
	// user (MetricCPUMsPerUser, MetricMsPerUser), the parameters
	// (MetricParams), a distance of the discrepancy trace
	// (MetricDiscrepancyPrefix). There are no
	// per-user values to test, so the verdict compares the means over the
	// seeds (at least MinSeeds each).
	ClaimLess = "less"
	// ClaimUnavailable: the claim cannot be checked here; Reason says why.
	ClaimUnavailable = "unavailable"
	// ClaimBeatsBest: Row beats the best of the rows Baseline and Others
	// ("the ensemble beats the best single teacher"): the candidate with
	// the highest mean of Metric over seeds is found in the records, and
	// the claim is then judged as ClaimBetter against it. Unlike a
	// ClaimBetter with Others, which needs a significant gain over every
	// row, it tests only against the strongest one, whichever that is on
	// the sweep's data.
	ClaimBeatsBest = "beats-best"
)

// Claim is one checkable statement.
type Claim struct {
	// ID names the claim ("rrd-beats-student").
	ID string `json:"id"`
	// Text is the claim as the dissertation makes it.
	Text string `json:"text"`
	// Source is where it is made (chapter, table or figure).
	Source string `json:"source"`
	// Kind is ClaimBetter, ClaimAtLeast, ClaimClose, ClaimValue,
	// ClaimLess or ClaimUnavailable.
	Kind string `json:"kind"`
	// Sweep is the ledger sweep holding the rows (a key or spec name).
	Sweep string `json:"sweep,omitempty"`
	// Row and Baseline are row names of the sweep's table
	// (SummaryRow.Name: the label, with coordinates for grid rows).
	Row      string `json:"row,omitempty"`
	Baseline string `json:"baseline,omitempty"`
	// Others are further baseline rows: the claim must hold against
	// Baseline and each of them ("the ensemble beats every single
	// teacher").
	Others []string `json:"others,omitempty"`
	// Metric is the compared metric ("HR@5").
	Metric string `json:"metric,omitempty"`
	// ValueSource says which values are compared: SourceBest (default)
	// or SourceFinal.
	ValueSource string `json:"value_source,omitempty"`
	// Value is the number a ClaimValue is checked against.
	Value float64 `json:"value,omitempty"`
	// ValueOf, in a claims file, names another value claim whose Value
	// this value claim takes, so that an authors' number compared in two
	// settings (their split and random splits) is written once. LoadClaims
	// resolves it; the claim then gives no value of its own, and the named
	// claim must give its value itself.
	ValueOf string `json:"value_of,omitempty"`
	// Tol is the tolerance of ClaimAtLeast, ClaimClose and ClaimValue, and
	// the margin of ClaimLess.
	Tol float64 `json:"tol,omitempty"`
	// Alpha is the significance level of ClaimBetter (default 0.05).
	Alpha float64 `json:"alpha,omitempty"`
	// MinSeeds is the number of seeds a verdict needs (default 3).
	MinSeeds int `json:"min_seeds,omitempty"`
	// Reason says why a ClaimUnavailable cannot be checked, or notes the
	// analysis of a claim that fails.
	Reason string `json:"reason,omitempty"`
	// BaselineMetric, when set, is the quantity read from the baseline
	// row instead of Metric, so that a claim can compare two quantities
	// of one row ("early in training the student is closer to the
	// teachers' first checkpoints than to the converged teachers":
	// discrepancy:stage0@50 against discrepancy:teachers@50, Baseline
	// the same row). Only for kinds at-least, close and less, which
	// compare means over seeds.
	BaselineMetric string `json:"baseline_metric,omitempty"`
	// BaselineSweep, when set, is the sweep holding the baseline row
	// instead of Sweep ("the student is farther from heterogeneous
	// teachers than from homogeneous ones": one row in two sweeps). Only
	// for kinds at-least, close and less.
	BaselineSweep string `json:"baseline_sweep,omitempty"`
	// Tune, when TuneValid, makes Baseline the label of a grid variant
	// ("DE (tuned)") rather than a row: the baseline is the grid point a
	// grid search on validation picks, the row whose best validation Metric
	// has the highest mean over its seeds ("PHR is on par with DE tuned by
	// grid search"). Every grid point of the variant must be recorded with
	// MinSeeds seeds before the claim is judged.
	Tune string `json:"tune,omitempty"`
}

// TuneValid is Claim.Tune's value: the baseline is the variant's grid
// point with the highest mean validation value of the claim's metric.
const TuneValid = "valid"

// Verdicts of a ClaimResult.
const (
	Holds      = "holds"
	Fails      = "fails"
	NoEvidence = "no evidence"
	CannotRun  = "cannot run here"
)

// ClaimResult is a claim evaluated against the ledger.
type ClaimResult struct {
	// Claim is the claim.
	Claim Claim
	// Verdict is Holds, Fails, NoEvidence or CannotRun.
	Verdict string
	// Evidence states the numbers: means ± sd, seeds, differences and
	// p-values.
	Evidence string
	// Mean and BaselineMean are the means over seeds of the claim's row
	// and baseline row, and N and BaselineN their numbers of seeds (0
	// when not known; a ClaimValue has no baseline).
	Mean, BaselineMean float64
	N, BaselineN       int
	// PerSeed holds, for a ClaimBetter judged on its tests, the paired
	// tests over users of every common seed.
	PerSeed []SeedTest
}

// LoadClaims reads a claims file (a JSON array of Claim) and checks it.
func LoadClaims(path string) ([]Claim, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cs []Claim
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cs); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	seen := map[string]bool{}
	for k, c := range cs {
		where := fmt.Sprintf("%s: claim %d (%s)", path, k+1, c.ID)
		if c.ID == "" || seen[c.ID] {
			return nil, fmt.Errorf("%s: missing or repeated id", where)
		}
		seen[c.ID] = true
		if err := checkClaim(c, true); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
	}
	if err := resolveValueOf(cs); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cs, nil
}

// resolveValueOf gives every claim with ValueOf the Value of the claim it
// names: a value claim of the same list that states its value itself.
func resolveValueOf(cs []Claim) error {
	byID := map[string]int{}
	for k, c := range cs {
		byID[c.ID] = k
	}
	for k := range cs {
		c := &cs[k]
		if c.ValueOf == "" {
			continue
		}
		where := fmt.Sprintf("claim %d (%s): value_of %q", k+1, c.ID, clipText(c.ValueOf))
		j, ok := byID[c.ValueOf]
		switch {
		case !ok:
			return fmt.Errorf("%s: no such claim", where)
		case cs[j].Kind != ClaimValue:
			return fmt.Errorf("%s: that claim is of kind %s, not %s", where, cs[j].Kind, ClaimValue)
		case cs[j].ValueOf != "":
			return fmt.Errorf("%s: that claim takes its value from %q in turn; name the claim that states it", where, cs[j].ValueOf)
		}
		c.Value = cs[j].Value
	}
	return nil
}

// checkClaim checks the fields of one claim; needSweep says whether it
// must name its sweep (a claims file's claims do, a spec's need not).
func checkClaim(c Claim, needSweep bool) error {
	switch c.Kind {
	case ClaimUnavailable:
		if c.Reason == "" {
			return errors.New("an unavailable claim needs a reason")
		}
		return nil
	case ClaimBetter, ClaimAtLeast, ClaimClose, ClaimLess, ClaimBeatsBest:
		if c.Baseline == "" {
			return fmt.Errorf("kind %s needs a baseline row", c.Kind)
		}
	case ClaimValue:
	default:
		return fmt.Errorf("unknown kind %q (want %s, %s, %s, %s, %s, %s or %s)", c.Kind,
			ClaimBetter, ClaimAtLeast, ClaimClose, ClaimValue, ClaimLess, ClaimBeatsBest, ClaimUnavailable)
	}
	if c.Kind == ClaimLess && !(c.Tol >= 0) {
		return fmt.Errorf("kind %s needs tol >= 0, got %v", c.Kind, c.Tol)
	}
	if (needSweep && c.Sweep == "") || c.Row == "" || c.Metric == "" {
		if !needSweep {
			return errors.New("row and metric are required")
		}
		return errors.New("sweep, row and metric are required")
	}
	if c.ValueOf != "" {
		switch {
		case c.Kind != ClaimValue:
			return fmt.Errorf("value_of is for kind %s, not %s", ClaimValue, c.Kind)
		case !needSweep:
			return errors.New("value_of names a claim of the claims file: a spec's claim gives its value")
		case c.Value != 0:
			return fmt.Errorf("give value or value_of, not both (value %v, value_of %q)", c.Value, clipText(c.ValueOf))
		}
	}
	if (c.Kind == ClaimAtLeast || c.Kind == ClaimClose || c.Kind == ClaimValue) && !(c.Tol > 0) {
		return fmt.Errorf("kind %s needs tol > 0", c.Kind)
	}
	if c.ValueSource != "" && c.ValueSource != SourceBest && c.ValueSource != SourceFinal {
		return fmt.Errorf("value_source %q: want %s or %s", c.ValueSource, SourceBest, SourceFinal)
	}
	if c.BaselineMetric != "" || c.BaselineSweep != "" {
		if c.Kind != ClaimAtLeast && c.Kind != ClaimClose && c.Kind != ClaimLess {
			return fmt.Errorf("baseline_metric and baseline_sweep compare means over seeds: kinds %s, %s and %s, not %s",
				ClaimAtLeast, ClaimClose, ClaimLess, c.Kind)
		}
		if len(c.Others) > 0 || c.Tune != "" {
			return errors.New("baseline_metric and baseline_sweep take one baseline row: no others, no tune")
		}
	}
	for _, m := range []string{c.Metric, c.BaselineMetric} {
		if !IsDiscrepancyMetric(m) {
			continue
		}
		if _, err := parseDiscrepancyMetric(m); err != nil {
			return err
		}
		if c.Kind == ClaimBetter || c.Kind == ClaimBeatsBest {
			return fmt.Errorf("metric %q has no per-user values to test: kind %s does not apply (use %s, %s or %s)",
				clipText(m), c.Kind, ClaimLess, ClaimAtLeast, ClaimClose)
		}
	}
	switch {
	case c.Tune == "":
	case c.Tune != TuneValid:
		return fmt.Errorf("tune %q: want %s", c.Tune, TuneValid)
	case c.Kind == ClaimValue || c.Kind == ClaimBeatsBest || len(c.Others) > 0:
		return fmt.Errorf("tune picks one baseline: not for kind %s or with others", c.Kind)
	}
	return nil
}

// SweepSource gives the runs of a sweep with their records, by sweep key
// (or a spec name matching one key): a *Ledger, or the results store of an
// output directory (StoreDir). A sweep it does not hold is an error
// wrapping ErrNotRecorded.
type SweepSource interface {
	Sweep(key string) (*SweepResults, error)
}

// StoreDir is the output directory of a results store (RunSweep's
// SweepOptions.Out) as a SweepSource, so that claims can be judged on a
// sweep's stored runs without a ledger.
type StoreDir string

// Sweep loads the sweep key from the store (LoadSweep); a key the store
// holds no manifest or record of wraps ErrNotRecorded.
func (d StoreDir) Sweep(key string) (*SweepResults, error) {
	keys, err := SweepKeys(string(d))
	if err != nil {
		return nil, err
	}
	found := slices.Contains(keys, key)
	for _, k := range keys {
		found = found || strings.HasPrefix(k, key+"@")
	}
	if !found {
		return nil, fmt.Errorf("results %s: %w: no sweep %q (stored: %s)", d, ErrNotRecorded, key, strings.Join(keys, ", "))
	}
	return LoadSweep(string(d), key)
}

// SweepClaims returns the spec's claims ready for EvaluateClaims: a claim
// without a sweep gets this sweep's key (SweepKey, so the claims follow
// the budget), and a claim without MinSeeds needs every seed the sweep
// runs (at least one).
func (s *Spec) SweepClaims() []Claim {
	out := make([]Claim, len(s.Claims))
	for k, c := range s.Claims {
		if c.Sweep == "" {
			c.Sweep = s.SweepKey()
		}
		if c.MinSeeds == 0 {
			c.MinSeeds = max(1, len(s.Seeds)+len(s.AddedSeeds))
		}
		c.Others = slices.Clone(c.Others)
		out[k] = c
	}
	return out
}

// checkClaims checks the claims of a spec against its runs: ids unique,
// fields valid (checkClaim), and a claim about this sweep names rows the
// runs make (SummaryRow.Name: the label, with the grid point for grid
// rows) and a metric their protocol reports.
func checkClaims(s *Spec, runs []Run) error {
	if len(s.Claims) == 0 {
		return nil
	}
	var rows, metrics []string
	for k := range runs {
		_, settings := rowKey(runs[k].Label, runs[k].Point, "seed")
		name := (&SummaryRow{Label: runs[k].Label, Settings: settings}).Name()
		if !slices.Contains(rows, name) {
			rows = append(rows, name)
		}
		ms := append(ProtocolMetrics(runs[k].Spec.Protocol), MetricParams)
		if m := runs[k].Spec.Measure; m != nil && m.Inference != nil {
			ms = append(ms, MetricMsPerUser, MetricCPUMsPerUser)
		}
		for _, m := range ms {
			if !slices.Contains(metrics, m) {
				metrics = append(metrics, m)
			}
		}
	}
	seen := map[string]bool{}
	for k, c := range s.Claims {
		where := fmt.Sprintf("claim %d (%s)", k+1, clipText(c.ID))
		if c.ID == "" || seen[c.ID] {
			return fmt.Errorf("%s: missing or repeated id", where)
		}
		seen[c.ID] = true
		if err := checkClaim(c, false); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if c.Kind == ClaimUnavailable || (c.Sweep != "" && c.Sweep != s.Name && c.Sweep != s.SweepKey()) {
			continue
		}
		names := append([]string{c.Row, c.Baseline}, c.Others...)
		if c.Tune != "" {
			names = names[:1]
			if !slices.ContainsFunc(runs, func(r Run) bool { return r.Label == c.Baseline }) {
				return fmt.Errorf("%s: tune: no variant labelled %q", where, clipText(c.Baseline))
			}
		}
		for _, r := range names {
			if r != "" && !slices.Contains(rows, r) {
				return fmt.Errorf("%s: no row %q (rows: %s)", where, clipText(r), strings.Join(rows, ", "))
			}
		}
		for _, m := range []string{c.Metric, c.BaselineMetric} {
			if m != "" && !IsDiscrepancyMetric(m) && !slices.Contains(metrics, m) {
				return fmt.Errorf("%s: metric %q: the runs report %s", where, clipText(m), strings.Join(metrics, ", "))
			}
		}
	}
	return nil
}

// EvaluateClaims evaluates every claim against the records of a ledger
// (or of any SweepSource, such as a results store's StoreDir).
func EvaluateClaims(l SweepSource, claims []Claim) ([]ClaimResult, error) {
	sums := map[string]*Summary{}
	// Each sweep is read once: claims about one sweep share its records.
	sweeps := map[string]*SweepResults{}
	sweep := func(key string) (*SweepResults, error) {
		if sr, ok := sweeps[key]; ok {
			return sr, nil
		}
		sr, err := l.Sweep(key)
		if err != nil {
			return nil, err
		}
		sweeps[key] = sr
		return sr, nil
	}
	summary := func(c Claim) (*Summary, error) {
		src := c.ValueSource
		if src == "" {
			src = SourceBest
		}
		key := c.Sweep + "|" + src + "|" + c.Baseline + "|" + c.Metric
		if s, ok := sums[key]; ok {
			return s, nil
		}
		sr, err := sweep(c.Sweep)
		if err != nil {
			return nil, err
		}
		// The claim names the baseline row (label and grid point, as
		// tables show it); the tests pair rows by label and coordinates,
		// so aggregate once to find the row, then with its label.
		s, err := Aggregate(sr, TableOptions{Metrics: []string{c.Metric}, Baseline: NoBaseline, Source: src, Alpha: c.Alpha})
		if err != nil {
			return nil, err
		}
		if b := findRow(s, c.Baseline); b != nil && c.Baseline != "" {
			if s, err = Aggregate(sr, TableOptions{Metrics: []string{c.Metric}, Baseline: b.Label, Source: src, Alpha: c.Alpha}); err != nil {
				return nil, err
			}
		}
		sums[key] = s
		return s, nil
	}
	var out []ClaimResult
	for _, c := range claims {
		r := ClaimResult{Claim: c}
		if c.Kind == ClaimUnavailable {
			r.Verdict, r.Evidence = CannotRun, c.Reason
			out = append(out, r)
			continue
		}
		if c.Kind == ClaimBeatsBest {
			r, err := judgeBeatsBest(c, summary)
			if err != nil {
				return nil, fmt.Errorf("claim %s: %w", c.ID, err)
			}
			out = append(out, r)
			continue
		}
		if c.BaselineMetric != "" || c.BaselineSweep != "" {
			r, err := judgeAcross(c, summary)
			if err != nil {
				return nil, fmt.Errorf("claim %s: %w", c.ID, err)
			}
			out = append(out, r)
			continue
		}
		tuned := ""
		if c.Tune == TuneValid {
			name, ev, err := tunedBaseline(c, sweep, summary)
			if err != nil && !errors.Is(err, ErrNotRecorded) {
				return nil, fmt.Errorf("claim %s: %w", c.ID, err)
			}
			if name == "" {
				r.Verdict, r.Evidence = NoEvidence, ev
				if err != nil {
					r.Evidence = fmt.Sprintf("sweep %s is not in the ledger", c.Sweep)
				}
				out = append(out, r)
				continue
			}
			c.Baseline, tuned = name, ev
		}
		s, err := summary(c)
		if err != nil {
			if errors.Is(err, ErrNotRecorded) {
				r.Verdict, r.Evidence = NoEvidence, fmt.Sprintf("sweep %s is not in the ledger", c.Sweep)
				out = append(out, r)
				continue
			}
			return nil, fmt.Errorf("claim %s: %w", c.ID, err)
		}
		rc := r.Claim
		r.Claim = c
		judge(&r, s)
		r.Claim = rc
		if tuned != "" {
			r.Evidence = tuned + "; " + r.Evidence
		}
		for _, b := range c.Others {
			if r.Verdict != Holds {
				break
			}
			cb := c
			cb.Baseline, cb.Others = b, nil
			sb, err := summary(cb)
			if err != nil {
				return nil, fmt.Errorf("claim %s: %w", c.ID, err)
			}
			rb := ClaimResult{Claim: cb}
			judge(&rb, sb)
			r.Verdict, r.Evidence = rb.Verdict, r.Evidence+"; "+rb.Evidence
		}
		out = append(out, r)
	}
	return out, nil
}

// judgeBeatsBest judges a ClaimBeatsBest: it finds, among Baseline and
// Others, the row with the highest mean of Metric (each must have MinSeeds
// seeds recorded, else there is no evidence), and judges the claim as a
// ClaimBetter against that row. summary aggregates a claim's sweep with
// its baseline (none when Baseline is "").
func judgeBeatsBest(c Claim, summary func(Claim) (*Summary, error)) (ClaimResult, error) {
	r := ClaimResult{Claim: c}
	minSeeds := c.MinSeeds
	if minSeeds == 0 {
		minSeeds = 3
	}
	plain := c
	plain.Baseline, plain.Others = "", nil
	s, err := summary(plain)
	if err != nil {
		if errors.Is(err, ErrNotRecorded) {
			r.Verdict, r.Evidence = NoEvidence, fmt.Sprintf("sweep %s is not in the ledger", c.Sweep)
			return r, nil
		}
		return r, err
	}
	m := c.Metric
	best := ""
	var means []string
	for _, name := range append([]string{c.Baseline}, c.Others...) {
		row := findRow(s, name)
		if row == nil || row.N[m] < minSeeds {
			n := 0
			if row != nil {
				n = row.N[m]
			}
			r.Verdict, r.Evidence = NoEvidence, fmt.Sprintf("candidate %q has %d of %d seeds recorded in sweep %s", name, n, minSeeds, c.Sweep)
			return r, nil
		}
		means = append(means, fmt.Sprintf("%s %.4f", name, row.Mean[m]))
		if best == "" || row.Mean[m] > findRow(s, best).Mean[m] {
			best = name
		}
	}
	cb := c
	cb.Kind, cb.Baseline, cb.Others = ClaimBetter, best, nil
	sb, err := summary(cb)
	if err != nil {
		return r, err
	}
	rb := ClaimResult{Claim: cb}
	judge(&rb, sb)
	rb.Claim = c
	rb.Evidence = fmt.Sprintf("best of %s by mean %s: %s; %s", strings.Join(append([]string{c.Baseline}, c.Others...), ", "), m,
		strings.Join(means, ", "), rb.Evidence)
	return rb, nil
}

// judgeAcross judges a claim whose baseline is read with another metric
// (BaselineMetric) or from another sweep (BaselineSweep): both rows need
// MinSeeds seeds, and the kind's rule (at-least, close, less) is applied
// to the means over seeds; the evidence lists every seed's values.
func judgeAcross(c Claim, summary func(Claim) (*Summary, error)) (ClaimResult, error) {
	r := ClaimResult{Claim: c}
	minSeeds := c.MinSeeds
	if minSeeds == 0 {
		minSeeds = 3
	}
	bc := Claim{Sweep: c.Sweep, Metric: c.Metric, ValueSource: c.ValueSource, Alpha: c.Alpha}
	if c.BaselineSweep != "" {
		bc.Sweep = c.BaselineSweep
	}
	if c.BaselineMetric != "" {
		bc.Metric = c.BaselineMetric
	}
	side := func(q Claim, name string) (*SummaryRow, string, error) {
		plain := q
		plain.Baseline = ""
		s, err := summary(plain)
		if errors.Is(err, ErrNotRecorded) {
			return nil, fmt.Sprintf("sweep %s is not in the ledger", q.Sweep), nil
		}
		if err != nil {
			return nil, "", err
		}
		row := findRow(s, name)
		if row == nil || row.N[q.Metric] == 0 {
			return nil, fmt.Sprintf("no value of %s for row %q in sweep %s", q.Metric, name, q.Sweep), nil
		}
		return row, "", nil
	}
	row, why, err := side(c, c.Row)
	if err != nil || row == nil {
		r.Verdict, r.Evidence = NoEvidence, why
		return r, err
	}
	r.Mean, r.N = row.Mean[c.Metric], row.N[c.Metric]
	base, why, err := side(bc, c.Baseline)
	if err != nil || base == nil {
		r.Verdict, r.Evidence = NoEvidence, why
		return r, err
	}
	src := c.ValueSource
	if src == "" {
		src = SourceBest
	}
	desc := func(x *SummaryRow, q Claim) string {
		m := q.Metric
		var vs []string
		for _, seed := range x.Seeds {
			if v, ok := recordValue(x.recs[seed], m, src); ok {
				vs = append(vs, fmt.Sprintf("%d: %s", seed, strconv.FormatFloat(v, 'f', 4, 64)))
			}
		}
		return fmt.Sprintf("%s in %s: %s %.4f ± %.4f (n=%d; per seed %s)", x.Name(), q.Sweep, m, x.Mean[m], x.Std[m], x.N[m], strings.Join(vs, ", "))
	}
	r.BaselineMean, r.BaselineN = base.Mean[bc.Metric], base.N[bc.Metric]
	if r.N < minSeeds || r.BaselineN < minSeeds {
		r.Verdict, r.Evidence = NoEvidence, fmt.Sprintf("%s vs %s: %d seeds needed on each side", desc(row, c), desc(base, bc), minSeeds)
		return r, nil
	}
	d := r.Mean - r.BaselineMean
	ev := fmt.Sprintf("%s vs %s: %+.4f", desc(row, c), desc(base, bc), d)
	switch c.Kind {
	case ClaimAtLeast:
		r.Evidence, r.Verdict = fmt.Sprintf("%s (tolerance %.3g)", ev, c.Tol), verdict(d >= -c.Tol)
	case ClaimClose:
		r.Evidence, r.Verdict = fmt.Sprintf("%s (tolerance %.3g)", ev, c.Tol), verdict(math.Abs(d) <= c.Tol)
	case ClaimLess:
		r.Evidence, r.Verdict = fmt.Sprintf("%s (margin %.3g)", ev, c.Tol), verdict(d < -c.Tol)
	default:
		return r, fmt.Errorf("kind %s cannot compare across metrics or sweeps", c.Kind)
	}
	return r, nil
}

// tunedBaseline returns the row of c.Baseline's grid variant that a grid
// search on validation picks (Claim.Tune): the one whose best validation
// value of c.Metric has the highest mean over its seeds, ties to the first
// in the sweep's order. It returns "" and why when the choice cannot be
// made yet (a grid point without a record, or with fewer than MinSeeds
// seeds), and the choice with the validation means otherwise. summary
// aggregates the claim's sweep; sweep reads its runs.
func tunedBaseline(c Claim, sweep func(string) (*SweepResults, error), summary func(Claim) (*Summary, error)) (string, string, error) {
	minSeeds := c.MinSeeds
	if minSeeds == 0 {
		minSeeds = 3
	}
	sr, err := sweep(c.Sweep)
	if err != nil {
		return "", "", err
	}
	missing, total := 0, 0
	for _, e := range sr.Entries {
		if e.Run.Label == c.Baseline {
			total++
			if e.Record == nil {
				missing++
			}
		}
	}
	if total == 0 {
		return "", fmt.Sprintf("no variant %q in sweep %s to tune", c.Baseline, c.Sweep), nil
	}
	if missing > 0 {
		return "", fmt.Sprintf("tuning %q on validation needs all its runs: %d of %d recorded", c.Baseline, total-missing, total), nil
	}
	plain := c
	plain.Baseline, plain.Others = "", nil
	s, err := summary(plain)
	if err != nil {
		return "", "", err
	}
	m := c.Metric
	var best *SummaryRow
	bestMean, points := 0.0, 0
	for _, row := range s.Rows {
		if row.Label != c.Baseline {
			continue
		}
		points++
		if len(row.recs) < minSeeds {
			return "", fmt.Sprintf("tuning %q: grid point %s has %d of %d seeds recorded", c.Baseline, row.Name(), len(row.recs), minSeeds), nil
		}
		sum := 0.0
		for _, seed := range row.Seeds {
			rec := row.recs[seed]
			if rec == nil {
				continue
			}
			v, ok := rec.Result.BestValid[m]
			if !ok {
				return "", fmt.Sprintf("tuning %q: the record of %s seed %d has no validation %s", c.Baseline, row.Name(), seed, m), nil
			}
			sum += v
		}
		if mean := sum / float64(len(row.recs)); best == nil || mean > bestMean {
			best, bestMean = row, mean
		}
	}
	if best == nil {
		return "", fmt.Sprintf("no record of variant %q in sweep %s to tune", c.Baseline, c.Sweep), nil
	}
	return best.Name(), fmt.Sprintf("%s tuned on validation %s over %d grid points: %s (validation %.4f)", c.Baseline, m, points, best.Name(), bestMean), nil
}

// findRow returns the summary row named name.
func findRow(s *Summary, name string) *SummaryRow {
	for _, r := range s.Rows {
		if r.Name() == name {
			return r
		}
	}
	return nil
}

// judge sets r's verdict and evidence from the sweep's summary.
func judge(r *ClaimResult, s *Summary) {
	c := r.Claim
	minSeeds := c.MinSeeds
	if minSeeds == 0 {
		minSeeds = 3
	}
	alpha := c.Alpha
	if alpha == 0 {
		alpha = 0.05
	}
	m := c.Metric
	row := findRow(s, c.Row)
	if row == nil || row.N[m] == 0 {
		r.Verdict, r.Evidence = NoEvidence, fmt.Sprintf("no record of row %q in sweep %s", c.Row, s.Sweep)
		return
	}
	desc := func(x *SummaryRow) string {
		return fmt.Sprintf("%s %s %.4f ± %.4f (n=%d)", x.Name(), m, x.Mean[m], x.Std[m], x.N[m])
	}
	r.Mean, r.N = row.Mean[m], row.N[m]
	if row.N[m] < minSeeds {
		r.Verdict, r.Evidence = NoEvidence, fmt.Sprintf("%s: %d of %d seeds recorded", desc(row), row.N[m], minSeeds)
		return
	}
	if c.Kind == ClaimValue {
		d := row.Mean[m] - c.Value
		r.Evidence = fmt.Sprintf("%s vs %.4f: difference %+.4f (tolerance %.3g)", desc(row), c.Value, d, c.Tol)
		r.Verdict = verdict(math.Abs(d) <= c.Tol)
		return
	}
	base := findRow(s, c.Baseline)
	if base == nil || base.N[m] < minSeeds {
		r.Verdict, r.Evidence = NoEvidence, fmt.Sprintf("%s; baseline %q has fewer than %d seeds recorded", desc(row), c.Baseline, minSeeds)
		return
	}
	r.BaselineMean, r.BaselineN = base.Mean[m], base.N[m]
	d := row.Mean[m] - base.Mean[m]
	ev := fmt.Sprintf("%s vs %s: %+.4f", desc(row), desc(base), d)
	switch c.Kind {
	case ClaimBetter:
		// Every seed both rows have must be tested over users.
		common := 0
		for _, seed := range row.Seeds {
			if slices.Contains(base.Seeds, seed) {
				common++
			}
		}
		t := row.Tests[m]
		if row.BaselineKey != base.Key || t == nil || common < minSeeds || len(t.PerSeed) != common {
			r.Verdict, r.Evidence = NoEvidence, ev+fmt.Sprintf("; paired tests over users in %d of %d common seeds (at least %d needed, each tested)",
				testedSeeds(t), common, minSeeds)
			return
		}
		ok := d > 0
		var ps []string
		for _, st := range t.PerSeed {
			ps = append(ps, fmt.Sprintf("seed %d p=%.2g", st.Seed, st.T.P))
			if !(st.T.P < alpha) || !(st.T.MeanDiff > 0) {
				ok = false
			}
		}
		r.PerSeed = slices.Clone(t.PerSeed)
		r.Evidence = ev + "; paired t over users: " + strings.Join(ps, ", ")
		r.Verdict = verdict(ok)
	case ClaimAtLeast:
		r.Evidence = fmt.Sprintf("%s (tolerance %.3g)", ev, c.Tol)
		r.Verdict = verdict(d >= -c.Tol)
	case ClaimClose:
		r.Evidence = fmt.Sprintf("%s (tolerance %.3g)", ev, c.Tol)
		r.Verdict = verdict(math.Abs(d) <= c.Tol)
	case ClaimLess:
		r.Evidence = fmt.Sprintf("%s (margin %.3g)", ev, c.Tol)
		r.Verdict = verdict(d < -c.Tol)
	}
}

// testedSeeds is the number of seeds a metric's tests cover.
func testedSeeds(t *MetricTest) int {
	if t == nil {
		return 0
	}
	return len(t.PerSeed)
}

func verdict(ok bool) string {
	if ok {
		return Holds
	}
	return Fails
}

// ClaimsTable renders claim results: claim, source, verdict, evidence.
func ClaimsTable(rs []ClaimResult) *report.Table {
	t := &report.Table{Header: []string{"claim", "source", "verdict", "evidence"}}
	for _, r := range rs {
		text := r.Claim.Text
		if text == "" {
			text = r.Claim.ID
		}
		if r.Verdict == Fails && r.Claim.Reason != "" {
			text += " — " + r.Claim.Reason
		}
		t.Rows = append(t.Rows, []string{text, r.Claim.Source, r.Verdict, r.Evidence})
	}
	return t
}

// WriteClaimsText writes claim results for a terminal: one block per
// claim, its verdict first and then the claim (with the analysis of a
// failing claim), its source and its evidence, each wrapped to width
// columns (at least 40) under a hanging indent, so that long evidence
// never makes a line hundreds of columns wide as a table would.
func WriteClaimsText(w io.Writer, rs []ClaimResult, width int) error {
	width = max(width, 40)
	// The text column starts two spaces after the longest verdict.
	indent := 2 + max(len(Holds), len(Fails), len(NoEvidence), len(CannotRun))
	bw := bufio.NewWriter(w)
	for k, r := range rs {
		if k > 0 {
			bw.WriteByte('\n')
		}
		text := r.Claim.Text
		if text == "" {
			text = r.Claim.ID
		}
		if r.Verdict == Fails && r.Claim.Reason != "" {
			text += " — " + r.Claim.Reason
		}
		first := true
		for _, para := range []string{text, r.Claim.Source, r.Evidence} {
			if para == "" {
				continue
			}
			for _, line := range report.WrapText(para, width-indent) {
				head := ""
				if first {
					head, first = r.Verdict, false
				}
				fmt.Fprintf(bw, "%-*s%s\n", indent, head, line)
			}
		}
	}
	return bw.Flush()
}

// Unexplained returns the claims that fail without an analysis (no
// Reason): a claim that does not reproduce is reported with why, so the
// session that records the runs that make a claim fail writes its
// analysis into the claims file, and kdsweep fails until it does.
func Unexplained(rs []ClaimResult) []string {
	var ids []string
	for _, r := range rs {
		if r.Verdict == Fails && strings.TrimSpace(r.Claim.Reason) == "" {
			ids = append(ids, r.Claim.ID)
		}
	}
	return ids
}

// ErrUnexplained is wrapped by the error of CheckExplained.
var ErrUnexplained = errors.New("failing claims without an analysis")

// CheckExplained returns an error naming the claims of rs that fail
// without an analysis (Unexplained), or nil.
func CheckExplained(rs []ClaimResult, file string) error {
	ids := Unexplained(rs)
	if len(ids) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s; give each a \"reason\" in %s that says, from the records, why it fails", ErrUnexplained, strings.Join(ids, ", "), file)
}

// ClaimsTestTable renders claim results compactly, one row per claim:
// the claim, its metric, the means over seeds of its row and of its
// baseline row, their difference, the p-values of the paired t-test over
// users of every seed, and the verdict. What a claim without evidence
// lacks, and why a claim cannot run, go to the notes.
func ClaimsTestTable(rs []ClaimResult) *report.Table {
	t := &report.Table{Header: []string{"claim", "metric", "mean", "baseline", "diff", "p(t) per seed", "verdict"}}
	num := func(v float64, n int) string {
		if n == 0 {
			return "–"
		}
		return strconv.FormatFloat(v, 'f', 4, 64)
	}
	for _, r := range rs {
		c := r.Claim
		text := c.Text
		if text == "" {
			text = c.ID
		}
		diff, ps := "–", "–"
		if r.N > 0 && r.BaselineN > 0 {
			diff = fmt.Sprintf("%+.4f", r.Mean-r.BaselineMean)
		}
		if c.Kind == ClaimValue && r.N > 0 {
			diff = fmt.Sprintf("%+.4f", r.Mean-c.Value)
		}
		if len(r.PerSeed) > 0 {
			var p []string
			for _, st := range r.PerSeed {
				p = append(p, formatPValue(st.T.P))
			}
			ps = strings.Join(p, " ")
		}
		base := num(r.BaselineMean, r.BaselineN)
		if c.Kind == ClaimValue {
			base = strconv.FormatFloat(c.Value, 'f', 4, 64)
		}
		metric := c.Metric
		if c.BaselineMetric != "" && c.BaselineMetric != c.Metric {
			metric += " vs " + c.BaselineMetric
		}
		t.Rows = append(t.Rows, []string{text, metric, num(r.Mean, r.N), base, diff, ps, r.Verdict})
		if r.Verdict == NoEvidence || r.Verdict == CannotRun {
			t.Notes = append(t.Notes, fmt.Sprintf("%s: %s", text, r.Evidence))
		}
	}
	return t
}

// formatPValue formats a p-value in at most 7 characters: 0.0123, 3.1e-09.
func formatPValue(p float64) string {
	if math.IsNaN(p) {
		return "–"
	}
	if p < 1e-4 {
		return strconv.FormatFloat(p, 'e', 1, 64)
	}
	return strconv.FormatFloat(p, 'f', 4, 64)
}

// CountVerdicts returns how many results have each verdict.
func CountVerdicts(rs []ClaimResult) map[string]int {
	n := map[string]int{}
	for _, r := range rs {
		n[r.Verdict]++
	}
	return n
}

// hasRecordedLabel says whether some recorded run of sr has the label
// (exactly, or up to case as Aggregate matches baselines).
func hasRecordedLabel(sr *SweepResults, label string) bool {
	for _, e := range sr.Entries {
		if e.Record != nil && strings.EqualFold(e.Run.Label, label) {
			return true
		}
	}
	return false
}

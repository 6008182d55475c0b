package exp

// The authors' logs against split-to-split variation: the ledger block
// "splits <random-splits sweep> <authors'-split sweep>" (SplitsTable).

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/kdrec/kdrec/kdlib/report"
)

// DefaultSplitsMetrics are the metrics of a splits block without
// metrics=: those of the authors' logs the claims compare.
var DefaultSplitsMetrics = []string{"HR@5", "NDCG@5"}

// SplitsWithin is the number of split standard deviations within which a
// log counts as lying inside split-to-split variation.
const SplitsWithin = 2.0

// LogValues returns the authors' numbers that the claims register for a
// sweep: the Value of every value claim about that sweep (Claim.Sweep)
// that compares the best-epoch values, by row and metric. Two such claims
// with different values for one row and metric are an error naming them,
// since a block could not say which is the log.
func LogValues(claims []Claim, sweep string) (map[[2]string]float64, error) {
	out := map[[2]string]float64{}
	from := map[[2]string]string{}
	for _, c := range claims {
		if c.Kind != ClaimValue || c.Sweep != sweep || (c.ValueSource != "" && c.ValueSource != SourceBest) {
			continue
		}
		k := [2]string{c.Row, c.Metric}
		if v, ok := out[k]; ok && v != c.Value {
			return nil, fmt.Errorf("claims %s and %s give %s %s of sweep %s two values (%v, %v)", from[k], c.ID, c.Row, c.Metric, sweep, v, c.Value)
		}
		out[k], from[k] = c.Value, c.ID
	}
	return out, nil
}

// SplitsTable compares the authors' logs, each one run on their split,
// with our runs on the same split (authors: the seeds vary
// initialisation, sampling and the re-sampled candidates) and on random
// splits of the same data (splits: one seed per split, so the spread over
// its seeds is the split-to-split variation of a single run). For each row
// of splits and each metric it gives the log (logs, from LogValues; "–"
// without one), the mean ± sd over the seeds of each sweep with their
// number, and the authors'-split mean and the random splits' mean minus
// the log, each also in units of the random splits' sd. A row without
// records shows dashes. The notes say what the units mean, how many logs
// lie within SplitsWithin sd of the random splits' mean, and which runs
// of either sweep are missing, with the command that runs them (args: how
// `kdsweep run` names the spec of splits and of authors; "" for the
// sweep's name).
func SplitsTable(splits, authors *SweepResults, args [2]string, logs map[[2]string]float64, metrics []string) (*report.Table, error) {
	if len(metrics) == 0 {
		metrics = DefaultSplitsMetrics
	}
	for _, m := range metrics {
		if err := checkMetric("splits", m); err != nil {
			return nil, err
		}
	}
	o := TableOptions{Metrics: metrics, Baseline: NoBaseline, Source: SourceBest}
	ss, err := Aggregate(splits, o)
	if err != nil {
		return nil, err
	}
	as, err := Aggregate(authors, o)
	if err != nil {
		return nil, err
	}
	status := splits.Status()
	nsplits := 0
	for _, r := range status {
		nsplits = max(nsplits, len(r.Recorded)+len(r.Missing))
	}
	t := &report.Table{
		Title: fmt.Sprintf("The authors' logs against %d random splits (%s) and the authors' split (%s): test metrics at the best validation epoch per cut-off",
			nsplits, splits.Sweep, authors.Sweep),
		Header: []string{"row", "metric", "authors' log", "authors' split", "random splits", "authors' split − log", "random splits − log"},
	}
	dash := "–"
	spread := func(r *SummaryRow, m string) (Spread, string) {
		if r == nil || r.N[m] == 0 {
			return Spread{}, dash
		}
		s := Spread{Mean: r.Mean[m], Std: r.Std[m], N: r.N[m]}
		return s, fmt.Sprintf("%s (n=%d)", s, s.N)
	}
	// diffCell is a difference to a log, with its size in units of the
	// random splits' sd when they have a spread (two splits or more).
	diffCell := func(d float64, sp Spread) string {
		if sp.N < 2 || !(sp.Std > 0) {
			return fmt.Sprintf("%+.4f", d)
		}
		return fmt.Sprintf("%+.4f (%+.1f sd)", d, d/sp.Std)
	}
	logs0, within := 0, 0
	for _, st := range status {
		for _, m := range metrics {
			log, hasLog := logs[[2]string{st.Name, m}]
			sp, spCell := spread(findRow(ss, st.Name), m)
			ap, apCell := spread(findRow(as, st.Name), m)
			logCell, ds, da := dash, dash, dash
			if hasLog {
				logs0++
				logCell = strconv.FormatFloat(log, 'f', 4, 64)
				if sp.N > 0 {
					ds = diffCell(sp.Mean-log, sp)
					if sp.N >= 2 && sp.Std > 0 && math.Abs(sp.Mean-log) <= SplitsWithin*sp.Std {
						within++
					}
				}
				if ap.N > 0 {
					da = diffCell(ap.Mean-log, sp)
				}
			}
			t.Rows = append(t.Rows, []string{st.Name, m, logCell, apCell, spCell, da, ds})
		}
	}
	t.Notes = append(t.Notes, fmt.Sprintf("Each log is one run on the authors' split; \"sd\" is the sample sd over the random splits (one seed per split), the spread of a single run from split to split, and a log within %g sd of the random splits' mean lies within split-to-split variation.", SplitsWithin))
	if n := splitsJudged(ss, logs, status, metrics); n > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("%d of %d logs lie within %g sd of the random splits' mean.", within, n, SplitsWithin))
	} else if logs0 > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("No log can be set against the random splits yet (each row needs two recorded splits); %d logs wait.", logs0))
	}
	for k, sr := range []*SweepResults{splits, authors} {
		if miss := missingText(sr); miss != "" {
			arg := args[k]
			if arg == "" {
				arg = sr.Sweep
			}
			t.Notes = append(t.Notes, fmt.Sprintf("_%s: %d of %d runs recorded; missing %s (`kdsweep run --ledger results %s`)._",
				sr.Sweep, len(sr.Entries)-len(sr.Missing()), len(sr.Entries), miss, arg))
		}
	}
	return t, nil
}

// splitsJudged counts the row and metric pairs that have a log and at
// least two recorded random splits with a spread.
func splitsJudged(ss *Summary, logs map[[2]string]float64, status []RowStatus, metrics []string) int {
	n := 0
	for _, st := range status {
		r := findRow(ss, st.Name)
		for _, m := range metrics {
			if _, ok := logs[[2]string{st.Name, m}]; ok && r != nil && r.N[m] >= 2 && r.Std[m] > 0 {
				n++
			}
		}
	}
	return n
}

// missingText lists a sweep's missing runs by row ("Teacher seeds 0–4,
// DE seed 2"), or "" when every run is recorded.
func missingText(sr *SweepResults) string {
	var parts []string
	for _, st := range sr.Status() {
		if len(st.Missing) == 0 {
			continue
		}
		word := "seeds"
		if len(st.Missing) == 1 {
			word = "seed"
		}
		parts = append(parts, st.Name+" "+word+" "+seedRanges(st.Missing))
	}
	return strings.Join(parts, ", ")
}

// seedRanges writes seeds as ranges: 0–4, 6, 8–9.
func seedRanges(seeds []uint64) string {
	s := slices.Clone(seeds)
	slices.Sort(s)
	var parts []string
	for k := 0; k < len(s); {
		j := k
		for j+1 < len(s) && s[j+1] == s[j]+1 {
			j++
		}
		switch {
		case j == k:
			parts = append(parts, strconv.FormatUint(s[k], 10))
		case j == k+1:
			parts = append(parts, strconv.FormatUint(s[k], 10), strconv.FormatUint(s[j], 10))
		default:
			parts = append(parts, strconv.FormatUint(s[k], 10)+"–"+strconv.FormatUint(s[j], 10))
		}
		k = j + 1
	}
	return strings.Join(parts, ", ")
}

// ledgerSweep returns sweep name from the ledger: its manifest's runs when
// a manifest exists, else the runs of its spec (Ledger.SpecFor: the
// ledger's spec file or a built-in) with whatever records exist, so that a
// sweep nobody has started lists every run as missing. arg is how
// `kdsweep run` names the spec ("" when the spec cannot be found). A name
// that is neither recorded nor a spec is an error.
func ledgerSweep(l *Ledger, name string) (sr *SweepResults, arg string, err error) {
	if _, a, err := l.SpecFor(name); err == nil {
		arg = a
	}
	sr, err = l.Sweep(name)
	if err == nil || !errors.Is(err, ErrNotRecorded) {
		return sr, arg, err
	}
	spec, a, err := l.SpecFor(name)
	if err != nil {
		return nil, "", fmt.Errorf("sweep %s is neither in the ledger nor a spec: %w", name, err)
	}
	sr, err = l.SweepOf(spec)
	return sr, a, err
}

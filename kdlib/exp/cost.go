package exp

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/report"
)

// CostTable is the cost of every recorded run of a sweep, one row per run:
// its row label, its data set (with the users × items of a registered or
// generated one, and the users kept by a reduced budget), the mean training time per epoch, the setup before the
// first epoch (RunResult.SetupSeconds: teacher, split, lists, terms), the
// evaluation time (the wall time less setup and training; none for a run
// resumed from a checkpoint, whose wall time is its last process's), each
// of the three next to the process's CPU time in it (RunResult's
// TrainCPUSeconds per epoch, SetupCPUSeconds, EvalCPUSeconds: on a loaded
// machine the wall times count the other jobs, the CPU times hardly), the process's
// peak resident memory during the run (Machine.PeakRSSMB), and the load of
// the machine at the start and the end. Runs not recorded yet are listed
// in a note. It is the table of the scale-cost spec (the "cost" block of
// generated documents), meant to be recorded on an idle machine: times on
// a loaded one measure the other jobs as much as the run.
func CostTable(sr *SweepResults) *report.Table {
	t := &report.Table{Header: []string{"row", "data", "users × items", "s/epoch", "CPU s/epoch", "setup s", "setup CPU s", "eval s", "eval CPU s", "peak RSS", "load", "run"}}
	missing := 0
	for _, e := range sr.Entries {
		rec := e.Record
		if rec == nil {
			missing++
			continue
		}
		res := &rec.Result
		dash := "–"
		spe, setup, evals, rss, load := dash, dash, dash, dash, dash
		cpuEpoch, cpuSetup, cpuEval := dash, dash, dash
		if res.TrainCPUSeconds > 0 && res.Epochs > 0 {
			cpuEpoch = fmt.Sprintf("%.2f", res.TrainCPUSeconds/float64(res.Epochs))
		}
		if res.SetupCPUSeconds > 0 {
			cpuSetup = fmt.Sprintf("%.1f", res.SetupCPUSeconds)
		}
		if res.EvalCPUSeconds > 0 {
			cpuEval = fmt.Sprintf("%.1f", res.EvalCPUSeconds)
		}
		if s := res.MeanEpochSeconds(); s > 0 {
			spe = fmt.Sprintf("%.2f", s)
		} else if res.Epochs > 0 && res.TrainSeconds > 0 {
			spe = fmt.Sprintf("%.2f", res.TrainSeconds/float64(res.Epochs))
		}
		if res.SetupSeconds > 0 {
			setup = fmt.Sprintf("%.1f", res.SetupSeconds)
		}
		if ev := rec.Seconds() - res.SetupSeconds - res.TrainSeconds; res.SetupSeconds > 0 && ev >= 0 && len(res.Resumed) == 0 {
			evals = fmt.Sprintf("%.1f", ev)
		}
		if m := rec.Machine; m != nil {
			if m.PeakRSSMB > 0 {
				rss = fmt.Sprintf("%.0f MiB", m.PeakRSSMB)
			}
			if len(m.Load) == 2 {
				load = fmt.Sprintf("%.1f→%.1f on %d CPUs", m.Load[0], m.Load[1], m.CPUs)
			}
		}
		name, size := datasetSize(e.Run.Spec.Dataset)
		if u := e.Run.Spec.Split.Users; u > 0 {
			size = fmt.Sprintf("first %d users of %s", u, size)
		}
		t.Rows = append(t.Rows, []string{e.Run.Label, name, size, spe, cpuEpoch, setup, cpuSetup, evals, cpuEval, rss, load, rec.ID})
	}
	if missing > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("%d of %d runs not recorded yet (`kdsweep status --ledger results <spec>`).", missing, len(sr.Entries)))
	}
	return t
}

// datasetSize names a run's data set and gives its users × items: a
// generated one's from its spec, a registered one's from the registry
// (after its default preprocessing), "–" for files of one's own.
func datasetSize(ds DatasetSpec) (name, size string) {
	name, size = ds.Name, "–"
	switch {
	case ds.Synthetic != nil:
		g := ds.Synthetic
		if g.Law != "" {
			name += " " + g.Law
		}
		size = fmt.Sprintf("%d × %d", g.Users, g.Items)
	case ds.Files == nil:
		if d, err := datasets.Lookup(ds.Name); err == nil && d.Users > 0 {
			size = fmt.Sprintf("%d × %d", d.Users, d.Items)
		}
	}
	return name, size
}

// HoursTable is what each sweep costs in processes: per sweep (given by
// name, in order), the runs recorded of all, the hours they took (wall
// time from start to record, one process per run at GOMAXPROCS 1, so
// hours of a one-CPU pod), and an estimate of the hours still to go: each
// run without a record at LedgerEstimates' estimate (its row's records, or
// its label's, made by their newest code), and counted apart when its
// label has no record yet that is not a cached model's.
// A sweep with no record at all has no estimate (srs[k] is nil). A run
// resumed from a checkpoint counts only its last process's time, so the
// sweep's hours are then a lower bound ("≥"). The times come from the
// machine the runs were recorded on, under its load (Machine.Load), which
// the notes state: a pod with a core to itself is faster. A run that
// several of the sweeps share (the same run ID: td-curves' runs are
// td-protocol's seed 0) is counted in each sweep's row but once in the
// total row.
func HoursTable(names []string, srs []*SweepResults) *report.Table {
	t := &report.Table{Header: []string{"sweep", "runs recorded", "hours recorded", "est. hours to go", "runs to go without an estimate"}}
	var totRec, totGo float64
	totUnknown, totRuns, totDone := 0, 0, 0
	totLower := false
	seen := map[string]bool{}   // run IDs already in the total
	shared := map[string]bool{} // run IDs met again in a later sweep
	first := func(id string) bool {
		if id == "" {
			return true
		}
		if seen[id] {
			shared[id] = true
			return false
		}
		seen[id] = true
		return true
	}
	loadLo, loadHi := math.Inf(1), math.Inf(-1)
	for k, name := range names {
		sr := srs[k]
		if sr == nil {
			t.Rows = append(t.Rows, []string{name, "0", "–", "–", "all (not started)"})
			continue
		}
		done, hours, lower := 0, 0.0, false
		var inTotal []bool // per entry: counted in the total (its first sweep)
		for _, e := range sr.Entries {
			inTotal = append(inTotal, first(e.Run.ID))
		}
		for k, e := range sr.Entries {
			if rec := e.Record; rec != nil {
				h := rec.Seconds() / 3600
				done++
				hours += h
				resumed := len(rec.Result.Resumed) > 0
				lower = lower || resumed
				if inTotal[k] {
					totRec, totDone = totRec+h, totDone+1
					totLower = totLower || resumed
				}
				if m := rec.Machine; m != nil && len(m.Load) == 2 {
					loadLo, loadHi = min(loadLo, m.Load[0], m.Load[1]), max(loadHi, m.Load[0], m.Load[1])
				}
			}
		}
		togo, unknown := 0.0, 0
		est := sweepEstimates(sr)
		for k, e := range sr.Entries {
			if inTotal[k] {
				totRuns++
			}
			if e.Record != nil {
				continue
			}
			if d, ok := est(&e.Run); ok {
				h := d.Hours()
				togo += h
				if inTotal[k] {
					totGo += h
				}
			} else {
				unknown++
				if inTotal[k] {
					totUnknown++
				}
			}
		}
		rec := fmt.Sprintf("%.1f", hours)
		if lower {
			rec = "≥ " + rec
		}
		t.Rows = append(t.Rows, []string{name, fmt.Sprintf("%d of %d", done, len(sr.Entries)), rec, fmt.Sprintf("%.1f", togo), fmt.Sprint(unknown)})
	}
	runs := fmt.Sprintf("%d of %d", totDone, totRuns)
	if slices.Contains(srs, nil) {
		runs += " (and the sweeps not started)"
	}
	tot := fmt.Sprintf("%.1f", totRec)
	if totLower {
		tot = "≥ " + tot
	}
	t.Rows = append(t.Rows, []string{"all of the above", runs, tot, fmt.Sprintf("%.1f", totGo), fmt.Sprint(totUnknown)})
	if len(shared) > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("%d runs belong to more than one of these sweeps; the total counts each once.", len(shared)))
	}
	if loadHi >= loadLo {
		t.Notes = append(t.Notes, fmt.Sprintf("Recorded with the 1-minute load average of the machine between %.1f and %.1f at the runs' starts and ends.", loadLo, loadHi))
	}
	return t
}

// LedgerEstimates returns an estimate of a run's wall time from the
// ledger's records of sweep (a key or a unique spec name), for
// SweepOptions.Estimate: the mean duration of the recorded runs of the
// same row — the same label and grid point but for the seed — or, when
// that row has no record, of the same label. Only the records made by the
// code revision of the row's (or label's) most recently finished record
// count, so that an estimate follows the code when it gets faster or
// slower (HetComp's students after its catalogue kernels ran in a third
// of the time of the records before them). A record's duration is its
// wall time (Record.Seconds), or its training seconds when they are more:
// a run resumed from a checkpoint has its last process's wall time but
// every process's training time. A run of a row and label with no
// record, or of a sweep the ledger does not hold, has no estimate. The
// times are the recording machine's, under its load. A record whose model
// was loaded from the cache (RunResult.Cached: a plain run's model
// trained by another sweep) took seconds where a training takes hours,
// and is left out.
func LedgerEstimates(l *Ledger, sweep string) (func(r *Run) (time.Duration, bool), error) {
	sr, err := l.Sweep(sweep)
	if errors.Is(err, ErrNotRecorded) {
		return func(*Run) (time.Duration, bool) { return 0, false }, nil
	}
	if err != nil {
		return nil, err
	}
	return sweepEstimates(sr), nil
}

// sweepEstimates is LedgerEstimates of the records of sr.
func sweepEstimates(sr *SweepResults) func(r *Run) (time.Duration, bool) {
	byRow, byLabel := map[string][]*Record{}, map[string][]*Record{}
	for _, e := range sr.Entries {
		if e.Record == nil || e.Record.Result.Cached {
			continue
		}
		byRow[estimateRow(&e.Run)] = append(byRow[estimateRow(&e.Run)], e.Record)
		byLabel[e.Run.Label] = append(byLabel[e.Run.Label], e.Record)
	}
	return func(r *Run) (time.Duration, bool) {
		recs := byRow[estimateRow(r)]
		if len(recs) == 0 {
			recs = byLabel[r.Label]
		}
		if len(recs) == 0 {
			return 0, false
		}
		return time.Duration(newestCodeMean(recs) * float64(time.Second)), true
	}
}

// newestCodeMean is the mean duration (the larger of wall time and
// training seconds) of the records made by the code version (revision and
// dirty mark, CodeVersion.String) of the most recently finished of recs.
// Every commit is a new revision, so the mean often rests on one record:
// the estimate follows the code at the price of the seeds' spread.
func newestCodeMean(recs []*Record) float64 {
	newest := recs[0]
	for _, rec := range recs[1:] {
		if rec.Finished.After(newest.Finished) {
			newest = rec
		}
	}
	sum, n := 0.0, 0
	for _, rec := range recs {
		if rec.Code.String() != newest.Code.String() {
			continue
		}
		sum += max(rec.Seconds(), rec.Result.TrainSeconds)
		n++
	}
	return sum / float64(n)
}

// estimateRow names a run's row for LedgerEstimates: its label and grid
// point without the seed.
func estimateRow(r *Run) string {
	parts := []string{r.Label}
	for _, s := range r.Point {
		if s.Path != "seed" {
			parts = append(parts, s.String())
		}
	}
	return strings.Join(parts, " ")
}

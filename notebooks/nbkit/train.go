package nbkit

// The notebooks' training path: when asked to train (KDREC_RETRAIN at full
// scale, KDREC_QUICK at reduced scale), a notebook runs the very sweep specs
// its ledger mode reads — the spec's full budget, or its quick one — through
// exp.RunSweep (every run by exp.Execute, models and teacher lists in the
// Env's artefact cache) into a ledger, and then draws from that ledger with
// the same code as the ledger mode. Training only fills a ledger.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/report"
)

// EnvRecord names the environment variable that makes the full-scale
// training path (KDREC_RETRAIN) record its runs into the ledger in that
// directory — e.g. results, to add them to the committed ledger, as
// `kdsweep run --ledger results` does — instead of a scratch ledger; runs
// the ledger already holds are not trained again. The reduced scale
// always records into its own scratch ledger: its records are no results.
const EnvRecord = "KDREC_RECORD"

// ArtifactDir is the artefact cache of the training path (exp.Env's:
// models keyed by their ModelKey hash, teacher lists by the teacher's
// hash, HetComp's trajectories): $KDREC_CACHE when set; otherwise, at full
// scale, exp.CacheDir() (~/.cache/kdrec), the cache of kdrepl, kdsweep and
// the reproduction tests, so a notebook finds the teachers they trained;
// and at reduced scale CacheDir() (notebooks/.cache), so the small runs of
// KDREC_QUICK stay out of the shared cache.
func ArtifactDir() string {
	if d := os.Getenv("KDREC_CACHE"); d != "" {
		return d
	}
	if Quick() {
		return CacheDir()
	}
	return exp.CacheDir()
}

// scale names the training path's budget: "quick" or "full".
func scale() string {
	if Quick() {
		return exp.QuickBudget
	}
	return "full"
}

// RecordDir returns the ledger the training path records into: under
// KDREC_QUICK a scratch ledger in the artefact cache
// (ArtifactDir()/ledger/quick); under KDREC_RETRAIN the ledger named by
// KDREC_RECORD when set, else a scratch ledger (ArtifactDir()/ledger/full).
func RecordDir() string {
	if d := os.Getenv(EnvRecord); d != "" && !Quick() {
		return d
	}
	return filepath.Join(ArtifactDir(), "ledger", scale())
}

// storeDir is the result store RunSweep keeps beside the ledger it fills
// (resumable JSON lines, event logs).
func storeDir() string {
	return filepath.Join(ArtifactDir(), "ledger", scale()+"-store")
}

// trainingSpec returns the spec a notebook trains for the ledger spec s:
// its quick budget under KDREC_QUICK (exp.Spec.WithQuick: the one it
// names, else exp.DefaultQuick), its full budget under KDREC_RETRAIN; and,
// when the spec's split ships with a data set that is embedded but whose
// split files cannot be found (KDREC_DATASETS unset), the same runs on a
// leave-one-out split of the embedded data, renamed <name>.embedded, with
// a sentence saying so (data: "" when nothing was substituted). At reduced
// scale a registered data set that is not embedded and whose files cannot
// be found is replaced by the embedded one (standIn), so that the code
// path still runs.
func trainingSpec(s *exp.Spec) (spec *exp.Spec, data string, err error) {
	if Quick() {
		spec, err = s.WithQuick()
	} else {
		spec, err = s.WithBudget("")
	}
	if err != nil {
		return nil, "", err
	}
	if Quick() {
		if d, ok := standIn(spec); ok {
			return spec, d, nil
		}
	}
	sp := spec.Split
	if sp.Kind != exp.SplitImport {
		return spec, "", nil
	}
	ds, err := datasets.Lookup(spec.Dataset.Name)
	if err != nil || !ds.Embedded || datasets.Check(spec.Dataset.Name, datasets.SplitName(sp.Name)) == nil {
		return spec, "", nil
	}
	for _, v := range spec.Variants {
		for path := range v.Set {
			if path == "split" || len(path) > 6 && path[:6] == "split." {
				return spec, "", nil // a spec that varies its split: leave it to fail clearly
			}
		}
	}
	seed := uint64(0)
	spec.Split = exp.SplitSpec{Kind: exp.SplitLOO, Seed: &seed, Users: sp.Users}
	spec.Name += ".embedded"
	data = fmt.Sprintf("Data: the embedded %s with a leave-one-out split of its own (seed 0), not the authors' %s split, whose files %s does not hold.",
		spec.Dataset.Name, sp.Name, datasets.EnvDir)
	return spec, data, nil
}

// standIn replaces, in place, the data set of spec — a registered one that
// is not embedded and whose files cannot be found (KDREC_DATASETS unset
// or not holding it) — by the embedded CiteULike-t with the same split,
// renames the spec <name>.embedded and returns the sentence that says so.
// It is for reduced scale only, where the numbers are not results and
// what is run is the code path (a notebook cell of Last.fm in CI without
// the shared data sets); a spec that varies its data set is left alone.
func standIn(spec *exp.Spec) (string, bool) {
	name := spec.Dataset.Name
	ds, err := datasets.Lookup(name)
	if err != nil || ds.Embedded || datasets.Check(name) == nil {
		return "", false
	}
	for _, v := range spec.Variants {
		for path := range v.Set {
			if path == "dataset" || len(path) > 8 && path[:8] == "dataset." {
				return "", false
			}
		}
	}
	spec.Dataset = exp.DatasetSpec{Name: "citeulike-t"}
	spec.Name += ".embedded"
	return fmt.Sprintf("Data: the embedded citeulike-t stands in for %s, whose files %s does not hold (reduced scale: the code path runs, the numbers are not results).",
		name, datasets.EnvDir), true
}

// Fill trains, when the notebook trains (Retrain), the runs of r that its
// ledger does not hold yet — exp.RunSweep restricted to them, every run by
// exp.Execute with the artefact cache of ArtifactDir — with their progress
// in the cell, and reads their records. In ledger mode it does nothing.
// Every method of Recorded that reads records calls it, so any cell can
// run on its own.
func (r *Recorded) Fill() error {
	if r.l == nil || r.l.env == nil {
		return nil
	}
	var ids []string
	for _, e := range r.Entries {
		if e.Record == nil {
			ids = append(ids, e.Run.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	ctx, stop := Context()
	defer stop()
	log := LogWriter()
	defer log.Close()
	env := r.l.env
	env.Log = log
	defer func() { env.Log = nil }()
	_, err := exp.RunSweep(ctx, r.Spec, exp.SweepOptions{Out: storeDir(), Env: env, Log: log, Ledger: r.l.Ledger, Only: ids})
	if err != nil {
		return fmt.Errorf("training %s: %w", r.Sweep, err)
	}
	for k := range r.Entries {
		e := &r.Entries[k]
		if e.Record == nil && slices.Contains(ids, e.Run.ID) {
			if e.Record, err = r.l.Get(e.Run.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// openRecording opens the ledger the training path records into, with the
// ledger whose spec files and claims the notebook reads (nil when there is
// none: built-in specs only).
func openRecording() (*Ledger, error) {
	target, err := exp.OpenLedger(RecordDir())
	if err != nil {
		return nil, err
	}
	env, err := exp.NewEnv(ArtifactDir(), nil)
	if err != nil {
		return nil, err
	}
	env.KeepModels = true
	env.Bars = report.InNotebook()
	l := &Ledger{Ledger: target, env: env}
	if src, err := exp.OpenLedgerExisting(LedgerDir()); err == nil {
		l.src = src
	}
	return l, nil
}

// specFor returns the spec called name and what kdsweep takes for it: the
// spec file of the ledger the notebook reads, else the built-in spec.
func (l *Ledger) specFor(name string) (*exp.Spec, string, error) {
	if l.src != nil {
		return l.src.SpecFor(name)
	}
	s, err := exp.BuiltinSpec(name, "")
	if err != nil {
		return nil, "", errors.Join(err, fmt.Errorf("(no ledger in %s holds a spec file %s.json; set %s)", LedgerDir(), name, EnvLedger))
	}
	return s, name, nil
}

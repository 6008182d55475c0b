package repl

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/exp"
)

// reproduceCommand is `reproduce <builtin-spec> [quick|full] [shard=i/N]`:
// a built-in spec of the dissertation's tables run through the sweep
// machinery of kdlib/exp (resumable results store, teacher cache, shards),
// then its aggregated table.
func reproduceCommand() *Command {
	return &Command{
		Name: "reproduce",
		Args: []Arg{{Name: "spec", Complete: completeBuiltins},
			{Name: "budget", Optional: true, Complete: fixed("quick", "full")}},
		Summary: "run a built-in spec of the dissertation's tables (kdsweep's sweeps) and print its table",
		Help: "Runs the built-in spec (exp.Builtins; `kdsweep list` shows them) with the quick (CI) or full budget through " +
			"exp.RunSweep: results are appended to out=, runs already stored are skipped (run it again to resume after Ctrl-C), " +
			"teachers and their lists are cached in cache=. shard=i/N runs one slice of the sweep. Progress goes to the " +
			"progress output; the aggregated table (mean ± std over seeds, paired tests against the spec's baseline) is printed. " +
			"record=<ledger> also records every finished run in the results ledger (results/ in the repository), where kdsweep claims and report read them.",
		Examples: []string{"reproduce derrd-students quick", "reproduce derrd-table full shard=0/4 out=runs/derrd",
			"reproduce irrrd-table full record=results"},
		Options: func(sh *Shell, args []string) ([]Option, error) {
			return []Option{
				StringOpt("out", "kdrepl-sweeps", completeFiles, "output directory of the results store"),
				StringOpt("cache", "", completeFiles, "artefact cache of teachers and lists (default $KDREC_CACHE, else <out>/cache)"),
				StringOpt("data", "", completeFiles, "directory of the non-embedded data sets (default $"+datasets.EnvDir+")"),
				StringOpt("shard", "", nil, "run only the i-th of N disjoint slices: i/N (hash:i/N assigns by run hash)"),
				BoolOpt("keep-going", false, "run what can run and report the rest, continue after a failed run"),
				StringOpt("record", "", completeFiles, "results ledger to record every finished run in (and whose runs are skipped), e.g. results"),
			}, nil
		},
		Run: runReproduce,
	}
}

// completeBuiltins proposes the names of the built-in specs.
func completeBuiltins(*Shell, []string, string) []string {
	var out []string
	for _, b := range exp.Builtins() {
		out = append(out, b.Name)
	}
	return out
}

func runReproduce(ctx context.Context, sh *Shell, c *Call) error {
	name, budget := c.Args[0], "quick"
	if len(c.Args) > 1 {
		budget = c.Args[1]
	}
	if !slices.Contains([]string{"quick", "full"}, budget) {
		return fmt.Errorf("unknown budget %q%s; want quick or full", budget, didYouMean(budget, []string{"quick", "full"}))
	}
	if !slices.Contains(completeBuiltins(nil, nil, ""), name) && sh.builtinSpec == nil {
		return unknownName("built-in spec", name, completeBuiltins(nil, nil, ""))
	}
	spec, err := sh.specOf(name, budget)
	if err != nil {
		return err
	}
	shard, err := exp.ParseShard(c.Opts.String("shard"))
	if err != nil {
		return fmt.Errorf("shard=%s: %v", c.Opts.String("shard"), err)
	}
	out, env, ledger, err := sh.sweepEnv(c)
	if err != nil {
		return err
	}
	log, _ := sh.progress()
	done := 0
	onRun := sweepProgress(spec.SweepKey(), "reproduce", log, &done)
	rep, err := exp.RunSweep(ctx, spec, exp.SweepOptions{Out: out, Shard: shard, Env: env, KeepGoing: c.Opts.Bool("keep-going"), OnRun: onRun,
		Ledger: ledger})
	if rep != nil {
		sh.printf("%s\n", rep)
	}
	if err != nil {
		if ctx.Err() != nil {
			return &Interrupted{Msg: fmt.Sprintf("reproduce %s: interrupted after %d finished runs; they are stored in %s, run the same command again to resume",
				spec.SweepKey(), done, c.Opts.String("out"))}
		}
		return err
	}
	return sh.printSweepTable(out, spec)
}

// sweepEnv returns what a sweep run from the shell needs from the options
// out=, cache=, data= and record=: the results store's directory, the Env
// (artefact cache: cache=, else $KDREC_CACHE, else <out>/cache; data
// directory) and the ledger (nil without record=).
func (sh *Shell) sweepEnv(c *Call) (string, *exp.Env, *exp.Ledger, error) {
	out := sh.path(c.Opts.String("out"))
	cache := c.Opts.String("cache")
	switch {
	case cache != "":
		cache = sh.path(cache)
	case os.Getenv("KDREC_CACHE") != "" && !sh.sandbox:
		cache = os.Getenv("KDREC_CACHE")
	default:
		cache = filepath.Join(out, "cache")
	}
	log, _ := sh.progress()
	env, err := exp.NewEnv(cache, log)
	if err != nil {
		return "", nil, nil, err
	}
	if d := c.Opts.String("data"); d != "" {
		env.DataDir = sh.path(d)
	}
	var ledger *exp.Ledger
	if r := c.Opts.String("record"); r != "" {
		if ledger, err = exp.OpenLedger(sh.path(r)); err != nil {
			return "", nil, nil, fmt.Errorf("record=%s: %w", r, err)
		}
	}
	return out, env, ledger, nil
}

// sweepProgress reports a sweep's runs on the progress output (nil:
// quiet), counting the finished ones in done.
func sweepProgress(key, cmd string, log io.Writer, done *int) func(exp.RunEvent) {
	return func(ev exp.RunEvent) {
		switch ev.Phase {
		case "done":
			*done++
		}
		if log == nil {
			return
		}
		switch ev.Phase {
		case "start":
			fmt.Fprintf(log, "%s %s: run %d %s …\n", cmd, key, ev.Run.Index, ev.Run.Name())
		case "done":
			fmt.Fprintf(log, "%s %s: run %d done in %.1fs\n", cmd, key, ev.Run.Index, ev.Seconds)
		case "fail":
			fmt.Fprintf(log, "%s %s: run %d failed: %v\n", cmd, key, ev.Run.Index, ev.Err)
		}
	}
}

// specOf returns the built-in spec with the budget (tests substitute small
// specs through sh.builtinSpec).
func (sh *Shell) specOf(name, budget string) (*exp.Spec, error) {
	if sh.builtinSpec != nil {
		return sh.builtinSpec(name, budget)
	}
	return exp.BuiltinSpec(name, budget)
}

// printSweepTable prints the default view of a sweep's stored results: the
// spec's report kind (table, curves or a parameter pivot).
func (sh *Shell) printSweepTable(out string, spec *exp.Spec) error {
	sr, err := exp.LoadSweep(out, spec.SweepKey())
	if err != nil {
		return err
	}
	rs := spec.Report
	switch rs.Kind {
	case exp.ReportCurves:
		m := "Recall@50"
		if len(rs.Metrics) > 0 {
			m = rs.Metrics[0]
		}
		sh.printTable(exp.CurveTable(sr, m, rs.Part))
		return nil
	case exp.ReportParam:
		ms := rs.Metrics
		if len(ms) == 0 {
			ms = []string{"HR@5"}
		}
		for k, m := range ms {
			if k > 0 {
				sh.printf("\n")
			}
			sh.printTable(exp.ParamTable(sr, rs.X, m, exp.SourceBest))
		}
		return nil
	}
	sum, err := exp.Aggregate(sr, exp.TableOptions{Metrics: rs.Metrics, Baseline: rs.Baseline, Source: exp.SourceBest})
	if err != nil && rs.Baseline != "" {
		// The baseline has no result (another shard has its runs): show the rows without tests.
		sh.printf("(the baseline %s has no result here yet: no significance tests)\n", rs.Baseline)
		plain := *sr
		if sr.Spec != nil {
			sp := *sr.Spec
			sp.Report.Baseline = ""
			plain.Spec = &sp
		}
		sum, err = exp.Aggregate(&plain, exp.TableOptions{Metrics: rs.Metrics, Source: exp.SourceBest})
	}
	if err != nil {
		return err
	}
	sh.printTable(sum.Table())
	if n := len(sr.Missing()); n > 0 {
		sh.printf("%d of %d runs have no result yet (other shards, or runs that could not run); "+
			"reproduce without shard= completes the sweep\n", n, len(sr.Entries))
	}
	return nil
}

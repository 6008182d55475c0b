// Command kdsweep runs experiment sweeps of kdrec — the built-in specs of
// the dissertation's tables and figures, or a spec file — on one machine
// or as shards of a cluster job, and turns their results into tables.
//
//	kdsweep run [--shard i/N] [--quick | --budget name] spec.json|builtin-name --out dir
//	kdsweep teachers [--shard i/N] [--quick] spec.json|builtin-name --out dir
//	kdsweep merge --out dir
//	kdsweep table --out dir [--sweep key] [--baseline label] [--format md|html|latex|csv|text]
//	kdsweep list [--quick] [spec.json|builtin-name]
//	kdsweep spec [--quick] builtin-name
//	kdsweep template [--dataset name | --files a.csv --cols …] [--quick | --budget name] [-o spec.json] [template]
//	kdsweep status [--ledger results] spec.json|builtin-name
//	kdsweep record [--ledger results] --out dir
//	kdsweep claims [--ledger results] [--claims results/claims.json | --sweep key]
//	kdsweep report [--ledger results] [--root .] [--check] [doc.md ...]
//
// run executes the runs of the shard that are not stored yet (a killed
// sweep resumes where it stopped: stored runs are skipped, and the run in
// flight continues from its last training checkpoint, saved every
// --checkpoint-every under --checkpoints, with the numbers of an
// uninterrupted run); teachers trains a sweep's teachers into the
// shared cache ahead of the runs; merge combines the shards' result files into
// results.jsonl and results.csv; table aggregates a sweep over seeds with
// paired significance tests against a baseline. The results ledger
// (results/, committed) holds one record per finished run: run --ledger
// records into it and skips what it holds, status lists what a spec still
// lacks, record imports a sweep's stored runs, claims evaluates the claims
// file (or the claims a sweep's spec carries) against it, and report
// regenerates (or, with --check, checks) the generated blocks of the
// documents (README.md and docs/*.md by default) and fails when a
// document states a result number by hand outside them. template
// instantiates a template of kdlib/exp — the dissertation on a data set
// of one's own — as a spec file with its claims (docs/own-data.md). See
// docs/experiments.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/report"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  kdsweep run [--shard i/N] [--quick | --budget name] [--out dir] [--cache dir] [--data dir] [--keep-going] [--ledger results]
              [--checkpoints dir] [--checkpoint-every 10m] [--deadline 2h30m|time] spec.json|builtin-name
  kdsweep teachers [--shard i/N] [--quick | --budget name] [--out dir] [--cache dir] [--data dir]
                   [--checkpoints dir] [--checkpoint-every 10m] spec.json|builtin-name
  kdsweep merge [--out dir] [--require-complete]
  kdsweep table [--out dir] [--sweep key] [--baseline label] [--metrics m1,m2] [--source best|final]
                [--format text|md|html|latex|csv] [--kind table|curves|param] [--x path] [--part valid|test] [--signif]
  kdsweep list [--quick | --budget name] [--out dir] [--shards N] [spec.json|builtin-name]
  kdsweep spec [--quick | --budget name] builtin-name
  kdsweep template [--dataset name | --files a.csv[,b.csv] [--name n] [--cols user,item,time] [--min-rating r] [--kcore k] …]
                   [--split loo|llo|ratio-60-20-20|ratio-80-10-10] [--candidates n] [--seeds 0,1,2] [--methods de,rrd|all]
                   [--claim-metrics m1,m2] [--quick | --budget name] [-o spec.json] [template]
  kdsweep status [--ledger results] [--quick | --budget name] spec.json|builtin-name
  kdsweep record [--ledger results] [--out dir]
  kdsweep claims [--ledger results] [--claims results/claims.json | --sweep key] [--format text|md] [--width N]
  kdsweep report [--ledger results] [--claims results/claims.json] [--root .] [--check] [doc.md ...]
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, args := args[0], args[1:]
	var err error
	switch cmd {
	case "run":
		err = cmdRun(args, stdout, stderr)
	case "teachers":
		err = cmdTeachers(args, stdout, stderr)
	case "merge":
		err = cmdMerge(args, stdout, stderr)
	case "table":
		err = cmdTable(args, stdout, stderr)
	case "list":
		err = cmdList(args, stdout, stderr)
	case "spec":
		err = cmdSpec(args, stdout, stderr)
	case "template":
		err = cmdTemplate(args, stdout, stderr)
	case "status":
		err = cmdStatus(args, stdout, stderr)
	case "record":
		err = cmdRecord(args, stdout, stderr)
	case "claims":
		err = cmdClaims(args, stdout, stderr)
	case "report":
		err = cmdReport(args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "kdsweep: unknown command %q\n%s", cmd, usage)
		return 2
	}
	var ue usageError
	var help helpRequest
	switch {
	case err == nil:
		return 0
	case errors.As(err, &help):
		for _, line := range strings.Split(usage, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "kdsweep "+cmd+" ") {
				fmt.Fprintf(stdout, "usage:\n%s\n", line)
			}
		}
		fmt.Fprintf(stdout, "\nflags of kdsweep %s:\n", cmd)
		help.fs.SetOutput(stdout)
		help.fs.PrintDefaults()
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "kdsweep %s: %v\n%s", cmd, err, usage)
		return 2
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "kdsweep %s: interrupted; run the same command again to resume\n", cmd)
		return 130
	default:
		fmt.Fprintf(stderr, "kdsweep %s: %v\n", cmd, err)
		return 1
	}
}

type usageError struct{ error }

// helpRequest is the "error" of -h or --help: run prints the command's
// flags and exits 0.
type helpRequest struct{ fs *flag.FlagSet }

func (helpRequest) Error() string { return "help requested" }

// parse parses flags that may come before or after the positional
// arguments, and returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, helpRequest{fs}
			}
			return nil, usageError{err}
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// budgetFlags adds --quick and --budget and returns the chosen budget.
func budgetFlags(fs *flag.FlagSet) func() string {
	quick := fs.Bool("quick", false, "use the quick (CI) budget")
	budget := fs.String("budget", "", "named budget (full, quick, …)")
	return func() string {
		if *quick && *budget == "" {
			return "quick"
		}
		return *budget
	}
}

// loadSpec reads a spec file (an argument ending in .json or naming an
// existing file) or a built-in spec, with the named budget.
func loadSpec(arg, budget string) (*exp.Spec, error) {
	if strings.HasSuffix(arg, ".json") || fileExists(arg) {
		s, err := exp.LoadSpec(arg)
		if err != nil {
			return nil, err
		}
		return s.WithBudget(budget)
	}
	return exp.BuiltinSpec(arg, budget)
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

// runFlags are the flags shared by run and teachers.
type runFlags struct {
	out, shard, cache, data, checkpoints *string
	checkpointEvery                      *time.Duration
	quiet                                *bool
	budget                               func() string
}

func addRunFlags(fs *flag.FlagSet) *runFlags {
	return &runFlags{
		out:         fs.String("out", "kdsweep-out", "output directory (results, manifests)"),
		shard:       fs.String("shard", "", "run the i-th of N disjoint slices: i/N (hash:i/N assigns by run hash)"),
		cache:       fs.String("cache", "", "artefact cache (teachers, lists); default $KDREC_CACHE, else <out>/cache"),
		data:        fs.String("data", "", "data directory of non-embedded data sets; default $KDREC_DATASETS"),
		quiet:       fs.Bool("q", false, "quiet: no training progress"),
		checkpoints: fs.String("checkpoints", "", "directory of mid-run training checkpoints, from which a restarted run resumes; default <out>/checkpoints"),
		checkpointEvery: fs.Duration("checkpoint-every", defaultCheckpointEvery,
			"least wall time between two checkpoints of a run (the last epoch is always saved); 0 keeps no checkpoints"),
		budget: budgetFlags(fs),
	}
}

// defaultCheckpointEvery is the default of --checkpoint-every: a run killed
// at the end of a session loses at most this much training (plus an
// epoch), for a checkpoint write every ten minutes (73 MB for CiteULike's
// d = 200 BPR teacher, 97 MB with restore-best's snapshot; a save costs
// about half an epoch of that teacher, BenchmarkBPREpochD200Checkpoint).
const defaultCheckpointEvery = 10 * time.Minute

// setup parses the shard, loads the spec and builds the Env.
func (f *runFlags) setup(pos []string, stderr io.Writer) (exp.Shard, *exp.Spec, *exp.Env, error) {
	if len(pos) != 1 {
		return exp.Shard{}, nil, nil, usageError{errors.New("want one spec file or built-in name")}
	}
	shard, err := exp.ParseShard(*f.shard)
	if err != nil {
		return exp.Shard{}, nil, nil, usageError{err}
	}
	spec, err := loadSpec(pos[0], f.budget())
	if err != nil {
		return exp.Shard{}, nil, nil, err
	}
	cache := *f.cache
	if cache == "" {
		cache = os.Getenv("KDREC_CACHE")
	}
	if cache == "" {
		cache = filepath.Join(*f.out, "cache")
	}
	var log io.Writer = stderr
	if *f.quiet {
		log = nil
	}
	env, err := exp.NewEnv(cache, log)
	if err != nil {
		return exp.Shard{}, nil, nil, err
	}
	env.DataDir = *f.data
	if *f.checkpointEvery < 0 {
		return exp.Shard{}, nil, nil, usageError{fmt.Errorf("--checkpoint-every must be >= 0, got %v", *f.checkpointEvery)}
	}
	if *f.checkpointEvery > 0 {
		env.CheckpointDir, env.CheckpointEvery = *f.checkpoints, *f.checkpointEvery
		if env.CheckpointDir == "" {
			env.CheckpointDir = filepath.Join(*f.out, "checkpoints")
		}
	}
	return shard, spec, env, nil
}

func cmdRun(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	f := addRunFlags(fs)
	keepGoing := fs.Bool("keep-going", false, "run what can run; skip runs needing unavailable methods; continue after failures")
	keepModels := fs.Bool("keep-models", false, "also cache the students of runs without distillation")
	ledgerDir := fs.String("ledger", "", "results ledger to record every finished run in (and to skip the runs it holds), e.g. results")
	deadlineArg := fs.String("deadline", "", "when this process should be done (RFC 3339 time, or a duration from now such as 2h30m): runs the ledger expects to end later are deferred, not started (needs --ledger)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	deadline, err := parseDeadline(*deadlineArg, time.Now())
	if err != nil {
		return usageError{err}
	}
	if !deadline.IsZero() && *ledgerDir == "" {
		return usageError{errors.New("--deadline needs --ledger: the estimates come from the ledger's records")}
	}
	if !deadline.IsZero() && !deadline.After(time.Now()) {
		fmt.Fprintf(stderr, "kdsweep run: warning: --deadline %s is past: every run with an estimate is deferred\n", deadline.Format(time.RFC3339))
	}
	shard, spec, env, err := f.setup(pos, stderr)
	if err != nil {
		return err
	}
	env.KeepModels = *keepModels
	var ledger *exp.Ledger
	if *ledgerDir != "" {
		if ledger, err = exp.OpenLedger(*ledgerDir); err != nil {
			return err
		}
	}
	o := exp.SweepOptions{Out: *f.out, Shard: shard, Env: env, Log: stderr, KeepGoing: *keepGoing, Ledger: ledger, Deadline: deadline}
	if !deadline.IsZero() {
		if o.Estimate, err = exp.LedgerEstimates(ledger, spec.SweepKey()); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := exp.RunSweep(ctx, spec, o)
	if rep != nil {
		fmt.Fprintln(stdout, rep)
		for _, p := range rep.Problems {
			fmt.Fprintln(stderr, "damaged result line:", p.Error())
		}
	}
	return err
}

// parseDeadline reads --deadline: "" (none), an RFC 3339 time, or a
// positive duration from now.
func parseDeadline(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return time.Time{}, fmt.Errorf("--deadline %q: want an RFC 3339 time (2026-12-07T14:50:00Z) or a positive duration from now (2h30m)", s)
	}
	return now.Add(d), nil
}

func cmdTeachers(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("teachers", flag.ContinueOnError)
	f := addRunFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	shard, spec, env, err := f.setup(pos, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	n, err := exp.PrepareTeachers(ctx, spec, shard, env)
	fmt.Fprintf(stdout, "teachers of %s, shard %s: %d ready in %s\n", spec.SweepKey(), shard, n, env.Cache.Dir)
	return err
}

func cmdMerge(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	out := fs.String("out", "kdsweep-out", "output directory")
	complete := fs.Bool("require-complete", false, "fail if a sweep has runs without results")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageError{errors.New("merge takes no arguments")}
	}
	rep, err := exp.MergeResults(*out)
	if rep != nil {
		for _, p := range rep.Problems {
			fmt.Fprintln(stderr, "damaged result line:", p.Error())
		}
		fmt.Fprintf(stdout, "merged %d runs from %d files into %s and %s", rep.Records, len(rep.Files), rep.JSONL, rep.CSV)
		if rep.Duplicates > 0 {
			fmt.Fprintf(stdout, " (%d duplicate records)", rep.Duplicates)
		}
		fmt.Fprintln(stdout)
		missing := 0
		for sweep, runs := range rep.Missing {
			missing += len(runs)
			fmt.Fprintf(stderr, "sweep %s: %d runs have no result yet (first: %s %s)\n", sweep, len(runs), runs[0].ID, runs[0].Name())
		}
		if err == nil && *complete && missing > 0 {
			err = fmt.Errorf("%d runs have no result", missing)
		}
	}
	return err
}

func cmdTable(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("table", flag.ContinueOnError)
	out := fs.String("out", "kdsweep-out", "output directory")
	sweep := fs.String("sweep", "", "sweep key (name or name@budget); default: the only one")
	baseline := fs.String("baseline", "", "label of the baseline row for paired tests (default: the spec's)")
	metrics := fs.String("metrics", "", "comma-separated metrics (default: the spec's)")
	source := fs.String("source", exp.SourceBest, "best (test at the best validation epoch per cut-off) or final (restored model)")
	format := fs.String("format", "text", "text, md, html, latex or csv")
	kind := fs.String("kind", "", "table, curves or param (default: the spec's report kind)")
	x := fs.String("x", "", "grid path of a param table (default: the spec's)")
	part := fs.String("part", "", "valid or test, for curves (default: the spec's)")
	alpha := fs.Float64("alpha", 0.05, "significance level of the markers")
	signif := fs.Bool("signif", false, "also print the per-seed and over-seed p-values")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageError{errors.New("table takes no arguments (use --sweep)")}
	}
	sr, err := exp.LoadSweep(*out, *sweep)
	if err != nil {
		return err
	}
	for _, p := range sr.Problems {
		fmt.Fprintln(stderr, "damaged result line (not used):", p.Error())
	}
	var rs exp.ReportSpec
	if sr.Spec != nil {
		rs = sr.Spec.Report
	}
	if *kind != "" {
		rs.Kind = *kind
	}
	if *metrics != "" {
		rs.Metrics = strings.Split(*metrics, ",")
	}
	if *x != "" {
		rs.X = *x
	}
	if *part != "" {
		rs.Part = *part
	}
	if *baseline != "" {
		rs.Baseline = *baseline
	}
	if n := len(sr.Missing()); n > 0 {
		fmt.Fprintf(stderr, "%d of %d runs of %s have no result yet\n", n, len(sr.Entries), sr.Sweep)
	}
	if err := sr.CheckMetrics(rs.Metrics); err != nil {
		return err
	}
	switch rs.Kind {
	case "", exp.ReportTable:
		sum, err := exp.Aggregate(sr, exp.TableOptions{Metrics: rs.Metrics, Baseline: rs.Baseline, Source: *source, Alpha: *alpha})
		if err != nil {
			return err
		}
		switch *format {
		case "md", "markdown":
			fmt.Fprint(stdout, sum.Markdown())
		case "latex", "tex":
			fmt.Fprint(stdout, sum.LaTeX())
		default:
			if err := render(stdout, sum.Table(), *format); err != nil {
				return err
			}
		}
		if *signif && sum.Baseline != "" {
			fmt.Fprintln(stdout)
			return render(stdout, sum.SignificanceTable(), *format)
		}
		return nil
	case exp.ReportCurves:
		m := "Recall@50"
		if len(rs.Metrics) > 0 {
			m = rs.Metrics[0]
		}
		return render(stdout, exp.CurveTable(sr, m, rs.Part), *format)
	case exp.ReportParam:
		if rs.X == "" {
			return usageError{errors.New("a param table needs --x path")}
		}
		ms := rs.Metrics
		if len(ms) == 0 {
			ms = []string{"HR@5"}
		}
		for k, m := range ms {
			if k > 0 {
				fmt.Fprintln(stdout)
			}
			if err := render(stdout, exp.ParamTable(sr, rs.X, m, *source), *format); err != nil {
				return err
			}
		}
		return nil
	}
	return usageError{fmt.Errorf("unknown table kind %q", rs.Kind)}
}

// render writes a report table in the given format.
func render(w io.Writer, t *report.Table, format string) error {
	switch format {
	case "text", "":
		return t.WriteText(w)
	case "csv":
		return t.WriteCSV(w)
	case "md", "markdown":
		_, err := io.WriteString(w, t.Markdown())
		return err
	case "html":
		_, err := io.WriteString(w, t.HTML()+"\n")
		return err
	case "latex", "tex":
		_, err := io.WriteString(w, t.LaTeX())
		return err
	}
	return usageError{fmt.Errorf("unknown format %q (text, md, html, latex, csv)", format)}
}

func cmdList(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	out := fs.String("out", "", "output directory: mark the runs already stored")
	shards := fs.Int("shards", 1, "show the shard of each run for N shards")
	byHash := fs.Bool("by-hash", false, "shard assignment by run hash")
	budget := budgetFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fmt.Fprintf(stdout, "%-20s %-10s %s\n", "NAME", "STATUS", "TITLE")
		for _, b := range exp.Builtins() {
			s, err := exp.BuiltinSpec(b.Name, budget())
			if err != nil {
				return err
			}
			runs, err := s.Expand()
			if err != nil {
				return err
			}
			missing, err := s.Unavailable()
			if err != nil {
				return err
			}
			status := fmt.Sprintf("ready(%d)", len(runs))
			if len(missing) > 0 {
				status = "needs:"
			}
			fmt.Fprintf(stdout, "%-20s %-10s %s [%s]\n", b.Name, status, b.Title, b.Source)
			for _, m := range missing {
				fmt.Fprintf(stdout, "%-20s %-10s   %s\n", "", "", m)
			}
		}
		fmt.Fprintf(stdout, "\nregistered runners: %s\n", strings.Join(exp.Runners(), ", "))
		return nil
	}
	if len(pos) != 1 {
		return usageError{errors.New("list takes at most one spec")}
	}
	s, err := loadSpec(pos[0], budget())
	if err != nil {
		return err
	}
	runs, err := s.Expand()
	if err != nil {
		return err
	}
	var rs *exp.ResultSet
	if *out != "" {
		if rs, err = exp.LoadResults(*out); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "sweep %s: %d runs\n", s.SweepKey(), len(runs))
	for k := range runs {
		r := &runs[k]
		shard := 0
		for i := 0; i < *shards; i++ {
			if (exp.Shard{Index: i, Count: *shards, ByHash: *byHash}).Owns(r) {
				shard = i
			}
		}
		status := ""
		if err := r.Check(); err != nil {
			status = "unavailable"
		}
		if rs != nil && rs.Get(r.ID) != nil {
			status = "stored"
		}
		fmt.Fprintf(stdout, "%4d %s shard %d %-11s %s\n", r.Index, r.ID, shard, status, r.Name())
	}
	return nil
}

func cmdSpec(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("spec", flag.ContinueOnError)
	budget := budgetFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{errors.New("want one built-in name or spec file")}
	}
	s, err := loadSpec(pos[0], budget())
	if err != nil {
		return err
	}
	b, err := s.JSON()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", b)
	return err
}

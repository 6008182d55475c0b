package repl

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/report"
)

// dissertationTemplate is the template the dissertation command
// instantiates.
const dissertationTemplate = "dissertation"

// dissertationCommand is `dissertation [<dataset>]`: kdlib/exp's template
// "dissertation" instantiated on a data set (exp.InstantiateTemplate), run
// and judged by exp.RunClaims, the tables printed. The shell only turns
// options into TemplateOptions and prints.
func dissertationCommand() *Command {
	return &Command{
		Name: "dissertation",
		Args: []Arg{{Name: "dataset", Optional: true, Complete: func(sh *Shell, _ []string, _ string) []string {
			return append(sh.ws.DatasetNames(), completeDatasetNames(nil, nil, "")...)
		}}},
		Summary: "run the dissertation on a data set: the teacher and every student method, the table and the claims with p-values",
		Help: "Instantiates kdlib/exp's template dissertation on the data set — a data set of the workspace (default: the current " +
			"one, e.g. files loaded with load path=…) or a registered one — and runs it through exp.RunSweep: a BPR teacher " +
			"(d=200), a BPR student (d=20) and the student with each distillation method of the dissertation at its registry " +
			"defaults (hint regression, DE, FTD, HTD, RD, CD, DCD, RRD, IR-RRD, DE-RRD; PHR, slow, with methods=all), each seed " +
			"with its own teacher. It prints the table (mean ± sd over seeds, paired tests against the student) and the " +
			"dissertation's comparative claims judged on this data set: the two means, their difference, the paired t-test " +
			"over users of every seed and the verdict (holds needs a higher mean and p < 0.05 in every seed). The split is " +
			"leave-last-out when the files have a time column, else leave-one-out, both with 499 sampled candidates (split=, " +
			"candidates=). Budgets: smoke (1 epoch, to try the pipeline), quick (up to 50 epochs, patience 5, a first look), " +
			"full (the dissertation's: up to 1000 epochs, patience 20). Each data set, split, seed list and method list has " +
			"its own sweep, dissertation-<dataset>-<hash>. Results go to out=; record=<ledger> also records every run in a " +
			"results ledger, and the same command again skips the runs already stored (Ctrl-C, then again, resumes).",
		Examples: []string{"dissertation budget=smoke", "dissertation mine budget=quick record=ledger",
			"dissertation ml-100k budget=full data=~/datasets record=ledger", "dissertation methods=de,rrd seeds=0,1,2,3,4"},
		Options: func(sh *Shell, args []string) ([]Option, error) {
			budgets, methods := []string{"full", "quick", "smoke"}, []string{"all"}
			for _, ti := range exp.Templates() {
				if ti.Name == dissertationTemplate {
					budgets = ti.Budgets
					for _, m := range ti.Methods {
						methods = append(methods, strings.ToLower(m))
					}
				}
			}
			return []Option{
				EnumOpt("budget", "quick", budgets, "smoke (1 epoch), quick (a first look) or full (the dissertation's schedule)"),
				EnumOpt("split", "auto", []string{"auto", exp.SplitLOO, exp.SplitLLO, exp.SplitRatio602020, exp.SplitRatio801010},
					"auto: llo when the files have times, else loo; the ratio splits are evaluated by full ranking"),
				IntOpt("candidates", 0, 0, 1<<20, "sampled candidates per user of loo and llo (0: 499)"),
				StringOpt("seeds", "", nil, "comma-separated seeds (default: 0,1,2); each seed trains its own teacher"),
				ListOpt("methods", methods, "the methods to run besides the teacher and the student (default: all but PHR; all: every one)"),
				ListOpt("claim-metrics", append(exp.ProtocolMetrics(exp.LOO), exp.ProtocolMetrics(exp.Full)...),
					"the metrics the claims are made on (default: NDCG@5, or Recall@50 for a ratio split)"),
				StringOpt("out", "kdrepl-sweeps", completeFiles, "output directory of the results store"),
				StringOpt("cache", "", completeFiles, "artefact cache of teachers and lists (default $KDREC_CACHE, else <out>/cache)"),
				StringOpt("data", "", completeFiles, "directory of a registered data set that is not embedded (default $"+datasets.EnvDir+")"),
				StringOpt("record", "", completeFiles, "results ledger to record every finished run in (and whose runs are skipped), e.g. ledger"),
				BoolOpt("keep-going", true, "run the other methods when one fails (a data set too small for its defaults), and report it"),
			}, nil
		},
		Run: runDissertation,
	}
}

func runDissertation(ctx context.Context, sh *Shell, c *Call) error {
	name := ""
	if len(c.Args) > 0 {
		name = c.Args[0]
	}
	ds, err := sh.templateDataset(name)
	if err != nil {
		return err
	}
	if ds.Files != nil && c.Opts.String("data") != "" {
		return fmt.Errorf("data= locates registered data sets; %s is files of your own, read from their paths", ds.Name)
	}
	o := exp.TemplateOptions{Dataset: ds, Budget: c.Opts.String("budget"), Methods: c.Opts.List("methods"),
		ClaimMetrics: c.Opts.List("claim-metrics")}
	if k := c.Opts.String("split"); k != "auto" {
		o.Split.Kind = k
	}
	o.Split.Candidates = c.Opts.Int("candidates")
	if s := c.Opts.String("seeds"); s != "" {
		for _, f := range strings.Split(s, ",") {
			v, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
			if err != nil {
				return fmt.Errorf("seeds=%s: %q is not a seed; want non-negative integers separated by commas", s, f)
			}
			if slices.Contains(o.Seeds, v) {
				return fmt.Errorf("seeds=%s: seed %d is listed twice", s, v)
			}
			o.Seeds = append(o.Seeds, v)
		}
	}
	spec, err := exp.InstantiateTemplate(dissertationTemplate, o)
	if err != nil {
		return err
	}
	out, env, ledger, err := sh.sweepEnv(c)
	if err != nil {
		return err
	}
	var rows, left []string
	for _, v := range spec.Variants {
		rows = append(rows, v.Label)
	}
	for _, ti := range exp.Templates() {
		for _, l := range ti.Optional {
			if ti.Name == dissertationTemplate && !slices.Contains(rows, l) {
				left = append(left, l)
			}
		}
	}
	split := spec.Split.Kind
	if spec.Protocol == exp.LOO {
		n := spec.Split.Candidates
		if n == 0 {
			n = 499
		}
		split += fmt.Sprintf(" with %d sampled candidates", n)
	} else {
		split += ", full ranking"
	}
	budget := spec.BudgetName
	if budget == "" {
		budget = "full"
	}
	epochs := fmt.Sprintf("up to %d epochs", spec.Budget.Epochs)
	if spec.Budget.Epochs == 1 {
		epochs = "1 epoch"
	}
	if p := spec.Budget.Patience; p > 0 {
		epochs += fmt.Sprintf(", patience %d", p)
	}
	var seeds []string
	for _, x := range spec.Seeds {
		seeds = append(seeds, strconv.FormatUint(x, 10))
	}
	sh.printf("dissertation on %s: sweep %s\n", ds.Name, spec.SweepKey())
	sh.printIndented("  ", fmt.Sprintf("split %s; %s budget: %s; seeds %s", split, budget, epochs, strings.Join(seeds, ", ")))
	line := "rows: " + strings.Join(rows, ", ")
	if len(left) > 0 {
		line += fmt.Sprintf(" (%s left out: methods=all runs it)", strings.Join(left, ", "))
	}
	sh.printIndented("  ", line)
	log, _ := sh.progress()
	done := 0
	res, err := exp.RunClaims(ctx, spec, exp.SweepOptions{Out: out, Env: env, Ledger: ledger, KeepGoing: c.Opts.Bool("keep-going"),
		OnRun: sweepProgress(spec.SweepKey(), "dissertation", log, &done)})
	if res != nil && res.Sweep != nil {
		sh.printf("%s\n", res.Sweep)
		for _, f := range res.Sweep.Failed {
			sh.printf("failed: %s: %s\n", f.Run.Name(), sh.relative(oneLine(f.Err.Error())))
		}
	}
	if ctx.Err() != nil {
		return &Interrupted{Msg: fmt.Sprintf("dissertation %s: interrupted after %d finished runs; they are stored in %s, run the same command again to resume",
			spec.SweepKey(), done, c.Opts.String("out"))}
	}
	if res != nil && res.Summary != nil {
		sh.printf("\n")
		sh.printTable(res.Summary.Table())
	}
	if res != nil && res.Claims != nil {
		sh.printf("\n")
		sh.printTable(exp.ClaimsTestTable(res.Claims))
		n := exp.CountVerdicts(res.Claims)
		sh.printf("%d claims on %s: %d hold, %d fail, %d without evidence (holds: a higher mean and p < 0.05 in every seed)\n",
			len(res.Claims), ds.Name, n[exp.Holds], n[exp.Fails], n[exp.NoEvidence])
		if ledger != nil {
			sh.printf("recorded in %s; kdsweep claims --ledger %s --sweep %s judges the claims again\n",
				c.Opts.String("record"), c.Opts.String("record"), spec.SweepKey())
		}
	}
	return err
}

// printIndented prints text indented, wrapped at spaces to the width
// setting (continuation lines indented twice as far).
func (sh *Shell) printIndented(indent, text string) {
	w := sh.width()
	if w > 0 {
		w = max(w-2*len(indent), 20)
	}
	for k, l := range report.WrapText(text, w) {
		if k > 0 {
			sh.printf("%s", indent)
		}
		sh.printf("%s%s\n", indent, l)
	}
}

// templateDataset returns the data set of a template run: a workspace data
// set by name (default: the current one) as it was loaded — files of one's
// own by the paths written (relative to the shell's directory), a
// registered data set by its name — or a registered data set by name.
func (sh *Shell) templateDataset(name string) (exp.DatasetSpec, error) {
	if name == "" {
		name = sh.ws.Dataset
		if name == "" {
			return exp.DatasetSpec{}, fmt.Errorf("no data set: load one (load path=<file> or load <dataset>) or name a registered one (dissertation <dataset>)")
		}
	}
	x, ok := sh.ws.Get(name)
	e, isData := x.(*DatasetEntry)
	switch {
	case !ok:
		return exp.DatasetSpec{Name: name}, nil // a registered name, checked by the template
	case !isData:
		return exp.DatasetSpec{}, fmt.Errorf("%s is not a data set", name)
	case e.Files != nil:
		f := *e.Files
		if f.Format == "csv" {
			f.Format = "" // the default, as a spec written by hand or by kdsweep template says it: the same runs
		}
		f.Paths = slices.Clone(f.Paths)
		for k, p := range f.Paths {
			if sh.dir != "" {
				if r, err := filepath.Rel(sh.dir, p); err == nil && !strings.HasPrefix(r, "..") {
					f.Paths[k] = r
				}
			}
		}
		return exp.DatasetSpec{Name: e.Name, Dir: sh.dir, Files: &f}, nil
	case e.altered != "":
		return exp.DatasetSpec{}, fmt.Errorf("%s was loaded with %s, which a sweep's data set cannot state: load %s without it, or write a spec (kdsweep template)", name, e.altered, e.Source)
	default:
		return exp.DatasetSpec{Name: e.Source, Dir: e.dir}, nil
	}
}

package main

// The template command: a built-in template of kdlib/exp (the dissertation
// on a data set of one's own) instantiated and written as a spec file that
// run, status and table take, its claims inside it (claims --sweep judges
// them).

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/model"
)

func cmdTemplate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("template", flag.ContinueOnError)
	dataset := fs.String("dataset", "", "a registered data set (citeulike-t, ml-100k, …)")
	files := fs.String("files", "", "interaction files of your own, comma-separated (relative paths resolve against run's --data, else the working directory)")
	name := fs.String("name", "", "the name of the data set of --files (default: the first file's stem)")
	cols := fs.String("cols", "", "the columns of --files: user,item[,rating|weight|count][,time|timestamp], - to skip one")
	format := fs.String("format", "", "the format of --files: csv (default), movielens, adjacency, users.dat")
	sep := fs.String("sep", "", "the field separator of --files (default: detected)")
	header := fs.String("header", "", "whether --files start with a header line: yes or no (default: detected)")
	minRating := fs.String("min-rating", "", "keep the records of --files whose rating is at least this")
	kcore := fs.Int("kcore", 0, "keep the k-core of --files")
	split := fs.String("split", "", "loo, llo, ratio-60-20-20 or ratio-80-10-10 (default: llo when --cols has a time column, else loo)")
	candidates := fs.Int("candidates", 0, "sampled candidates per user of loo and llo (default 499)")
	seeds := fs.String("seeds", "", "comma-separated seeds (default: the template's)")
	methods := fs.String("methods", "", "comma-separated methods to run besides the teacher and the student (default: all but the optional ones; all)")
	claimMetrics := fs.String("claim-metrics", "", "comma-separated metrics of the claims (default: the template's)")
	sweepName := fs.String("sweep", "", "the sweep's name (default: <template>-<data set>-<hash>)")
	outFile := fs.String("o", "", "write the spec to this file (default: standard output)")
	budget := budgetFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageError{errors.New("want at most one template name")}
	}
	if len(pos) == 0 && *dataset == "" && *files == "" {
		fmt.Fprintln(stdout, "templates (kdsweep template --dataset <name> | --files <paths> [flags] <template>):")
		for _, t := range exp.Templates() {
			fmt.Fprintf(stdout, "  %s: %s [%s]\n    rows: %s; optional: %s; budgets: %s\n", t.Name, t.Title, t.Source,
				strings.Join(t.Rows, ", "), strings.Join(t.Optional, ", "), strings.Join(t.Budgets, ", "))
		}
		return nil
	}
	tmpl := "dissertation"
	if len(pos) == 1 {
		tmpl = pos[0]
	}
	var o exp.TemplateOptions
	switch {
	case *dataset != "" && *files != "":
		return usageError{errors.New("give --dataset or --files, not both")}
	case *files != "":
		f := datasets.Files{Paths: strings.Split(*files, ","), Format: *format, Delimiter: *sep, KCore: *kcore}
		if *cols != "" {
			if f.Columns, err = data.ParseColumns(*cols); err != nil {
				return fmt.Errorf("--cols %s: %w", *cols, err)
			}
		}
		switch *header {
		case "":
		case "yes", "no":
			h := *header == "yes"
			f.Header = &h
		default:
			return usageError{fmt.Errorf("--header %q: want yes or no", *header)}
		}
		if *minRating != "" {
			r, err := strconv.ParseFloat(*minRating, 64)
			if err != nil {
				return usageError{fmt.Errorf("--min-rating %q: want a number", *minRating)}
			}
			f.MinRating = &r
		}
		n := *name
		if n == "" {
			base := filepath.Base(f.Paths[0])
			n = strings.TrimSuffix(base, filepath.Ext(base))
		}
		o.Dataset = exp.DatasetSpec{Name: n, Files: &f}
	default:
		for _, flagName := range []string{"name", "cols", "format", "sep", "header", "min-rating", "kcore"} {
			if fs.Lookup(flagName).Value.String() != fs.Lookup(flagName).DefValue {
				return usageError{fmt.Errorf("--%s applies to --files", flagName)}
			}
		}
		o.Dataset = exp.DatasetSpec{Name: *dataset}
	}
	o.Split = exp.SplitSpec{Kind: *split, Candidates: *candidates}
	o.Budget, o.Name = budget(), *sweepName
	if *seeds != "" {
		for _, s := range strings.Split(*seeds, ",") {
			v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
			if err != nil {
				return usageError{fmt.Errorf("--seeds %s: %q is not a seed", *seeds, s)}
			}
			o.Seeds = append(o.Seeds, v)
		}
	}
	if *methods != "" {
		o.Methods = strings.Split(*methods, ",")
	}
	if *claimMetrics != "" {
		o.ClaimMetrics = strings.Split(*claimMetrics, ",")
	}
	spec, err := exp.InstantiateTemplate(tmpl, o)
	if err != nil {
		return err
	}
	b, err := spec.JSON()
	if err != nil {
		return err
	}
	b = append(b, '\n')
	runs, err := spec.Expand()
	if err != nil {
		return err
	}
	file := "<spec.json>"
	if *outFile != "" {
		if err := model.WriteFileAtomic(*outFile, b); err != nil {
			return err
		}
		file = *outFile
	} else if _, err := stdout.Write(b); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "sweep %s: %d runs, %d claims; kdsweep run --ledger <dir> %s runs them (--budget to choose another), kdsweep claims --ledger <dir> --sweep %s judges the claims\n",
		spec.SweepKey(), len(runs), len(spec.Claims), file, spec.SweepKey())
	if *outFile != "" {
		fmt.Fprintf(stdout, "wrote %s\n", *outFile)
	}
	return nil
}

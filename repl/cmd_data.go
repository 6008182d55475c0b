package repl

import (
	"context"
	"fmt"

	"github.com/kdrec/kdrec/datasets"
)

func runLoad(ctx context.Context, sh *Shell, c *Call) error {
	source := c.Args[0]
	name := c.Opts.String("as")
	if name == "" {
		name = source
	}
	if err := sh.ws.canPut(name, &DatasetEntry{}); err != nil {
		return err
	}
	var opts []datasets.Option
	if c.Opts.Bool("raw") {
		opts = append(opts, datasets.Raw())
	}
	if c.Opts.Has("min-rating") {
		opts = append(opts, datasets.MinRating(c.Opts.Float("min-rating")))
	}
	if d := c.Opts.String("dir"); d != "" {
		opts = append(opts, datasets.Dir(sh.path(d)))
	}
	x, err := sh.loadDataset(source, opts...)
	if err != nil {
		return err
	}
	replaced, err := sh.ws.put(name, &DatasetEntry{Name: name, Source: source, X: x})
	if err != nil {
		return err
	}
	sh.ws.Dataset = name
	sh.printf("%s: %s%s\n", name, x.Stats(), replacedNote(replaced))
	sh.printWarnings(x.Warnings)
	return nil
}

// printWarnings shows what a reader noticed in a file without refusing it.
func (sh *Shell) printWarnings(ws []string) {
	for _, w := range ws {
		sh.printf("warning: %s\n", w)
	}
}

// replacedNote is appended to a message when an object was replaced.
func replacedNote(replaced bool) string {
	if replaced {
		return " (replaced)"
	}
	return ""
}

func runSplit(ctx context.Context, sh *Shell, c *Call) error {
	method := c.Args[0]
	spec, err := sh.reg.Split(method)
	if err != nil {
		return err
	}
	name := c.Opts.String("as")
	if name == "" {
		name = method
	}
	if err := sh.ws.canPut(name, &SplitEntry{}); err != nil {
		return err
	}
	env := SplitEnv{Seed: c.Opts.Uint("seed"), Path: sh.path}
	if of := c.Opts.String("of"); of != "" {
		d, err := sh.ws.DatasetByName(of)
		if err != nil {
			return err
		}
		env.Dataset, env.Source, env.X = d.Name, d.Source, d.X
	} else if !spec.NoData {
		return fmt.Errorf("no data set loaded: load one first (load citeulike-t) or pass of=<dataset>")
	}
	s, err := spec.New(env, c.Opts)
	if err != nil {
		return err
	}
	replaced, err := sh.ws.put(name, &SplitEntry{Name: name, Method: method, Dataset: env.Dataset, S: s})
	if err != nil {
		return err
	}
	sh.ws.Split = name
	valid, test := s.NumHeldOut()
	of := ""
	if env.Dataset != "" {
		of = " of " + env.Dataset
	}
	cand := ""
	if s.Candidates != nil {
		n := 0
		for _, cs := range s.Candidates {
			n = max(n, len(cs))
		}
		cand = fmt.Sprintf(", %d candidates per user", n)
	}
	sh.printf("%s: %s%s: %d users × %d items; train %d, valid %d, test %d interactions%s%s\n",
		name, s.Name, of, s.NumUsers(), s.NumItems(), s.Train.NNZ(), valid, test, cand, replacedNote(replaced))
	sh.printWarnings(s.Warnings)
	return nil
}

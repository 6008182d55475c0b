package repl

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/exp"
)

func runLoad(ctx context.Context, sh *Shell, c *Call) error {
	if c.Opts.Given("path") {
		return runLoadFiles(ctx, sh, c)
	}
	if len(c.Args) == 0 {
		return fmt.Errorf("load what? want load <dataset> (list datasets shows them) or load path=<file>[,<file>…] for files of your own")
	}
	for _, o := range []string{"cols", "format", "sep", "header", "kcore", "name"} {
		if c.Opts.Given(o) {
			return fmt.Errorf("%s= applies to files loaded by path (load path=<file> %s=…), not to the registered data set %s", o, o, c.Args[0])
		}
	}
	source := c.Args[0]
	name := c.Opts.String("as")
	if name == "" {
		name = source
	}
	if err := sh.ws.canPut(name, &DatasetEntry{}); err != nil {
		return err
	}
	var opts []datasets.Option
	var altered []string
	if c.Opts.Bool("raw") {
		opts = append(opts, datasets.Raw())
		altered = append(altered, "raw="+c.Opts.Raw("raw"))
	}
	if c.Opts.Has("min-rating") {
		opts = append(opts, datasets.MinRating(c.Opts.Float("min-rating")))
		altered = append(altered, "min-rating="+c.Opts.Raw("min-rating"))
	}
	dir := ""
	if d := c.Opts.String("dir"); d != "" {
		dir = sh.path(d)
		opts = append(opts, datasets.Dir(dir))
	}
	load := sh.loadDataset
	if load == nil {
		load = datasets.Load
	}
	x, err := load(source, opts...)
	if err != nil {
		return err
	}
	entry := &DatasetEntry{Name: name, Source: source, X: x, dir: dir, altered: strings.Join(altered, " ")}
	if sh.loadDataset == nil && len(altered) == 0 {
		// Read as the registry reads it: an exp.DatasetSpec loads the same.
		entry.spec = &exp.DatasetSpec{Name: source, Dir: dir}
	}
	replaced, err := sh.ws.put(name, entry)
	if err != nil {
		return err
	}
	sh.ws.Dataset = name
	sh.printCard(name, x, replaced, "")
	sh.printWarnings(x.Warnings)
	return sh.plotOnLoad(c, name, x)
}

// runLoadFiles is `load path=…`: interaction files of one's own, read by
// datasets.LoadFiles.
func runLoadFiles(ctx context.Context, sh *Shell, c *Call) error {
	if len(c.Args) > 0 {
		return fmt.Errorf("load %s path=…: give a registered data set or path=, not both", c.Args[0])
	}
	if c.Opts.Bool("raw") {
		return fmt.Errorf("raw= applies to registered data sets; files loaded by path are read as they are (min-rating=, kcore= preprocess them)")
	}
	var paths []string
	for _, p := range strings.Split(c.Opts.String("path"), ",") {
		if p = strings.TrimSpace(p); p == "" {
			return fmt.Errorf("path=%s: empty file name; write path=<file>[,<file>…]", c.Opts.Raw("path"))
		}
		if d := c.Opts.String("dir"); d != "" && !filepath.IsAbs(expandHome(p)) {
			p = filepath.Join(d, p)
		}
		paths = append(paths, sh.path(p))
	}
	f := datasets.Files{Paths: paths, Format: c.Opts.String("format"), Delimiter: c.Opts.String("sep"), KCore: c.Opts.Int("kcore")}
	if f.Delimiter == "tab" || f.Delimiter == `\t` {
		f.Delimiter = "\t"
	}
	if cols := c.Opts.String("cols"); cols != "" {
		parsed, err := data.ParseColumns(cols)
		if err != nil {
			return fmt.Errorf("cols=%s: %w", cols, err)
		}
		f.Columns = parsed
	}
	switch c.Opts.String("header") {
	case "yes":
		f.Header = new(bool)
		*f.Header = true
	case "no":
		f.Header = new(bool)
	}
	if c.Opts.Has("min-rating") {
		r := c.Opts.Float("min-rating")
		f.MinRating = &r
	}
	name := c.Opts.String("as")
	if name == "" {
		name = c.Opts.String("name")
	}
	if name == "" {
		base := filepath.Base(paths[0])
		name = strings.TrimSuffix(base, filepath.Ext(base))
		if checkObjectName(name) != nil {
			return fmt.Errorf("the file name %q cannot name the data set; pass name=<name>", base)
		}
	}
	if err := sh.ws.canPut(name, &DatasetEntry{}); err != nil {
		return err
	}
	x, err := datasets.LoadFiles(f)
	if err != nil {
		return relError{sh.relative(err.Error()), err}
	}
	replaced, err := sh.ws.put(name, &DatasetEntry{Name: name, Files: &f, X: x})
	if err != nil {
		return err
	}
	sh.ws.Dataset = name
	sh.printCard(name, x, replaced, filesNote(c, f))
	for _, w := range x.Warnings {
		sh.printf("warning: %s\n", sh.relative(w))
	}
	return sh.plotOnLoad(c, name, x)
}

// relative writes the paths in a message relative to the shell's
// directory, as the user wrote them.
func (sh *Shell) relative(msg string) string {
	if sh.dir == "" {
		return msg
	}
	return strings.ReplaceAll(msg, filepath.Clean(sh.dir)+string(filepath.Separator), "")
}

// relError is an error whose message names paths relative to the shell's
// directory (relative), keeping the original error in the chain.
type relError struct {
	msg string
	err error
}

func (e relError) Error() string { return e.msg }
func (e relError) Unwrap() error { return e.err }

// filesNote says how files loaded by path were read, as written.
func filesNote(c *Call, f datasets.Files) string {
	var parts []string
	for _, o := range []string{"cols", "format", "sep", "header", "min-rating", "kcore"} {
		if c.Opts.Given(o) {
			parts = append(parts, o+"="+c.Opts.Raw(o))
		}
	}
	note := "from " + c.Opts.Raw("path")
	if len(parts) > 0 {
		note += " (" + strings.Join(parts, " ") + ")"
	}
	return note
}

// printCard prints a data set's card: its counts on the first line, then
// the degree quantiles of users and items, its times and where it came
// from (note, when not empty).
func (sh *Shell) printCard(name string, x *data.Interactions, replaced bool, note string) {
	sh.printf("%s: %s%s\n", name, x.Stats(), replacedNote(replaced))
	lines := strings.Split(x.Card().String(), "\n")
	for _, l := range lines[1:] {
		sh.printf("  %s\n", l)
	}
	if note != "" {
		sh.printf("  %s\n", note)
	}
}

// plotOnLoad draws the degree distribution when load was given plot=.
func (sh *Shell) plotOnLoad(c *Call, name string, x *data.Interactions) error {
	out := c.Opts.String("plot")
	if out == "" {
		return nil
	}
	return sh.writeDegrees(name, x, out)
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
	var dspec *exp.DatasetSpec
	if of := c.Opts.String("of"); of != "" {
		d, err := sh.ws.DatasetByName(of)
		if err != nil {
			return err
		}
		env.Dataset, env.Source, env.X, dspec = d.Name, d.Source, d.X, d.spec
	} else if !spec.NoData {
		return fmt.Errorf("no data set loaded: load one first (load citeulike-t) or pass of=<dataset>")
	}
	s, err := spec.New(env, c.Opts)
	if err != nil {
		return err
	}
	entry := &SplitEntry{Name: name, Method: method, Dataset: env.Dataset, S: s}
	if dspec != nil && spec.expSpec != nil {
		if sp := spec.expSpec(c.Opts, env.Seed); sp != nil {
			entry.dataset, entry.spec = dspec, sp
		}
	}
	replaced, err := sh.ws.put(name, entry)
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

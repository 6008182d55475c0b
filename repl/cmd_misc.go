package repl

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/report"
)

func runSet(ctx context.Context, sh *Shell, c *Call) error {
	schema := settingsSchema(0, false, 0)
	var shown []string
	for _, o := range schema {
		if c.Opts.Given(o.Name) {
			sh.settings.vals[o.Name], sh.settings.raw[o.Name] = c.Opts.vals[o.Name], c.Opts.raw[o.Name]
			shown = append(shown, o.Name)
		}
	}
	if len(shown) == 0 {
		for _, o := range schema {
			shown = append(shown, o.Name)
		}
	}
	var parts []string
	for _, n := range shown {
		parts = append(parts, n+"="+sh.settings.raw[n])
	}
	sh.printf("%s\n", strings.Join(parts, " "))
	return nil
}

// settingsLine returns every setting as key=value.
func (sh *Shell) settingsLine() string {
	var parts []string
	for _, o := range settingsSchema(0, false, 0) {
		parts = append(parts, o.Name+"="+sh.settings.raw[o.Name])
	}
	return strings.Join(parts, " ")
}

// describe returns a one-line description of a workspace object.
func (sh *Shell) describe(name string) string {
	x, _ := sh.ws.Get(name)
	cur := func(is bool) string {
		if is {
			return " (current)"
		}
		return ""
	}
	switch e := x.(type) {
	case *DatasetEntry:
		return fmt.Sprintf("%d users × %d items, %d interactions%s", e.X.NumUsers, e.X.NumItems, e.X.NNZ(), cur(sh.ws.Dataset == name))
	case *SplitEntry:
		of := ""
		if e.Dataset != "" {
			of = " of " + e.Dataset
		}
		return fmt.Sprintf("%s%s%s", e.S.Name, of, cur(sh.ws.Split == name))
	case *ModelEntry:
		on := ""
		if e.Split != nil {
			on = " on " + e.Split.Label()
		}
		var evals []string
		for _, r := range e.Evals() {
			evals = append(evals, r.Result.Protocol+"/"+r.Result.Part)
		}
		ev := ""
		if len(evals) > 0 {
			ev = "; evaluated: " + strings.Join(evals, ", ")
		}
		return fmt.Sprintf("%s%s, %s%s%s", e.Spec, on, e.Status, paramsNote(e.M), ev)
	}
	return ""
}

func runShow(ctx context.Context, sh *Shell, c *Call) error {
	what := "all"
	if len(c.Args) > 0 {
		what = c.Args[0]
	}
	section := func(title string, names []string) {
		if len(names) == 0 {
			sh.printf("%s: none\n", title)
			return
		}
		sh.printf("%s:\n", title)
		w := 0
		for _, n := range names {
			w = max(w, len(n))
		}
		for _, n := range names {
			sh.printf("  %-*s  %s\n", w, n, sh.describe(n))
		}
	}
	switch what {
	case "all":
		section("data sets", sh.ws.DatasetNames())
		section("splits", sh.ws.SplitNames())
		section("models", sh.ws.ModelNames())
		sh.printf("settings: %s\n", sh.settingsLine())
		return nil
	case "datasets":
		section("data sets", sh.ws.DatasetNames())
		return nil
	case "splits":
		section("splits", sh.ws.SplitNames())
		return nil
	case "models":
		section("models", sh.ws.ModelNames())
		return nil
	case "settings":
		sh.printf("%s\n", sh.settingsLine())
		return nil
	}
	x, ok := sh.ws.Get(what)
	if !ok {
		return unknownName("object", what, append(sh.ws.Names(), reserved[:4]...))
	}
	sh.printf("%s (%s): %s\n", what, kindOf(x), sh.describe(what))
	switch e := x.(type) {
	case *DatasetEntry:
		sh.printf("  %s\n", e.X.Stats())
		for _, l := range strings.Split(e.X.Card().String(), "\n")[1:] {
			sh.printf("  %s\n", l)
		}
		if e.Files != nil {
			sh.printf("  files: %s\n", sh.relative(strings.Join(e.Files.Paths, ", ")))
		}
	case *SplitEntry:
		valid, test := e.S.NumHeldOut()
		sh.printf("  %d users × %d items; train %d, valid %d, test %d\n", e.S.NumUsers(), e.S.NumItems(), e.S.Train.NNZ(), valid, test)
	case *ModelEntry:
		if len(e.KD) > 0 {
			sh.printf("  distilled from %s with %s\n", e.Teacher, strings.Join(e.KD, ", "))
		}
		for _, k := range slices.Sorted(maps.Keys(e.Meta)) {
			sh.printf("  meta %s: %s\n", k, e.Meta[k])
		}
		if e.Result != nil && len(e.Result.History) > 0 {
			tb := &report.Table{Header: []string{"epoch", "loss"}}
			var metric string
			if e.Protocol != "" {
				metric = exp.StopMetrics(exp.Protocol(e.Protocol))[0]
				tb.Header = append(tb.Header, "valid "+metric, "test "+metric)
			}
			for _, p := range e.Result.History {
				row := []string{fmt.Sprint(p.Epoch), report.Cell(p.Loss)}
				if metric != "" {
					v, t := "", ""
					if x, ok := p.Valid[metric]; ok {
						v = report.Cell(x)
					}
					if x, ok := p.Test[metric]; ok {
						t = report.Cell(x)
					}
					row = append(row, v, t)
				}
				tb.Rows = append(tb.Rows, row)
			}
			tb.WriteText(sh.out)
		}
		for _, r := range e.Evals() {
			sh.printf("  %s: %s\n", r.Split.Label(), r.Result)
		}
	}
	return nil
}

func runList(ctx context.Context, sh *Shell, c *Call) error {
	what := []string{"datasets", "models", "methods", "splits"}
	if len(c.Args) > 0 {
		if !slices.Contains(what, c.Args[0]) {
			return fmt.Errorf("cannot list %q%s; want one of %s", c.Args[0], didYouMean(c.Args[0], what), strings.Join(what, ", "))
		}
		what = c.Args[:1]
	}
	for _, w := range what {
		switch w {
		case "datasets":
			tb := &report.Table{Title: "data sets (load <name>)", Header: []string{"name", "users", "items", "interactions", "embedded", "splits", "title"}}
			for _, d := range datasets.List() {
				var splits []string
				for _, s := range d.Splits {
					splits = append(splits, s.Name)
				}
				emb := ""
				if d.Embedded {
					emb = "yes"
				}
				tb.AddRow(d.Name, d.Users, d.Items, d.Interactions, emb, strings.Join(splits, ","), d.Title)
			}
			sh.printTable(tb)
		case "models":
			sh.printf("model kinds (train <name> <kind> ...):\n")
			for _, k := range sh.reg.Models() {
				s, _ := sh.reg.Model(k)
				sh.printf("  %s  %s\n", k, s.Doc)
				writeOptions(sh, "    ", s.Options)
			}
		case "methods":
			ms := sh.reg.Methods()
			if len(ms) == 0 {
				sh.printf("distillation methods: none yet (kdlib/distill is being written; they appear here once registered in repl/methods.go)\n")
				continue
			}
			sh.printf("distillation methods (train <student> <kind> kd=<method>,... <option>.<method>=value):\n")
			for _, k := range ms {
				s, _ := sh.reg.Method(k)
				sh.printf("  %s  %s\n", k, s.Doc)
				writeOptions(sh, "    ", s.Options)
			}
		case "splits":
			sh.printf("split methods (split <method> ...):\n")
			for _, k := range sh.reg.Splits() {
				s, _ := sh.reg.Split(k)
				sh.printf("  %s  %s\n", k, s.Doc)
				writeOptions(sh, "    ", s.Options)
			}
		}
	}
	return nil
}

// writeOptions prints an option schema, one option per line.
func writeOptions(sh *Shell, indent string, schema []Option) {
	w := 0
	for _, o := range schema {
		w = max(w, len(o.Name)+len(o.TypeName())+3)
	}
	for _, o := range schema {
		var notes []string
		if o.Kind != KindString {
			notes = append(notes, o.Expect())
		}
		switch {
		case o.Required:
			notes = append(notes, "required")
		case o.Default != "":
			notes = append(notes, "default "+o.Default)
		}
		paren := ""
		if len(notes) > 0 {
			paren = " (" + strings.Join(notes, "; ") + ")"
		}
		sh.printf("%s%-*s  %s%s\n", indent, w, o.Name+"=<"+o.TypeName()+">", o.Doc, paren)
	}
}

func runDrop(ctx context.Context, sh *Shell, c *Call) error {
	for _, n := range c.Args {
		if _, ok := sh.ws.Get(n); !ok {
			return unknownName("object", n, sh.ws.Names())
		}
	}
	for _, n := range c.Args {
		if err := sh.ws.Drop(n); err != nil {
			return err
		}
	}
	sh.printf("dropped %s\n", strings.Join(c.Args, ", "))
	return nil
}

func runQuickstart(ctx context.Context, sh *Shell, c *Call) error {
	o := exp.DefaultQuickstart()
	o.Dataset, o.Seed = c.Opts.String("dataset"), c.Opts.Uint("seed")
	o.TeacherDim, o.StudentDim = c.Opts.Int("teacher-dim"), c.Opts.Int("student-dim")
	o.TeacherEpochs, o.StudentEpochs = c.Opts.Int("teacher-epochs"), c.Opts.Int("student-epochs")
	o.EvalEvery, o.Patience = c.Opts.Int("eval-every"), c.Opts.Int("patience")
	if sh.maxEpochs > 0 {
		o.TeacherEpochs, o.StudentEpochs = min(o.TeacherEpochs, sh.maxEpochs), min(o.StudentEpochs, sh.maxEpochs)
	}
	if log, plain := sh.progress(); log != nil {
		o.Log, o.Plain = log, plain
	}
	tb, err := sh.quickstart(ctx, o)
	if err != nil {
		return err
	}
	sh.printTable(tb)
	return nil
}

func runHelp(ctx context.Context, sh *Shell, c *Call) error {
	if len(c.Args) == 0 {
		sh.printf("commands (help <command> for its options):\n")
		w := 0
		for _, cmd := range commands() {
			w = max(w, len(cmd.Name))
		}
		for _, cmd := range commands() {
			sh.printf("  %-*s  %s\n", w, cmd.Name, cmd.Summary)
		}
		sh.printf("Statements are separated by ';'; options are key=value; '#' starts a comment.\n" +
			"Tab completes; Ctrl-C stops a running command (the workspace keeps its last good state); Ctrl-D exits.\n")
		return nil
	}
	cmd := findCommand(commands(), c.Args[0])
	if cmd == nil {
		return fmt.Errorf("unknown command %q%s", c.Args[0], didYouMean(c.Args[0], commandNames(commands())))
	}
	path := cmd.Name
	if len(c.Args) > 1 {
		sub := findCommand(cmd.Subs, c.Args[1])
		if sub == nil {
			return fmt.Errorf("%s has no sub-command %q%s", cmd.Name, c.Args[1], didYouMean(c.Args[1], commandNames(cmd.Subs)))
		}
		cmd, path = sub, path+" "+sub.Name
	}
	if len(c.Args) > 2 {
		return fmt.Errorf("want help [command [sub-command]]")
	}
	sh.printf("%s\n  %s\n", usage(path, cmd), cmd.Summary)
	if cmd.Help != "" {
		sh.printf("  %s\n", cmd.Help)
	}
	if len(cmd.Aliases) > 0 {
		sh.printf("  also: %s\n", strings.Join(cmd.Aliases, ", "))
	}
	for _, sub := range cmd.Subs {
		sh.printf("  %s %s: %s\n", path, sub.Name, sub.Summary)
	}
	switch {
	case cmd.Name == "train":
		sh.printf("options:\n")
		writeOptions(sh, "  ", trainOptions(sh))
		for _, k := range sh.reg.Models() {
			s, _ := sh.reg.Model(k)
			sh.printf("kind %s: %s\n", k, s.Doc)
			writeOptions(sh, "  ", s.Options)
		}
		if len(sh.reg.Methods()) == 0 {
			sh.printf("distillation (kd=<method>,... teacher=<model> <option>.<method>=value): no methods are available yet\n")
		} else {
			sh.printf("distillation: kd=<method>,... (%s), teacher=<model> (default teacher), <option>.<method>=value:\n",
				strings.Join(sh.reg.Methods(), ", "))
			for _, k := range sh.reg.Methods() {
				s, _ := sh.reg.Method(k)
				sh.printf("method %s: %s\n", k, s.Doc)
				writeOptions(sh, "  ", s.Options)
			}
		}
	case cmd.Name == "split":
		sh.printf("options:\n")
		writeOptions(sh, "  ", splitCommonOptions(sh))
		for _, k := range sh.reg.Splits() {
			s, _ := sh.reg.Split(k)
			sh.printf("method %s: %s\n", k, s.Doc)
			writeOptions(sh, "  ", s.Options)
		}
	case cmd.Options != nil:
		schema, err := cmd.Options(sh, nil)
		if err == nil && len(schema) > 0 {
			sh.printf("options:\n")
			writeOptions(sh, "  ", schema)
		}
	}
	if len(cmd.Examples) > 0 {
		sh.printf("examples:\n")
		for _, e := range cmd.Examples {
			sh.printf("  %s\n", e)
		}
	}
	return nil
}

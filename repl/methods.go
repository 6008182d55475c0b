package repl

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/report"
	"github.com/kdrec/kdrec/kdlib/train"
)

// The knowledge-distillation methods of `train <student> <kind> kd=…` are
// read from distill's registry (distill.Methods) when they are asked for,
// not copied at start-up, so a method registered by any package — a
// researcher's own file included — is on the train line, in help and in
// completion with the options, defaults and ranges it declares; the
// experiment runners read the same registry, so a method's options are
// the same on the train line (<option>.<method>=value) and in a spec's
// KDTerm. Parts of a combined method (ir, the item side of IR-RRD) are left
// out: the shell offers the combination (ir-rrd). So are the methods that
// distil an ensemble of teachers' trajectories (hetcomp): a shell session
// trains one teacher; `reproduce hetcomp-table` runs them.
//
// Every method takes lambda, its loss weight. Ranking methods build the
// teacher's lists (MethodEnv.Lists) once per teacher, data and list length
// n; kd=de,rrd adds both terms, which is DE-RRD.

// shellMethods returns the distillation methods of the registry that a
// shell session trains (see above).
func shellMethods() map[string]MethodSpec {
	out := map[string]MethodSpec{}
	for _, m := range distill.Methods() {
		if m.With != "" || m.Kind == distill.EnsembleKD {
			continue
		}
		out[m.Name] = methodSpec(m)
	}
	return out
}

// methodSpec turns an entry of distill's registry into the shell's.
func methodSpec(m distill.Method) MethodSpec {
	opts := []Option{{Name: "lambda", Kind: KindFloat, Default: formatFloat(m.Lambda), Min: 0, Max: 1e6, ExclusiveMin: true,
		Doc: "weight λ of the term in the loss"}}
	for _, o := range m.Options {
		opts = append(opts, replOption(o))
	}
	doc := m.Doc + ", " + string(m.Kind) + " knowledge"
	// termOf passes only the options written on the train line, as a
	// spec's KDTerm holds them: a method may default an option by another
	// (CD's and DCD's variant=kdrec-v1 its own k, λ, …).
	termOf := func(o Values) distill.TermSpec {
		t := distill.TermSpec{Method: m.Name, Options: map[string]any{}}
		if o.Given("lambda") {
			t.Lambda = o.Float("lambda")
		}
		for _, x := range m.Options {
			if o.Given(x.Name) {
				t.Options[x.Name] = o.vals[x.Name]
			}
		}
		return t
	}
	var note func(Values, int) string
	if m.Note != nil {
		note = func(o Values, epochs int) string {
			return strings.Join(distill.BudgetNotes([]distill.TermSpec{termOf(o)}, epochs), "; ")
		}
	}
	return MethodSpec{
		Doc:     doc,
		Options: opts,
		Note:    note,
		New: func(env MethodEnv, o Values) (train.Term, error) {
			t := termOf(o)
			terms, err := distill.Build([]distill.TermSpec{t}, distill.Env{Teacher: env.Teacher, Student: env.Student, Seed: env.Seed, Lists: env.Lists})
			if err != nil {
				return nil, methodError(m.Name, err)
			}
			if len(terms) == 1 {
				return terms[0], nil
			}
			return &train.TermGroup{Label: m.Name, Terms: terms}, nil
		},
	}
}

// replOption converts a catalogue option to the shell's schema.
func replOption(o distill.Option) Option {
	switch o.Type {
	case distill.Int:
		return IntOpt(o.Name, o.Default.(int), int(o.Min), int(o.Max), o.Doc)
	case distill.Float:
		return Option{Name: o.Name, Kind: KindFloat, Default: formatFloat(o.Default.(float64)), Min: o.Min, Max: o.Max,
			ExclusiveMin: o.ExclusiveMin, Doc: o.Doc}
	case distill.Bool:
		return BoolOpt(o.Name, o.Default.(bool), o.Doc)
	}
	return EnumOpt(o.Name, o.Default.(string), o.Choices, o.Doc)
}

// methodError words an error of distill.Build for the train line: a bad
// option is named as written there (k.rrd=600), and the "kd <method>: "
// prefix is left to the caller.
func methodError(method string, err error) error {
	var oe *distill.OptionError
	if errors.As(err, &oe) {
		return fmt.Errorf("%s.%s=%s %s", oe.Option, method, oe.Value, oe.Problem)
	}
	msg, ok := strings.CutPrefix(err.Error(), "kd "+method+": ")
	if !ok {
		return err
	}
	return errors.New(msg)
}

// teacherLists are ranking lists built from a teacher, remembered with it.
type teacherLists struct {
	train    *data.Interactions
	n        int
	itemSide bool
	lists    *distill.TeacherLists
}

// maxTeacherLists bounds the lists kept per teacher.
const maxTeacherLists = 2

// listsFunc returns MethodEnv.Lists for teacher te and training data x:
// lists are reused from te when they match, otherwise built with
// distill.BuildLists (cancelled by ctx) and remembered, with a note on the
// progress writer.
func (sh *Shell) listsFunc(ctx context.Context, te *ModelEntry, x *data.Interactions) func(int, bool) (*distill.TeacherLists, error) {
	return func(n int, itemSide bool) (*distill.TeacherLists, error) {
		for _, l := range te.lists {
			if l.train == x && l.n == n && (l.itemSide || !itemSide) {
				return l.lists, nil
			}
		}
		log, plain := sh.progress()
		side := "users"
		if itemSide {
			side = "users and items"
		}
		start := time.Now()
		// A progress bar over the users ranked (report.Progress is quiet
		// when log is nil).
		var bar *report.Progress
		if log != nil {
			bar = report.NewProgress(log, fmt.Sprintf("teacher lists of %s (top %d, %s)", te.Name, n, side), x.NumUsers, plain)
		}
		l, err := distill.BuildLists(ctx, te.M, x, distill.ListOptions{N: n, ItemSide: itemSide,
			Progress: func(done, total int) { bar.Set(done, "") }})
		if err != nil {
			if bar != nil && !plain {
				fmt.Fprintln(log) // end the bar's line; the error follows
			}
			return nil, err
		}
		bar.Done(fmt.Sprintf("built in %.1fs", time.Since(start).Seconds()))
		te.lists = append(te.lists, teacherLists{train: x, n: n, itemSide: itemSide, lists: l})
		if len(te.lists) > maxTeacherLists {
			te.lists = te.lists[1:]
		}
		return l, nil
	}
}

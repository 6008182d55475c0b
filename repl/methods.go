package repl

import (
	"errors"
	"fmt"

	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/exp"
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
// Every method takes lambda, its loss weight. A train line's methods
// become the KD terms of its exp.RunSpec (kdTerm), built by distill.Build
// when exp.Execute runs it; ranking methods get the teacher's lists from
// exp, built once per teacher, data and list length n and kept in memory;
// kd=de,rrd adds both terms, which is DE-RRD.

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
	return MethodSpec{Doc: m.Doc + ", " + string(m.Kind) + " knowledge", Options: opts}
}

// kdTerm returns the exp.KDTerm of method on a train line, given the
// method's options (Values.scoped): only the options written on the line,
// as a spec's KDTerm holds them (a method may default an option by another:
// CD's and DCD's variant=kdrec-v1 its own k, λ, …), and λ only when given
// (0 takes the method's reference weight).
func kdTerm(method string, o Values) exp.KDTerm {
	t := exp.KDTerm{Method: method}
	if o.Given("lambda") {
		t.Lambda = o.Float("lambda")
	}
	for name, given := range o.given {
		if given && name != "lambda" {
			if t.Options == nil {
				t.Options = exp.Options{}
			}
			t.Options[name] = o.vals[name]
		}
	}
	return t
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

// methodError words an error of building the terms for the train line: a
// bad option is named as written there (kd rrd: k.rrd=600 …).
func methodError(err error) error {
	var oe *distill.OptionError
	if errors.As(err, &oe) {
		return fmt.Errorf("kd %s: %s.%s=%s %s", oe.Method, oe.Option, oe.Method, oe.Value, oe.Problem)
	}
	return err
}

package exp

// The bridge from a spec's KD terms to the distillation registry of
// package distill, where every method declares its options, defaults,
// ranges and builder in its own file (distill.Register).

import (
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/train"
)

// termSpec converts a spec's term to the registry's.
func termSpec(t KDTerm) distill.TermSpec {
	return distill.TermSpec{Method: t.Method, Lambda: t.Lambda, Options: t.Options}
}

// CheckKDTerm checks a term against the registry (distill.Check): a known
// method, known option names, values of the right type within their
// ranges, λ ≥ 0.
func CheckKDTerm(t KDTerm) error {
	_, err := distill.Check(termSpec(t))
	return err
}

// kdCheck checks t and returns its values with defaults filled in.
func kdCheck(t KDTerm) (distill.Values, error) { return distill.Check(termSpec(t)) }

// KDTerms builds the distillation terms of a run with distill.Build: one
// train.Term per method (two for de-rrd), in the order given, except that
// a part ("ir") and the method it goes with ("rrd") make one term. A
// term's Lambda of 0 takes the method's reference weight.
func KDTerms(terms []KDTerm, env distill.Env) ([]train.Term, error) {
	ts := make([]distill.TermSpec, len(terms))
	for k, t := range terms {
		ts[k] = termSpec(t)
	}
	return distill.Build(ts, env)
}

// BudgetNotes returns what the run's epoch cap means for its distillation
// methods' own schedules (distill.BudgetNotes): a DE or HTD temperature
// that anneals over more epochs than Budget.Epochs is never reached. The
// schedule is the method's, whatever the cap; the notes only say so.
func (r *RunSpec) BudgetNotes() []string {
	ts := make([]distill.TermSpec, len(r.KD))
	for k, t := range r.KD {
		ts[k] = termSpec(t)
	}
	return distill.BudgetNotes(ts, r.Budget.Epochs)
}

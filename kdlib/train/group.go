package train

import "github.com/kdrec/kdrec/kdlib/nn"

// TermGroup is a Term made of several terms: a distillation method that
// adds more than one term to the loss (DE-RRD's DE and RRD) where the
// caller expects one. Used as a single Term it runs its members in order,
// sharing the group's epoch generator; Flatten gives the trainer the
// members instead, so each gets its own generator and its loss is recorded
// under its own name (Point.TermLoss).
type TermGroup struct {
	// Label names the group.
	Label string
	// Terms are the members, in the order they run.
	Terms []Term
}

// Name returns the label.
func (g *TermGroup) Name() string { return g.Label }

// BeginEpoch calls every member's BeginEpoch and stops at the first error.
func (g *TermGroup) BeginEpoch(e *Epoch) error {
	for _, t := range g.Terms {
		if err := t.BeginEpoch(e); err != nil {
			return err
		}
	}
	return nil
}

// Batch runs every member on the batch and returns the sum of their losses.
func (g *TermGroup) Batch(b *Batch) float64 {
	s := 0.0
	for _, t := range g.Terms {
		s += t.Batch(b)
	}
	return s
}

// Params returns the members' parameters.
func (g *TermGroup) Params() []*nn.Param {
	var out []*nn.Param
	for _, t := range g.Terms {
		out = append(out, t.Params()...)
	}
	return out
}

// Flatten returns terms with every TermGroup replaced by its members
// (recursively), in order; other terms are kept as they are.
func Flatten(terms ...Term) []Term {
	out := make([]Term, 0, len(terms))
	for _, t := range terms {
		if g, ok := t.(*TermGroup); ok {
			out = append(out, Flatten(g.Terms...)...)
		} else {
			out = append(out, t)
		}
	}
	return out
}

package train

import (
	"encoding/binary"
	"fmt"

	"github.com/kdrec/kdrec/kdlib/nn"
)

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

// MarshalState encodes the state of the members that carry one (Stateful),
// so that a group whose members have cross-epoch state is checkpointed
// like a single term.
func (g *TermGroup) MarshalState() ([]byte, error) {
	out := binary.AppendUvarint(nil, uint64(len(g.Terms)))
	for _, t := range g.Terms {
		s, ok := t.(Stateful)
		if !ok {
			out = append(out, 0)
			continue
		}
		b, err := s.MarshalState()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.Name(), err)
		}
		out = append(out, 1)
		out = binary.AppendUvarint(out, uint64(len(b)))
		out = append(out, b...)
	}
	return out, nil
}

// UnmarshalState restores the members' states encoded by MarshalState.
func (g *TermGroup) UnmarshalState(b []byte) error {
	n, k := binary.Uvarint(b)
	if k <= 0 || n != uint64(len(g.Terms)) {
		return fmt.Errorf("group %s: state of %d members, the group has %d", g.Label, n, len(g.Terms))
	}
	b = b[k:]
	for _, t := range g.Terms {
		if len(b) == 0 {
			return fmt.Errorf("group %s: truncated state", g.Label)
		}
		flag := b[0]
		b = b[1:]
		s, ok := t.(Stateful)
		if (flag == 1) != ok {
			return fmt.Errorf("group %s: member %s: state saved %v, member has state %v", g.Label, t.Name(), flag == 1, ok)
		}
		if !ok {
			continue
		}
		size, k := binary.Uvarint(b)
		if k <= 0 || size > uint64(len(b)-k) {
			return fmt.Errorf("group %s: member %s: truncated state", g.Label, t.Name())
		}
		if err := s.UnmarshalState(b[k : k+int(size)]); err != nil {
			return fmt.Errorf("%s: %w", t.Name(), err)
		}
		b = b[k+int(size):]
	}
	if len(b) != 0 {
		return fmt.Errorf("group %s: %d bytes after the members' states", g.Label, len(b))
	}
	return nil
}

package distill

import (
	"math"
	"slices"
	"testing"

	"github.com/kdrec/kdrec/kdlib/train"
)

// TestAssignIsWhatDERegresses checks Assign against DE's own loss: with a
// gate that gives one expert (a different one per side) all the weight, the
// training selection is that expert whatever the noise, and λ·L_DE of a
// batch must equal the loss recomputed from Assign's outputs; the
// assignment must be that expert, and with the gate's bias changed it
// must follow.
func TestAssignIsWhatDERegresses(t *testing.T) {
	x := newLatToy(t, 3, 5)
	o := DefaultDE()
	o.Lambda, o.Experts, o.Seed = 1, 4, 2
	d, err := DE(x.teacher, x.student, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.BeginEpoch(&train.Epoch{Index: 0, MaxEpochs: 100}); err != nil {
		t.Fatal(err)
	}
	if d.Networks() != 4 {
		t.Fatalf("Networks = %d, want 4", d.Networks())
	}
	want := [2]int32{2, 1}
	for side, g := range d.gates {
		g.lin.B.W[want[side]] += 100
	}
	got := d.Batch(x.batch(3))

	sq := func(items bool, ids []int32) float64 {
		as, out, err := d.Assign(items, ids)
		if err != nil {
			t.Fatal(err)
		}
		side := 0
		if items {
			side = 1
		}
		t5 := make([]float32, len(ids)*5)
		if items {
			x.teacher.ItemVecs(ids, t5)
		} else {
			x.teacher.UserVecs(ids, t5)
		}
		s := 0.0
		for r := range ids {
			if as[r] != want[side] {
				t.Fatalf("side %d entity %d assigned %d, want %d", side, ids[r], as[r], want[side])
			}
			for i := 0; i < 5; i++ {
				diff := float64(out[r*5+i] - t5[r*5+i])
				s += diff * diff
			}
		}
		return s
	}
	uniq := func(ids []int32) []int32 { return slices.Compact(slices.Sorted(slices.Values(ids))) }
	ref := sq(false, uniq(latToyUsers)) + 0.5*(sq(true, uniq(latToyPos))+sq(true, uniq(latToyNeg)))
	if math.Abs(got-ref) > 1e-5*math.Abs(ref) {
		t.Fatalf("λ·L_DE = %v, from Assign %v", got, ref)
	}
	// Move the users' gate: the assignment follows the largest logit.
	d.gates[0].lin.B.W[3] += 1000
	as, _, err := d.Assign(false, []int32{0, 1})
	if err != nil || as[0] != 3 || as[1] != 3 {
		t.Fatalf("after moving the gate: %v, %v", as, err)
	}
	if _, _, err := d.Assign(true, []int32{6}); err == nil {
		t.Error("an item out of range accepted")
	}
	// One expert: no gate, everything to network 0.
	o.Experts = 1
	h, err := DE(x.teacher, x.student, o)
	if err != nil {
		t.Fatal(err)
	}
	as, out, err := h.Assign(true, []int32{0, 5})
	if err != nil || !slices.Equal(as, []int32{0, 0}) || len(out) != 10 {
		t.Fatalf("M = 1: %v (%d values), %v", as, len(out), err)
	}
}

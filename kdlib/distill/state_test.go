package distill

import (
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// TestStatesRefuseOutOfRange: a term's checkpointed state is restored only
// when every index it holds fits the term (users, items, list lengths): a
// state that would make the next batch index out of range is refused with
// an error naming the term, never accepted to panic later.
func TestStatesRefuseOutOfRange(t *testing.T) {
	f := newFixture(t, 12, 40, 10, false)
	term, err := CD(f.lists, f.teacher, f.student, CDOptions{K: 3, Guide: CDGuideRandom, Lambda: 0.7})
	if err != nil {
		t.Fatal(err)
	}
	c := term.(*cd)
	if err := c.BeginEpoch(&train.Epoch{Train: f.train, Rand: nn.NewRand(1, 2)}); err != nil {
		t.Fatal(err)
	}
	good := cdState{Drawn: true, Users: c.users, Items: c.items, Q: c.q}
	for name, s := range map[string]cdState{
		"fewer users": {Drawn: true, Users: c.users - 1, Items: c.items[:len(c.items)-3], Q: c.q[:len(c.q)-3]},
		"item out of range": func() cdState {
			s := good
			s.Items = append([]int32(nil), c.items...)
			s.Items[4] = int32(f.train.NumItems)
			return s
		}(),
		"negative item": func() cdState {
			s := good
			s.Items = append([]int32(nil), c.items...)
			s.Items[0] = -1
			return s
		}(),
	} {
		b, err := encodeState(&s)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.UnmarshalState(b); err == nil || !strings.Contains(err.Error(), "cd") {
			t.Errorf("cd, %s: %v", name, err)
		}
	}
	b, err := encodeState(&good)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.UnmarshalState(b); err != nil {
		t.Fatalf("cd, its own state: %v", err)
	}

	h := newHCFixture(t, 10, 50, 2, 3, 20, 6)
	hc, err := HetComp(h.ens, h.student, HetCompOptions{K: 15, LongK: 8, ShortK: 3, DistK: 10})
	if err != nil {
		t.Fatal(err)
	}
	own, err := hc.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	var base hetCompState
	if err := decodeState("hetcomp", own, &base); err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(s *hetCompState){
		"list longer than K": func(s *hetCompState) { s.TLen[2] = 16 },
		"negative length":    func(s *hetCompState) { s.TLen[0] = -1 },
		"item out of range":  func(s *hetCompState) { s.TLen[1] = 1; s.Targets[15] = 50 },
		"phase":              func(s *hetCompState) { s.Phase = 7 },
	} {
		s := base
		s.TLen, s.Targets = append([]int32(nil), base.TLen...), append([]int32(nil), base.Targets...)
		change(&s)
		b, err := encodeState(&s)
		if err != nil {
			t.Fatal(err)
		}
		if err := hc.UnmarshalState(b); err == nil || !strings.Contains(err.Error(), "hetcomp") {
			t.Errorf("hetcomp, %s: %v", name, err)
		}
	}
	if err := hc.UnmarshalState(own); err != nil {
		t.Fatalf("hetcomp, its own state: %v", err)
	}
}

package data

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

func TestSubset(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var pairs []Pair
	for u := range 120 {
		for range 8 {
			pairs = append(pairs, Pair{User: int32(u), Item: int32((u + rng.IntN(40)) % 200)})
		}
	}
	x, err := FromPairs(120, 200, pairs)
	if err != nil {
		t.Fatal(err)
	}
	s, err := LeaveOneOut(x, 0, 30)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Subset(s, 50, 3)
	if err != nil {
		t.Fatal(err)
	}
	if r.NumUsers() != 50 || r.Validate() != nil || len(r.Candidates) != 50 || len(r.Candidates[0]) != 30 {
		t.Fatalf("subset: %d users, %v, candidates %d", r.NumUsers(), r.Validate(), len(r.Candidates))
	}
	if want := s.Name + " first-users=50 cand=30 cand-seed=3"; r.Name != want {
		t.Errorf("name %q, want %q", r.Name, want)
	}
	// Every user keeps their number of training, validation and test items,
	// and the items are renumbered densely in order of first appearance.
	used := make([]bool, r.NumItems())
	next := int32(0)
	for u := range 50 {
		if len(r.Train.Items(u)) != len(s.Train.Items(u)) || len(r.Valid[u]) != len(s.Valid[u]) || len(r.Test[u]) != len(s.Test[u]) {
			t.Fatalf("user %d changed", u)
		}
		for _, i := range slices.Concat(r.Train.Items(u), r.Valid[u], r.Test[u]) {
			if i > next {
				t.Fatalf("user %d: item %d before item %d appeared", u, i, next)
			}
			if i == next {
				next++
			}
			used[i] = true
		}
	}
	if slices.Contains(used, false) {
		t.Error("unused item ids in the subset")
	}
	if _, err := Subset(s, 0, 0); err == nil {
		t.Error("empty subset accepted")
	}
	if _, err := Subset(s, 121, 0); err == nil {
		t.Error("subset larger than the split accepted")
	}
	again, _ := Subset(s, 50, 3)
	if !reflect.DeepEqual(again, r) {
		t.Error("subset not deterministic")
	}
}

package data

import (
	"fmt"
	"slices"
)

// Split is a train / validation / test partition of one data set.
//
// Train is an Interactions over the full user and item index spaces. Valid and
// Test hold, per user, the sorted held-out items (one each under leave-one-out,
// a fraction under ratio splits; empty for a user that has none). Candidates is
// set only by leave-one-out splits with sampled candidates: per user, the
// unobserved items against which the held-out target is ranked (§2.4a of the
// methods specification: 499 per user, shared by validation and test).
type Split struct {
	// Name describes how the split was made, for example "loo seed=0".
	Name string
	// Train holds the training interactions.
	Train *Interactions
	// Valid and Test hold the held-out items of every user.
	Valid, Test [][]int32
	// Candidates holds the sampled unobserved items of every user (LOO only).
	Candidates [][]int32
	// Warnings lists what the readers of an imported split noticed without
	// refusing it (see Log.Warnings); callers show them to the user.
	Warnings []string
}

// NumUsers returns the size of the user index space.
func (s *Split) NumUsers() int { return s.Train.NumUsers }

// NumItems returns the size of the item index space.
func (s *Split) NumItems() int { return s.Train.NumItems }

// HeldOut returns the items of user u in the named part: "valid" or "test".
func (s *Split) HeldOut(part string, u int) []int32 {
	if part == "valid" {
		return s.Valid[u]
	}
	return s.Test[u]
}

// Validate checks the invariants every split must satisfy: the three parts
// are disjoint per user, every user with held-out items keeps at least one
// training item, ids are in range, and candidates (if present) never contain
// an item the user interacted with in any part. It returns the first
// violation found.
func (s *Split) Validate() error {
	if s.Train == nil {
		return fmt.Errorf("split %q: no training data", s.Name)
	}
	n, m := s.Train.NumUsers, s.Train.NumItems
	if len(s.Valid) != n || len(s.Test) != n {
		return fmt.Errorf("split %q: valid/test have %d/%d users, train has %d", s.Name, len(s.Valid), len(s.Test), n)
	}
	if s.Candidates != nil && len(s.Candidates) != n {
		return fmt.Errorf("split %q: candidates cover %d users, train has %d", s.Name, len(s.Candidates), n)
	}
	for u := 0; u < n; u++ {
		train := s.Train.Items(u)
		if len(train) == 0 && (len(s.Valid[u]) > 0 || len(s.Test[u]) > 0) {
			return fmt.Errorf("split %q: user %d has held-out items but no training data", s.Name, u)
		}
		for _, part := range []struct {
			name  string
			items []int32
		}{{"valid", s.Valid[u]}, {"test", s.Test[u]}} {
			for _, i := range part.items {
				if i < 0 || int(i) >= m {
					return fmt.Errorf("split %q: user %d %s item %d out of range [0,%d)", s.Name, u, part.name, i, m)
				}
				if _, ok := slices.BinarySearch(train, i); ok {
					return fmt.Errorf("split %q: user %d item %d is in both train and %s", s.Name, u, i, part.name)
				}
			}
		}
		for _, i := range s.Valid[u] {
			if _, ok := slices.BinarySearch(s.Test[u], i); ok {
				return fmt.Errorf("split %q: user %d item %d is in both valid and test", s.Name, u, i)
			}
		}
		if s.Candidates != nil {
			for _, i := range s.Candidates[u] {
				if i < 0 || int(i) >= m {
					return fmt.Errorf("split %q: user %d candidate %d out of range [0,%d)", s.Name, u, i, m)
				}
				_, inTrain := slices.BinarySearch(train, i)
				_, inValid := slices.BinarySearch(s.Valid[u], i)
				_, inTest := slices.BinarySearch(s.Test[u], i)
				if inTrain || inValid || inTest {
					return fmt.Errorf("split %q: user %d candidate %d is an observed item", s.Name, u, i)
				}
			}
		}
	}
	return nil
}

// NumHeldOut returns the total number of validation and test items.
func (s *Split) NumHeldOut() (valid, test int) {
	for u := range s.Valid {
		valid += len(s.Valid[u])
		test += len(s.Test[u])
	}
	return
}

// CheckLeaveOneOut reports why s cannot be evaluated with the sampled
// leave-one-out protocol (eval.LOO, methods.md §2.4a), or returns nil: the
// protocol holds out exactly one validation and one test item per
// evaluated user, so every user with a held-out item must have exactly one
// of each, and at least one user must have them. Candidates are not
// looked at (SampleCandidates adds them). A split imported from files with
// several test items per user, or without a validation part, is not
// leave-one-out, whatever its candidates: evaluate it with full ranking.
func (s *Split) CheckLeaveOneOut() error {
	if s.Train == nil || len(s.Valid) != s.Train.NumUsers || len(s.Test) != s.Train.NumUsers {
		return fmt.Errorf("split %q is malformed", s.Name)
	}
	users, validItems, testItems, bad, first := 0, 0, 0, 0, -1
	for u := range s.Test {
		nv, nt := len(s.Valid[u]), len(s.Test[u])
		if nv == 0 && nt == 0 {
			continue
		}
		users++
		validItems += nv
		testItems += nt
		if nv != 1 || nt != 1 {
			bad++
			if first < 0 {
				first = u
			}
		}
	}
	if users == 0 {
		return fmt.Errorf("split %q holds out no item: it is not a leave-one-out split", s.Name)
	}
	if bad == 0 {
		return nil
	}
	return fmt.Errorf("split %q is not a leave-one-out split: %d of its %d evaluated users do not have exactly one validation and one test item "+
		"(user %s has %d and %d; %.3g validation and %.3g test items per user on average), so the sampled leave-one-out protocol "+
		"would not be the protocol: evaluate it with full ranking, or split the interactions leave-one-out",
		s.Name, bad, users, userName(s.Train, first), len(s.Valid[first]), len(s.Test[first]),
		float64(validItems)/float64(users), float64(testItems)/float64(users))
}

package data

import (
	"fmt"
	"slices"
)

// Subset returns the split restricted to its first n users and the items
// they have in train, validation or test, renumbered in order of first
// appearance (user by user: train, then validation, then test items), for
// quick runs on a smaller problem. Its name is s.Name followed by
// " first-users=<n>". If s has candidates, the subset gets as many per user
// (the longest list of the first n users), drawn again with seed from the
// smaller catalogue by SampleCandidates, which adds its part to the name.
func Subset(s *Split, n int, seed uint64) (*Split, error) {
	if n <= 0 || n > s.NumUsers() {
		return nil, fmt.Errorf("subset: %d users out of %d", n, s.NumUsers())
	}
	ids := map[int32]int32{}
	id := func(i int32) int32 {
		if j, ok := ids[i]; ok {
			return j
		}
		j := int32(len(ids))
		ids[i] = j
		return j
	}
	var pairs []Pair
	valid, test := make([][]int32, n), make([][]int32, n)
	remap := func(xs []int32) []int32 {
		out := make([]int32, len(xs))
		for k, i := range xs {
			out[k] = id(i)
		}
		slices.Sort(out)
		return out
	}
	for u := range n {
		for _, i := range s.Train.Items(u) {
			pairs = append(pairs, Pair{User: int32(u), Item: id(i)})
		}
		if u < len(s.Valid) {
			valid[u] = remap(s.Valid[u])
		}
		if u < len(s.Test) {
			test[u] = remap(s.Test[u])
		}
	}
	x, err := FromPairs(n, len(ids), pairs)
	if err != nil {
		return nil, err
	}
	r := &Split{Name: fmt.Sprintf("%s first-users=%d", s.Name, n), Train: x, Valid: valid, Test: test}
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("subset: %w", err)
	}
	if s.Candidates != nil {
		k := 0
		for _, c := range s.Candidates[:n] {
			k = max(k, len(c))
		}
		if err := SampleCandidates(r, seed, k); err != nil {
			return nil, fmt.Errorf("subset: %w", err)
		}
	}
	return r, nil
}

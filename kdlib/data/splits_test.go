package data

import (
	"bufio"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kdrec/kdrec/internal/datatest"
)

// splitsRandomData builds a synthetic data set in which user u has between
// minPer and maxPer distinct uniformly drawn items.
func splitsRandomData(t testing.TB, numUsers, numItems, minPer, maxPer int, seed uint64) *Interactions {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	var pairs []Pair
	for u := 0; u < numUsers; u++ {
		k := minPer + rng.IntN(maxPer-minPer+1)
		for _, i := range rng.Perm(numItems)[:k] {
			pairs = append(pairs, Pair{int32(u), int32(i)})
		}
	}
	x, err := FromPairs(numUsers, numItems, pairs)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// splitsCheckPartition checks that, for every user, train, valid and test are
// sorted, disjoint and together exactly the user's items in x, and that every
// user with held-out items keeps training data.
func splitsCheckPartition(t *testing.T, x *Interactions, s *Split) {
	t.Helper()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	for u := 0; u < x.NumUsers; u++ {
		tr, va, te := s.Train.Items(u), s.Valid[u], s.Test[u]
		if !slices.IsSorted(va) || !slices.IsSorted(te) {
			t.Fatalf("user %d: held-out items not sorted", u)
		}
		if (len(va) > 0 || len(te) > 0) && len(tr) == 0 {
			t.Fatalf("user %d: held-out items without training data", u)
		}
		all := slices.Concat(tr, va, te)
		slices.Sort(all)
		if len(slices.Compact(slices.Clone(all))) != len(all) {
			t.Fatalf("user %d: parts overlap", u)
		}
		if !slices.Equal(all, x.Items(u)) {
			t.Fatalf("user %d: parts %v do not partition items %v", u, all, x.Items(u))
		}
	}
}

// splitsCheckCandidates checks that every user with held-out items has n
// sorted distinct candidates that are none of its items in x, and that the
// others have none.
func splitsCheckCandidates(t *testing.T, x *Interactions, s *Split, n int) {
	t.Helper()
	if len(s.Candidates) != s.NumUsers() {
		t.Fatalf("candidates cover %d users, want %d", len(s.Candidates), s.NumUsers())
	}
	for u, c := range s.Candidates {
		if len(s.Valid[u]) == 0 && len(s.Test[u]) == 0 {
			if len(c) != 0 {
				t.Fatalf("user %d without held-out items has %d candidates", u, len(c))
			}
			continue
		}
		if len(c) != n {
			t.Fatalf("user %d: %d candidates, want %d", u, len(c), n)
		}
		for k, i := range c {
			if k > 0 && c[k-1] >= i {
				t.Fatalf("user %d: candidates not strictly increasing at %d: %v", u, k, c)
			}
			if i < 0 || int(i) >= x.NumItems {
				t.Fatalf("user %d: candidate %d out of range", u, i)
			}
			if x.Has(u, i) {
				t.Fatalf("user %d: candidate %d is a positive", u, i)
			}
		}
	}
}

func TestSplitsLOOInvariants(t *testing.T) {
	x := splitsRandomData(t, 300, 2000, 3, 60, 7)
	s, err := LeaveOneOut(x, 0, DefaultNumCandidates)
	if err != nil {
		t.Fatal(err)
	}
	splitsCheckPartition(t, x, s)
	splitsCheckCandidates(t, x, s, DefaultNumCandidates)
	for u := 0; u < x.NumUsers; u++ {
		if len(s.Valid[u]) != 1 || len(s.Test[u]) != 1 {
			t.Fatalf("user %d: %d valid, %d test items, want 1 and 1", u, len(s.Valid[u]), len(s.Test[u]))
		}
	}
	if nv, nt := s.NumHeldOut(); nv != 300 || nt != 300 || s.Train.NNZ() != x.NNZ()-600 {
		t.Fatalf("sizes: %d valid, %d test, %d train", nv, nt, s.Train.NNZ())
	}
	if s.Name != "loo seed=0 cand=499" {
		t.Fatalf("name %q", s.Name)
	}
	if d, err := LeaveOneOutWithOptions(x, 0, DefaultLOOOptions()); err != nil || !reflect.DeepEqual(d, s) {
		t.Fatalf("DefaultLOOOptions differs from LeaveOneOut(x, 0, DefaultNumCandidates): %v", err)
	}
	// The item-side index of Train must agree with the user side.
	y, err := FromPairs(s.Train.NumUsers, s.Train.NumItems, s.Train.Pairs())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(y.ItemPtr, s.Train.ItemPtr) || !slices.Equal(y.ItemUsers, s.Train.ItemUsers) {
		t.Fatal("train item index inconsistent with user index")
	}
}

func TestSplitsLOOHeldOutUniform(t *testing.T) {
	// One user with 4 items: every item should be held out for validation
	// (and for test) about a quarter of the time over many seeds.
	x, err := FromPairs(1, 10, []Pair{{0, 1}, {0, 3}, {0, 5}, {0, 7}})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[[2]int32]int{}
	const runs = 4000
	for seed := uint64(0); seed < runs; seed++ {
		s, err := LeaveOneOut(x, seed, 0)
		if err != nil {
			t.Fatal(err)
		}
		counts[[2]int32{s.Valid[0][0], s.Test[0][0]}]++
	}
	if len(counts) != 12 {
		t.Fatalf("%d distinct (valid, test) pairs, want 12: %v", len(counts), counts)
	}
	for p, c := range counts {
		if math.Abs(float64(c)-runs/12.0) > 5*math.Sqrt(runs/12.0) {
			t.Errorf("pair %v held out %d times of %d", p, c, runs)
		}
	}
}

func TestSplitsCandidatesUniform(t *testing.T) {
	// 2 candidates among the 6 unobserved items of 10: each unobserved item
	// should be chosen with probability 1/3.
	x, err := FromPairs(1, 10, []Pair{{0, 0}, {0, 4}, {0, 5}, {0, 9}})
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]int, 10)
	const runs = 3000
	for seed := uint64(0); seed < runs; seed++ {
		s, err := LeaveOneOut(x, seed, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range s.Candidates[0] {
			counts[i]++
		}
	}
	for i, c := range counts {
		if x.Has(0, int32(i)) {
			if c != 0 {
				t.Fatalf("observed item %d sampled", i)
			}
			continue
		}
		if math.Abs(float64(c)-runs/3.0) > 5*math.Sqrt(runs*(1/3.0)*(2/3.0)) {
			t.Errorf("item %d sampled %d times of %d", i, c, runs)
		}
	}
}

func TestSplitsLOODeterminism(t *testing.T) {
	x := splitsRandomData(t, 200, 1500, 3, 40, 3)
	a, err := LeaveOneOut(x, 42, 100)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LeaveOneOut(x, 42, 100)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed gave different splits")
	}
	c, err := LeaveOneOut(x, 43, 100)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(a.Test, c.Test) || reflect.DeepEqual(a.Valid, c.Valid) || reflect.DeepEqual(a.Candidates, c.Candidates) {
		t.Fatal("different seeds gave the same held-out items or candidates")
	}
	// The held-out items do not depend on the number of candidates.
	d, err := LeaveOneOut(x, 42, 0)
	if err != nil {
		t.Fatal(err)
	}
	if d.Candidates != nil || !reflect.DeepEqual(a.Valid, d.Valid) || !reflect.DeepEqual(a.Test, d.Test) ||
		!reflect.DeepEqual(a.Train.UserItems, d.Train.UserItems) {
		t.Fatal("held-out items depend on the number of candidates")
	}
	if d.Name != "loo seed=42" {
		t.Fatalf("name %q", d.Name)
	}
	// SampleCandidates on the candidate-free split reproduces the candidates.
	if err := SampleCandidates(d, 42, 100); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Candidates, d.Candidates) {
		t.Fatal("SampleCandidates differs from LeaveOneOut's candidates for the same seed")
	}
	if d.Name != "loo seed=42 cand=100 cand-seed=42" {
		t.Fatalf("name %q", d.Name)
	}
}

func TestSplitsLOOShortUsers(t *testing.T) {
	pairs := []Pair{
		{0, 0}, {0, 1}, {0, 2}, {0, 3},
		{1, 4}, {1, 5}, // two interactions
		{3, 6}, {3, 7}, {3, 8}, // user 2 has none
	}
	x, err := FromPairs(4, 50, pairs)
	if err != nil {
		t.Fatal(err)
	}
	_, err = LeaveOneOut(x, 0, 10)
	if err == nil || !strings.Contains(err.Error(), "user 1 ") || !strings.Contains(err.Error(), "2 interactions") {
		t.Fatalf("want an error naming user 1 with 2 interactions, got %v", err)
	}
	x.UserIDs = []string{"a", "b", "c", "d"}
	_, err = LeaveOneOut(x, 0, 10)
	if err == nil || !strings.Contains(err.Error(), `"b"`) {
		t.Fatalf("want an error naming user id b, got %v", err)
	}
	x.UserIDs = nil

	drop, err := LeaveOneOutWithOptions(x, 0, LOOOptions{NumCandidates: 10, ShortUsers: ShortUsersDrop})
	if err != nil {
		t.Fatal(err)
	}
	if err := drop.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(drop.Train.Items(1)) != 0 || len(drop.Valid[1]) != 0 || len(drop.Test[1]) != 0 || drop.Candidates[1] != nil {
		t.Fatal("dropped user 1 still has data")
	}
	if len(drop.Train.Items(2)) != 0 || drop.Valid[2] != nil || drop.Candidates[2] != nil {
		t.Fatal("empty user 2 got data")
	}
	if drop.Name != "loo seed=0 cand=10 short=drop" {
		t.Fatalf("name %q", drop.Name)
	}

	keep, err := LeaveOneOutWithOptions(x, 0, LOOOptions{NumCandidates: 10, ShortUsers: ShortUsersTrainOnly})
	if err != nil {
		t.Fatal(err)
	}
	splitsCheckPartition(t, x, keep)
	splitsCheckCandidates(t, x, keep, 10)
	if !slices.Equal(keep.Train.Items(1), []int32{4, 5}) || len(keep.Valid[1]) != 0 {
		t.Fatal("train-only user 1 not kept in train")
	}
	// The policy does not change the other users' split.
	if !reflect.DeepEqual(drop.Valid, keep.Valid) || !reflect.DeepEqual(drop.Test, keep.Test) || !reflect.DeepEqual(drop.Candidates, keep.Candidates) {
		t.Fatal("short-user policy changed the split of other users")
	}

	if _, err := LeaveOneOutWithOptions(x, 0, LOOOptions{ShortUsers: ShortUserPolicy(9)}); err == nil {
		t.Fatal("unknown policy accepted")
	}
	if _, err := LeaveOneOut(x, 0, -1); err == nil {
		t.Fatal("negative candidate count accepted")
	}
	if _, err := LeaveOneOut(nil, 0, 1); err == nil {
		t.Fatal("nil interactions accepted")
	}
}

func TestSplitsLOOTooFewUnobserved(t *testing.T) {
	// 10 items, user 0 has 5: exactly 5 unobserved items.
	x, err := FromPairs(2, 10, []Pair{{0, 0}, {0, 2}, {0, 4}, {0, 6}, {0, 8}, {1, 1}, {1, 2}, {1, 3}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = LeaveOneOut(x, 0, 6)
	if err == nil || !strings.Contains(err.Error(), "user 0 has 5 unobserved items") {
		t.Fatalf("want an error for user 0 with 5 unobserved items, got %v", err)
	}
	s, err := LeaveOneOut(x, 0, 5)
	if err != nil {
		t.Fatal(err)
	}
	splitsCheckCandidates(t, x, s, 5)
	if !slices.Equal(s.Candidates[0], []int32{1, 3, 5, 7, 9}) {
		t.Fatalf("candidates %v, want all unobserved items", s.Candidates[0])
	}
}

func TestSplitsSampleCandidates(t *testing.T) {
	// An imported LOO split: candidates must avoid train, valid and test.
	train, err := FromPairs(3, 12, []Pair{{0, 0}, {0, 1}, {1, 2}, {1, 3}})
	if err != nil {
		t.Fatal(err)
	}
	s := &Split{
		Name:  "imported",
		Train: train,
		Valid: [][]int32{{5}, {6}, nil},
		Test:  [][]int32{{7}, {8}, nil},
	}
	if err := SampleCandidates(s, 1, 8); err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Candidates[0], []int32{2, 3, 4, 6, 8, 9, 10, 11}) {
		t.Fatalf("user 0 candidates %v", s.Candidates[0])
	}
	if !slices.Equal(s.Candidates[1], []int32{0, 1, 4, 5, 7, 9, 10, 11}) {
		t.Fatalf("user 1 candidates %v", s.Candidates[1])
	}
	if s.Candidates[2] != nil {
		t.Fatal("user without held-out items got candidates")
	}
	if s.Name != "imported cand=8 cand-seed=1" {
		t.Fatalf("name %q", s.Name)
	}
	// With one more validation item user 1 has 7 unobserved items only:
	// asking for 8 fails for it...
	s.Valid[1] = []int32{6, 9}
	before := s.Candidates
	if err := SampleCandidates(s, 1, 8); err == nil || !strings.Contains(err.Error(), "user 1 ") {
		t.Fatalf("want an error for user 1, got %v", err)
	}
	// ...and leaves the split unchanged.
	if !reflect.DeepEqual(before, s.Candidates) || s.Name != "imported cand=8 cand-seed=1" {
		t.Fatal("failed SampleCandidates modified the split")
	}
	if err := SampleCandidates(s, 1, 0); err == nil {
		t.Fatal("zero candidates accepted")
	}
	if err := SampleCandidates(&Split{}, 1, 3); err == nil {
		t.Fatal("split without train accepted")
	}
}

// splitsDenseData builds a data set in which every user u in [0, numUsers)
// has the items 0..sizes[u]-1, so that (with enough users) every item is in
// some user's training part.
func splitsDenseData(t *testing.T, sizes []int, numItems int) *Interactions {
	t.Helper()
	var pairs []Pair
	for u, k := range sizes {
		for i := 0; i < k; i++ {
			pairs = append(pairs, Pair{int32(u), int32(i)})
		}
	}
	x, err := FromPairs(len(sizes), numItems, pairs)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestSplitsRatioSizes(t *testing.T) {
	var sizes []int
	for k := 0; k <= 40; k++ {
		sizes = append(sizes, k)
	}
	x := splitsDenseData(t, sizes, 40)
	for _, fr := range []struct{ valid, test float64 }{{0.2, 0.2}, {0.1, 0.1}, {0.15, 0.25}, {0, 0.3}} {
		s, err := RatioSplit(x, 5, fr.valid, fr.test, RatioOptions{KeepUnseen: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		for u, k := range sizes {
			nt := int(math.Floor(fr.test * float64(k)))
			nv := int(math.Floor(fr.valid * float64(k)))
			excluded := (fr.valid > 0 && nv == 0) || (fr.test > 0 && nt == 0)
			gotTr, gotV, gotT := len(s.Train.Items(u)), len(s.Valid[u]), len(s.Test[u])
			if gotTr != k-nt-nv {
				t.Fatalf("%v user with %d items: %d train, want %d", fr, k, gotTr, k-nt-nv)
			}
			if excluded {
				if gotV != 0 || gotT != 0 {
					t.Fatalf("%v user with %d items: %d valid %d test, want excluded", fr, k, gotV, gotT)
				}
				continue
			}
			if gotV != nv || gotT != nt {
				t.Fatalf("%v user with %d items: %d valid %d test, want %d and %d", fr, k, gotV, gotT, nv, nt)
			}
			all := slices.Concat(s.Train.Items(u), s.Valid[u], s.Test[u])
			slices.Sort(all)
			if !slices.Equal(all, x.Items(u)) {
				t.Fatalf("user %d: parts do not partition its items", u)
			}
		}
	}
	// Spot values of the floor arithmetic at 20%.
	s, err := RatioSplit602020(x, 0)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[int][3]int{4: {4, 0, 0}, 5: {3, 1, 1}, 9: {7, 1, 1}, 10: {6, 2, 2}, 14: {10, 2, 2}, 15: {9, 3, 3}, 40: {24, 8, 8}} {
		got := [3]int{len(s.Train.Items(k)), len(s.Valid[k]), len(s.Test[k])}
		if got != want {
			t.Errorf("60/20/20, %d items: train/valid/test %v, want %v", k, got, want)
		}
	}
	if s.Name != "ratio 0.6/0.2/0.2 seed=0" {
		t.Fatalf("name %q", s.Name)
	}
	s, err = RatioSplit801010(x, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := [3]int{len(s.Train.Items(25)), len(s.Valid[25]), len(s.Test[25])}; got != [3]int{21, 2, 2} {
		t.Errorf("80/10/10, 25 items: %v", got)
	}
	if s.Name != "ratio 0.8/0.1/0.1 seed=3" {
		t.Fatalf("name %q", s.Name)
	}
}

func TestSplitsRatioDropsUnseen(t *testing.T) {
	x0 := splitsRandomData(t, 150, 300, 5, 30, 11)
	// User 150 gets 10 items of its own (300..309) that nobody else has:
	// every held-out item of it is unseen in train, so it is excluded.
	pairs := x0.Pairs()
	for i := 300; i < 310; i++ {
		pairs = append(pairs, Pair{150, int32(i)})
	}
	// User 151 mixes 4 private items (310..313) with 16 common ones.
	for i := 310; i < 314; i++ {
		pairs = append(pairs, Pair{151, int32(i)})
	}
	for i := 0; i < 16; i++ {
		pairs = append(pairs, Pair{151, int32(i)})
	}
	x, err := FromPairs(152, 314, pairs)
	if err != nil {
		t.Fatal(err)
	}
	for seed := uint64(0); seed < 5; seed++ {
		raw, err := RatioSplit(x, seed, 0.2, 0.2, RatioOptions{KeepUnseen: true})
		if err != nil {
			t.Fatal(err)
		}
		s, err := RatioSplit602020(x, seed)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(raw.Train, s.Train) {
			t.Fatal("dropping unseen items changed the training part")
		}
		seen := make([]bool, x.NumItems)
		for _, i := range s.Train.UserItems {
			seen[i] = true
		}
		filter := func(items []int32) []int32 {
			var out []int32
			for _, i := range items {
				if seen[i] {
					out = append(out, i)
				}
			}
			return out
		}
		dropped := 0
		for u := 0; u < x.NumUsers; u++ {
			wantV, wantT := filter(raw.Valid[u]), filter(raw.Test[u])
			dropped += len(raw.Valid[u]) + len(raw.Test[u]) - len(wantV) - len(wantT)
			if len(wantV) == 0 || len(wantT) == 0 {
				wantV, wantT = nil, nil
			}
			if !slices.Equal(s.Valid[u], wantV) || !slices.Equal(s.Test[u], wantT) {
				t.Fatalf("seed %d user %d: valid %v test %v, want %v %v (raw %v %v)", seed, u, s.Valid[u], s.Test[u], wantV, wantT, raw.Valid[u], raw.Test[u])
			}
			for _, i := range slices.Concat(s.Valid[u], s.Test[u]) {
				if !seen[i] {
					t.Fatalf("held-out item %d unseen in train", i)
				}
			}
		}
		if dropped == 0 {
			t.Fatalf("seed %d: nothing dropped", seed)
		}
		if len(raw.Valid[150]) != 2 || len(s.Valid[150]) != 0 || len(s.Test[150]) != 0 || len(s.Train.Items(150)) != 6 {
			t.Fatalf("seed %d: user 150 not excluded with its training items kept", seed)
		}
		for _, i := range slices.Concat(s.Valid[151], s.Test[151]) {
			if i >= 310 {
				t.Fatalf("seed %d: private item %d of user 151 held out", seed, i)
			}
		}
	}
}

func TestSplitsRatioRenumber(t *testing.T) {
	x0 := splitsRandomData(t, 100, 200, 1, 25, 12)
	pairs := x0.Pairs()
	for i := 200; i < 210; i++ { // a user with private items only
		pairs = append(pairs, Pair{100, int32(i)})
	}
	x, err := FromPairs(101, 210, pairs)
	if err != nil {
		t.Fatal(err)
	}
	keep, err := RatioSplit602020(x, 1)
	if err != nil {
		t.Fatal(err)
	}
	s, err := RatioSplit(x, 1, 0.2, 0.2, RatioOptions{Renumber: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.Name != "ratio 0.6/0.2/0.2 seed=1 renumber" {
		t.Fatalf("name %q", s.Name)
	}
	if s.NumItems() != x.NumItems || len(s.Train.UserIDs) != s.NumUsers() {
		t.Fatal("item space changed or user ids missing")
	}
	evaluated := 0
	for u := 0; u < keep.NumUsers(); u++ {
		if len(keep.Valid[u]) > 0 {
			evaluated++
		}
	}
	if s.NumUsers() == 0 || s.NumUsers() > evaluated || s.NumUsers() >= x.NumUsers {
		t.Fatalf("renumbered split has %d users; %d evaluated without renumbering, %d in all", s.NumUsers(), evaluated, x.NumUsers)
	}
	seen := make([]bool, x.NumItems)
	for _, i := range s.Train.UserItems {
		seen[i] = true
	}
	prev := -1
	for v := 0; v < s.NumUsers(); v++ {
		u, err := strconv.Atoi(s.Train.UserIDs[v])
		if err != nil || u <= prev {
			t.Fatalf("user ids %v not increasing original indices", s.Train.UserIDs)
		}
		prev = u
		if len(s.Valid[v]) == 0 || len(s.Test[v]) == 0 {
			t.Fatalf("renumbered user %d (was %d) has empty valid or test", v, u)
		}
		for _, i := range slices.Concat(s.Valid[v], s.Test[v]) {
			if !seen[i] || !x.Has(u, i) {
				t.Fatalf("renumbered user %d: bad held-out item %d", v, i)
			}
		}
		for _, i := range s.Train.Items(v) {
			if !x.Has(u, i) {
				t.Fatalf("renumbered user %d: train item %d is not one of user %d's", v, i, u)
			}
		}
	}
	if prev == 100 {
		t.Fatal("user with private items only was kept")
	}
}

func TestSplitsRatioDeterminismAndErrors(t *testing.T) {
	x := splitsRandomData(t, 120, 400, 5, 50, 4)
	a, _ := RatioSplit602020(x, 9)
	b, _ := RatioSplit602020(x, 9)
	c, _ := RatioSplit602020(x, 10)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed gave different ratio splits")
	}
	if reflect.DeepEqual(a.Test, c.Test) {
		t.Fatal("different seeds gave the same ratio split")
	}
	for _, fr := range [][2]float64{{-0.1, 0.2}, {0.2, -0.1}, {0.5, 0.5}, {0.7, 0.4}, {math.NaN(), 0.2}} {
		if _, err := RatioSplit(x, 0, fr[0], fr[1], RatioOptions{}); err == nil {
			t.Errorf("fractions %v accepted", fr)
		}
	}
	if _, err := RatioSplit(nil, 0, 0.2, 0.2, RatioOptions{}); err == nil {
		t.Error("nil interactions accepted")
	}
}

// splitsLoadCiteULike reads citeulike-t users.dat ("count item item ..." per
// line), keeps the users with at least 5 items and renumbers the items in
// order of first appearance, as the authors' preprocessing does.
func splitsLoadCiteULike(t *testing.T) *Interactions {
	t.Helper()
	root := os.Getenv("KDREC_DATASETS")
	if root == "" {
		datatest.Skip(t, "KDREC_DATASETS not set: skipping the CiteULike leave-one-out check")
	}
	f, err := os.Open(filepath.Join(root, "citeulike", "citeulike-t", "users.dat"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	itemIndex := map[string]int32{}
	var pairs []Pair
	users := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if n, err := strconv.Atoi(fields[0]); err != nil || n != len(fields)-1 {
			t.Fatalf("users.dat line %d: count %q does not match %d items", line, fields[0], len(fields)-1)
		}
		if len(fields)-1 < 5 {
			continue
		}
		for _, it := range fields[1:] {
			i, ok := itemIndex[it]
			if !ok {
				i = int32(len(itemIndex))
				itemIndex[it] = i
			}
			pairs = append(pairs, Pair{int32(users), i})
		}
		users++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	x, err := FromPairs(users, len(itemIndex), pairs)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestSplitsCiteULikeLOO(t *testing.T) {
	x := splitsLoadCiteULike(t)
	if x.NumUsers != 5219 || x.NumItems != 25181 || x.NNZ() != 125580 {
		t.Fatalf("CiteULike: %d users, %d items, %d interactions; want 5219, 25181, 125580", x.NumUsers, x.NumItems, x.NNZ())
	}
	start := time.Now()
	s, err := LeaveOneOut(x, 0, DefaultNumCandidates)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("LeaveOneOut on CiteULike took %v", time.Since(start))
	nv, nt := s.NumHeldOut()
	if nv != 5219 || nt != 5219 || s.Train.NNZ() != 115142 {
		t.Fatalf("LOO: %d valid, %d test, %d train; want 5219, 5219, 115142", nv, nt, s.Train.NNZ())
	}
	splitsCheckPartition(t, x, s)
	splitsCheckCandidates(t, x, s, DefaultNumCandidates)

	r, err := RatioSplit602020(x, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	evaluated := 0
	for u := range r.Test {
		if len(r.Test[u]) > 0 {
			evaluated++
		}
	}
	nv, nt = r.NumHeldOut()
	t.Logf("%s: %d train, %d valid, %d test, %d users evaluated", r.Name, r.Train.NNZ(), nv, nt, evaluated)
}

// splitsCiteULikeSize builds a synthetic data set of CiteULike's size:
// 5,219 users with at least 5 items each, 25,181 items and about 125,600
// interactions, with one heavy user of 1,993 items.
func splitsCiteULikeSize(b testing.TB) *Interactions {
	rng := rand.New(rand.NewPCG(2024, 2))
	const users, items = 5219, 25181
	var pairs []Pair
	for u := 0; u < users; u++ {
		k := 5 + rng.IntN(34)
		if u == 0 {
			k = 1993
		}
		for j := 0; j < k; j++ {
			pairs = append(pairs, Pair{int32(u), int32(rng.IntN(items))})
		}
	}
	x, err := FromPairs(users, items, pairs)
	if err != nil {
		b.Fatal(err)
	}
	return x
}

func TestSplitsLOOCiteULikeSize(t *testing.T) {
	x := splitsCiteULikeSize(t)
	s, err := LeaveOneOut(x, 0, DefaultNumCandidates)
	if err != nil {
		t.Fatal(err)
	}
	splitsCheckPartition(t, x, s)
	splitsCheckCandidates(t, x, s, DefaultNumCandidates)
}

func BenchmarkSplitsLeaveOneOut(b *testing.B) {
	x := splitsCiteULikeSize(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := LeaveOneOut(x, uint64(i), DefaultNumCandidates); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSplitsCandidatesLargeItemSpace(t *testing.T) {
	// Few candidates over many items: the ranks are sorted by comparison
	// instead of a bit-set scan.
	x := splitsRandomData(t, 60, 100000, 3, 30, 8)
	s, err := LeaveOneOut(x, 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	splitsCheckPartition(t, x, s)
	splitsCheckCandidates(t, x, s, 5)
}

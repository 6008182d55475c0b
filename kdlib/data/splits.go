package data

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strconv"
)

// DefaultNumCandidates is the number of sampled unobserved items per user
// in the leave-one-out protocol of the methods specification (§2.4a): the
// held-out target is ranked among itself and these 499 candidates.
const DefaultNumCandidates = 499

// MinLOOInteractions is the number of interactions a user needs for a
// leave-one-out split: one for validation, one for test and at least one
// left for training.
const MinLOOInteractions = 3

// Fixed PCG streams, one per kind of randomness, so that for a given seed the
// held-out items do not depend on whether candidates are sampled, and
// SampleCandidates on a leave-one-out split reproduces its candidates.
const (
	streamLOOHoldOut    = 0x6c6f6f5f686f6c64 // "loo_hold"
	streamCandidates    = 0x63616e6469646174 // "candidat"
	streamRatioShuffles = 0x726174696f5f7368 // "ratio_sh"
)

// ShortUserPolicy says what LeaveOneOutWithOptions does with a user that has
// at least one but fewer than MinLOOInteractions interactions. Users with no
// interaction at all (for example padding rows of an index space) have
// nothing to split and always end up empty in every part, whatever the
// policy.
type ShortUserPolicy int

const (
	// ShortUsersError makes the split fail with an error naming the first
	// such user and its interaction count. It is the default (zero value).
	ShortUsersError ShortUserPolicy = iota
	// ShortUsersDrop leaves such users out of the split: their interactions
	// appear in no part (train, valid and test are empty), but the user
	// index space is kept.
	ShortUsersDrop
	// ShortUsersTrainOnly puts all interactions of such users in the
	// training part; they get no held-out item and no candidates, so they
	// are excluded from evaluation.
	ShortUsersTrainOnly
)

// String returns "error", "drop" or "train-only".
func (p ShortUserPolicy) String() string {
	switch p {
	case ShortUsersError:
		return "error"
	case ShortUsersDrop:
		return "drop"
	case ShortUsersTrainOnly:
		return "train-only"
	}
	return "ShortUserPolicy(" + strconv.Itoa(int(p)) + ")"
}

// LOOOptions configures LeaveOneOutWithOptions. The zero value means: no
// candidates, and an error for users with fewer than MinLOOInteractions
// interactions; DefaultLOOOptions gives the protocol of §2.4a.
type LOOOptions struct {
	// NumCandidates is the number of distinct unobserved items sampled per
	// evaluated user and stored, sorted, in Split.Candidates. Zero samples
	// no candidates (Split.Candidates stays nil, as needed for full-ranking
	// evaluation of a leave-one-out split); a negative value is an error.
	NumCandidates int
	// ShortUsers decides what happens to users with fewer than
	// MinLOOInteractions interactions.
	ShortUsers ShortUserPolicy
}

// DefaultLOOOptions returns the options of the DE-RRD / IR-RRD protocol:
// DefaultNumCandidates candidates, and an error for short users.
func DefaultLOOOptions() LOOOptions {
	return LOOOptions{NumCandidates: DefaultNumCandidates}
}

// LeaveOneOut makes a leave-one-out split as in §2.4a of the methods
// specification: for every user two distinct random positives are held out,
// one for validation and one for test, and the rest are the training data.
// If numCandidates > 0, numCandidates distinct items the user never
// interacted with (in any part) are sampled uniformly per user and stored
// sorted in Split.Candidates; they are shared by validation and test. Use
// DefaultNumCandidates for the published protocol, or 0 for no candidates.
//
// A user with one or two interactions makes LeaveOneOut fail with an error
// naming the user and its count (see LeaveOneOutWithOptions to drop such
// users or keep them in train instead). A user with fewer than numCandidates
// unobserved items is an error too. Users without any interaction stay empty.
//
// The split is a deterministic function of x, seed and numCandidates; its
// Name is "loo seed=<seed> cand=<numCandidates>" (without the cand part when
// numCandidates is 0).
func LeaveOneOut(x *Interactions, seed uint64, numCandidates int) (*Split, error) {
	return LeaveOneOutWithOptions(x, seed, LOOOptions{NumCandidates: numCandidates})
}

// LeaveOneOutWithOptions is LeaveOneOut with the handling of short users
// configurable through opts. Whatever the options, the held-out items of a
// seed are the same as long as the same users are split, and the candidates
// equal those that SampleCandidates(s, seed, opts.NumCandidates) would draw
// on the split without candidates. The Name gets a " short=<policy>" suffix
// when the policy is not ShortUsersError.
func LeaveOneOutWithOptions(x *Interactions, seed uint64, opts LOOOptions) (*Split, error) {
	if err := checkInteractions(x); err != nil {
		return nil, fmt.Errorf("data: leave-one-out: %w", err)
	}
	if opts.NumCandidates < 0 {
		return nil, fmt.Errorf("data: leave-one-out: negative number of candidates %d", opts.NumCandidates)
	}
	switch opts.ShortUsers {
	case ShortUsersError, ShortUsersDrop, ShortUsersTrainOnly:
	default:
		return nil, fmt.Errorf("data: leave-one-out: unknown short-user policy %d", int(opts.ShortUsers))
	}
	n := x.NumUsers
	rng := rand.New(rand.NewPCG(seed, streamLOOHoldOut))
	valid := make([][]int32, n)
	test := make([][]int32, n)
	ptr := make([]int, n+1)
	trainItems := make([]int32, 0, max(0, x.NNZ()-2*n))
	for u := 0; u < n; u++ {
		items := x.Items(u)
		k := len(items)
		switch {
		case k == 0:
			// Nothing to split.
		case k < MinLOOInteractions:
			switch opts.ShortUsers {
			case ShortUsersError:
				return nil, fmt.Errorf("data: leave-one-out: user %s has %d interactions, need at least %d (one each for train, valid and test)",
					userName(x, u), k, MinLOOInteractions)
			case ShortUsersTrainOnly:
				trainItems = append(trainItems, items...)
			}
		default:
			a := rng.IntN(k)
			b := rng.IntN(k - 1)
			if b >= a {
				b++
			}
			valid[u] = []int32{items[a]}
			test[u] = []int32{items[b]}
			for j, i := range items {
				if j != a && j != b {
					trainItems = append(trainItems, i)
				}
			}
		}
		ptr[u+1] = len(trainItems)
	}
	s := &Split{
		Name:  "loo seed=" + strconv.FormatUint(seed, 10),
		Train: newTrain(n, x.NumItems, ptr, trainItems, x.UserIDs, x.ItemIDs),
		Valid: valid,
		Test:  test,
	}
	if opts.NumCandidates > 0 {
		s.Name += " cand=" + strconv.Itoa(opts.NumCandidates)
		cands, err := sampleCandidates(s, seed, opts.NumCandidates, x.Items)
		if err != nil {
			return nil, fmt.Errorf("data: leave-one-out: %w", err)
		}
		s.Candidates = cands
	}
	if opts.ShortUsers != ShortUsersError {
		s.Name += " short=" + opts.ShortUsers.String()
	}
	return s, nil
}

// LeaveLastOut makes a leave-last-out split by time, the usual protocol
// when interactions have times: for every user the last interaction in
// time is the test item, the one before it the validation item, and the
// rest are the training data. x must have times (Interactions.Times: read
// with a time column). Ties in time are broken by item index, the larger
// index counting as the later interaction; items read from a file are
// numbered in order of first appearance, so among interactions of equal
// time the item met later in the file counts as later. The hold-out is
// thus deterministic and does not depend on seed.
//
// Candidates and users with fewer than MinLOOInteractions interactions are
// handled as by LeaveOneOutWithOptions (opts): with opts.NumCandidates > 0
// that many unobserved items are sampled per user with seed, exactly as
// SampleCandidates would draw them on the split, and the split serves the
// sampled leave-one-out protocol (eval.LOO) as well as full ranking. The
// Name is "llo" followed by " cand=<n> seed=<seed>" with candidates and
// " short=<policy>" when the policy is not ShortUsersError.
func LeaveLastOut(x *Interactions, seed uint64, opts LOOOptions) (*Split, error) {
	if err := checkInteractions(x); err != nil {
		return nil, fmt.Errorf("data: leave-last-out: %w", err)
	}
	if x.Times == nil {
		return nil, errors.New("data: leave-last-out: the data set has no times: read it with a time column " +
			"(data.Columns with ColTime; cols=user,item,time in kdrepl), or split it leave-one-out at random")
	}
	if len(x.Times) != x.NNZ() {
		return nil, fmt.Errorf("data: leave-last-out: %d times for %d interactions", len(x.Times), x.NNZ())
	}
	if opts.NumCandidates < 0 {
		return nil, fmt.Errorf("data: leave-last-out: negative number of candidates %d", opts.NumCandidates)
	}
	switch opts.ShortUsers {
	case ShortUsersError, ShortUsersDrop, ShortUsersTrainOnly:
	default:
		return nil, fmt.Errorf("data: leave-last-out: unknown short-user policy %d", int(opts.ShortUsers))
	}
	n := x.NumUsers
	valid := make([][]int32, n)
	test := make([][]int32, n)
	ptr := make([]int, n+1)
	trainItems := make([]int32, 0, max(0, x.NNZ()-2*n))
	for u := 0; u < n; u++ {
		items, times := x.Items(u), x.TimesOf(u)
		k := len(items)
		switch {
		case k == 0:
		case k < MinLOOInteractions:
			switch opts.ShortUsers {
			case ShortUsersError:
				return nil, fmt.Errorf("data: leave-last-out: user %s has %d interactions, need at least %d (one each for train, valid and test)",
					userName(x, u), k, MinLOOInteractions)
			case ShortUsersTrainOnly:
				trainItems = append(trainItems, items...)
			}
		default:
			// The last and second-last positions in (time, item) order;
			// items ascend within the row, so a later position wins ties.
			later := func(a, b int) bool { return times[a] > times[b] || (times[a] == times[b] && a > b) }
			last, prev := 0, -1
			for j := 1; j < k; j++ {
				switch {
				case later(j, last):
					last, prev = j, last
				case prev < 0 || later(j, prev):
					prev = j
				}
			}
			valid[u] = []int32{items[prev]}
			test[u] = []int32{items[last]}
			for j, i := range items {
				if j != last && j != prev {
					trainItems = append(trainItems, i)
				}
			}
		}
		ptr[u+1] = len(trainItems)
	}
	s := &Split{
		Name:  "llo",
		Train: newTrain(n, x.NumItems, ptr, trainItems, x.UserIDs, x.ItemIDs),
		Valid: valid,
		Test:  test,
	}
	if opts.NumCandidates > 0 {
		s.Name += " cand=" + strconv.Itoa(opts.NumCandidates) + " seed=" + strconv.FormatUint(seed, 10)
		cands, err := sampleCandidates(s, seed, opts.NumCandidates, x.Items)
		if err != nil {
			return nil, fmt.Errorf("data: leave-last-out: %w", err)
		}
		s.Candidates = cands
	}
	if opts.ShortUsers != ShortUsersError {
		s.Name += " short=" + opts.ShortUsers.String()
	}
	return s, nil
}

// SampleCandidates fills s.Candidates with, for every user that has a
// validation or test item, n distinct items drawn uniformly from the items
// the user has in none of s.Train, s.Valid and s.Test, stored sorted. Users
// without held-out items get no candidates. It is meant for leave-one-out
// splits imported without their candidate file, and appends
// " cand=<n> cand-seed=<seed>" to s.Name.
//
// It reports an error, leaving s unchanged, if n is not positive, if the
// split is malformed, or if a user has fewer than n unobserved items. The
// result is a deterministic function of the split, seed and n; on a split
// made by LeaveOneOut with the same seed it reproduces that split's
// candidates.
func SampleCandidates(s *Split, seed uint64, n int) error {
	if s == nil || s.Train == nil {
		return errors.New("data: sample candidates: split has no training data")
	}
	if n <= 0 {
		return fmt.Errorf("data: sample candidates: number of candidates %d is not positive", n)
	}
	nu := s.Train.NumUsers
	if len(s.Valid) != nu || len(s.Test) != nu {
		return fmt.Errorf("data: sample candidates: split %q: valid/test have %d/%d users, train has %d", s.Name, len(s.Valid), len(s.Test), nu)
	}
	var buf []int32
	cands, err := sampleCandidates(s, seed, n, func(u int) []int32 {
		buf = append(buf[:0], s.Train.Items(u)...)
		buf = append(buf, s.Valid[u]...)
		buf = append(buf, s.Test[u]...)
		slices.Sort(buf)
		buf = slices.Compact(buf)
		return buf
	})
	if err != nil {
		return fmt.Errorf("data: sample candidates: split %q: %w", s.Name, err)
	}
	s.Candidates = cands
	s.Name += " cand=" + strconv.Itoa(n) + " cand-seed=" + strconv.FormatUint(seed, 10)
	return nil
}

// sampleCandidates draws n candidates for every user of s with held-out
// items, avoiding the sorted, duplicate-free item list that observed returns
// for the user (valid until the next call).
//
// Each user's sample is drawn with Floyd's algorithm over the ranks
// [0, m) of the m unobserved items, with a reusable bit set for membership,
// and the sorted ranks are then mapped to items in one merge with the
// observed list. The ranks are sorted by scanning the bit set when it is
// small relative to n (the usual case: 25,181 items are 394 words) and by a
// comparison sort otherwise. Each user costs exactly n random draws.
func sampleCandidates(s *Split, seed uint64, n int, observed func(u int) []int32) ([][]int32, error) {
	nu, ni := s.Train.NumUsers, s.Train.NumItems
	rng := rand.New(rand.NewPCG(seed, streamCandidates))
	out := make([][]int32, nu)
	set := make([]uint64, (ni+63)/64)
	ranks := make([]int, 0, n)
	var slab []int32 // backing store for the candidate lists, allocated in chunks
	for u := 0; u < nu; u++ {
		if len(s.Valid[u]) == 0 && len(s.Test[u]) == 0 {
			continue
		}
		obs := observed(u)
		m := ni - len(obs)
		if m < n {
			return nil, fmt.Errorf("user %s has %d unobserved items, fewer than the %d candidates requested",
				userName(s.Train, u), m, n)
		}
		scan := (m+63)/64 <= 16*n
		ranks = ranks[:0]
		for j := m - n; j < m; j++ {
			t := rng.IntN(j + 1)
			if set[t>>6]&(1<<(t&63)) != 0 {
				t = j
			}
			set[t>>6] |= 1 << (t & 63)
			if !scan {
				ranks = append(ranks, t)
			}
		}
		if scan {
			for w, bs := range set[:(m+63)/64] {
				for bs != 0 {
					ranks = append(ranks, w<<6+bits.TrailingZeros64(bs))
					bs &= bs - 1
				}
				set[w] = 0
			}
		} else {
			for _, t := range ranks {
				set[t>>6] = 0
			}
			slices.Sort(ranks)
		}
		if len(slab) < n {
			slab = make([]int32, n*min(nu-u, 256))
		}
		c := slab[:n:n]
		slab = slab[n:]
		k := 0 // observed items below the current candidate
		for idx, r := range ranks {
			for k < len(obs) && int(obs[k]) <= r+k {
				k++
			}
			c[idx] = int32(r + k)
		}
		out[u] = c
	}
	return out, nil
}

// RatioOptions configures RatioSplit. The zero value gives the HetComp
// behaviour of §4.1 with the user index space preserved.
type RatioOptions struct {
	// KeepUnseen keeps validation and test items that no user has in the
	// training part. By default they are dropped, as in HetComp.
	KeepUnseen bool
	// Renumber removes the users excluded from evaluation from the index
	// space altogether, training interactions included, and renumbers the
	// remaining users compactly in their original order. Train.UserIDs then
	// maps the new indices to the original identifiers (to the original
	// indices, as decimal strings, when the input has no UserIDs). Because
	// removing training data can make more held-out items unseen, the
	// filtering is repeated until no further user is removed. The item index
	// space is never renumbered. By default (false) excluded users keep
	// their index and their training items but get empty validation and
	// test parts.
	Renumber bool
}

// RatioSplit makes a random per-user ratio split with the semantics of the
// HetComp code (§4.1 of the methods specification). For every user u with
// n_u items, the items are shuffled; the first ⌊testFrac·n_u⌋ go to test,
// the next ⌊validFrac·n_u⌋ to validation and the rest to train (the floor is
// that of the float64 product, as Python's int() in the original code).
//
// Then validation and test items that appear in no user's training part are
// dropped (unless opts.KeepUnseen), and every user left with an empty
// validation part (when validFrac > 0) or an empty test part (when
// testFrac > 0) is excluded from evaluation: HetComp "removes" such users
// from its validation and test dictionaries but keeps their training
// interactions. Here too they keep their index and their training items
// and get empty validation and test parts, so evaluation skips them; their
// dropped held-out items appear in no part. Users with few items (for
// example fewer than 5 at 20%) have nothing held out and are excluded the
// same way. Set opts.Renumber to remove excluded users from the index space
// instead.
//
// validFrac and testFrac must be non-negative with validFrac+testFrac < 1.
// The split is a deterministic function of x, seed, the fractions and opts;
// its Name is "ratio <train>/<valid>/<test> seed=<seed>", followed by
// " keep-unseen" and " renumber" when those options are set.
func RatioSplit(x *Interactions, seed uint64, validFrac, testFrac float64, opts RatioOptions) (*Split, error) {
	if err := checkInteractions(x); err != nil {
		return nil, fmt.Errorf("data: ratio split: %w", err)
	}
	if !(validFrac >= 0 && testFrac >= 0 && validFrac+testFrac < 1) {
		return nil, fmt.Errorf("data: ratio split: invalid fractions valid=%g test=%g (need non-negative, sum below 1)", validFrac, testFrac)
	}
	n := x.NumUsers
	rng := rand.New(rand.NewPCG(seed, streamRatioShuffles))

	// Raw per-user parts, all sorted.
	train := make([][]int32, n)
	rawValid := make([][]int32, n)
	rawTest := make([][]int32, n)
	for u := 0; u < n; u++ {
		items := slices.Clone(x.Items(u))
		k := len(items)
		rng.Shuffle(k, func(a, b int) { items[a], items[b] = items[b], items[a] })
		nt := int(math.Floor(testFrac * float64(k)))
		nv := int(math.Floor(validFrac * float64(k)))
		if nt+nv >= k && k > 0 {
			// Only reachable through float rounding with fractions summing
			// to almost 1: never leave a user without training data.
			nt, nv = 0, 0
		}
		te, va, tr := items[:nt], items[nt:nt+nv], items[nt+nv:]
		slices.Sort(te)
		slices.Sort(va)
		slices.Sort(tr)
		rawTest[u], rawValid[u], train[u] = te, va, tr
	}

	active := make([]bool, n) // users kept in the index space
	for u := range active {
		active[u] = true
	}
	valid := make([][]int32, n)
	test := make([][]int32, n)
	seen := make([]int32, x.NumItems) // training occurrences of each item over active users
	for {
		clear(seen)
		for u := 0; u < n; u++ {
			if active[u] {
				for _, i := range train[u] {
					seen[i]++
				}
			}
		}
		removed := false
		for u := 0; u < n; u++ {
			if !active[u] {
				continue
			}
			va, te := rawValid[u], rawTest[u]
			if !opts.KeepUnseen {
				va = keepSeen(va, seen)
				te = keepSeen(te, seen)
			}
			if (validFrac > 0 && len(va) == 0) || (testFrac > 0 && len(te) == 0) {
				va, te = nil, nil
				if opts.Renumber {
					active[u] = false
					removed = true
				}
			}
			valid[u], test[u] = va, te
		}
		if !removed {
			break
		}
	}

	name := fmt.Sprintf("ratio %s/%s/%s seed=%d", fracString(1-validFrac-testFrac), fracString(validFrac), fracString(testFrac), seed)
	if opts.KeepUnseen {
		name += " keep-unseen"
	}
	if opts.Renumber {
		name += " renumber"
	}

	userIDs := x.UserIDs
	if opts.Renumber {
		var ids []string
		var nv, nt [][]int32
		var nTrain [][]int32
		for u := 0; u < n; u++ {
			if !active[u] {
				continue
			}
			if x.UserIDs != nil {
				ids = append(ids, x.UserIDs[u])
			} else {
				ids = append(ids, strconv.Itoa(u))
			}
			nTrain = append(nTrain, train[u])
			nv = append(nv, valid[u])
			nt = append(nt, test[u])
		}
		if len(nTrain) == 0 {
			return nil, fmt.Errorf("data: ratio split: every user was removed from evaluation: %w", ErrEmpty)
		}
		train, valid, test, userIDs, n = nTrain, nv, nt, ids, len(nTrain)
	}

	ptr := make([]int, n+1)
	total := 0
	for u := 0; u < n; u++ {
		total += len(train[u])
	}
	items := make([]int32, 0, total)
	for u := 0; u < n; u++ {
		items = append(items, train[u]...)
		ptr[u+1] = len(items)
	}
	return &Split{
		Name:  name,
		Train: newTrain(n, x.NumItems, ptr, items, userIDs, x.ItemIDs),
		Valid: valid,
		Test:  test,
	}, nil
}

// RatioSplit602020 is the HetComp split of §4.1: RatioSplit with 20% test,
// 20% validation and the rest (about 60%) for training, unseen held-out
// items dropped and the user index space preserved.
func RatioSplit602020(x *Interactions, seed uint64) (*Split, error) {
	return RatioSplit(x, seed, 0.2, 0.2, RatioOptions{})
}

// RatioSplit801010 is RatioSplit with 10% test, 10% validation and the rest
// (about 80%) for training, unseen held-out items dropped and the user index
// space preserved.
func RatioSplit801010(x *Interactions, seed uint64) (*Split, error) {
	return RatioSplit(x, seed, 0.1, 0.1, RatioOptions{})
}

// keepSeen returns the items of the sorted list that have a positive count
// in seen, in a new slice (nil if none).
func keepSeen(items []int32, seen []int32) []int32 {
	var out []int32
	for _, i := range items {
		if seen[i] > 0 {
			out = append(out, i)
		}
	}
	return out
}

// fracString formats a fraction with at most 4 significant digits, so that
// 1-0.2-0.2 prints as 0.6.
func fracString(f float64) string {
	return strconv.FormatFloat(f, 'g', 4, 64)
}

// checkInteractions rejects a nil or shapeless data set.
func checkInteractions(x *Interactions) error {
	if x == nil {
		return errors.New("nil interactions")
	}
	if x.NumUsers <= 0 || x.NumItems <= 0 || len(x.UserPtr) != x.NumUsers+1 {
		return fmt.Errorf("invalid interactions (%d users × %d items)", x.NumUsers, x.NumItems)
	}
	return nil
}

// userName formats user u as its index, followed by its identifier when
// the data set has one.
func userName(x *Interactions, u int) string {
	if x.UserIDs != nil && u < len(x.UserIDs) {
		return fmt.Sprintf("%d (id %q)", u, x.UserIDs[u])
	}
	return strconv.Itoa(u)
}

// newTrain builds training Interactions from a user-side CSR whose rows are
// already sorted and duplicate-free.
func newTrain(numUsers, numItems int, ptr []int, items []int32, userIDs, itemIDs []string) *Interactions {
	t := &Interactions{
		NumUsers:  numUsers,
		NumItems:  numItems,
		UserPtr:   ptr,
		UserItems: items[:len(items):len(items)],
		UserIDs:   userIDs,
		ItemIDs:   itemIDs,
	}
	t.buildItemIndex()
	return t
}

package data

import (
	"errors"
	"fmt"
	"slices"
)

// Interactions is an implicit-feedback user–item matrix stored twice in
// compressed sparse row form: once by user (UserPtr/UserItems) and once by
// item (ItemPtr/ItemUsers). Users and items are dense 0-based indices; the
// original identifiers, when known, are kept in UserIDs and ItemIDs.
//
// Within each row the indices are sorted ascending and unique, so membership
// tests are binary searches (see Has).
type Interactions struct {
	// NumUsers and NumItems give the index spaces [0, NumUsers) and [0, NumItems).
	NumUsers, NumItems int
	// UserPtr has NumUsers+1 entries; the items of user u are
	// UserItems[UserPtr[u]:UserPtr[u+1]].
	UserPtr []int
	// UserItems holds the items of every user, user by user, sorted within a user.
	UserItems []int32
	// ItemPtr has NumItems+1 entries; the users of item i are
	// ItemUsers[ItemPtr[i]:ItemPtr[i+1]].
	ItemPtr []int
	// ItemUsers holds the users of every item, item by item, sorted within an item.
	ItemUsers []int32
	// UserIDs and ItemIDs map indices back to the identifiers of the source
	// file. They may be nil when the source had no identifiers of its own.
	UserIDs, ItemIDs []string
	// Warnings carries the warnings of the Log it was built from (see
	// Log.Warnings); nil for data that did not come from a file.
	Warnings []string
}

// Pair is one observed (user, item) interaction in index space.
type Pair struct {
	// User and Item are 0-based indices.
	User, Item int32
}

// ErrEmpty is returned when a data set or a split part holds no interaction.
var ErrEmpty = errors.New("no interactions")

// FromPairs builds Interactions over [0,numUsers)×[0,numItems) from pairs.
// Duplicate pairs are merged. It reports an error if a pair is out of range
// or if there is no pair at all.
func FromPairs(numUsers, numItems int, pairs []Pair) (*Interactions, error) {
	if len(pairs) == 0 {
		return nil, ErrEmpty
	}
	if numUsers <= 0 || numItems <= 0 {
		return nil, fmt.Errorf("data: invalid shape %d users × %d items", numUsers, numItems)
	}
	userCount := make([]int, numUsers+1)
	for k, p := range pairs {
		if p.User < 0 || int(p.User) >= numUsers {
			return nil, fmt.Errorf("data: pair %d: user %d out of range [0,%d)", k, p.User, numUsers)
		}
		if p.Item < 0 || int(p.Item) >= numItems {
			return nil, fmt.Errorf("data: pair %d: item %d out of range [0,%d)", k, p.Item, numItems)
		}
		userCount[p.User+1]++
	}
	for u := 0; u < numUsers; u++ {
		userCount[u+1] += userCount[u]
	}
	items := make([]int32, len(pairs))
	fill := slices.Clone(userCount[:numUsers])
	for _, p := range pairs {
		items[fill[p.User]] = p.Item
		fill[p.User]++
	}
	// Sort and de-duplicate every row, compacting in place.
	ptr := make([]int, numUsers+1)
	w := 0
	for u := 0; u < numUsers; u++ {
		row := items[userCount[u]:userCount[u+1]]
		slices.Sort(row)
		row = slices.Compact(row)
		ptr[u] = w
		w += copy(items[w:], row)
	}
	ptr[numUsers] = w
	x := &Interactions{NumUsers: numUsers, NumItems: numItems, UserPtr: ptr, UserItems: items[:w:w]}
	x.buildItemIndex()
	return x, nil
}

// buildItemIndex fills ItemPtr and ItemUsers from the user-side CSR.
func (x *Interactions) buildItemIndex() {
	ptr := make([]int, x.NumItems+1)
	for _, i := range x.UserItems {
		ptr[i+1]++
	}
	for i := 0; i < x.NumItems; i++ {
		ptr[i+1] += ptr[i]
	}
	users := make([]int32, len(x.UserItems))
	fill := slices.Clone(ptr[:x.NumItems])
	for u := 0; u < x.NumUsers; u++ {
		for _, i := range x.UserItems[x.UserPtr[u]:x.UserPtr[u+1]] {
			users[fill[i]] = int32(u)
			fill[i]++
		}
	}
	x.ItemPtr, x.ItemUsers = ptr, users
}

// NNZ returns the number of distinct interactions.
func (x *Interactions) NNZ() int { return len(x.UserItems) }

// Items returns the sorted items of user u. The slice aliases internal storage.
func (x *Interactions) Items(u int) []int32 { return x.UserItems[x.UserPtr[u]:x.UserPtr[u+1]] }

// Users returns the sorted users of item i. The slice aliases internal storage.
func (x *Interactions) Users(i int) []int32 { return x.ItemUsers[x.ItemPtr[i]:x.ItemPtr[i+1]] }

// Has reports whether user u interacted with item i.
func (x *Interactions) Has(u int, i int32) bool {
	_, ok := slices.BinarySearch(x.Items(u), i)
	return ok
}

// Pairs returns all interactions, user by user, items ascending.
func (x *Interactions) Pairs() []Pair {
	out := make([]Pair, 0, x.NNZ())
	for u := 0; u < x.NumUsers; u++ {
		for _, i := range x.Items(u) {
			out = append(out, Pair{int32(u), i})
		}
	}
	return out
}

// Density returns NNZ / (NumUsers·NumItems).
func (x *Interactions) Density() float64 {
	return float64(x.NNZ()) / (float64(x.NumUsers) * float64(x.NumItems))
}

// Stats summarises a data set for printing.
type Stats struct {
	// Users, Items and Interactions count the index spaces and the pairs.
	Users, Items, Interactions int
	// Density is Interactions / (Users·Items).
	Density float64
	// MinPerUser and MaxPerUser bound the users' numbers of interactions.
	MinPerUser, MaxPerUser int
	// MinPerItem and MaxPerItem bound the items' numbers of interactions.
	MinPerItem, MaxPerItem int
	// EmptyUsers and EmptyItems count the users and items with none.
	EmptyUsers, EmptyItems int
}

// Stats computes summary statistics.
func (x *Interactions) Stats() Stats {
	s := Stats{Users: x.NumUsers, Items: x.NumItems, Interactions: x.NNZ(), Density: x.Density()}
	s.MinPerUser, s.MinPerItem = int(^uint(0)>>1), int(^uint(0)>>1)
	for u := 0; u < x.NumUsers; u++ {
		n := x.UserPtr[u+1] - x.UserPtr[u]
		s.MinPerUser, s.MaxPerUser = min(s.MinPerUser, n), max(s.MaxPerUser, n)
		if n == 0 {
			s.EmptyUsers++
		}
	}
	for i := 0; i < x.NumItems; i++ {
		n := x.ItemPtr[i+1] - x.ItemPtr[i]
		s.MinPerItem, s.MaxPerItem = min(s.MinPerItem, n), max(s.MaxPerItem, n)
		if n == 0 {
			s.EmptyItems++
		}
	}
	return s
}

// String formats the statistics on one line.
func (s Stats) String() string {
	return fmt.Sprintf("%d users, %d items, %d interactions, density %.6f (per user %d..%d, per item %d..%d)",
		s.Users, s.Items, s.Interactions, s.Density, s.MinPerUser, s.MaxPerUser, s.MinPerItem, s.MaxPerItem)
}

package data

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
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
	// Times, when not nil, holds the time of every interaction, parallel
	// to UserItems (Times[UserPtr[u]+k] is the time of user u's k-th
	// item): Log.Build copies Log.Times here. Only data read with times
	// have them; splits' training parts do not. LeaveLastOut needs them.
	Times []float64
}

// timesByRow returns the times of pairs (parallel to pairs, which are
// distinct) in the order of x.UserItems.
func timesByRow(x *Interactions, pairs []Pair, times []float64) []float64 {
	out := make([]float64, x.NNZ())
	for k, p := range pairs {
		row := x.Items(int(p.User))
		j, _ := slices.BinarySearch(row, p.Item)
		out[x.UserPtr[p.User]+j] = times[k]
	}
	return out
}

// TimesOf returns the times of user u's items, parallel to Items(u), or
// nil when x has no times. The slice aliases internal storage.
func (x *Interactions) TimesOf(u int) []float64 {
	if x.Times == nil {
		return nil
	}
	return x.Times[x.UserPtr[u]:x.UserPtr[u+1]]
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

// Quantiles summarises a distribution of degrees (interactions per user or
// per item): its minimum, the 10th, 25th, 50th, 75th and 90th percentiles,
// its maximum and its mean. The q-quantile of n sorted values is the value
// at position ⌊q·(n−1)⌋ (0-based): always one of the values.
type Quantiles struct {
	// Min, P10, P25, Median, P75, P90 and Max are order statistics.
	Min, P10, P25, Median, P75, P90, Max int
	// Mean is the mean degree.
	Mean float64
}

// DegreeQuantiles returns the Quantiles of deg (the zero value for none).
func DegreeQuantiles(deg []int) Quantiles {
	if len(deg) == 0 {
		return Quantiles{}
	}
	s := slices.Clone(deg)
	slices.Sort(s)
	at := func(q float64) int { return s[int(q*float64(len(s)-1))] }
	sum := 0
	for _, d := range s {
		sum += d
	}
	return Quantiles{Min: s[0], P10: at(0.1), P25: at(0.25), Median: at(0.5), P75: at(0.75), P90: at(0.9), Max: s[len(s)-1],
		Mean: float64(sum) / float64(len(s))}
}

// String formats the quantiles on one line: "min 5, 10% 5, 25% 7,
// median 13, 75% 27, 90% 52, max 403, mean 24.1".
func (q Quantiles) String() string {
	return fmt.Sprintf("min %d, 10%% %d, 25%% %d, median %d, 75%% %d, 90%% %d, max %d, mean %.1f",
		q.Min, q.P10, q.P25, q.Median, q.P75, q.P90, q.Max, q.Mean)
}

// UserDegrees returns the number of interactions of every user.
func (x *Interactions) UserDegrees() []int {
	out := make([]int, x.NumUsers)
	for u := range out {
		out[u] = x.UserPtr[u+1] - x.UserPtr[u]
	}
	return out
}

// ItemDegrees returns the number of interactions of every item.
func (x *Interactions) ItemDegrees() []int {
	out := make([]int, x.NumItems)
	for i := range out {
		out[i] = x.ItemPtr[i+1] - x.ItemPtr[i]
	}
	return out
}

// Card is a data set's card: what a researcher looks at before splitting
// a data set of their own.
type Card struct {
	// Stats holds the counts, the density and the degree ranges.
	Stats
	// Users and Items summarise the degrees of the users and items that
	// have at least one interaction (Stats.EmptyUsers and EmptyItems count
	// the others).
	Users, Items Quantiles
	// HasTimes reports whether the interactions have times.
	HasTimes bool
	// FirstTime and LastTime are the earliest and latest time (when
	// HasTimes).
	FirstTime, LastTime float64
}

// Card returns the card of x.
func (x *Interactions) Card() Card {
	nonzero := func(deg []int) []int { return slices.DeleteFunc(deg, func(d int) bool { return d == 0 }) }
	c := Card{Stats: x.Stats(), Users: DegreeQuantiles(nonzero(x.UserDegrees())), Items: DegreeQuantiles(nonzero(x.ItemDegrees()))}
	if len(x.Times) > 0 {
		c.HasTimes, c.FirstTime, c.LastTime = true, slices.Min(x.Times), slices.Max(x.Times)
	}
	return c
}

// String formats the card on a few lines:
//
//	5219 users, 25181 items, 125580 interactions, density 0.000956
//	interactions per user: min 5, 10% 5, 25% 7, median 13, 75% 27, 90% 52, max 403, mean 24.1
//	interactions per item: min 1, …
//	times: 1.2e+09 … 1.3e+09 (2008-01-12 … 2011-03-30 as Unix seconds)
func (c Card) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d users, %d items, %d interactions, density %.6f", c.Stats.Users, c.Stats.Items, c.Interactions, c.Density)
	empty := func(n int, what string) string {
		if n == 0 {
			return ""
		}
		return fmt.Sprintf(" (%d %s without any)", n, what)
	}
	fmt.Fprintf(&b, "\ninteractions per user: %s%s", c.Users, empty(c.EmptyUsers, "users"))
	fmt.Fprintf(&b, "\ninteractions per item: %s%s", c.Items, empty(c.EmptyItems, "items"))
	if c.HasTimes {
		fmt.Fprintf(&b, "\ntimes: %.10g … %.10g", c.FirstTime, c.LastTime)
		const lo, hi = 1e8, 4e9 // 1973 … 2096: plausibly Unix seconds
		if c.FirstTime >= lo && c.LastTime <= hi {
			day := func(t float64) string { return time.Unix(int64(t), 0).UTC().Format("2006-01-02") }
			fmt.Fprintf(&b, " (%s … %s as Unix seconds)", day(c.FirstTime), day(c.LastTime))
		}
	} else {
		b.WriteString("\ntimes: none")
	}
	return b.String()
}

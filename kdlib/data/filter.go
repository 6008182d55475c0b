package data

import (
	"slices"
	"strconv"
)

// Filter keeps the interactions whose user has at least minPerUser and whose
// item has at least minPerItem interactions, both counted once on l (one
// pass: dropping items may leave a user below minPerUser; see KCore).
//
// The result keeps only users and items with at least one interaction and
// renumbers them densely: users in their original index order, items in order
// of first appearance in the kept pairs, walked in input order (so, for
// users.dat, line by line and along each line). This is the numbering of the
// authors' CiteULike: ReadUsersDat then Filter(5, 0) reproduces it exactly.
// UserIDs and ItemIDs carry the original identifiers; where l had none, they
// become the decimal original indices. Pairs keep their input order, and
// their times (Log.Times) when l has them.
// l must be valid (see Validate), as the readers return it.
func (l *Log) Filter(minPerUser, minPerItem int) *Log {
	alive := make([]bool, len(l.Pairs))
	for k := range alive {
		alive[k] = true
	}
	l.prune(alive, minPerUser, minPerItem)
	return l.subset(alive)
}

// KCore repeats Filter(minPerUser, minPerItem) until every remaining user has
// at least minPerUser and every remaining item at least minPerItem
// interactions: the largest such subset of l (the k-core for k = minPerUser =
// minPerItem). Numbering and identifiers are as for Filter.
func (l *Log) KCore(minPerUser, minPerItem int) *Log {
	alive := make([]bool, len(l.Pairs))
	for k := range alive {
		alive[k] = true
	}
	for l.prune(alive, minPerUser, minPerItem) {
	}
	return l.subset(alive)
}

// prune counts the alive pairs of every user and item and clears the pairs
// whose user or item is below its minimum. It reports whether any was cleared.
func (l *Log) prune(alive []bool, minPerUser, minPerItem int) bool {
	users, items := make([]int, l.NumUsers), make([]int, l.NumItems)
	for k, p := range l.Pairs {
		if alive[k] {
			users[p.User]++
			items[p.Item]++
		}
	}
	changed := false
	for k, p := range l.Pairs {
		if alive[k] && (users[p.User] < minPerUser || items[p.Item] < minPerItem) {
			alive[k] = false
			changed = true
		}
	}
	return changed
}

// subset returns the alive pairs of l, renumbered as described at Filter.
func (l *Log) subset(alive []bool) *Log {
	newUser := make([]int32, l.NumUsers)
	for k, p := range l.Pairs {
		if alive[k] {
			newUser[p.User] = 1
		}
	}
	out := &Log{Name: l.Name, Warnings: slices.Clone(l.Warnings)}
	for u, used := range newUser {
		if used != 0 {
			newUser[u] = int32(out.NumUsers)
			out.UserIDs = append(out.UserIDs, idOf(l.UserIDs, u))
			out.NumUsers++
		}
	}
	newItem := make([]int32, l.NumItems)
	for i := range newItem {
		newItem[i] = -1
	}
	for k, p := range l.Pairs {
		if !alive[k] {
			continue
		}
		if newItem[p.Item] < 0 {
			newItem[p.Item] = int32(out.NumItems)
			out.ItemIDs = append(out.ItemIDs, idOf(l.ItemIDs, int(p.Item)))
			out.NumItems++
		}
		out.Pairs = append(out.Pairs, Pair{newUser[p.User], newItem[p.Item]})
		if l.Times != nil {
			out.Times = append(out.Times, l.Times[k])
		}
	}
	return out
}

// idOf returns ids[i], or i in decimal when there are no ids.
func idOf(ids []string, i int) string {
	if ids == nil {
		return strconv.Itoa(i)
	}
	return ids[i]
}

// LogOf returns the interactions of x as a Log: pairs user by user with items
// ascending, the same index spaces, identifiers and times. The filters then
// number items in ascending order of their first user rather than by file
// order.
func LogOf(x *Interactions) *Log {
	return &Log{
		NumUsers: x.NumUsers, NumItems: x.NumItems, Pairs: x.Pairs(),
		UserIDs: x.UserIDs, ItemIDs: x.ItemIDs, Times: x.Times,
	}
}

package data

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func filterRead(t *testing.T, in string, opts ...ReadOption) *Log {
	t.Helper()
	l, err := ReadUsersDat(strings.NewReader(in), "t", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestFilterNumbering(t *testing.T) {
	// Items first seen in the dropped line 0 are numbered by their first
	// appearance among the kept lines, not in the whole file.
	in := "2 10 11\n3 12 10 13\n0\n3 11 12 14\n"
	for _, keep := range []bool{false, true} {
		var opts []ReadOption
		if keep {
			opts = append(opts, KeepIDs())
		}
		f := filterRead(t, in, opts...).Filter(3, 0)
		if err := f.Validate(); err != nil {
			t.Fatal(err)
		}
		if f.NumUsers != 2 || f.NumItems != 5 {
			t.Fatalf("keep=%v: shape %d×%d, want 2×5", keep, f.NumUsers, f.NumItems)
		}
		if got, want := readPairs(f.Pairs), "0:0 0:1 0:2 1:3 1:0 1:4"; got != want {
			t.Errorf("keep=%v: pairs %s, want %s", keep, got, want)
		}
		if !slices.Equal(f.UserIDs, []string{"1", "3"}) || !slices.Equal(f.ItemIDs, []string{"12", "10", "13", "11", "14"}) {
			t.Errorf("keep=%v: ids %v %v", keep, f.UserIDs, f.ItemIDs)
		}
	}
	// Filtering twice carries the original identifiers.
	f := filterRead(t, in).Filter(3, 0).Filter(0, 2)
	if !slices.Equal(f.UserIDs, []string{"1", "3"}) || !slices.Equal(f.ItemIDs, []string{"12"}) || readPairs(f.Pairs) != "0:0 1:0" {
		t.Errorf("second filter: %v %v %s", f.UserIDs, f.ItemIDs, readPairs(f.Pairs))
	}
	// No threshold: only the empty user 2 goes.
	f = filterRead(t, in).Filter(0, 0)
	if f.NumUsers != 3 || len(f.Pairs) != 8 || !slices.Equal(f.UserIDs, []string{"0", "1", "3"}) {
		t.Errorf("Filter(0,0): %d users %d pairs %v", f.NumUsers, len(f.Pairs), f.UserIDs)
	}
	// Nothing left: Build reports ErrEmpty.
	if _, err := filterRead(t, in).Filter(10, 0).Build(); err == nil || !strings.Contains(err.Error(), ErrEmpty.Error()) {
		t.Errorf("empty filter result: %v", err)
	}
}

func TestFilterKCore(t *testing.T) {
	// Items: a=1 b=2 c=3 d=4. Removing (u2,d) leaves u2 with one item,
	// removing (u2,c) leaves c with one user, so (u0,c) goes as well.
	in := "3 1 2 3\n2 1 2\n2 3 4\n"
	one := filterRead(t, in).Filter(2, 2)
	if got, want := readPairs(one.Pairs), "0:0 0:1 0:2 1:0 1:1 2:2"; got != want {
		t.Errorf("Filter(2,2): %s, want %s", got, want)
	}
	core := filterRead(t, in).KCore(2, 2)
	if err := core.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := readPairs(core.Pairs), "0:0 0:1 1:0 1:1"; got != want || core.NumUsers != 2 || core.NumItems != 2 {
		t.Errorf("KCore(2,2): %s (%d×%d), want %s", got, core.NumUsers, core.NumItems, want)
	}
	if !slices.Equal(core.ItemIDs, []string{"1", "2"}) || !slices.Equal(core.UserIDs, []string{"0", "1"}) {
		t.Errorf("KCore ids %v %v", core.UserIDs, core.ItemIDs)
	}
	// A stable input is returned unchanged (up to identifiers).
	again := core.KCore(2, 2)
	if readPairs(again.Pairs) != readPairs(core.Pairs) || !slices.Equal(again.ItemIDs, core.ItemIDs) {
		t.Errorf("KCore not idempotent")
	}
}

func TestLogOf(t *testing.T) {
	x, err := FromPairs(3, 4, []Pair{{2, 3}, {0, 1}, {2, 0}})
	if err != nil {
		t.Fatal(err)
	}
	l := LogOf(x)
	if readPairs(l.Pairs) != "0:1 2:0 2:3" || l.NumUsers != 3 || l.NumItems != 4 {
		t.Errorf("LogOf: %+v", l)
	}
	f := l.Filter(2, 0)
	if readPairs(f.Pairs) != "0:0 0:1" || !slices.Equal(f.UserIDs, []string{"2"}) || !slices.Equal(f.ItemIDs, []string{"0", "3"}) {
		t.Errorf("LogOf filtered: %+v", f)
	}
}

// TestFilterCiteULikeNumbering checks that keeping the citeulike-t users with
// at least 5 items, renumbering users in file order and items in order of
// first appearance gives exactly the pairs of the authors' split (DE-RRD and
// TD), so that their split files can be used with our data and vice versa.
func TestFilterCiteULikeNumbering(t *testing.T) {
	root := readDatasets(t)
	dir := filepath.Join(root, "citeulike", "citeulike-t")
	for _, keep := range []bool{false, true} {
		var opts []ReadOption
		if keep {
			opts = append(opts, KeepIDs())
		}
		l, err := ReadUsersDatFile(filepath.Join(dir, "users.dat"), opts...)
		if err != nil {
			t.Fatal(err)
		}
		x, err := l.Filter(5, 0).Build()
		if err != nil {
			t.Fatal(err)
		}
		if x.NumUsers != 5219 || x.NumItems != 25181 || x.NNZ() != 125580 {
			t.Fatalf("keep=%v: %v; want 5219 users, 25181 items, 125580 interactions", keep, x.Stats())
		}
		for _, split := range []string{"derrd-loo-split", "td-loo-split"} {
			s, err := ImportSplitDir(filepath.Join(dir, split), "derived_train.tsv", "derived_valid.tsv", "derived_test.tsv")
			if err != nil {
				t.Fatal(err)
			}
			pairs := s.Train.Pairs()
			for u := range s.NumUsers() {
				for _, i := range append(slices.Clone(s.Valid[u]), s.Test[u]...) {
					pairs = append(pairs, Pair{int32(u), i})
				}
			}
			all, err := FromPairs(s.NumUsers(), s.NumItems(), pairs)
			if err != nil {
				t.Fatal(err)
			}
			if all.NumUsers != x.NumUsers || all.NumItems != x.NumItems ||
				!slices.Equal(all.UserPtr, x.UserPtr) || !slices.Equal(all.UserItems, x.UserItems) {
				t.Errorf("keep=%v: %s: the union of the split (%v) differs from users.dat filtered (%v)", keep, split, all.Stats(), x.Stats())
			}
		}
		// The user ids are the indices of the lines with at least 5 items.
		counts := make([]int, l.NumUsers)
		for _, p := range l.Pairs {
			counts[p.User]++
		}
		var lines []string
		for u, n := range counts {
			if n >= 5 {
				lines = append(lines, strconv.Itoa(u))
			}
		}
		if !slices.Equal(x.UserIDs, lines) {
			t.Errorf("keep=%v: user ids are not the line indices of the kept users", keep)
		}
	}
}

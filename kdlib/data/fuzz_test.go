package data

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// Fuzz targets for the readers. The seed corpora in testdata/fuzz hold real
// lines of the data sets and malformed ones. Each target checks that no input
// panics, that every error names the source, and that a Log returned without
// error is consistent, as are its Interactions and its filtered Logs.
//
// The mode byte selects options: 1 KeepIDs, 2 OneBased, 4 RejectDuplicates,
// 8 Shape(50, 50), 16 MinRating(3), 32 Header(true), 64 Header(false).

const fuzzName = "fuzz/in"

func fuzzOptions(mode uint8, allowed uint8) []ReadOption {
	mode &= allowed
	var opts []ReadOption
	if mode&1 != 0 {
		opts = append(opts, KeepIDs())
		if mode&2 != 0 {
			opts = append(opts, OneBased())
		}
		if mode&8 != 0 {
			opts = append(opts, Shape(50, 50))
		}
	}
	if mode&4 != 0 {
		opts = append(opts, RejectDuplicates())
	}
	if mode&16 != 0 {
		opts = append(opts, MinRating(3))
	}
	if mode&32 != 0 {
		opts = append(opts, Header(true))
	} else if mode&64 != 0 {
		opts = append(opts, Header(false))
	}
	return opts
}

func FuzzReadUsersDat(f *testing.F) {
	f.Add([]byte("4 193 11908 12727 14760\n3 6193 14 22\n"), uint8(0))
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		l, err := ReadUsersDat(bytes.NewReader(in), fuzzName, fuzzOptions(mode, 1|2|4|8)...)
		fuzzCheck(t, l, err)
	})
}

func FuzzReadAdjacency(f *testing.F) {
	f.Add([]byte("0 0 1 2\n1\n2 3 1\n"), uint8(1))
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		l, err := ReadAdjacency(bytes.NewReader(in), fuzzName, fuzzOptions(mode, 1|2|4|8)...)
		fuzzCheck(t, l, err)
	})
}

func FuzzReadMovieLens(f *testing.F) {
	f.Add([]byte("17\t240\t3\t881250000\n18\t300\t4\t891717000\n"), uint8(16))
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		l, err := ReadMovieLens(bytes.NewReader(in), fuzzName, fuzzOptions(mode, 1|2|4|8|16)...)
		fuzzCheck(t, l, err)
	})
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("userId,movieId,rating,timestamp\n1,30,2.5,1260759000\n"), uint8(0))
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		l, err := ReadCSV(bytes.NewReader(in), fuzzName, fuzzOptions(mode, 0xff)...)
		fuzzCheck(t, l, err)
	})
}

// FuzzReadCSVColumns reads with a column mapping and a time column; the
// first input byte picks the mapping, the second the other options.
func FuzzReadCSVColumns(f *testing.F) {
	f.Add([]byte("item,user,when\na,u1,2010-01-02\nb,u1,1262304000\na,u1,5\n"), uint8(0), uint8(0))
	f.Add([]byte("u1\tx\t3\t2010-01-03T10:00:00Z\nu2\tx\t1\t7\n"), uint8(1), uint8(16))
	layouts := [][]Column{
		{ColItem, ColUser, ColTime},
		{ColUser, ColItem, ColRating, ColTime},
		{ColSkip, ColUser, ColSkip, ColItem},
	}
	f.Fuzz(func(t *testing.T, in []byte, which, mode uint8) {
		cols := layouts[int(which)%len(layouts)]
		if !slices.Contains(cols, ColRating) {
			mode &^= 16
		}
		l, err := ReadCSV(bytes.NewReader(in), fuzzName, append(fuzzOptions(mode, 0xff), Columns(cols...))...)
		fuzzCheck(t, l, err)
		if err == nil && (l.Times != nil) != slices.Contains(cols, ColTime) {
			t.Fatalf("times %v with columns %v", l.Times != nil, cols)
		}
	})
}

func FuzzImportSplit(f *testing.F) {
	f.Add([]byte("0\t0\n0\t1\n1\t2\n"), []byte("0\t2\n"), []byte("1\t0\n"))
	f.Fuzz(func(t *testing.T, train, valid, test []byte) {
		var v *bytes.Reader
		if len(valid) > 0 {
			v = bytes.NewReader(valid)
		}
		// A Shape keeps stray large ids from allocating huge index spaces.
		var s *Split
		var err error
		if v == nil {
			s, err = ImportSplit("fuzz", bytes.NewReader(train), nil, bytes.NewReader(test), Shape(1<<12, 1<<12))
		} else {
			s, err = ImportSplit("fuzz", bytes.NewReader(train), v, bytes.NewReader(test), Shape(1<<12, 1<<12))
		}
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz") {
				t.Fatalf("error %q does not name the source", err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		fuzzCheckInteractions(t, s.Train)
		if len(s.Valid) != s.NumUsers() || len(s.Test) != s.NumUsers() {
			t.Fatalf("held-out lists for %d/%d users, want %d", len(s.Valid), len(s.Test), s.NumUsers())
		}
	})
}

// fuzzCheck checks the result of a reader.
func fuzzCheck(t *testing.T, l *Log, err error) {
	t.Helper()
	if err != nil {
		if l != nil {
			t.Fatalf("error %v with a Log", err)
		}
		if !strings.HasPrefix(err.Error(), fuzzName) {
			t.Fatalf("error %q does not start with the source name", err)
		}
		return
	}
	if len(l.Pairs) == 0 {
		t.Fatal("no error but no pair")
	}
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	if l.NumUsers > 1<<16 || l.NumItems > 1<<16 {
		return // large index spaces are valid but slow to build
	}
	x, err := l.Build()
	if err != nil {
		t.Fatal(err)
	}
	if x.NNZ() != len(l.Pairs) {
		t.Fatalf("Build: %d interactions from %d distinct pairs", x.NNZ(), len(l.Pairs))
	}
	fuzzCheckInteractions(t, x)
	for _, p := range l.Pairs {
		if !x.Has(int(p.User), p.Item) {
			t.Fatalf("pair %v lost by Build", p)
		}
	}
	for _, g := range []*Log{l.Filter(2, 1), l.KCore(2, 2)} {
		if err := g.Validate(); err != nil {
			t.Fatal(err)
		}
		if len(g.UserIDs) != g.NumUsers || len(g.ItemIDs) != g.NumItems {
			t.Fatalf("filtered Log without ids: %d/%d ids for %d×%d", len(g.UserIDs), len(g.ItemIDs), g.NumUsers, g.NumItems)
		}
		if len(g.Pairs) > 0 {
			y, err := g.Build()
			if err != nil {
				t.Fatal(err)
			}
			fuzzCheckInteractions(t, y)
		}
	}
}

// fuzzCheckInteractions checks the CSR invariants of x.
func fuzzCheckInteractions(t *testing.T, x *Interactions) {
	t.Helper()
	check := func(what string, n, m int, ptr []int, idx []int32) {
		if len(ptr) != n+1 || ptr[0] != 0 || ptr[n] != len(idx) {
			t.Fatalf("%s: bad pointer array (len %d, n %d)", what, len(ptr), n)
		}
		for r := range n {
			if ptr[r] > ptr[r+1] {
				t.Fatalf("%s: pointers decrease at row %d", what, r)
			}
			row := idx[ptr[r]:ptr[r+1]]
			for k, v := range row {
				if v < 0 || int(v) >= m {
					t.Fatalf("%s: row %d index %d out of range [0,%d)", what, r, v, m)
				}
				if k > 0 && row[k-1] >= v {
					t.Fatalf("%s: row %d not strictly ascending", what, r)
				}
			}
		}
	}
	check("by user", x.NumUsers, x.NumItems, x.UserPtr, x.UserItems)
	check("by item", x.NumItems, x.NumUsers, x.ItemPtr, x.ItemUsers)
	if len(x.UserItems) != len(x.ItemUsers) {
		t.Fatalf("%d entries by user, %d by item", len(x.UserItems), len(x.ItemUsers))
	}
	if x.UserIDs != nil && len(x.UserIDs) != x.NumUsers || x.ItemIDs != nil && len(x.ItemIDs) != x.NumItems {
		t.Fatalf("id maps of %d/%d entries for %d×%d", len(x.UserIDs), len(x.ItemIDs), x.NumUsers, x.NumItems)
	}
}

package data

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/internal/datatest"
)

// readDatasets returns the dataset collection root named by KDREC_DATASETS or
// skips the test.
func readDatasets(t testing.TB) string {
	t.Helper()
	root := os.Getenv("KDREC_DATASETS")
	if root == "" {
		datatest.Skip(t, "KDREC_DATASETS not set: skipping the test on the real data sets")
	}
	return root
}

// readPairs renders pairs as "u:i" for compact comparisons.
func readPairs(ps []Pair) string {
	f := make([]string, len(ps))
	for k, p := range ps {
		f[k] = fmt.Sprintf("%d:%d", p.User, p.Item)
	}
	return strings.Join(f, " ")
}

func TestReadUsersDat(t *testing.T) {
	in := "\ufeff3 7 5 9\r\n0\r\n2 5 11  \n1 3\n\n\n"
	l, err := ReadUsersDat(strings.NewReader(in), "t/users.dat")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	if l.NumUsers != 4 || l.NumItems != 5 {
		t.Fatalf("shape %d×%d, want 4×5", l.NumUsers, l.NumItems)
	}
	if got, want := readPairs(l.Pairs), "0:0 0:1 0:2 2:1 2:3 3:4"; got != want {
		t.Errorf("pairs %s, want %s", got, want)
	}
	if l.UserIDs != nil || !slices.Equal(l.ItemIDs, []string{"7", "5", "9", "11", "3"}) {
		t.Errorf("ids %v %v", l.UserIDs, l.ItemIDs)
	}

	l, err = ReadUsersDat(strings.NewReader(in), "t/users.dat", KeepIDs())
	if err != nil {
		t.Fatal(err)
	}
	if l.NumUsers != 4 || l.NumItems != 12 || l.ItemIDs != nil {
		t.Fatalf("KeepIDs: shape %d×%d ids %v", l.NumUsers, l.NumItems, l.ItemIDs)
	}
	if got, want := readPairs(l.Pairs), "0:7 0:5 0:9 2:5 2:11 3:3"; got != want {
		t.Errorf("KeepIDs pairs %s, want %s", got, want)
	}
	x, err := l.Build()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(x.Items(0), []int32{5, 7, 9}) || len(x.Items(1)) != 0 || x.NNZ() != 6 {
		t.Errorf("Build: rows %v %v nnz %d", x.Items(0), x.Items(1), x.NNZ())
	}

	l, err = ReadUsersDat(strings.NewReader("1 3\n"), "t", KeepIDs(), Shape(10, 20))
	if err != nil || l.NumUsers != 10 || l.NumItems != 20 {
		t.Errorf("Shape: %v %+v", err, l)
	}
	l, err = ReadUsersDat(strings.NewReader("2 1 2\n"), "t", KeepIDs(), OneBased())
	if err != nil || l.NumItems != 2 || readPairs(l.Pairs) != "0:0 0:1" {
		t.Errorf("OneBased: %v %+v", err, l)
	}
}

// readErrorCase is an input a reader must reject, naming line (0: no line).
type readErrorCase struct {
	in   string
	opts []ReadOption
	line int
	msg  string
}

func readCheckErrors(t *testing.T, name string, read func(r *strings.Reader, opts ...ReadOption) (*Log, error), cases []readErrorCase) {
	t.Helper()
	for _, c := range cases {
		l, err := read(strings.NewReader(c.in), c.opts...)
		if err == nil {
			t.Errorf("%q: no error, got %+v", c.in, l)
			continue
		}
		if !strings.Contains(err.Error(), c.msg) || !strings.HasPrefix(err.Error(), name) {
			t.Errorf("%q: error %q, want prefix %q and %q", c.in, err, name, c.msg)
		}
		var le *LineError
		switch {
		case c.line == 0 && errors.As(err, &le):
			t.Errorf("%q: unexpected line error %v", c.in, err)
		case c.line > 0 && (!errors.As(err, &le) || le.Line != c.line):
			t.Errorf("%q: error %v, want line %d", c.in, err, c.line)
		}
	}
}

func TestReadUsersDatErrors(t *testing.T) {
	const name = "citeulike/users.dat"
	read := func(r *strings.Reader, opts ...ReadOption) (*Log, error) { return ReadUsersDat(r, name, opts...) }
	readCheckErrors(t, name, read, []readErrorCase{
		{"2 1 2\n5 1 2 3 4\n", nil, 2, "citeulike/users.dat line 2: count 5 but 4 items"},
		{"2 1\n", nil, 1, "count 2 but 1 items"},
		{"x 1\n", nil, 1, `count "x" is not a non-negative integer`},
		{"-1\n", nil, 1, "not a non-negative integer"},
		{"1.5 1\n", nil, 1, "not a non-negative integer"},
		{"1 1\n\n1 2\n", nil, 2, "blank line inside users.dat"},
		{"1 1\n \t \n1 2\n", nil, 2, "blank line inside"},
		{"1 a\n", []ReadOption{KeepIDs()}, 1, `item id "a" is not an integer`},
		{"1 -3\n", []ReadOption{KeepIDs()}, 1, "negative item id"},
		{"1 99999999999\n", []ReadOption{KeepIDs()}, 1, "out of range"},
		{"1 0\n", []ReadOption{KeepIDs(), OneBased()}, 1, "1-based"},
		{"1 5\n", []ReadOption{KeepIDs(), Shape(0, 5)}, 1, "out of range (index space 5)"},
		{"1 1\n1 1\n", []ReadOption{KeepIDs(), Shape(1, 0)}, 2, "more users than the index space 1"},
		{"2 4 4\n", []ReadOption{RejectDuplicates()}, 1, "duplicate of line 1 (user 0, item 4)"},
		{"1 4\n2 3 4\n3 9 3 9\n", []ReadOption{RejectDuplicates()}, 3, "duplicate of line 3 (user 2, item 9)"},
		{"", nil, 0, "no interactions"},
		{"\n\n", nil, 0, "no interactions"},
		{"0\n0\n", nil, 0, "no interactions"},
		{"1 1\n", []ReadOption{MinRating(3)}, 0, "option MinRating does not apply to the users.dat format"},
		{"1 1\n", []ReadOption{OneBased()}, 0, "need KeepIDs"},
		{"1 1\n", []ReadOption{KeepIDs(), Shape(-1, 0)}, 0, "invalid shape"},
	})
	_, err := ReadUsersDat(strings.NewReader(""), "x")
	if !errors.Is(err, ErrEmpty) {
		t.Errorf("empty input: %v does not wrap ErrEmpty", err)
	}
	_, err = ReadUsersDat(nil, "x")
	if err == nil {
		t.Error("nil reader: no error")
	}
	// Repeats are merged silently by default, keeping the first.
	l, err := ReadUsersDat(strings.NewReader("3 4 2 4\n"), "x")
	if err != nil || readPairs(l.Pairs) != "0:0 0:1" {
		t.Errorf("merge duplicates: %v %+v", err, l)
	}
}

func TestReadAdjacency(t *testing.T) {
	in := "0 5 3\n\n2\r\n1 3 4 \n0 7 5\n"
	l, err := ReadAdjacency(strings.NewReader(in), "t/train.txt", KeepIDs())
	if err != nil {
		t.Fatal(err)
	}
	if l.NumUsers != 3 || l.NumItems != 8 || readPairs(l.Pairs) != "0:5 0:3 1:3 1:4 0:7" {
		t.Errorf("KeepIDs: %d×%d %s", l.NumUsers, l.NumItems, readPairs(l.Pairs))
	}
	l, err = ReadAdjacency(strings.NewReader(in), "t/train.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(l.UserIDs, []string{"0", "2", "1"}) || !slices.Equal(l.ItemIDs, []string{"5", "3", "4", "7"}) {
		t.Errorf("remap ids %v %v", l.UserIDs, l.ItemIDs)
	}
	if readPairs(l.Pairs) != "0:0 0:1 2:1 2:2 0:3" {
		t.Errorf("remap pairs %s", readPairs(l.Pairs))
	}
	const name = "gowalla/test.txt"
	read := func(r *strings.Reader, opts ...ReadOption) (*Log, error) {
		return ReadAdjacency(r, name, append(opts, KeepIDs())...)
	}
	readCheckErrors(t, name, read, []readErrorCase{
		{"0 1\n1 x\n", nil, 2, `item id "x" is not an integer`},
		{"0 1\nu 2\n", nil, 2, `user id "u" is not an integer`},
		{"0 1\n-1 2\n", nil, 2, "negative user id"},
		{"0 1\n1 2 1.5\n", nil, 2, "not an integer"},
		{"0 1 1\n", []ReadOption{RejectDuplicates()}, 1, "duplicate"},
		{"0\n1\n", nil, 0, "no interactions"},
		{"0 1\n", []ReadOption{Delimiter(",")}, 0, "does not apply"},
	})
}

func TestReadMovieLens(t *testing.T) {
	udata := "150\t240\t3\t881250000\n140\t300\t3\t891717000\n20\t370\t1\t878887000\n150\t370\t5\t881250001\n"
	l, err := ReadMovieLens(strings.NewReader(udata), "ml-100k/u.data")
	if err != nil {
		t.Fatal(err)
	}
	if l.NumUsers != 3 || l.NumItems != 3 || readPairs(l.Pairs) != "0:0 1:1 2:2 0:2" {
		t.Errorf("u.data: %d×%d %s", l.NumUsers, l.NumItems, readPairs(l.Pairs))
	}
	l, err = ReadMovieLens(strings.NewReader(udata), "ml-100k/u.data", MinRating(3))
	if err != nil || readPairs(l.Pairs) != "0:0 1:1 0:2" || !slices.Equal(l.ItemIDs, []string{"240", "300", "370"}) {
		t.Errorf("MinRating(3): %v %s %v", err, readPairs(l.Pairs), l.ItemIDs)
	}
	// Under KeepIDs a dropped record still defines the index space.
	l, err = ReadMovieLens(strings.NewReader(udata), "ml-100k/u.data", MinRating(4), KeepIDs(), OneBased())
	if err != nil || l.NumUsers != 150 || l.NumItems != 370 || readPairs(l.Pairs) != "149:369" {
		t.Errorf("MinRating(4) KeepIDs: %v %d×%d %s", err, l.NumUsers, l.NumItems, readPairs(l.Pairs))
	}
	ratings := "1::1200::5::978300000\r\n1::650::3::978302000\r\n2::1200::4::978298000\r\n"
	l, err = ReadMovieLens(strings.NewReader(ratings), "ml-1m/ratings.dat", MinRating(4))
	if err != nil || readPairs(l.Pairs) != "0:0 1:0" || !slices.Equal(l.UserIDs, []string{"1", "2"}) {
		t.Errorf("ratings.dat: %v %+v", err, l)
	}
	const name = "ml/u.data"
	read := func(r *strings.Reader, opts ...ReadOption) (*Log, error) { return ReadMovieLens(r, name, opts...) }
	readCheckErrors(t, name, read, []readErrorCase{
		{"1\t2\t3\t4\n1\t2\t3\n", nil, 2, "ml/u.data line 2: 3 fields, want 4"},
		{"1\t2\t3\t4\t5\n", nil, 1, "5 fields, want 4"},
		{"1\t2\tx\t4\n", nil, 1, `rating "x" is not a finite number`},
		{"1\t2\tNaN\t4\n", nil, 1, "not a finite number"},
		{"1\t2\t+Inf\t4\n", nil, 1, "not a finite number"},
		{"1\t2\t3\t4.5\n", nil, 1, `timestamp "4.5" is not an integer`},
		{"1\t\t3\t4\n", nil, 1, "empty item id"},
		{"1\t\t3\t4\n", []ReadOption{MinRating(4)}, 1, "empty item id"},
		{"x\t2\t3\t4\n", []ReadOption{MinRating(4), KeepIDs()}, 1, `user id "x" is not an integer`},
		{"1\t2\t3\t4\n", []ReadOption{MinRating(4)}, 0, "no interactions"},
		{"1::2::3::4\n1::2::4::5\n", []ReadOption{RejectDuplicates()}, 2, "duplicate of line 1 (user 1, item 2)"},
		{"1\t2\t3\t4\n", []ReadOption{Header(true)}, 0, "option Header does not apply to the MovieLens format"},
	})
}

func TestReadCSV(t *testing.T) {
	for _, c := range []struct {
		in, pairs string
		opts      []ReadOption
		users     []string
	}{
		{"userId,movieId,rating,timestamp\n1,30,2.5,1260759000\n1,1000,3.0,1260759100\n7,30,4\n", "0:0 0:1 1:0", nil, []string{"1", "7"}},
		{"userId,movieId,rating,timestamp\n1,30,2.5,1260759000\n1,1000,3.0,1260759100\n7,30,4\n", "7:30", []ReadOption{MinRating(3.5), KeepIDs(), Shape(8, 0)}, nil},
		{"userID\tartistID\tweight\r\n2\t51\t13883\r\n2\t52\t11690\r\n", "0:0 0:1", nil, []string{"2"}},
		{"a;x\nb;y\na;y\n", "0:0 1:1 0:1", nil, []string{"a", "b"}},
		{"\"a\", \"x\"\n\"b\",y\n", "0:0 1:1", nil, []string{"a", "b"}},
		{"  1  2 \n3 4 5.5 2020-01-01\n", "0:0 1:1", nil, []string{"1", "3"}},
		{"1|2\n3|4\n", "0:0 1:1", nil, []string{"1", "3"}},
		{"u1,i1\nu2,i2\n", "0:0 1:1", nil, []string{"u1", "u2"}},
		{"user,item\nu1,i1\n", "0:0 1:1", []ReadOption{Header(false)}, []string{"user", "u1"}},
		{"user,item\nu1,i1\n", "0:0", []ReadOption{Header(true)}, []string{"u1"}},
		{"1 2\n1 2\n", "1:2", []ReadOption{Delimiter(" "), KeepIDs(), Shape(2, 3)}, nil},
		{"1\t2\n1\t2\n", "0:0", nil, []string{"1"}},
	} {
		l, err := ReadCSV(strings.NewReader(c.in), "t.csv", c.opts...)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if err := l.Validate(); err != nil {
			t.Errorf("%q: %v", c.in, err)
		}
		if got := readPairs(l.Pairs); got != c.pairs || !slices.Equal(l.UserIDs, c.users) {
			t.Errorf("%q: pairs %s users %q, want %s %q", c.in, got, l.UserIDs, c.pairs, c.users)
		}
	}
	const name = "data/x.csv"
	read := func(r *strings.Reader, opts ...ReadOption) (*Log, error) { return ReadCSV(r, name, opts...) }
	readCheckErrors(t, name, read, []readErrorCase{
		{"1,2\n3\n", nil, 2, "data/x.csv line 2: 1 fields, want 2 to 4"},
		{"1,2\n3,4,5,6,7\n", nil, 2, "5 fields, want 2 to 4"},
		{"1,2\n3,4\n", []ReadOption{MinRating(1)}, 1, "2 fields, want 3 to 4"},
		{"1,2,3\n3,4,five\n", nil, 2, `rating "five" is not a finite number`},
		{"u,i\n1,2\n,3\n", nil, 3, "empty user id"},
		{"1 2\n3 4\n", []ReadOption{Delimiter(" "), KeepIDs(), Shape(2, 3)}, 2, `user id "3" out of range (index space 2)`},
		{"h1,h2\n", nil, 0, "no interactions"},
		{"\n \n", nil, 0, "no interactions"},
		{"1,2\n", []ReadOption{Delimiter("")}, 0, "empty delimiter"},
		{"1,2\n1,2\n", []ReadOption{RejectDuplicates()}, 2, "duplicate of line 1"},
	})
}

func TestReadLongLine(t *testing.T) {
	in := "1 " + strings.Repeat("7", maxLine+10) + "\n"
	_, err := ReadUsersDat(strings.NewReader(in), "big")
	var le *LineError
	if !errors.As(err, &le) || le.Line != 1 {
		t.Errorf("over-long line: %v", err)
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "users.dat")
	if err := os.WriteFile(path, []byte("1 5\n2 x 5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := ReadUsersDatFile(path)
	if err != nil || l.Name != path || l.NumItems != 2 {
		t.Errorf("ReadUsersDatFile: %v %+v", err, l)
	}
	if _, err := ReadUsersDatFile(path, KeepIDs()); err == nil || !strings.HasPrefix(err.Error(), path+" line 2: ") {
		t.Errorf("error does not name the path and line: %v", err)
	}
	if _, err := ReadCSVFile(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestReadRealData reads every file of the collection with its reader and
// checks the counts computed in SOURCES.md.
func TestReadRealData(t *testing.T) {
	root := readDatasets(t)
	for _, c := range []struct {
		path                string
		read                func(string, ...ReadOption) (*Log, error)
		opts                []ReadOption
		users, items, pairs int
	}{
		{"ml-100k/u.data", ReadMovieLensFile, nil, 943, 1682, 100000},
		{"ml-100k/u.data", ReadMovieLensFile, []ReadOption{KeepIDs(), OneBased(), RejectDuplicates()}, 943, 1682, 100000},
		{"ml-100k/u.data", ReadCSVFile, nil, 943, 1682, 100000},
		{"citeulike/citeulike-a/users.dat", ReadUsersDatFile, []ReadOption{KeepIDs()}, 5551, 16980, 204986},
		{"citeulike/citeulike-t/users.dat", ReadUsersDatFile, []ReadOption{RejectDuplicates()}, 7947, 25584, 134860},
		{"citeulike/citeulike-t/users.dat", ReadUsersDatFile, []ReadOption{KeepIDs()}, 7947, 25975, 134860},
		{"gowalla-lightgcn/test.txt", ReadAdjacencyFile, []ReadOption{KeepIDs()}, 29858, 40981, 217242},
		{"gowalla-lightgcn/derived_train.txt", ReadAdjacencyFile, []ReadOption{KeepIDs()}, 29858, 40981, 810128},
		{"amazon-book-kgat/train.txt", ReadAdjacencyFile, []ReadOption{KeepIDs()}, 70679, 24915, 652514},
		{"amazon-book-kgat/test.txt", ReadAdjacencyFile, []ReadOption{KeepIDs(), RejectDuplicates()}, 70679, 24915, 193920},
		{"ml-1m/lightgcnpp-rating-ge3/train.txt", ReadAdjacencyFile, []ReadOption{KeepIDs()}, 6039, 3583, 590733},
		{"lastfm/hetrec2011-lastfm-2k/user_artists.dat", ReadCSVFile, []ReadOption{RejectDuplicates()}, 1892, 17632, 92834},
		{"lastfm/lightgcn-pytorch-split/data1.txt", ReadCSVFile, []ReadOption{KeepIDs(), OneBased()}, 1892, 4489, 42135},
	} {
		l, err := c.read(filepath.Join(root, c.path), c.opts...)
		if err != nil {
			t.Errorf("%s: %v", c.path, err)
			continue
		}
		if l.NumUsers != c.users || l.NumItems != c.items || len(l.Pairs) != c.pairs {
			t.Errorf("%s: %d users, %d items, %d pairs; want %d, %d, %d", c.path, l.NumUsers, l.NumItems, len(l.Pairs), c.users, c.items, c.pairs)
		}
	}

	// Binarised ML-100K: ratings 4 and 5 (34,174 + 21,201).
	l, err := ReadMovieLensFile(filepath.Join(root, "ml-100k/u.data"), MinRating(4))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Pairs) != 55375 {
		t.Errorf("ml-100k rating >= 4: %d pairs, want 55375", len(l.Pairs))
	}
	x, err := l.Build()
	if err != nil {
		t.Fatal(err)
	}
	if x.NumUsers > 943 || x.NumItems >= 1682 || x.NNZ() != 55375 {
		t.Errorf("ml-100k rating >= 4: %v", x.Stats())
	}
}

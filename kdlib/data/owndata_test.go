package data

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestColumns reads a file whose columns are mapped: item first, a skipped
// column, a weight binarised by MinRating, dates as times.
func TestColumns(t *testing.T) {
	in := "item\tnote\tuser\tcount\twhen\textra\n" +
		"a\tx\tu1\t3\t2010-01-02\tz\n" +
		"b\tx\tu1\t1\t2010-01-03T10:00:00Z\tz\n" +
		"a\tx\tu2\t5\t2010-01-01 00:00:00\tz\n" +
		"c\tx\tu2\t4\t2010-01-04\tz\n" +
		"a\tx\tu1\t9\t2009-12-31\tz\n"
	cols, err := ParseColumns("item,-,user,weight,timestamp")
	if err != nil {
		t.Fatal(err)
	}
	l, err := ReadCSV(strings.NewReader(in), "t.tsv", Columns(cols...), MinRating(2))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := readPairs(l.Pairs), "0:0 1:0 1:1"; got != want {
		t.Errorf("pairs %s, want %s", got, want)
	}
	if !slices.Equal(l.UserIDs, []string{"u1", "u2"}) || !slices.Equal(l.ItemIDs, []string{"a", "c"}) {
		t.Errorf("ids %v %v", l.UserIDs, l.ItemIDs)
	}
	// u1's "a" is repeated: it keeps its earliest time (2009-12-31).
	if want := []float64{1262217600, 1262304000, 1262563200}; !slices.Equal(l.Times, want) {
		t.Errorf("times %v, want %v", l.Times, want)
	}
	if len(l.Warnings) != 1 || !strings.Contains(l.Warnings[0], "merged 1 repeated") {
		t.Errorf("warnings %q", l.Warnings)
	}
	x, err := l.Build()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(x.TimesOf(1), []float64{1262304000, 1262563200}) {
		t.Errorf("user 1 times %v", x.TimesOf(1))
	}
	// Filter keeps the times of the kept pairs.
	if f := l.Filter(2, 0); !slices.Equal(f.Times, []float64{1262304000, 1262563200}) {
		t.Errorf("filtered times %v", f.Times)
	}

	for _, c := range []struct {
		cols, want string
	}{
		{"user,user,item", "exactly one user and one item"},
		{"user,item,time,time", "more than one time column"},
		{"user,item,stars", `column "stars": want user`},
	} {
		if _, err := ParseColumns(c.cols); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.cols, err)
		}
	}
	bad := []struct {
		in   string
		opts []ReadOption
		want string
	}{
		{"1,2\n", []ReadOption{Columns(ColUser, ColItem), MinRating(3)}, "MinRating needs a rating column"},
		{"1,2,x\n", []ReadOption{Header(false), Columns(ColUser, ColItem, ColTime)}, `t.csv line 1: time "x" is neither a number nor a date`},
		{"1,2,3\n4,5\n", []ReadOption{Columns(ColUser, ColItem, ColTime)}, "t.csv line 2: 2 fields, want at least 3 (columns user,item,time)"},
		{"1,2,NaN\n", []ReadOption{Columns(ColUser, ColItem, ColTime)}, "is not a finite number"},
	}
	for _, b := range bad {
		if _, err := ReadCSV(strings.NewReader(b.in), "t.csv", b.opts...); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%q: %v, want …%s…", b.in, err, b.want)
		}
	}
	// ReadMovieLens keeps its timestamps.
	ml, err := ReadMovieLens(strings.NewReader("1\t10\t4\t300\n1\t11\t5\t100\n"), "u.data")
	if err != nil || !slices.Equal(ml.Times, []float64{300, 100}) {
		t.Errorf("MovieLens times %v, %v", ml.Times, err)
	}
}

// TestMerge joins files by identifier, which Concat (by index) cannot.
func TestMerge(t *testing.T) {
	read := func(name, in string) *Log {
		l, err := ReadCSV(strings.NewReader(in), name, Header(false), Columns(ColUser, ColItem, ColTime))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	a := read("train", "u1,x,1\nu2,y,2\nu1,z,3\n")
	b := read("test", "u2,x,4\nu3,z,5\nu1,x,0\n")
	m, err := Merge("both", a, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.UserIDs, []string{"u1", "u2", "u3"}) || !slices.Equal(m.ItemIDs, []string{"x", "y", "z"}) {
		t.Errorf("ids %v %v", m.UserIDs, m.ItemIDs)
	}
	if got, want := readPairs(m.Pairs), "0:0 1:1 0:2 1:0 2:2"; got != want {
		t.Errorf("pairs %s, want %s", got, want)
	}
	if want := []float64{0, 2, 3, 4, 5}; !slices.Equal(m.Times, want) {
		t.Errorf("times %v, want %v (u1 x keeps its earliest)", m.Times, want)
	}
	if len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0], "both: merged 1 user–item pair(s) found in more than one of its files") {
		t.Errorf("warnings %q", m.Warnings)
	}
	untimed, err := ReadCSV(strings.NewReader("u9,q\n"), "other", Header(false))
	if err != nil {
		t.Fatal(err)
	}
	if m, err := Merge("mixed", a, untimed); err != nil || m.Times != nil || !strings.Contains(strings.Join(m.Warnings, "|"), "times dropped: other has none") {
		t.Errorf("mixed: %v %v %q", err, m.Times, m.Warnings)
	}
	kept, _ := ReadCSV(strings.NewReader("1,2\n"), "kept", KeepIDs())
	if _, err := Merge("k", a, kept); err == nil || !strings.Contains(err.Error(), "kept has no identifiers (read with KeepIDs)") {
		t.Errorf("KeepIDs input: %v", err)
	}
	if _, err := Merge("none"); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty merge: %v", err)
	}
}

// TestLeaveLastOut checks the hold-out by time, its tie-break and its
// candidates.
func TestLeaveLastOut(t *testing.T) {
	// user 0: items 0..4 at times 5,1,9,9,2 → last: item 3 (ties with 2,
	// larger index), second-last: item 2. user 1: three items; user 2:
	// two items (short).
	pairs := []Pair{{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {1, 4}, {1, 0}, {1, 5}, {2, 1}, {2, 2}}
	times := []float64{5, 1, 9, 9, 2, 30, 10, 20, 1, 2}
	l := &Log{Name: "t", NumUsers: 3, NumItems: 40, Pairs: pairs, Times: times}
	x, err := l.Build()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LeaveLastOut(x, 0, LOOOptions{}); err == nil || !strings.Contains(err.Error(), "user 2 has 2 interactions") {
		t.Fatalf("short user: %v", err)
	}
	s, err := LeaveLastOut(x, 7, LOOOptions{NumCandidates: 10, ShortUsers: ShortUsersTrainOnly})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.Name != "llo cand=10 seed=7 short=train-only" {
		t.Errorf("name %q", s.Name)
	}
	if !slices.Equal(s.Test[0], []int32{3}) || !slices.Equal(s.Valid[0], []int32{2}) || !slices.Equal(s.Train.Items(0), []int32{0, 1, 4}) {
		t.Errorf("user 0: train %v valid %v test %v", s.Train.Items(0), s.Valid[0], s.Test[0])
	}
	if !slices.Equal(s.Test[1], []int32{4}) || !slices.Equal(s.Valid[1], []int32{5}) || !slices.Equal(s.Train.Items(1), []int32{0}) {
		t.Errorf("user 1: train %v valid %v test %v", s.Train.Items(1), s.Valid[1], s.Test[1])
	}
	if len(s.Test[2]) != 0 || s.Train.NNZ() != 6 || len(s.Candidates[0]) != 10 || s.Candidates[2] != nil {
		t.Errorf("short user or candidates: %+v", s)
	}
	if err := s.CheckLeaveOneOut(); err != nil {
		t.Error(err)
	}
	// The candidates are those SampleCandidates draws on the split.
	c := *s
	c.Candidates = nil
	if err := SampleCandidates(&c, 7, 10); err != nil || !slices.EqualFunc(c.Candidates, s.Candidates, slices.Equal) {
		t.Errorf("candidates differ from SampleCandidates': %v", err)
	}
	noTimes, _ := FromPairs(3, 40, pairs)
	if _, err := LeaveLastOut(noTimes, 0, LOOOptions{}); err == nil || !strings.Contains(err.Error(), "has no times") {
		t.Errorf("no times: %v", err)
	}
}

// TestCheckLeaveOneOut refuses splits that are not leave-one-out.
func TestCheckLeaveOneOut(t *testing.T) {
	x := tinyLOOData(t)
	s, err := LeaveOneOut(x, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CheckLeaveOneOut(); err != nil {
		t.Fatal(err)
	}
	r, err := RatioSplit(x, 0, 0, 0.4, RatioOptions{})
	if err != nil {
		t.Fatal(err)
	}
	err = r.CheckLeaveOneOut()
	if err == nil || !strings.Contains(err.Error(), "is not a leave-one-out split") || !strings.Contains(err.Error(), "0 validation") {
		t.Errorf("ratio split: %v", err)
	}
}

// tinyLOOData is 4 users with 6 interactions each over 20 items.
func tinyLOOData(t *testing.T) *Interactions {
	var pairs []Pair
	for u := int32(0); u < 4; u++ {
		for k := int32(0); k < 6; k++ {
			pairs = append(pairs, Pair{u, (u*3 + k*2) % 20})
		}
	}
	x, err := FromPairs(4, 20, pairs)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestCard checks the degree quantiles and the card's text.
func TestCard(t *testing.T) {
	q := DegreeQuantiles([]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100})
	if q != (Quantiles{Min: 1, P10: 2, P25: 3, Median: 6, P75: 8, P90: 10, Max: 100, Mean: 155.0 / 11}) {
		t.Errorf("quantiles %+v", q)
	}
	l := &Log{Name: "t", NumUsers: 3, NumItems: 4, Pairs: []Pair{{0, 0}, {0, 1}, {1, 1}}, Times: []float64{1.3e9, 1.2e9, 1.25e9}}
	x, err := l.Build()
	if err != nil {
		t.Fatal(err)
	}
	got := x.Card().String()
	for _, want := range []string{
		"3 users, 4 items, 3 interactions, density 0.250000",
		"interactions per user: min 1, 10% 1, 25% 1, median 1, 75% 1, 90% 1, max 2, mean 1.5 (1 users without any)",
		"interactions per item: min 1, 10% 1, 25% 1, median 1, 75% 1, 90% 1, max 2, mean 1.5 (2 items without any)",
		"times: 1200000000 … 1300000000 (2008-01-10 … 2011-03-13 as Unix seconds)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("card lacks %q:\n%s", want, got)
		}
	}
}

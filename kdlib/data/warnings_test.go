package data

import (
	"os"
	"strings"
	"testing"
)

// readers lists every reader with a two-record input in its format; the
// second record's last field is "85".
var warnReaders = []struct {
	name string
	read func(string) (*Log, error)
	text string
}{
	{"users.dat", func(s string) (*Log, error) { return ReadUsersDat(strings.NewReader(s), "u.dat", KeepIDs()) }, "2 7 9\n2 199 85\n"},
	{"adjacency", func(s string) (*Log, error) { return ReadAdjacency(strings.NewReader(s), "adj.txt", KeepIDs()) }, "0 7 9\n1 199 85\n"},
	{"movielens", func(s string) (*Log, error) { return ReadMovieLens(strings.NewReader(s), "u.data") }, "1\t2\t5\t881250949\n199\t3\t4\t85\n"},
	{"csv", func(s string) (*Log, error) { return ReadCSV(strings.NewReader(s), "pairs.tsv", Header(false)) }, "1\t2\n199\t85\n"},
}

// TestReadWarnsUnterminatedLastLine checks that an input whose last line
// has no newline — a file cut mid-record, "199 8" for "199 85" — loads with
// a warning naming the file and the line, and a complete file without.
func TestReadWarnsUnterminatedLastLine(t *testing.T) {
	for _, r := range warnReaders {
		l, err := r.read(r.text)
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if len(l.Warnings) != 0 {
			t.Errorf("%s: complete input warns %q", r.name, l.Warnings)
		}
		cut := strings.TrimSuffix(r.text, "5\n")
		l, err = r.read(cut)
		if err != nil {
			t.Fatalf("%s cut: %v", r.name, err)
		}
		if len(l.Warnings) != 1 || !strings.Contains(l.Warnings[0], "line 2") || !strings.Contains(l.Warnings[0], "no newline") {
			t.Errorf("%s cut mid-number: warnings %q, want one naming line 2 and the missing newline", r.name, l.Warnings)
		}
	}
	// Trailing blank space after the last newline is no cut record.
	l, err := ReadCSV(strings.NewReader("1\t2\n3\t4\n  "), "pairs.tsv", Header(false))
	if err != nil || len(l.Warnings) != 0 {
		t.Errorf("trailing blanks: %v %q", err, l.Warnings)
	}
}

// TestReadReportsDroppedDuplicates checks that repeated user–item pairs,
// merged by default, are reported with their count and a first example.
func TestReadReportsDroppedDuplicates(t *testing.T) {
	l, err := ReadCSV(strings.NewReader("1\t2\n3\t4\n1\t2\n5\t6\n3\t4\n"), "pairs.tsv", Header(false))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Pairs) != 3 || len(l.Warnings) != 1 || !strings.Contains(l.Warnings[0], "merged 2 repeated") ||
		!strings.Contains(l.Warnings[0], "line 3 repeats line 1") {
		t.Errorf("pairs %v, warnings %q", l.Pairs, l.Warnings)
	}
	// Warnings follow the Log through Filter, Build and Concat, and the
	// parts of an imported split into the Split.
	if f := l.Filter(1, 0); len(f.Warnings) != 1 {
		t.Errorf("Filter dropped the warnings: %q", f.Warnings)
	}
	x, err := l.Build()
	if err != nil || len(x.Warnings) != 1 {
		t.Errorf("Build: %v %q", err, x.Warnings)
	}
	l2, _ := ReadCSV(strings.NewReader("1\t2\n7\t8"), "more.tsv", Header(false), KeepIDs())
	l3, _ := ReadCSV(strings.NewReader("1\t2\n"), "train.tsv", Header(false), KeepIDs())
	c, err := Concat("both", l3, l2)
	if err != nil || len(c.Warnings) != 2 || !strings.Contains(c.Warnings[1], "merged 1 user–item pair(s) found in more than one") {
		t.Errorf("Concat: %v %q", err, c.Warnings)
	}
	s, err := ImportSplit("imp", strings.NewReader("0\t1\n0\t2\n1\t1\n0\t1\n"), nil, strings.NewReader("0\t3\n1\t4"))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings) != 2 || !strings.Contains(s.Warnings[0], "imp/train") || !strings.Contains(s.Warnings[1], "imp/test line 2") {
		t.Errorf("ImportSplit warnings %q", s.Warnings)
	}
}

// TestImportSplitFilesName checks that a split imported from files of the
// working directory is named after that directory, not ".".
func TestImportSplitFilesName(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("train.tsv", []byte("0\t1\n0\t2\n1\t1\n"), 0o644)
	os.WriteFile("test.tsv", []byte("0\t3\n1\t2\n"), 0o644)
	s, err := ImportSplitFiles("train.tsv", "", "test.tsv")
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if s.Name != wd {
		t.Errorf("split named %q, want the directory %q", s.Name, wd)
	}
}

// TestErrorsClipHugeFields checks that a bad field of megabytes gives an
// error of one short line that still names the file and the line, with
// the field's beginning and its size.
func TestErrorsClipHugeFields(t *testing.T) {
	huge := strings.Repeat("x", 2<<20)
	cases := []struct {
		name string
		read func() (*Log, error)
	}{
		{"users.dat count", func() (*Log, error) { return ReadUsersDat(strings.NewReader("1 2\n"+huge+" 3\n"), "u.dat") }},
		{"users.dat item", func() (*Log, error) { return ReadUsersDat(strings.NewReader("1 "+huge+"\n"), "u.dat", KeepIDs()) }},
		{"adjacency user", func() (*Log, error) { return ReadAdjacency(strings.NewReader("0 1\n"+huge+" 2\n"), "adj", KeepIDs()) }},
		{"movielens rating", func() (*Log, error) {
			return ReadMovieLens(strings.NewReader("1\t2\t5\t1\n1\t3\t"+huge+"\t1\n"), "u.data")
		}},
		{"movielens timestamp", func() (*Log, error) {
			return ReadMovieLens(strings.NewReader("1\t2\t5\t1\n1\t3\t4\t"+huge+"\n"), "u.data")
		}},
		{"csv id", func() (*Log, error) {
			return ReadCSV(strings.NewReader("1\t2\n"+huge+"\t2\n"), "p.tsv", Header(false), KeepIDs())
		}},
		{"csv duplicate", func() (*Log, error) {
			return ReadCSV(strings.NewReader(huge+"\ta\n"+huge+"\ta\n"), "p.tsv", Header(false), RejectDuplicates())
		}},
	}
	for _, c := range cases {
		_, err := c.read()
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		msg := err.Error()
		if len(msg) > 300 || !strings.Contains(msg, " line 2") && !strings.Contains(msg, " line 1") || !strings.Contains(msg, "bytes") {
			t.Errorf("%s: %d-byte error %.200q…", c.name, len(msg), msg)
		}
	}
}

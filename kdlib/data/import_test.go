package data

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestImportSplit(t *testing.T) {
	train := "0\t0\n0\t1\n1\t2\n2\t0\n"
	valid := "0\t2\n1\t0\n"
	test := "0\t3\n2\t4\n"
	s, err := ImportSplit("toy", strings.NewReader(train), strings.NewReader(valid), strings.NewReader(test))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "toy" || s.NumUsers() != 3 || s.NumItems() != 5 || s.Train.NNZ() != 4 || s.Candidates != nil {
		t.Fatalf("split %+v", s)
	}
	if !slices.Equal(s.Valid[0], []int32{2}) || len(s.Valid[2]) != 0 || !slices.Equal(s.Test[2], []int32{4}) {
		t.Errorf("held out: %v %v", s.Valid, s.Test)
	}
	// Train/test only; a given shape.
	s, err = ImportSplit("toy", strings.NewReader(train), nil, strings.NewReader(test), Shape(10, 20))
	if err != nil {
		t.Fatal(err)
	}
	if s.NumUsers() != 10 || s.NumItems() != 20 || len(s.Valid) != 10 || len(s.Valid[0]) != 0 {
		t.Errorf("train/test split: %d×%d valid %v", s.NumUsers(), s.NumItems(), s.Valid)
	}

	for _, c := range []struct {
		train, valid, test string
		opts               []ReadOption
		msg                string
	}{
		{train, "", "3\t1\n", nil, `split "toy": user 3 has held-out items but no training data`},
		{train, "0\t1\n", test, nil, "user 0 item 1 is in both train and valid"},
		{train, "0\t3\n", test, nil, "user 0 item 3 is in both valid and test"},
		{train, "", "0\t9\n", []ReadOption{Shape(0, 5)}, `toy/test line 1: item id "9" out of range (index space 5)`},
		{train, "", "0\tx\n", nil, `toy/test line 1: item id "x" is not an integer`},
		{"", "", test, nil, "toy/train: no interactions"},
		{train, "", "", nil, "toy/test: no interactions"},
	} {
		var v *strings.Reader
		if c.valid != "" {
			v = strings.NewReader(c.valid)
		}
		var err error
		if v == nil {
			_, err = ImportSplit("toy", strings.NewReader(c.train), nil, strings.NewReader(c.test), c.opts...)
		} else {
			_, err = ImportSplit("toy", strings.NewReader(c.train), v, strings.NewReader(c.test), c.opts...)
		}
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%q/%q/%q: error %v, want %q", c.train, c.valid, c.test, err, c.msg)
		}
	}
}

func TestJoinSplitNeedsKeptIDs(t *testing.T) {
	a, err := ReadCSV(strings.NewReader("u\ti\n"), "a", Header(false))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := JoinSplit("x", a, nil, a); err == nil || !strings.Contains(err.Error(), "KeepIDs") {
		t.Errorf("remapped logs joined: %v", err)
	}
	if _, err := JoinSplit("x", a, nil, nil); err == nil {
		t.Error("missing test part accepted")
	}
}

func TestConcat(t *testing.T) {
	a, _ := ReadAdjacency(strings.NewReader("0 1 2\n1 0\n"), "a", KeepIDs())
	b, _ := ReadAdjacency(strings.NewReader("0 2 3\n4\n"), "b", KeepIDs())
	c, err := Concat("a+b", a, nil, b)
	if err != nil {
		t.Fatal(err)
	}
	if c.NumUsers != 5 || c.NumItems != 4 || readPairs(c.Pairs) != "0:1 0:2 1:0 0:3" {
		t.Errorf("Concat: %d×%d %s", c.NumUsers, c.NumItems, readPairs(c.Pairs))
	}
	if _, err := Concat("none"); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty Concat: %v", err)
	}
}

func TestImportSplitFiles(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{"train.tsv": "0\t0\n1\t1\n", "test.tsv": "0\t1\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := ImportSplitDir(dir, "train.tsv", "", "test.tsv")
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != dir || s.Train.NNZ() != 2 || !slices.Equal(s.Test[0], []int32{1}) {
		t.Errorf("split %+v", s)
	}
	if _, err := ImportSplitDir(dir, "train.tsv", "nope.tsv", "test.tsv"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing valid file: %v", err)
	}
}

// TestImportSplitCiteULike loads the authors' CiteULike leave-one-out splits.
func TestImportSplitCiteULike(t *testing.T) {
	root := readDatasets(t)
	for _, split := range []string{"derrd-loo-split", "td-loo-split"} {
		dir := filepath.Join(root, "citeulike", "citeulike-t", split)
		s, err := ImportSplitDir(dir, "derived_train.tsv", "derived_valid.tsv", "derived_test.tsv", RejectDuplicates())
		if err != nil {
			t.Fatal(err)
		}
		valid, test := s.NumHeldOut()
		if s.NumUsers() != 5219 || s.NumItems() != 25181 || s.Train.NNZ() != 115142 || valid != 5219 || test != 5219 {
			t.Errorf("%s: %d users, %d items, %d/%d/%d; want 5219, 25181, 115142/5219/5219",
				split, s.NumUsers(), s.NumItems(), s.Train.NNZ(), valid, test)
		}
		for u := range s.NumUsers() {
			if len(s.Valid[u]) != 1 || len(s.Test[u]) != 1 {
				t.Fatalf("%s: user %d holds out %v / %v, want one item each", split, u, s.Valid[u], s.Test[u])
			}
		}
	}
}

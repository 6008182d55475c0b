package datasets

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadChecksCounts checks that a registry data set whose files do not
// hold the registry's counts (a file cut short, another data set under the
// same name) is refused with an error naming the file and both counts,
// while Raw loads it unchecked.
func TestLoadChecksCounts(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "ml-100k", "u.data")
	os.MkdirAll(filepath.Dir(path), 0o755)
	os.WriteFile(path, []byte("1\t2\t5\t881250949\n3\t1\t2\t881250950\n"), 0o644)
	_, err := LoadDir("ml-100k", root)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "holds 2 users, 2 items and 2 interactions") ||
		!strings.Contains(err.Error(), "943, 1682 and 100000") {
		t.Fatalf("got %v, want an error naming %s and both counts", err, path)
	}
	if _, err := LoadLog("ml-100k", Dir(root)); err == nil {
		t.Error("LoadLog loaded it")
	}
	if x, err := LoadDir("ml-100k", root, Raw()); err != nil || x.NNZ() != 2 {
		t.Errorf("Raw: %v", err)
	}
}

// TestLoadDownloadedCutShort cuts the real u.data in half and mid-number:
// the half is refused by the counts, and a file whose last line lost its
// newline (or was altered) loads with warnings naming it.
func TestLoadDownloadedCutShort(t *testing.T) {
	src := collection(t)
	full, err := os.ReadFile(filepath.Join(src, "ml-100k", "u.data"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	path := filepath.Join(root, "ml-100k", "u.data")
	os.MkdirAll(filepath.Dir(path), 0o755)
	lines := bytes.SplitAfter(full, []byte("\n"))
	os.WriteFile(path, bytes.Join(lines[:len(lines)/2], nil), 0o644)
	if _, err := LoadDir("ml-100k", root); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "the registry's ml-100k has 943, 1682 and 100000") {
		t.Errorf("half of u.data: %v", err)
	}
	// The last newline lost: every record is there, but the file is not
	// the registry's and may have lost more.
	os.WriteFile(path, full[:len(full)-1], 0o644)
	x, err := LoadDir("ml-100k", root)
	if err != nil {
		t.Fatal(err)
	}
	w := strings.Join(x.Warnings, "\n")
	if len(x.Warnings) != 2 || !strings.Contains(w, path+" line 100000: the last line has no newline") || !strings.Contains(w, "SHA-256") {
		t.Errorf("warnings %q", x.Warnings)
	}
	// The registry's own copy loads without a word.
	if x, err := LoadDir("ml-100k", src); err != nil || len(x.Warnings) != 0 {
		t.Errorf("the collection's u.data: %v %q", err, x.Warnings)
	}
	if x, err := Load("citeulike-t"); err != nil || len(x.Warnings) != 0 {
		t.Errorf("the embedded citeulike-t: %v %q", err, x.Warnings)
	}
	// A shipped split whose test file was cut mid-record.
	split := filepath.Join(root, "citeulike", "citeulike-t", "td-loo-split")
	os.MkdirAll(split, 0o755)
	for _, f := range []string{"derived_train.tsv", "derived_valid.tsv", "derived_test.tsv"} {
		b, err := os.ReadFile(filepath.Join(src, "citeulike", "citeulike-t", "td-loo-split", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "derived_test.tsv" {
			b = b[:len(b)-2]
		}
		os.WriteFile(filepath.Join(split, f), b, 0o644)
	}
	s, err := LoadSplit("citeulike-t", SplitName("td-loo"), Dir(root))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings) != 2 || !strings.Contains(s.Warnings[0], "derived_test.tsv line") {
		t.Errorf("split warnings %q", s.Warnings)
	}
}

// TestCheck checks datasets.Check on what Load and LoadSplit would find.
func TestCheck(t *testing.T) {
	t.Setenv(EnvDir, "")
	if err := Check("citeulike-t"); err != nil {
		t.Errorf("embedded: %v", err)
	}
	for _, c := range []struct {
		name string
		opts []Option
		want string
	}{
		{"nosuch", nil, "unknown data set"},
		{"ml-100k", nil, "is not embedded"},
		{"ml-100k", []Option{Dir(t.TempDir())}, "u.data not found"},
		{"citeulike-t", []Option{SplitName("td-loo"), Dir(t.TempDir())}, "td-loo-split/derived_train.tsv not found"},
		{"citeulike-t", []Option{SplitName("nosplit")}, `no split "nosplit"`},
	} {
		if err := Check(c.name, c.opts...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Check(%s): %v, want %q", c.name, err, c.want)
		}
	}
}

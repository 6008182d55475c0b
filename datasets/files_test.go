package datasets

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
)

// TestLoadFiles loads files of one's own: merge by identifier, the column
// mapping, errors that name the file and line, and the checks that need no
// file.
func TestLoadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// The case: check-in counts as "user item count", train and
	// test files sharing ids.
	write("train.tsv", "7\t100\t3\n7\t101\t1\n8\t100\t2\n")
	write("test.tsv", "8\t102\t1\n7\t102\t4\n9\t100\t1\n")
	x, err := LoadFiles(Files{Paths: []string{"train.tsv", "test.tsv"}}, Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if x.NumUsers != 3 || x.NumItems != 3 || x.NNZ() != 6 || !slices.Equal(x.UserIDs, []string{"7", "8", "9"}) || x.Times != nil {
		t.Errorf("merged: %v %v", x.Stats(), x.UserIDs)
	}
	w := 2.0
	x, err = LoadFiles(Files{Paths: []string{filepath.Join(dir, "train.tsv"), filepath.Join(dir, "test.tsv")},
		Columns: []data.Column{data.ColUser, data.ColItem, data.ColRating}, MinRating: &w, KCore: 1})
	if err != nil || x.NNZ() != 3 {
		t.Errorf("min rating 2: %v, %v", x, err)
	}
	write("bad.csv", "user,item,rating\n1,2,3\n1,3,x\n")
	cases := []struct {
		f    Files
		want string
	}{
		{Files{Paths: []string{"bad.csv"}}, "bad.csv line 3: rating \"x\" is not a finite number"},
		{Files{Paths: []string{"none.csv"}}, "none.csv: no such file"},
		{Files{}, "no file"},
		{Files{Paths: []string{"train.tsv"}, Format: "parquet"}, `unknown file format "parquet" (known: adjacency, csv, movielens, users.dat`},
		{Files{Paths: []string{"train.tsv"}, Columns: []data.Column{"user", "user"}}, "exactly one user and one item"},
		{Files{Paths: []string{"train.tsv"}, KCore: 3}, "the 3-core is empty"},
		{Files{Paths: []string{"train.tsv"}, Format: "adjacency", MinRating: &w}, "option MinRating does not apply to the adjacency format"},
	}
	for _, c := range cases {
		if _, err := LoadFiles(c.f, Dir(dir)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want …%s…", c.f, err, c.want)
		}
	}
	if err := CheckFiles(Files{Paths: []string{"train.tsv", "gone.tsv"}}, Dir(dir)); err == nil || !strings.Contains(err.Error(), "gone.tsv") {
		t.Errorf("CheckFiles: %v", err)
	}
	if err := CheckFiles(Files{Paths: []string{"train.tsv"}}, Dir(dir)); err != nil {
		t.Error(err)
	}
	if _, err := LoadFiles(Files{Paths: []string{"train.tsv"}}, Raw()); err == nil || !strings.Contains(err.Error(), "apply to registered data sets") {
		t.Errorf("Raw: %v", err)
	}
}

package datasets

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/internal/datatest"
	"github.com/kdrec/kdrec/kdlib/data"
)

// collection returns the dataset collection root named by KDREC_DATASETS or
// skips the test.
func collection(t *testing.T) string {
	t.Helper()
	root := os.Getenv(EnvDir)
	if root == "" {
		datatest.Skip(t, "KDREC_DATASETS not set: skipping the test on the downloaded data sets")
	}
	return root
}

// used counts the users and items with at least one interaction.
func used(x *data.Interactions) (users, items int) {
	s := x.Stats()
	return s.Users - s.EmptyUsers, s.Items - s.EmptyItems
}

func TestEmbeddedFile(t *testing.T) {
	r, err := OpenEmbedded("citeulike-t")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		t.Fatal(err)
	}
	const want = "02d5d429b2c0362e0ed79f6ef204666b4092563d21493abf4dfb521e8a7078bf"
	if got := hex.EncodeToString(h.Sum(nil)); n != 770649 || got != want {
		t.Errorf("embedded users.dat: %d bytes, sha256 %s; want 770649 bytes, %s", n, got, want)
	}
	if _, err := OpenEmbedded("ml-100k"); err == nil || !strings.Contains(err.Error(), "grouplens") {
		t.Errorf("OpenEmbedded(ml-100k): %v", err)
	}
}

func TestLoadCiteULike(t *testing.T) {
	x, err := Load("citeulike-t")
	if err != nil {
		t.Fatal(err)
	}
	if x.NumUsers != 5219 || x.NumItems != 25181 || x.NNZ() != 125580 {
		t.Errorf("citeulike-t: %v; want 5219 users, 25181 items, 125580 interactions", x.Stats())
	}
	if s := x.Stats(); s.MinPerUser != 5 || s.MaxPerUser != 1995 || s.EmptyItems != 0 {
		t.Errorf("citeulike-t: %v", s)
	}
	if len(x.UserIDs) != x.NumUsers || len(x.ItemIDs) != x.NumItems {
		t.Errorf("citeulike-t: %d/%d ids", len(x.UserIDs), len(x.ItemIDs))
	}
	raw, err := Load("citeulike-t", Raw())
	if err != nil {
		t.Fatal(err)
	}
	if u, i := used(raw); raw.NumUsers != 7947 || raw.NumItems != 25975 || raw.NNZ() != 134860 || u != 7947 || i != 25584 {
		t.Errorf("citeulike-t raw: %v", raw.Stats())
	}
	// The filtered users are raw lines with the same items.
	u := 17
	orig, err := strconv.Atoi(x.UserIDs[u])
	if err != nil {
		t.Fatal(err)
	}
	var items []string
	for _, i := range x.Items(u) {
		items = append(items, x.ItemIDs[i])
	}
	var rawItems []string
	for _, i := range raw.Items(orig) {
		rawItems = append(rawItems, strconv.Itoa(int(i)))
	}
	slices.Sort(items)
	slices.Sort(rawItems)
	if !slices.Equal(items, rawItems) {
		t.Errorf("user %d (line %d): items %v, raw %v", u, orig, items, rawItems)
	}
	l, err := LoadLog("citeulike-t")
	if err != nil || l.Name != "citeulike-t" || len(l.Pairs) != 125580 {
		t.Errorf("LoadLog: %v", err)
	}
}

func TestRegistry(t *testing.T) {
	want := []string{"ml-100k", "ml-1m", "ml-1m-ge3", "citeulike-a", "citeulike-t", "gowalla", "amazon-book", "lastfm", "lastfm-lightgcn"}
	var names []string
	for _, d := range List() {
		names = append(names, d.Name)
		for field, v := range map[string]string{"Title": d.Title, "Folder": d.Folder, "Format": d.Format, "Source": d.Source,
			"License": d.License, "Citation": d.Citation, "Preprocessing": d.Preprocessing} {
			if v == "" {
				t.Errorf("%s: empty %s", d.Name, field)
			}
		}
		if len(d.Files) == 0 || d.Users <= 0 || d.Items <= 0 || d.Interactions <= 0 {
			t.Errorf("%s: files %v counts %d/%d/%d", d.Name, d.Files, d.Users, d.Items, d.Interactions)
		}
		for _, s := range d.Splits {
			if s.Name == "" || s.Train == "" || s.Test == "" || s.Note == "" {
				t.Errorf("%s: incomplete split %+v", d.Name, s)
			}
		}
		if d.Embedded != (d.Name == "citeulike-t") {
			t.Errorf("%s: Embedded = %v", d.Name, d.Embedded)
		}
	}
	if !slices.Equal(names, want) {
		t.Errorf("names %v, want %v", names, want)
	}
	// List returns copies.
	List()[0].Files[0] = "changed"
	if d, _ := Lookup("ml-100k"); d.Files[0] != "u.data" {
		t.Error("List exposes the registry")
	}
	d, err := Lookup("citeulike-t")
	if err != nil || !strings.Contains(d.Citation, "Wu-Jun Li") || len(d.Splits) != 2 {
		t.Errorf("Lookup(citeulike-t): %v %+v", err, d)
	}
	_, err = Lookup("citeulike")
	if err == nil || !strings.Contains(err.Error(), `unknown data set "citeulike"; known: citeulike-`) {
		t.Errorf("unknown name: %v", err)
	}
	_, err = Load("movielens-100k")
	if err == nil || !strings.Contains(err.Error(), "known: ml-100k") {
		t.Errorf("unknown name, nearest first: %v", err)
	}
}

func TestOptionErrors(t *testing.T) {
	t.Setenv(EnvDir, "")
	for _, c := range []struct {
		err error
		msg string
	}{
		{second(Load("citeulike-t", MinRating(3))), "has no ratings"},
		{second(Load("citeulike-t", SplitName("derrd-loo"))), "SplitName applies to LoadSplit only"},
		{second(Load("ml-100k")), "download it from https://files.grouplens.org"},
		{second(LoadSplit("citeulike-t")), "pass datasets.Dir or set KDREC_DATASETS"},
		{second(LoadSplit("ml-100k")), "ships no split"},
		{second(LoadSplit("citeulike-t", Raw())), "do not apply to LoadSplit"},
		{second(LoadSplit("citeulike-t", SplitName("hetcomp"), Dir(t.TempDir()))), `no split "hetcomp"; known: derrd-loo, td-loo`},
		{second(LoadDir("gowalla", t.TempDir())), "train.txt not found"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.msg) {
			t.Errorf("error %v, want %q", c.err, c.msg)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// TestLoadDirLayouts loads small files laid out as the collection and as a
// bare folder, with the alternative file names of Gowalla.
func TestLoadDirLayouts(t *testing.T) {
	root := t.TempDir()
	write := func(path, text string) {
		path = filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ml-100k/u.data", "1\t2\t5\t881250949\n3\t1\t2\t881250950\n")
	write("gowalla-lightgcn/derived_train.txt", "0 0 1\n1 1 2\n")
	write("gowalla-lightgcn/test.txt", "0 2\n1\n")
	write("lastfm/lightgcn-pytorch-split/data1.txt", "1\t1\t3\r\n2\t2\t4\r\n")
	write("lastfm/lightgcn-pytorch-split/test1.txt", "1\t2\t1\r\n3\t1\t1\r\n")

	// The files are not the real data sets, so their counts differ from
	// the registry's: Raw loads them unchecked (TestLoadChecksCounts).
	for _, dir := range []string{root, filepath.Join(root, "ml-100k")} {
		x, err := LoadDir("ml-100k", dir, Raw())
		if err != nil {
			t.Fatal(err)
		}
		if x.NumUsers != 3 || x.NumItems != 2 || x.NNZ() != 2 || !x.Has(0, 1) || !x.Has(2, 0) {
			t.Errorf("ml-100k from %s: %v", dir, x.Stats())
		}
	}
	x, err := LoadDir("ml-100k", root, MinRating(4))
	if err != nil || x.NNZ() != 1 || x.NumUsers != 3 {
		t.Errorf("ml-100k MinRating(4): %v %v", err, x)
	}
	t.Setenv(EnvDir, root)
	x, err = Load("gowalla", Raw())
	if err != nil || x.NNZ() != 5 {
		t.Fatalf("gowalla: %v %v", err, x)
	}
	s, err := LoadSplit("gowalla")
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.NNZ() != 4 || !slices.Equal(s.Test[0], []int32{2}) || len(s.Valid[0]) != 0 || s.Name != "gowalla lightgcn" {
		t.Errorf("gowalla split: %+v", s)
	}
	if _, err := LoadSplit("gowalla", SplitName("lightgcnpp")); err == nil || !strings.Contains(err.Error(), "lightgcnpp-split/train.txt") {
		t.Errorf("missing lightgcnpp files: %v", err)
	}
	// User 3 of test1.txt has no training data: LoadSplit drops that pair.
	s, err = LoadSplit("lastfm-lightgcn")
	if err != nil {
		t.Fatal(err)
	}
	if _, test := s.NumHeldOut(); test != 1 || s.NumUsers() != 3 || !slices.Equal(s.Test[0], []int32{1}) {
		t.Errorf("lastfm-lightgcn split: %+v", s)
	}
}

// TestLoadDownloaded loads every data set from the collection and checks the
// counts of SOURCES.md.
func TestLoadDownloaded(t *testing.T) {
	root := collection(t)
	for _, d := range List() {
		x, err := LoadDir(d.Name, root)
		if err != nil {
			t.Errorf("%s: %v", d.Name, err)
			continue
		}
		if u, i := used(x); u != d.Users || i != d.Items || x.NNZ() != d.Interactions {
			t.Errorf("%s: %d users, %d items used, %d interactions; want %d, %d, %d",
				d.Name, u, i, x.NNZ(), d.Users, d.Items, d.Interactions)
		}
	}
	x, err := LoadDir("ml-100k", root, MinRating(4))
	if err != nil {
		t.Fatal(err)
	}
	if x.NumUsers != 943 || x.NumItems != 1682 || x.NNZ() != 55375 {
		t.Errorf("ml-100k rating >= 4: %v; want 55375 interactions in 943×1682", x.Stats())
	}
	x, err = LoadDir("ml-1m", root)
	if err != nil || x.NumItems != 3952 {
		t.Errorf("ml-1m index space: %v %v", err, x.Stats())
	}
	x, err = LoadDir("lastfm-lightgcn", root)
	if err != nil || x.NumUsers != 1892 || x.NumItems != 4489 {
		t.Errorf("lastfm-lightgcn index space: %v %v", err, x.Stats())
	}
	x, err = LoadDir("lastfm", root, MinRating(1000))
	if err != nil || x.NNZ() >= 92834 || x.NNZ() == 0 || len(x.UserIDs) != x.NumUsers {
		t.Errorf("lastfm play count >= 1000: %v %v", err, x.Stats())
	}
}

// TestLoadSplitDownloaded loads every shipped split and checks its sizes;
// for citeulike-t it also checks that the split covers exactly the embedded
// data set, numbered alike.
func TestLoadSplitDownloaded(t *testing.T) {
	root := collection(t)
	for _, c := range []struct {
		name, split        string
		train, valid, test int
	}{
		{"citeulike-t", "derrd-loo", 115142, 5219, 5219},
		{"citeulike-t", "td-loo", 115142, 5219, 5219},
		{"ml-1m", "resn", 800167, 0, 200042},
		{"ml-1m-ge3", "lightgcnpp", 590733, 80897, 164848},
		{"gowalla", "lightgcn", 810128, 0, 217242},
		{"gowalla", "lightgcnpp", 719081, 91047, 217242},
		{"amazon-book", "kgat", 652514, 0, 193920},
		{"lastfm-lightgcn", "lightgcn", 42135, 0, 10530},
	} {
		s, err := LoadSplit(c.name, SplitName(c.split), Dir(root))
		if err != nil {
			t.Errorf("%s %s: %v", c.name, c.split, err)
			continue
		}
		valid, test := s.NumHeldOut()
		if s.Train.NNZ() != c.train || valid != c.valid || test != c.test {
			t.Errorf("%s %s: %d/%d/%d, want %d/%d/%d", c.name, c.split, s.Train.NNZ(), valid, test, c.train, c.valid, c.test)
		}
		d, _ := Lookup(c.name)
		if u, i := used(s.Train); c.name != "lastfm-lightgcn" && (u != d.Users || i > d.Items) {
			t.Errorf("%s %s: %d training users, %d items", c.name, c.split, u, i)
		}
	}
	x, err := Load("citeulike-t")
	if err != nil {
		t.Fatal(err)
	}
	for _, split := range []string{"derrd-loo", "td-loo"} {
		s, err := LoadSplit("citeulike-t", SplitName(split), Dir(root))
		if err != nil {
			t.Fatal(err)
		}
		pairs := s.Train.Pairs()
		for u := range s.NumUsers() {
			for _, i := range append(slices.Clone(s.Valid[u]), s.Test[u]...) {
				pairs = append(pairs, data.Pair{User: int32(u), Item: i})
			}
		}
		all, err := data.FromPairs(s.NumUsers(), s.NumItems(), pairs)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(all.UserPtr, x.UserPtr) || !slices.Equal(all.UserItems, x.UserItems) {
			t.Errorf("%s: the split does not cover Load(\"citeulike-t\") with the same numbering", split)
		}
	}
}

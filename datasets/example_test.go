package datasets_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
)

// Load the embedded CiteULike-t with the dissertation's preprocessing
// (users with at least five interactions).
func ExampleLoad() {
	x, err := datasets.Load("citeulike-t")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(x.NumUsers, "users,", x.NumItems, "items,", x.NNZ(), "interactions")
	// Output: 5219 users, 25181 items, 125580 interactions
}

// Load a data set of one's own from two CSV files (a train and a test
// file made elsewhere, merged by identifier), binarise its ratings at 4
// and keep the 2-core, then print its card.
func ExampleLoadFiles() {
	dir, err := os.MkdirTemp("", "kdrec-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			fmt.Println(err)
		}
	}
	write("train.csv", "user,item,stars,when\nana,dune,5,2021-03-01\nana,emma,4,2021-03-02\nbob,dune,4,2021-03-01\nbob,emma,2,2021-03-05\n")
	write("test.csv", "user,item,stars,when\nbob,ulysses,5,2021-04-01\nana,ulysses,4,2021-04-02\ncid,dune,5,2021-04-03\n")
	four := 4.0
	x, err := datasets.LoadFiles(datasets.Files{
		Paths:     []string{"train.csv", "test.csv"},
		Columns:   []data.Column{data.ColUser, data.ColItem, data.ColRating, data.ColTime},
		MinRating: &four,
		KCore:     2,
	}, datasets.Dir(dir))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(x.Card())
	fmt.Println("users", x.UserIDs, "items", x.ItemIDs)
	// Output:
	// 2 users, 2 items, 4 interactions, density 1.000000
	// interactions per user: min 2, 10% 2, 25% 2, median 2, 75% 2, 90% 2, max 2, mean 2.0
	// interactions per item: min 2, 10% 2, 25% 2, median 2, 75% 2, 90% 2, max 2, mean 2.0
	// times: 1614556800 … 1617321600 (2021-03-01 … 2021-04-02 as Unix seconds)
	// users [ana bob] items [dune ulysses]
}

// readColon reads "user: item item …" lines (see ExampleRegisterFormat).
func readColon(r io.Reader, name string, f datasets.Files) (*data.Log, error) {
	if len(f.Columns) > 0 || f.MinRating != nil || f.Header != nil || f.Delimiter != "" {
		return nil, fmt.Errorf("%s: the colon format has no columns, ratings, header or delimiter", name)
	}
	l := &data.Log{Name: name}
	users, items := map[string]int32{}, map[string]int32{}
	index := func(m map[string]int32, ids *[]string, id string) int32 {
		if k, ok := m[id]; ok {
			return k
		}
		m[id] = int32(len(*ids))
		*ids = append(*ids, id)
		return m[id]
	}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		user, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			return nil, &data.LineError{Name: name, Line: line, Err: errors.New("no ':' after the user")}
		}
		u := index(users, &l.UserIDs, strings.TrimSpace(user))
		for _, item := range strings.Fields(rest) {
			l.Pairs = append(l.Pairs, data.Pair{User: u, Item: index(items, &l.ItemIDs, item)})
		}
	}
	l.NumUsers, l.NumItems = len(l.UserIDs), len(l.ItemIDs)
	return l, sc.Err()
}

var registerColon sync.Once

// Add a file format: here "user: item item …" lines, read by readColon
// (above) into a data.Log with the files' identifiers, so that several
// files merge. Once registered (usually from an init function), the format
// is available to LoadFiles, to sweep specs ("format" of a data set's
// files) and to kdrepl's `load path=… format=colon`.
func ExampleRegisterFormat() {
	registerColon.Do(func() { datasets.RegisterFormat("colon", readColon) })
	path := filepath.Join(os.TempDir(), "kdrec-example.colon")
	if err := os.WriteFile(path, []byte("ana: dune emma\nbob: dune\n"), 0o644); err != nil {
		fmt.Println(err)
		return
	}
	defer os.Remove(path)
	x, err := datasets.LoadFiles(datasets.Files{Paths: []string{path}, Format: "colon"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(x.Stats())
	// Output: 2 users, 2 items, 3 interactions, density 0.750000 (per user 1..2, per item 1..2)
}

package main

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/interop"
	"github.com/kdrec/kdrec/kdlib/model"
)

// readInt32NPY reads a version 1.0 '<i4' .npy file as numpy writes it
// (interop.DecodeNPY reads floating-point arrays only).
func readInt32NPY(t *testing.T, path string) ([]int, []int32) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 10 || string(b[:6]) != "\x93NUMPY" || b[6] != 1 {
		t.Fatalf("%s: not a version 1 .npy file", path)
	}
	hlen := int(binary.LittleEndian.Uint16(b[8:]))
	hdr := string(b[10 : 10+hlen])
	if !strings.Contains(hdr, "'descr': '<i4'") || !strings.Contains(hdr, "'fortran_order': False") {
		t.Fatalf("%s: header %q, want little-endian int32 in C order", path, hdr)
	}
	m := regexp.MustCompile(`'shape': \(([0-9, ]*)\)`).FindStringSubmatch(hdr)
	if m == nil {
		t.Fatalf("%s: no shape in %q", path, hdr)
	}
	var shape []int
	n := 1
	for _, f := range strings.Split(m[1], ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		k, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		shape = append(shape, k)
		n *= k
	}
	body := b[10+hlen:]
	if len(body) != 4*n {
		t.Fatalf("%s: %d bytes of values for shape %v", path, len(body), shape)
	}
	v := make([]int32, n)
	for k := range v {
		v[k] = int32(binary.LittleEndian.Uint32(body[4*k:]))
	}
	return shape, v
}

// TestExport writes the files and checks them against the split, the
// teacher and the lists they come from: what the Python side reads.
func TestExport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the teacher lists of CiteULike-t (about 10 CPU-s)")
	}
	dir := t.TempDir()
	if err := run(dir); err != nil {
		t.Fatal(err)
	}
	x, err := datasets.Load("citeulike-t")
	if err != nil {
		t.Fatal(err)
	}
	s, err := data.LeaveOneOut(x, 0, data.DefaultNumCandidates)
	if err != nil {
		t.Fatal(err)
	}
	nu, ni := s.NumUsers(), s.NumItems()

	var meta struct {
		Users, Items, Train int
		Split               string
	}
	b, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	if meta.Users != nu || meta.Items != ni || meta.Train != s.Train.NNZ() || meta.Split != s.Name {
		t.Fatalf("meta %+v, split %d × %d, %d pairs, %q", meta, nu, ni, s.Train.NNZ(), s.Name)
	}

	shape, pairs := readInt32NPY(t, filepath.Join(dir, "train.npy"))
	if !slices.Equal(shape, []int{s.Train.NNZ(), 2}) {
		t.Fatalf("train.npy shape %v", shape)
	}
	k := 0
	for u := 0; u < nu; u++ {
		for _, i := range s.Train.Items(u) {
			if pairs[2*k] != int32(u) || pairs[2*k+1] != i {
				t.Fatalf("train.npy row %d = (%d, %d), want (%d, %d)", k, pairs[2*k], pairs[2*k+1], u, i)
			}
			k++
		}
	}
	for _, part := range []string{"valid", "test"} {
		_, held := readInt32NPY(t, filepath.Join(dir, part+".npy"))
		for u := 0; u < nu; u++ {
			if h := s.HeldOut(part, u); len(h) != 1 || held[u] != h[0] {
				t.Fatalf("%s.npy user %d = %d, split %v", part, u, held[u], h)
			}
		}
	}
	shape, cand := readInt32NPY(t, filepath.Join(dir, "candidates.npy"))
	if !slices.Equal(shape, []int{nu, data.DefaultNumCandidates}) {
		t.Fatalf("candidates.npy shape %v", shape)
	}
	for _, u := range []int{0, nu / 2, nu - 1} {
		row := cand[u*data.DefaultNumCandidates : (u+1)*data.DefaultNumCandidates]
		if !slices.Equal(row, s.Candidates[u]) {
			t.Fatalf("candidates.npy row %d differs from the split's", u)
		}
	}

	teacher, err := model.NewBPR(model.BPRConfig{Users: nu, Items: ni, Dim: teacherDim, InitStd: teacherStd, Seed: teacherSeed})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]float32{"teacher_user.npy": teacher.UserRep(int32(nu - 1)), "teacher_item.npy": teacher.ItemRep(7)} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		a, err := interop.DecodeNPY(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		row := nu - 1
		if name == "teacher_item.npy" {
			row = 7
		}
		if a.Cols() != teacherDim || !slices.Equal(a.Data[row*teacherDim:(row+1)*teacherDim], want) {
			t.Fatalf("%s: row %d is not the teacher's", name, row)
		}
	}

	// Lists: listN distinct entries per row, none of them a training pair,
	// and the first user's list ranked by the teacher's scores.
	for _, side := range []struct {
		file string
		rows int
		seen func(r int, c int32) bool
	}{
		{"user_lists.npy", nu, func(u int, i int32) bool { return s.Train.Has(u, i) }},
		{"item_lists.npy", ni, func(i int, u int32) bool { return s.Train.Has(int(u), int32(i)) }},
	} {
		shape, l := readInt32NPY(t, filepath.Join(dir, side.file))
		if !slices.Equal(shape, []int{side.rows, listN}) {
			t.Fatalf("%s shape %v", side.file, shape)
		}
		for _, r := range []int{0, side.rows / 3, side.rows - 1} {
			row := slices.Clone(l[r*listN : (r+1)*listN])
			for _, c := range row {
				if c < 0 || side.seen(r, c) {
					t.Fatalf("%s row %d holds %d (padding or a training pair)", side.file, r, c)
				}
			}
			slices.Sort(row)
			if len(slices.Compact(row)) != listN {
				t.Fatalf("%s row %d repeats entries", side.file, r)
			}
		}
	}
	_, ul := readInt32NPY(t, filepath.Join(dir, "user_lists.npy"))
	scores := make([]float32, ni)
	teacher.ScoreAll(0, scores)
	for k := 1; k < listN; k++ {
		if scores[ul[k-1]] < scores[ul[k]] {
			t.Fatalf("user 0's list is not in descending teacher score at position %d", k)
		}
	}
}

// TestOneEachRefusesTwoItems: the authors' formats hold one held-out item
// per user; a split with more is refused with the user named.
func TestOneEachRefusesTwoItems(t *testing.T) {
	train, err := data.FromPairs(2, 5, []data.Pair{{User: 0, Item: 0}, {User: 1, Item: 1}})
	if err != nil {
		t.Fatal(err)
	}
	s := &data.Split{Name: "two", Train: train, Valid: [][]int32{{2}, {3, 4}}, Test: [][]int32{{3}, {}}}
	if _, err := oneEach("valid", s); err == nil || !strings.Contains(err.Error(), "user 1 has 2 held-out items") {
		t.Fatalf("err = %v, want one naming user 1", err)
	}
	got, err := oneEach("test", s)
	if err != nil || !slices.Equal(got, []int32{3, -1}) {
		t.Fatalf("test part = %v, %v; want [3 -1]", got, err)
	}
}

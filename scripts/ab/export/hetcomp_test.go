package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
)

// pairsOf returns the (user, item) rows of an int32 pairs × 2 file.
func pairsOf(t *testing.T, path string) [][2]int32 {
	t.Helper()
	shape, v := readInt32NPY(t, path)
	if len(shape) != 2 || shape[1] != 2 {
		t.Fatalf("%s: shape %v, want pairs × 2", path, shape)
	}
	out := make([][2]int32, shape[0])
	for k := range out {
		out[k] = [2]int32{v[2*k], v[2*k+1]}
	}
	return out
}

// TestWriteHetComp exports a small hand-made ensemble (three users, one
// without training items, two distinct stage lists shared by two teachers'
// three stages) and checks every file against it.
func TestWriteHetComp(t *testing.T) {
	train, err := data.FromPairs(3, 8, []data.Pair{{User: 0, Item: 1}, {User: 0, Item: 4}, {User: 0, Item: 6}, {User: 1, Item: 2}})
	if err != nil {
		t.Fatal(err)
	}
	s := &data.Split{Name: "hand", Train: train, Valid: [][]int32{{0}, {3, 5}, nil}, Test: [][]int32{{7}, nil, {2}}}
	mk := func(rows ...[]int32) *distill.Lists {
		l := &distill.Lists{N: 4, Cols: 8}
		for _, r := range rows {
			l.Len = append(l.Len, int32(len(r)))
			l.Idx = append(l.Idx, append(slices.Clone(r), make([]int32, 4-len(r))...)...)
		}
		return l
	}
	a := mk([]int32{0, 2, 3, 5}, []int32{7, 6, 5, 4}, []int32{1, 3, 0, 7})
	b := mk([]int32{7, 5, 3, 2}, []int32{0, 1, 3}, []int32{6, 5, 4, 3})
	obsA := []int32{6, 1, 4, 2}
	obsB := []int32{1, 4, 6, 2}
	trs := []*distill.Trajectory{
		{Name: "MF", Stages: []*distill.Lists{a, a, b}, Observed: obsA},
		{Name: "ML", Stages: []*distill.Lists{b, a, b}, Observed: obsB},
	}
	e, err := distill.NewEnsemble(train, trs, 10)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := writeHetComp(dir, s, e, "hand-made", 3, 5); err != nil {
		t.Fatal(err)
	}

	if got, want := pairsOf(t, filepath.Join(dir, "train.npy")), [][2]int32{{0, 1}, {0, 4}, {0, 6}, {1, 2}}; !slices.Equal(got, want) {
		t.Errorf("train.npy %v, want %v", got, want)
	}
	if got, want := pairsOf(t, filepath.Join(dir, "valid.npy")), [][2]int32{{0, 0}, {1, 3}, {1, 5}}; !slices.Equal(got, want) {
		t.Errorf("valid.npy %v, want %v", got, want)
	}
	if got, want := pairsOf(t, filepath.Join(dir, "test.npy")), [][2]int32{{0, 7}, {2, 2}}; !slices.Equal(got, want) {
		t.Errorf("test.npy %v, want %v", got, want)
	}

	// Two distinct lists, a first (first seen), then b; −1 pads b's user 1.
	shape, lists := readInt32NPY(t, filepath.Join(dir, "lists.npy"))
	if !slices.Equal(shape, []int{2 * 3, 4}) {
		t.Fatalf("lists.npy shape %v", shape)
	}
	want := []int32{0, 2, 3, 5, 7, 6, 5, 4, 1, 3, 0, 7, 7, 5, 3, 2, 0, 1, 3, -1, 6, 5, 4, 3}
	if !slices.Equal(lists, want) {
		t.Errorf("lists.npy %v, want %v", lists, want)
	}
	shape, slots := readInt32NPY(t, filepath.Join(dir, "slots.npy"))
	if !slices.Equal(shape, []int{2, 3}) || !slices.Equal(slots, []int32{0, 0, 1, 1, 0, 1}) {
		t.Errorf("slots.npy %v %v, want [2 3] [0 0 1 1 0 1]", shape, slots)
	}

	// P_u: the ensemble's observed order, repeated to 5; user 2 has no
	// training items and takes its stage-0 ensemble targets.
	shape, obs := readInt32NPY(t, filepath.Join(dir, "observed.npy"))
	if !slices.Equal(shape, []int{3, 5}) {
		t.Fatalf("observed.npy shape %v", shape)
	}
	o0 := e.Observed(0)
	top2, err := e.Top(2, []int{0, 0}, 3)
	if err != nil {
		t.Fatal(err)
	}
	for u, src := range [][]int32{o0, {2}, top2} {
		row := obs[u*5 : (u+1)*5]
		for j, v := range row {
			if v != src[j%len(src)] {
				t.Fatalf("observed.npy user %d = %v, want %v repeated", u, row, src)
			}
		}
	}
	if !slices.Equal(o0, []int32{6, 1, 4}) && !slices.Equal(o0, []int32{1, 6, 4}) {
		t.Errorf("user 0's observed order %v is not the two teachers' aggregate", o0)
	}

	var meta struct {
		Users, Items, Train, Stages, K int
		Teachers                       []string
		ListN                          int     `json:"list_n"`
		ObservedK                      int     `json:"observed_k"`
		Distinct                       int     `json:"distinct_lists"`
		Temperature                    float64 `json:"temperature"`
		Split, Teacher                 string
	}
	b2, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b2, &meta); err != nil {
		t.Fatal(err)
	}
	if meta.Users != 3 || meta.Items != 8 || meta.Train != 4 || meta.Stages != 3 || meta.K != 3 || meta.ListN != 4 ||
		meta.ObservedK != 5 || meta.Distinct != 2 || meta.Temperature != 10 || meta.Split != "hand" || meta.Teacher != "hand-made" ||
		!slices.Equal(meta.Teachers, []string{"MF", "ML"}) {
		t.Errorf("meta.json %+v", meta)
	}
}

// TestHetCompSetupIsTheBenchmarks: the export's constants are those of
// kdlib/distill's HetComp benchmarks (a change there must be made here).
func TestHetCompSetupIsTheBenchmarks(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "kdlib", "distill", "hetcomp_bench_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	for _, want := range []string{
		"data.RatioSplit602020(x, " + strconv.Itoa(hcSplitSeed) + ")",
		"Dim: " + strconv.Itoa(hcTeacherDim) + ", InitStd: " + strconv.Itoa(hcTeacherStd) + ", Seed: " + strconv.Itoa(hcTeacherSeed) + "}",
		"tr, " + strconv.Itoa(hcListN) + ", 0)",
		"for t := 0; t < " + strconv.Itoa(len(hcTeacherNames)) + "; t++",
		"traj.Stages[0], traj.Stages[0], traj.Stages[0], traj.Stages[0]}",
		"NewEnsemble(tr, trs, " + strconv.Itoa(hcTemperature) + ")",
		"HetComp(e, st, HetCompOptions{})", // K = 100, hence K/10 observed items
	} {
		if !strings.Contains(src, want) {
			t.Errorf("hetcomp_bench_test.go no longer holds %q: update the export's constants", want)
		}
	}
	if strings.Count(src, "traj.Stages[0]") != hcStages {
		t.Errorf("the benchmarks' teachers do not have %d stages", hcStages)
	}
}

// TestExportHetComp writes the benchmarks' HetComp data and checks it
// against the ensemble it comes from.
func TestExportHetComp(t *testing.T) {
	if testing.Short() {
		t.Skip("ranks CiteULike-t with the benchmarks' teacher (a few CPU-s)")
	}
	dir := t.TempDir()
	if err := runHetComp(dir); err != nil {
		t.Fatal(err)
	}
	s, e, err := hetcompBenchSetup()
	if err != nil {
		t.Fatal(err)
	}
	d := filepath.Join(dir, hcSubdirectory)
	nu := s.NumUsers()
	if got := pairsOf(t, filepath.Join(d, "train.npy")); len(got) != s.Train.NNZ() || got[len(got)-1] != [2]int32{int32(nu - 1), s.Train.Items(nu - 1)[len(s.Train.Items(nu-1))-1]} {
		t.Fatalf("train.npy: %d pairs, the split %d", len(got), s.Train.NNZ())
	}
	shape, lists := readInt32NPY(t, filepath.Join(d, "lists.npy"))
	if !slices.Equal(shape, []int{nu, hcListN}) {
		t.Fatalf("lists.npy shape %v, want one list of %d users × %d", shape, nu, hcListN)
	}
	for _, u := range []int{0, nu / 2, nu - 1} {
		if !slices.Equal(lists[u*hcListN:(u+1)*hcListN], e.Teachers[0].Stages[0].Row(u)) {
			t.Fatalf("lists.npy row %d is not the teacher's stage list", u)
		}
	}
	_, slots := readInt32NPY(t, filepath.Join(d, "slots.npy"))
	if len(slots) != len(hcTeacherNames)*hcStages || slices.Max(slots) != 0 {
		t.Fatalf("slots.npy %v, want all 24 slots on list 0", slots)
	}
	_, obs := readInt32NPY(t, filepath.Join(d, "observed.npy"))
	for _, u := range []int{0, nu / 3, nu - 1} {
		o := e.Observed(u)
		if len(o) >= hcObservedK && !slices.Equal(obs[u*hcObservedK:(u+1)*hcObservedK], o[:hcObservedK]) {
			t.Fatalf("observed.npy row %d differs from the ensemble's P_u", u)
		}
	}
}

// Command export writes what the Python side of the A/B harness
// (scripts/ab-authors.sh) needs to run the authors' code on the data and
// the teacher kdrec's benchmarks use: the leave-one-out split of the
// embedded CiteULike-t (seed 0, 499 candidates per user), the random BPR
// d = 200 teacher of kdlib/distill's benchmarks (N(0, 0.1²), seed 1: the
// cost of an epoch does not depend on its values) and that teacher's
// top-500 lists of both sides (distill.BuildLists, training items left
// out), as .npy files (kdlib/interop) plus meta.json.
//
//	go build -o /tmp/ab-bin/export ./scripts/ab/export
//	/tmp/ab-bin/export -out /tmp/ab-data
//
// Files: train.npy (int32, pairs × 2: user, item, user by user), valid.npy
// and test.npy (int32, one held-out item per user, −1 for a user without
// one), candidates.npy (int32, users × 499), teacher_user.npy and
// teacher_item.npy (float32, × 200), user_lists.npy (int32, users × 500)
// and item_lists.npy (int32, items × 500; −1 pads a list shorter than 500).
//
// It also writes, into DIR/hetcomp, the data of kdlib/distill's HetComp
// benchmarks (hetcomp_bench_test.go): the 60/20/20 split of CiteULike-t
// (seed 0), the six teachers' four stage lists of the benchmarks'
// ensemble and its observed lists (see writeHetComp), from which
// scripts/ab/authors.py builds the pickles the authors' HetComp main.py
// reads.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/interop"
	"github.com/kdrec/kdrec/kdlib/model"
)

// The sizes and seeds of kdlib/distill's benchmarks (bench_test.go:
// benchSetup, latent_bench_test.go: latBenchTeacher).
const (
	teacherDim  = 200
	teacherStd  = 0.1
	teacherSeed = 1
	listN       = 500
)

func main() {
	out := flag.String("out", "", "directory to write the files into (created if missing)")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: export -out DIR")
		os.Exit(2)
	}
	for _, f := range []func(string) error{run, runHetComp} {
		if err := f(*out); err != nil {
			fmt.Fprintln(os.Stderr, "export:", err)
			os.Exit(1)
		}
	}
}

func run(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	x, err := datasets.Load("citeulike-t")
	if err != nil {
		return err
	}
	s, err := data.LeaveOneOut(x, 0, data.DefaultNumCandidates)
	if err != nil {
		return err
	}
	nu, ni := s.NumUsers(), s.NumItems()
	w := writer{dir: dir}

	pairs := make([]int32, 0, 2*s.Train.NNZ())
	for u := 0; u < nu; u++ {
		for _, i := range s.Train.Items(u) {
			pairs = append(pairs, int32(u), i)
		}
	}
	w.ints("train.npy", []int{len(pairs) / 2, 2}, pairs)
	for _, part := range []string{"valid", "test"} {
		held, err := oneEach(part, s)
		if err != nil {
			return err
		}
		w.ints(part+".npy", []int{nu}, held)
	}
	cands := make([]int32, 0, nu*data.DefaultNumCandidates)
	for u, c := range s.Candidates {
		if len(c) != data.DefaultNumCandidates {
			return fmt.Errorf("user %d has %d candidates, want %d", u, len(c), data.DefaultNumCandidates)
		}
		cands = append(cands, c...)
	}
	w.ints("candidates.npy", []int{nu, data.DefaultNumCandidates}, cands)

	t, err := model.NewBPR(model.BPRConfig{Users: nu, Items: ni, Dim: teacherDim, InitStd: teacherStd, Seed: teacherSeed})
	if err != nil {
		return err
	}
	w.floats("teacher_user.npy", []int{nu, teacherDim}, rows(nu, teacherDim, t.UserVecs))
	w.floats("teacher_item.npy", []int{ni, teacherDim}, rows(ni, teacherDim, t.ItemVecs))

	lists, err := distill.BuildLists(context.Background(), t, s.Train, distill.ListOptions{N: listN, ItemSide: true})
	if err != nil {
		return err
	}
	w.ints("user_lists.npy", []int{nu, listN}, padded(lists.Users))
	w.ints("item_lists.npy", []int{ni, listN}, padded(lists.Items))
	if w.err != nil {
		return w.err
	}

	meta := map[string]any{
		"dataset": "citeulike-t (embedded)", "split": s.Name,
		"users": nu, "items": ni, "train": s.Train.NNZ(), "candidates": data.DefaultNumCandidates,
		"teacher":   fmt.Sprintf("untrained BPR d=%d, N(0, %g²), seed %d (kdlib/distill's benchmark teacher)", teacherDim, teacherStd, teacherSeed),
		"list_n":    listN,
		"min_lists": []int{lists.Users.MinLen(), lists.Items.MinLen()},
	}
	b, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "meta.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Printf("export: %d users × %d items, %d training pairs, lists N=%d → %s\n", nu, ni, s.Train.NNZ(), listN, dir)
	return nil
}

// oneEach returns the single held-out item of every user in part (−1
// where a user has none); leave-one-out gives each user at most one.
func oneEach(part string, s *data.Split) ([]int32, error) {
	out := make([]int32, s.NumUsers())
	for u := range out {
		switch h := s.HeldOut(part, u); len(h) {
		case 0:
			out[u] = -1
		case 1:
			out[u] = h[0]
		default:
			return nil, fmt.Errorf("split %q, %s part: user %d has %d held-out items, the authors' format holds one", s.Name, part, u, len(h))
		}
	}
	return out, nil
}

// rows gathers all n rows of a representation matrix.
func rows(n, d int, gather func(ids []int32, out []float32)) []float32 {
	ids := make([]int32, n)
	for k := range ids {
		ids[k] = int32(k)
	}
	out := make([]float32, n*d)
	gather(ids, out)
	return out
}

// padded returns the lists with stride N, −1 after a short list's end.
func padded(l *distill.Lists) []int32 {
	out := make([]int32, l.Rows()*l.N)
	for r := 0; r < l.Rows(); r++ {
		row := out[r*l.N : (r+1)*l.N]
		n := copy(row, l.Row(r))
		for k := n; k < l.N; k++ {
			row[k] = -1
		}
	}
	return out
}

// writer writes .npy files into dir and keeps the first error.
type writer struct {
	dir string
	err error
}

func (w *writer) put(name string, b []byte, err error) {
	if w.err != nil {
		return
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(w.dir, name), b, 0o644)
	}
	if err != nil {
		w.err = fmt.Errorf("%s: %w", name, err)
	}
}

func (w *writer) ints(name string, shape []int, v []int32) {
	b, err := interop.EncodeNPYInt32(shape, v)
	w.put(name, b, err)
}

func (w *writer) floats(name string, shape []int, v []float32) {
	b, err := interop.EncodeNPY(shape, v)
	w.put(name, b, err)
}

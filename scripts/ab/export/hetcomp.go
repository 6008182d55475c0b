package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/model"
)

// The set-up of kdlib/distill's HetComp benchmarks (hetcomp_bench_test.go:
// buildHCBenchEnsemble): the 60/20/20 split of CiteULike-t with seed 0, one
// random BPR teacher (d = 8, N(0, 1), seed 1) whose top-200 lists fill all
// six teachers' four stages, the ensemble temperature 10; and HetComp's
// reference sizes (K = 100 targets, K/10 observed items).
const (
	hcTeacherDim   = 8
	hcTeacherStd   = 1
	hcTeacherSeed  = 1
	hcListN        = 200
	hcTemperature  = 10
	hcStages       = 4
	hcK            = 100
	hcObservedK    = hcK / 10
	hcSplitSeed    = 0
	hcSubdirectory = "hetcomp"
)

// hcTeacherNames are the six teachers' names in the order of the
// authors' main.py (model_list), which their pickles' dicts follow.
var hcTeacherNames = []string{"MF", "ML", "DL", "GNN", "AE", "I-AE"}

// hetcompBenchSetup rebuilds the split and the ensemble of the HetComp
// benchmarks.
func hetcompBenchSetup() (*data.Split, *distill.Ensemble, error) {
	x, err := datasets.Load("citeulike-t")
	if err != nil {
		return nil, nil, err
	}
	s, err := data.RatioSplit602020(x, hcSplitSeed)
	if err != nil {
		return nil, nil, err
	}
	tr := s.Train
	m, err := model.NewBPR(model.BPRConfig{Users: tr.NumUsers, Items: tr.NumItems, Dim: hcTeacherDim, InitStd: hcTeacherStd, Seed: hcTeacherSeed})
	if err != nil {
		return nil, nil, err
	}
	traj, err := distill.BuildTrajectory(context.Background(), "t", []model.Scorer{m}, tr, hcListN, 0)
	if err != nil {
		return nil, nil, err
	}
	var trs []*distill.Trajectory
	for _, name := range hcTeacherNames {
		st := make([]*distill.Lists, hcStages)
		for v := range st {
			st[v] = traj.Stages[0]
		}
		trs = append(trs, &distill.Trajectory{Name: name, Stages: st, Observed: traj.Observed})
	}
	e, err := distill.NewEnsemble(tr, trs, hcTemperature)
	if err != nil {
		return nil, nil, err
	}
	return s, e, nil
}

// writeHetComp writes what scripts/ab/authors.py needs to build the
// authors' HetComp inputs (their pickles state_dict, top_perms, observed
// and hidden_positives, and their load_data's dicts) from kdrec's split
// and ensemble, into dir:
//
//   - train.npy, valid.npy, test.npy: int32 pairs × 2 (user, item), user
//     by user, items ascending;
//   - lists.npy: int32 (L·users) × N, the L distinct stage lists one
//     after the other, user by user (−1 pads a row shorter than N);
//     slots.npy: int32 teachers × stages, the index
//     into lists.npy of teacher x's stage v (the benchmarks use one list
//     for all 24 slots, so L = 1);
//   - observed.npy: int32 users × observedK, the ensemble's first
//     observedK observed items of every user (kdrec's P_u); a user with
//     fewer training items repeats its list from the start, one with none
//     takes the first entries of its ensemble targets (the authors' array
//     is rectangular; the loss's cost does not depend on which items
//     fill it);
//   - meta.json: sizes, teacher names, temperature, K.
func writeHetComp(dir string, s *data.Split, e *distill.Ensemble, teacher string, k, observedK int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tr := s.Train
	nu, ni := tr.NumUsers, tr.NumItems
	w := writer{dir: dir}
	w.ints("train.npy", []int{tr.NNZ(), 2}, userPairs(nu, tr.Items))
	for _, part := range []string{"valid", "test"} {
		p := userPairs(nu, func(u int) []int32 { return s.HeldOut(part, u) })
		w.ints(part+".npy", []int{len(p) / 2, 2}, p)
	}

	// Distinct stage lists (by identity) and the slots that point to them.
	var lists []*distill.Lists
	index := map[*distill.Lists]int{}
	stages := e.NumStages()
	slots := make([]int32, 0, len(e.Teachers)*stages)
	for _, t := range e.Teachers {
		for _, l := range t.Stages {
			id, ok := index[l]
			if !ok {
				id = len(lists)
				index[l] = id
				lists = append(lists, l)
			}
			slots = append(slots, int32(id))
		}
	}
	all := make([]int32, 0, len(lists)*nu*e.N)
	for _, l := range lists {
		all = append(all, padded(l)...)
	}
	w.ints("lists.npy", []int{len(lists) * nu, e.N}, all)
	w.ints("slots.npy", []int{len(e.Teachers), stages}, slots)

	zero := make([]int, len(e.Teachers))
	obs := make([]int32, 0, nu*observedK)
	for u := 0; u < nu; u++ {
		src := e.Observed(u)
		if len(src) == 0 {
			top, err := e.Top(u, zero, k)
			if err != nil {
				return err
			}
			src = top
		}
		if len(src) == 0 {
			return fmt.Errorf("hetcomp: user %d has neither training items nor ensemble targets to fill its %d observed items", u, observedK)
		}
		for j := 0; j < observedK; j++ {
			obs = append(obs, src[j%len(src)])
		}
	}
	w.ints("observed.npy", []int{nu, observedK}, obs)
	if w.err != nil {
		return w.err
	}

	names := make([]string, len(e.Teachers))
	for x, t := range e.Teachers {
		names[x] = t.Name
	}
	meta := map[string]any{
		"dataset": "citeulike-t (embedded)", "split": s.Name,
		"users": nu, "items": ni, "train": tr.NNZ(),
		"teachers": names, "stages": stages, "list_n": e.N, "distinct_lists": len(lists),
		"temperature": e.T, "k": k, "observed_k": observedK,
		"teacher": teacher,
	}
	b, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "meta.json"), append(b, '\n'), 0o644)
}

// userPairs lists (user, item) for every user's items, user by user.
func userPairs(nu int, items func(u int) []int32) []int32 {
	var p []int32
	for u := 0; u < nu; u++ {
		for _, i := range items(u) {
			p = append(p, int32(u), i)
		}
	}
	return p
}

// runHetComp exports the HetComp benchmarks' data into dir/hetcomp.
func runHetComp(dir string) error {
	s, e, err := hetcompBenchSetup()
	if err != nil {
		return err
	}
	teacher := fmt.Sprintf("one untrained BPR d=%d, N(0, %d²), seed %d: its top-%d lists in all %d teachers' %d stages (kdlib/distill's HetComp benchmarks)",
		hcTeacherDim, hcTeacherStd, hcTeacherSeed, hcListN, len(hcTeacherNames), hcStages)
	out := filepath.Join(dir, hcSubdirectory)
	if err := writeHetComp(out, s, e, teacher, hcK, hcObservedK); err != nil {
		return fmt.Errorf("hetcomp: %w", err)
	}
	fmt.Printf("export: hetcomp: %d users × %d items, %d training pairs (%s), %d teachers × %d stages, lists N=%d → %s\n",
		s.NumUsers(), s.NumItems(), s.Train.NNZ(), s.Name, len(e.Teachers), e.NumStages(), e.N, out)
	return nil
}

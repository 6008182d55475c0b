package exp

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/report"
)

// hcTinySplit is a synthetic 60/20/20 split with some structure: users
// prefer the items of their own block.
func hcTinySplit(t testing.TB) *data.Split {
	t.Helper()
	const nu, ni = 60, 90
	rng := nn.NewRand(3, 1)
	var pairs []data.Pair
	for u := 0; u < nu; u++ {
		block := u % 3
		for k := 0; k < 12; k++ {
			i := block*30 + rng.IntN(30)
			if rng.IntN(5) == 0 {
				i = rng.IntN(ni)
			}
			pairs = append(pairs, data.Pair{User: int32(u), Item: int32(i)})
		}
	}
	x, err := data.FromPairs(nu, ni, pairs)
	if err != nil {
		t.Fatal(err)
	}
	s, err := data.RatioSplit602020(x, 0)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func hcTinyTeachers() []HetCompTeacherSpec {
	var out []HetCompTeacherSpec
	for _, k := range [][2]string{{"MF", "bpr"}, {"ML", "cml"}, {"DL", "mlp"}, {"GNN", "lightgcn"}, {"AE", "cdae"}, {"I-AE", "iae"}} {
		out = append(out, HetCompTeacherSpec{Name: k[0], Kind: k[1], Dim: 8, Epochs: 8, EvalEvery: 1, Patience: 0, LR: 0.01, BatchSize: 64})
	}
	return out
}

// TestHetCompPipelineTiny runs the whole experiment on a tiny synthetic
// data set twice: the second run must come from the cache and give the
// same report; it also draws the curve figure.
func TestHetCompPipelineTiny(t *testing.T) {
	s := hcTinySplit(t)
	dir := t.TempDir()
	o := HetCompOptions{Dataset: "tiny", Trajectory: TrajectoryOptions{Teachers: hcTinyTeachers(), N: 20, CacheDir: dir},
		Epochs: 20, EvalEvery: 2, Patience: 3, LR: 0.01, BatchSize: 64, Temperatures: []float64{2, 5},
		HetComp: hcTinyOptions(), ListN: 20, RRD: distill.RRDOptions{K: 5, L: 5},
		CLDRD: distill.CLDRDOptions{Stages: []distill.CLDRDStage{{Top: 2, Hard: 3, Semi: 3}, {Top: 4, Hard: 2, Semi: 2}, {Top: 8}}, HardDepth: 10, SemiDepth: 20},
		DCD:   distill.DCDOptions{Pool: 10, K: 4, L: 4}}
	rep, err := HetCompReproduce(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Teachers) != 6 || len(rep.Runs) != 5 {
		t.Fatalf("%d teachers, %d runs", len(rep.Teachers), len(rep.Runs))
	}
	for _, tt := range rep.Teachers {
		if len(tt.StageEpochs) != 4 || !slices.IsSorted(tt.StageEpochs) {
			t.Errorf("%s: stage epochs %v", tt.Spec.Name, tt.StageEpochs)
		}
		for v := range tt.StageEpochs {
			if _, err := os.Stat(filepath.Join(tt.Dir, "stage"+string(rune('0'+v))+".ckpt")); err != nil {
				t.Errorf("%s: %v", tt.Spec.Name, err)
			}
		}
		if m, _ := filepath.Glob(filepath.Join(tt.Dir, "eval-*.ckpt")); len(m) != 0 {
			t.Errorf("%s: left %d per-evaluation checkpoints", tt.Spec.Name, len(m))
		}
	}
	for _, r := range rep.Runs {
		if r.Test["Recall@50"] <= 0 || len(r.CurveEpochs) < 2 || r.CurveEpochs[0] != 0 {
			t.Errorf("%s: test %v curve %v", r.Method, r.Test, r.CurveEpochs)
		}
	}
	hc := rep.Runs[4]
	if hc.Method != "hetcomp" || len(hc.DKC) == 0 {
		t.Errorf("hetcomp run without DKC history: %+v", hc)
	}
	// Reuse: same numbers, from the cache.
	rep2, err := HetCompReproduce(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	for k := range rep.Runs {
		if !rep2.Runs[k].Cached || !rep2.Teachers[0].Cached {
			t.Error("second run was not served from the cache")
		}
		if rep2.Runs[k].Test["NDCG@50"] != rep.Runs[k].Test["NDCG@50"] {
			t.Errorf("%s: cached NDCG@50 %v, first %v", rep.Runs[k].Method, rep2.Runs[k].Test["NDCG@50"], rep.Runs[k].Test["NDCG@50"])
		}
	}
	if rep2.EnsembleTest["Recall@50"] != rep.EnsembleTest["Recall@50"] {
		t.Error("ensemble differs on reload")
	}
	md := rep.Markdown()
	for _, want := range []string{"Ensemble (T=", "HetComp (MF d=6)", "DCD", "CL-DRD", "RRD (top-K)", "Student w/o KD", "I-AE (iae d=8)"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	f, err := rep.Curve()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := report.Encode(f, report.SVG); err != nil {
		t.Fatal(err)
	}
}

// hcTinyOptions scales HetComp's list lengths to a 90-item catalogue.
func hcTinyOptions() distill.HetCompOptions {
	return distill.HetCompOptions{K: 10, LongK: 5, ShortK: 2, DistK: 10, Start: 2, Period: 2}
}

func TestHetCompOptionsErrors(t *testing.T) {
	s := hcTinySplit(t)
	for _, c := range []struct {
		o    HetCompOptions
		want string
	}{
		{HetCompOptions{Methods: []string{"kd"}}, "unknown method \"kd\""},
		{HetCompOptions{Temperatures: []float64{-1}}, "Temperatures must be > 0"},
		{HetCompOptions{Dim: -1}, "need Dim"},
		{HetCompOptions{ListN: 100}, "cl-drd reaches ensemble rank 200 (CLDRD.SemiDepth) but ListN is 100"},
		{HetCompOptions{Trajectory: TrajectoryOptions{Fractions: []float64{0.5, 0.2}}}, "Fractions must be increasing"},
		{HetCompOptions{Trajectory: TrajectoryOptions{Teachers: []HetCompTeacherSpec{{Name: "X", Kind: "svd", Dim: 4, Epochs: 1, EvalEvery: 1}}, CacheDir: t.TempDir()}}, "unknown kind \"svd\""},
		{HetCompOptions{Trajectory: TrajectoryOptions{Teachers: []HetCompTeacherSpec{{Name: "X", Kind: "bpr"}}}}, "teacher \"X\": need Dim"},
	} {
		_, err := HetCompReproduce(context.Background(), s, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.o, err, c.want)
		}
	}
}

func TestPickStages(t *testing.T) {
	epochs := []int{0, 5, 10, 15, 20, 25, 30}
	valid := []float64{0.1, 0.2, 0.3, 0.35, 0.45, 0.5, 0.48}
	// Gain 0.4 at epoch 25: 25% → 0.2 (epoch 5), 50% → 0.3 (10), 75% → 0.4 (20).
	if got := pickStages(epochs, valid, 25, []float64{0.25, 0.5, 0.75}); !slices.Equal(got, []int{5, 10, 20, 25}) {
		t.Errorf("stages %v, want [5 10 20 25]", got)
	}
	// A fast learner: everything reached at the first evaluation; stages
	// stay strictly increasing while evaluations remain before the best.
	valid = []float64{0.1, 0.49, 0.495, 0.497, 0.5, 0.45, 0.44}
	if got := pickStages(epochs, valid, 20, []float64{0.25, 0.5, 0.75}); !slices.Equal(got, []int{5, 10, 15, 20}) {
		t.Errorf("fast learner: stages %v, want [5 10 15 20]", got)
	}
}

// TestHetCompStageTargets checks the stage-target diagnostics on tiny
// trajectories: one row per stage, values in range, reproducible, and a
// clear error for k < 1.
func TestHetCompStageTargets(t *testing.T) {
	s := hcTinySplit(t)
	tts, err := BuildTrajectories(context.Background(), s, TrajectoryOptions{Teachers: hcTinyTeachers()[:2], N: 20, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ens, err := distill.NewEnsemble(s.Train, []*distill.Trajectory{tts[0].Traj, tts[1].Traj}, 5)
	if err != nil {
		t.Fatal(err)
	}
	const k = 10
	st, pop, err := HetCompStageTargets(context.Background(), s, ens, k)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != ens.NumStages() || !(pop > 0 && pop <= 1) {
		t.Fatalf("%d rows for %d stages, popularity recall %v", len(st), ens.NumStages(), pop)
	}
	for v, r := range st {
		if r.Stage != v || r.Distinct < k || r.Distinct > s.NumItems() || r.Popular < 0 || r.Popular > 1 ||
			!(r.Ensemble > 0 && r.Ensemble <= 1) || r.Set < 0 || r.Set > 1 {
			t.Errorf("stage %d: %+v", v, r)
		}
	}
	again, _, _ := HetCompStageTargets(context.Background(), s, ens, k)
	if !slices.Equal(st, again) {
		t.Errorf("not reproducible: %v then %v", st, again)
	}
	if _, _, err := HetCompStageTargets(context.Background(), s, ens, 0); err == nil || !strings.Contains(err.Error(), "k must be >= 1") {
		t.Errorf("k=0: %v", err)
	}
}

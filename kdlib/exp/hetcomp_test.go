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

// TestTrajectoriesTiny trains the six teachers' trajectories on a tiny
// synthetic split twice: four ordered stage checkpoints each in one
// artefact and no per-evaluation checkpoint left behind; the second call
// loads them from the cache. Bad options are refused with clear errors.
func TestTrajectoriesTiny(t *testing.T) {
	s := hcTinySplit(t)
	o := TrajectoryOptions{Teachers: hcTinyTeachers(), N: 20, CacheDir: t.TempDir()}
	tts, err := BuildTrajectories(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(tts) != 6 {
		t.Fatalf("%d trajectories", len(tts))
	}
	for _, tt := range tts {
		if len(tt.StageEpochs) != 4 || !slices.IsSorted(tt.StageEpochs) || len(tt.CurveEpochs) < 2 || tt.CurveEpochs[0] != 0 {
			t.Errorf("%s: stage epochs %v, curve epochs %v", tt.Spec.Name, tt.StageEpochs, tt.CurveEpochs)
		}
		for v := range tt.StageEpochs {
			if _, err := tt.Stage(v); err != nil {
				t.Errorf("%s: %v", tt.Spec.Name, err)
			}
		}
		if _, err := os.Stat(tt.Path); err != nil || filepath.Dir(tt.Path) != filepath.Join(o.CacheDir, "trajectories") {
			t.Errorf("%s: artefact %s: %v", tt.Spec.Name, tt.Path, err)
		}
		if m, _ := filepath.Glob(tt.Path + ".build-*"); len(m) != 0 {
			t.Errorf("%s: left the build's per-evaluation checkpoints in %v", tt.Spec.Name, m)
		}
	}
	again, err := BuildTrajectories(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	for k, tt := range again {
		if !tt.Cached || !slices.Equal(tt.StageEpochs, tts[k].StageEpochs) || tt.Test["Recall@50"] != tts[k].Test["Recall@50"] {
			t.Errorf("%s: not the cached trajectory", tt.Spec.Name)
		}
	}
	for _, c := range []struct {
		o    TrajectoryOptions
		want string
	}{
		{TrajectoryOptions{Fractions: []float64{0.5, 0.2}}, "Fractions must be increasing"},
		{TrajectoryOptions{Teachers: []HetCompTeacherSpec{{Name: "X", Kind: "svd", Dim: 4, Epochs: 1, EvalEvery: 1}}, CacheDir: t.TempDir()}, "unknown kind \"svd\""},
		{TrajectoryOptions{Teachers: []HetCompTeacherSpec{{Name: "X", Kind: "bpr"}}}, "teacher \"X\": need Dim"},
	} {
		if _, err := BuildTrajectories(context.Background(), s, c.o); err == nil || !strings.Contains(err.Error(), c.want) {
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

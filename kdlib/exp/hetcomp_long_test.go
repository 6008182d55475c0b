package exp

import (
	"context"
	"os"
	"testing"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/internal/datatest"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
)

// hcDataName is KDREC_HETCOMP_DATA, by default citeulike-t.
func hcDataName() string {
	if name := os.Getenv("KDREC_HETCOMP_DATA"); name != "" {
		return name
	}
	return "citeulike-t"
}

// hcSplit loads a data set by name (citeulike-t is embedded; the
// others need KDREC_DATASETS) and makes HetComp's 60/20/20 split, seed 0.
func hcSplit(t testing.TB, name string) *data.Split {
	t.Helper()
	var opts []datasets.Option
	if name != "citeulike-t" {
		dir := os.Getenv(datasets.EnvDir)
		if dir == "" {
			datatest.Skipf(t, "%s not set: %s is read from the shared datasets folder", datasets.EnvDir, name)
		}
		opts = append(opts, datasets.Dir(dir))
	}
	x, err := datasets.Load(name, opts...)
	if err != nil {
		t.Fatal(err)
	}
	s, err := data.RatioSplit602020(x, 0)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestHetCompStageTargetsLong prints HetCompStageTargets for the
// trajectories of KDREC_HETCOMP_DATA (default citeulike-t; the teachers of
// HetCompTeachers, as hetcomp-table trains them: `kdsweep teachers
// hetcomp-table` prepares them in the cache) and the ensemble temperatures
// 2, 5, 10, 20 and 50 (KDREC_LONG=1). The ensemble row of a hetcomp-table
// record holds them at the chosen temperature (ExtraStageTargets).
func TestHetCompStageTargetsLong(t *testing.T) {
	long(t)
	name := hcDataName()
	s := hcSplit(t, name)
	tts, err := BuildTrajectories(context.Background(), s, TrajectoryOptions{Teachers: HetCompTeachers(name)})
	if err != nil {
		t.Fatal(err)
	}
	var trs []*distill.Trajectory
	for _, tt := range tts {
		trs = append(trs, tt.Traj)
	}
	for _, T := range []float64{2, 5, 10, 20, 50} {
		ens, err := distill.NewEnsemble(s.Train, trs, T)
		if err != nil {
			t.Fatal(err)
		}
		st, pop, err := HetCompStageTargets(context.Background(), s, ens, 100)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("T=%v: popularity Recall@50 %.4f", T, pop)
		for _, r := range st {
			t.Logf("T=%v stage %d: ensemble %.4f, top-100 set %.4f, targets among the 500 most popular %.3f, distinct %d",
				T, r.Stage, r.Ensemble, r.Set, r.Popular, r.Distinct)
		}
	}
}

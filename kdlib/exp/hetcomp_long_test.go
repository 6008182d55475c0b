package exp

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/internal/datatest"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/report"
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

// TestHetCompTeachersLong trains (or loads) the six teachers' trajectories
// of KDREC_HETCOMP_DATA (default citeulike-t).
func TestHetCompTeachersLong(t *testing.T) {
	long(t)
	name := hcDataName()
	s := hcSplit(t, name)
	tts, err := BuildTrajectories(context.Background(), s, TrajectoryOptions{Teachers: HetCompTeachers(name), Log: os.Stderr, Plain: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tts {
		t.Logf("%s: epochs %d stages %v valid %v test %v params %d ms/user %.3f cpu %.0f", tt.Spec.Name, tt.Epochs, tt.StageEpochs, tt.StageValid, tt.Test, tt.Params, tt.MsPerUser, tt.TrainCPU)
	}
}

// TestHetCompReproduceLong is the reproduction run of docs/hetcomp.md on
// KDREC_HETCOMP_DATA (default citeulike-t): teachers, ensemble, w/o KD,
// RRD, DCD and HetComp. KDREC_HETCOMP_EPOCHS caps the students (default
// 1000, the reference), KDREC_HETCOMP_BUDGET bounds each student run's
// wall time (a Go duration), KDREC_HETCOMP_METHODS selects the students
// (comma-separated), KDREC_HETCOMP_OUT names a Markdown output file and
// KDREC_HETCOMP_FIG the base path of the curve figure (.svg and .png).
func TestHetCompReproduceLong(t *testing.T) {
	long(t)
	name := hcDataName()
	s := hcSplit(t, name)
	o := HetCompOptions{Dataset: name, Trajectory: TrajectoryOptions{Teachers: HetCompTeachers(name), Log: os.Stderr, Plain: true},
		Log: os.Stderr, Plain: true}
	if v := os.Getenv("KDREC_HETCOMP_EPOCHS"); v != "" {
		if _, err := fmt.Sscan(v, &o.Epochs); err != nil {
			t.Fatalf("KDREC_HETCOMP_EPOCHS=%q: %v", v, err)
		}
	}
	if v := os.Getenv("KDREC_HETCOMP_BUDGET"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("KDREC_HETCOMP_BUDGET=%q: %v", v, err)
		}
		o.Budget = d
	}
	if v := os.Getenv("KDREC_HETCOMP_METHODS"); v != "" {
		o.Methods = strings.Split(v, ",")
	}
	rep, err := HetCompReproduce(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	md := rep.Markdown()
	t.Log("\n" + md)
	if out := os.Getenv("KDREC_HETCOMP_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(md), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if base := os.Getenv("KDREC_HETCOMP_FIG"); base != "" {
		f, err := rep.Curve()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := report.Save(f, base, report.SVG|report.PNG); err != nil {
			t.Fatal(err)
		}
	}
}

// TestHetCompStageTargetsLong prints HetCompStageTargets for the cached
// trajectories of KDREC_HETCOMP_DATA (default citeulike-t) and the
// ensemble temperatures 2, 5, 10, 20 and 50 (KDREC_LONG=1).
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

package exp

import (
	"context"
	"math"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
)

// TestDiscrepancyProbeStages: the probe's distances to the teachers, to
// the ensemble and to the teachers' earlier checkpoints are the mean over
// users of 1 − wNDCG@K between the student's top K and each list,
// recomputed here from the trajectories' stage lists; the checkpoints'
// are averaged over the teachers, one series per earlier stage.
func TestDiscrepancyProbeStages(t *testing.T) {
	const nu, ni, stages, k = 40, 120, 3, 10
	rng := nn.NewRand(5, 1)
	var pairs []data.Pair
	for u := range nu {
		for range 4 + rng.IntN(8) {
			pairs = append(pairs, data.Pair{User: int32(u), Item: int32(rng.IntN(ni))})
		}
	}
	x, err := data.FromPairs(nu, ni, pairs)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var trs []*distill.Trajectory
	for tx := range 2 {
		var sc []model.Scorer
		for v := range stages {
			m, _ := model.NewBPR(model.BPRConfig{Users: nu, Items: ni, Dim: 4, InitStd: 1, Seed: uint64(10*tx + v + 1)})
			sc = append(sc, m)
		}
		tr, err := distill.BuildTrajectory(ctx, "T", sc, x, 30, 1)
		if err != nil {
			t.Fatal(err)
		}
		trs = append(trs, tr)
	}
	ens, err := distill.NewEnsemble(x, trs, 5)
	if err != nil {
		t.Fatal(err)
	}
	ens.N = k // the probe's cut-off is min(50, N)
	student, _ := model.NewBPR(model.BPRConfig{Users: nu, Items: ni, Dim: 4, InitStd: 1, Seed: 99})
	p, err := newDiscrepancyProbe(ctx, student, ens, []string{"A", "B"}, Budget{Epochs: 2, EvalEvery: 1})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := p.result()
	if err != nil {
		t.Fatal(err)
	}
	if tr.K != k || len(tr.Epoch) != 1 || len(tr.Distance) != 3 || len(tr.Stages) != stages-1 {
		t.Fatalf("trace %+v", tr)
	}
	top, err := distill.BuildLists(ctx, student, x, distill.ListOptions{N: k})
	if err != nil {
		t.Fatal(err)
	}
	dist := func(list func(u int) []int32) float64 {
		s := 0.0
		for u := range nu {
			s += 1 - distill.WNDCG(top.Users.Row(u), list(u), k)
		}
		return s / nu
	}
	row := func(x, v int) func(int) []int32 {
		return func(u int) []int32 { r := trs[x].Stages[v].Row(u); return r[:min(k, len(r))] }
	}
	near := func(got, want float64) bool { return math.Abs(got-want) <= 0.5e-4+1e-12 }
	for x := range 2 {
		if want := dist(row(x, stages-1)); !near(tr.Distance[x][0], want) {
			t.Errorf("teacher %d: distance %v, want %.4f", x, tr.Distance[x][0], want)
		}
	}
	final := []int{stages - 1, stages - 1}
	if want := dist(func(u int) []int32 { l, _ := ens.Top(u, final, k); return l }); !near(tr.Distance[2][0], want) {
		t.Errorf("ensemble: distance %v, want %.4f", tr.Distance[2][0], want)
	}
	differ := false
	for v := range stages - 1 {
		want := (dist(row(0, v)) + dist(row(1, v))) / 2
		if !near(tr.Stages[v][0], want) {
			t.Errorf("stage %d: distance %v, want %.4f", v, tr.Stages[v][0], want)
		}
		differ = differ || math.Abs(want-(tr.Distance[0][0]+tr.Distance[1][0])/2) > 1e-3
	}
	if !differ {
		t.Error("the earlier checkpoints are as far as the converged ones: the test does not tell the stages apart")
	}
	// One more measurement appends a point to every series.
	if err := p.measure(1); err != nil {
		t.Fatal(err)
	}
	if len(tr.Epoch) != 2 || len(tr.Stages[0]) != 2 || len(tr.Distance[2]) != 2 {
		t.Errorf("after a second measurement: %+v", tr)
	}
}

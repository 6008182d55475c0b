package distill

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/internal/gradcheck"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// hcFixture is a tiny HetComp problem: teachers are random BPR models, one
// per (teacher, stage).
type hcFixture struct {
	train   *data.Interactions
	ens     *Ensemble
	student *model.BPR
}

func newHCFixture(t testing.TB, nu, ni, teachers, stages, n, dim int) *hcFixture {
	t.Helper()
	rng := nn.NewRand(11, 3)
	var pairs []data.Pair
	for u := 0; u < nu; u++ {
		for k := 0; k < 3+rng.IntN(12); k++ {
			pairs = append(pairs, data.Pair{User: int32(u), Item: int32(rng.IntN(ni))})
		}
	}
	x, err := data.FromPairs(nu, ni, pairs)
	if err != nil {
		t.Fatal(err)
	}
	var trs []*Trajectory
	for tx := 0; tx < teachers; tx++ {
		var sc []model.Scorer
		for v := 0; v < stages; v++ {
			m, _ := model.NewBPR(model.BPRConfig{Users: nu, Items: ni, Dim: 4, InitStd: 1, Seed: uint64(100*tx + v)})
			sc = append(sc, m)
		}
		tr, err := BuildTrajectory(context.Background(), string(rune('A'+tx)), sc, x, n, 2)
		if err != nil {
			t.Fatal(err)
		}
		trs = append(trs, tr)
	}
	ens, err := NewEnsemble(x, trs, 3)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := model.NewBPR(model.BPRConfig{Users: nu, Items: ni, Dim: dim, InitStd: 0.5, Seed: 9})
	return &hcFixture{train: x, ens: ens, student: st}
}

func (f *hcFixture) batch(users int) *train.Batch {
	b := &train.Batch{Train: f.train}
	for u := 0; u < users; u++ {
		for _, i := range f.train.Items(u) {
			b.Users = append(b.Users, int32(u))
			b.Pos = append(b.Pos, i)
			b.Neg = append(b.Neg, 0)
		}
	}
	return b
}

func TestWNDCGDefinition(t *testing.T) {
	g := func(j int) float64 { return (math.Pow(2, math.Exp(-float64(j)/10)) - 1) / math.Log2(float64(j)+2) }
	// Student positions 0 and 2 are in the teacher's top-3.
	student := []int32{5, 7, 9, 1}
	teacher := []int32{9, 5, 4, 7}
	want := (g(0) + g(2)) / (g(0) + g(1) + g(2))
	if got := WNDCG(student, teacher, 3); got != math.RoundToEven(want*1e4)/1e4 {
		t.Errorf("WNDCG = %v, want %.4f", got, want)
	}
	// Order inside the teacher's top-k does not matter (overlap).
	if a, b := WNDCG([]int32{1, 2, 3}, []int32{3, 2, 1}, 3), WNDCG([]int32{1, 2, 3}, []int32{1, 2, 3}, 3); a != 1 || b != 1 {
		t.Errorf("full overlap: %v %v, want 1", a, b)
	}
	if v := WNDCG([]int32{1, 2}, []int32{3, 4}, 2); v != 0 {
		t.Errorf("disjoint: %v", v)
	}
	if v := WNDCG(nil, []int32{3, 4}, 2); v != 0 {
		t.Errorf("empty student: %v", v)
	}
	// Rounded to 4 decimals.
	v := WNDCG([]int32{0, 1, 2, 3, 4, 5, 6}, []int32{6, 99, 98, 97, 96, 95, 94}, 7)
	if v != math.Round(v*1e4)/1e4 {
		t.Errorf("not rounded: %v", v)
	}
}

func TestDKCThresholdAndAdvance(t *testing.T) {
	for _, c := range []struct {
		e    int
		want float64
	}{{0, 1.05}, {9, 1.05}, {10, 1.05 * 0.995}, {25, 1.05 * 0.995 * 0.995}, {100, 1.05 * math.Pow(0.995, 10)}} {
		if got := DKCThreshold(c.e, 1.05, 0.995, 10); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("th(%d) = %v, want %v", c.e, got, c.want)
		}
	}
	th := 1.05
	for _, c := range []struct {
		last, now float64
		adv       bool
		why       string
	}{
		{0.5, 0.49, false, "ratio 1.0204 in [1, th]: stay"},
		{0.5, 0.5, false, "ratio 1: stay"},
		{0.5, 0.47, true, "ratio 1.0638 > th: advance"},
		{0.5, 0.6, true, "ratio 0.833 < 1 (distance grew): advance"},
		{0.4, 0, true, "now = 0: ratio +Inf > th"},
		{0, 0, false, "0/0 = NaN: stay"},
		{0, 0.3, true, "ratio 0 < 1"},
		{1.05, 1, false, "ratio exactly th: stay (strict >)"},
	} {
		if got := DKCAdvance(c.last, c.now, th); got != c.adv {
			t.Errorf("%s: DKCAdvance(%v, %v) = %v", c.why, c.last, c.now, got)
		}
	}
}

func TestEnsembleTargets(t *testing.T) {
	// Two teachers, two stages, lists of 4 over 8 items, 2 users.
	x, _ := data.FromPairs(2, 8, []data.Pair{{User: 0, Item: 0}, {User: 0, Item: 3}, {User: 1, Item: 7}})
	mk := func(rows ...[]int32) *Lists {
		l := newLists(len(rows), 4, 8)
		for r, row := range rows {
			l.Len[r] = int32(copy(l.Idx[r*4:], row))
		}
		return l
	}
	a := &Trajectory{Name: "a", Stages: []*Lists{mk([]int32{1, 2, 4, 5}, []int32{0, 1, 2, 3}), mk([]int32{6, 5, 4, 2}, []int32{6, 5, 4, 3})},
		Observed: []int32{3, 0, 7}}
	b := &Trajectory{Name: "b", Stages: []*Lists{mk([]int32{2, 1, 6, 7}, []int32{1, 0, 2, 3}), mk([]int32{5, 6, 1, 2}, []int32{2, 1, 0, 4})},
		Observed: []int32{0, 3, 7}}
	ens, err := NewEnsemble(x, []*Trajectory{a, b}, 1)
	if err != nil {
		t.Fatal(err)
	}
	w := func(r int) float64 { return math.Exp(-float64(r)) }
	// User 0, both at stage 0: 1: w0+w1, 2: w1+w0, 4: w2, 5: w3, 6: w2, 7: w3.
	// Items 1 and 2 tie: lower index first; then 4 and 6 tie; then 5, 7.
	top, err := ens.Top(0, []int{0, 0}, 6)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int32{1, 2, 4, 6, 5, 7}; !slices.Equal(top, want) {
		t.Errorf("stage (0,0) top = %v, want %v", top, want)
	}
	// Mixed stages: a at 1 (6,5,4,2), b at 0 (2,1,6,7): 6: w0+w2, 2: w3+w0, 5: w1, 1: w1, 4: w2, 7: w3.
	top, _ = ens.Top(0, []int{1, 0}, 3)
	sc := map[int32]float64{6: w(0) + w(2), 2: w(3) + w(0)}
	if sc[6] <= sc[2] || !slices.Equal(top, []int32{6, 2, 1}) {
		t.Errorf("stage (1,0) top = %v, want [6 2 1]", top)
	}
	for _, i := range top {
		if x.Has(0, i) {
			t.Errorf("training item %d among the targets", i)
		}
	}
	// Observed order: a ranks 3 over 0, b 0 over 3: tie, lower index first.
	if got := ens.Observed(0); !slices.Equal(got, []int32{0, 3}) {
		t.Errorf("observed order %v, want [0 3]", got)
	}
	// The stage-1 scorer gives the same order as Top at stage (1,1).
	s, _ := ens.Scorer(1)
	row := make([]float32, 8)
	s.ScoreAll(1, row)
	top1, _ := ens.Top(1, []int{1, 1}, 4)
	for k := 1; k < len(top1); k++ {
		if row[top1[k-1]] < row[top1[k]] {
			t.Errorf("scorer disagrees with Top: %v scores %v", top1, row)
		}
	}
	// Bad inputs.
	if _, err := ens.Top(0, []int{0}, 3); err == nil {
		t.Error("Top accepted a short stage vector")
	}
	if _, err := ens.Top(0, []int{0, 2}, 3); err == nil {
		t.Error("Top accepted stage 2 of 2")
	}
	if _, err := NewEnsemble(x, []*Trajectory{a, {Name: "c", Stages: a.Stages[:1], Observed: a.Observed}}, 1); err == nil || !strings.Contains(err.Error(), "stages") {
		t.Errorf("stage count mismatch: %v", err)
	}
	if _, err := NewEnsemble(x, []*Trajectory{{Name: "d", Stages: a.Stages, Observed: []int32{3, 3, 7}}}, 1); err == nil || !strings.Contains(err.Error(), "permutation") {
		t.Errorf("bad observed order: %v", err)
	}
	if _, err := NewEnsemble(x, []*Trajectory{a}, -1); err == nil || !strings.Contains(err.Error(), "T must be") {
		t.Errorf("bad T: %v", err)
	}
}

func TestBuildTrajectoryExcludesTraining(t *testing.T) {
	f := newHCFixture(t, 10, 50, 2, 3, 20, 6)
	for _, tr := range f.ens.Teachers {
		for v, l := range tr.Stages {
			for u := 0; u < f.train.NumUsers; u++ {
				for _, i := range l.Row(u) {
					if f.train.Has(u, i) {
						t.Fatalf("%s stage %d user %d lists training item %d", tr.Name, v, u, i)
					}
				}
			}
		}
	}
	term, err := HetComp(f.ens, f.student, HetCompOptions{K: 15, LongK: 8, ShortK: 3, DistK: 10})
	if err != nil {
		t.Fatal(err)
	}
	for u := 0; u < f.train.NumUsers; u++ {
		want, _ := f.ens.Top(u, []int{0, 0}, 15)
		if got := term.Targets(u); !slices.Equal(got, want) {
			t.Errorf("user %d initial targets %v, want the stage-0 ensemble %v", u, got, want)
		}
		if ob := term.ObservedTargets(u); len(ob) != min(1, len(f.train.Items(u))) {
			t.Errorf("user %d: |P_u| = %d, want K/10 = 1", u, len(ob))
		}
	}
}

// TestHetCompGradient checks both phases against finite differences, and
// their loss values against a direct float64 computation.
func TestHetCompGradient(t *testing.T) {
	for _, phase := range []int{1, 2} {
		f := newHCFixture(t, 8, 40, 2, 2, 20, 3)
		term, err := HetComp(f.ens, f.student, HetCompOptions{K: 12, ObservedK: 3, LongK: 6, ShortK: 2, DistK: 10, Lambda1: 0.5, Lambda2: 0.7, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		term.phase = phase
		b := f.batch(5)
		loss := func() float64 { return term.Batch(b) }
		got := loss()
		want := 0.0
		for _, u := range b.UniqueUsers() {
			want += refHetCompLoss(term, int(u))
		}
		if math.Abs(got-want) > 1e-4*math.Abs(want) {
			t.Errorf("phase %d: loss %v, reference %v", phase, got, want)
		}
		// Step 1e-2: the bulk exponentials are a float32 polynomial whose
		// rounding (relative 1e-6) is not smooth at smaller steps.
		if err := gradcheck.Check(f.student.Params(), loss, 1e-2, 2e-4, 1e-2); err != nil {
			t.Errorf("phase %d: %v", phase, err)
		}
	}
}

// refHetCompLoss is the weighted loss of user u written from the
// definitions of methods.md §3.9, in float64 with math.Exp.
func refHetCompLoss(t *HetCompTerm, u int) float64 {
	s := make([]float64, t.m)
	for j := range s {
		s[j] = math.Max(-t.o.Clamp, math.Min(t.o.Clamp, float64(dotN(t.st.P.Row(u), t.st.Q.Row(j)))))
	}
	pi := t.Targets(u)
	pl := t.ObservedTargets(u)
	mass := func(excl []int32) float64 {
		z := 0.0
		for j := 0; j < t.m; j++ {
			if !t.ens.Train.Has(u, int32(j)) && !slices.Contains(excl, int32(j)) {
				z += math.Exp(s[j])
			}
		}
		return z
	}
	if t.phase == 1 {
		z := mass(pi)
		l := 0.0
		for _, x := range append(slices.Clone(pl), pi...) {
			l -= math.Log(math.Exp(s[x]) / (math.Exp(s[x]) + z))
		}
		return t.o.Lambda1 * l
	}
	pl1 := func(seq []int32, z float64) float64 {
		l := 0.0
		for k := range seq {
			den := z
			for _, y := range seq[k:] {
				den += math.Exp(s[y])
			}
			l -= s[seq[k]] - math.Log(den)
		}
		return l
	}
	long, short := pi[:min(len(pi), t.o.LongK)], pi[:min(len(pi), t.o.ShortK)]
	zl, zs := mass(long), mass(short)
	return t.o.Lambda2 * (pl1(pl, zl) + 0.5*(pl1(long, zl)+pl1(short, zs)))
}

func TestHetCompDKCAndPhaseSwitch(t *testing.T) {
	f := newHCFixture(t, 30, 80, 3, 4, 20, 6)
	term, err := HetComp(f.ens, f.student, HetCompOptions{K: 15, LongK: 8, ShortK: 3, DistK: 10, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Not due before Start, nor off-period.
	for _, e := range []int{0, 5, 15} {
		if term.due(e) {
			t.Errorf("DKC due after epoch %d", e)
		}
	}
	// First call records distances and moves nothing.
	if err := term.DKCStep(ctx, 10); err != nil {
		t.Fatal(err)
	}
	if h := term.History(); len(h) != 1 || h[0].Moved != 0 || h[0].Phase != 1 {
		t.Fatalf("first DKC call: %+v", h)
	}
	// Later calls: replay the rule by hand on a copy of the state.
	top, _ := term.studentTop(ctx)
	th := DKCThreshold(20, 1.05, 0.995, 10)
	want := slices.Clone(term.stage)
	for x := 0; x < term.nT; x++ {
		for u := 0; u < term.n; u++ {
			p := x*term.n + u
			st := top[u*10 : u*10+10]
			v := want[p]
			if v < term.final {
				now := 1 - WNDCG(st, f.ens.Teachers[x].Stages[v+1].Row(u), 10)
				if DKCAdvance(term.last[p], now, th) {
					want[p] = v + 1
				}
			}
		}
	}
	if err := term.DKCStep(ctx, 20); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(term.stage, want) {
		t.Error("stages after the second call differ from the hand-applied rule")
	}
	// The targets follow the stages.
	for u := 0; u < term.n; u++ {
		st := make([]int, term.nT)
		for x := range st {
			st[x] = term.Stage(x, u)
		}
		w, _ := f.ens.Top(u, st, 15)
		if !slices.Equal(term.Targets(u), w) {
			t.Fatalf("user %d targets do not follow its stages %v", u, st)
		}
	}
	// Until every stage is final; then phase 2 and DKC stops.
	for e := 30; term.Phase() == 1 && e < 3000; e += 10 {
		if err := term.DKCStep(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if term.Phase() != 2 {
		t.Fatal("never reached phase 2")
	}
	n := len(term.History())
	if err := term.DKCStep(ctx, 5000); err != nil || len(term.History()) != n {
		t.Error("DKC ran in phase 2")
	}
	// Every record's stage distribution counts each user once per teacher
	// and averages to its mean stage; the last one is the stages' now.
	moved := false
	for k, h := range term.History() {
		if len(h.StageUsers) != term.nT {
			t.Fatalf("record %d: stage counts of %d teachers, want %d", k, len(h.StageUsers), term.nT)
		}
		for x, c := range h.StageUsers {
			users, sum := 0, 0
			for v, n := range c {
				users += n
				sum += v * n
			}
			if len(c) != int(term.final)+1 || users != term.n || math.Abs(float64(sum)/float64(users)-h.MeanStage[x]) > 1e-12 {
				t.Errorf("record %d, teacher %d: counts %v (%d users) against mean stage %v", k, x, c, users, h.MeanStage[x])
			}
			moved = moved || c[0] < term.n && k > 0
		}
	}
	if !moved {
		t.Error("no record shows a user past stage 0")
	}
	for x, c := range term.History()[n-1].StageUsers {
		count := make([]int, len(c))
		for u := 0; u < term.n; u++ {
			count[term.Stage(x, u)]++
		}
		if !slices.Equal(c, count) {
			t.Errorf("teacher %d: the last record counts %v users per stage, the stages are %v", x, c, count)
		}
	}
	sum := 0.0
	for _, m := range term.MeanStages() {
		sum += math.RoundToEven(m*100) / 100
	}
	if sum < 9 {
		t.Errorf("phase 2 with rounded mean stages summing to %v < 9", sum)
	}
}

// TestHetCompTrainingDeterministic trains a few epochs twice with the same
// seed (and different worker counts) and requires identical parameters.
func TestHetCompTrainingDeterministic(t *testing.T) {
	run := func(workers int) ([]float32, []DKCRecord) {
		f := newHCFixture(t, 40, 120, 3, 3, 30, 6)
		term, err := HetComp(f.ens, f.student, HetCompOptions{K: 20, LongK: 10, ShortK: 5, DistK: 10, Start: 2, Period: 2, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		cfg := train.Defaults()
		cfg.Epochs, cfg.BatchSize, cfg.LR, cfg.WeightDecay, cfg.Seed = 8, 64, 0.01, 1e-5, 5
		cfg.Hooks = append(cfg.Hooks, term.Hook())
		if _, err := train.Fit(context.Background(), f.student, f.train, []train.Term{term}, cfg); err != nil {
			t.Fatal(err)
		}
		return append(slices.Clone(f.student.P.W), f.student.Q.W...), term.History()
	}
	a, ha := run(1)
	b, hb := run(3)
	if !slices.Equal(a, b) {
		t.Error("parameters depend on the number of workers")
	}
	if len(ha) != 4 || len(hb) != len(ha) {
		t.Errorf("DKC calls: %d and %d, want 4 (epochs 2, 4, 6, 8)", len(ha), len(hb))
	}
}

func TestHetCompOptionErrors(t *testing.T) {
	f := newHCFixture(t, 6, 30, 2, 2, 20, 3)
	for _, c := range []struct {
		o    HetCompOptions
		want string
	}{
		{HetCompOptions{K: -1}, "K must be >= 1"},
		{HetCompOptions{K: 20, LongK: 30}, "ShortK <= LongK <= K"},
		{HetCompOptions{Lambda1: -1}, "Lambda1 and Lambda2"},
		{HetCompOptions{Clamp: 100}, "Clamp must be in (0, 80]"},
		{HetCompOptions{Period: -2}, "Period and Start"},
		{HetCompOptions{Alpha: math.Inf(1)}, "Alpha and Decay"},
		{HetCompOptions{DistK: 50}, "DistK=50 exceeds"},
		{HetCompOptions{Workers: -1}, "Workers must be"},
	} {
		_, err := HetComp(f.ens, f.student, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.o, err, c.want)
		}
	}
	if _, err := HetComp(nil, f.student, HetCompOptions{}); err == nil {
		t.Error("nil ensemble accepted")
	}
	small, _ := model.NewBPR(model.BPRConfig{Users: 2, Items: 30, Dim: 3})
	if _, err := HetComp(f.ens, small, HetCompOptions{DistK: 10}); err == nil || !strings.Contains(err.Error(), "student covers") {
		t.Errorf("small student: %v", err)
	}
	term, _ := HetComp(f.ens, f.student, HetCompOptions{DistK: 10})
	other, _ := data.FromPairs(6, 31, []data.Pair{{User: 0, Item: 1}})
	if err := term.BeginEpoch(&train.Epoch{Train: other}); err == nil {
		t.Error("BeginEpoch accepted other training data")
	}
}

func TestLiveEnsembleMatchesStoredLists(t *testing.T) {
	f := newHCFixture(t, 10, 60, 2, 2, 20, 3)
	// The converged teachers, rebuilt with the fixture's seeds.
	var ts []model.Scorer
	for tx := 0; tx < 2; tx++ {
		m, _ := model.NewBPR(model.BPRConfig{Users: 10, Items: 60, Dim: 4, InitStd: 1, Seed: uint64(100*tx + 1)})
		ts = append(ts, m)
	}
	// T = 1 ≪ N = 20: the truncation is below float32 resolution.
	ens, err := NewEnsemble(f.train, f.ens.Teachers, 1)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := ens.Scorer(1)
	sparse := &LiveEnsemble{Teachers: ts, Train: f.train, T: ens.T, N: ens.N}
	dense := &LiveEnsemble{Teachers: ts, Train: f.train, T: ens.T, N: ens.N, Dense: true}
	a, b, c := make([]float32, 60), make([]float32, 60), make([]float32, 60)
	for u := 0; u < 10; u++ {
		stored.ScoreAll(u, a)
		sparse.ScoreAll(u, b)
		dense.ScoreAll(u, c)
		top, _ := ens.Top(u, []int{1, 1}, 10)
		for k, i := range top {
			if math.Abs(float64(a[i]-b[i])) > 1e-6 {
				t.Fatalf("user %d item %d: stored %v, live %v", u, i, a[i], b[i])
			}
			// Where the truncated sums tie (broken by index), the dense
			// scores may separate them by the ranks beyond N.
			if k > 0 && a[top[k-1]] > a[i]+1e-6 && c[top[k-1]] < c[i] {
				t.Fatalf("user %d: dense order disagrees at %d", u, k)
			}
		}
	}
}

// TestHetCompAblations checks the options of the chapter's ablation: w/o
// DKC starts at the converged targets in phase 2 and never moves a stage;
// w/o AKT keeps the curriculum (stage-0 targets, DKC advancing stages) with
// phase 2's loss from the first batch; the registry maps dkc=false and
// akt=false to them and the defaults to the reference.
func TestHetCompAblations(t *testing.T) {
	ctx := context.Background()
	o := HetCompOptions{K: 15, LongK: 8, ShortK: 3, DistK: 10, Workers: 2}
	f := newHCFixture(t, 30, 80, 3, 4, 20, 6)

	noDKC := o
	noDKC.NoDKC = true
	a, err := HetComp(f.ens, f.student, noDKC)
	if err != nil {
		t.Fatal(err)
	}
	if a.Phase() != 2 {
		t.Errorf("w/o DKC: phase %d, want 2", a.Phase())
	}
	final := []int{3, 3, 3}
	for u := 0; u < 30; u++ {
		want, _ := f.ens.Top(u, final, 15)
		if got := a.Targets(u); !slices.Equal(got, want) {
			t.Fatalf("w/o DKC: user %d targets %v, want the converged ensemble's %v", u, got, want)
		}
	}
	for _, e := range []int{10, 20} {
		if a.due(e) {
			t.Errorf("w/o DKC: DKC due after epoch %d", e)
		}
		if err := a.DKCStep(ctx, e); err != nil || len(a.History()) != 0 {
			t.Errorf("w/o DKC: a DKC step ran: %v %+v", err, a.History())
		}
	}

	noAKT := o
	noAKT.NoAKT = true
	b, err := HetComp(f.ens, f.student, noAKT)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := HetComp(f.ens, f.student, o)
	if b.Phase() != 2 || ref.Phase() != 1 {
		t.Errorf("phases at the start: w/o AKT %d (want 2), reference %d (want 1)", b.Phase(), ref.Phase())
	}
	for u := 0; u < 30; u++ {
		if !slices.Equal(b.Targets(u), ref.Targets(u)) {
			t.Fatalf("w/o AKT: user %d starts with other targets than the reference", u)
		}
	}
	// Phase 2's loss from the first batch: the reference formula at phase 2.
	batch := f.batch(6)
	got, want := b.Batch(batch), 0.0
	for _, u := range batch.UniqueUsers() {
		want += refHetCompLoss(b, int(u))
	}
	if math.Abs(got-want) > 1e-4*math.Abs(want) {
		t.Errorf("w/o AKT: loss %v, phase-2 reference %v", got, want)
	}
	// DKC still runs and moves stages (the same rule as the reference: the
	// same student, so the same moves).
	rng := nn.NewRand(4, 4)
	for _, e := range []int{10, 20, 30} {
		if !b.due(e) {
			t.Fatalf("w/o AKT: DKC not due after epoch %d", e)
		}
		// A changing student (shared by both terms), so that distances move.
		for k := range f.student.P.W {
			f.student.P.W[k] += float32(0.5 * rng.NormFloat64())
		}
		if err := b.DKCStep(ctx, e); err != nil {
			t.Fatal(err)
		}
		if err := ref.DKCStep(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	hb, hr := b.History(), ref.History()
	if len(hb) != 3 || hb[2].Moved != hr[2].Moved || !slices.Equal(hb[2].MeanStage, hr[2].MeanStage) || hb[1].Moved+hb[2].Moved == 0 {
		t.Errorf("w/o AKT history %+v, reference %+v", hb, hr)
	}
	for _, h := range hb {
		if h.Phase != 2 {
			t.Errorf("w/o AKT: phase %d in the history", h.Phase)
		}
	}

	// The registry's options.
	v, err := Check(TermSpec{Method: "hetcomp", Options: map[string]any{"dkc": false, "akt": false}})
	if err != nil {
		t.Fatal(err)
	}
	if h := HetCompOptionsOf(v); !h.NoDKC || !h.NoAKT {
		t.Errorf("dkc=false akt=false: %+v", h)
	}
	v, _ = Check(TermSpec{Method: "hetcomp"})
	if h := HetCompOptionsOf(v); h.NoDKC || h.NoAKT {
		t.Errorf("defaults: %+v", h)
	}
}

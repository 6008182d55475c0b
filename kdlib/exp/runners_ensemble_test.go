package exp

import (
	"context"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/distill"
)

// ensembleSpec is a small HetComp table on generated data: two teachers
// (MF and I-AE) with their own short budgets, the member and ensemble
// rows, the student without KD, RRD, DCD, MTD and HetComp.
func ensembleSpec() *Spec {
	wd := 1e-5
	teachers := []TeacherSpec{
		{ModelSpec: ModelSpec{Kind: "bpr", Dim: 8, LR: 0.01}, Budget: &Budget{Epochs: 4, EvalEvery: 1, Patience: 2}},
		{ModelSpec: ModelSpec{Kind: "item-ae", Dim: 8}, Budget: &Budget{Epochs: 3, EvalEvery: 1, Patience: 2}},
	}
	return &Spec{
		Name: "hetcomp-small",
		RunSpec: RunSpec{Dataset: DatasetSpec{Name: SyntheticName, Synthetic: &SyntheticSpec{Users: 300, Items: 400, PerUser: 20, Seed: 3}},
			Split: SplitSpec{Kind: SplitRatio602020}, Teachers: teachers, Student: ModelSpec{Kind: "bpr", Dim: 4, LR: 0.01, WeightDecay: &wd},
			Protocol: Full, Budget: Budget{Epochs: 3, EvalEvery: 1, Patience: 5, EvalAtStart: true}},
		Seeds: []uint64{0},
		Variants: []Variant{
			{Label: "MF", Set: map[string]any{"student": ModelSpec{Kind: EnsembleKind, Params: Options{"member": "MF"}}}},
			{Label: "Ensemble", Set: map[string]any{"student": ModelSpec{Kind: EnsembleKind}}},
			{Label: "w/o KD", Set: map[string]any{"teachers": nil}},
			kdRow("RRD", kd("rrd", 0.001, "n", 60, "k", 10, "l", 10, "sample", false)),
			kdRow("DCD", kd("dcd", 0.01, "n", 60, "pool", 20, "k", 10, "l", 10)),
			kdRow("MTD", kd("mtd", 0.001, "k", 10, "l", 10)),
			kdRow("HetComp", kd("hetcomp", 1, "k", 20, "period", 1, "start", 1)),
		},
		Report: ReportSpec{Metrics: []string{"Recall@10", "Recall@50"}, Baseline: "w/o KD"},
	}
}

// TestEnsembleSweep runs a small HetComp table through the sweep machinery
// (the teachers prepared first, as a cluster does) and checks its rows and
// what they record besides their metrics.
func TestEnsembleSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two teachers and four students")
	}
	ctx := context.Background()
	s := ensembleSpec()
	if missing, err := s.Unavailable(); err != nil || len(missing) > 0 {
		t.Fatalf("unavailable %v, %v", missing, err)
	}
	cache := t.TempDir()
	env, err := NewEnv(cache, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The teachers can be prepared first (a cluster's first phase): one
	// trajectory per teacher, which the sweep then finds in the cache.
	if n, err := PrepareTeachers(ctx, s, Shard{Index: 1, Count: 2}, env); err != nil || n != 1 {
		t.Fatalf("prepare shard 1/2: %d teachers, %v", n, err)
	}
	if n, err := PrepareTeachers(ctx, s, Shard{}, env); err != nil || n != 2 {
		t.Fatalf("prepare: %d teachers, %v", n, err)
	}
	{
		runs, _ := s.Expand()
		r := &runs[len(runs)-1].Spec
		split, _ := env.Split(r.Dataset, r.Split, Full)
		o, _, _ := ensembleTrajectoryOptions(r, split, cache, nil)
		tts, err := BuildTrajectories(ctx, split, o)
		if err != nil || !tts[0].Cached || !tts[1].Cached {
			t.Fatalf("after PrepareTeachers the trajectories are not cached: %v", err)
		}
	}
	out := t.TempDir()
	rep, err := RunSweep(ctx, s, SweepOptions{Out: out, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ran != 7 {
		t.Fatalf("%+v", rep)
	}
	sr, err := LoadSweep(out, s.SweepKey())
	if err != nil {
		t.Fatal(err)
	}
	byLabel := map[string]*RunResult{}
	for _, e := range sr.Entries {
		if e.Record == nil {
			t.Fatalf("%s: no record", e.Run.Name())
		}
		res := e.Record.Result
		if r := res.Final["Recall@50"]; !(r > 0 && r <= 1) || res.PerUser == nil {
			t.Errorf("%s: Recall@50 %v, per-user %v", e.Run.Label, r, res.PerUser != nil)
		}
		byLabel[e.Run.Label] = &e.Record.Result
	}
	for _, l := range []string{"MF", "Ensemble", "RRD", "DCD", "MTD", "HetComp"} {
		if len(byLabel[l].Teachers) != 2 {
			t.Errorf("%s: teachers %v", l, byLabel[l].Teachers)
		}
	}
	if len(byLabel["HetComp"].Extra["dkc"].([]any)) == 0 {
		t.Errorf("HetComp ran no knowledge-construction step: %v", byLabel["HetComp"].Extra)
	}
	if byLabel["Ensemble"].Params <= byLabel["MF"].Params {
		t.Errorf("ensemble params %d, MF %d", byLabel["Ensemble"].Params, byLabel["MF"].Params)
	}

	// What the rows measure besides their metrics: the member's
	// trajectory, the ensemble's stage targets, HetComp's curriculum.
	tr, ok, err := byLabel["MF"].Trajectory()
	if err != nil || !ok || len(tr.Epoch) < 2 || tr.Epoch[0] != 0 || len(tr.Valid) != len(tr.Epoch) || len(tr.StageEpochs) != 4 {
		t.Errorf("MF trajectory %+v (%v, %v)", tr, ok, err)
	}
	st, ok, err := byLabel["Ensemble"].StageTargets()
	if err != nil || !ok || st.K != stageTargetsK || len(st.Stages) != 4 || !(st.Popularity > 0) {
		t.Errorf("ensemble stage targets %+v (%v, %v)", st, ok, err)
	}
	dkc, ok, err := byLabel["HetComp"].DKC()
	if err != nil || !ok || len(dkc) == 0 || len(dkc[0].MeanStage) != 2 {
		t.Errorf("HetComp DKC %+v (%v, %v)", dkc, ok, err)
	}
	// MTD's gate weights, one row of two teachers per epoch, summing to 1.
	if w, ok := byLabel["MTD"].Extra[ExtraMTDWeights].([]any); !ok || len(w) != byLabel["MTD"].Epochs {
		t.Errorf("MTD weights %v over %d epochs", byLabel["MTD"].Extra[ExtraMTDWeights], byLabel["MTD"].Epochs)
	} else {
		for _, row := range w {
			r := row.([]any)
			if len(r) != 2 || math.Abs(r[0].(float64)+r[1].(float64)-1) > 1e-9 {
				t.Errorf("MTD weights of an epoch: %v", r)
			}
		}
	}
	// The teacher discrepancy of every trained KD row: before training and
	// at every evaluation, one series per teacher and the ensemble, each
	// distance in [0, 1].
	for _, l := range []string{"RRD", "DCD", "MTD", "HetComp"} {
		d, ok, err := byLabel[l].Discrepancy()
		evals := 0
		for _, c := range byLabel[l].Curve {
			if c.Valid != nil {
				evals++
			}
		}
		if err != nil || !ok || d.K != 50 || !slices.Equal(d.Sources, []string{"MF", "I-AE", "Ensemble"}) || len(d.Epoch) != evals ||
			d.Epoch[0] != 0 || len(d.Distance) != 3 {
			t.Errorf("%s discrepancy %+v (%v, %v), %d evaluations", l, d, ok, err, evals)
			continue
		}
		if len(d.Stages) != 3 {
			t.Errorf("%s discrepancy to the checkpoints: %d stages, want 3 (four stages, the last is the teachers')", l, len(d.Stages))
		}
		for _, series := range append(slices.Clone(d.Distance), d.Stages...) {
			for _, v := range series {
				if len(series) != len(d.Epoch) || !(v >= 0 && v <= 1) {
					t.Errorf("%s discrepancy series %v", l, series)
				}
			}
		}
	}
	if _, ok, _ := byLabel["MF"].Discrepancy(); ok {
		t.Error("a member row records a discrepancy")
	}
	for _, l := range []string{"Ensemble", "RRD", "HetComp"} {
		x := byLabel[l].Extra
		if _, ok := x[ExtraTValid].(map[string]any); !ok || x[ExtraEnsembleT] == nil || x[ExtraTEdge] == nil {
			t.Errorf("%s: temperature choice not recorded: %v", l, x)
		}
		et, ok, err := byLabel[l].EnsembleTemperature()
		if err != nil || !ok {
			t.Fatalf("%s: EnsembleTemperature: %v, %v", l, ok, err)
		}
		temps, _ := ensembleSettings(&sr.Entries[0].Run.Spec)
		best := slices.Index(et.Ts, et.T)
		if !slices.Equal(et.Ts, temps) || len(et.Valid) != len(temps) || best < 0 || et.Valid[best] != slices.Max(et.Valid) ||
			et.Edge != (best == 0 || best == len(temps)-1) {
			t.Errorf("%s: temperature choice %+v, grid %v", l, et, temps)
		}
	}
	// The summary table has every row, with the significance test against
	// the student without KD.
	sum, err := Aggregate(sr, TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if md := sum.Table().Markdown(); len(sum.Table().Rows) != 7 || !strings.Contains(md, "HetComp") {
		t.Errorf("table:\n%s", md)
	}
}

// mustKD checks a term and returns its values.
func mustKD(t *testing.T, term KDTerm) distill.Values {
	t.Helper()
	v, err := kdCheck(term)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestEnsembleRunChecks checks the errors of the runs RunEnsembleKD cannot
// serve.
func TestEnsembleRunChecks(t *testing.T) {
	base := ensembleSpec()
	for _, c := range []struct {
		set  map[string]any
		want string
	}{
		{map[string]any{"teachers": nil, "kd": []KDTerm{kd("hetcomp", 1)}}, "needs a teacher"},
		{map[string]any{"teachers": nil, "student": ModelSpec{Kind: EnsembleKind}}, "student kind ensemble needs the teachers"},
		{map[string]any{"kd": []KDTerm{kd("de", 0.01)}}, "kd de distils one teacher's representations"},
		{map[string]any{"teachers": nil, "kd": []KDTerm{kd("mtd", 0.001)}}, "needs a teacher"},
		{map[string]any{"kd": []KDTerm{kd("mtd", 0.001, "k", 0)}}, "option k=0 is out of range"},
		{map[string]any{"teachers": nil, "ensemble": EnsembleSpec{N: 300}}, "ensemble is set but the run has no teachers"},
		{map[string]any{"ensemble": EnsembleSpec{Temperatures: []float64{5, 5}}}, "ensemble.temperatures[1] = 5"},
		{map[string]any{"kd": []KDTerm{kd("hetcomp", 1, "clamp", 100)}}, "option clamp=100 is out of range"},
		{map[string]any{"kd": []KDTerm{kd("hetcomp", 1), kd("rrd", 0.001)}}, "kd hetcomp trains on its own loss"},
		{map[string]any{"student": ModelSpec{Kind: EnsembleKind, Params: Options{"member": "GNN"}}}, `member "GNN" is not a teacher of the run (teachers: MF, I-AE)`},
		{map[string]any{"protocol": LOO, "split": SplitSpec{Kind: SplitLOO, Candidates: 50}, "kd": []KDTerm{kd("rrd", 0.001)}}, "evaluated by full ranking"},
		{map[string]any{"teachers": []TeacherSpec{{ModelSpec: ModelSpec{Kind: "bpr", Dim: 8, Params: Options{"init-std": 0.1}}}}, "kd": []KDTerm{kd("rrd", 0.001)}},
			"params and lazy_adam are not supported"},
	} {
		s := *base
		s.Variants = []Variant{{Label: "x", Set: c.set}}
		runs, err := s.Expand()
		if err == nil {
			err = runs[0].Check()
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want …%s…", c.set, err, c.want)
		}
	}
}

// TestHetCompSpecTeachers checks that the built-in HetComp specs train the
// reference teachers (HetCompTeachers), and that the quick budget trains
// two-epoch teachers (NamedBudget.Teachers).
func TestHetCompSpecTeachers(t *testing.T) {
	env, _ := NewEnv("", nil)
	for _, budget := range []string{"full", "quick"} {
		s, err := BuiltinSpec("hetcomp-table", budget)
		if err != nil {
			t.Fatal(err)
		}
		runs, err := s.Expand()
		if err != nil {
			t.Fatal(err)
		}
		r := &runs[len(runs)-1].Spec
		if r.Methods()[0] != "hetcomp" {
			t.Fatalf("last run %v", r.Methods())
		}
		split, err := env.Split(DatasetSpec{Name: SyntheticName, Synthetic: &SyntheticSpec{Users: 100, Items: 120, PerUser: 10, Seed: 1}},
			SplitSpec{Kind: SplitRatio602020, Seed: new(uint64(0))}, Full)
		if err != nil {
			t.Fatal(err)
		}
		o, _, err := ensembleTrajectoryOptions(r, split, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		want := HetCompTeachers("")
		if budget == "quick" {
			for k := range want {
				want[k].Epochs, want[k].EvalEvery, want[k].Patience = 2, 1, 0
			}
		}
		if !reflect.DeepEqual(o.Teachers, want) {
			t.Errorf("%s: teachers\n %+v\nwant\n %+v", budget, o.Teachers, want)
		}
	}
}

// TestHetCompProtocolSpecs checks the three protocol specs: their teachers
// are HetCompProtocolTeachers of their data set (quick budget: two-epoch
// teachers), the ensemble's grid and list length reach the trajectories,
// the rows are the paper's table plus the two ablations with their
// options, every run validates and can run, and the w/o KD row trains the
// plain student of the same budget.
func TestHetCompProtocolSpecs(t *testing.T) {
	env, _ := NewEnv("", nil)
	split, err := env.Split(DatasetSpec{Name: SyntheticName, Synthetic: &SyntheticSpec{Users: 100, Items: 120, PerUser: 10, Seed: 1}},
		SplitSpec{Kind: SplitRatio602020, Seed: new(uint64(0))}, Full)
	if err != nil {
		t.Fatal(err)
	}
	wantRows := []string{"MF", "ML", "DL", "GNN", "AE", "I-AE", "Ensemble", "w/o KD", "RRD", "MTD", "CL-DRD", "DCD",
		"HetComp", "HetComp w/o DKC", "HetComp w/o AKT"}
	// The ensemble's grid and list length: CiteULike-t's first protocol
	// sweep searches T up to 200 over lists of 1000, the later data sets'
	// up to 1000 over lists of 5000 (N = 5·T_max in both).
	grids := map[string][2]float64{"hetcomp-protocol": {200, 1000}, "hetcomp-protocol-ml1m": {1000, 5000}, "hetcomp-protocol-lastfm": {1000, 5000}}
	for name, ds := range map[string]string{"hetcomp-protocol": "citeulike-t", "hetcomp-protocol-ml1m": "ml-1m", "hetcomp-protocol-lastfm": "lastfm"} {
		maxT, listN := grids[name][0], int(grids[name][1])
		for _, budget := range []string{"full", "quick"} {
			s, err := BuiltinSpec(name, budget)
			if err != nil {
				t.Fatal(err)
			}
			if missing, err := s.Unavailable(); err != nil || len(missing) > 0 {
				t.Fatalf("%s: unavailable %v, %v", name, missing, err)
			}
			runs, err := s.Expand()
			if err != nil {
				t.Fatal(err)
			}
			seeds := 3
			if budget == "quick" {
				seeds = 1
			}
			if len(runs) != len(wantRows)*seeds {
				t.Fatalf("%s %s: %d runs", name, budget, len(runs))
			}
			var labels []string
			for k := range runs {
				r := &runs[k].Spec
				if k%seeds == 0 {
					labels = append(labels, runs[k].Label)
				}
				if r.Dataset.Name != ds || *r.Split.Seed != 0 || r.Protocol != Full {
					t.Errorf("%s %s: run %s on %s split seed %d", name, budget, runs[k].Name(), r.Dataset.Name, *r.Split.Seed)
				}
				if runs[k].Label == "w/o KD" {
					if r.Teachers != nil || r.Ensemble != nil || len(r.KD) != 0 {
						t.Errorf("%s: w/o KD row %+v", name, r)
					}
					continue
				}
				temps, n := ensembleSettings(r)
				if n != listN || temps[0] != 1 || temps[len(temps)-1] != maxT {
					t.Errorf("%s: ensemble grid %v, n %d", name, temps, n)
				}
				if budget == "full" && (r.Budget.Epochs != 1000 || r.Budget.EvalEvery != 10 || r.Budget.Patience != 5) {
					t.Errorf("%s: student budget %+v", name, r.Budget)
				}
				o, _, err := ensembleTrajectoryOptions(r, split, "", nil)
				if err != nil {
					t.Fatal(err)
				}
				want := HetCompProtocolTeachers(ds)
				if budget == "quick" {
					for k := range want {
						want[k].Epochs, want[k].EvalEvery, want[k].Patience = 2, 1, 0
					}
				}
				if o.N != listN || !reflect.DeepEqual(o.Teachers, want) {
					t.Errorf("%s %s: N %d, teachers\n %+v\nwant\n %+v", name, budget, o.N, o.Teachers, want)
				}
			}
			if !slices.Equal(labels, wantRows) {
				t.Errorf("%s: rows %v", name, labels)
			}
			for k := range runs {
				r := &runs[k].Spec
				v := func() distill.Values { return mustKD(t, r.KD[0]) }
				switch runs[k].Label {
				case "HetComp w/o DKC":
					if h := distill.HetCompOptionsOf(v()); !h.NoDKC || h.NoAKT {
						t.Errorf("%s: w/o DKC options %+v", name, h)
					}
				case "HetComp w/o AKT":
					if h := distill.HetCompOptionsOf(v()); h.NoDKC || !h.NoAKT {
						t.Errorf("%s: w/o AKT options %+v", name, h)
					}
				case "HetComp":
					if h := distill.HetCompOptionsOf(v()); h.NoDKC || h.NoAKT {
						t.Errorf("%s: HetComp options %+v", name, h)
					}
				}
			}
		}
	}
}

// TestHomogeneousTeachers: teachers of one kind given seed offsets
// (TeacherSpec.SeedOffset, the homogeneous sets of HetComp's study) train
// from the run's seed plus their offsets — each seed of the sweep its own
// set — and become distinct members of the ensemble; a teacher that gives
// both a seed and an offset is refused.
func TestHomogeneousTeachers(t *testing.T) {
	s := ensembleSpec()
	b := Budget{Epochs: 2, EvalEvery: 1}
	s.Teachers = []TeacherSpec{
		{ModelSpec: ModelSpec{Kind: "bpr", Dim: 8, LR: 0.01}, Budget: &b},
		{ModelSpec: ModelSpec{Kind: "bpr", Dim: 8, LR: 0.01}, Budget: &b, SeedOffset: 1},
	}
	s.Seeds = []uint64{0, 3}
	s.Variants = []Variant{{Label: "MF-2", Set: map[string]any{"student": ModelSpec{Kind: EnsembleKind, Params: Options{"member": "MF-2"}}}}}
	runs, err := s.Expand()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		ts := r.Spec.Teachers
		if *ts[0].Seed != r.Spec.Seed || *ts[1].Seed != r.Spec.Seed+1 || ts[1].SeedOffset != 0 {
			t.Errorf("run seed %d: teacher seeds %d, %d (offset %d left)", r.Spec.Seed, *ts[0].Seed, *ts[1].Seed, ts[1].SeedOffset)
		}
	}
	bad := ensembleSpec()
	bad.Teachers[1].Seed, bad.Teachers[1].SeedOffset = new(uint64(4)), 1
	if _, err := bad.Expand(); err == nil || !strings.Contains(err.Error(), "teachers[1]: seed and seed_offset") {
		t.Errorf("a teacher with a seed and an offset: %v", err)
	}
	if testing.Short() {
		t.Skip("trains two teachers")
	}
	ctx := context.Background()
	cache := t.TempDir()
	env, err := NewEnv(cache, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &runs[0].Spec
	split, err := env.Split(r.Dataset, r.Split, Full)
	if err != nil {
		t.Fatal(err)
	}
	e, err := runEnsemble(ctx, r, split, env)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.tts) != 2 || e.tts[0].Path == e.tts[1].Path {
		t.Fatalf("trajectories %+v", e.tts)
	}
	same := true
	for u := range split.Train.NumUsers {
		same = same && slices.Equal(e.tts[0].Traj.Stages[1].Row(u), e.tts[1].Traj.Stages[1].Row(u))
	}
	if same {
		t.Error("two teachers of one kind from seeds 0 and 1 rank every user alike")
	}
	// Each is the trajectory of its own seed: what BuildTrajectories
	// builds for that teacher alone, read back from the cache.
	o, seeds, err := ensembleTrajectoryOptions(r, split, cache, nil)
	if err != nil || !slices.Equal(seeds, []uint64{0, 1}) {
		t.Fatalf("seeds %v, %v", seeds, err)
	}
	o.Seed, o.Teachers = 1, o.Teachers[1:]
	one, err := BuildTrajectories(ctx, split, o)
	if err != nil || !one[0].Cached || one[0].Path != e.tts[1].Path {
		t.Errorf("teacher MF-2 alone from seed 1: %+v, %v", one, err)
	}
	// A member row of the homogeneous set evaluates its second teacher.
	env.ensMu.Lock()
	env.ensemble = nil
	env.ensMu.Unlock()
	res, err := RunEnsembleKD(ctx, &runs[0], env)
	if err != nil {
		t.Fatal(err)
	}
	if res.Extra["member"] != "MF-2" || !(res.Final["Recall@50"] > 0) {
		t.Errorf("MF-2 row: %v, Recall@50 %v", res.Extra["member"], res.Final["Recall@50"])
	}
}

// TestEnsembleTemperatureExtra reads a temperature choice as a ledger
// record restores it (a JSON tree), in ascending T whatever the map's
// order, and refuses a candidate that is not a number.
func TestEnsembleTemperatureExtra(t *testing.T) {
	r := &RunResult{Extra: map[string]any{}}
	if _, ok, err := r.EnsembleTemperature(); ok || err != nil {
		t.Fatalf("no choice recorded: %v, %v", ok, err)
	}
	r.Extra[ExtraEnsembleT], r.Extra[ExtraTEdge] = 1000.0, true
	r.Extra[ExtraTValid] = map[string]any{"200": 0.3, "5": 0.2, "50": 0.29, "1000": 0.305}
	et, ok, err := r.EnsembleTemperature()
	if err != nil || !ok || et.T != 1000 || !et.Edge || !slices.Equal(et.Ts, []float64{5, 50, 200, 1000}) || !slices.Equal(et.Valid, []float64{0.2, 0.29, 0.3, 0.305}) {
		t.Errorf("got %+v, %v, %v", et, ok, err)
	}
	// Incomplete records are errors, not a T of 0.
	for _, c := range []struct {
		extra map[string]any
		want  string
	}{
		{map[string]any{ExtraTValid: map[string]any{"hot": 0.2}, ExtraEnsembleT: 5.0, ExtraTEdge: false}, `"hot"`},
		{map[string]any{ExtraTValid: map[string]any{}, ExtraEnsembleT: 5.0, ExtraTEdge: false}, "no candidate"},
		{map[string]any{ExtraTValid: map[string]any{"5": 0.2}, ExtraTEdge: false}, "without " + ExtraEnsembleT},
		{map[string]any{ExtraTValid: map[string]any{"5": 0.2}, ExtraEnsembleT: 5.0}, "without " + ExtraTEdge},
		{map[string]any{ExtraTValid: map[string]any{"5": 0.2}, ExtraEnsembleT: 7.0, ExtraTEdge: false}, "not a candidate"},
	} {
		r.Extra = c.extra
		if _, ok, err := r.EnsembleTemperature(); ok || err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, %v, want an error with %q", c.extra, ok, err, c.want)
		}
	}
}

// TestEnsembleListsBeyondCatalogue runs the ensemble rows with lists
// longer than the catalogue (ensemble.n = 1000 over 400 items, as
// hetcomp-protocol-ml1m's 5000 over MovieLens-1M's 3,706): every row
// holds the user's unobserved items only, and the rows train and record
// their temperature choice as with shorter lists.
func TestEnsembleListsBeyondCatalogue(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two teachers and two students")
	}
	s := ensembleSpec()
	s.Ensemble = &EnsembleSpec{Temperatures: []float64{5, 1000}, N: 1000}
	s.Variants = slices.DeleteFunc(s.Variants, func(v Variant) bool { return v.Label != "Ensemble" && v.Label != "RRD" && v.Label != "HetComp" })
	s.Report.Baseline = "Ensemble"
	env, err := NewEnv(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if rep, err := RunSweep(context.Background(), s, SweepOptions{Out: out, Env: env}); err != nil || rep.Ran != 3 {
		t.Fatalf("%+v, %v", rep, err)
	}
	sr, err := LoadSweep(out, s.SweepKey())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range sr.Entries {
		res := e.Record.Result
		et, ok, err := res.EnsembleTemperature()
		if r := res.Final["Recall@50"]; err != nil || !ok || len(et.Ts) != 2 || !(r > 0 && r <= 1) {
			t.Errorf("%s: Recall@50 %v, temperature %+v (%v, %v)", e.Run.Label, r, et, ok, err)
		}
	}
	// The stored stage lists: no row longer than the user's unobserved items.
	runs, _ := s.Expand()
	r := &runs[0].Spec
	split, err := env.Split(r.Dataset, r.Split, Full)
	if err != nil {
		t.Fatal(err)
	}
	o, _, err := ensembleTrajectoryOptions(r, split, env.Cache.Dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	tts, err := BuildTrajectories(context.Background(), split, o)
	if err != nil || len(tts) != 2 || !tts[0].Cached || !tts[1].Cached {
		t.Fatalf("trajectories: %v", err)
	}
	for _, tt := range tts {
		for v, st := range tt.Traj.Stages {
			for u := range split.Train.NumUsers {
				if n, free := int(st.Len[u]), split.Train.NumItems-len(split.Train.Items(u)); n != free {
					t.Fatalf("%s stage %d, user %d: a list of %d items, %d unobserved", tt.Spec.Name, v, u, n, free)
				}
			}
		}
	}
}

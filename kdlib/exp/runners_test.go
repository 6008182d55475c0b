package exp

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/internal/datatest"
	"github.com/kdrec/kdrec/kdlib/distill"
)

// onSynthetic moves a built-in spec onto small generated data with a
// sampled LOO split (protocol loo) or the same split evaluated by full
// ranking, and shrinks the teacher, so that its quick budget runs in
// seconds. Everything else — variants, methods, options, grids — stays.
func onSynthetic(t *testing.T, name string) *Spec {
	t.Helper()
	s, err := BuiltinSpec(name, "quick")
	if err != nil {
		t.Fatal(err)
	}
	s.Dataset = DatasetSpec{Name: SyntheticName, Synthetic: &SyntheticSpec{Users: 650, Items: 700, PerUser: 15, Seed: 2}}
	s.Split = SplitSpec{Kind: SplitLOO, Candidates: 50}
	if s.Teacher != nil {
		s.Teacher.Dim = 16
	}
	for _, v := range s.Variants { // Set values are JSON trees after WithBudget
		if st, ok := v.Set["student"].(map[string]any); ok {
			if d, _ := st["dim"].(json.Number).Int64(); d > 16 {
				st["dim"] = 16
			}
		}
	}
	s.Student.Dim = 4
	return s
}

// TestBuiltinsRunnable checks that every built-in spec can run with the
// registered runners.
func TestBuiltinsRunnable(t *testing.T) {
	for _, b := range Builtins() {
		for _, budget := range []string{"full", "quick"} {
			s, err := BuiltinSpec(b.Name, budget)
			if err != nil {
				t.Fatal(err)
			}
			missing, err := s.Unavailable()
			if err != nil {
				t.Fatalf("%s@%s: %v", b.Name, budget, err)
			}
			if len(missing) > 0 {
				t.Errorf("%s@%s cannot run: %v", b.Name, budget, missing)
			}
		}
	}
}

// TestBuiltinQuickKD runs the quick budget of built-in specs with latent
// (td-table: FitNet, DE, FTD, HTD under full ranking) and ranking
// (derrd-table: RD, CD, DE, RRD, DE-RRD; irrrd-table: IR-RRD) methods end
// to end on generated data, and checks the stored results.
func TestBuiltinQuickKD(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a few dozen tiny models")
	}
	for _, name := range []string{"derrd-table", "td-table", "irrrd-table"} {
		t.Run(name, func(t *testing.T) {
			s := onSynthetic(t, name)
			out := t.TempDir()
			env, err := NewEnv(t.TempDir(), nil)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := RunSweep(context.Background(), s, SweepOptions{Out: out, Env: env})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Ran != rep.Runs || rep.Runs == 0 {
				t.Fatalf("%v", rep)
			}
			sr, err := LoadSweep(out, s.SweepKey())
			if err != nil {
				t.Fatal(err)
			}
			watch := "HR@5"
			if s.Protocol == Full {
				watch = "Recall@50"
			}
			seen := map[string]bool{}
			for _, e := range sr.Entries {
				rec := e.Record
				if rec == nil {
					t.Fatalf("run %s has no record", e.Run.Name())
				}
				v, ok := rec.Result.Best[watch]
				if !ok || math.IsNaN(v) || v < 0 || v > 1 || rec.Result.PerUser == nil || rec.Result.Epochs != 1 {
					t.Errorf("%s: %s %v, epochs %d", e.Run.Name(), watch, v, rec.Result.Epochs)
				}
				ms := rec.Spec.Methods()
				for _, m := range ms {
					seen[m] = true
				}
				if len(ms) > 0 {
					if len(rec.Result.Teachers) != 1 || rec.Result.Extra["kd"] == nil {
						t.Errorf("%s: teachers %v extra %v", e.Run.Name(), rec.Result.Teachers, rec.Result.Extra)
					}
					if loss := rec.Result.Curve[len(rec.Result.Curve)-1].TermLoss; len(loss) < 2 {
						t.Errorf("%s: term losses %v: the KD term did not run", e.Run.Name(), loss)
					}
				}
			}
			want := map[string][]string{"derrd-table": {"rd", "cd", "de", "rrd"}, "td-table": {"hint", "de", "ftd", "htd"},
				"irrrd-table": {"de", "rrd", "ir"}}[name]
			for _, m := range want {
				if !seen[m] {
					t.Errorf("no stored run with kd method %s (saw %v)", m, seen)
				}
			}
			sum, err := Aggregate(sr, TableOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(sum.Table().Rows) != len(s.Variants) {
				t.Errorf("table has %d rows, want %d", len(sum.Table().Rows), len(s.Variants))
			}
		})
	}
}

// TestRunKDMeasures checks what RunKD measures besides the metrics: DE's
// selection hardening per epoch and the topology of the latent student
// before training and after every evaluation, kept by a ledger record;
// a ranking method records neither.
func TestRunKDMeasures(t *testing.T) {
	s := onSynthetic(t, "de-lambda")
	s.Variants = s.Variants[1:2]
	s.Variants[0].Grid = Grid{"kd[0].lambda": {0.01}}
	s.Budget = Budget{Epochs: 2, EvalEvery: 1, Patience: 1}
	s.Budgets = nil
	runs, err := s.Expand()
	if err != nil || len(runs) != 1 {
		t.Fatalf("%d runs, %v", len(runs), err)
	}
	env, _ := NewEnv("", nil)
	rec, err := Execute(context.Background(), &runs[0], env)
	if err != nil {
		t.Fatal(err)
	}
	l, err := OpenLedger(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Add(rec); err != nil {
		t.Fatal(err)
	}
	back, err := l.Get(rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range []*RunResult{&rec.Result, &back.Result} {
		rows, ok, err := res.ExpertsPerRow()
		if err != nil || !ok || len(rows) != res.Epochs || !(rows[0] >= 1 && rows[0] <= 30) {
			t.Errorf("experts per row %v (%v, %v) over %d epochs", rows, ok, err, res.Epochs)
		}
		tr, ok, err := res.Topology()
		if err != nil || !ok || !slices.Equal(tr.Epoch, []int{0, 1, 2}) || len(tr.KNN) != 3 || len(tr.Discrepancy) != 3 || tr.Stride != 1 {
			t.Fatalf("topology %+v (%v, %v)", tr, ok, err)
		}
		for k := range tr.KNN {
			if !(tr.KNN[k] >= 0 && tr.KNN[k] <= 1) || !(tr.Discrepancy[k] >= 0) {
				t.Errorf("topology point %d: knn %v discrepancy %v", k, tr.KNN[k], tr.Discrepancy[k])
			}
		}
	}
	rrd := *s
	rrd.Variants = []Variant{{Label: "RRD", Set: map[string]any{"kd": []KDTerm{kd("rrd", 0.001, "n", 60, "k", 10, "l", 10, "pool", 40)}}}}
	runs, err = rrd.Expand()
	if err != nil {
		t.Fatal(err)
	}
	res, err := RunKD(context.Background(), &runs[0], env)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := res.Topology(); ok {
		t.Error("a ranking method recorded a topology trace")
	}
	if _, ok, _ := res.ExpertsPerRow(); ok {
		t.Error("RRD recorded a selection")
	}
}

// TestZooTrainers trains every kind of the zoo as a plain run (the HetComp
// teacher families) on generated data.
func TestZooTrainers(t *testing.T) {
	s := onSynthetic(t, "derrd-students")
	s.Grid = nil
	s.Variants = nil
	for _, kind := range []string{"neumf", "mlp", "cml", "lightgcn", "cdae", "item-ae"} {
		v := Variant{Label: kind, Set: map[string]any{"student": ModelSpec{Kind: kind, Dim: 8}}}
		if kind == "lightgcn" {
			v.Set["student"] = ModelSpec{Kind: kind, Dim: 8, Params: Options{"layers": 2}}
		}
		s.Variants = append(s.Variants, v)
	}
	out := t.TempDir()
	rep, err := RunSweep(context.Background(), s, SweepOptions{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ran != 6 {
		t.Fatalf("%v", rep)
	}
	sr, err := LoadSweep(out, s.SweepKey())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range sr.Entries {
		if e.Record == nil || e.Record.Result.Params == 0 || e.Record.Result.Best["HR@5"] <= 0 {
			t.Errorf("%s: %+v", e.Run.Name(), e.Record)
		}
	}
}

// TestKDOptionErrors checks that bad options and combinations are refused
// before anything runs, naming the option and its valid range.
func TestKDOptionErrors(t *testing.T) {
	cases := []struct {
		terms []KDTerm
		want  string
	}{
		{[]KDTerm{kd("de", 0.01, "experts", 0)}, "kd de: option experts=0 is out of range: want an integer in [1, 1024]"},
		{[]KDTerm{kd("de", 0.01, "expert", 5)}, `kd de: unknown option "expert" (known: experts, hidden`},
		{[]KDTerm{kd("rrd", 0.001, "k", 2.5)}, "kd rrd: option k=2.5 is not an integer: want an integer in [1, 100000]"},
		{[]KDTerm{kd("rrd", 0.001, "sample", "no")}, "option sample=no is not a boolean"},
		{[]KDTerm{kd("htd", 0.001, "alpha", 1.5)}, "option alpha=1.5 is out of range: want a number in [0, 1]"},
		{[]KDTerm{kd("hint", 0.01, "bridge", "conv")}, "option bridge=conv is not valid: want one of mlp, linear"},
		{[]KDTerm{kd("ir", 0.0005)}, `kd method "ir" is a part of ir-rrd: list it together with "rrd"`},
		{[]KDTerm{kd("de", -1)}, "kd[0].lambda -1: want a finite value >= 0"},
	}
	for _, c := range cases {
		s := onSynthetic(t, "derrd-students")
		s.Teacher = teacherOf(bpr(8))
		s.Variants = []Variant{{Label: "x", Set: map[string]any{"kd": c.terms}}}
		s.Grid = nil
		_, err := s.Unavailable()
		if err == nil {
			runs, _ := s.Expand()
			if len(runs) > 0 {
				err = runs[0].Check()
			}
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want …%s…", c.terms, err, c.want)
		}
		if err != nil && errors.Is(err, ErrNotAvailable) {
			t.Errorf("%v: a bad option reported as not available: %v", c.terms, err)
		}
	}
	// Constraints between options, checked when the terms are built.
	s := onSynthetic(t, "derrd-students")
	s.Teacher = teacherOf(bpr(8))
	s.Variants = []Variant{{Label: "x", Set: map[string]any{"kd": []KDTerm{kd("rrd", 0.001, "n", 100, "pool", 200)}}}}
	s.Grid = nil
	_, err := RunSweep(context.Background(), s, SweepOptions{Out: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "kd rrd: option pool=200 is out of range: want an integer in [0, n=100]") {
		t.Errorf("pool > n: %v", err)
	}
}

// TestKDMethodSets checks that the method sets the runners serve can be
// combined and that the zoo's runners are registered.
func TestKDMethodSets(t *testing.T) {
	for _, set := range KDMethodSets() {
		if err := distill.CheckCombination(set); err != nil {
			t.Errorf("%v: %v", set, err)
		}
	}
	if !slices.Contains(Runners(), "neumf+de-rrd") || !slices.Contains(Runners(), "item-ae") {
		t.Errorf("runners: %v", Runners())
	}
	// Any valid combination of single-teacher methods runs (DE + RRD, as
	// the DE-RRD specs write it, or kdrepl's kd=hint,rrd); a method listed
	// twice, or a part without its method, does not.
	for _, ok := range [][]string{{"de", "rrd"}, {"hint", "rrd"}, {"rrd", "ir"}} {
		if _, err := LookupRunner("neumf", ok); err != nil {
			t.Errorf("%v: %v", ok, err)
		}
	}
	for _, bad := range [][]string{{"rrd", "rrd"}, {"ir"}, {"hint", "hetcomp"}} {
		if _, err := LookupRunner("bpr", bad); err == nil {
			t.Errorf("%v: a runner", bad)
		}
	}
	if _, err := LookupRunner("cdae", []string{"de"}); err == nil || !strings.Contains(err.Error(), "a cdae student cannot be distilled") {
		t.Errorf("a cdae student: %v", err)
	}
}

// TestBuiltinQuickRealData runs the quick budget of derrd-curves (Student,
// DE, RRD, with a d=200 teacher and its lists) on the authors' CiteULike
// split: a couple of minutes on two cores, so only with KDREC_LONG=1 and
// the shared data sets.
func TestBuiltinQuickRealData(t *testing.T) {
	long(t)
	if os.Getenv(datasets.EnvDir) == "" {
		datatest.Skipf(t, "needs %s (the authors' CiteULike splits)", datasets.EnvDir)
	}
	s, err := BuiltinSpec("derrd-curves", "quick")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	env, err := NewEnv(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := RunSweep(context.Background(), s, SweepOptions{Out: out, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ran != 3 {
		t.Fatalf("%v", rep)
	}
	sr, err := LoadSweep(out, s.SweepKey())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range sr.Entries {
		if v := e.Record.Result.Best["HR@5"]; !(v > 0.05 && v < 1) {
			t.Errorf("%s: HR@5 %v", e.Run.Name(), v)
		}
	}
}

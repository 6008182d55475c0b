package repl

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kdrec/kdrec/kdlib/exp"
)

// untimedResult is the JSON of a run's result without its wall-clock timings,
// the only values that differ between two executions of a run.
func untimedResult(t *testing.T, r *exp.RunResult) string {
	t.Helper()
	c := r.Untimed()
	b, err := json.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// execSpec executes spec on env and returns its record.
func execSpec(t *testing.T, spec exp.RunSpec, env *exp.Env) *exp.Record {
	t.Helper()
	r, err := exp.NewRun(spec)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := exp.Execute(context.Background(), r, env)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// sameRun checks that a workspace model was trained by exactly the run of
// rec: same hash, same result bit for bit (timings aside), and that its
// history and parameters are that run's.
func sameRun(t *testing.T, sh *Shell, name string, rec *exp.Record) {
	t.Helper()
	me, err := sh.ws.ModelByName(name)
	if err != nil {
		t.Fatal(err)
	}
	if me.Record == nil {
		t.Fatalf("%s has no run record", name)
	}
	if me.Record.Hash != rec.Hash {
		t.Errorf("%s: run %s, the hand-written spec's %s", name, me.Record.ID, rec.ID)
	}
	if a, b := untimedResult(t, &me.Record.Result), untimedResult(t, &rec.Result); a != b {
		t.Errorf("%s: the train line's result differs from exp.Execute of its spec:\n%s\n%s", name, a, b)
	}
	if me.Result != me.Record.Result.History || me.M != me.Record.Result.Model {
		t.Errorf("%s: the workspace does not hold the run's history and model", name)
	}
	for k, p := range rec.Result.Model.Params() {
		if !slices.Equal(p.W, me.M.Params()[k].W) {
			t.Errorf("%s: parameter %s differs from the spec's run", name, p.Name)
		}
	}
}

// TestTrainIsExecute checks that kdrepl's train is exp.Execute of a
// RunSpec: a teacher, a plain student, a student distilled from the
// teacher (which enters the spec as the TeacherSpec of the run that
// trained it) and one distilled from a copy of the teacher loaded from a
// checkpoint (a provided model, by content), all on a split of data that
// no exp data set describes (a provided split, by content), give the runs
// and results, bit for bit, of the same specs written by hand and executed
// on an Env holding only that split and that loaded model.
func TestTrainIsExecute(t *testing.T) {
	sh, out := testShell(t, nil)
	mustExec(t, sh, out, "load tiny; split loo candidates=20")
	mustExec(t, sh, out, "train teacher bpr dim=8 epochs=3 lr=0.01")
	mustExec(t, sh, out, "train s bpr dim=4 epochs=3 eval-every=1 patience=2 restore-best=false wd=0.0005 batch=64")
	mustExec(t, sh, out, "train s-rrd bpr dim=4 epochs=2 kd=rrd lambda.rrd=0.05 n.rrd=20 k.rrd=5 l.rrd=5")
	mustExec(t, sh, out, "save teacher "+filepath.Join(sh.dir, "t.ckpt")+"; load-model t2 t.ckpt")
	mustExec(t, sh, out, "train s-de bpr dim=4 epochs=2 eval-every=0 kd=de teacher=t2 experts.de=3")

	se, _ := sh.ws.SplitByName("loo")
	if se.spec != nil {
		t.Fatal("the split of a test loader has an exp spec")
	}
	env := &exp.Env{}
	ds, sp := env.ProvideSplit(se.S)
	wd := 1e-3
	base := exp.RunSpec{Dataset: ds, Split: sp, Protocol: exp.LOO}
	teacher := exp.ModelSpec{Kind: "bpr", Dim: 8, LR: 0.01, WeightDecay: &wd, BatchSize: 1024}

	spec := base
	spec.Student, spec.Budget = teacher, exp.Budget{Epochs: 3, Patience: 20}
	tr := execSpec(t, spec, env)
	sameRun(t, sh, "teacher", tr)

	spec = base
	wd2 := 0.0005
	f := false
	spec.Student = exp.ModelSpec{Kind: "bpr", Dim: 4, WeightDecay: &wd2, BatchSize: 64}
	spec.Budget = exp.Budget{Epochs: 3, Patience: 2, RestoreBest: &f}
	sameRun(t, sh, "s", execSpec(t, spec, env))

	spec = base
	seed, tb := uint64(0), exp.Budget{Epochs: 3, Patience: 20}
	spec.Teacher = &exp.TeacherSpec{ModelSpec: teacher, Seed: &seed, Budget: &tb}
	spec.Student, spec.Budget = exp.ModelSpec{Kind: "bpr", Dim: 4}, exp.Budget{Epochs: 2, Patience: 20}
	spec.KD = []exp.KDTerm{{Method: "rrd", Lambda: 0.05, Options: exp.Options{"n": 20, "k": 5, "l": 5}}}
	sameRun(t, sh, "s-rrd", execSpec(t, spec, env)) // the Env trains the teacher itself, from its spec

	t2, _ := sh.ws.ModelByName("t2")
	ms, err := exp.ProvidedModel(t2.M)
	if err != nil {
		t.Fatal(err)
	}
	spec = base
	spec.Teacher = &exp.TeacherSpec{ModelSpec: ms}
	spec.Student, spec.Budget = exp.ModelSpec{Kind: "bpr", Dim: 4}, exp.Budget{Epochs: 2, NoEval: true}
	spec.KD = []exp.KDTerm{{Method: "de", Options: exp.Options{"experts": 3}}}
	r, err := exp.NewRun(spec)
	if err != nil {
		t.Fatal(err)
	}
	key, err := r.Spec.TeacherKey(-1)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.ProvideModel(key, t2.M, nil); err != nil {
		t.Fatal(err)
	}
	sameRun(t, sh, "s-de", execSpec(t, spec, env))
	if me, _ := sh.ws.ModelByName("s-de"); me.Record.Spec.Teacher.Provided != ms.Provided || me.Record.Spec.Protocol != exp.Full {
		t.Errorf("s-de's run: teacher %+v, protocol %s", me.Record.Spec.Teacher, me.Record.Spec.Protocol)
	}
}

// TestTrainRealSpecs trains on a registered data set split by a built-in
// method: the run's data and split are exp's own specs (no provided
// split), so a fresh Env that loads and splits CiteULike-t itself executes
// the same run, with the same result bit for bit; and every split of the
// shell that maps to an exp split kind is the split exp makes (same
// fingerprint), while one that does not is provided by content.
func TestTrainRealSpecs(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on citeulike-t and splits it four times")
	}
	sh, out := testShell(t, nil)
	sh.loadDataset = nil // the registry's loader: its data sets have specs
	mustExec(t, sh, out, "load citeulike-t; split loo seed=3 candidates=99")
	mustExec(t, sh, out, "train teacher bpr dim=4 epochs=1 batch=4096")
	mustExec(t, sh, out, "train s bpr dim=2 epochs=1 batch=4096 kd=hint bridge.hint=linear")

	seed := uint64(3)
	base := exp.RunSpec{Dataset: exp.DatasetSpec{Name: "citeulike-t"}, Split: exp.SplitSpec{Kind: exp.SplitLOO, Seed: &seed, Candidates: 99},
		Protocol: exp.LOO}
	teacher := exp.ModelSpec{Kind: "bpr", Dim: 4, BatchSize: 4096}
	env := &exp.Env{}
	spec := base
	spec.Student, spec.Budget = teacher, exp.Budget{Epochs: 1, Patience: 20}
	sameRun(t, sh, "teacher", execSpec(t, spec, env))
	spec = base
	zero, tb := uint64(0), exp.Budget{Epochs: 1, Patience: 20}
	spec.Teacher = &exp.TeacherSpec{ModelSpec: teacher, Seed: &zero, Budget: &tb}
	spec.Student, spec.Budget = exp.ModelSpec{Kind: "bpr", Dim: 2, BatchSize: 4096}, exp.Budget{Epochs: 1, Patience: 20}
	spec.KD = []exp.KDTerm{{Method: "hint", Options: exp.Options{"bridge": "linear"}}}
	sameRun(t, sh, "s", execSpec(t, spec, env))

	for _, c := range []struct {
		line string
		kind string // "" when the split has no exp spec
	}{
		{"split loo seed=1 as=a", exp.SplitLOO},
		{"split ratio seed=2 as=b", exp.SplitRatio602020},
		{"split ratio valid=0.1 test=0.1 as=c", exp.SplitRatio801010},
		{"split ratio valid=0.1 test=0.2 as=d", ""},
		{"split loo short=drop as=e", ""},
		{"split loo candidates=0 as=f", ""},
	} {
		mustExec(t, sh, out, c.line)
		se, _ := sh.ws.SplitByName(sh.ws.Split)
		if c.kind == "" {
			if se.spec != nil {
				t.Errorf("%s: has the exp spec %+v", c.line, *se.spec)
			}
			continue
		}
		if se.spec == nil || se.spec.Kind != c.kind {
			t.Errorf("%s: exp spec %v, want kind %s", c.line, se.spec, c.kind)
			continue
		}
		made, err := (&exp.Env{}).Split(*se.dataset, *se.spec, exp.Full)
		if err != nil {
			t.Fatal(err)
		}
		if exp.SplitFingerprint(made) != exp.SplitFingerprint(se.S) {
			t.Errorf("%s: exp's %s split differs from the shell's", c.line, c.kind)
		}
	}
}

package exp

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/train"
)

// tinyRunSpec is one run on generated data that trains in milliseconds.
func tinyRunSpec() RunSpec {
	return RunSpec{
		Dataset:  DatasetSpec{Name: SyntheticName, Synthetic: &SyntheticSpec{Users: 120, Items: 200, PerUser: 20, Seed: 1}},
		Split:    SplitSpec{Kind: SplitLOO, Candidates: 50},
		Student:  bpr(8),
		Protocol: LOO,
		Budget:   Budget{Epochs: 3},
	}
}

// untimedJSON is the JSON of a result without its wall-clock timings, the
// only values of a run that differ from one execution to the next.
func untimedJSON(t *testing.T, r *RunResult) string {
	t.Helper()
	c := r.Untimed()
	b, err := json.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustRun(t *testing.T, spec RunSpec) *Run {
	t.Helper()
	r, err := NewRun(spec)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustExecute(t *testing.T, r *Run, env *Env) *Record {
	t.Helper()
	rec, err := Execute(context.Background(), r, env)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestProvidedSplit gives a split by content: the run trains exactly as
// under the spec that made the split, its hash names the content (equal
// for an equal copy, different when one interaction changes), and an Env
// that does not hold it, or a protocol it cannot serve, is refused.
func TestProvidedSplit(t *testing.T) {
	spec := tinyRunSpec()
	real := mustExecute(t, mustRun(t, spec), &Env{})

	made, err := (&Env{}).Split(spec.Dataset, mustRun(t, spec).Spec.Split, LOO)
	if err != nil {
		t.Fatal(err)
	}
	env := &Env{}
	prov := spec
	prov.Dataset, prov.Split = env.ProvideSplit(made)
	pr := mustRun(t, prov)
	got := mustExecute(t, pr, env)
	if untimedJSON(t, &got.Result) != untimedJSON(t, &real.Result) {
		t.Error("the run on the provided split differs from the run on the split's spec")
	}
	if got.Hash == real.Hash || pr.Spec.Split.Fingerprint != SplitFingerprint(made) || pr.Spec.Dataset.Name != ProvidedData {
		t.Errorf("provided run: hash %s (spec's %s), split %+v", got.Hash[:16], real.Hash[:16], pr.Spec.Split)
	}

	// An equal copy has the same identity; one changed interaction another.
	same := *made
	same.Train = fromPairs(t, made.NumUsers(), made.NumItems(), pairsOf(made.Train))
	_, spSame := (&Env{}).ProvideSplit(&same)
	changed := *made
	pairs := pairsOf(made.Train)
	pairs[0].Item = (pairs[0].Item + 1) % int32(made.NumItems())
	changed.Train = fromPairs(t, made.NumUsers(), made.NumItems(), pairs)
	_, spChanged := (&Env{}).ProvideSplit(&changed)
	h := func(sp SplitSpec) string {
		r := spec
		r.Dataset, r.Split = DatasetSpec{Name: ProvidedData}, sp
		return mustRun(t, r).Hash
	}
	if h(spSame) != pr.Hash {
		t.Error("an equal copy of the split gives another run hash")
	}
	if spChanged.Fingerprint == pr.Spec.Split.Fingerprint || h(spChanged) == pr.Hash {
		t.Error("a split with one interaction changed gives the same run hash")
	}

	// Elsewhere, the provided split is not there.
	if _, err := Execute(context.Background(), pr, &Env{}); err == nil || !strings.Contains(err.Error(), "provided to another Env") {
		t.Errorf("a provided split in an Env without it: %v", err)
	}
	// A split without candidates cannot serve protocol loo.
	bare := *made
	bare.Candidates = nil
	noCand := spec
	noCand.Dataset, noCand.Split = env.ProvideSplit(&bare)
	if _, err := Execute(context.Background(), mustRun(t, noCand), env); err == nil || !strings.Contains(err.Error(), "protocol loo needs sampled candidates") {
		t.Errorf("protocol loo on a provided split without candidates: %v", err)
	}
	// Only the fingerprint names a provided split.
	bad := prov
	bad.Split.Candidates = 10
	if _, err := NewRun(bad); err == nil || !strings.Contains(err.Error(), "takes only split.fingerprint") {
		t.Errorf("a provided split with candidates: %v", err)
	}
}

// pairsOf lists the training pairs of x.
func pairsOf(x *data.Interactions) []data.Pair {
	var out []data.Pair
	for u := 0; u < x.NumUsers; u++ {
		for _, i := range x.Items(u) {
			out = append(out, data.Pair{User: int32(u), Item: i})
		}
	}
	return out
}

func fromPairs(t *testing.T, users, items int, pairs []data.Pair) *data.Interactions {
	t.Helper()
	x, err := data.FromPairs(users, items, pairs)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestProvidedTeacher distils from a teacher given by content: the student
// is the one distilled from the same teacher under its TeacherSpec, the
// run's hash follows the teacher's parameters, a model whose fingerprint is
// not the key's is refused, and an Env never trains a provided model.
func TestProvidedTeacher(t *testing.T) {
	spec := tinyRunSpec()
	spec.Teacher = teacherOf(bpr(16))
	spec.KD = []KDTerm{kd("rrd", 0, "n", 40, "k", 5, "l", 5)}
	env := &Env{}
	real := mustExecute(t, mustRun(t, spec), env)
	key, err := mustRun(t, spec).Spec.TeacherKey(-1)
	if err != nil {
		t.Fatal(err)
	}
	tm, err := env.Model(context.Background(), key, false)
	if err != nil {
		t.Fatal(err)
	}
	teacher, _ := tm.Scorer()

	prov := spec
	ms, err := ProvidedModel(teacher)
	if err != nil {
		t.Fatal(err)
	}
	prov.Teacher = &TeacherSpec{ModelSpec: ms}
	pr := mustRun(t, prov)
	pkey, err := pr.Spec.TeacherKey(-1)
	if err != nil {
		t.Fatal(err)
	}
	env2 := &Env{}
	if _, err := Execute(context.Background(), pr, env2); err == nil || !strings.Contains(err.Error(), "never trained") {
		t.Errorf("a provided teacher the Env does not hold: %v", err)
	}
	if err := env2.ProvideModel(pkey, teacher, nil); err != nil {
		t.Fatal(err)
	}
	builds := 0
	env2.ListsProgress = func(n int, itemSide bool, users int) (func(int), func(error)) {
		builds++
		return func(int) {}, func(error) {}
	}
	got := mustExecute(t, pr, env2)
	a, b := real.Result, got.Result
	a.Teachers, b.Teachers = nil, nil // the teacher's identity: its key, or its content
	if untimedJSON(t, &a) != untimedJSON(t, &b) {
		t.Error("the student distilled from the provided teacher differs from the one distilled from its spec")
	}
	// Another seed of the student, on the same split, keeps the teacher's
	// key (its lists are reused).
	other := prov
	other.Split.Seed = new(uint64)
	*other.Split.Seed = prov.Seed
	other.Seed = 7
	okey, _ := mustRun(t, other).Spec.TeacherKey(-1)
	if h1, _ := okey.Hash(); h1 != mustHash(t, pkey) {
		t.Error("the key of a provided teacher depends on the student's seed")
	}
	mustExecute(t, mustRun(t, other), env2)
	if builds != 1 {
		t.Errorf("the provided teacher's lists were built %d times for two students", builds)
	}

	// One parameter changed: another fingerprint, another run.
	p := tm.Model.Params()[0]
	old := p.W[0]
	p.W[0] = old + 1
	ms2, err := ProvidedModel(teacher)
	p.W[0] = old
	if err != nil {
		t.Fatal(err)
	}
	if ms2.Provided == ms.Provided {
		t.Error("a changed parameter leaves the model's fingerprint")
	}
	prov2 := prov
	prov2.Teacher = &TeacherSpec{ModelSpec: ms2}
	if mustRun(t, prov2).Hash == pr.Hash {
		t.Error("a changed teacher leaves the run's hash")
	}
	k2, _ := mustRun(t, prov2).Spec.TeacherKey(-1)
	if err := env2.ProvideModel(k2, teacher, nil); err == nil || !strings.Contains(err.Error(), "fingerprint") {
		t.Errorf("a model under another model's fingerprint: %v", err)
	}
}

func mustHash(t *testing.T, k ModelKey) string {
	t.Helper()
	h, err := k.Hash()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestUnfinishedRun interrupts a run in its second epoch through a hook
// of the Env: Execute returns no record but an *Unfinished error holding
// the model of the first epoch (that of an uninterrupted one-epoch run)
// and its history; a sweep records nothing of it, in its store or in the
// ledger.
func TestUnfinishedRun(t *testing.T) {
	spec := tinyRunSpec()
	spec.Budget = Budget{Epochs: 5, NoEval: true}
	spec.Student.BatchSize = 16 // enough batches per epoch for the interrupt to land inside one
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := &Env{Fresh: true, Hooks: []train.Hook{{OnBatch: func(e train.BatchEvent) {
		if e.Epoch == 2 && e.Batch == 1 {
			cancel()
		}
	}}}}
	rec, err := Execute(ctx, mustRun(t, spec), env)
	var u *Unfinished
	if rec != nil || !errors.As(err, &u) || !u.Interrupted() || !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: record %v, error %v", rec, err)
	}
	if u.Result.Epochs != 1 || u.Result.Model == nil || u.Result.History == nil || u.Result.History.Epochs != 1 {
		t.Fatalf("unfinished result: %+v", u.Result)
	}
	one := spec
	one.Budget.Epochs = 1
	ref := mustExecute(t, mustRun(t, one), &Env{Fresh: true})
	for k, p := range ref.Result.Model.Params() {
		if !slices.Equal(p.W, u.Result.Model.Params()[k].W) {
			t.Errorf("%s: the interrupted model is not the one-epoch model", p.Name)
		}
	}

	// Through a sweep with a ledger: nothing is recorded.
	s := &Spec{Name: "unfinished", RunSpec: spec}
	dir, out := t.TempDir(), t.TempDir()
	l, err := OpenLedger(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	env.Hooks = []train.Hook{{OnBatch: func(e train.BatchEvent) {
		if e.Epoch == 2 {
			cancel()
		}
	}}}
	_, err = RunSweep(ctx, s, SweepOptions{Out: out, Env: env, Ledger: l})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("sweep: %v", err)
	}
	recs, err := l.Records()
	if err != nil || len(recs) != 0 {
		t.Errorf("the ledger holds %d records of an interrupted run (%v)", len(recs), err)
	}
	runs, _ := s.Expand()
	st, err := OpenStore(out, Shard{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if st.Has(runs[0].ID) {
		t.Error("the store holds the interrupted run")
	}
}

// TestBudgetEvaluationOptions checks the two budget options of kdrepl's
// train line: NoEval trains without any evaluation (and normalises away
// what it makes meaningless, the protocol included), and RestoreBest
// without patience ends with the parameters of the best validation epoch.
func TestBudgetEvaluationOptions(t *testing.T) {
	spec := tinyRunSpec()
	spec.Budget = Budget{Epochs: 3, NoEval: true, Patience: 4, EvalEvery: 2}
	r := mustRun(t, spec)
	if r.Spec.Protocol != Full || r.Spec.Budget != (Budget{Epochs: 3, NoEval: true}) {
		t.Errorf("NoEval normalised to protocol %s, budget %+v", r.Spec.Protocol, r.Spec.Budget)
	}
	loo := spec
	loo.Protocol = LOO
	if mustRun(t, loo).Hash != r.Hash {
		t.Error("the protocol of a run that never evaluates changes its hash")
	}
	res := mustExecute(t, r, &Env{}).Result
	if res.Epochs != 3 || res.Final != nil || res.PerUser != nil || res.Ranks != nil || len(res.History.Best) != 0 {
		t.Errorf("a NoEval run evaluated: %+v", res)
	}
	for _, p := range res.Curve {
		if p.Valid != nil || p.Test != nil {
			t.Errorf("epoch %d evaluated", p.Epoch)
		}
	}

	// RestoreBest equal to its default is the same run.
	def := tinyRunSpec()
	yes, no := true, false
	same := def
	same.Budget.RestoreBest = &no // patience 0: no restore by default
	if mustRun(t, same).Hash != mustRun(t, def).Hash {
		t.Error("RestoreBest equal to its default changes the hash")
	}
	// Restore without patience: the model ends in its best validation state.
	best := def
	best.Budget = Budget{Epochs: 20, RestoreBest: &yes}
	best.Student.LR = 0.5 // fast enough for the validation metric to peak before the end
	out := mustExecute(t, mustRun(t, best), &Env{}).Result
	b, ok := out.History.Best["HR@5"]
	if !ok {
		t.Fatal("no best HR@5")
	}
	env := &Env{}
	s, err := env.Split(best.Dataset, mustRun(t, best).Spec.Split, LOO)
	if err != nil {
		t.Fatal(err)
	}
	v, err := Evaluate(context.Background(), out.Model, s, LOO, "valid")
	if err != nil {
		t.Fatal(err)
	}
	last := out.Curve[len(out.Curve)-1].Valid["HR@5"]
	if b.Epoch >= out.Epochs || last == b.Valid {
		t.Fatalf("best HR@5 at epoch %d of %d (last %v): nothing to restore; make the run overfit", b.Epoch, out.Epochs, last)
	}
	if got := v.Means()["HR@5"]; math.Abs(got-b.Valid) > 1e-12 {
		t.Errorf("restored model: valid HR@5 %v, best %v at epoch %d", got, b.Valid, b.Epoch)
	}
}

// TestEnvFreshAndHooks: a Fresh Env trains the same key anew (another model
// object, the same parameters), a plain one reuses what it trained; the
// Env's hooks see every batch of the run's training.
func TestEnvFreshAndHooks(t *testing.T) {
	r := mustRun(t, tinyRunSpec())
	batches := 0
	env := &Env{Fresh: true, Hooks: []train.Hook{{OnBatch: func(train.BatchEvent) { batches++ }}}}
	a := mustExecute(t, r, env).Result
	b := mustExecute(t, r, env).Result
	if a.Model == b.Model || batches == 0 || batches%2 != 0 {
		t.Errorf("fresh: same model %v, %d batches", a.Model == b.Model, batches)
	}
	for k, p := range a.Model.Params() {
		if !slices.Equal(p.W, b.Model.Params()[k].W) {
			t.Errorf("%s differs between two fresh runs", p.Name)
		}
	}
	memo := &Env{}
	c := mustExecute(t, r, memo).Result
	d := mustExecute(t, r, memo).Result
	if c.Model != d.Model {
		t.Error("a plain Env trained the same key twice")
	}
}

// TestProvidedTeacherIgnoresHyperParameters: a provided teacher is named by
// its content, so the hyper-parameters written beside it do not change the
// run's ID (one computation, one ID).
func TestProvidedTeacherIgnoresHyperParameters(t *testing.T) {
	spec := tinyRunSpec()
	spec.Teacher = &TeacherSpec{ModelSpec: ModelSpec{Kind: "bpr", Provided: "0123456789abcdef"}}
	spec.KD = []KDTerm{kd("rrd", 0, "n", 40, "k", 5, "l", 5)}
	plain := mustRun(t, spec)
	spec.Teacher = &TeacherSpec{ModelSpec: ModelSpec{Kind: "bpr", Provided: "0123456789abcdef", Dim: 64, LR: 0.01, BatchSize: 7}}
	decorated := mustRun(t, spec)
	if plain.Hash != decorated.Hash {
		t.Errorf("the hyper-parameters beside a provided teacher changed the run's ID: %s vs %s", plain.Hash, decorated.Hash)
	}
}

// TestUnfinishedWithoutResult: an Unfinished a caller builds without a
// result prints its cause instead of panicking.
func TestUnfinishedWithoutResult(t *testing.T) {
	u := &Unfinished{Err: context.Canceled}
	if got := u.Error(); !strings.Contains(got, "canceled") {
		t.Errorf("Error() = %q", got)
	}
}

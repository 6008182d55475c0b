package exp

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// resumeEpochs is the budget of the resume tests, and resumeStops the
// epochs after which they kill a run: the windows before, between and
// after the kills hold the events of the stateful terms — CD's one-time
// draw (epoch 1), RD's switch to dynamic weights (dynamic-start 3),
// CL-DRD's stages (epochs 4 and 5 of 6), DE's and HTD's temperature
// (annealed over the 6 epochs), HetComp's DKC steps (every epoch), MTD's
// weight record (every epoch), ItemAE's item shuffles (every epoch).
const resumeEpochs = 6

var resumeStops = []int{2, 4}

// resumeCase is one run of the resume tests: a spec of one run.
type resumeCase struct {
	name string
	spec *Spec
}

// resumeKDCases returns a case for every method of the registry: the
// pinned runs' setups (pinRuns, ensembleSpec), with options that put their
// stateful events inside the window of resumeStops.
func resumeKDCases() []resumeCase {
	budget := Budget{Epochs: resumeEpochs, EvalEvery: 1, Patience: 4, EvalAtStart: true}
	tau := Options{"tau-epochs": resumeEpochs, "tau-end": 0.01}
	var out []resumeCase
	for _, p := range pinRuns() {
		terms := slices.Clone(p.terms)
		for k, t := range terms {
			o := Options{}
			for name, v := range t.Options {
				o[name] = v
			}
			switch t.Method {
			case "de", "htd", "de-rrd":
				for name, v := range tau {
					o[name] = v
				}
			case "rd":
				o["dynamic-start"] = 3
			}
			terms[k].Options = o
		}
		s := pinSpec()
		s.KD, s.Budget = terms, budget
		out = append(out, resumeCase{p.name, s})
	}
	for _, guide := range []string{"teacher", "random"} {
		s := pinSpec()
		s.KD, s.Budget = []KDTerm{{Method: "cd", Options: Options{"guide": guide, "n": 60, "pool": 60}}}, budget
		out = append(out, resumeCase{"cd-" + guide, s})
	}
	ens := ensembleSpec()
	for _, v := range ens.Variants {
		kd, ok := v.Set["kd"].([]KDTerm)
		if !ok {
			continue
		}
		s := ensembleSpec()
		s.Variants, s.Seeds = nil, nil
		s.KD = kd
		s.Budget = Budget{Epochs: resumeEpochs, EvalEvery: 1, Patience: 5, EvalAtStart: true}
		out = append(out, resumeCase{"ensemble/" + v.Label, s})
	}
	return out
}

// resumeResult is what a resumed run must reproduce.
type resumeResult struct {
	record  string // the RunResult's JSON without timings
	model   string // the trained model's checkpoint digest
	history *train.Result
}

func resumeOutcome(t *testing.T, res *RunResult, m model.Checkpointable) resumeResult {
	t.Helper()
	u := res.Untimed()
	b, err := json.Marshal(&u)
	if err != nil {
		t.Fatal(err)
	}
	h := *res.History
	h.History = slices.Clone(h.History)
	for k := range h.History {
		h.History[k].Seconds = 0
	}
	h.Resumed = nil
	return resumeResult{record: string(b), model: ckptSum(t, m), history: &h}
}

// killAt returns the Env hook that cancels ctx after epoch stop, as a
// process killed then would stop (the trainer saves the epoch's
// checkpoint, then sees the cancellation at the next epoch).
func killAt(stop int, cancel context.CancelFunc) train.Hook {
	return train.Hook{OnEpoch: func(e train.EpochEvent) {
		if e.Epoch == stop {
			cancel()
		}
	}}
}

// resumeRuns trains one run straight, then killed after each epoch of
// resumeStops and resumed with everything built anew, and checks that the
// resumed run's result, model and history are bit-identical to the
// straight run's and that it records where it resumed. fit runs the run
// in env and returns its result and trained model.
func resumeRuns(t *testing.T, name string, env *Env, fit func(ctx context.Context) (*RunResult, model.Checkpointable, error)) *RunResult {
	t.Helper()
	dir := env.CheckpointDir
	env.CheckpointDir = ""
	res, m, err := fit(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	want := resumeOutcome(t, res, m)
	env.CheckpointDir = dir
	var resumed []int
	for _, stop := range resumeStops {
		ctx, cancel := context.WithCancel(context.Background())
		env.Hooks = []train.Hook{killAt(stop, cancel)}
		_, _, err := fit(ctx)
		cancel()
		var u *Unfinished
		if !errors.As(err, &u) || !u.Interrupted() || u.Result.Epochs != stop {
			t.Fatalf("%s: killed after epoch %d: %v", name, stop, err)
		}
		if !slices.Equal(u.Result.Resumed, resumed) {
			t.Fatalf("%s: killed after epoch %d, resumed %v, want %v", name, stop, u.Result.Resumed, resumed)
		}
		resumed = append(resumed, stop)
	}
	env.Hooks = nil
	res, m, err = fit(context.Background())
	if err != nil {
		t.Fatalf("%s: resumed: %v", name, err)
	}
	if !slices.Equal(res.Resumed, resumed) {
		t.Fatalf("%s: resumed %v, want %v", name, res.Resumed, resumed)
	}
	got := resumeOutcome(t, res, m)
	if got.model != want.model {
		t.Errorf("%s: the resumed model differs from the uninterrupted one", name)
	}
	if !reflect.DeepEqual(got.history, want.history) {
		t.Errorf("%s: history\n%+v\nuninterrupted\n%+v", name, got.history, want.history)
	}
	if got.record != want.record {
		t.Errorf("%s: record\n%s\nuninterrupted\n%s", name, got.record, want.record)
	}
	return res
}

// TestResumeEveryMethod kills a 6-epoch run of every distillation method
// of the registry twice (after epochs 2 and 4) and resumes it each time
// from its checkpoint with the student, the terms and the probes built
// from scratch, as a new process does, and checks that the result (curve,
// best and final metrics, per-user values, Extra's measurements), the
// trained student and the trainer's history are bit-identical to those of
// the run trained in one go. A method with cross-epoch state that its
// term does not checkpoint (train.Stateful) fails here. A method of the
// registry without a case fails too: add one to resumeKDCases.
//
// With -short only the cases of a few stateful methods run.
func TestResumeEveryMethod(t *testing.T) {
	short := []string{"cd-teacher", "rd", "cl-drd", "de", "ensemble/HetComp"}
	env, err := NewEnv(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	env.CheckpointDir = t.TempDir()
	covered := map[string]bool{}
	for _, c := range resumeKDCases() {
		if testing.Short() && !slices.Contains(short, c.name) {
			continue
		}
		runs, err := c.spec.Expand()
		if err != nil || len(runs) != 1 {
			t.Fatalf("%s: %d runs, %v", c.name, len(runs), err)
		}
		run := &runs[0]
		if err := run.Check(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for _, m := range run.Spec.Methods() {
			covered[m] = true
		}
		res := resumeRuns(t, c.name, env, func(ctx context.Context) (*RunResult, model.Checkpointable, error) {
			r, err := RunKD(ctx, run, env)
			if err != nil {
				return nil, nil, err
			}
			return r, r.Model.(model.Checkpointable), nil
		})
		if _, err := os.Stat(res.checkpoint); err != nil || filepath.Base(res.checkpoint) != "run-"+run.ID+".ckpt" {
			t.Errorf("%s: checkpoint %q: %v", c.name, res.checkpoint, err)
		}
		env.dropCheckpoint(res)
		if _, err := os.Stat(filepath.Join(env.CheckpointDir, "run-"+run.ID+".ckpt")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: checkpoint not removed: %v", c.name, err)
		}
	}
	for _, m := range distill.Methods() {
		if !covered[m.Name] && !testing.Short() {
			t.Errorf("method %s of the registry has no resume case (resumeKDCases)", m.Name)
		}
	}
}

// TestResumeEveryModelKind is TestResumeEveryMethod for every kind of the
// model registry that trains, through TrainModel (teachers and plain
// runs): killed twice and resumed, each kind's result, trained model and
// history equal those of a run trained in one go. Its checkpoint is named
// after the ModelKey hash.
func TestResumeEveryModelKind(t *testing.T) {
	s := hcTinySplit(t)
	params := map[string]Options{
		"neumf": {"layers": 2}, "lightgcn": {"layers": 2, "reg": 1e-3}, "cdae": {"hidden": 12, "dropout": 0.3},
		"cml": {"margin": 0.5},
	}
	env := &Env{CheckpointDir: t.TempDir()}
	wd := 1e-3
	n := 0
	for _, kind := range model.Kinds() {
		k, err := model.LookupKind(kind)
		if err != nil {
			t.Fatal(err)
		}
		if k.NoTraining {
			continue
		}
		n++
		key := ModelKey{Model: ModelSpec{Kind: kind, Dim: 8, LR: 0.01, WeightDecay: &wd, BatchSize: 64, Params: params[kind]}, Seed: 5,
			Protocol: Full, Budget: Budget{Epochs: resumeEpochs, EvalEvery: 1, Patience: 4, EvalAtStart: true}}
		res := resumeRuns(t, kind, env, func(ctx context.Context) (*RunResult, model.Checkpointable, error) {
			m, r, err := TrainModel(ctx, s, key, env)
			return r, m, err
		})
		target, err := modelTarget(key)
		if err != nil {
			t.Fatal(err)
		}
		if res.checkpoint != filepath.Join(env.CheckpointDir, target.file) || !strings.HasPrefix(target.file, "model-"+kind+"-") {
			t.Errorf("%s: checkpoint %q", kind, res.checkpoint)
		}
	}
	if n < 7 {
		t.Errorf("only %d trainable kinds in the registry", n)
	}
}

// resumeSweepSpec is a small sweep of a plain run and a distillation run
// (CD with its one-time teacher-guided draw), six epochs each.
func resumeSweepSpec() *Spec {
	s := pinSpec()
	s.Name = "resume"
	s.Budget = Budget{Epochs: resumeEpochs, EvalEvery: 1, Patience: 4}
	s.Variants = []Variant{
		plainRow("plain", ModelSpec{Kind: "bpr", Dim: 4}),
		kdRow("CD", KDTerm{Method: "cd", Options: Options{"guide": "teacher", "n": 60, "pool": 60}}),
	}
	return s
}

// comparable returns a record without what differs from one execution of
// its run to the next: times, host, machine, timings and resumes, and
// whether the teacher's lists were built or read from the cache.
func comparable(t *testing.T, r *Record) string {
	t.Helper()
	c := *r
	c.Started, c.Finished, c.Host, c.Machine = time.Time{}, time.Time{}, "", nil
	c.Result = r.Result.Untimed()
	c.Result.Extra = maps.Clone(c.Result.Extra)
	delete(c.Result.Extra, "lists")
	b, err := json.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSweepResumesKilledRun runs a sweep, kills it (cancels its context,
// the trainer saving nothing more) during the distillation run's fifth
// epoch, after its checkpoint of epoch 4, and runs it again in a new Env
// (a new process): the plain run is skipped, the distillation run resumes
// after epoch 4, and the stored and recorded results equal those of a
// sweep never interrupted in everything but times, host and machine; the
// resumed record says where it resumed, and no checkpoint is left.
func TestSweepResumesKilledRun(t *testing.T) {
	ctx := context.Background()
	s := resumeSweepSpec()
	// The uninterrupted sweep.
	refEnv, err := NewEnv(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	refOut := t.TempDir()
	if _, err := RunSweep(ctx, s, SweepOptions{Out: refOut, Env: refEnv}); err != nil {
		t.Fatal(err)
	}
	ref, err := LoadSweep(refOut, s.SweepKey())
	if err != nil {
		t.Fatal(err)
	}

	cache, out, ckpts := t.TempDir(), t.TempDir(), t.TempDir()
	ledger, err := OpenLedger(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	newEnv := func() *Env {
		env, err := NewEnv(cache, nil)
		if err != nil {
			t.Fatal(err)
		}
		env.CheckpointDir, env.CheckpointEvery = ckpts, 0
		return env
	}
	env := newEnv()
	kill, cancel := context.WithCancel(ctx)
	defer cancel()
	current := ""
	// The teacher trains 3 epochs: only the students reach epoch 4.
	env.Hooks = []train.Hook{{OnEpoch: func(e train.EpochEvent) {
		if current == "CD" && e.Epoch == 4 {
			cancel()
		}
	}}}
	rep, err := RunSweep(kill, s, SweepOptions{Out: out, Env: env, Ledger: ledger, OnRun: func(ev RunEvent) { current = ev.Run.Label }})
	if !errors.Is(err, context.Canceled) || rep.Ran != 1 {
		t.Fatalf("killed sweep: %v, report %+v", err, rep)
	}
	files, _ := filepath.Glob(filepath.Join(ckpts, "*"))
	if len(files) != 1 || !strings.HasPrefix(filepath.Base(files[0]), "run-") {
		t.Fatalf("checkpoints after the kill: %v (want the distillation run's only)", files)
	}
	var log strings.Builder
	rep, err = RunSweep(ctx, s, SweepOptions{Out: out, Env: newEnv(), Ledger: ledger, Log: &log})
	if err != nil || rep.Ran != 1 || rep.Skipped != 1 {
		t.Fatalf("restarted sweep: %v, report %+v", err, rep)
	}
	if !strings.Contains(log.String(), "(resumed from a checkpoint after epoch 4)") {
		t.Errorf("the sweep's log does not say the run resumed:\n%s", log.String())
	}
	if files, _ := filepath.Glob(filepath.Join(ckpts, "*")); len(files) != 0 {
		t.Errorf("checkpoints left after the sweep: %v", files)
	}
	got, err := LoadSweep(out, s.SweepKey())
	if err != nil {
		t.Fatal(err)
	}
	for k, e := range got.Entries {
		want := ref.Entries[k].Record
		if e.Record == nil || want == nil {
			t.Fatalf("%s: no record", e.Run.Name())
		}
		if comparable(t, e.Record) != comparable(t, want) {
			t.Errorf("%s: resumed record\n%s\nuninterrupted\n%s", e.Run.Name(), comparable(t, e.Record), comparable(t, want))
		}
		wantResumed := []int(nil)
		if e.Run.Label == "CD" {
			wantResumed = []int{4}
		}
		if !slices.Equal(e.Record.Result.Resumed, wantResumed) {
			t.Errorf("%s: resumed %v, want %v", e.Run.Name(), e.Record.Result.Resumed, wantResumed)
		}
		lr, err := ledger.Get(e.Run.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(lr.Result.Resumed, wantResumed) {
			t.Errorf("%s: the ledger's record resumed %v, want %v", e.Run.Name(), lr.Result.Resumed, wantResumed)
		}
	}
}

// TestDropCheckpointRemovesTemporaries checks that removing a stored run's
// checkpoint also removes the temporary files of saves that a killed
// process left beside it, and nothing else.
func TestDropCheckpointRemovesTemporaries(t *testing.T) {
	dir := t.TempDir()
	env := &Env{CheckpointDir: dir}
	for _, name := range []string{"run-0123456789abcdef.ckpt", ".run-0123456789abcdef.ckpt.tmp42", "run-fedcba9876543210.ckpt", ".run-fedcba9876543210.ckpt.tmp7"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env.dropCheckpoint(&RunResult{checkpoint: filepath.Join(dir, "run-0123456789abcdef.ckpt")})
	left, _ := os.ReadDir(dir)
	var names []string
	for _, d := range left {
		names = append(names, d.Name())
	}
	if !slices.Equal(names, []string{".run-fedcba9876543210.ckpt.tmp7", "run-fedcba9876543210.ckpt"}) {
		t.Fatalf("left %v", names)
	}
}

// TestRunsTableSaysResumed checks that the ledger's runs table marks a run
// resumed from a checkpoint, whose wall time is its last process's, and
// that the cost table gives it no evaluation time.
func TestRunsTableSaysResumed(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := func(resumed []int) *Record {
		return &Record{ID: "0123456789abcdef", Started: start, Finished: start.Add(6 * time.Minute),
			Result: RunResult{Epochs: 30, TrainSeconds: 60, SetupSeconds: 10, Resumed: resumed}}
	}
	sr := &SweepResults{Entries: []Entry{{Run: Run{Label: "once"}, Record: rec(nil)}, {Run: Run{Label: "twice"}, Record: rec([]int{12, 20})}}}
	rows := RunsTable(sr).Rows
	if rows[0][6] != "6.0 min" || rows[1][6] != "6.0 min (resumed after epoch 12, 20)" {
		t.Errorf("wall columns %q and %q", rows[0][6], rows[1][6])
	}
	cost := CostTable(sr).Rows
	if cost[0][7] != "290.0" || cost[1][7] != "–" {
		t.Errorf("evaluation seconds %q and %q", cost[0][7], cost[1][7])
	}
	if rows[0][7] != "2.00" {
		t.Errorf("s/epoch %q, want 2.00", rows[0][7])
	}
	if n := RunsTable(sr).Notes; len(n) != 0 {
		t.Errorf("notes without a cached model: %q", n)
	}
	// A teacher row that loaded a model trained elsewhere: its epochs are
	// the model's, it trained none.
	loaded := rec(nil)
	loaded.Result.TrainSeconds = 0
	sr.Entries = append(sr.Entries, Entry{Run: Run{Label: "teacher"}, Record: loaded})
	tb := RunsTable(sr)
	if got := tb.Rows[2][7]; got != "– (untimed)" {
		t.Errorf("s/epoch of a cached model %q", got)
	}
	if len(tb.Notes) != 1 || !strings.Contains(tb.Notes[0], "no training time") {
		t.Errorf("notes %q", tb.Notes)
	}
}

// TestForeignCheckpointDiscarded puts the checkpoint of one run under the
// name of another (same model and terms, another seed): the other run
// discards it with a log line naming the file, and trains from epoch 0 to
// its own numbers.
func TestForeignCheckpointDiscarded(t *testing.T) {
	var log strings.Builder
	env, err := NewEnv(t.TempDir(), &log)
	if err != nil {
		t.Fatal(err)
	}
	env.CheckpointDir = t.TempDir()
	mk := func(seed uint64) *Run {
		s := pinSpec()
		s.KD, s.Seed = []KDTerm{{Method: "rrd", Options: Options{"n": 60, "k": 10, "l": 10, "pool": 40}}}, seed
		runs, err := s.Expand()
		if err != nil {
			t.Fatal(err)
		}
		return &runs[0]
	}
	a, b := mk(1), mk(2)
	want, err := RunKD(context.Background(), b, env)
	if err != nil {
		t.Fatal(err)
	}
	env.dropCheckpoint(want)
	first, err := RunKD(context.Background(), a, env) // trains a's teacher: the kill below stops a's student
	if err != nil {
		t.Fatal(err)
	}
	env.dropCheckpoint(first)
	ctx, cancel := context.WithCancel(context.Background())
	env.Hooks = []train.Hook{killAt(1, cancel)}
	if _, err := RunKD(ctx, a, env); !errors.Is(err, context.Canceled) {
		t.Fatalf("killed: %v", err)
	}
	env.Hooks = nil
	from, to := filepath.Join(env.CheckpointDir, "run-"+a.ID+".ckpt"), filepath.Join(env.CheckpointDir, "run-"+b.ID+".ckpt")
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
	log.Reset()
	got, err := RunKD(context.Background(), b, env)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "checkpoint "+to+": discarded: not this run's") || got.Resumed != nil {
		t.Fatalf("resumed %v; log:\n%s", got.Resumed, log.String())
	}
	if g, w := got.Untimed(), want.Untimed(); !reflect.DeepEqual(pinFingerprint(t, &g), pinFingerprint(t, &w)) {
		t.Error("the run that discarded a foreign checkpoint has other numbers")
	}
}

// TestCheckpointOfAnotherTeacherDiscarded kills a distillation run after
// its first epoch, then gives the run another teacher under the same
// ModelKey — the cache lost and the teacher trained again to other bits
// (other kernels, another code revision) — and runs it again: the
// checkpoint, distilled from the former teacher, is discarded, and the
// run trains from epoch 0 to the numbers of an uninterrupted run with the
// new teacher, instead of finishing with a student half taught by each.
func TestCheckpointOfAnotherTeacherDiscarded(t *testing.T) {
	s := pinSpec()
	s.KD = []KDTerm{{Method: "rrd", Options: Options{"n": 60, "k": 10, "l": 10, "pool": 40}}}
	runs, err := s.Expand()
	if err != nil {
		t.Fatal(err)
	}
	run := &runs[0]
	ckpts := t.TempDir()
	newEnv := func(cache, ckpt string, log io.Writer) *Env {
		env, err := NewEnv(cache, log)
		if err != nil {
			t.Fatal(err)
		}
		env.CheckpointDir = ckpt
		return env
	}
	first := t.TempDir()
	env := newEnv(first, ckpts, nil)
	if _, err := env.Teacher(context.Background(), &run.Spec, -1); err != nil { // the kill below stops the student
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	env.Hooks = []train.Hook{killAt(1, cancel)}
	if _, err := RunKD(ctx, run, env); !errors.Is(err, context.Canceled) {
		t.Fatalf("killed: %v", err)
	}
	cancel()
	// The teacher of another session: the same key, other parameters.
	k, err := run.Spec.TeacherKey(-1)
	if err != nil {
		t.Fatal(err)
	}
	h, err := k.Hash()
	if err != nil {
		t.Fatal(err)
	}
	rel := filepath.Join("models", k.Model.Kind+"-"+h[:16]+".ckpt")
	b, err := os.ReadFile(filepath.Join(first, rel))
	if err != nil {
		t.Fatal(err)
	}
	m, meta, err := model.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Params() {
		for i := range p.W {
			p.W[i] *= 1 + 1.0/64*float32(i%5-2)
		}
	}
	second := t.TempDir()
	if err := model.Save(filepath.Join(second, rel), m, meta); err != nil {
		t.Fatal(err)
	}
	want, err := RunKD(context.Background(), run, newEnv(second, "", nil))
	if err != nil {
		t.Fatal(err)
	}
	former, err := RunKD(context.Background(), run, newEnv(first, "", nil))
	if err != nil {
		t.Fatal(err)
	}
	if f, w := former.Untimed(), want.Untimed(); reflect.DeepEqual(pinFingerprint(t, &f), pinFingerprint(t, &w)) {
		t.Fatal("the replaced teacher gives the numbers of the former: the test shows nothing")
	}
	var log strings.Builder
	got, err := RunKD(context.Background(), run, newEnv(second, ckpts, &log))
	if err != nil {
		t.Fatal(err)
	}
	if got.Resumed != nil || !strings.Contains(log.String(), "discarded: not this run's") {
		t.Fatalf("resumed %v with another teacher; log:\n%s", got.Resumed, log.String())
	}
	if g, w := got.Untimed(), want.Untimed(); !reflect.DeepEqual(pinFingerprint(t, &g), pinFingerprint(t, &w)) {
		t.Error("the run that discarded its former teacher's checkpoint has other numbers than an uninterrupted run")
	}
}

// TestCheckpointOfOtherTrajectoriesDiscarded is
// TestCheckpointOfAnotherTeacherDiscarded for a run with several teachers:
// after the kill, one teacher's trajectory is replaced, under the same
// key, by one with other stage lists (a trajectory trained again in
// another session); the HetComp run discards its checkpoint and trains to
// the numbers of an uninterrupted run on the new trajectories.
func TestCheckpointOfOtherTrajectoriesDiscarded(t *testing.T) {
	var c *resumeCase
	for _, rc := range resumeKDCases() {
		if rc.name == "ensemble/HetComp" {
			c = &rc
		}
	}
	if c == nil {
		t.Fatal("no ensemble/HetComp resume case")
	}
	runs, err := c.spec.Expand()
	if err != nil || len(runs) != 1 {
		t.Fatalf("%d runs, %v", len(runs), err)
	}
	run := &runs[0]
	ckpts := t.TempDir()
	newEnv := func(cache, ckpt string, log io.Writer) *Env {
		env, err := NewEnv(cache, log)
		if err != nil {
			t.Fatal(err)
		}
		env.CheckpointDir = ckpt
		return env
	}
	first := t.TempDir()
	env := newEnv(first, ckpts, nil)
	ctx, cancel := context.WithCancel(context.Background())
	env.Hooks = []train.Hook{killAt(1, cancel)}
	if _, err := RunEnsembleKD(ctx, run, env); !errors.Is(err, context.Canceled) {
		t.Fatalf("killed: %v", err)
	}
	cancel()
	// The trajectories of another session: the same keys, the first
	// teacher's stage lists reordered.
	arts, _ := filepath.Glob(filepath.Join(first, "trajectories", "*.traj"))
	if len(arts) != 2 {
		t.Fatalf("trajectory artefacts %v", arts)
	}
	second := t.TempDir()
	for k, path := range arts {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if k == 0 {
			b = reorderTrajectoryLists(t, b)
		}
		dst := filepath.Join(second, "trajectories", filepath.Base(path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := RunEnsembleKD(context.Background(), run, newEnv(second, "", nil))
	if err != nil {
		t.Fatal(err)
	}
	former, err := RunEnsembleKD(context.Background(), run, newEnv(first, "", nil))
	if err != nil {
		t.Fatal(err)
	}
	if f, w := former.Untimed(), want.Untimed(); reflect.DeepEqual(pinFingerprint(t, &f), pinFingerprint(t, &w)) {
		t.Fatal("the replaced trajectories gives the numbers of the former: the test shows nothing")
	}
	var log strings.Builder
	got, err := RunEnsembleKD(context.Background(), run, newEnv(second, ckpts, &log))
	if err != nil {
		t.Fatal(err)
	}
	if got.Resumed != nil || !strings.Contains(log.String(), "discarded: not this run's") {
		t.Fatalf("resumed %v with other trajectories; log:\n%s", got.Resumed, log.String())
	}
	if g, w := got.Untimed(), want.Untimed(); !reflect.DeepEqual(pinFingerprint(t, &g), pinFingerprint(t, &w)) {
		t.Error("the run that discarded its checkpoint has other numbers than an uninterrupted run")
	}
}

// reorderTrajectoryLists returns the trajectory artefact b with every row
// of every stage list reversed, its checksums recomputed: a valid artefact
// of the same key with other lists.
func reorderTrajectoryLists(t *testing.T, b []byte) []byte {
	t.Helper()
	ns := int(binary.LittleEndian.Uint32(b[8:]))
	off := 12 + 8*ns
	var secs [][]byte
	for k := range ns {
		n := int(binary.LittleEndian.Uint64(b[12+8*k:]))
		secs = append(secs, slices.Clone(b[off:off+n]))
		off += n
	}
	l := secs[2]
	h := func(k int) int { return int(binary.LittleEndian.Uint32(l[8+4*k:])) }
	stages, rows, n := h(0), h(1), h(2)
	p := 8 + 20
	for range stages {
		lens := l[p : p+4*rows]
		idx := l[p+4*rows : p+4*rows+4*rows*n]
		for r := range rows {
			// Each list reversed: the teacher's ranking turned upside down,
			// which no kernel's rounding can leave without effect.
			m := int(binary.LittleEndian.Uint32(lens[4*r:]))
			row := idx[4*r*n:]
			for a, z := 0, m-1; a < z; a, z = a+1, z-1 {
				var tmp [4]byte
				copy(tmp[:], row[4*a:4*a+4])
				copy(row[4*a:4*a+4], row[4*z:4*z+4])
				copy(row[4*z:4*z+4], tmp[:])
			}
		}
		p += 4*rows + 4*rows*n
	}
	sum := sha256.Sum256(l[:len(l)-32])
	copy(l[len(l)-32:], sum[:])
	return encodeTrajectoryArtifact(secs)
}

// TestUnreadableCheckpointKept: a checkpoint that cannot be opened or read
// (an I/O error, not a missing file or a short one: here a symbolic link
// that loops, and a directory) fails
// the run with an error naming it, and is left in place — a read that
// fails once (a network volume's hiccup) must not delete many hours of
// training, as removing the checkpoint of a failed run would.
func TestUnreadableCheckpointKept(t *testing.T) {
	env, err := NewEnv(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	env.CheckpointDir = t.TempDir()
	s := pinSpec()
	s.KD = []KDTerm{{Method: "rrd", Options: Options{"n": 60, "k": 10, "l": 10, "pool": 40}}}
	runs, err := s.Expand()
	if err != nil {
		t.Fatal(err)
	}
	run := &runs[0]
	path := filepath.Join(env.CheckpointDir, "run-"+run.ID+".ckpt")
	for _, c := range []struct {
		name string
		make func() error
	}{
		// Opening fails.
		{"a looping link", func() error { return os.Symlink(filepath.Base(path), path) }},
		// Opening succeeds, reading fails (EISDIR).
		{"a directory", func() error { return os.Mkdir(path, 0o755) }},
	} {
		if err := c.make(); err != nil {
			t.Fatal(err)
		}
		if _, err := RunKD(context.Background(), run, env); err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("%s: %v", c.name, err)
		}
		if _, err := os.Lstat(path); err != nil {
			t.Fatalf("%s: removed: %v", c.name, err)
		}
		os.Remove(path)
	}
}

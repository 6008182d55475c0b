package exp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// Env is what runners share within a process: the artefact cache, where
// the data live, a log, and in-memory memos of loaded splits, models,
// teacher lists and the last ensemble of teachers — each Env its own, so
// two Envs of one process share nothing but what their caches share on
// disk.
// It is safe for concurrent use.
type Env struct {
	// Cache stores teachers and other artefacts; nil keeps nothing on disk.
	Cache *Cache
	// DataDir overrides DatasetSpec.Dir and KDREC_DATASETS (a cluster
	// mounts the data elsewhere than a laptop).
	DataDir string
	// Log receives progress and notes; nil is quiet.
	Log io.Writer
	// KeepModels also saves the students of runs without distillation in
	// the cache (they may serve as teachers of later sweeps); teachers are
	// always saved.
	KeepModels bool
	// Bars draws training progress as in-place bars (a terminal) rather
	// than one line per update (logs, files).
	Bars bool
	// Hooks are attached to the training of every model the Env trains
	// (train.Config.Hooks, after the runner's own and before the progress
	// bar it draws on Log): a front-end's own progress bar, a notebook's
	// live plot, a test's probe. Teachers trained on the way get them too;
	// HetComp's teacher trajectories (BuildTrajectories) do not.
	Hooks []train.Hook
	// Fresh trains every model the Env is asked for anew, neither reusing
	// one it trained before for the same key nor keeping one (no memory,
	// no cache), while still using the models and splits provided to it
	// (ProvideModel, ProvideSplit). An interactive session sets it: there a
	// repeated command means "train again", and the session holds its
	// models itself.
	Fresh bool
	// ListsProgress, if set, is told when the Env needs a teacher's lists
	// for a ranking method that it does not hold in memory: it is called
	// with the list length, whether the item-side lists are built too and
	// the number of users, and returns a function called as users are
	// ranked (never when the lists are read from the cache) and one called
	// once at the end with the error (nil on success). A front-end draws
	// its progress bar with it.
	ListsProgress func(n int, itemSide bool, users int) (step func(done int), end func(err error))
	// CheckpointDir, if set, keeps mid-run training checkpoints in this
	// directory (train.Checkpointer): every model the Env trains through
	// the runners — a run's student, a teacher, a plain run's model — saves
	// its state at the end of epochs, CheckpointEvery apart, into a file
	// named after what it trains (run-<run ID>.ckpt for a distillation
	// run, whose RunSpec hash covers its terms; model-<kind>-<ModelKey
	// hash>.ckpt for a model trained without distillation), and a run
	// started again with the same spec resumes from it, giving the numbers
	// of an uninterrupted run (see checkpoint.go). A checkpoint is removed
	// once its result is stored: by RunSweep after the run's record is in
	// the store (and the ledger), by Model once a teacher is in the cache.
	// The teachers of HetComp's trajectories, which RunEnsembleKD and
	// PrepareTeachers build, keep theirs here too
	// (TrajectoryOptions.CheckpointDir: traj-<name>-<TrajectoryKey
	// hash>.ckpt, with the models of their evaluations beside it), removed
	// once the trajectory is in the cache. Empty keeps none.
	CheckpointDir string
	// CheckpointEvery is the least wall time between two checkpoints of a
	// run (train.Checkpointer.Every); 0 saves after every epoch. The last
	// epoch is always saved.
	CheckpointEvery time.Duration

	mu         sync.Mutex
	splits     []memoSplit
	models     []*TrainedModel
	lists      []listsMemo              // teacher lists (envLists), newest last
	provSplits map[string]*data.Split   // ProvideSplit, by splitKey
	provModels map[string]*TrainedModel // ProvideModel, by ModelKey hash

	// ensMu guards ensemble, the last ensemble built (runEnsemble): the
	// rows of a HetComp table share it. It is held while the ensemble is
	// built, so concurrent runs of one ensemble build it once.
	ensMu    sync.Mutex
	ensemble *ensembleSet
}

type memoSplit struct {
	key   string
	split *data.Split
}

// NewEnv returns an Env whose cache is rooted at cacheDir ("" for no disk
// cache), logging to log.
func NewEnv(cacheDir string, log io.Writer) (*Env, error) {
	e := &Env{Log: log}
	if cacheDir != "" {
		c, err := NewCache(cacheDir)
		if err != nil {
			return nil, err
		}
		c.Log = log
		e.Cache = c
	}
	return e, nil
}

func (e *Env) logf(format string, a ...any) {
	if e != nil && e.Log != nil {
		fmt.Fprintf(e.Log, format+"\n", a...)
	}
}

// Runner executes one run and returns its result. Runners are registered
// per student model kind and set of distillation methods (RegisterRunner);
// they get the teacher(s) from env.Teacher, the split from env.Split, and
// build the result with NewRunResult.
type Runner func(ctx context.Context, run *Run, env *Env) (*RunResult, error)

// Trainer trains a model of one kind without distillation, for a ModelKey:
// teachers, and the students of plain runs. It returns the trained model
// (restored to its best validation state when the budget has patience)
// and its RunResult (NewRunResult).
type Trainer func(ctx context.Context, split *data.Split, key ModelKey, env *Env) (model.Checkpointable, *RunResult, error)

// AnyMethods, as the only element of the methods of RegisterRunner,
// registers a runner for every combination of distillation methods of a
// student kind (a generic driver that composes terms and reports unknown
// methods itself). Exact registrations take precedence.
const AnyMethods = "*"

var (
	sweepRegMu    sync.RWMutex
	sweepRunners  = map[string]map[string]Runner{} // kind → method-set key → runner
	sweepTrainers = map[string]Trainer{}
)

// ErrNotAvailable is wrapped by the errors about models and distillation
// methods that no runner or trainer handles (yet).
var ErrNotAvailable = errors.New("not available yet")

// RegisterRunner registers r for students of kind modelKind trained with
// exactly the distillation methods listed (in any order; nil for none, or
// AnyMethods). Typical use, in an init function of a KD driver:
//
//	exp.RegisterRunner("bpr", []string{"de", "rrd"}, runDERRD)
//
// It panics if the combination is registered twice.
func RegisterRunner(modelKind string, methods []string, r Runner) {
	sweepRegMu.Lock()
	defer sweepRegMu.Unlock()
	key := methodSetKey(methods)
	m := sweepRunners[modelKind]
	if m == nil {
		m = map[string]Runner{}
		sweepRunners[modelKind] = m
	}
	if _, dup := m[key]; dup {
		panic(fmt.Sprintf("exp: runner for %s registered twice", runnerName(modelKind, key)))
	}
	m[key] = r
}

// RegisterTrainer registers the Trainer of a model kind. A kind with a
// trainer can be a teacher, and its plain runs (no distillation) need no
// runner. It panics if kind is registered twice.
func RegisterTrainer(kind string, t Trainer) {
	sweepRegMu.Lock()
	defer sweepRegMu.Unlock()
	if _, dup := sweepTrainers[kind]; dup {
		panic("exp: trainer registered twice: " + kind)
	}
	sweepTrainers[kind] = t
}

// Runners lists what can run, sorted: "bpr" (plain runs of a kind with a
// trainer), "bpr+rrd", "bpr+ir+rrd", "bpr+*".
func Runners() []string {
	sweepRegMu.RLock()
	defer sweepRegMu.RUnlock()
	set := map[string]bool{}
	for kind := range sweepTrainers {
		set[kind] = true
	}
	for kind, m := range sweepRunners {
		for key := range m {
			set[runnerName(kind, key)] = true
		}
	}
	for _, kind := range append(slices.Clone(KDStudentKinds), model.BPRKind) {
		for _, ms := range append(KDMethodSets(), ensembleMethods()...) {
			if _, ok := registryRunner(kind, ms); ok {
				set[runnerName(kind, methodSetKey(ms))] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func runnerName(kind, key string) string {
	if key == "" {
		return kind
	}
	return kind + "+" + key
}

// methodSetKey returns the registry key of a set of methods: sorted and
// joined by "+".
func methodSetKey(methods []string) string {
	s := slices.Clone(methods)
	sort.Strings(s)
	return strings.Join(s, "+")
}

func lookupTrainer(kind string) (Trainer, error) {
	sweepRegMu.RLock()
	t, ok := sweepTrainers[kind]
	sweepRegMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("model %q %w (trainable models: %s)", kind, ErrNotAvailable, strings.Join(trainerKinds(), ", "))
	}
	return t, nil
}

func trainerKinds() []string {
	sweepRegMu.RLock()
	defer sweepRegMu.RUnlock()
	out := make([]string, 0, len(sweepTrainers))
	for k := range sweepTrainers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// LookupRunner returns the runner of a student kind and set of methods:
// the exact registration, else the plain runner when there are no methods
// and the kind has a Trainer, else the kind's AnyMethods runner. Otherwise
// the error (wrapping ErrNotAvailable) names the first method no runner of
// that kind knows — `kd method "de" not available yet for a bpr student
// (registered: bpr, bpr+rrd)` — or the missing combination.
func LookupRunner(modelKind string, methods []string) (Runner, error) {
	key := methodSetKey(methods)
	sweepRegMu.RLock()
	m := sweepRunners[modelKind]
	r, ok := m[key]
	wild, hasWild := m[AnyMethods]
	_, hasTrainer := sweepTrainers[modelKind]
	sweepRegMu.RUnlock()
	switch {
	case ok:
		return r, nil
	case key == "" && hasTrainer:
		return PlainRunner, nil
	case hasWild:
		return wild, nil
	}
	if r, ok := registryRunner(modelKind, methods); ok {
		return r, nil
	}
	if k, err := model.LookupKind(modelKind); err == nil && !k.Student && singleTeacherMethods(methods) {
		return nil, fmt.Errorf("kd %s: a %s student cannot be distilled: it has no trainable representations and pair scores (model.Kind.Student); distillation students: %s",
			strings.Join(methods, ","), k.Name, strings.Join(KDStudentKinds, ", "))
	}
	reg := strings.Join(Runners(), ", ")
	if len(m) == 0 && !hasTrainer && !slices.Contains(KDStudentKinds, modelKind) {
		return nil, fmt.Errorf("student model %q %w (registered: %s)", modelKind, ErrNotAvailable, reg)
	}
	known := map[string]bool{}
	if slices.Contains(KDStudentKinds, modelKind) {
		for _, d := range distill.Methods() {
			known[d.Name] = true
		}
	}
	for k := range m {
		for _, x := range strings.Split(k, "+") {
			known[x] = true
		}
	}
	for _, x := range methods {
		if !known[x] {
			return nil, fmt.Errorf("kd method %q %w for a %s student (registered: %s)", x, ErrNotAvailable, modelKind, reg)
		}
	}
	return nil, fmt.Errorf("kd combination %s %w for a %s student (registered: %s)", key, ErrNotAvailable, modelKind, reg)
}

// RunCheck is an extra availability check of runs (RegisterCheck): it
// returns nil, or why the run cannot run — an error wrapping
// ErrNotAvailable for what is not implemented yet, any other error for an
// invalid run (a misspelt option).
type RunCheck func(r *RunSpec) error

var sweepChecks []RunCheck

// RegisterCheck adds a check that Run.Check applies, in registration order,
// before it looks up runners and trainers: KD drivers use it to refuse
// runs they cannot serve (bad options, several teachers) before anything
// trains.
func RegisterCheck(c RunCheck) {
	sweepRegMu.Lock()
	defer sweepRegMu.Unlock()
	sweepChecks = append(sweepChecks, c)
}

// Check reports why the run cannot run with what is registered: a failed
// RegisterCheck check, no runner for its student and methods, or no
// trainer for a teacher's kind.
func (r *Run) Check() error {
	sweepRegMu.RLock()
	checks := slices.Clone(sweepChecks)
	sweepRegMu.RUnlock()
	for _, c := range checks {
		if err := c(&r.Spec); err != nil {
			return err
		}
	}
	if _, err := LookupRunner(r.Spec.Student.Kind, r.Spec.Methods()); err != nil {
		return err
	}
	check := func(t *TeacherSpec) error {
		if t.Provided != "" {
			return nil // used as given, never trained
		}
		if _, err := lookupTrainer(t.Kind); err != nil {
			return fmt.Errorf("teacher: %w", err)
		}
		return nil
	}
	if r.Spec.Teacher != nil {
		if err := check(r.Spec.Teacher); err != nil {
			return err
		}
	}
	for k := range r.Spec.Teachers {
		if err := check(&r.Spec.Teachers[k]); err != nil {
			return err
		}
	}
	return nil
}

// PlainRunner runs a student without distillation: the model of the run's
// StudentKey, trained by its kind's Trainer or loaded from the cache (so a
// "Teacher" row and the teacher of the KD rows are trained once), with the
// measurements its spec asks for (RunSpec.Measure) taken on that model.
func PlainRunner(ctx context.Context, run *Run, env *Env) (*RunResult, error) {
	if len(run.Spec.KD) > 0 {
		return nil, fmt.Errorf("plain runner: run has distillation terms %v", run.Spec.Methods())
	}
	tm, err := env.Model(ctx, run.Spec.StudentKey(), env != nil && env.KeepModels)
	if err != nil {
		return nil, err
	}
	if tm.Result == nil {
		return nil, fmt.Errorf("plain runner: the model of %s has no result", run.Name())
	}
	res := *tm.Result
	res.Cached = tm.Cached
	if m, ok := tm.Model.(model.Recommender); ok {
		res.Model = m
	}
	if run.Spec.Measure != nil {
		sc, err := tm.Scorer()
		if err != nil {
			return nil, err
		}
		s, err := env.Split(run.Spec.Dataset, run.Spec.Split, run.Spec.Protocol)
		if err != nil {
			return nil, err
		}
		if err := measureRun(ctx, &run.Spec, &res, sc, s, nil); err != nil {
			return nil, err
		}
	}
	return &res, nil
}

// RunResult is what a run produces: its metrics, curves, timings and the
// per-user test values that paired significance tests need. Model and
// History are the trained model and the trainer's own history, for the
// process that ran it (a front-end keeps them); they are not serialised,
// so a record read from a store or a ledger has neither.
type RunResult struct {
	// Protocol is the evaluation protocol.
	Protocol Protocol `json:"protocol"`
	// Epochs is the number of epochs trained.
	Epochs int `json:"epochs"`
	// StoppedEarly says whether early stopping ended training.
	StoppedEarly bool `json:"stopped_early,omitempty"`
	// Best holds the reference report: for every test metric X@N, its
	// value at the evaluation with the best validation HR@N (LOO) or
	// Recall@N (full ranking), so cut-offs may come from different epochs
	// (train.Result.BestTest).
	Best map[string]float64 `json:"best"`
	// BestEpoch gives, per validation metric, the epoch of its best value.
	BestEpoch map[string]int `json:"best_epoch,omitempty"`
	// BestValid gives, per validation metric, its best value.
	BestValid map[string]float64 `json:"best_valid,omitempty"`
	// Final holds the test means of the returned model (best state of the
	// first stop metric with patience, else the last epoch).
	Final map[string]float64 `json:"final"`
	// PerUser holds the evaluation of Final per user.
	PerUser *PerUser `json:"per_user,omitempty"`
	// Ranks holds, for splits with one held-out item per user, the test
	// rank of each user's item under the returned model, among the sampled
	// candidates and among all unobserved items (eval.HeldOutRanks): any
	// HR/NDCG/MRR@k and any paired test can be recomputed from them.
	Ranks *PackedRanks `json:"ranks,omitempty"`
	// CurvePacked and PerUserFromRanks hold Curve and PerUser compactly in
	// a ledger record (Ledger.Add; Ledger.Get restores the two fields).
	CurvePacked      *PackedCurve `json:"curve_packed,omitempty"`
	PerUserFromRanks []string     `json:"per_user_from_ranks,omitempty"`
	// Curve has one point per epoch (losses, and metrics where evaluated).
	Curve []CurvePoint `json:"curve,omitempty"`
	// Params is the number of parameters of the trained model (0 if unknown).
	Params int `json:"params,omitempty"`
	// TrainSeconds is the training time without evaluation.
	TrainSeconds float64 `json:"train_seconds"`
	// SetupSeconds is the time a distillation run spent before its
	// student's first epoch: loading or training the teacher(s), the
	// split, the teacher's ranking lists and the terms (0 for runs without
	// distillation). The record's wall time less SetupSeconds and
	// TrainSeconds is the evaluation's.
	SetupSeconds float64 `json:"setup_seconds,omitempty"`
	// TrainCPUSeconds, SetupCPUSeconds and EvalCPUSeconds are the CPU
	// time of the process (user + system over all its threads, the Go
	// runtime's included: getrusage RUSAGE_SELF, not a thread's clock,
	// since goroutines move between threads) during training (train.Fit
	// less its evaluations), during the setup of SetupSeconds, and during
	// the evaluations (those of training and the final test evaluation
	// with the ranks). At GOMAXPROCS 1, as in the queues, the process's Go
	// code runs on one thread at a time, so on a loaded machine the CPU
	// time is what the run itself used where its wall time also counts
	// the other jobs. Zero when unknown: on systems without getrusage,
	// for a run resumed from a checkpoint (its earlier processes' CPU is
	// not known), and SetupCPUSeconds for runs without distillation. When
	// runs execute concurrently in one process they count each other's.
	TrainCPUSeconds float64 `json:"train_cpu_seconds,omitempty"`
	SetupCPUSeconds float64 `json:"setup_cpu_seconds,omitempty"`
	EvalCPUSeconds  float64 `json:"eval_cpu_seconds,omitempty"`
	// Data is the size of the training set the run trained on (after a
	// reduced budget's SplitSpec.Users): what the growth fit
	// (GrowthTable) relates the costs to. Nil in records made before it
	// was recorded.
	Data *DataSize `json:"data,omitempty"`
	// Teachers lists the hashes of the teacher models the run used.
	Teachers []string `json:"teachers,omitempty"`
	// Cached reports that the model was loaded from the cache.
	Cached bool `json:"cached,omitempty"`
	// Extra holds method-specific outcomes (JSON values).
	Extra map[string]any `json:"extra,omitempty"`
	// Resumed lists the epochs after which training resumed from a
	// checkpoint (Env.CheckpointDir; train.Result.Resumed), one per
	// process that took the run over; nil for a run trained by one
	// process. The numbers of a resumed run equal an uninterrupted run's;
	// its TrainSeconds and curve Seconds sum every process's epochs, while
	// the record's Started, Finished, Machine and SetupSeconds are those of
	// the last process.
	Resumed []int `json:"resumed,omitempty"`

	// Model is the trained model the result describes (nil when the
	// result was read from a store, a ledger or a cached checkpoint's
	// metadata without its model).
	Model model.Recommender `json:"-"`
	// History is the trainer's result (train.Fit's: the full history,
	// with the non-finite values Curve drops), nil when the run was not
	// trained in this process.
	History *train.Result `json:"-"`

	// checkpoint is the training checkpoint of the run, removed once the
	// result is stored (Env.CheckpointDir); "" without one.
	checkpoint string
}

// DataSize is the size of a training set.
type DataSize struct {
	// Users and Items are the index spaces; Interactions the training
	// pairs.
	Users        int `json:"users"`
	Items        int `json:"items"`
	Interactions int `json:"interactions"`
}

// MeanEpochSeconds returns the mean training time of the run's epochs
// (evaluation excluded; 0 when no epoch ran), as train.Result's.
func (r *RunResult) MeanEpochSeconds() float64 {
	n, sum := 0, 0.0
	for _, p := range r.Curve {
		if p.Epoch > 0 {
			n++
			sum += p.Seconds
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// CurvePoint is one epoch of a run's history.
type CurvePoint struct {
	// Epoch is the number of completed epochs (0: before training).
	Epoch int `json:"epoch"`
	// Loss is the summed training loss of the epoch.
	Loss float64 `json:"loss,omitempty"`
	// TermLoss splits Loss by term.
	TermLoss map[string]float64 `json:"term_loss,omitempty"`
	// Valid holds the validation metrics when the epoch was evaluated.
	Valid map[string]float64 `json:"valid,omitempty"`
	// Test holds the test metrics when the epoch was evaluated.
	Test map[string]float64 `json:"test,omitempty"`
	// Seconds is the epoch's training time.
	Seconds float64 `json:"seconds,omitempty"`
}

// NewRunResult builds a RunResult from a training history, the per-user
// test evaluation of the returned model and the model (for its parameter
// count; may be nil). Non-finite values are dropped (JSON cannot hold them).
func NewRunResult(p Protocol, res *train.Result, test *eval.Result, m any) (*RunResult, error) {
	watch := eval.HR
	if p == Full {
		watch = eval.Recall
	}
	r := &RunResult{Protocol: p, Epochs: res.Epochs, StoppedEarly: res.StoppedEarly,
		Best: finite(res.BestTest(watch)), BestEpoch: map[string]int{}, BestValid: map[string]float64{}, Resumed: slices.Clone(res.Resumed)}
	for name, b := range res.Best {
		if !math.IsNaN(b.Valid) && !math.IsInf(b.Valid, 0) {
			r.BestEpoch[name], r.BestValid[name] = b.Epoch, b.Valid
		}
	}
	for _, pt := range res.History {
		r.Curve = append(r.Curve, CurvePoint{Epoch: pt.Epoch, Loss: finiteOr0(pt.Loss), TermLoss: finite(pt.TermLoss),
			Valid: finite(pt.Valid), Test: finite(pt.Test), Seconds: pt.Seconds})
	}
	r.TrainSeconds = res.TrainSeconds()
	if test != nil {
		r.Final = finite(test.Means())
		pu, err := PackPerUser(test)
		if err != nil {
			return nil, err
		}
		r.PerUser = pu
	}
	if n, ok := eval.NumParams(m); ok && m != nil {
		r.Params = n
	}
	return r, nil
}

func finite(m map[string]float64) map[string]float64 {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]float64, len(m))
	for k, v := range m {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out[k] = v
		}
	}
	return out
}

func finiteOr0(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

// SweepOptions configures RunSweep.
type SweepOptions struct {
	// Out is the output directory: results/ (one JSON-lines file per
	// shard, plus event logs) and sweeps/ (manifests).
	Out string
	// Shard selects the slice of the sweep this process runs (zero value:
	// everything).
	Shard Shard
	// Env holds the cache and data location; nil means NewEnv("", Log).
	Env *Env
	// Log receives progress; nil is quiet.
	Log io.Writer
	// KeepGoing runs what can run and reports the rest, instead of
	// refusing the sweep when some runs need unavailable methods or models,
	// and continues after a failed run.
	KeepGoing bool
	// OnRun, if set, is called as runs are skipped, start, finish or fail.
	OnRun func(RunEvent)
	// Ledger, if set, receives every finished run's record too, and runs
	// it already holds are skipped (a sweep resumes from the committed
	// ledger on a fresh machine).
	Ledger *Ledger
	// Only, if set, restricts the runs executed to these run ids (a reader
	// that draws some rows of a sweep trains just those); the sweep is
	// still checked whole and its manifest lists every run.
	Only []string
	// Deadline, if set, is when this process should be done — the end of
	// a session whose machine may not outlive it. A run is started only
	// if it is expected to end before Deadline (now plus its Estimate); a
	// run expected to end later is deferred — not run, left for a later
	// invocation, counted in SweepReport.Deferred — and the sweep goes on
	// with its next runs, so that the time left goes to runs that can
	// finish in it rather than to one that would be killed half-way. A
	// run without an estimate, or with a training checkpoint of its own
	// in Env.CheckpointDir (it resumes rather than starts: a distillation
	// run's run-<ID>.ckpt, a run without distillation its model's
	// model-<kind>-<hash>.ckpt; a teacher's checkpoint does not count), is
	// started as without a deadline. Which runs execute is all it changes: a
	// run's numbers do not depend on it.
	Deadline time.Time
	// Estimate gives a run's expected wall time for Deadline
	// (LedgerEstimates builds it from the ledger's records); nil, or false
	// for a run, is no estimate.
	Estimate func(r *Run) (time.Duration, bool)
}

// RunEvent reports progress of a sweep.
type RunEvent struct {
	// Run is the run concerned.
	Run *Run
	// Phase is "skip", "start", "done", "fail" or "defer" (not started:
	// expected to end after SweepOptions.Deadline).
	Phase string
	// Err is the failure of a "fail" event.
	Err error
	// Seconds is the wall time of a "done" run.
	Seconds float64
}

// SweepReport summarises what RunSweep did.
type SweepReport struct {
	// Sweep is the sweep key.
	Sweep string
	// Runs is the number of runs of the sweep.
	Runs int
	// Owned is the number of runs in this shard.
	Owned int
	// Skipped counts owned runs already stored.
	Skipped int
	// Ran counts the runs executed now.
	Ran int
	// Unavailable lists owned runs that cannot run (with KeepGoing).
	Unavailable []RunFailure
	// Failed lists the runs that failed.
	Failed []RunFailure
	// Problems lists the damaged lines found in the store.
	Problems []Problem
	// Deferred lists the runs not started because their estimate ended
	// after SweepOptions.Deadline.
	Deferred []*Run
}

// RunFailure is a run that could not be executed, and why.
type RunFailure struct {
	// Run is the run.
	Run *Run
	// Err says why it did not run.
	Err error
}

// String summarises the report in one line.
func (r *SweepReport) String() string {
	s := fmt.Sprintf("sweep %s: %d runs, %d in this shard: %d already stored, %d ran", r.Sweep, r.Runs, r.Owned, r.Skipped, r.Ran)
	if n := len(r.Unavailable); n > 0 {
		s += fmt.Sprintf(", %d unavailable", n)
	}
	if n := len(r.Failed); n > 0 {
		s += fmt.Sprintf(", %d failed", n)
	}
	if n := len(r.Deferred); n > 0 {
		s += fmt.Sprintf(", %d deferred (expected to end after the deadline)", n)
	}
	if n := len(r.Problems); n > 0 {
		s += fmt.Sprintf(", %d damaged store lines", n)
	}
	return s
}

// Manifest is the expansion of a sweep, written to <out>/sweeps/<key>.json
// by every shard (identical contents, written atomically), so that merge
// and table know every run, its order and its coordinates.
type Manifest struct {
	// Sweep is the sweep key.
	Sweep string `json:"sweep"`
	// Spec is the spec with its budget applied.
	Spec *Spec `json:"spec"`
	// Runs is the expansion of Spec.
	Runs []Run `json:"runs"`
}

// ManifestPath returns where the manifest of sweep key lives under out.
func ManifestPath(out, key string) string {
	return filepath.Join(out, "sweeps", key+".json")
}

// LoadManifests reads every manifest under out, keyed by sweep key.
func LoadManifests(out string) (map[string]*Manifest, error) {
	files, err := filepath.Glob(filepath.Join(out, "sweeps", "*.json"))
	if err != nil {
		return nil, err
	}
	ms := map[string]*Manifest{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var m Manifest
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		ms[m.Sweep] = &m
	}
	return ms, nil
}

// RunSweep executes the runs of spec that belong to o.Shard and are not
// yet in the store under o.Out, in expansion order, appending one result
// line per finished run. Interrupted (ctx cancelled, process killed), it
// resumes where it stopped when called again: stored runs are skipped,
// a partial last line of this shard's file is reported and dropped, and
// the interrupted run is executed again.
//
// Before writing or running anything it validates the whole sweep
// (Spec.Check: every run of every shard, the report, the options of the
// distillation terms, the data sets on disk) and refuses an invalid one
// with an error naming the run and the field. It then checks that every
// owned run has a runner and its teachers a trainer; unless o.KeepGoing, a
// missing one refuses the whole sweep with an error naming the methods not
// available yet.
func RunSweep(ctx context.Context, spec *Spec, o SweepOptions) (*SweepReport, error) {
	if o.Out == "" {
		return nil, errors.New("sweep: no output directory")
	}
	if err := o.Shard.Validate(); err != nil {
		return nil, err
	}
	runs, err := spec.Expand()
	if err != nil {
		return nil, err
	}
	env := o.Env
	if env == nil {
		if env, err = NewEnv("", o.Log); err != nil {
			return nil, err
		}
	}
	// The whole sweep, every shard's runs included, before anything is
	// written or trained.
	if err := checkSweep(spec, runs, env); err != nil {
		return nil, err
	}
	logf := func(format string, a ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", a...)
		}
	}
	event := func(ev RunEvent) {
		if o.OnRun != nil {
			o.OnRun(ev)
		}
	}
	rep := &SweepReport{Sweep: spec.SweepKey(), Runs: len(runs)}
	owned := o.Shard.Select(runs)
	if o.Only != nil {
		owned = slices.DeleteFunc(owned, func(r Run) bool { return !slices.Contains(o.Only, r.ID) })
	}
	rep.Owned = len(owned)

	st, err := OpenStore(o.Out, o.Shard, o.Log)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	rep.Problems = st.Problems()

	var todo []*Run
	var unavailable []string
	for k := range owned {
		r := &owned[k]
		if st.Has(r.ID) || (o.Ledger != nil && o.Ledger.Has(r.ID)) {
			if o.Ledger != nil && !o.Ledger.Has(r.ID) {
				// Stored but not recorded (a sweep run before without the
				// ledger, or a failed Add): record it now.
				if rec := st.Get(r.ID); rec != nil {
					if _, err := o.Ledger.Add(rec); err != nil {
						return rep, err
					}
				}
			}
			env.dropRunCheckpoint(r)
			rep.Skipped++
			event(RunEvent{Run: r, Phase: "skip"})
			continue
		}
		if err := r.Check(); err != nil {
			rep.Unavailable = append(rep.Unavailable, RunFailure{r, err})
			if msg := err.Error(); !slices.Contains(unavailable, msg) {
				unavailable = append(unavailable, msg)
			}
			continue
		}
		todo = append(todo, r)
	}
	if len(rep.Unavailable) > 0 && !o.KeepGoing {
		return rep, fmt.Errorf("sweep %s: %d of %d runs to do cannot run: %s", rep.Sweep, len(rep.Unavailable),
			len(rep.Unavailable)+len(todo), strings.Join(unavailable, "; "))
	}
	for _, f := range rep.Unavailable {
		logf("skip %s (%s): %v", f.Run.ID, f.Run.Name(), f.Err)
	}
	man := &Manifest{Sweep: rep.Sweep, Spec: spec, Runs: runs}
	mb, err := json.MarshalIndent(man, "", " ")
	if err != nil {
		return rep, err
	}
	if err := model.WriteFileAtomic(ManifestPath(o.Out, rep.Sweep), mb); err != nil {
		return rep, fmt.Errorf("sweep: manifest: %w", err)
	}
	if o.Ledger != nil {
		if err := o.Ledger.AddManifest(man); err != nil {
			return rep, err
		}
	}
	logf("sweep %s: %d runs, shard %s owns %d, %d stored, %d to run", rep.Sweep, len(runs), o.Shard, len(owned), rep.Skipped, len(todo))
	noted := map[string]bool{}
	for n, r := range todo {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if !o.Deadline.IsZero() && o.Estimate != nil && !env.hasRunCheckpoint(r) {
			if est, ok := o.Estimate(r); ok {
				if left := time.Until(o.Deadline); est > left {
					rep.Deferred = append(rep.Deferred, r)
					logf("[%d/%d] defer %s #%d %s: expected %s, %s left before the deadline", n+1, len(todo), r.ID, r.Index, r.Name(),
						est.Round(time.Minute), max(left, 0).Round(time.Minute))
					event(RunEvent{Run: r, Phase: "defer"})
					continue
				}
			}
		}
		logf("[%d/%d] run %s #%d %s", n+1, len(todo), r.ID, r.Index, r.Name())
		for _, note := range r.Spec.BudgetNotes() {
			if !noted[note] {
				noted[note] = true
				logf("note: %s", note)
			}
		}
		if err := st.LogEvent("start", r, ""); err != nil {
			return rep, err
		}
		event(RunEvent{Run: r, Phase: "start"})
		started := time.Now()
		rec, err := Execute(ctx, r, env)
		if err != nil {
			if ctx.Err() != nil {
				st.LogEvent("interrupted", r, err.Error())
				return rep, fmt.Errorf("run %s (%s): %w", r.ID, r.Name(), err)
			}
			st.LogEvent("fail", r, err.Error())
			event(RunEvent{Run: r, Phase: "fail", Err: err})
			rep.Failed = append(rep.Failed, RunFailure{r, err})
			logf("run %s (%s) failed: %v", r.ID, r.Name(), err)
			if !o.KeepGoing {
				return rep, fmt.Errorf("run %s (%s): %w", r.ID, r.Name(), err)
			}
			continue
		}
		rec.Sweep, rec.Shard = rep.Sweep, o.Shard.String()
		res := &rec.Result
		if err := st.Append(rec); err != nil {
			return rep, err
		}
		if o.Ledger != nil {
			if _, err := o.Ledger.Add(rec); err != nil {
				return rep, err
			}
		}
		env.dropCheckpoint(res) // the run is stored: its training checkpoint has served
		st.LogEvent("done", r, "")
		rep.Ran++
		secs := time.Since(started).Seconds()
		event(RunEvent{Run: r, Phase: "done", Seconds: secs})
		resumed := ""
		if len(res.Resumed) > 0 {
			resumed = fmt.Sprintf(" (resumed from a checkpoint after epoch %s)", joinInts(res.Resumed))
		}
		logf("run %s done in %.1fs%s: %s", r.ID, secs, resumed, summary(res))
	}
	if len(rep.Failed) > 0 {
		return rep, fmt.Errorf("sweep %s: %d runs failed (first: %s: %v)", rep.Sweep, len(rep.Failed), rep.Failed[0].Run.Name(), rep.Failed[0].Err)
	}
	return rep, nil
}

// summary formats a few headline metrics of a result.
func summary(r *RunResult) string {
	var parts []string
	for _, k := range []string{"HR@5", "NDCG@5", "Recall@50", "NDCG@50"} {
		if v, ok := r.Best[k]; ok {
			parts = append(parts, fmt.Sprintf("%s %.4f", k, v))
		}
	}
	return fmt.Sprintf("%d epochs, %s", r.Epochs, strings.Join(parts, " "))
}

// RunBuiltin runs the built-in spec name with budget (see BuiltinSpec):
// the call behind `kdsweep run name` and the REPL's and notebooks'
// reproduction cells.
func RunBuiltin(ctx context.Context, name, budget string, o SweepOptions) (*SweepReport, error) {
	s, err := BuiltinSpec(name, budget)
	if err != nil {
		return nil, err
	}
	return RunSweep(ctx, s, o)
}

// PrepareTeachers trains (or finds in the cache) the distinct teachers of
// spec's runs, so that the runs of a later sweep find them ready — the
// first phase of a cluster reproduction when the cache is on a store
// without reliable locks. The distinct teachers, in order of first
// appearance, are split over shards by position (i = position mod N). It
// returns the number of teachers this shard handled. The teachers of an
// ensemble (RunSpec.Teachers) are prepared as their trajectories, one
// teacher per job, exactly as RunEnsembleKD builds them.
func PrepareTeachers(ctx context.Context, spec *Spec, shard Shard, env *Env) (int, error) {
	if err := shard.Validate(); err != nil {
		return 0, err
	}
	runs, err := spec.Check(env)
	if err != nil {
		return 0, err
	}
	// A job is one teacher: a ModelKey, or one trajectory of the teachers
	// of an ensemble (RunSpec.Teachers, built as RunEnsembleKD builds them).
	type job struct {
		key   *ModelKey
		split *data.Split
		traj  TrajectoryOptions
	}
	var jobs []job
	seen := map[string]bool{}
	for k := range runs {
		r := &runs[k].Spec
		if len(r.Teachers) > 0 {
			if env == nil || env.Cache == nil {
				return 0, fmt.Errorf("preparing the teachers of an ensemble needs a cache directory")
			}
			s, err := env.Split(r.Dataset, r.Split, r.Protocol)
			if err != nil {
				return 0, err
			}
			o, seeds, err := ensembleTrajectoryOptions(r, s, env.Cache.Dir, env.Log)
			if err != nil {
				return 0, err
			}
			env.trajectoryStore(&o)
			if err := o.defaults(); err != nil {
				return 0, err
			}
			fp := SplitFingerprint(s)
			for k, sp := range o.Teachers {
				one := o
				one.Teachers, one.Seed = []HetCompTeacherSpec{sp}, seeds[k]
				h, err := one.key(fp, sp).Hash()
				if err != nil {
					return 0, err
				}
				if !seen["trajectory "+h] {
					seen["trajectory "+h] = true
					jobs = append(jobs, job{split: s, traj: one})
				}
			}
			continue
		}
		if r.Teacher == nil {
			continue
		}
		key, err := r.TeacherKey(-1)
		if err != nil {
			return 0, err
		}
		h, err := key.Hash()
		if err != nil {
			return 0, err
		}
		if !seen[h] {
			seen[h] = true
			jobs = append(jobs, job{key: &key})
		}
	}
	n := 0
	for pos, j := range jobs {
		if pos%shard.count() != shard.Index {
			continue
		}
		if j.key == nil {
			tts, err := BuildTrajectories(ctx, j.split, j.traj)
			if err != nil {
				return n, err
			}
			n++
			env.logf("teacher %d/%d: trajectory %s → %s (cached %v)", pos+1, len(jobs), j.traj.Teachers[0].Name, tts[0].Path, tts[0].Cached)
			continue
		}
		key := *j.key
		if _, err := lookupTrainer(key.Model.Kind); err != nil {
			return n, fmt.Errorf("teacher %d (%s d=%d seed=%d): %w", pos, key.Model.Kind, key.Model.Dim, key.Seed, err)
		}
		tm, err := env.Model(ctx, key, true)
		if err != nil {
			return n, err
		}
		n++
		env.logf("teacher %d/%d: %s d=%d seed=%d → %s (cached %v)", pos+1, len(jobs), key.Model.Kind, key.Model.Dim, key.Seed, tm.Path, tm.Cached)
	}
	return n, nil
}

// Untimed returns a copy of r without its timings (TrainSeconds,
// SetupSeconds, each curve point's Seconds and the CPU times) and the epochs where it
// resumed from a checkpoint (Resumed), the only values of a run that
// differ from one execution of it to the next: two executions of one
// RunSpec, interrupted and resumed or not, give equal Untimed results.
func (r *RunResult) Untimed() RunResult {
	c := *r
	c.TrainSeconds, c.SetupSeconds, c.Resumed, c.checkpoint = 0, 0, nil, ""
	c.TrainCPUSeconds, c.SetupCPUSeconds, c.EvalCPUSeconds = 0, 0, 0
	c.Curve = slices.Clone(c.Curve)
	for k := range c.Curve {
		c.Curve[k].Seconds = 0
	}
	return c
}

package exp

// Runners and trainers of the sweep machinery for the model zoo and the
// distillation methods of the catalogue (kdmethods.go): the built-in specs
// of the dissertation's tables run through them. Runs with several
// teachers (HetComp's table: the ensemble, the baselines distilling it,
// HetComp itself, MTD) go to RunEnsembleKD (runners_ensemble.go).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/report"
	"github.com/kdrec/kdrec/kdlib/train"
)

// KDStudentKinds are the student model kinds the KD runners train: the
// kinds of kdlib/model's registry that declare Student (trainable
// representations for latent methods, pair scores for ranking methods).
// The autoencoders (cdae, iae) train only without distillation.
var KDStudentKinds = studentKinds()

// studentKinds returns the registered kinds that can be distillation
// students.
func studentKinds() []string {
	var out []string
	for _, name := range model.Kinds() {
		if k, err := model.LookupKind(name); err == nil && k.Student {
			out = append(out, name)
		}
	}
	return out
}

// registryRunner returns the runner exp provides for a student kind and a
// set of methods of distill's registry, read when asked, so that a method
// registered from any package (after exp's init too) runs in sweeps:
// RunKD for the KDStudentKinds with any valid combination of the
// registry's single-teacher methods (distill.CheckCombination: the
// KDMethodSets, and others such as kdrepl's kd=hint,rrd), RunEnsembleKD for
// a BPR student with an ensemble method.
func registryRunner(kind string, methods []string) (Runner, bool) {
	if len(methods) == 0 {
		return nil, false
	}
	if slices.Contains(KDStudentKinds, kind) && singleTeacherMethods(methods) {
		return RunKD, true
	}
	if kind == model.BPRKind && len(methods) == 1 {
		if m, err := distill.Lookup(methods[0]); err == nil && m.Kind == distill.EnsembleKD {
			return RunEnsembleKD, true
		}
	}
	return nil, false
}

// singleTeacherMethods reports whether methods are registered methods of
// one teacher (not ensemble methods) that can be combined in one run.
func singleTeacherMethods(methods []string) bool {
	for _, name := range methods {
		m, err := distill.Lookup(name)
		if err != nil || m.Kind == distill.EnsembleKD {
			return false
		}
	}
	return distill.CheckCombination(methods) == nil
}

// ensembleMethods lists the registry's ensemble methods, one set each.
func ensembleMethods() [][]string {
	var out [][]string
	for _, m := range distill.Methods() {
		if m.Kind == distill.EnsembleKD {
			out = append(out, []string{m.Name})
		}
	}
	return out
}

// KDMethodSets returns the method sets that Runners lists for the KD
// runners: every method of the catalogue alone (except parts such as ir,
// and the ensemble methods, which RunEnsembleKD serves) and every part with
// the method it goes with (rrd + ir, IR-RRD as the specs write it). RunKD
// serves any other valid combination of single-teacher methods too (kd=de,rrd
// is DE-RRD; see registryRunner).
func KDMethodSets() [][]string {
	var out [][]string
	for _, m := range distill.Methods() {
		if m.With == "" && m.Kind != distill.EnsembleKD {
			out = append(out, []string{m.Name})
		}
	}
	for _, m := range distill.Methods() {
		if m.With != "" { // a part, as the specs write it with its method
			out = append(out, []string{m.With, m.Name})
		}
	}
	return out
}

func init() {
	for _, name := range model.Kinds() {
		k, err := model.LookupKind(name)
		if err != nil || k.NoTraining {
			continue
		}
		for _, n := range append([]string{k.Name}, k.Aliases...) {
			RegisterTrainer(n, TrainModel)
		}
	}
	RegisterCheck(checkKDRun)
	RegisterCheck(checkMeasure)
}

// checkKDRun refuses, before anything trains, the runs the KD runners
// cannot serve: latent methods with several teachers, HetComp, MTD or the
// ensemble without them, and invalid options or combinations of the
// catalogue's methods or of the zoo's models.
func checkKDRun(r *RunSpec) error {
	methods := r.Methods()
	if err := checkModelParams("student", r.Student); err != nil {
		return err
	}
	if r.Teacher != nil && r.Teacher.Provided == "" {
		if err := checkModelParams("teacher", r.Teacher.ModelSpec); err != nil {
			return err
		}
	}
	if len(methods) > 0 && !slices.ContainsFunc(methods, func(m string) bool { _, err := distill.Lookup(m); return err != nil }) {
		if err := distill.CheckCombination(methods); err != nil {
			return err
		}
	}
	if err := checkEnsembleRun(r); err != nil {
		return err
	}
	if _, ok := registryRunner(r.Student.Kind, methods); !ok {
		return nil
	}
	if r.Teacher == nil && len(r.Teachers) == 0 {
		return fmt.Errorf("kd %s needs a teacher (or, for ranking methods, the teachers of an ensemble)", strings.Join(methods, "+"))
	}
	for k, t := range r.KD {
		if err := CheckKDTerm(t); err != nil {
			return fmt.Errorf("kd[%d]: %w", k, err)
		}
	}
	return nil
}

// checkModelParams checks the dim and params of a model of kdlib/model's
// registry (other kinds are left to their own trainers) as modelOptions
// reads them.
func checkModelParams(role string, m ModelSpec) error {
	k, err := model.LookupKind(m.Kind)
	if err != nil {
		return nil
	}
	if _, err := modelOptions(k, m); err != nil {
		return fmt.Errorf("%s %s: %w", role, m.Kind, err)
	}
	return nil
}

// modelOptions returns the options of a model of kind k described by m:
// m.Dim sets the kind's size option (the code size of the autoencoders),
// m.Params its other options by name (a param may set the size under its
// own name, as hidden does; dim itself is the spec's field). Names, types
// and ranges are checked against the kind's options.
func modelOptions(k model.Kind, m ModelSpec) (model.Values, error) {
	var allowed []string
	for _, name := range k.OptionNames() {
		if name != "dim" {
			allowed = append(allowed, name)
		}
	}
	if err := m.Params.Check(allowed...); err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}
	o := model.Values{}
	if size := k.SizeOption(); size != "" {
		o[size] = float64(m.Dim)
	}
	for _, name := range slices.Sorted(maps.Keys(m.Params)) {
		v, err := m.Params.Float(name, 0)
		if err != nil {
			return nil, fmt.Errorf("params: %w", err)
		}
		o[name] = v
	}
	for _, opt := range k.Options {
		if v, ok := o[opt.Name]; ok {
			if err := opt.Check(v); err != nil {
				return nil, err
			}
		}
	}
	return o, nil
}

// BuildModel constructs the untrained model of m on split s (its index
// spaces and training data) with the seed, through model.Build, with the
// options modelOptions reads from m (m.Dim as the kind's size option,
// m.Params by name, checked against the kind's ranges): the student every
// runner trains, before training.
func BuildModel(m ModelSpec, s *data.Split, seed uint64) (*model.Built, error) {
	k, err := model.LookupKind(m.Kind)
	if err != nil {
		return nil, err
	}
	o, err := modelOptions(k, m)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.Kind, err)
	}
	return model.Build(model.BuildConfig{Kind: m.Kind, Users: s.NumUsers(), Items: s.NumItems(), Options: o, Seed: seed}, s.Train)
}

// fitHooks adjusts fitModel for the methods that need it: HetComp trains
// without the student's base loss and advances its stages after the
// evaluations.
type fitHooks struct {
	// noBase drops b.Loss from the terms.
	noBase bool
	// hooks are added to train.Config.Hooks.
	hooks []train.Hook
	// started, when set, is when the run began: the time until training
	// starts is its RunResult.SetupSeconds; startedCPU is the process's
	// CPU time then (processCPUSeconds; negative when unknown).
	started    time.Time
	startedCPU float64
	// target is what is trained, for its checkpoint (Env.CheckpointDir);
	// nil keeps none.
	target *ckptTarget
	// states are the parts of the run besides the model and the terms
	// whose state a checkpoint carries (the probes' measurements).
	states []train.NamedState
}

// fitModel trains b (its base loss plus extra terms) on split s with the
// optimiser settings of m, the budget, seed and protocol of the key, and
// returns its RunResult (evaluation of the returned model included, unless
// the budget never evaluates), with the model and the trainer's history.
// hooks may be nil. A run that stops after training began (interrupted, or
// failed mid-way) returns an *Unfinished error holding what it had.
func fitModel(ctx context.Context, label string, b *model.Built, extra []train.Term, s *data.Split, m ModelSpec, key ModelKey, env *Env, hooks *fitHooks) (*RunResult, error) {
	cfg := train.Defaults()
	cfg.Seed, cfg.Examples, cfg.LR, cfg.BatchSize, cfg.LazyAdam = key.Seed, b.Examples, m.LR, m.BatchSize, m.LazyAdam
	if m.WeightDecay != nil {
		cfg.WeightDecay = *m.WeightDecay
	}
	bu := key.Budget
	cfg.Epochs, cfg.EvalEvery, cfg.Patience, cfg.EvalAtStart = bu.Epochs, bu.EvalEvery, bu.Patience, bu.EvalAtStart
	cfg.StopMetrics = StopMetrics(key.Protocol)
	cfg.RestoreBest = bu.restores()
	if !bu.NoEval {
		cfg.Eval = EvalFunc(b.Model, s, key.Protocol)
	}
	terms := append([]train.Term{b.Loss}, extra...)
	if hooks != nil {
		cfg.Hooks = append(cfg.Hooks, hooks.hooks...)
		if hooks.noBase {
			terms = terms[1:]
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if env != nil {
		cfg.Hooks = append(cfg.Hooks, env.Hooks...)
	}
	cfg.Hooks = append(cfg.Hooks, report.ProgressHook(env.logWriter(), label, env == nil || !env.Bars))
	if hooks != nil {
		cfg.Checkpoint = env.checkpointer(hooks.target, hooks.states, s)
	}
	setup, setupCPU := 0.0, 0.0
	fitCPU, cpuOK := processCPUSeconds()
	if hooks != nil && !hooks.started.IsZero() {
		setup = time.Since(hooks.started).Seconds()
		if cpuOK && hooks.startedCPU >= 0 {
			setupCPU = fitCPU - hooks.startedCPU
		}
	}
	evalCPU := 0.0 // CPU time of the evaluations inside train.Fit
	if ev := cfg.Eval; ev != nil && cpuOK {
		cfg.Eval = func(ctx context.Context, epoch int) (map[string]float64, map[string]float64, error) {
			c0, _ := processCPUSeconds()
			defer func() {
				c1, _ := processCPUSeconds()
				evalCPU += c1 - c0
			}()
			return ev(ctx, epoch)
		}
	}
	res, err := train.Fit(ctx, b.Model, s.Train, terms, cfg)
	trainCPU := 0.0
	if cpuOK {
		c, _ := processCPUSeconds()
		trainCPU, fitCPU = c-fitCPU-evalCPU, c
	}
	// unfinished returns what the run has when it stops after training
	// began: its history so far and the model as train.Fit left it.
	unfinished := func(err error) error {
		if cfg.Checkpoint != nil && ctx.Err() == nil && !errors.Is(err, errCheckpointRead) {
			// Failed, not interrupted: the run starts over when asked
			// again, rather than resuming into the same failure (or, once
			// the cause is fixed, from a state the fix would not reach).
			// A checkpoint that could not be read is kept.
			env.removeCheckpoint(cfg.Checkpoint.Name)
		}
		if res == nil {
			return err
		}
		rr, perr := NewRunResult(key.Protocol, res, nil, b.Model)
		if perr != nil {
			return err
		}
		rr.Model, rr.History = b.Model, res
		return &Unfinished{Result: rr, Err: err}
	}
	if err != nil {
		return nil, unfinished(err)
	}
	var test *eval.Result
	if !bu.NoEval {
		if test, err = Evaluate(ctx, b.Model, s, key.Protocol, "test"); err != nil {
			return nil, unfinished(err)
		}
	}
	rr, err := NewRunResult(key.Protocol, res, test, b.Model)
	if err != nil {
		return nil, err
	}
	if !bu.NoEval {
		if err := attachRanks(ctx, rr, b.Model, s); err != nil {
			return nil, unfinished(err)
		}
	}
	rr.Model, rr.History = b.Model, res
	rr.SetupSeconds = math.Round(setup*1000) / 1000
	if c, ok := processCPUSeconds(); ok && cpuOK && len(res.Resumed) == 0 {
		ms := func(x float64) float64 { return math.Round(max(x, 0)*1000) / 1000 }
		rr.TrainCPUSeconds, rr.SetupCPUSeconds, rr.EvalCPUSeconds = ms(trainCPU), ms(setupCPU), ms(evalCPU+c-fitCPU)
	}
	rr.Data = &DataSize{Users: s.Train.NumUsers, Items: s.Train.NumItems, Interactions: s.Train.NNZ()}
	if cfg.Checkpoint != nil {
		rr.checkpoint = cfg.Checkpoint.Name
	}
	return rr, nil
}

// Unfinished is the error of a run that stopped after its model began
// training: interrupted (its context cancelled) or failed mid-way (a
// non-finite loss, a failed evaluation). Result holds what the run had:
// the epochs completed and their curve (History), and the model with the
// parameters train.Fit left it (the best evaluated state when the budget
// restores it, else the last completed epoch); nothing of it was
// evaluated afterwards. Execute returns such runs as errors, so they are
// never recorded in a store or a ledger; a front-end may keep the partial
// model (kdrepl does).
type Unfinished struct {
	// Result is what the run had when it stopped.
	Result *RunResult
	// Err is why it stopped (the context's error when interrupted).
	Err error
}

// Error says after how many epochs the run stopped and why.
func (u *Unfinished) Error() string {
	if u.Result == nil {
		return fmt.Sprintf("stopped: %v", u.Err)
	}
	return fmt.Sprintf("stopped after %d epochs: %v", u.Result.Epochs, u.Err)
}

// Unwrap returns the cause, so errors.Is(err, context.Canceled) holds for
// an interrupted run.
func (u *Unfinished) Unwrap() error { return u.Err }

// Interrupted reports whether the run was stopped by its context.
func (u *Unfinished) Interrupted() bool {
	return errors.Is(u.Err, context.Canceled) || errors.Is(u.Err, context.DeadlineExceeded)
}

// logWriter returns the Env's log (nil for a nil Env).
func (e *Env) logWriter() io.Writer {
	if e == nil {
		return nil
	}
	return e.Log
}

// TrainModel is the Trainer of the kinds of kdlib/model's registry that
// have something to train (and of their aliases): the model built by
// model.Build from key.Model, trained on its base loss with the key's
// optimiser settings (Adam lr, coupled weight decay, batch), seed, budget
// and protocol, early stopping and restoring the best validation state when
// the budget has patience. Autoencoders train on batches of users.
func TrainModel(ctx context.Context, s *data.Split, key ModelKey, env *Env) (model.Checkpointable, *RunResult, error) {
	b, err := BuildModel(key.Model, s, key.Seed)
	if err != nil {
		return nil, nil, err
	}
	label := fmt.Sprintf("%s d=%d seed=%d", key.Model.Kind, key.Model.Dim, key.Seed)
	target, err := modelTarget(key)
	if err != nil {
		return nil, nil, err
	}
	res, err := fitModel(ctx, label, b, nil, s, key.Model, key, env, &fitHooks{target: target})
	if err != nil {
		return nil, nil, err
	}
	return b.Model, res, nil
}

// RunKD is the Runner of distillation runs with one teacher: the teacher
// (trained once per ModelKey and shared through env's cache), the student
// of run.Spec.Student built by model.Build, and the run's terms built by
// KDTerms — latent terms from the two models, ranking terms from the teacher's
// lists (built by distill.BuildLists once per teacher and list length,
// kept in the Env's artefact cache and in the Env's memory) — trained with the
// student's base loss on the run's budget. The result records the
// teacher's hash and, in Extra, the number of parameters of the
// distillation terms (discarded after training), the selection hardening of
// DE and HTD (ExtraExpertsPerRow) and the topology a latent student keeps
// of its teacher (ExtraTopology). Runs with a list of teachers go to
// RunEnsembleKD.
func RunKD(ctx context.Context, run *Run, env *Env) (*RunResult, error) {
	started, startedCPU := time.Now(), cpuNow()
	spec := &run.Spec
	if len(spec.Teachers) > 0 {
		return RunEnsembleKD(ctx, run, env)
	}
	if spec.Teacher == nil {
		return nil, fmt.Errorf("kd %s needs a teacher", strings.Join(spec.Methods(), "+"))
	}
	tm, err := env.Teacher(ctx, spec, -1)
	if err != nil {
		return nil, err
	}
	teacher, err := tm.Scorer()
	if err != nil {
		return nil, err
	}
	s, err := env.Split(spec.Dataset, spec.Split, spec.Protocol)
	if err != nil {
		return nil, err
	}
	b, err := BuildModel(spec.Student, s, spec.Seed)
	if err != nil {
		return nil, err
	}
	listsSource := ""
	terms, err := KDTerms(spec.KD, distill.Env{Teacher: teacher, Student: b.Model, Seed: spec.Seed,
		Lists: func(n int, itemSide bool) (*distill.TeacherLists, error) {
			l, err := envLists(ctx, env, tm, teacher, s.Train, n, itemSide)
			if l != nil {
				listsSource = l.Source
			}
			return l, err
		}})
	if err != nil {
		return nil, err
	}
	aux := 0
	for _, t := range terms {
		for _, p := range t.Params() {
			aux += p.Size()
		}
	}
	probes, err := newRunProbes(spec, terms, teacher, b.Model, s)
	if err != nil {
		return nil, err
	}
	var embed func() (*EmbeddingReport, error)
	if m := spec.Measure; m != nil && m.Embedding != nil {
		// Checked before training: a run asked for DE's map must have it.
		a, method, err := selector(terms)
		if err != nil {
			return nil, err
		}
		te, okT := teacher.(model.Embedder)
		se, okS := b.Model.(model.Embedder)
		if !okT || !okS {
			return nil, fmt.Errorf("measure.embedding: the teacher and the student need representations")
		}
		if err := checkEmbeddingSample(s, *m.Embedding); err != nil {
			return nil, err
		}
		embed = func() (*EmbeddingReport, error) { return measureEmbedding(ctx, te, se, a, method, s, *m.Embedding) }
	}
	target := runTarget(run)
	if env.checkpointing() {
		fp, err := ModelFingerprint(teacher)
		if err != nil {
			return nil, fmt.Errorf("checkpoint: teacher: %w", err)
		}
		target = target.withContent("teacher", fp)
	}
	label := fmt.Sprintf("%s %s d=%d seed=%d", run.Label, spec.Student.Kind, spec.Student.Dim, spec.Seed)
	res, err := fitModel(ctx, strings.TrimSpace(label), b, terms, s, spec.Student, spec.StudentKey(), env,
		&fitHooks{hooks: probes.hooks(), started: started, startedCPU: startedCPU, target: target, states: probes.states()})
	if err != nil {
		return nil, err
	}
	res.Teachers = []string{tm.Hash}
	res.Extra = map[string]any{"kd": spec.Methods(), "kd_params": aux}
	if listsSource != "" {
		res.Extra["lists"] = listsSource
	}
	probes.record(res.Extra)
	if err := measureRun(ctx, spec, res, b.Model, s, embed); err != nil {
		return nil, err
	}
	return res, nil
}

// listsMemo is a teacher's lists held in memory by an Env: the runs of a
// table share one teacher, so its lists are built (or read) once.
type listsMemo struct {
	hash     string
	n        int
	itemSide bool
	lists    *distill.TeacherLists
}

// listsMemoCap bounds the lists an Env keeps in memory (CiteULike's n =
// 500 lists of both sides take about 60 MB).
const listsMemoCap = 2

// listsGet returns the lists of teacher hash over x of length n (with the
// item side when itemSide) that e holds in memory, or nil.
func (e *Env) listsGet(hash string, n int, itemSide bool, x *data.Interactions) *distill.TeacherLists {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, m := range e.lists {
		if m.hash == hash && m.n == n && (m.itemSide || !itemSide) && m.lists.Train == x {
			return m.lists
		}
	}
	return nil
}

// listsPut keeps lists in e's memory, dropping the oldest beyond
// listsMemoCap.
func (e *Env) listsPut(m listsMemo) {
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.lists = append(e.lists, m)
	if len(e.lists) > listsMemoCap {
		e.lists = slices.Clone(e.lists[len(e.lists)-listsMemoCap:])
	}
}

// cacheStore is a distill.ListStore over the artefacts of a Cache whose
// names begin with prefix.
type cacheStore struct {
	c      *Cache
	prefix string
}

// Get is Cache.Get of the artefact prefix+name.
func (s cacheStore) Get(ctx context.Context, name string, decode func([]byte) error, build func(context.Context) ([]byte, error)) (bool, error) {
	return s.c.Get(ctx, s.prefix+name, decode, build)
}

// envLists returns the ranking lists of teacher tm (scored by sc) over
// train: from env's memory, from env's cache (artefacts
// lists/teacher/lists-<digest>-{users,items}-N<n>.bin, the digest covering
// the teacher's hash and the training data) or built.
func envLists(ctx context.Context, env *Env, tm *TrainedModel, sc model.Scorer, x *data.Interactions, n int, itemSide bool) (*distill.TeacherLists, error) {
	if l := env.listsGet(tm.Hash, n, itemSide, x); l != nil {
		return l, nil
	}
	o := distill.ListOptions{N: n, ItemSide: itemSide}
	var end func(error)
	if env != nil {
		if env.Cache != nil {
			o.Store, o.Key = cacheStore{env.Cache, "lists/teacher/"}, tm.Hash
		}
		if env.ListsProgress != nil {
			var step func(int)
			step, end = env.ListsProgress(n, itemSide, x.NumUsers)
			o.Progress = func(done, _ int) { step(done) }
		}
	}
	start := time.Now()
	l, err := distill.BuildLists(ctx, sc, x, o)
	if end != nil {
		end(err)
	}
	if err != nil {
		return nil, err
	}
	env.logf("lists: teacher %s n=%d item-side=%v %s in %.1fs", tm.Hash[:min(16, len(tm.Hash))], n, itemSide, l.Source, time.Since(start).Seconds())
	env.listsPut(listsMemo{hash: tm.Hash, n: n, itemSide: itemSide, lists: l})
	return l, nil
}

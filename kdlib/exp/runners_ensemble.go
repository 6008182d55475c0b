package exp

// The sweep runner of the runs with several teachers: HetComp's table and
// curves (methods.md §4.3–4.4) as specs. A run lists its teachers in
// RunSpec.Teachers; their trajectories (BuildTrajectories), the ensemble and
// its lists are built once per process and kept in the Env's cache, so the
// rows of a table share the teachers' training.

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// EnsembleKind is the student kind of the rows that evaluate the teachers'
// ensemble (no parameters) or one of its members (Params "member": the
// teacher's role, "MF", "ML", "DL", "GNN", "AE" or "I-AE", with "-2", "-3"
// appended to repeated roles, in the order of RunSpec.Teachers).
const EnsembleKind = "ensemble"

// ensembleTemperatures are the candidate importance temperatures of the
// ensemble of a run without RunSpec.Ensemble; the one with the best
// validation Recall@50 is used.
var ensembleTemperatures = []float64{2, 5, 10, 20}

// ensembleSettings returns the candidate temperatures (ascending) and the
// stored list length of r's ensemble (RunSpec.Ensemble, or the defaults of
// the first HetComp specs).
func ensembleSettings(r *RunSpec) ([]float64, int) {
	temps, n := ensembleTemperatures, 200
	if e := r.Ensemble; e != nil {
		if len(e.Temperatures) > 0 {
			temps = e.Temperatures
		}
		if e.N > 0 {
			n = e.N
		}
	}
	temps = slices.Clone(temps)
	slices.Sort(temps)
	return temps, n
}

func init() {
	RegisterRunner(EnsembleKind, nil, RunEnsembleKD)
}

// teacherRoles returns the role name of each of r's teachers ("MF", "DL",
// "DL-2", …), or an error naming a teacher that is not a HetComp family or
// has parameters the trajectory builder does not take.
func teacherRoles(r *RunSpec) ([]string, error) {
	used := map[string]int{}
	var names []string
	for k, t := range r.Teachers {
		mk, err := model.LookupKind(t.Kind)
		role := mk.Family
		if err != nil || role == "" || mk.NoTraining {
			return nil, fmt.Errorf("teachers[%d]: kind %q is not one of HetComp's teacher families (%s)", k, t.Kind, strings.Join(hetcompKinds(), ", "))
		}
		if len(t.Params) > 0 || t.LazyAdam {
			return nil, fmt.Errorf("teachers[%d] (%s): params and lazy_adam are not supported: HetComp's teachers train with their reference architecture", k, t.Kind)
		}
		if t.Dim <= 0 {
			return nil, fmt.Errorf("teachers[%d] (%s): dim must be > 0, got %d", k, t.Kind, t.Dim)
		}
		used[role]++
		if used[role] > 1 {
			role = fmt.Sprintf("%s-%d", role, used[role])
		}
		names = append(names, role)
	}
	return names, nil
}

// checkEnsembleRun refuses the runs with several teachers that
// RunEnsembleKD cannot serve, and HetComp or the ensemble rows without
// teachers.
func checkEnsembleRun(r *RunSpec) error {
	methods := r.Methods()
	// The ensemble method of the run (HetComp), if any: one that distils
	// the teachers' trajectories (distill.EnsembleKD).
	hetcomp := ""
	for _, m := range methods {
		if d, err := distill.Lookup(m); err == nil && d.Kind == distill.EnsembleKD {
			hetcomp = m
		}
	}
	ensemble := r.Student.Kind == EnsembleKind
	if len(r.Teachers) == 0 {
		if hetcomp != "" || ensemble {
			what := "kd " + hetcomp
			if ensemble {
				what = "student kind " + EnsembleKind
			}
			return fmt.Errorf("%s needs the teachers of the ensemble (spec field teachers)", what)
		}
		return nil
	}
	if r.Teacher != nil {
		return fmt.Errorf("a run has either a teacher or a list of teachers, not both")
	}
	if r.Protocol != Full {
		return fmt.Errorf("runs with several teachers (HetComp) are evaluated by full ranking: protocol %q, want %q", r.Protocol, Full)
	}
	roles, err := teacherRoles(r)
	if err != nil {
		return err
	}
	if ensemble {
		if len(r.KD) > 0 {
			return fmt.Errorf("student kind %s evaluates the teachers' ensemble: it takes no kd terms", EnsembleKind)
		}
		member, err := r.Student.Params.String("member", "")
		if err == nil {
			err = r.Student.Params.Check("member")
		}
		if err != nil {
			return fmt.Errorf("student %s params: %w", EnsembleKind, err)
		}
		if member != "" && !slices.Contains(roles, member) {
			return fmt.Errorf("student %s: member %q is not a teacher of the run (teachers: %s)", EnsembleKind, member, strings.Join(roles, ", "))
		}
		return nil
	}
	for _, m := range methods {
		km, err := distill.Lookup(m)
		if err != nil {
			return err
		}
		if km.Kind != distill.Ranking && km.Kind != distill.EnsembleKD {
			return fmt.Errorf("kd %s distils one teacher's representations (%s knowledge): with several teachers only ranking and ensemble methods apply", m, km.Kind)
		}
	}
	if hetcomp != "" && len(methods) > 1 {
		return fmt.Errorf("kd %s trains on its own loss (with-bpr=true adds the student's BPR loss); it does not combine with %s", hetcomp, strings.Join(methods, "+"))
	}
	if hetcomp != "" && r.Student.Kind != model.BPRKind {
		return fmt.Errorf("kd %s trains a %s student, got %q", hetcomp, model.BPRKind, r.Student.Kind)
	}
	return nil
}

// ensembleTrajectoryOptions turns the run's teachers into the trajectory
// builder's specs. Each teacher keeps its own budget (epochs, evaluation
// period, patience; a named budget may replace them all, see
// NamedBudget.Teachers); LR, batch size and weight decay that equal the
// model's reference training settings are written as "reference" (zero or
// nil), so a spec that spells them out shares its trajectories with one
// that leaves them to the model (and with the trajectories cached before
// the specs spelt them out). It also returns each teacher's seed (the
// run's, or the teacher's own: TeacherSpec.Seed, SeedOffset); o.Seed is
// the first teacher's.
func ensembleTrajectoryOptions(r *RunSpec, s *data.Split, cacheDir string, log io.Writer) (o TrajectoryOptions, seeds []uint64, err error) {
	roles, err := teacherRoles(r)
	if err != nil {
		return TrajectoryOptions{}, nil, err
	}
	_, listN := ensembleSettings(r)
	o = TrajectoryOptions{CacheDir: cacheDir, Log: log, Plain: true, N: listN}
	for k, t := range r.Teachers {
		seed := r.Seed + t.SeedOffset
		if t.Seed != nil {
			seed = *t.Seed
		}
		if k == 0 {
			o.Seed = seed
		}
		seeds = append(seeds, seed)
		b := r.Budget
		if t.Budget != nil {
			b = *t.Budget
		}
		sp := HetCompTeacherSpec{Name: roles[k], Kind: model.CanonicalKind(t.Kind), Dim: t.Dim, Epochs: b.Epochs,
			EvalEvery: max(1, min(b.EvalEvery, b.Epochs)), Patience: b.Patience}
		_, _, ref, err := newHetCompTeacher(sp, s, seed)
		if err != nil {
			return o, nil, fmt.Errorf("teachers[%d]: %w", k, err)
		}
		if t.LR > 0 && t.LR != ref.LR {
			sp.LR = t.LR
		}
		if t.BatchSize > 0 && t.BatchSize != ref.BatchSize {
			sp.BatchSize = t.BatchSize
		}
		if t.WeightDecay != nil && *t.WeightDecay != ref.WeightDecay {
			wd := *t.WeightDecay
			sp.WeightDecay = &wd
		}
		o.Teachers = append(o.Teachers, sp)
	}
	return o, seeds, nil
}

// trajectoryStore gives o the Env's cache, which keeps the trajectories,
// and its checkpoint directory and period, where their teachers keep their
// training checkpoints (TrajectoryOptions.CheckpointDir).
func (e *Env) trajectoryStore(o *TrajectoryOptions) {
	o.Cache, o.CheckpointDir, o.CheckpointEvery = e.Cache, e.CheckpointDir, e.CheckpointEvery
}

// buildTrajectories returns the trajectories of o's teachers, teacher k
// trained (or read from the cache) with seed seeds[k]: one
// BuildTrajectories call per seed, in the order of the teachers' first
// appearance, so an ensemble whose teachers share one seed (HetComp's
// heterogeneous sets) is built exactly as before, and a homogeneous set
// trains each of its teachers from its own seed.
func buildTrajectories(ctx context.Context, s *data.Split, o TrajectoryOptions, seeds []uint64) ([]*TeacherTrajectory, error) {
	out := make([]*TeacherTrajectory, len(o.Teachers))
	var order []uint64
	for _, seed := range seeds {
		if !slices.Contains(order, seed) {
			order = append(order, seed)
		}
	}
	for _, seed := range order {
		sub := o
		sub.Seed, sub.Teachers = seed, nil
		var at []int
		for k, sp := range o.Teachers {
			if seeds[k] == seed {
				sub.Teachers = append(sub.Teachers, sp)
				at = append(at, k)
			}
		}
		tts, err := BuildTrajectories(ctx, s, sub)
		if err != nil {
			return nil, err
		}
		if len(tts) != len(at) {
			return nil, fmt.Errorf("hetcomp: %d trajectories built for %d teachers of seed %d", len(tts), len(at), seed)
		}
		for j, k := range at {
			out[k] = tts[j]
		}
	}
	return out, nil
}

// ensembleSet is a built ensemble: the teachers' trajectories, their
// converged models, the ensemble at its chosen temperature and the lists
// of its dense form, built on demand per length.
type ensembleSet struct {
	key    string
	tts    []*TeacherTrajectory
	conv   []model.Scorer
	ens    *distill.Ensemble
	T      float64
	tValid map[string]float64
	// tEdge says that the chosen T is the smallest or largest candidate:
	// the grid may not contain the optimum.
	tEdge bool
	// store keeps the ensemble's lists (the Env's cache).
	store distill.ListStore

	mu    sync.Mutex
	lists map[int]*distill.TeacherLists
}

// runEnsemble returns the ensemble of r's teachers on s, from env's memory
// (the last ensemble it built: the rows of a HetComp table share it) or
// built (BuildTrajectories reads the trajectories from env's cache or
// trains them).
func runEnsemble(ctx context.Context, r *RunSpec, s *data.Split, env *Env) (*ensembleSet, error) {
	if env == nil || env.Cache == nil {
		return nil, fmt.Errorf("runs with several teachers keep the teachers' trajectories on disk: give the sweep a cache directory")
	}
	o, seeds, err := ensembleTrajectoryOptions(r, s, env.Cache.Dir, env.Log)
	if err != nil {
		return nil, err
	}
	env.trajectoryStore(&o)
	temps, _ := ensembleSettings(r)
	k, _ := json.Marshal(struct {
		Split    string
		Teachers []HetCompTeacherSpec
		Seeds    []uint64
		Temps    []float64
		N        int
	}{SplitFingerprint(s), o.Teachers, seeds, temps, o.N})
	key := string(k)
	env.ensMu.Lock()
	defer env.ensMu.Unlock()
	if e := env.ensemble; e != nil && e.key == key {
		return e, nil
	}
	tts, err := buildTrajectories(ctx, s, o, seeds)
	if err != nil {
		return nil, err
	}
	e := &ensembleSet{key: key, tts: tts, store: cacheStore{env.Cache, "lists/ensemble/"}, lists: map[int]*distill.TeacherLists{}}
	var trs []*distill.Trajectory
	for _, tt := range tts {
		trs = append(trs, tt.Traj)
		m, err := tt.Converged()
		if err != nil {
			return nil, err
		}
		e.conv = append(e.conv, m)
	}
	e.ens, e.T, e.tValid, err = chooseEnsemble(ctx, s, trs, temps)
	if err != nil {
		return nil, err
	}
	e.tEdge = len(temps) > 1 && (e.T == temps[0] || e.T == temps[len(temps)-1])
	env.logf("hetcomp: ensemble of %d teachers, T=%v (valid Recall@50 by T: %v; at the grid's edge: %v)", len(tts), e.T, e.tValid, e.tEdge)
	env.ensemble = e
	return e, nil
}

// recordT records the ensemble's temperature choice in a run's Extra: the
// chosen T (ExtraEnsembleT), the validation Recall@50 of every candidate
// (ExtraTValid) and whether T is at the edge of the grid (ExtraTEdge).
func (e *ensembleSet) recordT(extra map[string]any) {
	extra[ExtraEnsembleT], extra[ExtraTValid], extra[ExtraTEdge] = e.T, e.tValid, e.tEdge
}

// teacherKey identifies the trajectories (with T, the key of the
// ensemble's lists in the cache): their artefacts' hashes.
func (e *ensembleSet) teacherKey() string {
	var b strings.Builder
	for _, tt := range e.tts {
		b.WriteString(tt.Hash + ";")
	}
	return b.String()
}

// contentKey identifies the trajectories by content (their artefacts'
// checksums), for a training checkpoint.
func (e *ensembleSet) contentKey() string {
	var b strings.Builder
	for _, tt := range e.tts {
		b.WriteString(tt.Spec.Name + ":" + tt.sum + ";")
	}
	return b.String()
}

// hashes are the trajectories' IDs, the teachers' identity in a RunResult.
func (e *ensembleSet) hashes() []string {
	out := make([]string, len(e.tts))
	for k, tt := range e.tts {
		out[k] = tt.ID
	}
	return out
}

// listsOf returns the ensemble's user and item lists of length n.
func (e *ensembleSet) listsOf(ctx context.Context, s *data.Split, n int) (*distill.TeacherLists, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if l := e.lists[n]; l != nil {
		return l, nil
	}
	l, err := ensembleLists(ctx, s, e.conv, e.T, e.ens.N, n, e.store, e.teacherKey())
	if err != nil {
		return nil, err
	}
	e.lists[n] = l
	return l, nil
}

// RunEnsembleKD is the Runner of the runs with a list of teachers
// (RunSpec.Teachers, HetComp's experiment), evaluated by full ranking:
//
//   - student kind "ensemble": the converged ensemble itself (no member
//     param) or one of its teachers (param member), evaluated on the test
//     part; no training;
//   - kd hetcomp: HetComp on the ensemble's trajectories, a BPR student
//     trained on the KD loss only (with-bpr=true adds the BPR loss), the
//     stage rule run after the evaluations;
//   - kd mtd: MTD on the converged teachers' own lists, added to the BPR
//     loss; its gate's mean teacher weights per epoch are recorded
//     (ExtraMTDWeights);
//   - ranking methods (rrd, dcd, …): the method with the ensemble as its
//     teacher — the lists of the dense ensemble of the converged teachers.
//
// Every trained student records its distance to each converged teacher
// and to the ensemble before training and at every evaluation
// (ExtraDiscrepancy). The teachers' trajectories are BuildTrajectories'
// (cached under the Env's cache, shared by every sweep and notebook), each
// teacher with its own budget; the ensemble's temperature is chosen on
// validation Recall@50 among the run's EnsembleSpec.Temperatures (2, 5, 10
// and 20 without one), and every row records the choice (recordT).
func RunEnsembleKD(ctx context.Context, run *Run, env *Env) (*RunResult, error) {
	started, startedCPU := time.Now(), cpuNow()
	spec := &run.Spec
	if err := checkEnsembleRun(spec); err != nil {
		return nil, err
	}
	s, err := env.Split(spec.Dataset, spec.Split, spec.Protocol)
	if err != nil {
		return nil, err
	}
	e, err := runEnsemble(ctx, spec, s, env)
	if err != nil {
		return nil, err
	}
	if spec.Student.Kind == EnsembleKind {
		return ensembleRow(ctx, spec, s, e)
	}
	b, err := BuildModel(spec.Student, s, spec.Seed)
	if err != nil {
		return nil, err
	}
	live := &distill.LiveEnsemble{Teachers: e.conv, Train: s.Train, T: e.T, N: e.ens.N, Dense: true}
	listsSource := ""
	terms, err := KDTerms(spec.KD, distill.Env{Teacher: live, Student: b.Model, Seed: spec.Seed, Ensemble: e.ens,
		Lists: func(n int, _ bool) (*distill.TeacherLists, error) {
			l, err := e.listsOf(ctx, s, n)
			if l != nil {
				listsSource = l.Source
			}
			return l, err
		}})
	if err != nil {
		return nil, err
	}
	hooks := &fitHooks{started: started, startedCPU: startedCPU, target: runTarget(run).withContent("trajectories", e.contentKey())}
	var (
		hc  *distill.HetCompTerm
		mtd *distill.MTDTerm
	)
	for _, t := range terms {
		switch h := t.(type) {
		case *distill.HetCompTerm:
			hc = h
			hooks.hooks = append(hooks.hooks, h.Hook())
		case *distill.MTDTerm:
			mtd = h
		}
	}
	// The student's distance to every teacher, measured beside the run
	// (after HetComp's DKC step of the same epoch, which it does not touch).
	roles, _ := teacherRoles(spec)
	probe, err := newDiscrepancyProbe(ctx, b.Model, e.ens, roles, spec.Budget)
	if err != nil {
		return nil, err
	}
	hooks.hooks = append(hooks.hooks, probe.hook())
	hooks.states = append(hooks.states, train.NamedState{Name: "discrepancy", State: probe})
	if hc != nil {
		// checkEnsembleRun allows hetcomp only alone, so it is the run's one term.
		v, err := kdCheck(spec.KD[0])
		if err != nil {
			return nil, err
		}
		hooks.noBase = !v.Bool("with-bpr")
	}
	label := fmt.Sprintf("%s %s d=%d seed=%d", run.Label, spec.Student.Kind, spec.Student.Dim, spec.Seed)
	res, err := fitModel(ctx, strings.TrimSpace(label), b, terms, s, spec.Student, spec.StudentKey(), env, hooks)
	if err != nil {
		return nil, err
	}
	res.Teachers = e.hashes()
	res.Extra = map[string]any{"kd": spec.Methods()}
	e.recordT(res.Extra)
	if listsSource != "" {
		res.Extra["lists"] = listsSource
	}
	if hc != nil {
		res.Extra[ExtraDKC] = hc.History()
	}
	if mtd != nil {
		res.Extra[ExtraMTDWeights] = mtd.Weights()
	}
	trace, err := probe.result()
	if err != nil {
		return nil, fmt.Errorf("teacher discrepancy: %w", err)
	}
	res.Extra[ExtraDiscrepancy] = trace
	return res, nil
}

// ensembleRow evaluates the ensemble, or one member, on the test part. A
// member's row records the teacher's trajectory (ExtraTrajectory); the
// ensemble's records what its stages can teach (ExtraStageTargets).
func ensembleRow(ctx context.Context, spec *RunSpec, s *data.Split, e *ensembleSet) (*RunResult, error) {
	member, _ := spec.Student.Params.String("member", "")
	var (
		sc     model.Scorer
		params int
		extra  = map[string]any{}
		epochs int
	)
	if member == "" {
		var err error
		if sc, err = e.ens.Scorer(e.ens.NumStages() - 1); err != nil {
			return nil, err
		}
		for _, tt := range e.tts {
			params += tt.Params
		}
		e.recordT(extra)
	} else {
		roles, _ := teacherRoles(spec)
		k := slices.Index(roles, member)
		tt := e.tts[k]
		sc, params, epochs = e.conv[k], tt.Params, tt.Epochs
		extra["member"], extra["stage_epochs"], extra["ms_per_user"] = member, tt.StageEpochs, tt.MsPerUser
		extra[ExtraTrajectory] = &Trajectory{Epoch: tt.CurveEpochs, Valid: tt.CurveValid, StageEpochs: tt.StageEpochs}
	}
	test, err := Evaluate(ctx, sc, s, Full, "test")
	if err != nil {
		return nil, err
	}
	res := &RunResult{Protocol: Full, Epochs: epochs, Best: finite(test.Means()), Final: finite(test.Means()), Params: params,
		Teachers: e.hashes(), Extra: extra}
	if res.PerUser, err = PackPerUser(test); err != nil {
		return nil, err
	}
	if member == "" {
		// Serving the ensemble runs every teacher and aggregates their lists.
		live := &distill.LiveEnsemble{Teachers: e.conv, Train: s.Train, T: e.T, N: e.ens.N}
		lat, err := eval.Latency(ctx, live, eval.SampleUsers(s.NumUsers(), 50, 0))
		if err != nil {
			return nil, err
		}
		extra["ms_per_user"] = float64(lat) / 1e6
		st, pop, err := HetCompStageTargets(ctx, s, e.ens, stageTargetsK)
		if err != nil {
			return nil, err
		}
		extra[ExtraStageTargets] = &StageTargetsReport{K: stageTargetsK, Stages: st, Popularity: pop}
	}
	return res, nil
}

// stageTargetsK is the number of targets per user of the ensemble row's
// stage targets: HetComp's default K.
const stageTargetsK = 100

// chooseEnsemble builds the ensemble of trajectories trs at each
// temperature and returns the one whose converged stage has the best
// validation Recall@50 (the first on ties), its temperature, and the
// validation Recall@50 of every candidate keyed by fmt.Sprint(T).
func chooseEnsemble(ctx context.Context, s *data.Split, trs []*distill.Trajectory, temps []float64) (*distill.Ensemble, float64, map[string]float64, error) {
	var (
		ens    *distill.Ensemble
		bestT  float64
		best   = -1.0
		tValid = map[string]float64{}
	)
	for _, T := range temps {
		e, err := distill.NewEnsemble(s.Train, trs, T)
		if err != nil {
			return nil, 0, nil, err
		}
		sc, err := e.Scorer(e.NumStages() - 1)
		if err != nil {
			return nil, 0, nil, err
		}
		v, err := eval.FullRanking(ctx, sc, s, eval.Valid, eval.Options{Cutoffs: []int{50}})
		if err != nil {
			return nil, 0, nil, err
		}
		r := v.Mean("Recall@50")
		tValid[fmt.Sprint(T)] = r
		if r > best {
			best, ens, bestT = r, e, T
		}
	}
	if ens == nil {
		return nil, 0, nil, fmt.Errorf("hetcomp: no ensemble temperature to choose from")
	}
	return ens, bestT, tValid, nil
}

// ensembleLists returns the user and item ranking lists of length n of the
// dense LiveEnsemble of the converged teachers conv (temperature T, stage
// lists of length stageN), kept in store (artefacts
// lists/ensemble/lists-<digest>-{users,items}-N<n>.bin) with a key of
// teacherKey and T — the teacher lists of the baselines (RRD, DCD) that
// distil the ensemble.
func ensembleLists(ctx context.Context, s *data.Split, conv []model.Scorer, T float64, stageN, n int, store distill.ListStore, teacherKey string) (*distill.TeacherLists, error) {
	dense := &distill.LiveEnsemble{Teachers: conv, Train: s.Train, T: T, N: stageN, Dense: true}
	lsum := sha256.Sum256([]byte(fmt.Sprintf("%s|T=%v", teacherKey, T)))
	return distill.BuildLists(ctx, dense, s.Train, distill.ListOptions{N: n, ItemSide: true,
		Store: store, Key: fmt.Sprintf("%x", lsum)})
}

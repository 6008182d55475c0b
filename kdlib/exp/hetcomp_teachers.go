package exp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/report"
	"github.com/kdrec/kdrec/kdlib/train"
)

// HetCompTeacherSpec describes one of HetComp's heterogeneous teachers and
// its training budget.
type HetCompTeacherSpec struct {
	// Name is the role in the reference's teacher list: "MF", "ML", "DL",
	// "GNN", "AE" or "I-AE".
	Name string
	// Kind is a registered model kind with a HetComp family
	// (model.Kind.Family): bpr, cml, mlp, neumf, lightgcn, cdae or iae.
	Kind string
	// Dim is the embedding size (the hidden size of the autoencoders).
	Dim int
	// Epochs caps training; EvalEvery is the evaluation period (the
	// resolution of the trajectory stages) and Patience the number of
	// evaluations without improvement of validation Recall@50 that stops it.
	Epochs, EvalEvery, Patience int
	// LR and BatchSize override the model's reference settings when > 0.
	LR        float64
	BatchSize int
	// WeightDecay, when set, overrides the model's reference coupled L2
	// weight (absent from the cache key when nil, so older trajectories
	// keep their digests).
	WeightDecay *float64 `json:",omitempty"`
}

// HetCompTeachers returns the six teachers of the reference's list (MF,
// ML, DL, GNN, AE, I-AE as BPR-MF, CML, NCF-MLP, LightGCN, CDAE and the
// item-based autoencoder), d = 64, with the per-data-set budgets of
// docs/hetcomp.md: the reference hyper-parameters of each model
// (TrainDefaults), except LightGCN's larger learning rate and batches (as
// in docs/models.md), and caps near the epochs where each model peaked in
// the zoo's long runs. dataset selects the budget ("ml-1m" or anything
// else for CiteULike-sized data).
func HetCompTeachers(dataset string) []HetCompTeacherSpec {
	if dataset == "ml-1m" {
		return []HetCompTeacherSpec{
			{Name: "MF", Kind: "bpr", Dim: 64, Epochs: 40, EvalEvery: 5, Patience: 3},
			{Name: "ML", Kind: "cml", Dim: 64, Epochs: 40, EvalEvery: 5, Patience: 3},
			{Name: "DL", Kind: "mlp", Dim: 64, Epochs: 8, EvalEvery: 2, Patience: 3},
			{Name: "GNN", Kind: "lightgcn", Dim: 64, Epochs: 12, EvalEvery: 3, Patience: 3, LR: 0.01, BatchSize: 16384},
			{Name: "AE", Kind: "cdae", Dim: 64, Epochs: 40, EvalEvery: 2, Patience: 3},
			{Name: "I-AE", Kind: "iae", Dim: 64, Epochs: 40, EvalEvery: 2, Patience: 3},
		}
	}
	return []HetCompTeacherSpec{
		{Name: "MF", Kind: "bpr", Dim: 64, Epochs: 200, EvalEvery: 5, Patience: 4},
		{Name: "ML", Kind: "cml", Dim: 64, Epochs: 100, EvalEvery: 5, Patience: 4},
		{Name: "DL", Kind: "mlp", Dim: 64, Epochs: 40, EvalEvery: 4, Patience: 3},
		{Name: "GNN", Kind: "lightgcn", Dim: 64, Epochs: 60, EvalEvery: 4, Patience: 3, LR: 0.005, BatchSize: 4096},
		{Name: "AE", Kind: "cdae", Dim: 64, Epochs: 60, EvalEvery: 2, Patience: 4},
		{Name: "I-AE", Kind: "iae", Dim: 64, Epochs: 40, EvalEvery: 1, Patience: 5},
	}
}

// HetCompProtocolTeachers returns the six teachers of the protocol specs
// (hetcomp-protocol, hetcomp-protocol-ml1m, hetcomp-protocol-lastfm),
// trained to convergence: d = 64, each model's reference training settings
// (TrainDefaults) except LightGCN's larger learning rate and batches (for
// speed, as in HetCompTeachers), up to 1000 epochs, early-stopped on
// validation Recall@50 after 50 epochs without improvement — the window of
// HetComp's students (5 evaluations 10 epochs apart), evaluated every 5
// epochs with patience 10, and every epoch with patience 50 for the
// autoencoders, which peak within a few epochs (finer stages). The DL
// teacher is NeuMF, not the NCF-MLP of HetCompTeachers: the MLP tower
// alone, whose ReLU over [p_u; q_i] models the user–item interaction only
// through per-unit thresholds, stays at popularity level on CiteULike-t
// under every setting tried (learning rate, weight decay, 4 negatives,
// initialisation, depth; docs/hetcomp.md), where NeuMF's GMF branch learns;
// methods.md §3.1 names NeuMF as the concrete DL teacher [R/I]. dataset
// selects LightGCN's batch ("ml-1m": 16384 at lr 0.01; otherwise 4096 at
// lr 0.005).
func HetCompProtocolTeachers(dataset string) []HetCompTeacherSpec {
	gnnLR, gnnBatch := 0.005, 4096
	if dataset == "ml-1m" {
		gnnLR, gnnBatch = 0.01, 16384
	}
	return []HetCompTeacherSpec{
		{Name: "MF", Kind: "bpr", Dim: 64, Epochs: 1000, EvalEvery: 5, Patience: 10},
		{Name: "ML", Kind: "cml", Dim: 64, Epochs: 1000, EvalEvery: 5, Patience: 10},
		{Name: "DL", Kind: "neumf", Dim: 64, Epochs: 1000, EvalEvery: 5, Patience: 10},
		{Name: "GNN", Kind: "lightgcn", Dim: 64, Epochs: 1000, EvalEvery: 5, Patience: 10, LR: gnnLR, BatchSize: gnnBatch},
		{Name: "AE", Kind: "cdae", Dim: 64, Epochs: 1000, EvalEvery: 1, Patience: 50},
		{Name: "I-AE", Kind: "iae", Dim: 64, Epochs: 1000, EvalEvery: 1, Patience: 50},
	}
}

// TrajectoryOptions configures BuildTrajectories.
type TrajectoryOptions struct {
	// Teachers to train (default HetCompTeachers("")).
	Teachers []HetCompTeacherSpec
	// Fractions place the intermediate stages: stage v is the first
	// evaluation where the validation Recall@50 gain over the untrained
	// model reaches Fractions[v] of the gain at the converged (best)
	// evaluation [0.25, 0.5, 0.75]. Valid: increasing, in (0, 1).
	Fractions []float64
	// N is the length of the stored per-user lists [200]; T the ensemble's
	// importance temperature is not part of the trajectories.
	N int
	// Seed drives initialisation and sampling.
	Seed uint64
	// Cache is the artefact cache that holds the trajectories (an Env's
	// Cache: RunEnsembleKD and PrepareTeachers pass theirs). When nil, a
	// Cache rooted at CacheDir is used ("" means CacheDir()), logging to
	// Log.
	Cache    *Cache
	CacheDir string
	// Log receives progress (nil: quiet); Plain selects line output.
	Log   io.Writer
	Plain bool
	// CheckpointDir, if set, keeps the training checkpoint of every
	// teacher trained there (an Env's CheckpointDir: RunEnsembleKD and
	// PrepareTeachers pass theirs), with the models its evaluations save
	// (the stage candidates): a teacher whose training was interrupted —
	// its process killed with the session that ran it — resumes from its
	// last checkpoint when its trajectory is asked for again, and the
	// trajectory is bit for bit the one of an uninterrupted training (but
	// for the timings; see checkpoint.go). Both are removed once the
	// trajectory's artefact is in the cache. Empty keeps none: the
	// evaluations' models live in a scratch directory removed when the
	// build ends, and an interrupted teacher trains again from epoch 0.
	CheckpointDir string
	// CheckpointEvery is the least wall time between two checkpoints of a
	// teacher (train.Checkpointer.Every; an Env's CheckpointEvery); 0 saves
	// after every epoch. The last epoch is always saved.
	CheckpointEvery time.Duration

	// hooks are attached to every teacher's training (tests).
	hooks []train.Hook
}

// TeacherTrajectory is one trained teacher with its trajectory.
type TeacherTrajectory struct {
	// Spec is the teacher's model and training settings.
	Spec HetCompTeacherSpec
	// StageEpochs are the epochs of the stage checkpoints, the converged
	// (best validation Recall@50) one last; StageValid their validation
	// Recall@50.
	StageEpochs []int
	StageValid  []float64
	// CurveEpochs are the evaluated epochs (epoch 0 first) and CurveValid
	// the validation Recall@50 at each of them.
	CurveEpochs []int
	CurveValid  []float64
	// Test holds the converged teacher's full-ranking test metrics.
	Test map[string]float64
	// Params is the number of trainable scalars; MsPerUser the inference
	// latency (eval.Latency over 200 users).
	Params    int
	MsPerUser float64
	// Epochs is the number of epochs trained; TrainCPU and BuildCPU the CPU
	// seconds of training (evaluations included) and of ranking the stage
	// lists, TrainWall the wall seconds of training.
	Epochs                        int
	TrainCPU, BuildCPU, TrainWall float64
	// ID names the teacher in a RunResult (RunResult.Teachers):
	// <Name>-<12 hex digits> of a digest of the spec, Fractions, N, Seed and
	// the stage rule's version — the directory name of the former
	// trajectory cache, kept so that the recorded runs keep their values.
	ID string `json:"-"`
	// Hash is the hash of the trajectory's TrajectoryKey, which names its
	// artefact; Path is the artefact's file in the cache.
	Hash string `json:"-"`
	Path string `json:"-"`
	// Cached says whether the trajectory was loaded rather than trained:
	// read from the cache, or imported from the former layout.
	Cached bool `json:"-"`
	// Traj is what HetComp reads.
	Traj *distill.Trajectory `json:"-"`

	stages []bundleSection // the stage checkpoints within Path
	sum    string          // the artefact's checksum: its content's identity
}

// Converged loads the converged teacher's checkpoint.
func (t *TeacherTrajectory) Converged() (model.Scorer, error) {
	return t.Stage(len(t.StageEpochs) - 1)
}

// Stage loads the checkpoint of stage v from the trajectory's artefact. A
// file changed since the trajectory was loaded (its section no longer
// matches the digest read then) is refused with an error.
func (t *TeacherTrajectory) Stage(v int) (model.Scorer, error) {
	if v < 0 || v >= len(t.stages) {
		return nil, fmt.Errorf("hetcomp: %s: no stage %d (the trajectory has %d)", t.Spec.Name, v, len(t.stages))
	}
	b, err := t.stages[v].read(t.Path)
	if err != nil {
		return nil, fmt.Errorf("hetcomp: %s: stage %d: %w", t.Spec.Name, v, err)
	}
	return decodeStage(t.Spec, v, b)
}

// decodeStage decodes the checkpoint of stage v of a teacher of spec sp.
func decodeStage(sp HetCompTeacherSpec, v int, b []byte) (model.Scorer, error) {
	m, _, err := model.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("hetcomp: %s: stage %d: %w", sp.Name, v, err)
	}
	if want := model.CanonicalKind(sp.Kind); m.Kind() != want {
		return nil, fmt.Errorf("hetcomp: %s: stage %d holds a %s model, not %s (an altered header?)", sp.Name, v, m.Kind(), want)
	}
	sc, ok := m.(model.Scorer)
	if !ok {
		return nil, fmt.Errorf("hetcomp: %s: checkpoint of kind %s is not a scorer", sp.Name, m.Kind())
	}
	return sc, nil
}

type hetcompTeacher interface {
	model.Checkpointable
	model.Scorer
	NumParams() int
}

// newHetCompTeacher builds an untrained teacher with model.Build (the
// kind's default options, sp.Dim as its size), its loss and its reference
// training settings (Built.Train) with the spec's overrides.
func newHetCompTeacher(sp HetCompTeacherSpec, s *data.Split, seed uint64) (hetcompTeacher, train.Term, train.Config, error) {
	var cfg train.Config
	k, err := model.LookupKind(sp.Kind)
	if err != nil {
		return nil, nil, cfg, fmt.Errorf("hetcomp: teacher %q: %w", sp.Name, err)
	}
	if k.Family == "" || k.NoTraining {
		return nil, nil, cfg, fmt.Errorf("hetcomp: teacher %q: kind %q is not one of HetComp's teacher families (%s)",
			sp.Name, sp.Kind, strings.Join(hetcompKinds(), ", "))
	}
	b, err := model.Build(model.BuildConfig{Kind: sp.Kind, Users: s.NumUsers(), Items: s.NumItems(),
		Options: model.Values{k.SizeOption(): float64(sp.Dim)}, Seed: seed}, s.Train)
	if err != nil {
		return nil, nil, cfg, err
	}
	m, ok := b.Model.(hetcompTeacher)
	if !ok {
		return nil, nil, cfg, fmt.Errorf("hetcomp: teacher %q: a %s model does not count its parameters", sp.Name, k.Name)
	}
	cfg = b.Train
	if sp.LR > 0 {
		cfg.LR = sp.LR
	}
	if sp.BatchSize > 0 {
		cfg.BatchSize = sp.BatchSize
	}
	if sp.WeightDecay != nil {
		cfg.WeightDecay = *sp.WeightDecay
	}
	return m, b.Loss, cfg, nil
}

// hetcompKinds returns the registered kinds (and aliases) that belong to a
// family of HetComp's teachers (model.Kind.Family).
func hetcompKinds() []string {
	var out []string
	for _, name := range model.Kinds() {
		if k, err := model.LookupKind(name); err == nil && k.Family != "" && !k.NoTraining {
			out = append(out, append([]string{k.Name}, k.Aliases...)...)
		}
	}
	return out
}

func (o *TrajectoryOptions) defaults() error {
	if o.Teachers == nil {
		o.Teachers = HetCompTeachers("")
	}
	if o.Fractions == nil {
		o.Fractions = []float64{0.25, 0.5, 0.75}
	}
	if o.N == 0 {
		o.N = 200
	}
	if o.Cache == nil && o.CacheDir == "" {
		o.CacheDir = CacheDir()
	}
	if o.N < 1 {
		return fmt.Errorf("hetcomp: trajectories: N must be >= 1, got %d", o.N)
	}
	for k, f := range o.Fractions {
		if !(f > 0 && f < 1) || (k > 0 && f <= o.Fractions[k-1]) {
			return fmt.Errorf("hetcomp: trajectories: Fractions must be increasing in (0, 1), got %v", o.Fractions)
		}
	}
	names := map[string]bool{}
	for _, sp := range o.Teachers {
		if sp.Name == "" || names[sp.Name] {
			return fmt.Errorf("hetcomp: trajectories: teacher names must be distinct and non-empty, got %q", sp.Name)
		}
		names[sp.Name] = true
		if sp.Dim <= 0 || sp.Epochs <= 0 || sp.EvalEvery <= 0 || sp.Patience < 0 {
			return fmt.Errorf("hetcomp: teacher %q: need Dim, Epochs, EvalEvery > 0 and Patience >= 0, got %+v", sp.Name, sp)
		}
	}
	return nil
}

// stageRuleVersion is the version of the stage rule, part of every
// trajectory's key: 2 since stages are chosen among the running maxima
// only (version 1 also let a non-improving evaluation after a jump be a
// stage).
const stageRuleVersion = 2

// TrajectoryKey identifies a teacher trajectory by everything it derives
// from. Its hash names the trajectory's artefact in the cache,
// trajectories/<name>-<hash16>.traj.
type TrajectoryKey struct {
	// Split is the SplitFingerprint of the split the teacher trains on.
	Split string `json:"split"`
	// Teacher is the teacher's model and training settings (kind, size,
	// epochs, evaluation period, patience, learning rate, batch size,
	// weight decay).
	Teacher HetCompTeacherSpec `json:"teacher"`
	// Fractions, N and Seed are the TrajectoryOptions' (defaults applied).
	Fractions []float64 `json:"fractions"`
	N         int       `json:"n"`
	Seed      uint64    `json:"seed"`
	// StageRule is the version of the stage rule (2).
	StageRule int `json:"stage_rule"`
}

// Hash returns the hex SHA-256 of the key's JSON.
func (k TrajectoryKey) Hash() (string, error) { return SpecHash(k) }

// key returns the TrajectoryKey of teacher sp on the split of fingerprint
// fp. Call it after defaults.
func (o *TrajectoryOptions) key(fp string, sp HetCompTeacherSpec) TrajectoryKey {
	return TrajectoryKey{Split: fp, Teacher: sp, Fractions: o.Fractions, N: o.N, Seed: o.Seed, StageRule: stageRuleVersion}
}

// trajectoryID returns the teacher's name in a RunResult: its name and 12
// hex digits of the digest that named its directory in the former cache
// layout (the spec, Fractions, N, Seed and the stage rule, without the
// split), so that runs record the same teachers as before.
func trajectoryID(k TrajectoryKey) string {
	b, _ := json.Marshal(struct {
		Spec      HetCompTeacherSpec
		Fractions []float64
		N         int
		Seed      uint64
		Version   int
	}{k.Teacher, k.Fractions, k.N, k.Seed, k.StageRule})
	sum := sha256.Sum256(b)
	return fmt.Sprintf("%s-%x", k.Teacher.Name, sum[:6])
}

// trajectoryRel returns the artefact name of a trajectory: the teacher's
// name (characters other than letters, digits, '.', '_' and '-' replaced
// by '_') and 16 hex digits of its key's hash.
func trajectoryRel(name, hash string) string {
	return fmt.Sprintf("trajectories/%s-%s.traj", safeFileName(name), hash[:16])
}

// safeFileName returns name with its characters other than ASCII letters,
// digits, '.', '_' and '-' replaced by '_'.
func safeFileName(name string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return r
		}
		return '_'
	}, name)
}

// BuildTrajectories trains every teacher on s (or loads it from the cache)
// and returns its trajectory.
//
// Stages. Each teacher is trained with its reference settings, evaluated
// by full ranking on the validation part every EvalEvery epochs (and
// before training), and early-stopped on validation Recall@50; a
// checkpoint is written at every evaluation that sets a new best (the only
// evaluations a stage can be). The converged stage is the best evaluation
// (the restored model). Intermediate stage v is the first evaluation that
// sets a new best (epoch ≥ 1, before the converged one, later than stage
// v−1 when possible) and whose Recall@50 gain over the untrained model
// reaches Fractions[v] of the converged gain (the "gain-fraction" rule,
// kdrec's choice; stage rule version 2 — version 1 also let a
// non-improving evaluation after a jump be a stage). The reference does
// not say how its checkpoints were picked ([I], methods.md §5 item 10);
// fractions of the gain, rather than fixed fractions of the converged
// epoch, give stages of comparable difficulty for teachers that converge
// at very different speeds (the item autoencoder peaks within ~10 epochs,
// BPR after ~150), which is what an easy-to-hard sequence needs. Only the
// chosen checkpoints are kept.
//
// From each stage checkpoint the top-N unobserved items of every user are
// stored (distill.BuildTrajectory), with the converged teacher's order of
// each user's training items; the dense n×m importance matrices of the
// reference are never formed (see distill.Ensemble).
//
// Cache. Each teacher's trajectory is one artefact of the cache
// (Cache.Get: written atomically, built by one process while the others
// wait for it), trajectories/<name>-<hash16>.traj, named by the hash of its
// TrajectoryKey: the split's fingerprint, the teacher spec, Fractions, N,
// Seed and the stage rule's version. It holds the key, the trajectory's
// description (the TeacherTrajectory fields), the stage lists and the
// stage checkpoints, under one checksum; a file that does not decode, or
// that holds another key, is set aside and rebuilt. The per-evaluation
// checkpoints of a build live in a scratch directory beside the artefact
// (<artefact>.build-*), removed when the build ends (or, when its process
// died, by the next build of the same artefact on that host) — or, with
// o.CheckpointDir, beside the teacher's training checkpoint in that
// directory, from which a build interrupted with its process resumes
// (both removed once the artefact is stored; see checkpoint.go). A trajectory
// of the former layout (<cache>/hetcomp/<split fingerprint>/<ID>/ with
// meta.json, traj.bin and stage<v>.ckpt, "trajectory cache v2") is
// imported into the artefact instead of being trained again; the former
// directory is left in place (it may be deleted).
func BuildTrajectories(ctx context.Context, s *data.Split, o TrajectoryOptions) ([]*TeacherTrajectory, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	c := o.Cache
	if c == nil {
		var err error
		if c, err = NewCache(o.CacheDir); err != nil {
			return nil, fmt.Errorf("hetcomp: trajectories: %w", err)
		}
		c.Log = o.Log
	}
	fp := SplitFingerprint(s)
	var out []*TeacherTrajectory
	for _, sp := range o.Teachers {
		tt, err := buildTrajectory(ctx, c, s, o.key(fp, sp), &o)
		if err != nil {
			return nil, err
		}
		out = append(out, tt)
	}
	return out, nil
}

// buildTrajectory returns the trajectory of key from c: loaded, imported
// from the former layout, or trained.
func buildTrajectory(ctx context.Context, c *Cache, s *data.Split, key TrajectoryKey, o *TrajectoryOptions) (*TeacherTrajectory, error) {
	sp := key.Teacher
	h, err := key.Hash()
	if err != nil {
		return nil, err
	}
	keyJSON, err := json.Marshal(key)
	if err != nil {
		return nil, err
	}
	rel, id := trajectoryRel(sp.Name, h), trajectoryID(key)
	logf := func(format string, a ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, "hetcomp: teacher "+sp.Name+": "+format+"\n", a...)
		}
	}
	var tt *TeacherTrajectory
	decode := func(b []byte) error {
		t, err := decodeTrajectoryArtifact(b, keyJSON, s.Train)
		if err != nil {
			return err
		}
		tt = t
		return nil
	}
	imported := false
	build := func(ctx context.Context) ([]byte, error) {
		legacy := filepath.Join(c.Dir, "hetcomp", key.Split, id)
		if _, err := os.Stat(filepath.Join(legacy, "meta.json")); err == nil {
			b, err := importTrajectory(legacy, keyJSON, sp, s.Train)
			if err == nil {
				imported = true
				logf("imported from %s (the former trajectory cache)", legacy)
				return b, nil
			}
			logf("%s is unusable (%v), training", legacy, err)
		}
		return trainTrajectory(ctx, s, sp, o, keyJSON, h, c.Path(rel))
	}
	cached, err := c.Get(ctx, rel, decode, build)
	if err != nil {
		return nil, fmt.Errorf("hetcomp: teacher %s: %w", sp.Name, err)
	}
	if o.CheckpointDir != "" {
		// The artefact is in the cache (stored now, or by a process killed
		// before it removed them): the teacher's checkpoint and its
		// evaluations' models have served.
		dropTrajectoryCheckpoint(o.CheckpointDir, trajectoryTarget(sp.Name, h), logf)
	}
	tt.ID, tt.Hash, tt.Path, tt.Cached = id, h, c.Path(rel), cached || imported
	if cached {
		logf("loaded from %s", tt.Path)
	}
	return tt, nil
}

// trainTrajectory trains teacher sp on s, picks its stages and returns the
// bytes of its trajectory artefact (to be stored at path). hash is the hash
// of the trajectory's key: with o.CheckpointDir, the teacher's training
// checkpoint (trajectoryTarget) and its evaluations' models are kept there
// under that name, and a training interrupted earlier resumes from them.
func trainTrajectory(ctx context.Context, s *data.Split, sp HetCompTeacherSpec, o *TrajectoryOptions, keyJSON []byte, hash, path string) ([]byte, error) {
	m, term, cfg, err := newHetCompTeacher(sp, s, o.Seed)
	if err != nil {
		return nil, err
	}
	logf := func(format string, a ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, "hetcomp: teacher "+sp.Name+": "+format+"\n", a...)
		}
	}
	// The models of the evaluations that set a new best live beside the
	// teacher's training checkpoint when it keeps one, so that a resumed
	// training still has those of the epochs before its checkpoint; else
	// in a scratch directory that goes with the build.
	target := trajectoryTarget(sp.Name, hash)
	var dir string
	if o.CheckpointDir != "" {
		removeDeadScratch(path) // of builds before the teacher kept checkpoints
		// Models left there by a training whose checkpoint is discarded
		// (other kernels) are removed with that checkpoint when this
		// training evaluates epoch 0 (cfg.Eval below): every stage read
		// below is an evaluation that set a new best in this training's
		// history, and this training (or the one it resumed, which
		// reached its checkpoint through the same evaluations) saved its
		// model when it ran it.
		dir = target.stageDir(o.CheckpointDir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("hetcomp: teacher %s: %w", sp.Name, err)
		}
	} else {
		if dir, err = scratchDir(path); err != nil {
			return nil, fmt.Errorf("hetcomp: teacher %s: %w", sp.Name, err)
		}
		defer os.RemoveAll(dir)
	}
	ckpt := func(e int) string { return filepath.Join(dir, fmt.Sprintf("eval-%d.ckpt", e)) }
	cfg.Epochs, cfg.EvalEvery, cfg.Patience, cfg.Seed = sp.Epochs, sp.EvalEvery, sp.Patience, o.Seed
	cfg.EvalAtStart, cfg.RestoreBest = true, true
	cfg.StopMetrics = []string{"Recall@50"}
	st := &trajTrainState{runMax: math.Inf(-1)}
	cfg.Eval = func(ctx context.Context, epoch int) (map[string]float64, map[string]float64, error) {
		v, err := eval.FullRanking(ctx, m, s, eval.Valid, eval.Options{Cutoffs: []int{50}})
		if err != nil {
			return nil, nil, err
		}
		if epoch == 0 && o.CheckpointDir != "" {
			// Epoch 0 is evaluated by a training that starts afresh only
			// (a resumed one has it in its history): whatever checkpoint
			// is at the teacher's name was discarded (another kernels',
			// another code's state), and its evaluations' models are
			// about to be replaced one by one. Both go now, so that a
			// process killed before its first save cannot leave the old
			// checkpoint beside this training's models, for a later
			// build to resume with models of another training.
			dropTrajectoryCheckpoint(o.CheckpointDir, target, logf)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, nil, err
			}
		}
		r := v.Mean("Recall@50")
		// Only an evaluation that sets a new best can become a stage
		// (pickStages), so only those are checkpointed.
		if r > st.runMax {
			if err := model.Save(ckpt(epoch), m, map[string]string{"epoch": fmt.Sprint(epoch)}); err != nil {
				return nil, nil, err
			}
		}
		st.runMax = max(st.runMax, r)
		return map[string]float64{"Recall@50": r}, nil, nil
	}
	// The running maximum is restored from the checkpoint with the rest of
	// the run (a train.NamedState) rather than recomputed from the resumed
	// history: Eval, which reads it, does not see the trainer's history,
	// and the saved value is exactly the one the uninterrupted training
	// held after that epoch, whatever the evaluations were (a NaN one makes
	// the builtin max NaN, which a recomputation would have to mimic). The
	// state also carries the training seconds so far, so that a resumed
	// teacher's TrainCPU and TrainWall count its earlier sessions.
	cfg.Checkpoint = newCheckpointer(o.CheckpointDir, o.CheckpointEvery, logf, target,
		[]train.NamedState{{Name: "hetcomp-stages", State: st}}, s)
	cfg.Hooks = append(cfg.Hooks, o.hooks...)
	cfg.Hooks = append(cfg.Hooks, report.ProgressHook(o.Log, "teacher "+sp.Name, o.Plain))
	// drop removes the checkpoint and the evaluations' models, so that the
	// next build trains from epoch 0.
	drop := func() {
		if cfg.Checkpoint != nil {
			dropTrajectoryCheckpoint(o.CheckpointDir, target, logf)
		}
	}
	st.cpu0, st.wall0 = cpuSeconds(), time.Now()
	res, err := train.Fit(ctx, m, s.Train, []train.Term{term}, cfg)
	if err != nil {
		if ctx.Err() == nil && !errors.Is(err, errCheckpointRead) {
			// Failed, not interrupted: start over when asked again (as
			// fitModel does); a checkpoint that could not be read is kept.
			drop()
		}
		return nil, fmt.Errorf("hetcomp: teacher %s: %w", sp.Name, err)
	}
	cpu, wall := st.seconds()
	tt := &TeacherTrajectory{Spec: sp, Epochs: res.Epochs, TrainCPU: cpu, TrainWall: wall}
	tt.CurveEpochs, tt.CurveValid = res.ValidCurve("Recall@50")
	best := res.Best["Recall@50"].Epoch
	tt.StageEpochs = pickStages(tt.CurveEpochs, tt.CurveValid, best, o.Fractions)
	for _, e := range tt.StageEpochs {
		for k, ce := range tt.CurveEpochs {
			if ce == e {
				tt.StageValid = append(tt.StageValid, tt.CurveValid[k])
			}
		}
	}
	// The chosen checkpoints are the stages; the others go with dir.
	ckpts := make([][]byte, len(tt.StageEpochs))
	stages := make([]model.Scorer, len(tt.StageEpochs))
	for v, e := range tt.StageEpochs {
		if ckpts[v], err = os.ReadFile(ckpt(e)); err == nil {
			stages[v], err = decodeStage(sp, v, ckpts[v])
		}
		if err != nil {
			if cfg.Checkpoint != nil {
				// A stage directory lost or damaged beside its checkpoint
				// would fail every resumed build the same way.
				drop()
				return nil, fmt.Errorf("hetcomp: teacher %s: the model of epoch %d (stage %d): %w; its checkpoint is removed, the next build trains it from epoch 0", sp.Name, e, v, err)
			}
			return nil, fmt.Errorf("hetcomp: teacher %s: %w", sp.Name, err)
		}
	}
	// Rank the catalogue with every stage.
	cpu1 := cpuSeconds()
	tr, err := distill.BuildTrajectory(ctx, sp.Name, stages, s.Train, o.N, 0)
	if err != nil {
		return nil, err
	}
	tt.BuildCPU = cpuSeconds() - cpu1
	conv := stages[len(stages)-1]
	te, err := eval.FullRanking(ctx, conv, s, eval.Test, eval.Options{Cutoffs: []int{10, 50}})
	if err != nil {
		return nil, err
	}
	tt.Test = te.Means()
	tt.Params = m.NumParams()
	lat, err := eval.Latency(ctx, conv, eval.SampleUsers(s.NumUsers(), 200, 0))
	if err != nil {
		return nil, err
	}
	tt.MsPerUser = float64(lat) / 1e6
	meta, err := json.MarshalIndent(tt, "", " ")
	if err != nil {
		return nil, fmt.Errorf("hetcomp: teacher %s: describing the trajectory: %w", sp.Name, err)
	}
	resumed := ""
	if len(res.Resumed) > 0 {
		resumed = fmt.Sprintf(" (resumed from a checkpoint after epoch %s)", joinInts(res.Resumed))
	}
	logf("%d epochs%s, stages at epochs %v (valid Recall@50 %v), test Recall@50 %.4f, %.0f CPU s training",
		tt.Epochs, resumed, tt.StageEpochs, fmtFloats(tt.StageValid), tt.Test["Recall@50"], tt.TrainCPU)
	return encodeTrajectoryArtifact(append([][]byte{keyJSON, meta, encodeTrajectory(tr, s.Train)}, ckpts...)), nil
}

// trajTrainState is what the training of a trajectory teacher carries
// from epoch to epoch besides the trainer's state, saved in its checkpoint
// (train.Stateful): the running maximum of validation Recall@50, which
// decides the evaluations whose model is saved, and the training seconds
// of the sessions before this process's.
type trajTrainState struct {
	runMax    float64
	cpu, wall float64   // CPU and wall seconds before this process
	cpu0      float64   // the process's CPU seconds when its training began
	wall0     time.Time // when it began
}

// seconds returns the CPU and wall seconds of the training so far, its
// earlier sessions included (up to their last checkpoint).
func (t *trajTrainState) seconds() (cpu, wall float64) {
	return t.cpu + cpuSeconds() - t.cpu0, t.wall + time.Since(t.wall0).Seconds()
}

// MarshalState encodes the running maximum and the seconds so far.
func (t *trajTrainState) MarshalState() ([]byte, error) {
	cpu, wall := t.seconds()
	b := make([]byte, 0, 24)
	for _, x := range []float64{t.runMax, cpu, wall} {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	return b, nil
}

// UnmarshalState restores what MarshalState encoded.
func (t *trajTrainState) UnmarshalState(b []byte) error {
	if len(b) != 24 {
		return fmt.Errorf("hetcomp stage state of %d bytes, want 24", len(b))
	}
	f := func(k int) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b[8*k:])) }
	t.runMax, t.cpu, t.wall = f(0), f(1), f(2)
	return nil
}

// dropTrajectoryCheckpoint removes, from dir, the training checkpoint of a
// trajectory teacher (t, a trajectoryTarget) with its temporaries and the
// directory of its evaluations' models; a failure is logged.
func dropTrajectoryCheckpoint(dir string, t *ckptTarget, logf func(string, ...any)) {
	removeCheckpointFile(filepath.Join(dir, t.file), logf)
	if err := os.RemoveAll(t.stageDir(dir)); err != nil {
		logf("checkpoint %s: not removed: %v", t.stageDir(dir), err)
	}
}

// removeDeadScratch removes the scratch directories of builds of the
// artefact at path (scratchDir) whose process, on this host, no longer
// exists. The caller holds the artefact's lock.
func removeDeadScratch(path string) {
	old, _ := filepath.Glob(path + ".build-*")
	for _, d := range old {
		if b, err := os.ReadFile(filepath.Join(d, "holder")); err == nil {
			if gone, _ := holderGone(b); gone {
				os.RemoveAll(d)
			}
		}
	}
}

// scratchDir creates the scratch directory of a build of the artefact at
// path (<path>.build-<random>, recording this process), after removing
// those of builds of the same artefact whose process, on this host, no
// longer exists. The caller holds the artefact's lock.
func scratchDir(path string) (string, error) {
	removeDeadScratch(path)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(filepath.Dir(path), filepath.Base(path)+".build-")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "holder"), lockHolder(), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

// pickStages returns the stage epochs: the intermediate ones by gain
// fractions (see BuildTrajectories), then best. Only evaluations after
// epoch 0 that set a new best validation value (running maxima) are
// candidates: the first evaluation to reach a level is always one, and
// they are the only checkpoints trainTrajectory keeps.
func pickStages(epochs []int, valid []float64, best int, fractions []float64) []int {
	r0 := 0.0
	bestV := 0.0
	for k, e := range epochs {
		if e == 0 {
			r0 = valid[k]
		}
		if e == best {
			bestV = valid[k]
		}
	}
	// The running maxima before best, in order.
	var cand []int
	var candV []float64
	runMax := math.Inf(-1)
	for k, e := range epochs {
		if e >= 1 && e < best && valid[k] > runMax {
			cand, candV = append(cand, e), append(candV, valid[k])
		}
		runMax = max(runMax, valid[k])
	}
	gain := bestV - r0
	var out []int
	prev := 0
	for _, f := range fractions {
		pick := -1
		for k, e := range cand {
			if candV[k]-r0 >= f*gain-1e-12 && e > prev {
				pick = e
				break
			}
		}
		if pick < 0 {
			// No later running maximum before the best one reaches the
			// fraction: reuse the previous stage (or, for the first
			// stage, the first improving evaluation, else the best).
			switch {
			case prev > 0:
				pick = prev
			case len(cand) > 0:
				pick = cand[0]
			default:
				pick = best
			}
		}
		out = append(out, pick)
		prev = pick
	}
	return append(out, best)
}

func fmtFloats(v []float64) string {
	s := "["
	for k, x := range v {
		if k > 0 {
			s += " "
		}
		s += fmt.Sprintf("%.4f", x)
	}
	return s + "]"
}

// A trajectory artefact holds, after the magic "KDTRAJA1" and the number
// of sections (u32), the byte length of every section (u64 each), the
// sections — the TrajectoryKey's JSON, the TeacherTrajectory's JSON, the
// stage lists (the traj.bin layout below) and the checkpoint of every
// stage (model.Encode) in order — and the SHA-256 of all that precedes.
// All integers are little-endian.
const trajArtifactMagic = "KDTRAJA1"

// bundleSection locates one stage checkpoint within a trajectory
// artefact.
type bundleSection struct {
	off, n int64
	sum    [32]byte
}

// read returns the section's bytes from the file at path, checking them
// against the digest taken when the artefact was decoded.
func (b bundleSection) read(path string) ([]byte, error) {
	if path == "" {
		return nil, errors.New("the trajectory has no artefact file")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, b.n)
	if _, err := f.ReadAt(buf, b.off); err != nil {
		return nil, fmt.Errorf("%s: %w (the artefact changed since it was loaded?)", path, err)
	}
	if sha256.Sum256(buf) != b.sum {
		return nil, fmt.Errorf("%s: the checkpoint differs from the one loaded with the trajectory (the artefact was rebuilt or damaged since)", path)
	}
	return buf, nil
}

// encodeTrajectoryArtifact lays out the sections of a trajectory artefact.
func encodeTrajectoryArtifact(sections [][]byte) []byte {
	size := 8 + 4 + 8*len(sections) + 32
	for _, s := range sections {
		size += len(s)
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	buf.WriteString(trajArtifactMagic)
	binary.Write(buf, binary.LittleEndian, uint32(len(sections)))
	for _, s := range sections {
		binary.Write(buf, binary.LittleEndian, uint64(len(s)))
	}
	for _, s := range sections {
		buf.Write(s)
	}
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])
	return buf.Bytes()
}

// maxTrajectoryStages bounds the stages of an artefact (a damaged count is
// refused before anything is allocated).
const maxTrajectoryStages = 64

// decodeTrajectoryArtifact checks a trajectory artefact — its size, its
// checksum, that it holds the trajectory of keyJSON over x — and returns
// the trajectory, the stage lists decoded and the stage checkpoints
// located (read by Stage).
func decodeTrajectoryArtifact(b, keyJSON []byte, x *data.Interactions) (*TeacherTrajectory, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("corrupt trajectory artefact: "+format, a...)
	}
	if len(b) < 8+4+32 || string(b[:8]) != trajArtifactMagic {
		return nil, bad("not a trajectory artefact (%d bytes)", len(b))
	}
	ns := int(binary.LittleEndian.Uint32(b[8:]))
	if ns < 4 || ns > 3+maxTrajectoryStages {
		return nil, bad("%d sections", ns)
	}
	off := int64(12 + 8*ns)
	if off+32 > int64(len(b)) {
		return nil, bad("truncated: %d bytes", len(b))
	}
	secs := make([][2]int64, ns)
	for k := range secs {
		n := binary.LittleEndian.Uint64(b[12+8*k:])
		if n > uint64(len(b)) || off+int64(n)+32 > int64(len(b)) {
			return nil, bad("truncated: %d bytes, section %d of %d needs %d more", len(b), k, ns, n)
		}
		secs[k] = [2]int64{off, int64(n)}
		off += int64(n)
	}
	if off+32 != int64(len(b)) {
		return nil, bad("%d bytes, the sections take %d", len(b), off+32)
	}
	if sum := sha256.Sum256(b[:off]); !bytes.Equal(sum[:], b[off:]) {
		return nil, bad("checksum mismatch")
	}
	sec := func(k int) []byte { return b[secs[k][0] : secs[k][0]+secs[k][1]] }
	if !bytes.Equal(sec(0), keyJSON) {
		return nil, fmt.Errorf("the artefact holds the trajectory of another key: %s", sec(0))
	}
	tt := &TeacherTrajectory{}
	if err := json.Unmarshal(sec(1), tt); err != nil {
		return nil, bad("description: %v", err)
	}
	stages := len(tt.StageEpochs)
	if stages != ns-3 || len(tt.StageValid) != stages {
		return nil, bad("%d stage epochs, %d stage values and %d checkpoints", stages, len(tt.StageValid), ns-3)
	}
	tr, err := decodeTrajectory(sec(2), x, stages)
	if err != nil {
		return nil, err
	}
	tr.Name = tt.Spec.Name
	tt.Traj = tr
	tt.sum = hex.EncodeToString(b[off:])
	for v := range stages {
		tt.stages = append(tt.stages, bundleSection{off: secs[3+v][0], n: secs[3+v][1], sum: sha256.Sum256(sec(3 + v))})
	}
	return tt, nil
}

// importTrajectory reads the trajectory of the former cache layout in dir
// (meta.json, traj.bin, stage<v>.ckpt; "trajectory cache v2"), checks it —
// its teacher is sp, its lists fit x, its checkpoints decode as sp's kind —
// and returns it as the bytes of the artefact of keyJSON.
func importTrajectory(dir string, keyJSON []byte, sp HetCompTeacherSpec, x *data.Interactions) ([]byte, error) {
	mb, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return nil, err
	}
	var tt TeacherTrajectory
	if err := json.Unmarshal(mb, &tt); err != nil {
		return nil, fmt.Errorf("meta.json: %w", err)
	}
	got, _ := json.Marshal(tt.Spec)
	want, _ := json.Marshal(sp)
	if !bytes.Equal(got, want) || len(tt.StageEpochs) == 0 || len(tt.StageValid) != len(tt.StageEpochs) {
		return nil, fmt.Errorf("meta.json describes teacher %s with %d stages, not %s", got, len(tt.StageEpochs), want)
	}
	tb, err := os.ReadFile(filepath.Join(dir, "traj.bin"))
	if err != nil {
		return nil, fmt.Errorf("traj.bin: %w", err)
	}
	if _, err := decodeTrajectory(tb, x, len(tt.StageEpochs)); err != nil {
		return nil, fmt.Errorf("traj.bin: %w", err)
	}
	sections := [][]byte{keyJSON, nil, tb}
	for v := range tt.StageEpochs {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("stage%d.ckpt", v)))
		if err != nil {
			return nil, fmt.Errorf("stage %d: %w", v, err)
		}
		if _, err := decodeStage(sp, v, b); err != nil {
			return nil, err
		}
		sections = append(sections, b)
	}
	if sections[1], err = json.MarshalIndent(&tt, "", " "); err != nil {
		return nil, fmt.Errorf("meta.json: %w", err)
	}
	return encodeTrajectoryArtifact(sections), nil
}

// The stage lists (traj.bin in the former layout; little-endian u32):
// magic "KDHCTRJ1" | stages | rows | N | cols | nnz | per stage: Len[rows],
// Idx[rows·N] | Observed[nnz] | sha256 of all above.
const trajMagic = "KDHCTRJ1"

// encodeTrajectory returns the stage lists of tr over x.
func encodeTrajectory(tr *distill.Trajectory, x *data.Interactions) []byte {
	var buf bytes.Buffer
	buf.WriteString(trajMagic)
	n := tr.Stages[0].N
	put := func(v int32) { binary.Write(&buf, binary.LittleEndian, v) }
	for _, v := range []int{len(tr.Stages), x.NumUsers, n, x.NumItems, x.NNZ()} {
		put(int32(v))
	}
	for _, l := range tr.Stages {
		binary.Write(&buf, binary.LittleEndian, l.Len)
		binary.Write(&buf, binary.LittleEndian, l.Idx)
	}
	binary.Write(&buf, binary.LittleEndian, tr.Observed)
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])
	return buf.Bytes()
}

// decodeTrajectory decodes the stage lists of a trajectory over x with the
// given number of stages, checking their checksum, shape and entries.
func decodeTrajectory(b []byte, x *data.Interactions, stages int) (*distill.Trajectory, error) {
	bad := func(why string) error { return fmt.Errorf("corrupt trajectory lists: %s", why) }
	if len(b) < 8+20+32 || string(b[:8]) != trajMagic {
		return nil, bad("not a trajectory file")
	}
	if sum := sha256.Sum256(b[:len(b)-32]); !bytes.Equal(sum[:], b[len(b)-32:]) {
		return nil, bad("checksum mismatch")
	}
	rd := bytes.NewReader(b[8 : len(b)-32])
	var h [5]int32
	if err := binary.Read(rd, binary.LittleEndian, &h); err != nil {
		return nil, bad(err.Error())
	}
	if int(h[0]) != stages || int(h[1]) != x.NumUsers || int(h[3]) != x.NumItems || int(h[4]) != x.NNZ() || h[2] <= 0 {
		return nil, bad(fmt.Sprintf("shape %v does not match %d stages over %d×%d with %d pairs", h, stages, x.NumUsers, x.NumItems, x.NNZ()))
	}
	if want := int64(20) + 4*(int64(h[0])*(int64(h[1])+int64(h[1])*int64(h[2]))+int64(h[4])); int64(len(b)-8-32) != want {
		return nil, bad("truncated")
	}
	tr := &distill.Trajectory{}
	for v := 0; v < stages; v++ {
		l := &distill.Lists{N: int(h[2]), Len: make([]int32, h[1]), Idx: make([]int32, int(h[1])*int(h[2])), Cols: x.NumItems}
		binary.Read(rd, binary.LittleEndian, l.Len)
		binary.Read(rd, binary.LittleEndian, l.Idx)
		for r, n := range l.Len {
			if n < 0 || int(n) > l.N {
				return nil, bad(fmt.Sprintf("stage %d: row %d has length %d, stride %d", v, r, n, l.N))
			}
			for _, i := range l.Row(r) {
				if i < 0 || int(i) >= x.NumItems {
					return nil, bad(fmt.Sprintf("stage %d: row %d holds item %d of %d", v, r, i, x.NumItems))
				}
			}
		}
		tr.Stages = append(tr.Stages, l)
	}
	tr.Observed = make([]int32, h[4])
	binary.Read(rd, binary.LittleEndian, tr.Observed)
	for _, i := range tr.Observed {
		if i < 0 || int(i) >= x.NumItems {
			return nil, bad(fmt.Sprintf("observed item %d of %d", i, x.NumItems))
		}
	}
	return tr, nil
}

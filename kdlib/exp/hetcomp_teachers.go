package exp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
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
	// CacheDir is the root of the cache; "" means CacheDir(). Trajectories
	// are kept under <CacheDir>/hetcomp/<split fingerprint>/.
	CacheDir string
	// Log receives progress (nil: quiet); Plain selects line output.
	Log   io.Writer
	Plain bool
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
	// Dir holds the checkpoints stage<v>.ckpt, traj.bin and meta.json.
	Dir string
	// Cached says whether the trajectory was loaded from the cache.
	Cached bool
	// Traj is what HetComp reads.
	Traj *distill.Trajectory `json:"-"`
}

// Converged loads the converged teacher's checkpoint.
func (t *TeacherTrajectory) Converged() (model.Scorer, error) {
	return t.Stage(len(t.StageEpochs) - 1)
}

// Stage loads the checkpoint of stage v.
func (t *TeacherTrajectory) Stage(v int) (model.Scorer, error) {
	m, _, err := model.Load(filepath.Join(t.Dir, fmt.Sprintf("stage%d.ckpt", v)))
	if err != nil {
		return nil, err
	}
	if want := model.CanonicalKind(t.Spec.Kind); m.Kind() != want {
		return nil, fmt.Errorf("hetcomp: %s: stage %d holds a %s model, not %s (an altered header?)", t.Spec.Name, v, m.Kind(), want)
	}
	sc, ok := m.(model.Scorer)
	if !ok {
		return nil, fmt.Errorf("hetcomp: %s: checkpoint of kind %s is not a scorer", t.Spec.Name, m.Kind())
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
	if o.CacheDir == "" {
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
// kdrec's choice; cache version 2 — version 1 also let a non-improving
// evaluation after a jump be a stage). The reference does not say how its
// checkpoints were picked ([I], methods.md §5 item 10); fractions of the
// gain, rather than fixed fractions of the converged epoch, give stages of
// comparable difficulty for teachers that converge at very different
// speeds (the item autoencoder peaks within ~10 epochs, BPR after
// ~150), which is what an easy-to-hard sequence needs. Only the chosen
// checkpoints are kept.
//
// From each stage checkpoint the top-N unobserved items of every user are
// stored (distill.BuildTrajectory), with the converged teacher's order of
// each user's training items; the dense n×m importance matrices of the
// reference are never formed (see distill.Ensemble).
//
// Cache: <CacheDir>/hetcomp/<SplitFingerprint(s)>/<name>-<digest>/, the
// digest covering the teacher spec, Fractions, N, Seed and the version of
// the stage rule. A directory
// whose meta.json or traj.bin is missing or corrupt is rebuilt.
func BuildTrajectories(ctx context.Context, s *data.Split, o TrajectoryOptions) ([]*TeacherTrajectory, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	root := filepath.Join(o.CacheDir, "hetcomp", SplitFingerprint(s))
	var out []*TeacherTrajectory
	for _, sp := range o.Teachers {
		key, _ := json.Marshal(struct {
			Spec      HetCompTeacherSpec
			Fractions []float64
			N         int
			Seed      uint64
			Version   int
		}{sp, o.Fractions, o.N, o.Seed, 2})
		sum := sha256.Sum256(key)
		dir := filepath.Join(root, fmt.Sprintf("%s-%x", sp.Name, sum[:6]))
		if tt, err := loadTrajectory(dir, s); err == nil {
			tt.Cached = true
			if o.Log != nil {
				fmt.Fprintf(o.Log, "hetcomp: teacher %s loaded from %s\n", sp.Name, dir)
			}
			out = append(out, tt)
			continue
		} else if o.Log != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(o.Log, "hetcomp: teacher %s: cache unusable (%v), retraining\n", sp.Name, err)
		}
		tt, err := trainTrajectory(ctx, s, sp, &o, dir)
		if err != nil {
			return nil, err
		}
		out = append(out, tt)
	}
	return out, nil
}

func trainTrajectory(ctx context.Context, s *data.Split, sp HetCompTeacherSpec, o *TrajectoryOptions, dir string) (*TeacherTrajectory, error) {
	m, term, cfg, err := newHetCompTeacher(sp, s, o.Seed)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("hetcomp: teacher %s: %w", sp.Name, err)
	}
	ckpt := func(e int) string { return filepath.Join(dir, fmt.Sprintf("eval-%d.ckpt", e)) }
	cfg.Epochs, cfg.EvalEvery, cfg.Patience, cfg.Seed = sp.Epochs, sp.EvalEvery, sp.Patience, o.Seed
	cfg.EvalAtStart, cfg.RestoreBest = true, true
	cfg.StopMetrics = []string{"Recall@50"}
	var saved []int
	runMax := math.Inf(-1)
	cfg.Eval = func(ctx context.Context, epoch int) (map[string]float64, map[string]float64, error) {
		v, err := eval.FullRanking(ctx, m, s, eval.Valid, eval.Options{Cutoffs: []int{50}})
		if err != nil {
			return nil, nil, err
		}
		r := v.Mean("Recall@50")
		// Only an evaluation that sets a new best can become a stage
		// (pickStages), so only those are checkpointed.
		if r > runMax {
			if err := model.Save(ckpt(epoch), m, map[string]string{"epoch": fmt.Sprint(epoch)}); err != nil {
				return nil, nil, err
			}
			saved = append(saved, epoch)
		}
		runMax = max(runMax, r)
		return map[string]float64{"Recall@50": r}, nil, nil
	}
	cpu0, wall0 := cpuSeconds(), time.Now()
	cfg.Hooks = append(cfg.Hooks, report.ProgressHook(o.Log, "teacher "+sp.Name, o.Plain))
	res, err := train.Fit(ctx, m, s.Train, []train.Term{term}, cfg)
	if err != nil {
		return nil, fmt.Errorf("hetcomp: teacher %s: %w", sp.Name, err)
	}
	tt := &TeacherTrajectory{Spec: sp, Epochs: res.Epochs, Dir: dir, TrainCPU: cpuSeconds() - cpu0, TrainWall: time.Since(wall0).Seconds()}
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
	// Keep the chosen checkpoints as stage<v>.ckpt, drop the others.
	for v, e := range tt.StageEpochs {
		b, err := os.ReadFile(ckpt(e))
		if err != nil {
			return nil, fmt.Errorf("hetcomp: teacher %s: %w", sp.Name, err)
		}
		if err := model.WriteFileAtomic(filepath.Join(dir, fmt.Sprintf("stage%d.ckpt", v)), b); err != nil {
			return nil, err
		}
	}
	for _, e := range saved {
		os.Remove(ckpt(e))
	}
	// Rank the catalogue with every stage.
	cpu1 := cpuSeconds()
	var stages []model.Scorer
	for v := range tt.StageEpochs {
		sc, err := tt.Stage(v)
		if err != nil {
			return nil, err
		}
		stages = append(stages, sc)
	}
	tr, err := distill.BuildTrajectory(ctx, sp.Name, stages, s.Train, o.N, 0)
	if err != nil {
		return nil, err
	}
	tt.Traj = tr
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
	if err := writeTrajectory(filepath.Join(dir, "traj.bin"), tr, s.Train); err != nil {
		return nil, err
	}
	meta, _ := json.MarshalIndent(tt, "", " ")
	if err := model.WriteFileAtomic(filepath.Join(dir, "meta.json"), meta); err != nil {
		return nil, err
	}
	if o.Log != nil {
		fmt.Fprintf(o.Log, "hetcomp: teacher %s: %d epochs, stages at epochs %v (valid Recall@50 %v), test Recall@50 %.4f, %.0f CPU s training\n",
			sp.Name, tt.Epochs, tt.StageEpochs, fmtFloats(tt.StageValid), tt.Test["Recall@50"], tt.TrainCPU)
	}
	return tt, nil
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

func loadTrajectory(dir string, s *data.Split) (*TeacherTrajectory, error) {
	b, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return nil, err
	}
	tt := &TeacherTrajectory{}
	if err := json.Unmarshal(b, tt); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "meta.json"), err)
	}
	tt.Dir = dir
	tr, err := readTrajectory(filepath.Join(dir, "traj.bin"), s.Train, len(tt.StageEpochs))
	if err != nil {
		return nil, err
	}
	tr.Name = tt.Spec.Name
	tt.Traj = tr
	for v := range tt.StageEpochs {
		if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("stage%d.ckpt", v))); err != nil {
			return nil, err
		}
	}
	return tt, nil
}

// traj.bin layout (little-endian u32): magic "KDHCTRJ1" | stages | rows |
// N | cols | nnz | per stage: Len[rows], Idx[rows·N] | Observed[nnz] |
// sha256 of all above.
const trajMagic = "KDHCTRJ1"

func writeTrajectory(path string, tr *distill.Trajectory, x *data.Interactions) error {
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
	return model.WriteFileAtomic(path, buf.Bytes())
}

func readTrajectory(path string, x *data.Interactions, stages int) (*distill.Trajectory, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	bad := func(why string) error { return fmt.Errorf("%s: corrupt trajectory file: %s", path, why) }
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
	if want := int64(20 + 4*(int(h[0])*(int(h[1])+int(h[1])*int(h[2]))+int(h[4]))); int64(len(b)-8-32) != want {
		return nil, bad("truncated")
	}
	tr := &distill.Trajectory{}
	for v := 0; v < stages; v++ {
		l := &distill.Lists{N: int(h[2]), Len: make([]int32, h[1]), Idx: make([]int32, int(h[1])*int(h[2])), Cols: x.NumItems}
		binary.Read(rd, binary.LittleEndian, l.Len)
		binary.Read(rd, binary.LittleEndian, l.Idx)
		tr.Stages = append(tr.Stages, l)
	}
	tr.Observed = make([]int32, h[4])
	binary.Read(rd, binary.LittleEndian, tr.Observed)
	return tr, nil
}

// cpuSeconds returns the CPU time (user + system) of the process so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

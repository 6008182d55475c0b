package exp

// Reproduction driver of the latent-knowledge distillation methods (Hint,
// DE, PHR, FTD, HTD; methods.md §3.2–3.6) on CiteULike: the DE-RRD
// leave-one-out split (BPR 200 → 20, DE against the plain student, §4.2a)
// and the TD split (BPR 200 → 10/20/100/200, FTD and HTD against the plain
// student, test Recall@50 every 10 epochs for 100 epochs, §4.2b).
//
// Every run is cached as JSON under CacheDir()/latent keyed by the split,
// the teacher checkpoint and the run's options, so an interrupted
// reproduction resumes where it stopped and tables can be rebuilt without
// retraining.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/report"
	"github.com/kdrec/kdrec/kdlib/train"
)

// Latent method names accepted by LatentOptions.Method.
const (
	LatentStudent = "student" // the plain student (BPR loss only)
	LatentHint    = "hint"    // FitNet / hint regression (distill.Hint)
	LatentDE      = "de"      // Distillation Experts (distill.DE)
	LatentPHR     = "phr"     // Personalized Hint Regression (distill.PHR)
	LatentFTD     = "ftd"     // Full Topology Distillation (distill.FTD)
	LatentHTD     = "htd"     // Hierarchical Topology Distillation (distill.HTD)
)

// LatentOptions configures one student run of TrainLatent.
type LatentOptions struct {
	// Method is one of the Latent* names.
	Method string
	// Dim is the student's embedding size; Seed drives its initialisation,
	// the negative sampling, the Gumbel noise and the term's own
	// initialisation.
	Dim  int
	Seed uint64
	// Protocol selects validation and test evaluation (LOO or Full).
	Protocol Protocol
	// Epochs is the maximum number of epochs, EvalEvery the evaluation
	// period and Patience the early-stopping patience in evaluations (0
	// trains all epochs and keeps the last state).
	Epochs, EvalEvery, Patience int
	// EvalAtStart also evaluates the untrained student.
	EvalAtStart bool
	// EvalFromFirst evaluates after the first epoch and then every
	// EvalEvery epochs (after epochs 1, 1+E, 1+2E, …) instead of after
	// epochs E, 2E, …: the TD notebook's schedule, whose "epoch e" points
	// (e = 0, 10, …, 100) are evaluations after 0-based training epoch e,
	// that is after e+1 epochs (its epoch-0 values already differ between
	// the student and the distilled models). Use Epochs = 101 with it.
	EvalFromFirst bool
	// Kind is the base model of the student: "bpr" (or "", BPR-MF) or
	// "lightgcn" (LightGCN with L = 3; the terms distil its final
	// representations and LightGCN's Backward carries the gradient into
	// the layer-0 embeddings). The teacher may be of any kind.
	Kind string
	// LR and BatchSize override train.Defaults() (0 keeps 1e-3 and 1024).
	LR        float64
	BatchSize int
	// Hint, DE, PHR, FTD and HTD are the options of that method; nil means
	// the distill package's defaults. Only Method's is used for training,
	// but all five enter the cache key, so leave the others nil.
	Hint *distill.HintOptions
	DE   *distill.DEOptions
	PHR  *distill.PHROptions
	FTD  *distill.FTDOptions
	HTD  *distill.HTDOptions
	// CacheDir holds the run cache ("" means CacheDir()); NoCache disables
	// it; CachedOnly makes TrainLatent fail with ErrNotCached instead of
	// training when the run is not in the cache (for building tables).
	CacheDir   string
	NoCache    bool
	CachedOnly bool
	// Log receives a progress bar (nil: quiet); Plain draws it as lines.
	Log   io.Writer
	Plain bool
}

// LatentRun is the outcome of one student run.
type LatentRun struct {
	// Method, Dim and Seed identify the run.
	Method string `json:"method"`
	Dim    int    `json:"dim"`
	Seed   uint64 `json:"seed"`
	// Result is the training history (per-epoch losses, evaluations).
	Result *train.Result `json:"result"`
	// Best is the reference's report for LOO runs: every test metric at
	// the epoch with the best validation value of the same cut-off
	// (Result.BestTest("HR")). For full-ranking runs it is the test metrics
	// of the last evaluation.
	Best map[string]float64 `json:"best"`
	// Test holds the per-user test metrics of the final model (the best
	// validation HR@5 state when Patience > 0, else the last state), for
	// paired significance tests.
	Test *eval.Result `json:"test"`
	// SecondsPerEpoch is the mean training time of an epoch (no evaluation).
	SecondsPerEpoch float64 `json:"seconds_per_epoch"`
	// AuxParams is the number of parameters of the distillation term,
	// discarded after training.
	AuxParams int `json:"aux_params"`
	// ExpertsPerRow is, for DE and HTD, the mean number of experts (mapping
	// nets) evaluated per entity in each epoch: M while the Gumbel-softmax
	// selection is soft, 1 once it is one-hot to float32 resolution.
	ExpertsPerRow []float64 `json:"experts_per_row,omitempty"`
	// Cached says the run was loaded from the cache.
	Cached bool `json:"-"`
}

// Base model kinds of LatentOptions.Kind and FullTeacherOptions.Kind.
const (
	LatentBPR      = "bpr"      // BPR-MF (the default)
	LatentLightGCN = "lightgcn" // LightGCN, L = 3
)

// LatentModel is what TrainLatent needs of a student, and what
// CachedFullTeacher returns: a model with per-entity representations that
// scores, trains and has its own loss term.
type LatentModel interface {
	model.Representer
	model.Scorer
	model.Checkpointable
	Loss() train.Term
}

// newLatentModel builds a model of kind ("" is BPR) for split.
func newLatentModel(kind string, split *data.Split, dim int, seed uint64) (LatentModel, error) {
	if kind == "" {
		kind = LatentBPR
	}
	b, err := model.Build(model.BuildConfig{Kind: kind, Users: split.NumUsers(), Items: split.NumItems(),
		Options: model.Values{"dim": float64(dim)}, Seed: seed}, split.Train)
	if err != nil {
		return nil, fmt.Errorf("latent: %w", err)
	}
	m, ok := b.Model.(LatentModel)
	if !ok {
		return nil, fmt.Errorf("latent: a %s model has no representations to distil (want bpr or lightgcn)", kind)
	}
	return m, nil
}

// LatentTerm builds the distillation term of method for student (nil for
// LatentStudent), with o's per-method options or the defaults; the term's
// initialisation is seeded with seed.
func LatentTerm(method string, teacher model.Embedder, student model.Representer, o LatentOptions, seed uint64) (train.Term, error) {
	if method == LatentStudent {
		return nil, nil
	}
	var given distill.TermOptions
	for _, x := range []distill.TermOptions{o.Hint, o.DE, o.PHR, o.FTD, o.HTD} {
		if x.Method() == method {
			given = x
		}
	}
	m, err := distill.Lookup(method)
	if err != nil || m.Kind != distill.Latent {
		return nil, fmt.Errorf("latent: unknown method %q (want student or a latent method of distill's registry)", method)
	}
	tsc, ss := teacher.(model.Scorer)
	stc, ok := student.(model.Scorer)
	if !ss || !ok {
		return nil, fmt.Errorf("latent: %s: the teacher and the student must be models (model.Scorer)", method)
	}
	ts, err := distill.BuildTyped(method, given, distill.Env{Teacher: tsc, Student: stc, Seed: seed})
	if err != nil {
		return nil, err
	}
	return ts[0], nil
}

// latentKey returns the cache key of a run: everything its numbers depend on.
func latentKey(split *data.Split, teacherID string, o LatentOptions) string {
	type opts struct {
		Method                      string
		Dim                         int
		Seed                        uint64
		Protocol                    Protocol
		Epochs, EvalEvery, Patience int
		EvalAtStart, EvalFromFirst  bool
		Hint                        *distill.HintOptions
		DE                          *distill.DEOptions
		PHR                         *distill.PHROptions
		FTD                         *distill.FTDOptions
		HTD                         *distill.HTDOptions
		// Fields added later are omitted when zero, so that the keys of
		// earlier BPR runs do not change.
		Kind      string  `json:",omitempty"`
		LR        float64 `json:",omitempty"`
		BatchSize int     `json:",omitempty"`
		// Revision marks a method whose definition changed after runs
		// were cached: PHR follows the published re-implementation since
		// issue 20 (its default network is no longer kdrec-v1's).
		Revision int `json:",omitempty"`
	}
	kind := o.Kind
	if kind == LatentBPR {
		kind = ""
	}
	// DE and HTD annealed over the run's epoch cap until their schedules
	// became a property of the method (DETauEpochs, HTDTauEpochs). A run
	// with the default options whose cap differs from its method's length
	// now trains differently: its key names the options, so that a run
	// cached under the old meaning is not reused. Runs whose cap equals the
	// length keep their keys (and numbers).
	de, htd := o.DE, o.HTD
	if de == nil && o.Method == LatentDE && o.Epochs != distill.DETauEpochs {
		d := distill.DefaultDE()
		de = &d
	}
	if htd == nil && o.Method == LatentHTD && o.Epochs != distill.HTDTauEpochs {
		h := distill.DefaultHTD()
		htd = &h
	}
	rev := 0
	if o.Method == LatentPHR {
		rev = 2
	}
	b, _ := json.Marshal(opts{o.Method, o.Dim, o.Seed, o.Protocol, o.Epochs, o.EvalEvery, o.Patience, o.EvalAtStart, o.EvalFromFirst, o.Hint, de, o.PHR, o.FTD, htd, kind, o.LR, o.BatchSize, rev})
	h := sha256.New()
	h.Write([]byte(SplitFingerprint(split)))
	h.Write([]byte{0})
	h.Write([]byte(teacherID))
	h.Write([]byte{0})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)[:10])
}

// ErrNotCached is returned by TrainLatent with LatentOptions.CachedOnly when
// the run has not been trained yet.
var ErrNotCached = errors.New("run not in the cache")

// TrainLatent trains a BPR-MF student of o.Dim on split with the BPR loss
// plus the distillation term of o.Method from teacher (frozen), evaluates
// it, and returns the run. teacherID identifies the teacher in the cache
// key (its checkpoint hash). A cached run with the same key is returned
// without training unless o.NoCache.
//
// The trainer is train.Defaults() (Adam lr 1e-3, coupled L2 1e-3 on the
// student and the term's parameters, batch 1024), evaluating every
// o.EvalEvery epochs; with o.Patience > 0 it stops early on validation
// HR@{5,10,20} (LOO) or Recall@50 (full ranking) and restores the best
// validation state of the first of them.
func TrainLatent(ctx context.Context, split *data.Split, teacher model.Embedder, teacherID string, o LatentOptions) (*LatentRun, error) {
	if o.Dim <= 0 || o.Epochs <= 0 {
		return nil, fmt.Errorf("latent: need dim > 0 and epochs > 0, got %d and %d", o.Dim, o.Epochs)
	}
	dir := o.CacheDir
	if dir == "" {
		dir = CacheDir()
	}
	prefix := ""
	if o.Kind != "" && o.Kind != LatentBPR {
		prefix = o.Kind + "-"
	}
	path := filepath.Join(dir, "latent", fmt.Sprintf("%s%s-d%d-seed%d-%s.json", prefix, o.Method, o.Dim, o.Seed, latentKey(split, teacherID, o)))
	if !o.NoCache {
		if b, err := os.ReadFile(path); err == nil {
			var r LatentRun
			if err := json.Unmarshal(b, &r); err == nil && r.Result != nil && r.Test != nil {
				r.Cached = true
				return &r, nil
			}
		}
	}
	if o.CachedOnly {
		return nil, fmt.Errorf("latent %s d=%d seed=%d: %w", o.Method, o.Dim, o.Seed, ErrNotCached)
	}
	st, err := newLatentModel(o.Kind, split, o.Dim, o.Seed)
	if err != nil {
		return nil, err
	}
	terms := []train.Term{st.Loss()}
	term, err := LatentTerm(o.Method, teacher, st, o, o.Seed)
	if err != nil {
		return nil, err
	}
	aux := 0
	if term != nil {
		terms = append(terms, term)
		for _, p := range term.Params() {
			aux += p.Size()
		}
	}
	cfg := train.Defaults()
	cfg.Seed, cfg.Epochs, cfg.EvalEvery, cfg.Patience, cfg.EvalAtStart = o.Seed, o.Epochs, o.EvalEvery, o.Patience, o.EvalAtStart
	if o.LR > 0 {
		cfg.LR = o.LR
	}
	if o.BatchSize > 0 {
		cfg.BatchSize = o.BatchSize
	}
	cfg.Eval = EvalFunc(st, split, o.Protocol)
	if o.EvalFromFirst {
		every, inner := o.EvalEvery, cfg.Eval
		cfg.EvalEvery = 1
		cfg.Eval = func(ctx context.Context, epoch int) (map[string]float64, map[string]float64, error) {
			if every > 0 && (epoch-1)%every != 0 {
				return nil, nil, nil
			}
			return inner(ctx, epoch)
		}
	}
	cfg.StopMetrics = StopMetrics(o.Protocol)
	cfg.RestoreBest = o.Patience > 0
	var perRow []float64
	if c, ok := term.(interface{ ExpertsPerRow() float64 }); ok {
		cfg.Hooks = append(cfg.Hooks, train.Hook{OnEpoch: func(e train.EpochEvent) {
			perRow = append(perRow, c.ExpertsPerRow())
			if o.Log != nil && !o.Plain {
				return
			}
			if o.Log != nil {
				fmt.Fprintf(o.Log, "%s d=%d seed=%d epoch %d: %.2f s, experts/row %.2f, valid %v\n", o.Method, o.Dim, o.Seed, e.Epoch, e.Seconds, perRow[len(perRow)-1], e.Valid)
			}
		}})
	}
	label := fmt.Sprintf("%s d=%d seed=%d", o.Method, o.Dim, o.Seed)
	cfg.Hooks = append(cfg.Hooks, report.ProgressHook(o.Log, label, o.Plain))
	res, err := train.Fit(ctx, st, split.Train, terms, cfg)
	if err != nil {
		return nil, fmt.Errorf("latent %s: %w", label, err)
	}
	test, err := Evaluate(ctx, st, split, o.Protocol, "test")
	if err != nil {
		return nil, err
	}
	r := &LatentRun{Method: o.Method, Dim: o.Dim, Seed: o.Seed, Result: res, Test: test,
		SecondsPerEpoch: res.MeanEpochSeconds(), AuxParams: aux, ExpertsPerRow: perRow}
	if o.Protocol == LOO {
		r.Best = res.BestTest("HR")
	} else {
		r.Best = res.LastTest()
	}
	if !o.NoCache {
		b, err := json.Marshal(r)
		if err == nil {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
				err = model.WriteFileAtomic(path, b)
			}
		}
		if err != nil && o.Log != nil {
			fmt.Fprintf(o.Log, "latent: cannot cache %s: %v\n", path, err)
		}
	}
	return r, nil
}

// FullTeacherOptions configures CachedFullTeacher.
type FullTeacherOptions struct {
	// Kind is the teacher's base model, LatentBPR ("" too) or
	// LatentLightGCN; LR and BatchSize override train.Defaults() when > 0.
	Kind      string
	LR        float64
	BatchSize int
	// Dim, Seed and Epochs define the teacher (TD notebook: 200, 0, 100).
	Dim    int
	Seed   uint64
	Epochs int
	// EvalEvery is the period of the recorded test curve (10 in the notebook).
	EvalEvery int
	// CacheDir holds the checkpoint ("" means CacheDir()); CachedOnly
	// makes CachedFullTeacher fail with ErrNotCached instead of training.
	CacheDir   string
	CachedOnly bool
	// Log receives progress (nil: quiet).
	Log io.Writer
}

// FullTeacher is a BPR teacher trained for a fixed number of epochs with
// full-ranking evaluation (the TD notebook's teacher).
type FullTeacher struct {
	// Model is the teacher after the last epoch.
	Model LatentModel
	// Path is the checkpoint and Hash its SHA-256, the teacher's identity.
	Path, Hash string
	// Curve is the test Recall@50 at epochs 0, EvalEvery, 2·EvalEvery, …
	Curve []float64
	// SecondsPerEpoch is the mean training time of an epoch.
	SecondsPerEpoch float64
	// Cached says whether the checkpoint was loaded rather than trained.
	Cached bool
}

// CachedFullTeacher returns the BPR teacher of a full-ranking split (no
// early stopping: o.Epochs epochs, the last state kept), loading it from
// CacheDir()/teachers/bpr-<split fingerprint>-d<dim>-seed<seed>-ep<epochs>-full.ckpt
// when present, otherwise training and saving it.
func CachedFullTeacher(ctx context.Context, s *data.Split, o FullTeacherOptions) (*FullTeacher, error) {
	if o.Dim <= 0 || o.Epochs <= 0 || o.EvalEvery <= 0 {
		return nil, fmt.Errorf("teacher: need dim, epochs and eval-every > 0, got %d, %d, %d", o.Dim, o.Epochs, o.EvalEvery)
	}
	dir := o.CacheDir
	if dir == "" {
		dir = CacheDir()
	}
	kind, extra := o.Kind, ""
	if kind == "" {
		kind = LatentBPR
	}
	if o.LR > 0 {
		extra += "-lr" + strconv.FormatFloat(o.LR, 'g', -1, 64)
	}
	if o.BatchSize > 0 {
		extra += "-b" + strconv.Itoa(o.BatchSize)
	}
	path := filepath.Join(dir, "teachers", fmt.Sprintf("%s-%s-d%d-seed%d-ep%d%s-full.ckpt", kind, SplitFingerprint(s), o.Dim, o.Seed, o.Epochs, extra))
	if _, err := os.Stat(path); err == nil {
		c, meta, err := model.Load(path)
		if err == nil && c.Kind() != kind {
			err = fmt.Errorf("holds a %s model, not %s (an altered header?)", c.Kind(), kind)
		}
		if err == nil {
			if m, ok := c.(LatentModel); ok {
				t := &FullTeacher{Model: m, Path: path, Cached: true}
				_ = json.Unmarshal([]byte(meta["curve"]), &t.Curve)
				t.SecondsPerEpoch, _ = strconv.ParseFloat(meta["seconds_per_epoch"], 64)
				if t.Hash, err = FileHash(path); err != nil {
					return nil, err
				}
				return t, nil
			}
		}
		if o.Log != nil {
			fmt.Fprintf(o.Log, "teacher: cached checkpoint %s unusable, retraining: %v\n", path, err)
		}
	}
	if o.CachedOnly {
		return nil, fmt.Errorf("teacher %s: %w", path, ErrNotCached)
	}
	m, err := newLatentModel(o.Kind, s, o.Dim, o.Seed)
	if err != nil {
		return nil, err
	}
	cfg := train.Defaults()
	cfg.Seed, cfg.Epochs, cfg.EvalEvery, cfg.Patience, cfg.EvalAtStart = o.Seed, o.Epochs, o.EvalEvery, 0, true
	if o.LR > 0 {
		cfg.LR = o.LR
	}
	if o.BatchSize > 0 {
		cfg.BatchSize = o.BatchSize
	}
	cfg.Eval = EvalFunc(m, s, Full)
	cfg.StopMetrics = StopMetrics(Full)
	cfg.Hooks = append(cfg.Hooks, report.ProgressHook(o.Log, fmt.Sprintf("teacher %s d=%d (full)", kind, o.Dim), true))
	res, err := train.Fit(ctx, m, s.Train, []train.Term{m.Loss()}, cfg)
	if err != nil {
		return nil, fmt.Errorf("teacher: %w", err)
	}
	t := &FullTeacher{Model: m, Path: path, SecondsPerEpoch: res.MeanEpochSeconds()}
	_, t.Curve = res.TestCurve("Recall@50")
	cb, _ := json.Marshal(t.Curve)
	meta := map[string]string{"split": s.Name, "curve": string(cb), "epochs": strconv.Itoa(res.Epochs),
		"seconds_per_epoch": strconv.FormatFloat(t.SecondsPerEpoch, 'g', 6, 64), "trained": time.Now().UTC().Format(time.RFC3339)}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	if err := model.Save(path, m, meta); err != nil {
		return nil, fmt.Errorf("teacher: %w", err)
	}
	if t.Hash, err = FileHash(path); err != nil {
		return nil, err
	}
	return t, nil
}

// Spread is the mean and sample standard deviation of a metric over seeds.
type Spread struct {
	// Mean and Std are the mean and the sample standard deviation.
	Mean, Std float64
	// N is the number of values.
	N int
}

// String formats the spread as "mean ± std" (just the mean for one seed).
func (s Spread) String() string {
	if s.N <= 1 {
		return fmt.Sprintf("%.4f", s.Mean)
	}
	return fmt.Sprintf("%.4f ± %.4f", s.Mean, s.Std)
}

// SpreadOf returns the mean and sample standard deviation of xs.
func SpreadOf(xs []float64) Spread {
	s := Spread{N: len(xs)}
	if s.N == 0 {
		return s
	}
	for _, x := range xs {
		s.Mean += x
	}
	s.Mean /= float64(s.N)
	if s.N > 1 {
		for _, x := range xs {
			s.Std += (x - s.Mean) * (x - s.Mean)
		}
		s.Std = math.Sqrt(s.Std / float64(s.N-1))
	}
	return s
}

// LatentTable builds a table with one row per method: the mean ± std over
// seeds of metrics taken from each run's Best, the paired tests (t-test and
// Wilcoxon p-values, on the per-user test values of metrics[0] of the
// first seed's run) against the runs of baseline, and the mean seconds
// per epoch. runs maps a method to its runs (one per seed, same seeds in
// the same order for every method).
func LatentTable(title string, runs map[string][]*LatentRun, order []string, baseline string, metrics []string) (*report.Table, error) {
	tb := &report.Table{Title: title, Header: append(append([]string{"method", "seeds"}, metrics...), "Δ vs "+baseline, "p (t / Wilcoxon)", "s/epoch", "epochs")}
	base := runs[baseline]
	for _, m := range order {
		rs := runs[m]
		if len(rs) == 0 {
			continue
		}
		row := []any{m, len(rs)}
		for _, k := range metrics {
			var xs []float64
			for _, r := range rs {
				xs = append(xs, r.Best[k])
			}
			row = append(row, SpreadOf(xs).String())
		}
		delta, p := "", ""
		if m != baseline && len(base) > 0 {
			var d []float64
			for i := range rs {
				if i < len(base) {
					d = append(d, rs[i].Best[metrics[0]]-base[i].Best[metrics[0]])
				}
			}
			delta = fmt.Sprintf("%+.4f", SpreadOf(d).Mean)
			var ts, ws []string
			for i := range rs {
				if i >= len(base) {
					break
				}
				c, err := eval.Compare(rs[i].Test, base[i].Test, metrics[0])
				if err != nil {
					return nil, err
				}
				ts = append(ts, fmt.Sprintf("%.2g", c.T.P))
				ws = append(ws, fmt.Sprintf("%.2g", c.Wilcoxon.P))
			}
			p = strings.Join(ts, ",") + " / " + strings.Join(ws, ",")
		}
		var secs, eps []float64
		for _, r := range rs {
			secs = append(secs, r.SecondsPerEpoch)
			eps = append(eps, float64(r.Result.Epochs))
		}
		row = append(row, delta, p, fmt.Sprintf("%.2f", SpreadOf(secs).Mean), fmt.Sprintf("%.0f", SpreadOf(eps).Mean))
		tb.AddRow(row...)
	}
	return tb, nil
}

// TDNotebookRecall50 holds the TD notebook's test Recall@50 (full ranking,
// CiteULike TD split, BPR teacher d=200, λ_TD = 0.001, α = 0.5, K = 30,
// seed 0) at epochs 0, 10, …, 100 [methods.md §4.2b, V-log]:
// TDNotebookRecall50[d][method] for student sizes d = 10, 20, 100, 200 and
// the methods "student", "ftd", "htd"; the teacher's curve is under d = 0.
var TDNotebookRecall50 = map[int]map[string][]float64{
	0: {"teacher": {.0918, .2198, .2543, .2681, .2884, .2974, .3002, .3116, .3066, .3062, .3123}},
	10: {
		LatentStudent: {.0293, .1175, .1303, .1416, .1485, .1552, .1604, .1665, .1701, .1759, .1788},
		LatentFTD:     {.0910, .1577, .1372, .1496, .1684, .1834, .1941, .2008, .2025, .2066, .2112},
		LatentHTD:     {.0634, .1625, .1882, .2064, .2125, .2186, .2225, .2238, .2263, .2276, .2282},
	},
	20: {
		LatentStudent: {.0374, .1255, .1508, .1700, .1857, .1941, .2077, .2129, .2171, .2226, .2276},
		LatentFTD:     {.1295, .1774, .1874, .2094, .2255, .2353, .2407, .2441, .2500, .2502, .2516},
		LatentHTD:     {.1050, .1962, .2240, .2418, .2504, .2552, .2596, .2700, .2686, .2732, .2744},
	},
	100: {
		LatentStudent: {.0690, .1933, .2309, .2493, .2648, .2738, .2786, .2870, .2909, .2979, .2976},
		LatentFTD:     {.1826, .2439, .2774, .2924, .3020, .3064, .3125, .3106, .3114, .3098, .3116},
		LatentHTD:     {.1602, .2376, .2684, .2801, .2909, .2970, .3033, .3058, .3083, .3089, .3116},
	},
	200: {
		LatentStudent: {.0945, .2192, .2516, .2767, .2868, .2978, .3031, .3068, .3050, .3116, .3152},
		LatentFTD:     {.1897, .2640, .2987, .3039, .3091, .3127, .3114, .3154, .3135, .3123, .3175},
		LatentHTD:     {.1542, .2499, .2750, .2912, .3010, .3117, .3152, .3165, .3146, .3181, .3200},
	},
}

// DERRDLog holds the test metrics of the DE-RRD repository logs (CiteULike
// LOO split seed 0, BPR 200 → 20, best validation epoch per cut-off)
// [methods.md §4.2a, V-log] for "student" and "de".
var DERRDLog = map[string]map[string]float64{
	LatentStudent: {"HR@5": .4486, "NDCG@5": .3353, "MRR@5": .2978, "HR@10": .5559, "NDCG@10": .3686, "MRR@10": .3104, "HR@20": .6584, "NDCG@20": .3966, "MRR@20": .3201},
	LatentDE:      {"HR@5": .4773, "NDCG@5": .3595, "MRR@5": .3205, "HR@10": .5796, "NDCG@10": .3933, "MRR@10": .3350, "HR@20": .6729, "NDCG@20": .4149, "MRR@20": .3391},
}

// TDCurveTable compares TD runs with the notebook: for every student size
// and method, the mean test Recall@50 over seeds at epochs 0, 10, …, 100
// (ours, then the notebook's final value), and at the last epoch the
// spread over seeds and the paired tests against the plain student of the
// same size and seed. runs[d][method] lists the runs, seeds in the same
// order for every method.
func TDCurveTable(runs map[int]map[string][]*LatentRun) (*report.Table, error) {
	return TDCurveTableRef(runs, TDNotebookRecall50)
}

// TDCurveTableRef is TDCurveTable with the reference final values taken
// from ref (same layout as TDNotebookRecall50; nil leaves the column empty,
// for settings the notebook did not run).
func TDCurveTableRef(runs map[int]map[string][]*LatentRun, ref map[int]map[string][]float64) (*report.Table, error) {
	header := []string{"d", "method", "seeds"}
	for e := 0; e <= 100; e += 10 {
		header = append(header, fmt.Sprintf("ep%d", e))
	}
	header = append(header, "notebook ep100", "final (mean ± std)", "Δ vs student", "p (t / Wilcoxon)", "s/epoch")
	tb := &report.Table{Title: "TD split: test Recall@50 (full ranking) every 10 epochs, mean over seeds", Header: header}
	var dims []int
	for d := range runs {
		dims = append(dims, d)
	}
	slices.Sort(dims)
	for _, d := range dims {
		base := runs[d][LatentStudent]
		for _, m := range []string{LatentStudent, LatentHint, LatentDE, LatentFTD, LatentHTD} {
			rs := runs[d][m]
			if len(rs) == 0 {
				continue
			}
			row := []any{d, m, len(rs)}
			var curves [][]float64
			for _, r := range rs {
				_, c := r.Result.TestCurve("Recall@50")
				curves = append(curves, c)
			}
			for k := 0; k <= 10; k++ {
				var xs []float64
				for _, c := range curves {
					if k < len(c) {
						xs = append(xs, c[k])
					}
				}
				if len(xs) == 0 {
					row = append(row, "")
				} else {
					row = append(row, fmt.Sprintf("%.4f", SpreadOf(xs).Mean))
				}
			}
			nb := ""
			if c, ok := ref[d][m]; ok {
				nb = fmt.Sprintf("%.4f", c[len(c)-1])
			}
			var finals, deltas, secs []float64
			var ts, ws []string
			for i, r := range rs {
				finals = append(finals, r.Best["Recall@50"])
				secs = append(secs, r.SecondsPerEpoch)
				if m != LatentStudent && i < len(base) {
					deltas = append(deltas, r.Best["Recall@50"]-base[i].Best["Recall@50"])
					c, err := eval.Compare(r.Test, base[i].Test, "Recall@50")
					if err != nil {
						return nil, err
					}
					ts = append(ts, fmt.Sprintf("%.2g", c.T.P))
					ws = append(ws, fmt.Sprintf("%.2g", c.Wilcoxon.P))
				}
			}
			delta, p := "", ""
			if len(deltas) > 0 {
				delta = fmt.Sprintf("%+.4f", SpreadOf(deltas).Mean)
				p = strings.Join(ts, ",") + " / " + strings.Join(ws, ",")
			}
			row = append(row, nb, SpreadOf(finals).String(), delta, p, fmt.Sprintf("%.2f", SpreadOf(secs).Mean))
			tb.AddRow(row...)
		}
	}
	return tb, nil
}

package exp

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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

// HetCompOptions configures HetCompReproduce. Zero fields take the values
// in brackets (the reference's, methods.md §3.9).
type HetCompOptions struct {
	// Dataset labels the report.
	Dataset string
	// Trajectory configures the teachers (their cache and budgets).
	Trajectory TrajectoryOptions
	// Temperatures are the candidate importance temperatures of the
	// ensemble; the one with the best validation Recall@50 of the converged
	// ensemble is used [2, 5, 10, 20]. Each must be > 0.
	Temperatures []float64
	// Methods are the student runs, in order, among "student" (w/o KD),
	// "rrd" (RRD with the ensemble's deterministic top-K), "cl-drd", "dcd"
	// and "hetcomp" [all five].
	Methods []string
	// Dim is the student's size [6].
	Dim int
	// Epochs caps every student run [1000]; EvalEvery [10] and Patience [5]
	// (evaluations without improvement of validation Recall@50) as in the
	// reference.
	Epochs, EvalEvery, Patience int
	// LR, WeightDecay and BatchSize configure Adam [1e-3, 1e-5, 1024].
	LR, WeightDecay float64
	BatchSize       int
	// HetComp configures the HetComp term (zero: reference values).
	HetComp distill.HetCompOptions
	// ListN is the length of the baselines' ensemble lists [200]; RRD,
	// CLDRD and DCD configure the baselines (zero: their defaults; RRD
	// always uses the deterministic top-K).
	ListN int
	RRD   distill.RRDOptions
	CLDRD distill.CLDRDOptions
	DCD   distill.DCDOptions
	// WithBPR adds the student's BPR loss to HetComp's KD loss (the
	// third-party variant; the authors' code trains with the KD loss only).
	WithBPR bool
	// Seed drives the students' initialisation and sampling.
	Seed uint64
	// Budget, if > 0, bounds the wall time of each student run: a run that
	// reaches it stops after its current batch, keeps its best evaluation
	// so far (restored) and is marked StoppedByBudget.
	Budget time.Duration
	// Log receives progress (nil: quiet); Plain selects line output.
	Log   io.Writer
	Plain bool
}

func (o *HetCompOptions) defaults() error {
	if o.Temperatures == nil {
		o.Temperatures = []float64{2, 5, 10, 20}
	}
	if o.Methods == nil {
		o.Methods = []string{"student", "rrd", "cl-drd", "dcd", "hetcomp"}
	}
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&o.Dim, 6)
	def(&o.Epochs, 1000)
	def(&o.EvalEvery, 10)
	def(&o.Patience, 5)
	def(&o.BatchSize, 1024)
	def(&o.ListN, 200)
	o.RRD.TopK = true
	if o.LR == 0 {
		o.LR = 1e-3
	}
	if o.WeightDecay == 0 {
		o.WeightDecay = 1e-5
	}
	for _, t := range o.Temperatures {
		if !(t > 0) {
			return fmt.Errorf("hetcomp: Temperatures must be > 0, got %v", o.Temperatures)
		}
	}
	for _, m := range o.Methods {
		if m == LatentStudent {
			continue
		}
		if _, ok := o.typedOptions(m); !ok {
			return fmt.Errorf("hetcomp: unknown method %q (want student or one of %s)", m, strings.Join(o.typedMethods(), ", "))
		}
	}
	if slices.Contains(o.Methods, o.CLDRD.Method()) {
		semi := o.CLDRD.SemiDepth
		if semi == 0 {
			semi = distill.DefaultCLDRDSemiDepth
		}
		if semi > o.ListN {
			return fmt.Errorf("hetcomp: cl-drd reaches ensemble rank %d (CLDRD.SemiDepth) but ListN is %d: lower CLDRD.SemiDepth and HardDepth or raise ListN", semi, o.ListN)
		}
	}
	if o.Dim < 1 || o.Epochs < 1 || o.EvalEvery < 1 || o.Patience < 0 || o.BatchSize < 1 {
		return fmt.Errorf("hetcomp: need Dim, Epochs, EvalEvery, BatchSize >= 1 and Patience >= 0, got %d, %d, %d, %d, %d",
			o.Dim, o.Epochs, o.EvalEvery, o.BatchSize, o.Patience)
	}
	return nil
}

// HetCompRun is one student run.
type HetCompRun struct {
	// Method is "student", "rrd", "cl-drd", "dcd" or "hetcomp".
	Method string
	// Test holds the full-ranking test metrics at the best validation
	// Recall@50 evaluation (parameters restored there).
	Test map[string]float64
	// BestEpoch is that evaluation's epoch, Epochs the number trained and
	// StoppedEarly whether patience ended the run (else the cap did).
	BestEpoch, Epochs int
	StoppedEarly      bool
	// StoppedByBudget says the wall-time Budget ended the run.
	StoppedByBudget bool `json:",omitempty"`
	// CurveEpochs and CurveTest are the test Recall@50 at every evaluation
	// (epoch 0 first).
	CurveEpochs []int
	CurveTest   []float64
	// Params and MsPerUser are the student's size and inference latency.
	Params    int
	MsPerUser float64
	// CPUPerEpoch and WallPerEpoch are the seconds of one training epoch
	// (evaluations excluded; CPU counts both cores).
	CPUPerEpoch, WallPerEpoch float64
	// DKC is HetComp's stage history; PhaseSwitch the epoch after which
	// phase 2 started (0 if never).
	DKC         []distill.DKCRecord `json:",omitempty"`
	PhaseSwitch int                 `json:",omitempty"`
	// Cached says whether the run was loaded from the cache.
	Cached bool `json:"-"`
}

// HetCompReport is the outcome of HetCompReproduce.
type HetCompReport struct {
	// Dataset and Split name the data (HetCompOptions.Dataset, Split.Name).
	Dataset, Split string
	// Teachers are the six trajectories.
	Teachers []*TeacherTrajectory
	// T is the chosen ensemble temperature and TValid the validation
	// Recall@50 of the converged ensemble for each candidate.
	T      float64
	TValid map[string]float64
	// EnsembleTest holds the converged ensemble's test metrics;
	// EnsembleMsPerUser the latency of running it (all six teachers, a
	// top-N per teacher and the aggregation, per user).
	EnsembleTest      map[string]float64
	EnsembleMsPerUser float64
	// CPUMs holds the CPU milliseconds per user of one ScoreAll call (one
	// goroutine, process CPU time over 100 users; steadier than wall time
	// on a shared machine), keyed by teacher name, "ensemble" and
	// "student" (an MF of the student's shape: its cost does not depend on
	// the weights).
	CPUMs map[string]float64
	// ListsSeconds is the wall time of the baselines' ensemble lists.
	ListsSeconds float64
	// Runs are the students, in Methods order.
	Runs []*HetCompRun
	// Epochs, EvalEvery, Patience and Dim echo the student settings.
	Epochs, EvalEvery, Patience, Dim int
}

// HetCompReproduce runs the HetComp experiment on split s (methods.md
// §3.9, §4.3): the six teachers' trajectories (BuildTrajectories), the
// ensemble (its temperature chosen on validation), and the students — w/o
// KD, RRD, CL-DRD and DCD on the converged ensemble's ranking, and HetComp — each
// trained with Adam (lr 1e-3, coupled L2 1e-5, batches of 1024 training
// pairs), evaluated by full ranking every EvalEvery epochs (validation and
// test), early-stopped on validation Recall@50 with Patience and restored
// to its best evaluation. RRD (TopK, K = L = 40, λ = 1e-3), CL-DRD and
// DCD (their defaults) are added to the BPR loss, as in their papers
// (CL-DRD's dense retrievers train on their own labels too); HetComp is
// trained by its KD loss only unless WithBPR. The baselines' teacher
// lists are the top-200 users and items of the dense LiveEnsemble of the
// converged teachers (DCD needs the item side).
//
// Student runs are cached (JSON, keyed by split, options and teachers)
// under <CacheDir>/hetcomp/<fingerprint>/runs, so a rerun only redraws.
func HetCompReproduce(ctx context.Context, s *data.Split, o HetCompOptions) (*HetCompReport, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	if err := o.Trajectory.defaults(); err != nil {
		return nil, err
	}
	logf := func(format string, a ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format, a...)
		}
	}
	rep := &HetCompReport{Dataset: o.Dataset, Split: s.Name, TValid: map[string]float64{},
		Epochs: o.Epochs, EvalEvery: o.EvalEvery, Patience: o.Patience, Dim: o.Dim}
	tts, err := BuildTrajectories(ctx, s, o.Trajectory)
	if err != nil {
		return nil, err
	}
	rep.Teachers = tts
	var trs []*distill.Trajectory
	var teacherKey strings.Builder
	for _, tt := range tts {
		trs = append(trs, tt.Traj)
		teacherKey.WriteString(tt.Dir + ";")
	}
	// The ensemble: temperature on validation.
	ens, T, tValid, err := chooseEnsemble(ctx, s, trs, o.Temperatures)
	if err != nil {
		return nil, err
	}
	rep.T, rep.TValid = T, tValid
	sc, _ := ens.Scorer(ens.NumStages() - 1)
	te, err := eval.FullRanking(ctx, sc, s, eval.Test, eval.Options{Cutoffs: []int{10, 50}})
	if err != nil {
		return nil, err
	}
	rep.EnsembleTest = te.Means()
	var conv []model.Scorer
	for _, tt := range tts {
		m, err := tt.Converged()
		if err != nil {
			return nil, err
		}
		conv = append(conv, m)
	}
	live := &distill.LiveEnsemble{Teachers: conv, Train: s.Train, T: rep.T, N: ens.N}
	lat, err := eval.Latency(ctx, live, eval.SampleUsers(s.NumUsers(), 50, 0))
	if err != nil {
		return nil, err
	}
	rep.EnsembleMsPerUser = float64(lat) / 1e6
	rep.CPUMs = map[string]float64{}
	users := eval.SampleUsers(s.NumUsers(), 100, 1)
	for k, tt := range tts {
		rep.CPUMs[tt.Spec.Name] = cpuLatency(conv[k], users)
	}
	rep.CPUMs["ensemble"] = cpuLatency(live, users)
	if probe, err := model.NewBPR(model.BPRConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: o.Dim}); err == nil {
		rep.CPUMs["student"] = cpuLatency(probe, users)
	}
	logf("hetcomp: ensemble T=%v (valid Recall@50 by T: %v), test %v, %.2f ms/user\n", rep.T, rep.TValid, rep.EnsembleTest, rep.EnsembleMsPerUser)

	root := filepath.Join(o.Trajectory.CacheDir, "hetcomp", SplitFingerprint(s))
	var lists *distill.TeacherLists
	for _, method := range o.Methods {
		key, _ := json.Marshal(struct {
			Method, Teachers                 string
			T                                float64
			Dim, Epochs, EvalEvery, Patience int
			LR, WD                           float64
			Batch                            int
			HC                               distill.HetCompOptions
			ListN                            int
			RRD                              distill.RRDOptions
			DCD                              distill.DCDOptions
			WithBPR                          bool
			Seed                             uint64
			Version                          int
			CLDRD                            *distill.CLDRDOptions `json:",omitempty"` // CL-DRD's runs only: the others' keys predate it
		}{method, teacherKey.String(), rep.T, o.Dim, o.Epochs, o.EvalEvery, o.Patience, o.LR, o.WeightDecay, o.BatchSize, o.HetComp, o.ListN, o.RRD, o.DCD, o.WithBPR, o.Seed, hetcompRunVersion(method), cldrdKey(method, o.CLDRD)})
		sum := sha256.Sum256(key)
		path := filepath.Join(root, "runs", fmt.Sprintf("%s-%x.json", method, sum[:8]))
		if b, err := os.ReadFile(path); err == nil {
			run := &HetCompRun{}
			if json.Unmarshal(b, run) == nil && run.Method == method {
				run.Cached = true
				logf("hetcomp: %s loaded from %s\n", method, path)
				rep.Runs = append(rep.Runs, run)
				continue
			}
		}
		if (method == "rrd" || method == "cl-drd" || method == "dcd") && lists == nil {
			start := time.Now()
			lists, err = ensembleLists(ctx, s, conv, rep.T, ens.N, o.ListN, filepath.Join(root, "lists"), teacherKey.String(), o.Log)
			if err != nil {
				return nil, err
			}
			rep.ListsSeconds = time.Since(start).Seconds()
		}
		run, err := hetcompStudent(ctx, s, ens, lists, method, &o)
		if err != nil {
			return nil, err
		}
		b, _ := json.MarshalIndent(run, "", " ")
		if err := model.WriteFileAtomic(path, b); err != nil {
			return nil, err
		}
		rep.Runs = append(rep.Runs, run)
	}
	return rep, nil
}

// hetcompRunVersion is the version in a run's cache key: 2 for DCD, which
// follows KDs since issue 20 (a cached run of kdrec's earlier DCD, whose
// zero DCDOptions now mean the reference, is not reused), 1 otherwise.
func hetcompRunVersion(method string) int {
	if method == "dcd" {
		return 2
	}
	return 1
}

// typedOptions returns the options struct of o that configures method (the
// methods the driver trains: RRD, CL-DRD, DCD and HetComp).
func (o *HetCompOptions) typedOptions(method string) (distill.TermOptions, bool) {
	for _, x := range []distill.TermOptions{&o.RRD, &o.CLDRD, &o.DCD, &o.HetComp} {
		if x.Method() == method {
			return x, true
		}
	}
	return nil, false
}

// typedMethods names the methods typedOptions knows.
func (o *HetCompOptions) typedMethods() []string {
	return []string{o.RRD.Method(), o.CLDRD.Method(), o.DCD.Method(), o.HetComp.Method()}
}

// cldrdKey is the CL-DRD part of a run's cache key: its options for
// CL-DRD, nothing for the other methods.
func cldrdKey(method string, o distill.CLDRDOptions) *distill.CLDRDOptions {
	if method != o.Method() {
		return nil
	}
	return &o
}

// hetcompStudent trains one student.
func hetcompStudent(ctx context.Context, s *data.Split, ens *distill.Ensemble, lists *distill.TeacherLists, method string, o *HetCompOptions) (*HetCompRun, error) {
	st, err := model.NewBPR(model.BPRConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: o.Dim, Seed: o.Seed})
	if err != nil {
		return nil, err
	}
	cfg := train.Config{Epochs: o.Epochs, BatchSize: o.BatchSize, Seed: o.Seed, LR: o.LR, WeightDecay: o.WeightDecay,
		EvalEvery: o.EvalEvery, EvalAtStart: true, Patience: o.Patience, StopMetrics: []string{"Recall@50"}, RestoreBest: true}
	cfg.Eval = func(ctx context.Context, epoch int) (map[string]float64, map[string]float64, error) {
		v, err := eval.FullRanking(ctx, st, s, eval.Valid, eval.Options{Cutoffs: []int{10, 50}})
		if err != nil {
			return nil, nil, err
		}
		t, err := eval.FullRanking(ctx, st, s, eval.Test, eval.Options{Cutoffs: []int{10, 50}})
		if err != nil {
			return nil, nil, err
		}
		return v.Means(), t.Means(), nil
	}
	var terms []train.Term
	var hc *distill.HetCompTerm
	if method == LatentStudent {
		terms = []train.Term{st.Loss()}
	} else {
		typed, _ := o.typedOptions(method)
		kd, err := distill.BuildTyped(method, typed, distill.Env{Student: st, Seed: o.Seed, Ensemble: ens,
			Lists: func(int, bool) (*distill.TeacherLists, error) { return lists, nil }})
		if err != nil {
			return nil, err
		}
		if h, ok := kd[0].(*distill.HetCompTerm); ok {
			// HetComp trains on its own loss (the authors' code), with
			// the student's BPR loss only when asked for.
			hc, terms = h, kd
			if o.WithBPR {
				terms = append(terms, st.Loss())
			}
			cfg.Hooks = append(cfg.Hooks, hc.Hook())
		} else {
			terms = append([]train.Term{st.Loss()}, kd...)
		}
	}
	// CPU seconds of the training part of each epoch (evaluation excluded).
	var cpu, mark float64
	mark = cpuSeconds()
	cfg.Hooks = append(cfg.Hooks, train.Hook{
		OnBatch: func(e train.BatchEvent) {
			if e.Batch == e.Batches {
				cpu += cpuSeconds() - mark
			}
		},
		OnEpoch: func(train.EpochEvent) { mark = cpuSeconds() },
	})
	fitCtx := ctx
	if o.Budget > 0 {
		var cancel context.CancelFunc
		fitCtx, cancel = context.WithTimeout(ctx, o.Budget)
		defer cancel()
	}
	cfg.Hooks = append(cfg.Hooks, report.ProgressHook(o.Log, method, o.Plain))
	res, err := train.Fit(fitCtx, st, s.Train, terms, cfg)
	byBudget := false
	if err != nil {
		if !(errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil && res != nil && len(res.Best) > 0) {
			return nil, fmt.Errorf("hetcomp: %s: %w", method, err)
		}
		byBudget = true
	}
	b := res.Best["Recall@50"]
	run := &HetCompRun{Method: method, Test: b.Test, BestEpoch: b.Epoch, Epochs: res.Epochs, StoppedEarly: res.StoppedEarly, StoppedByBudget: byBudget,
		Params: st.NumParams(), CPUPerEpoch: cpu / float64(max(1, res.Epochs)), WallPerEpoch: res.MeanEpochSeconds()}
	run.CurveEpochs, run.CurveTest = res.TestCurve("Recall@50")
	lat, err := eval.Latency(ctx, st, eval.SampleUsers(s.NumUsers(), 200, 0))
	if err != nil {
		return nil, err
	}
	run.MsPerUser = float64(lat) / 1e6
	if hc != nil {
		run.DKC = hc.History()
		for _, r := range run.DKC {
			if r.Phase == 2 {
				run.PhaseSwitch = r.Epoch
				break
			}
		}
	}
	return run, nil
}

// cpuLatency returns the process CPU milliseconds per ScoreAll call over
// users, on the calling goroutine (one warm-up call first).
func cpuLatency(m model.Scorer, users []int32) float64 {
	out := make([]float32, m.NumItems())
	m.ScoreAll(int(users[0]), out)
	c0 := cpuSeconds()
	for _, u := range users {
		m.ScoreAll(int(u), out)
	}
	return (cpuSeconds() - c0) * 1e3 / float64(len(users))
}

// hetcompLabels are the table labels of the methods.
var hetcompLabels = map[string]string{"student": "Student w/o KD", "rrd": "RRD (top-K)", "cl-drd": "CL-DRD", "dcd": "DCD", "hetcomp": "HetComp"}

// Table returns the report's main table: every teacher, the ensemble and
// every student with full-ranking test Recall/NDCG@{10,50}, parameter
// counts, inference ms/user and epochs.
func (r *HetCompReport) Table() *report.Table {
	tb := &report.Table{Title: fmt.Sprintf("HetComp on %s (%s), full ranking, test", r.Dataset, r.Split),
		Header: []string{"model", "params", "Recall@10", "NDCG@10", "Recall@50", "NDCG@50", "ms/user", "CPU ms/user", "epochs (best)"}}
	cms := func(k string) string {
		if v, ok := r.CPUMs[k]; ok {
			return fmt.Sprintf("%.3f", v)
		}
		return "–"
	}
	f := func(m map[string]float64, k string) string { return fmt.Sprintf("%.4f", m[k]) }
	total := 0
	for _, tt := range r.Teachers {
		total += tt.Params
		tb.AddRow(fmt.Sprintf("%s (%s d=%d)", tt.Spec.Name, tt.Spec.Kind, tt.Spec.Dim), tt.Params, f(tt.Test, "Recall@10"), f(tt.Test, "NDCG@10"),
			f(tt.Test, "Recall@50"), f(tt.Test, "NDCG@50"), fmt.Sprintf("%.3f", tt.MsPerUser), cms(tt.Spec.Name), fmt.Sprintf("%d (%d)", tt.Epochs, tt.StageEpochs[len(tt.StageEpochs)-1]))
	}
	tb.AddRow(fmt.Sprintf("Ensemble (T=%v)", r.T), total, f(r.EnsembleTest, "Recall@10"), f(r.EnsembleTest, "NDCG@10"),
		f(r.EnsembleTest, "Recall@50"), f(r.EnsembleTest, "NDCG@50"), fmt.Sprintf("%.3f", r.EnsembleMsPerUser), cms("ensemble"), "–")
	for _, run := range r.Runs {
		ep := fmt.Sprintf("%d (%d)", run.Epochs, run.BestEpoch)
		switch {
		case run.StoppedByBudget:
			ep += " time"
		case !run.StoppedEarly:
			ep += " cap"
		}
		tb.AddRow(fmt.Sprintf("%s (MF d=%d)", hetcompLabels[run.Method], r.Dim), run.Params, f(run.Test, "Recall@10"), f(run.Test, "NDCG@10"),
			f(run.Test, "Recall@50"), f(run.Test, "NDCG@50"), fmt.Sprintf("%.3f", run.MsPerUser), cms("student"), ep)
	}
	tb.Notes = append(tb.Notes, fmt.Sprintf("Students: eval every %d epochs, patience %d, cap %d epochs; \"cap\" marks runs the cap ended.", r.EvalEvery, r.Patience, r.Epochs),
		"ms/user: wall ms of one user's scores over the catalogue on one goroutine, CPU ms/user the same in process CPU time (steadier on a shared machine); the ensemble runs all six teachers, a top-N per teacher and the aggregation.")
	return tb
}

// CostTable returns the training-cost table: per teacher its epochs, stage
// epochs and CPU seconds, and per student its CPU and wall seconds per
// epoch.
func (r *HetCompReport) CostTable() *report.Table {
	tb := &report.Table{Title: "Training cost", Header: []string{"model", "epochs", "stage epochs (valid Recall@50)", "CPU s train", "CPU s lists", "CPU s/epoch", "wall s/epoch"}}
	for _, tt := range r.Teachers {
		st := ""
		for k, e := range tt.StageEpochs {
			st += fmt.Sprintf("%d (%.3f) ", e, tt.StageValid[k])
		}
		tb.AddRow(tt.Spec.Name, tt.Epochs, strings.TrimSpace(st), fmt.Sprintf("%.0f", tt.TrainCPU), fmt.Sprintf("%.0f", tt.BuildCPU),
			fmt.Sprintf("%.2f", tt.TrainCPU/float64(max(1, tt.Epochs))), fmt.Sprintf("%.2f", tt.TrainWall/float64(max(1, tt.Epochs))))
	}
	for _, run := range r.Runs {
		tb.AddRow(hetcompLabels[run.Method], run.Epochs, "–", "–", "–", fmt.Sprintf("%.2f", run.CPUPerEpoch), fmt.Sprintf("%.2f", run.WallPerEpoch))
	}
	tb.Notes = append(tb.Notes, "Teachers: CPU s train includes the validation evaluations; students' s/epoch exclude evaluation. CPU counts both cores.")
	return tb
}

// Curve returns the training-curve figure of the authors' README: test
// Recall@50 every EvalEvery epochs for w/o KD, DCD and HetComp (whichever
// ran).
func (r *HetCompReport) Curve() (*report.Figure, error) {
	f := report.NewLearningCurve("test Recall@50")
	f.Title = fmt.Sprintf("%s: test Recall@50 during training", r.Dataset)
	for _, name := range []string{"student", "dcd", "hetcomp"} {
		for _, run := range r.Runs {
			if run.Method != name {
				continue
			}
			label := map[string]string{"student": "w/o KD", "dcd": "DCD", "hetcomp": "HetComp"}[name]
			if err := f.AddCurve(label, run.CurveEpochs, run.CurveTest); err != nil {
				return nil, err
			}
		}
	}
	return f, nil
}

// Markdown renders the tables, the ensemble temperature choice and
// HetComp's DKC history.
func (r *HetCompReport) Markdown() string {
	var b strings.Builder
	b.WriteString(r.Table().Markdown())
	b.WriteString("\n")
	b.WriteString(r.CostTable().Markdown())
	fmt.Fprintf(&b, "\nEnsemble temperature: validation Recall@50 by T: %v → T = %v.\n", r.TValid, r.T)
	for _, run := range r.Runs {
		if run.Method != "hetcomp" || len(run.DKC) == 0 {
			continue
		}
		b.WriteString("\nHetComp DKC (mean stage per teacher after each call):\n\n| epoch | th | moved | mean stages | phase |\n|---:|---:|---:|---|---:|\n")
		for _, d := range run.DKC {
			fmt.Fprintf(&b, "| %d | %.4f | %d | %s | %d |\n", d.Epoch, d.Threshold, d.Moved, fmtFloats(d.MeanStage), d.Phase)
		}
	}
	return b.String()
}

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
// lists of length stageN), cached under dir with a key of teacherKey and T
// — the teacher lists of the baselines (RRD, DCD) that distil the
// ensemble.
func ensembleLists(ctx context.Context, s *data.Split, conv []model.Scorer, T float64, stageN, n int, dir, teacherKey string, log io.Writer) (*distill.TeacherLists, error) {
	dense := &distill.LiveEnsemble{Teachers: conv, Train: s.Train, T: T, N: stageN, Dense: true}
	lsum := sha256.Sum256([]byte(fmt.Sprintf("%s|T=%v", teacherKey, T)))
	return distill.BuildLists(ctx, dense, s.Train, distill.ListOptions{N: n, ItemSide: true,
		CacheDir: dir, Key: fmt.Sprintf("%x", lsum), Log: log})
}

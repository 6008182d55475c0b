package exp

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	"gonum.org/v1/gonum/stat"
)

// CacheDir returns kdrec's artifact cache directory: $KDREC_CACHE when set,
// otherwise "kdrec" under the user's cache directory (~/.cache/kdrec on
// Linux), or under the system temporary directory as a last resort.
func CacheDir() string {
	if d := os.Getenv("KDREC_CACHE"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "kdrec")
	}
	return filepath.Join(os.TempDir(), "kdrec-cache")
}

// SplitFingerprint returns a short hex digest of everything in s that a
// trained model depends on (training pairs, held-out items, candidates), so
// cached artifacts are never reused across different splits.
func SplitFingerprint(s *data.Split) string {
	h := sha256.New()
	var b [8]byte
	put := func(x int) {
		binary.LittleEndian.PutUint64(b[:], uint64(x))
		h.Write(b[:])
	}
	putRows := func(rows [][]int32) {
		put(len(rows))
		for _, r := range rows {
			put(len(r))
			for _, x := range r {
				put(int(x))
			}
		}
	}
	put(s.Train.NumUsers)
	put(s.Train.NumItems)
	for u := 0; u < s.Train.NumUsers; u++ {
		row := s.Train.Items(u)
		put(len(row))
		for _, i := range row {
			put(int(i))
		}
	}
	putRows(s.Valid)
	putRows(s.Test)
	putRows(s.Candidates)
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// TeacherOptions configures CachedTeacher.
type TeacherOptions struct {
	// Dim is the BPR embedding size (reference teacher: 200).
	Dim int
	// Seed drives initialisation and negative sampling.
	Seed uint64
	// Epochs caps training; Patience (evaluations without improvement of
	// validation HR@{5,10,20}) may stop it sooner.
	Epochs, Patience int
	// CacheDir holds the checkpoint; "" means CacheDir().
	CacheDir string
	// Log receives progress; nil is quiet.
	Log io.Writer
}

// Teacher is a trained (or cached) BPR teacher with the numbers it reached.
type Teacher struct {
	// Model is the teacher at its best validation HR@5 epoch.
	Model *model.BPR
	// Path is the checkpoint file; Hash its SHA-256 (hex), the identity
	// keying every artifact derived from the teacher (ranking lists).
	Path, Hash string
	// BestTest is the LOO test metrics at the best validation epoch per
	// cut-off (train.Result.BestTest("HR")).
	BestTest map[string]float64
	// Epochs is the number of epochs trained and SecondsPerEpoch the mean
	// training time of one epoch.
	Epochs          int
	SecondsPerEpoch float64
	// Cached says whether the checkpoint was loaded rather than trained.
	Cached bool
}

// CachedTeacher returns the BPR teacher of split s: loaded from the cache
// when a checkpoint for (split fingerprint, dim, seed, epochs, patience)
// exists and is intact, otherwise trained with train.Defaults() (Adam lr
// 1e-3, coupled L2 1e-3, batch 1024), evaluated by sampled LOO every epoch
// (s must have candidates), early-stopped on validation HR@{5,10,20},
// restored to its best HR@5 epoch, and saved atomically. A corrupt
// checkpoint is reported on o.Log and retrained.
func CachedTeacher(ctx context.Context, s *data.Split, o TeacherOptions) (*Teacher, error) {
	if o.Dim <= 0 || o.Epochs <= 0 || o.Patience < 0 {
		return nil, fmt.Errorf("teacher: need dim > 0, epochs > 0, patience >= 0 (got %d, %d, %d)", o.Dim, o.Epochs, o.Patience)
	}
	if s.Candidates == nil {
		return nil, fmt.Errorf("teacher: split %q has no LOO candidates", s.Name)
	}
	dir := o.CacheDir
	if dir == "" {
		dir = CacheDir()
	}
	path := filepath.Join(dir, "teachers", fmt.Sprintf("bpr-%s-d%d-seed%d-ep%d-pat%d.ckpt", SplitFingerprint(s), o.Dim, o.Seed, o.Epochs, o.Patience))
	logf := func(format string, a ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format, a...)
		}
	}
	if _, err := os.Stat(path); err == nil {
		t, err := loadTeacher(path)
		if err == nil {
			logf("teacher: loaded %s\n", path)
			return t, nil
		}
		logf("teacher: cached checkpoint unusable, retraining: %v\n", err)
	}
	m, err := model.NewBPR(model.BPRConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: o.Dim, Seed: o.Seed})
	if err != nil {
		return nil, err
	}
	cfg := train.Defaults()
	cfg.Seed, cfg.Epochs, cfg.Patience = o.Seed, o.Epochs, o.Patience
	cfg.Eval = EvalFunc(m, s, LOO)
	cfg.StopMetrics = StopMetrics(LOO)
	cfg.RestoreBest = true
	cfg.Hooks = append(cfg.Hooks, report.ProgressHook(o.Log, fmt.Sprintf("teacher bpr d=%d", o.Dim), true))
	res, err := train.Fit(ctx, m, s.Train, []train.Term{m.Loss()}, cfg)
	if err != nil {
		return nil, fmt.Errorf("teacher: %w", err)
	}
	t := &Teacher{Model: m, Path: path, BestTest: res.BestTest("HR"), Epochs: res.Epochs, SecondsPerEpoch: res.MeanEpochSeconds()}
	bt, _ := json.Marshal(t.BestTest)
	meta := map[string]string{"split": s.Name, "best_test": string(bt), "epochs": strconv.Itoa(res.Epochs),
		"seconds_per_epoch": strconv.FormatFloat(t.SecondsPerEpoch, 'g', 6, 64), "trained": time.Now().UTC().Format(time.RFC3339)}
	if err := model.Save(path, m, meta); err != nil {
		return nil, fmt.Errorf("teacher: %w", err)
	}
	if t.Hash, err = FileHash(path); err != nil {
		return nil, err
	}
	logf("teacher: saved %s\n", path)
	return t, nil
}

func loadTeacher(path string) (*Teacher, error) {
	c, meta, err := model.Load(path)
	if err != nil {
		return nil, err
	}
	m, ok := c.(*model.BPR)
	if !ok {
		return nil, fmt.Errorf("%s: a %s checkpoint, not bpr", path, c.Kind())
	}
	t := &Teacher{Model: m, Path: path, Cached: true}
	if err := json.Unmarshal([]byte(meta["best_test"]), &t.BestTest); err != nil {
		return nil, fmt.Errorf("%s: meta best_test: %w", path, err)
	}
	t.Epochs, _ = strconv.Atoi(meta["epochs"])
	t.SecondsPerEpoch, _ = strconv.ParseFloat(meta["seconds_per_epoch"], 64)
	if t.Hash, err = FileHash(path); err != nil {
		return nil, err
	}
	return t, nil
}

// FileHash returns the hex SHA-256 of a file's contents.
func FileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

var errNoSplit = errors.New("ranking: no split (RankingOptions.Split is required)")

// RankingMethods lists the methods RankingKD knows, in table order:
// "student" (no distillation), "rd", "cd", "rrd", "rrd-topk" (RRD with the
// teacher's top-K instead of sampling), "ir-rrd", "de", "de-rrd" and "dcd".
var RankingMethods = []string{"student", "rd", "cd", "rrd", "rrd-topk", "ir-rrd", "de", "de-rrd", "dcd"}

// RankingOptions configures RankingKD, the ranking-distillation comparison
// of DE-RRD / IR-RRD (methods.md §4.2a). Zero fields take the defaults.
type RankingOptions struct {
	// Split is the leave-one-out split with candidates (required), e.g. the
	// authors' DE-RRD split with data.SampleCandidates(split, 0, 499).
	Split *data.Split
	// Teacher configures the BPR teacher (defaults: d = 200, seed 0, up to
	// 1000 epochs, patience 20).
	Teacher TeacherOptions
	// StudentDim is the student's BPR size (default 20).
	StudentDim int
	// Seeds are the student seeds (default 0, 1, 2); each method runs once
	// per seed, and significance is tested per seed against the student of
	// the same seed.
	Seeds []uint64
	// Methods selects rows of RankingMethods (default all but "dcd", a
	// HetComp baseline that ranks the whole catalogue with the student every
	// epoch).
	Methods []string
	// Epochs caps student training (default 1000) and Patience stops it
	// after that many evaluations without improvement of validation
	// HR@{5,10,20} (default 20).
	Epochs, Patience int
	// ListN is the teacher lists' length (default 500).
	ListN int
	// CacheDir holds the teacher, its lists and every finished run (JSON),
	// so an interrupted comparison resumes where it stopped; "" means
	// CacheDir().
	CacheDir string
	// Log receives progress; nil is quiet.
	Log io.Writer
}

// RankingRun is one trained student.
type RankingRun struct {
	// Method is a name of RankingMethods and Seed the student's seed
	// (initialisation, negative sampling and the terms' sampling).
	Method string `json:"method"`
	Seed   uint64 `json:"seed"`
	// BestTest holds the LOO test metrics at the best validation epoch per
	// cut-off (train.Result.BestTest("HR")), the authors' report.
	BestTest map[string]float64 `json:"best_test"`
	// BestEpoch is the epoch of the best validation HR@N per cut-off.
	BestEpoch map[string]int `json:"best_epoch"`
	// Epochs is the number of epochs run; SecondsPerEpoch the mean training
	// time of one (without evaluation).
	Epochs          int     `json:"epochs"`
	SecondsPerEpoch float64 `json:"seconds_per_epoch"`
	// LOO and Full are the per-user test results (sampled LOO and full
	// ranking) of the parameters restored at the best validation HR@5; the
	// paired significance tests use them.
	LOO  *eval.Result `json:"loo"`
	Full *eval.Result `json:"full"`
}

// RankingReport is the outcome of RankingKD.
type RankingReport struct {
	// Teacher is the BPR teacher; TeacherLOO and TeacherFull its per-user
	// test results.
	Teacher                 *Teacher
	TeacherLOO, TeacherFull *eval.Result
	// ListsSeconds is the time to build (or load) the teacher's user and
	// item lists; ListsSource says which ("built", "cache", "rebuilt: …").
	ListsSeconds float64
	ListsSource  string
	// Runs holds one entry per (method, seed), methods in RankingMethods
	// order, seeds ascending.
	Runs []*RankingRun
}

func (o *RankingOptions) defaults() error {
	if o.Split == nil {
		return errNoSplit
	}
	if o.Split.Candidates == nil {
		return fmt.Errorf("ranking: split %q has no LOO candidates (use data.SampleCandidates)", o.Split.Name)
	}
	if o.Teacher.Dim == 0 {
		o.Teacher.Dim = 200
	}
	if o.Teacher.Epochs == 0 {
		o.Teacher.Epochs = 1000
	}
	if o.Teacher.Patience == 0 {
		o.Teacher.Patience = 20
	}
	if o.StudentDim == 0 {
		o.StudentDim = 20
	}
	if o.Seeds == nil {
		o.Seeds = []uint64{0, 1, 2}
	}
	if o.Methods == nil {
		o.Methods = RankingMethods[:len(RankingMethods)-1]
	}
	for _, m := range o.Methods {
		if !slices.Contains(RankingMethods, m) {
			return fmt.Errorf("ranking: unknown method %q (known: %v)", m, RankingMethods)
		}
	}
	if o.Epochs == 0 {
		o.Epochs = 1000
	}
	if o.Patience == 0 {
		o.Patience = 20
	}
	if o.ListN == 0 {
		o.ListN = 500
	}
	if o.CacheDir == "" {
		o.CacheDir = CacheDir()
	}
	if o.Teacher.CacheDir == "" {
		o.Teacher.CacheDir = o.CacheDir
	}
	if o.Teacher.Log == nil {
		o.Teacher.Log = o.Log
	}
	return nil
}

// RankingKD trains (or loads) the BPR teacher, builds (or loads) its user
// and item ranking lists, then trains a BPR student per method and seed with
// the reference protocol: train.Defaults() (Adam lr 1e-3, coupled L2 1e-3,
// batch 1024), sampled-LOO evaluation every epoch, early stopping after
// Patience evaluations without improvement of validation HR@{5,10,20},
// test metrics at the best validation epoch per cut-off. Each finished run
// is stored in the cache and reused. Methods run in RankingMethods order.
func RankingKD(ctx context.Context, o RankingOptions) (*RankingReport, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	logf := func(format string, a ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format, a...)
		}
	}
	s := o.Split
	teacher, err := CachedTeacher(ctx, s, o.Teacher)
	if err != nil {
		return nil, err
	}
	rep := &RankingReport{Teacher: teacher}
	if rep.TeacherLOO, err = Evaluate(ctx, teacher.Model, s, LOO, "test"); err != nil {
		return nil, err
	}
	if rep.TeacherFull, err = Evaluate(ctx, teacher.Model, s, Full, "test"); err != nil {
		return nil, err
	}
	start := time.Now()
	lists, err := distill.BuildLists(ctx, teacher.Model, s.Train, distill.ListOptions{N: o.ListN, ItemSide: true,
		CacheDir: filepath.Join(o.CacheDir, "lists"), Key: teacher.Hash, Log: o.Log})
	if err != nil {
		return nil, err
	}
	rep.ListsSeconds, rep.ListsSource = time.Since(start).Seconds(), lists.Source
	logf("ranking: teacher lists %s in %.2fs\n", lists.Source, rep.ListsSeconds)
	for _, method := range RankingMethods {
		if !slices.Contains(o.Methods, method) {
			continue
		}
		for _, seed := range o.Seeds {
			run, err := rankingRun(ctx, &o, teacher, lists, method, seed, logf)
			if err != nil {
				return rep, fmt.Errorf("ranking: %s seed %d: %w", method, seed, err)
			}
			rep.Runs = append(rep.Runs, run)
		}
	}
	return rep, nil
}

// RankingTerms returns the distillation terms of method for student st (nil
// for "student"), each method at its registered defaults (distill.Build)
// over the given lists ("rrd-topk" is RRD with sample=false).
func RankingTerms(method string, teacher *model.BPR, lists *distill.TeacherLists, st *model.BPR, seed uint64) ([]train.Term, error) {
	if method == LatentStudent {
		return nil, nil
	}
	t := distill.TermSpec{Method: method, Options: map[string]any{"n": lists.Users.N}}
	if m, ok := strings.CutSuffix(method, "-topk"); ok {
		t.Method, t.Options["sample"] = m, false
	}
	if m, err := distill.Lookup(t.Method); err == nil && m.Kind == distill.Latent {
		t.Options = nil
	}
	return distill.Build([]distill.TermSpec{t}, distill.Env{Teacher: teacher, Student: st, Seed: seed,
		Lists: func(n int, itemSide bool) (*distill.TeacherLists, error) {
			if n != lists.Users.N || (itemSide && lists.Items == nil) {
				return nil, fmt.Errorf("the driver's teacher lists are of length %d (item side: %v), not %d", lists.Users.N, lists.Items != nil, n)
			}
			return lists, nil
		}})
}

// rankingRevision marks the cached runs of the methods whose definition
// changed after runs had been cached under their name, so that a run of the
// earlier definition is not reused: CD and DCD follow KDs since issue 20.
var rankingRevision = map[string]string{"cd": "-r2", "dcd": "-r2"}

func rankingRun(ctx context.Context, o *RankingOptions, teacher *Teacher, lists *distill.TeacherLists, method string, seed uint64,
	logf func(string, ...any)) (*RankingRun, error) {
	s := o.Split
	path := filepath.Join(o.CacheDir, "runs", fmt.Sprintf("%s-t%s-%s%s-d%d-seed%d-ep%d-pat%d.json",
		SplitFingerprint(s), teacher.Hash[:12], method, rankingRevision[method], o.StudentDim, seed, o.Epochs, o.Patience))
	if b, err := os.ReadFile(path); err == nil {
		var run RankingRun
		if err := json.Unmarshal(b, &run); err == nil && run.LOO != nil && run.Full != nil {
			logf("ranking: %s seed %d loaded from %s\n", method, seed, path)
			return &run, nil
		}
		logf("ranking: %s unusable, re-running\n", path)
	}
	st, err := model.NewBPR(model.BPRConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: o.StudentDim, Seed: seed})
	if err != nil {
		return nil, err
	}
	kd, err := RankingTerms(method, teacher.Model, lists, st, seed)
	if err != nil {
		return nil, err
	}
	cfg := train.Defaults()
	cfg.Seed, cfg.Epochs, cfg.Patience = seed, o.Epochs, o.Patience
	cfg.Eval = EvalFunc(st, s, LOO)
	cfg.StopMetrics = StopMetrics(LOO)
	cfg.RestoreBest = true
	cfg.Hooks = append(cfg.Hooks, report.ProgressHook(o.Log, fmt.Sprintf("%s seed %d", method, seed), true))
	res, err := train.Fit(ctx, st, s.Train, append([]train.Term{st.Loss()}, kd...), cfg)
	if err != nil {
		return nil, err
	}
	run := &RankingRun{Method: method, Seed: seed, BestTest: res.BestTest("HR"), BestEpoch: map[string]int{},
		Epochs: res.Epochs, SecondsPerEpoch: res.MeanEpochSeconds()}
	for name, b := range res.Best {
		run.BestEpoch[name] = b.Epoch
	}
	if run.LOO, err = Evaluate(ctx, st, s, LOO, "test"); err != nil {
		return nil, err
	}
	if run.Full, err = Evaluate(ctx, st, s, Full, "test"); err != nil {
		return nil, err
	}
	b, err := json.Marshal(run)
	if err != nil {
		return nil, err
	}
	if err := model.WriteFileAtomic(path, b); err != nil {
		return nil, err
	}
	logf("ranking: %s seed %d: %d epochs, %.3fs/epoch, H@5 %.4f N@5 %.4f\n", method, seed, run.Epochs, run.SecondsPerEpoch,
		run.BestTest["HR@5"], run.BestTest["NDCG@5"])
	return run, nil
}

// rankingAuthors holds the authors' logged test values (methods.md §4.2a,
// CiteULike LOO seed 0, BPR 200 → 20) for the comparison column.
var rankingAuthors = map[string][2]float64{
	"student": {.4486, .3353}, "de": {.4773, .3595}, "rrd": {.4698, .3554}, "ir-rrd": {.4947, .3747},
}

// RankingTables renders a RankingReport: (1) sampled-LOO test metrics at the
// best validation epoch per cut-off, mean ± standard deviation over seeds,
// next to the authors' logged H@5 / N@5; (2) paired significance tests of
// each method against the student of the same seed on the per-user test
// values of the parameters restored at the best validation HR@5; (3) the
// full-ranking metrics of the same parameters with their tests; (4) the
// method order under both protocols.
func RankingTables(r *RankingReport) []*report.Table {
	methods := []string{}
	byMethod := map[string][]*RankingRun{}
	for _, run := range r.Runs {
		if _, ok := byMethod[run.Method]; !ok {
			methods = append(methods, run.Method)
		}
		byMethod[run.Method] = append(byMethod[run.Method], run)
	}
	msf := func(vals []float64, prec int) string {
		if len(vals) == 0 {
			return "–"
		}
		m, sd := stat.MeanStdDev(vals, nil)
		if len(vals) == 1 {
			return strconv.FormatFloat(m, 'f', prec, 64)
		}
		return strconv.FormatFloat(m, 'f', prec, 64) + " ± " + strconv.FormatFloat(sd, 'f', prec, 64)
	}
	ms := func(vals []float64) string { return msf(vals, 4) }
	collect := func(runs []*RankingRun, f func(*RankingRun) float64) []float64 {
		var v []float64
		for _, run := range runs {
			v = append(v, f(run))
		}
		return v
	}
	looCols := []string{"HR@5", "NDCG@5", "MRR@5", "HR@10", "NDCG@10", "MRR@10", "HR@20", "NDCG@20", "MRR@20"}
	loo := &report.Table{Title: "Sampled LOO (499 candidates), test at the best validation epoch per cut-off; mean ± sd over seeds",
		Header: append(append([]string{"method", "seeds"}, looCols...), "best ep. (H@5)", "epochs", "s/epoch", "authors H@5 / N@5")}
	if t := r.Teacher; t != nil {
		row := []string{fmt.Sprintf("teacher (BPR d=%d)", t.Model.Dim()), "1"}
		for _, c := range looCols {
			row = append(row, fmt.Sprintf("%.4f", t.BestTest[c]))
		}
		row = append(row, "–", strconv.Itoa(t.Epochs), fmt.Sprintf("%.2f", t.SecondsPerEpoch), "–")
		loo.Rows = append(loo.Rows, row)
	}
	for _, m := range methods {
		runs := byMethod[m]
		row := []string{m, strconv.Itoa(len(runs))}
		for _, c := range looCols {
			row = append(row, ms(collect(runs, func(x *RankingRun) float64 { return x.BestTest[c] })))
		}
		row = append(row, msf(collect(runs, func(x *RankingRun) float64 { return float64(x.BestEpoch["HR@5"]) }), 0),
			msf(collect(runs, func(x *RankingRun) float64 { return float64(x.Epochs) }), 0),
			msf(collect(runs, func(x *RankingRun) float64 { return x.SecondsPerEpoch }), 2))
		if a, ok := rankingAuthors[m]; ok {
			row = append(row, fmt.Sprintf("%.4f / %.4f", a[0], a[1]))
		} else {
			row = append(row, "–")
		}
		loo.Rows = append(loo.Rows, row)
	}
	fullCols := []string{"Recall@10", "NDCG@10", "Recall@20", "NDCG@20", "Recall@50", "NDCG@50"}
	full := &report.Table{Title: "Full ranking (train and valid items excluded), test, parameters of the best validation HR@5; mean ± sd over seeds",
		Header: append([]string{"method", "seeds"}, fullCols...)}
	if r.TeacherFull != nil {
		row := []string{"teacher", "1"}
		for _, c := range fullCols {
			row = append(row, fmt.Sprintf("%.4f", r.TeacherFull.Mean(c)))
		}
		full.Rows = append(full.Rows, row)
	}
	for _, m := range methods {
		runs := byMethod[m]
		row := []string{m, strconv.Itoa(len(runs))}
		for _, c := range fullCols {
			row = append(row, ms(collect(runs, func(x *RankingRun) float64 { return x.Full.Mean(c) })))
		}
		full.Rows = append(full.Rows, row)
	}
	sig := &report.Table{Title: "Paired tests against the student of the same seed (per-user test values; two-sided p of the paired t-test / Wilcoxon signed-rank)",
		Header: []string{"method", "seed", "ΔHR@5 (LOO)", "p (t / W)", "ΔNDCG@10 (LOO)", "p (t / W)", "ΔRecall@50 (full)", "p (t / W)", "ΔNDCG@20 (full)", "p (t / W)"}}
	students := map[uint64]*RankingRun{}
	for _, run := range byMethod["student"] {
		students[run.Seed] = run
	}
	for _, m := range methods {
		if m == "student" {
			continue
		}
		for _, run := range byMethod[m] {
			base, ok := students[run.Seed]
			if !ok {
				continue
			}
			row := []string{m, strconv.FormatUint(run.Seed, 10)}
			for _, c := range []struct {
				a, b   *eval.Result
				metric string
			}{{run.LOO, base.LOO, "HR@5"}, {run.LOO, base.LOO, "NDCG@10"}, {run.Full, base.Full, "Recall@50"}, {run.Full, base.Full, "NDCG@20"}} {
				cmp, err := eval.Compare(c.a, c.b, c.metric)
				if err != nil {
					row = append(row, "–", err.Error())
					continue
				}
				row = append(row, fmt.Sprintf("%+.4f", cmp.MeanA-cmp.MeanB), fmt.Sprintf("%.2g / %.2g", cmp.T.P, cmp.Wilcoxon.P))
			}
			sig.Rows = append(sig.Rows, row)
		}
	}
	order := &report.Table{Title: "Method order (best first) under each protocol, by the seed-mean",
		Header: []string{"protocol / metric", "order"}}
	rankBy := func(f func(*RankingRun) float64) string {
		type mv struct {
			m string
			v float64
		}
		var xs []mv
		for _, m := range methods {
			xs = append(xs, mv{m, stat.Mean(collect(byMethod[m], f), nil)})
		}
		slices.SortStableFunc(xs, func(a, b mv) int {
			if a.v > b.v {
				return -1
			}
			if a.v < b.v {
				return 1
			}
			return 0
		})
		var parts []string
		for _, x := range xs {
			parts = append(parts, fmt.Sprintf("%s (%.4f)", x.m, x.v))
		}
		return strings.Join(parts, " > ")
	}
	order.AddRow("LOO HR@5", rankBy(func(x *RankingRun) float64 { return x.BestTest["HR@5"] }))
	order.AddRow("LOO NDCG@10", rankBy(func(x *RankingRun) float64 { return x.BestTest["NDCG@10"] }))
	order.AddRow("full Recall@50", rankBy(func(x *RankingRun) float64 { return x.Full.Mean("Recall@50") }))
	order.AddRow("full NDCG@20", rankBy(func(x *RankingRun) float64 { return x.Full.Mean("NDCG@20") }))
	lists := &report.Table{Title: "Teacher lists", Header: []string{"source", "seconds"}}
	lists.AddRow(r.ListsSource, fmt.Sprintf("%.2f", r.ListsSeconds))
	return []*report.Table{loo, sig, full, order, lists}
}

// RankingMarkdown renders RankingTables as Markdown.
func RankingMarkdown(r *RankingReport) string {
	var b strings.Builder
	for _, t := range RankingTables(r) {
		b.WriteString(t.Markdown())
		b.WriteString("\n")
	}
	return b.String()
}

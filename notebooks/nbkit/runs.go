package nbkit

// Cached distillation runs of the chapter notebooks, on top of the
// library's drivers (exp.TrainLatent, exp.RankingTerms, exp.LatentTerm).

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/report"
	"github.com/kdrec/kdrec/kdlib/train"
)

// Sweep shows the progress of a list of runs in a cell: every training run
// draws its bar through Log (one block of text updated in place), and one
// more bar counts the runs. A quiet Sweep (show false) draws nothing and
// has a nil Log.
type Sweep struct {
	// Log receives the progress of the current run (nil when quiet).
	Log   io.Writer
	w     io.WriteCloser
	bar   report.Bar
	label string
	done  int
	total int
}

// NewSweep starts a sweep of total runs called label.
func NewSweep(label string, total int, show bool) *Sweep {
	s := &Sweep{label: label, total: total, bar: (*report.NotebookProgress)(nil)}
	if show {
		s.w = LogWriter()
		s.Log = s.w
		s.bar = report.NewBar(os.Stderr, label, total, true)
	}
	return s
}

// LogWriter returns a writer for the progress and log text of the library's
// drivers, shown in the cell as one block updated in place
// (report.NotebookWriter; stderr outside a notebook), with the artifact
// directory written as $KDREC_CACHE, so rendered notebooks do not record
// the machine's paths. Close it when done.
func LogWriter() io.WriteCloser {
	return &shortPaths{w: report.NotebookWriter(os.Stderr), dir: []byte(ArtifactDir())}
}

type shortPaths struct {
	w   io.WriteCloser
	dir []byte
}

func (s *shortPaths) Write(p []byte) (int, error) {
	if len(s.dir) > 1 && bytes.Contains(p, s.dir) {
		if _, err := s.w.Write(bytes.ReplaceAll(p, s.dir, []byte("$KDREC_CACHE"))); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return s.w.Write(p)
}

func (s *shortPaths) Close() error { return s.w.Close() }

// Step counts one finished run, with a short status.
func (s *Sweep) Step(status string) {
	s.done++
	s.bar.Set(s.done, status)
}

// Close draws the final state.
func (s *Sweep) Close() {
	s.bar.Done(fmt.Sprintf("%d runs", s.done))
	if s.w != nil {
		s.w.Close()
	}
}

// LatentRuns trains (or loads) one exp.TrainLatent run per element of
// opts, keeping them in ArtifactDir() unless an option names its own
// CacheDir, with progress in the cell when show is set.
func LatentRuns(ctx context.Context, s *data.Split, teacher model.Embedder, teacherID string, opts []exp.LatentOptions, show bool) ([]*exp.LatentRun, error) {
	sw := NewSweep("runs", len(opts), show)
	defer sw.Close()
	out := make([]*exp.LatentRun, len(opts))
	for k, o := range opts {
		if o.CacheDir == "" {
			o.CacheDir = ArtifactDir()
		}
		o.Log = sw.Log
		r, err := exp.TrainLatent(ctx, s, teacher, teacherID, o)
		if err != nil {
			return nil, err
		}
		out[k] = r
		sw.Step(fmt.Sprintf("%s d=%d seed=%d", o.Method, o.Dim, o.Seed))
	}
	return out, nil
}

// ListN is the length of the teacher's ranking lists: 500 (the sampling
// range of RRD and IR-RRD), 100 under KDREC_QUICK, where the 400 users
// would otherwise leave IR-RRD no uninteresting users to sample for an item.
var ListN = Pick(500, 100)

// TeacherLists returns the teacher's user and item ranking lists (ListN per
// user and per item, distill.BuildLists), cached in ArtifactDir()/lists by
// the teacher's hash: the lists exp.RankingKD uses with ListN.
func TeacherLists(ctx context.Context, s *data.Split, t *exp.Teacher, log io.Writer) (*distill.TeacherLists, error) {
	return distill.BuildLists(ctx, t.Model, s.Train, distill.ListOptions{N: ListN, ItemSide: true,
		CacheDir: filepath.Join(ArtifactDir(), "lists"), Key: t.Hash, Log: log})
}

// RankingCurveOptions configures TrainRankingCurve.
type RankingCurveOptions struct {
	// Name labels the run (legend, cache key), e.g. "RRD" or "RRD K=10".
	Name string
	// Method is a name of exp.RankingMethods; its terms come from
	// exp.RankingTerms unless Terms is set.
	Method string
	// Terms, if set, builds the distillation terms for the student (for
	// non-default options); Config must then describe them for the cache key.
	Terms  func(st *model.BPR) ([]train.Term, error)
	Config string
	// Dim and Seed define the student; Epochs caps training and Patience
	// stops it after that many evaluations without improvement of
	// validation HR@{5,10,20} (0: all epochs). Evaluation is sampled LOO
	// after every epoch.
	Dim      int
	Seed     uint64
	Epochs   int
	Patience int
	// EvalAtStart also evaluates the untrained student (epoch 0).
	EvalAtStart bool
	// Log receives the progress bar (nil: quiet).
	Log io.Writer
}

// RankingCurve is a ranking-distillation run with its whole history, which
// exp.RankingRun does not keep.
type RankingCurve struct {
	// Name, Method and Seed are the options' (RankingCurveOptions).
	Name   string `json:"name"`
	Method string `json:"method"`
	Seed   uint64 `json:"seed"`
	// Result is the training history (validation and test LOO metrics
	// after every epoch).
	Result *train.Result `json:"result"`
	// Best is every test metric at the best validation epoch of the same
	// cut-off (the authors' report).
	Best map[string]float64 `json:"best"`
	// SecondsPerEpoch is the mean training time of an epoch.
	SecondsPerEpoch float64 `json:"seconds_per_epoch"`
	// Cached says the run was loaded from the cache.
	Cached bool `json:"-"`
}

// TrainRankingCurve trains a BPR student with the BPR loss plus the ranking
// terms of o (exp.RankingTerms, or o.Terms) from the teacher t and its
// lists, with the reference trainer (train.Defaults()), evaluating after
// every epoch, and keeps the history. The run is cached as JSON in
// ArtifactDir()/notebooks by the split, the teacher and the options.
func TrainRankingCurve(ctx context.Context, s *data.Split, t *exp.Teacher, lists *distill.TeacherLists, o RankingCurveOptions) (*RankingCurve, error) {
	if o.Terms != nil && o.Config == "" {
		return nil, errors.New("ranking curve: Terms needs a Config describing them")
	}
	key, err := hashKey(exp.SplitFingerprint(s), t.Hash, o.Name, o.Method, o.Config, o.Dim, o.Seed, o.Epochs, o.Patience, o.EvalAtStart)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(ArtifactDir(), "notebooks", fmt.Sprintf("ranking-%s-d%d-seed%d-%s.json", slug(o.Name), o.Dim, o.Seed, key))
	return loadOrRun(path, func() (*RankingCurve, error) {
		st, err := model.NewBPR(model.BPRConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: o.Dim, Seed: o.Seed})
		if err != nil {
			return nil, err
		}
		var kd []train.Term
		if o.Terms != nil {
			kd, err = o.Terms(st)
		} else {
			kd, err = exp.RankingTerms(o.Method, t.Model, lists, st, o.Seed)
		}
		if err != nil {
			return nil, err
		}
		cfg := train.Defaults()
		cfg.Seed, cfg.Epochs, cfg.Patience, cfg.EvalEvery, cfg.EvalAtStart = o.Seed, o.Epochs, o.Patience, 1, o.EvalAtStart
		cfg.Eval = exp.EvalFunc(st, s, exp.LOO)
		cfg.StopMetrics = exp.StopMetrics(exp.LOO)
		cfg.Hooks = append(cfg.Hooks, report.ProgressHook(o.Log, fmt.Sprintf("%s seed %d", o.Name, o.Seed), false))
		res, err := train.Fit(ctx, st, s.Train, append([]train.Term{st.Loss()}, kd...), cfg)
		if err != nil {
			return nil, err
		}
		return &RankingCurve{Name: o.Name, Method: o.Method, Seed: o.Seed, Result: res, Best: res.BestTest("HR"), SecondsPerEpoch: res.MeanEpochSeconds()}, nil
	}, func(r *RankingCurve) { r.Cached = true })
}

// loadOrRun returns the JSON value stored at path or computes it with run,
// stores it atomically and returns it; loaded is called on a value read
// from the file.
func loadOrRun[T any](path string, run func() (*T, error), loaded func(*T)) (*T, error) {
	if b, err := os.ReadFile(path); err == nil {
		var v T
		if err := json.Unmarshal(b, &v); err == nil {
			loaded(&v)
			return &v, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	v, err := run()
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	return v, model.WriteFileAtomic(path, b)
}

// hashKey returns a short hex digest of the JSON encoding of parts.
func hashKey(parts ...any) (string, error) {
	b, err := json.Marshal(parts)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8]), nil
}

// slug makes a file-name-safe label.
func slug(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return '_'
	}, s)
}

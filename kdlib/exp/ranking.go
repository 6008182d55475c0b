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
	"strconv"
	"time"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
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
	res, err := FitWithProgress(ctx, fmt.Sprintf("teacher bpr d=%d", o.Dim), m, s.Train, []train.Term{m.Loss()}, cfg, o.Log, true)
	if err != nil {
		return nil, fmt.Errorf("teacher: %w", err)
	}
	t := &Teacher{Model: m, Path: path, BestTest: res.BestTest("HR"), Epochs: res.Epochs, SecondsPerEpoch: meanEpochSeconds(res)}
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

var errNoSplit = errors.New("ranking: no split")

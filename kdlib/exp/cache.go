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
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// Cache is an on-disk artefact cache: model checkpoints, teacher and
// ensemble ranking lists, HetComp's teacher trajectories and any other
// derived file, each stored under a relative name that embeds the hash of
// the spec it derives from (docs/architecture.md lists them). It is a
// distill.ListStore. A Cache may live on a volume
// shared by several processes and machines (NFS, a Kubernetes
// ReadWriteMany volume, a FUSE-mounted bucket):
//
//   - files are written atomically (a synced temporary file renamed into
//     place), so a reader never sees half a file;
//   - a build is guarded by a lock file (created with O_EXCL, recording
//     host and pid, its mtime refreshed every Heartbeat while the build
//     runs), so processes that need the same artefact at once build it
//     once: the others wait for it and load it; a lock whose holder was a
//     process of this host that no longer exists is taken over at once (a
//     resumption after kill -9 does not wait for its own dead lock), and
//     any lock not refreshed for Stale is taken over (its holder died on
//     another machine);
//   - a file that fails to decode is reported on Log and rebuilt.
//
// The zero Dir is invalid; a nil *Cache builds every artefact in memory
// without storing it.
type Cache struct {
	// Dir is the root directory.
	Dir string
	// Log receives notes (loaded, built, waiting, rebuilt); nil is quiet.
	Log io.Writer
	// Poll is how often a waiting process checks the lock (default 200 ms).
	Poll time.Duration
	// Heartbeat is how often a building process refreshes its lock
	// (default 10 s); Stale is the age after which a lock is considered
	// abandoned (default 2 min). Stale must exceed Heartbeat by a margin.
	Heartbeat, Stale time.Duration
}

// NewCache returns a Cache rooted at dir, creating it.
func NewCache(dir string) (*Cache, error) {
	if dir == "" {
		return nil, errors.New("cache: empty directory")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	return &Cache{Dir: dir}, nil
}

// Path returns the file path of the artefact named rel (slash-separated).
func (c *Cache) Path(rel string) string { return filepath.Join(c.Dir, filepath.FromSlash(rel)) }

func (c *Cache) logf(format string, a ...any) {
	if c != nil && c.Log != nil {
		fmt.Fprintf(c.Log, "cache: "+format+"\n", a...)
	}
}

// Get makes the artefact rel available and passes its bytes to decode. If
// the file exists and decodes, cached is true and build is not called.
// Otherwise Get takes the artefact's lock (waiting while another process
// builds it, then using its result), calls build, checks the bytes with
// decode and writes them atomically. decode should keep what it decoded
// (a closure variable). On a nil Cache, build and decode run without
// storing anything.
func (c *Cache) Get(ctx context.Context, rel string, decode func([]byte) error, build func(context.Context) ([]byte, error)) (cached bool, err error) {
	if c == nil {
		b, err := build(ctx)
		if err != nil {
			return false, err
		}
		return false, decode(b)
	}
	path := c.Path(rel)
	if ok, err := c.tryLoad(path, decode); ok || err != nil {
		return ok, err
	}
	unlock, err := c.lock(ctx, path)
	if errors.Is(err, errArtifactReady) {
		if ok, err := c.tryLoad(path, decode); ok || err != nil {
			return ok, err
		}
		// The other process's file is unusable: build it ourselves.
		if unlock, err = c.lock(ctx, path); err != nil && !errors.Is(err, errArtifactReady) {
			return false, err
		}
	} else if err != nil {
		return false, err
	}
	if unlock != nil {
		defer unlock()
	}
	// Another process may have finished between our check and the lock.
	if ok, err := c.tryLoad(path, decode); ok || err != nil {
		return ok, err
	}
	start := time.Now()
	b, err := build(ctx)
	if err != nil {
		return false, err
	}
	if err := decode(b); err != nil {
		return false, fmt.Errorf("cache: %s: the freshly built artefact does not decode: %w", rel, err)
	}
	if err := model.WriteFileAtomic(path, b); err != nil {
		return false, fmt.Errorf("cache: %w", err)
	}
	c.logf("built %s (%s, %.1fs)", path, formatBytes(int64(len(b))), time.Since(start).Seconds())
	return false, nil
}

// tryLoad decodes the file at path if it exists. A file that does not
// decode is reported and renamed aside (ok false, err nil: rebuild).
func (c *Cache) tryLoad(path string, decode func([]byte) error) (ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cache: %w", err)
	}
	if err := decode(b); err != nil {
		bad := fmt.Sprintf("%s.bad-%d", path, time.Now().UnixNano())
		c.logf("%s is unusable (%v); moved to %s, rebuilding", path, err, bad)
		os.Rename(path, bad)
		return false, nil
	}
	c.logf("loaded %s", path)
	return true, nil
}

// errArtifactReady reports that the artefact appeared while waiting.
var errArtifactReady = errors.New("artefact ready")

// lock creates path+".lock" exclusively, waiting while another live
// process holds it. It returns errArtifactReady if the artefact appeared
// while waiting. A lock whose holder is gone — a process of this host that
// no longer exists, or any holder whose heartbeat is older than Stale — is
// taken over (see lockfile.go). The returned function stops the heartbeat
// and removes the lock.
func (c *Cache) lock(ctx context.Context, path string) (func(), error) {
	lp := path + ".lock"
	if err := os.MkdirAll(filepath.Dir(lp), 0o755); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	poll, beat, stale := c.Poll, c.Heartbeat, c.Stale
	if poll <= 0 {
		poll = 200 * time.Millisecond
	}
	if beat <= 0 {
		beat = 10 * time.Second
	}
	if stale <= 0 {
		stale = 2 * time.Minute
	}
	waiting := false
	for {
		l, err := createLock(lp, beat)
		if err == nil {
			return l.release, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("cache: lock: %w", err)
		}
		if _, err := os.Stat(path); err == nil {
			return nil, errArtifactReady
		}
		if stalled, holder, why := lockStale(lp, stale); stalled {
			if takeOver(lp, holder) {
				c.logf("taking over stale lock %s (%s; %s)", lp, strings.TrimSpace(string(holder)), why)
			}
			continue
		}
		if !waiting {
			holder, _ := os.ReadFile(lp)
			c.logf("waiting for %s, built by %s", path, strings.TrimSpace(string(holder)))
			waiting = true
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(poll):
		}
	}
}

// ModelKey identifies a trained model without distillation — a teacher, or
// the student of a run without KD: the data it was trained on, the model
// and its hyper-parameters, the seed, the protocol that drives early
// stopping and the budget. Its hash keys the model's checkpoint in a Cache,
// so a "Teacher" row of a table and the teacher of its KD rows, having the
// same key, are trained once.
type ModelKey struct {
	// Dataset is the training data.
	Dataset DatasetSpec `json:"dataset"`
	// Split is the split (seed resolved).
	Split SplitSpec `json:"split"`
	// Model is the model kind and hyper-parameters.
	Model ModelSpec `json:"model"`
	// Seed drives initialisation and sampling.
	Seed uint64 `json:"seed"`
	// Protocol drives early stopping and the stored evaluation.
	Protocol Protocol `json:"protocol"`
	// Budget bounds training.
	Budget Budget `json:"budget"`
}

// Hash returns the hex SHA-256 of the key's canonical JSON, without the
// machine-specific Dataset.Dir.
func (k ModelKey) Hash() (string, error) {
	k.Dataset.Dir = ""
	return SpecHash(k)
}

// StudentKey returns the ModelKey of the run's student trained alone (the
// model of a run without distillation). Call it on a normalised run.
func (r *RunSpec) StudentKey() ModelKey {
	return ModelKey{Dataset: r.Dataset, Split: r.Split, Model: r.Student, Seed: r.Seed, Protocol: r.Protocol, Budget: r.Budget}
}

// TeacherKey returns the ModelKey of the run's teacher: the Teacher field
// for i < 0, Teachers[i] otherwise. Call it on a normalised run.
func (r *RunSpec) TeacherKey(i int) (ModelKey, error) {
	var t *TeacherSpec
	switch {
	case i < 0 && r.Teacher != nil:
		t = r.Teacher
	case i >= 0 && i < len(r.Teachers):
		t = &r.Teachers[i]
	default:
		if i < 0 {
			return ModelKey{}, errors.New("run has no teacher")
		}
		return ModelKey{}, fmt.Errorf("run has %d teachers, not %d", len(r.Teachers), i+1)
	}
	if t.Provided != "" {
		// Trained elsewhere: its identity is its content and the data it
		// serves, whatever the run's seed, protocol and budget.
		return ModelKey{Dataset: r.Dataset, Split: r.Split, Model: t.ModelSpec}, nil
	}
	k := ModelKey{Dataset: r.Dataset, Split: r.Split, Model: t.ModelSpec, Seed: r.Seed, Protocol: r.Protocol, Budget: r.Budget}
	if t.Seed != nil {
		k.Seed = *t.Seed
	}
	if t.Budget != nil {
		k.Budget = *t.Budget
	}
	return k, nil
}

// TrainedModel is a model trained (or loaded from the cache, or provided)
// for a ModelKey.
type TrainedModel struct {
	// Model is the trained model (a model.Scorer as well); nil for a
	// provided model without a checkpoint encoding (model.Factors), which
	// Scorer returns.
	Model model.Checkpointable
	// Key identifies the model.
	Key ModelKey
	// Hash is Key.Hash().
	Hash string
	// Path is its checkpoint in the cache ("" without a cache).
	Path string
	// Result is the outcome of its training (history, metrics, per-user
	// test values), saved with the checkpoint.
	Result *RunResult
	// Cached reports that the checkpoint was loaded rather than trained.
	Cached bool

	scorer model.Scorer // a provided model (ProvideModel)
}

// Scorer returns the model as a model.Scorer.
func (t *TrainedModel) Scorer() (model.Scorer, error) {
	if t.scorer != nil {
		return t.scorer, nil
	}
	s, ok := t.Model.(model.Scorer)
	if !ok {
		return nil, fmt.Errorf("model %s does not score items", t.Model.Kind())
	}
	return s, nil
}

// Checkpoint metadata keys written by the model cache.
const (
	metaKey    = "kdrec.model_key"
	metaResult = "kdrec.result"
)

// Model returns the model for key: from the Env's memory, from the cache
// (a checkpoint named models/<kind>-<hash16>.ckpt whose stored key must
// equal key), or trained by the Trainer registered for key.Model.Kind and
// saved. With persist false a missing checkpoint is trained but not saved
// (students of plain runs when Env.KeepModels is off); teachers always
// persist.
func (e *Env) Model(ctx context.Context, key ModelKey, persist bool) (*TrainedModel, error) {
	h, err := key.Hash()
	if err != nil {
		return nil, err
	}
	if tm := e.providedModel(h); tm != nil {
		return tm, nil
	}
	if key.Model.Provided != "" {
		return nil, fmt.Errorf("model %s %.16s… was provided to another Env (kdrepl's workspace): a provided model is used only where it is held, never trained", key.Model.Kind, key.Model.Provided)
	}
	if e != nil && e.Fresh {
		return e.trainFresh(ctx, key, h)
	}
	keyJSON, err := json.Marshal(withoutDir(key))
	if err != nil {
		return nil, err
	}
	rel := fmt.Sprintf("models/%s-%s.ckpt", key.Model.Kind, h[:16])
	encode := func(m model.Checkpointable, res *RunResult) ([]byte, error) {
		rj, err := json.Marshal(res)
		if err != nil {
			return nil, err
		}
		meta := map[string]string{metaKey: string(keyJSON), metaResult: string(rj),
			"code": CurrentCodeVersion().String(), "trained": time.Now().UTC().Format(time.RFC3339)}
		var buf bytes.Buffer
		if err := model.Encode(&buf, m, meta); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	if tm := e.memoGet(h); tm != nil {
		if persist && tm.Path == "" && e.Cache != nil {
			// Trained by a plain run without saving; now needed as a teacher.
			b, err := encode(tm.Model, tm.Result)
			if err != nil {
				return nil, err
			}
			if err := model.WriteFileAtomic(e.Cache.Path(rel), b); err != nil {
				return nil, fmt.Errorf("cache: %w", err)
			}
			tm.Path = e.Cache.Path(rel)
		}
		return tm, nil
	}
	trainer, err := lookupTrainer(key.Model.Kind)
	if err != nil {
		return nil, err
	}
	tm := &TrainedModel{Key: key, Hash: h}
	decode := func(b []byte) error {
		m, meta, err := model.Decode(b)
		if err != nil {
			return err
		}
		if meta[metaKey] != string(keyJSON) {
			return fmt.Errorf("checkpoint is for another model key: %s", meta[metaKey])
		}
		if want := model.CanonicalKind(key.Model.Kind); m.Kind() != want {
			return fmt.Errorf("checkpoint holds a %s model, its key a %s one (an altered header?)", m.Kind(), want)
		}
		var res RunResult
		if err := json.Unmarshal([]byte(meta[metaResult]), &res); err != nil {
			return fmt.Errorf("checkpoint meta %s: %w", metaResult, err)
		}
		tm.Model, tm.Result = m, &res
		return nil
	}
	var history *train.Result // the trainer's own, which the checkpoint does not hold
	trainCkpt := ""           // the training checkpoint (Env.CheckpointDir)
	build := func(ctx context.Context) ([]byte, error) {
		split, err := e.Split(key.Dataset, key.Split, key.Protocol)
		if err != nil {
			return nil, err
		}
		m, res, err := trainer(ctx, split, key, e)
		if err != nil {
			return nil, fmt.Errorf("train %s d=%d seed=%d: %w", key.Model.Kind, key.Model.Dim, key.Seed, err)
		}
		history, trainCkpt = res.History, res.checkpoint
		return encode(m, res)
	}
	c := e.Cache
	if !persist && c != nil {
		if _, err := os.Stat(c.Path(rel)); err != nil {
			c = nil // train without storing
		}
	}
	cached, err := c.Get(ctx, rel, decode, build)
	if err != nil {
		return nil, err
	}
	tm.Cached = cached
	if !cached {
		tm.Result.History = history
		if c != nil {
			e.removeCheckpoint(trainCkpt) // the model is in the cache
		} else {
			tm.Result.checkpoint = trainCkpt // removed once a plain run's record is stored
		}
	}
	if c != nil {
		tm.Path = c.Path(rel)
	}
	e.memoPut(h, tm)
	return tm, nil
}

// trainFresh trains the model of key with its kind's Trainer, keeping it
// neither in memory nor in the cache (Env.Fresh): the model is the trained
// object itself and its result keeps the trainer's history.
func (e *Env) trainFresh(ctx context.Context, key ModelKey, h string) (*TrainedModel, error) {
	trainer, err := lookupTrainer(key.Model.Kind)
	if err != nil {
		return nil, err
	}
	split, err := e.Split(key.Dataset, key.Split, key.Protocol)
	if err != nil {
		return nil, err
	}
	m, res, err := trainer(ctx, split, key, e)
	if err != nil {
		return nil, fmt.Errorf("train %s d=%d seed=%d: %w", key.Model.Kind, key.Model.Dim, key.Seed, err)
	}
	return &TrainedModel{Model: m, Key: key, Hash: h, Result: res}, nil
}

// Teacher returns the run's teacher (i < 0: Teacher, else Teachers[i]),
// trained once and shared through the Env's cache. KD runners call it.
func (e *Env) Teacher(ctx context.Context, r *RunSpec, i int) (*TrainedModel, error) {
	k, err := r.TeacherKey(i)
	if err != nil {
		return nil, err
	}
	tm, err := e.Model(ctx, k, true)
	if err != nil {
		return nil, fmt.Errorf("teacher: %w", err)
	}
	return tm, nil
}

// Artifact is Cache.Get on the Env's cache under a name derived from the
// artefact's kind, the hash of what it derives from and free parameters,
// e.g. Artifact(ctx, "teacher-topk", teacher.Hash, "k500.bin", …) stores
// lists/teacher-topk/<hash16>-k500.bin. KD drivers use it for teacher
// ranking lists and other per-teacher precomputations.
func (e *Env) Artifact(ctx context.Context, kind, hash, suffix string, decode func([]byte) error, build func(context.Context) ([]byte, error)) (bool, error) {
	if len(hash) > 16 {
		hash = hash[:16]
	}
	name := hash
	if suffix != "" {
		name += "-" + suffix
	}
	return e.Cache.Get(ctx, "lists/"+kind+"/"+name, decode, build)
}

func withoutDir(k ModelKey) ModelKey {
	k.Dataset.Dir = ""
	return k
}

// memoCap bounds the models kept in memory by an Env (a d=200 CiteULike
// teacher is 24 MB).
const memoCap = 4

func (e *Env) memoGet(h string) *TrainedModel {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, m := range e.models {
		if m.Hash == h {
			return m
		}
	}
	return nil
}

func (e *Env) memoPut(h string, tm *TrainedModel) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.models = append(e.models, tm)
	if len(e.models) > memoCap {
		e.models = e.models[len(e.models)-memoCap:]
	}
}

// formatBytes renders a size for logs.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " kB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

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

package exp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/report"
	"github.com/kdrec/kdrec/kdlib/train"
)

// relabel changes the kind in a checkpoint's header and recomputes its
// length and checksum, as a hostile file would.
func relabel(t *testing.T, good []byte, kind string) []byte {
	t.Helper()
	hlen := int(binary.LittleEndian.Uint32(good[12:]))
	var h map[string]json.RawMessage
	if err := json.Unmarshal(good[16:16+hlen], &h); err != nil {
		t.Fatal(err)
	}
	h["kind"], _ = json.Marshal(kind)
	hj, _ := json.Marshal(h)
	var b bytes.Buffer
	b.Write(good[:12])
	binary.Write(&b, binary.LittleEndian, uint32(len(hj)))
	b.Write(hj)
	b.Write(good[16+hlen : len(good)-32])
	sum := sha256.Sum256(b.Bytes())
	b.Write(sum[:])
	return b.Bytes()
}

// TestCacheRefusesRelabelledCheckpoint checks that a cached teacher whose
// kind was changed in the header (bpr → cml: same tensors) is not served
// as the teacher of its key, but set aside and rebuilt.
func TestCacheRefusesRelabelledCheckpoint(t *testing.T) {
	s := tinySpec()
	s.Teacher = &TeacherSpec{ModelSpec: bpr(12)}
	s.Budget.Epochs = 1
	runs, err := s.Expand()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	env1, _ := NewEnv(dir, nil)
	t1, err := env1.Teacher(context.Background(), &runs[0].Spec, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(t1.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(t1.Path, relabel(t, b, "cml"), 0o644); err != nil {
		t.Fatal(err)
	}
	env2, _ := NewEnv(dir, nil)
	t2, err := env2.Teacher(context.Background(), &runs[0].Spec, -1)
	if err != nil {
		t.Fatal(err)
	}
	if t2.Cached || t2.Model.Kind() != "bpr" {
		t.Fatalf("relabelled checkpoint served: cached %v, kind %s", t2.Cached, t2.Model.Kind())
	}
}

// TestSpecNameIsPlain checks that a spec's name and its budgets' names,
// which name files under --out, must be plain names: a name that is a path
// is refused before anything is written.
func TestSpecNameIsPlain(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "O", "x")
	for _, name := range []string{"../../../escaped", "a/b", "/abs", "..", ".", "", "with space", `back\slash`, "nul\x00"} {
		s := tinySpec()
		s.Name = name
		s.Seeds = []uint64{0}
		_, err := RunSweep(context.Background(), s, SweepOptions{Out: out})
		if err == nil || !strings.Contains(err.Error(), "name") {
			t.Errorf("name %q: got %v, want an error about the name", name, err)
		}
	}
	s := tinySpec()
	s.Budgets = map[string]NamedBudget{"../../up": {Budget: Budget{Epochs: 1}}}
	b, err := s.WithBudget("../../up")
	if err == nil {
		_, err = RunSweep(context.Background(), b, SweepOptions{Out: out})
	}
	if err == nil || !strings.Contains(err.Error(), "budget") {
		t.Errorf("budget name ../../up: got %v, want an error about the budget name", err)
	}
	var found []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if p != root {
			found = append(found, p)
		}
		return nil
	})
	if len(found) > 0 {
		t.Errorf("files written for refused specs: %v", found)
	}
}

// TestSweepValidatedBeforeTraining checks that errors anywhere in the
// expanded spec — a later variant's distillation options that conflict
// (rrd k > n), a variant's data set that is not available, an unknown
// report baseline or metric, two variants with one label — stop RunSweep
// before the first run trains, and before anything is written.
func TestSweepValidatedBeforeTraining(t *testing.T) {
	t.Setenv("KDREC_DATASETS", t.TempDir()) // no data sets there
	withKD := func(opts Options) func(s *Spec) {
		return func(s *Spec) {
			s.Teacher = &TeacherSpec{ModelSpec: bpr(16)}
			s.Variants = append(s.Variants, Variant{Label: "RRD", Set: map[string]any{"kd": []KDTerm{{Method: "rrd", Lambda: 0.01, Options: opts}}}})
		}
	}
	cases := []struct {
		name string
		edit func(s *Spec)
		want string
	}{
		{"rrd k > n", withKD(Options{"k": 600, "n": 500}), "k=600"},
		{"rrd pool > n", withKD(Options{"pool": 300, "n": 200}), "pool=300"},
		{"dcd depth", func(s *Spec) {
			s.Teacher = &TeacherSpec{ModelSpec: bpr(16)}
			s.Variants = append(s.Variants, Variant{Label: "DCD", Set: map[string]any{"kd": []KDTerm{{Method: "dcd", Options: Options{"depth": 50}}}}})
		}, "depth=50"},
		{"cl-drd semi-depth", func(s *Spec) {
			s.Teacher = &TeacherSpec{ModelSpec: bpr(16)}
			s.Variants = append(s.Variants, Variant{Label: "CL", Set: map[string]any{"kd": []KDTerm{{Method: "cl-drd", Options: Options{"n": 50, "semi-depth": 60}}}}})
		}, "semi-depth=60"},
		{"de tau", func(s *Spec) {
			s.Teacher = &TeacherSpec{ModelSpec: bpr(16)}
			s.Variants = append(s.Variants, Variant{Label: "DE", Set: map[string]any{"kd": []KDTerm{{Method: "de", Options: Options{"tau-start": 1, "tau-end": 2}}}}})
		}, "tau-end=2"},
		{"data set not available", func(s *Spec) {
			s.Variants = append(s.Variants, Variant{Label: "ML", Set: map[string]any{"dataset": DatasetSpec{Name: "ml-100k"}}})
		}, "ml-100k"},
		{"imported split not available", func(s *Spec) {
			s.Variants = append(s.Variants, Variant{Label: "TD", Set: map[string]any{"dataset": DatasetSpec{Name: "citeulike-t"},
				"split": SplitSpec{Kind: SplitImport, Name: "td-loo"}}})
		}, "td-loo"},
		{"unknown data set", func(s *Spec) {
			s.Variants = append(s.Variants, Variant{Label: "X", Set: map[string]any{"dataset": DatasetSpec{Name: "nosuch"}}})
		}, "nosuch"},
		{"unknown baseline", func(s *Spec) { s.Report.Baseline = "Nope" }, "Nope"},
		{"unknown metric", func(s *Spec) { s.Report.Metrics = []string{"HR@5", "HR@7"} }, "HR@7"},
		{"metric of the other protocol", func(s *Spec) { s.Report.Metrics = []string{"Recall@50"} }, "Recall@50"},
		{"unknown report kind", func(s *Spec) { s.Report.Kind = "pie" }, "pie"},
		{"duplicate labels", func(s *Spec) {
			s.Variants = append(s.Variants, Variant{Label: "Small", Set: map[string]any{"student.dim": 4}})
		}, "Small"},
	}
	for _, c := range cases {
		s := tinySpec()
		c.edit(s)
		out := t.TempDir()
		started := 0
		_, err := RunSweep(context.Background(), s, SweepOptions{Out: out, KeepGoing: true,
			OnRun: func(ev RunEvent) {
				if ev.Phase == "start" {
					started++
				}
			}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error naming %s", c.name, err, c.want)
		}
		t.Logf("%s: %v", c.name, err)
		if started > 0 {
			t.Errorf("%s: %d runs trained before the error", c.name, started)
		}
		if entries, _ := os.ReadDir(out); len(entries) > 0 {
			t.Errorf("%s: %d entries written to --out", c.name, len(entries))
		}
	}
}

// TestBuiltinSpecsPassValidation checks that every built-in spec, with
// every budget, passes the validation RunSweep applies before training
// (the data sets on disk aside).
func TestBuiltinSpecsPassValidation(t *testing.T) {
	for _, b := range Builtins() {
		for _, budget := range append([]string{""}, b.Budgets...) {
			s, err := BuiltinSpec(b.Name, budget)
			if err != nil {
				t.Fatal(err)
			}
			runs, err := s.Expand()
			if err != nil {
				t.Errorf("%s@%s: %v", b.Name, budget, err)
				continue
			}
			if err := checkRuns(s, runs); err != nil {
				t.Errorf("%s@%s: %v", b.Name, budget, err)
			}
		}
	}
}

// deadPid returns the pid of a process of this host that has exited.
func deadPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// deadHolder is the lock file a process of this host that was killed
// leaves behind (its heartbeat is recent: it died a moment ago).
func deadHolder(t *testing.T) []byte {
	host, _ := os.Hostname()
	s := fmt.Sprintf("host=%s pid=%d", host, deadPid(t))
	if ns := pidNamespaceForTest(); ns != "" {
		s += " pidns=" + ns
	}
	return []byte(s + " since=2026-01-01T00:00:00Z\n")
}

// pidNamespaceForTest reads the PID namespace as the lock files record it.
func pidNamespaceForTest() string {
	s, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(strings.TrimPrefix(s, "pid:["), "]")
}

// TestCacheTakesOverDeadProcessLock checks that a cache lock left by a
// process of this host that no longer exists (kill -9 during a teacher's
// training) is taken over at once, not after the two-minute stale age,
// while a lock of a live process (this one) is still waited for.
func TestCacheTakesOverDeadProcessLock(t *testing.T) {
	dir := t.TempDir()
	var log bytes.Buffer
	c := &Cache{Dir: dir, Log: &log, Poll: 5 * time.Millisecond} // default Stale: 2 minutes
	path := c.Path("models/t.ckpt")
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path+".lock", deadHolder(t), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	built := false
	_, err := c.Get(ctx, "models/t.ckpt", func([]byte) error { return nil },
		func(context.Context) ([]byte, error) { built = true; return []byte("x"), nil })
	if err != nil || !built {
		t.Fatalf("Get: built %v, err %v, log %s", built, err, log.String())
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v to take over a dead process's lock", d)
	}
	if !strings.Contains(log.String(), "no longer exists") {
		t.Errorf("log does not say why the lock was taken over: %s", log.String())
	}
	// A lock of a live process of this host (this one) is waited for.
	host, _ := os.Hostname()
	os.Remove(path)
	os.WriteFile(path+".lock", fmt.Appendf(nil, "host=%s pid=%d since=x\n", host, os.Getpid()), 0o644)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	if _, err := c.Get(ctx2, "models/t.ckpt", func([]byte) error { return nil },
		func(context.Context) ([]byte, error) { return []byte("x"), nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a live holder's lock was not waited for: %v", err)
	}
}

// TestStoreOneProcessPerShard checks that a shard's store cannot be opened
// twice at once (two processes must not run the same shard), that another
// shard can, that Close frees it, and that a lock left by a dead process of
// this host is taken over at once.
func TestStoreOneProcessPerShard(t *testing.T) {
	out := t.TempDir()
	st, err := OpenStore(out, Shard{Index: 0, Count: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenStore(out, Shard{Index: 0, Count: 2}, nil); err == nil || !strings.Contains(err.Error(), "being run") ||
		!strings.Contains(err.Error(), fmt.Sprintf("pid=%d", os.Getpid())) {
		t.Fatalf("second open of a shard: got %v, want an error naming this process", err)
	}
	other, err := OpenStore(out, Shard{Index: 1, Count: 2}, nil)
	if err != nil {
		t.Fatalf("another shard: %v", err)
	}
	other.Close()
	st.Close()
	st, err = OpenStore(out, Shard{Index: 0, Count: 2}, nil)
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	st.Close()

	// A lock whose process was killed.
	lock := filepath.Join(ResultsDir(out), Shard{Index: 0, Count: 2}.Tag()+".lock")
	if err := os.WriteFile(lock, deadHolder(t), 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	st, err = OpenStore(out, Shard{Index: 0, Count: 2}, &log)
	if err != nil {
		t.Fatalf("dead holder's lock: %v", err)
	}
	st.Close()
	if !strings.Contains(log.String(), "taking over") {
		t.Errorf("log: %s", log.String())
	}

	// Two sweeps of the same shard at once: the second refuses before
	// running anything.
	s := tinySpec()
	s.Seeds = []uint64{0}
	st, err = OpenStore(out, Shard{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	started := 0
	_, err = RunSweep(context.Background(), s, SweepOptions{Out: out, OnRun: func(ev RunEvent) {
		if ev.Phase == "start" {
			started++
		}
	}})
	if err == nil || started > 0 {
		t.Fatalf("a sweep ran %d runs of a shard held by another process (err %v)", started, err)
	}
}

// TestEnvSplitLogsWarnings checks that what the readers notice in a data
// set's files (here a shipped split whose test file lost its last
// newline) reaches the sweep's log.
func TestEnvSplitLogsWarnings(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "citeulike", "citeulike-t", "td-loo-split")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "derived_train.tsv"), []byte("0\t1\n0\t2\n1\t1\n1\t5\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "derived_valid.tsv"), []byte("0\t3\n1\t2\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "derived_test.tsv"), []byte("0\t4\n1\t3"), 0o644)
	var log bytes.Buffer
	env, _ := NewEnv("", &log)
	seed := uint64(0)
	if _, err := env.Split(DatasetSpec{Name: "citeulike-t", Dir: root}, SplitSpec{Kind: SplitImport, Name: "td-loo", Seed: &seed}, Full); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "warning: "+filepath.Join(dir, "derived_test.tsv")+" line 2: the last line has no newline") {
		t.Errorf("log:\n%s", log.String())
	}
}

// TestOptionErrorsClipHugeValues checks that a spec option of megabytes
// gives a short error naming the option.
func TestOptionErrorsClipHugeValues(t *testing.T) {
	huge := strings.Repeat("9x", 1<<20)
	o := Options{"k": huge, huge: 1}
	for _, err := range []error{second(o.Int("k", 0)), second(o.Float("k", 0)), second(o.Bool("k", false)), o.Check("k")} {
		if err == nil || len(err.Error()) > 300 {
			t.Errorf("%d-byte error", len(fmt.Sprint(err)))
		}
	}
}

func second[T any](_ T, err error) error { return err }

// TestProgressHookInterrupted checks that a training run stopped after
// its first epoch of five leaves the progress bar where it stopped, saying
// so, instead of drawing it at 100 %.
func TestProgressHookInterrupted(t *testing.T) {
	x, err := Synthetic(SyntheticSpec{Users: 50, Items: 80, PerUser: 10, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := model.NewBPR(model.BPRConfig{Users: x.NumUsers, Items: x.NumItems, Dim: 4})
	for _, plain := range []bool{true, false} {
		ctx, cancel := context.WithCancel(context.Background())
		cfg := train.Defaults()
		cfg.Epochs, cfg.BatchSize = 5, 64
		var log bytes.Buffer
		cfg.Hooks = []train.Hook{{OnEpoch: func(train.EpochEvent) { cancel() }}, report.ProgressHook(&log, "m", plain)}
		res, err := train.Fit(ctx, m, x, []train.Term{m.Loss()}, cfg)
		cancel()
		if !errors.Is(err, context.Canceled) || res == nil || res.Epochs != 1 {
			t.Fatalf("plain %v: epochs %v, err %v", plain, res, err)
		}
		out := log.String()
		last := out[strings.LastIndexAny(strings.TrimRight(out, "\n"), "\r\n")+1:]
		if strings.Contains(last, "100%") || !strings.Contains(last, " 20%") || !strings.Contains(last, "interrupted") {
			t.Errorf("plain %v: the bar ends %q", plain, last)
		}
	}
}

package exp

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/internal/datatest"
)

func runTiny(t *testing.T, s *Spec, out string, shard Shard, env *Env) *SweepReport {
	t.Helper()
	rep, err := RunSweep(context.Background(), s, SweepOptions{Out: out, Shard: shard, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func tableText(t *testing.T, out string) string {
	t.Helper()
	sr, err := LoadSweep(out, "")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Aggregate(sr, TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	sum.Table().WriteText(&b)
	b.WriteString(sum.LaTeX())
	sum.SignificanceTable().WriteText(&b)
	return b.String()
}

func TestSweepRunResumeAndShards(t *testing.T) {
	s := tinySpec()
	single := t.TempDir()
	rep := runTiny(t, s, single, Shard{}, nil)
	if rep.Ran != 6 || rep.Skipped != 0 {
		t.Fatalf("first pass: %v", rep)
	}
	rep = runTiny(t, s, single, Shard{}, nil)
	if rep.Ran != 0 || rep.Skipped != 6 {
		t.Fatalf("second pass re-ran runs: %v", rep)
	}
	// Three shards in one directory, then merge: the same table.
	sharded := t.TempDir()
	owned := 0
	for i := 0; i < 3; i++ {
		rep := runTiny(t, s, sharded, Shard{Index: i, Count: 3}, nil)
		owned += rep.Owned
		if rep.Ran != rep.Owned {
			t.Fatalf("shard %d: %v", i, rep)
		}
	}
	if owned != 6 {
		t.Fatalf("shards own %d runs, want 6", owned)
	}
	mrep, err := MergeResults(sharded)
	if err != nil {
		t.Fatal(err)
	}
	if mrep.Records != 6 || len(mrep.Missing) != 0 || len(mrep.Problems) != 0 {
		t.Fatalf("merge: %+v", mrep)
	}
	want, got := tableText(t, single), tableText(t, sharded)
	if want != got {
		t.Fatalf("sharded table differs:\n%s\nsingle:\n%s", got, want)
	}
	if !strings.Contains(want, "Large") || !strings.Contains(want, "p over seeds") {
		t.Fatalf("table:\n%s", want)
	}
	// The merged file alone (shard files removed) gives the same table.
	os.RemoveAll(filepath.Join(sharded, "results"))
	if got := tableText(t, sharded); got != want {
		t.Fatalf("merged-only table differs:\n%s", got)
	}
}

func TestSweepUnavailableMethod(t *testing.T) {
	s := tinySpec()
	s.Teacher = &TeacherSpec{ModelSpec: bpr(16)}
	s.Variants = append(s.Variants, Variant{Label: "KD", Set: map[string]any{"kd": []KDTerm{{Method: "nokd", Lambda: 0.01}}}})
	out := t.TempDir()
	_, err := RunSweep(context.Background(), s, SweepOptions{Out: out})
	if err == nil || !strings.Contains(err.Error(), `kd method "nokd" not available yet for a bpr student`) {
		t.Fatalf("error %v", err)
	}
	// Nothing ran.
	if rs, _ := LoadResults(out); len(rs.Records) != 0 {
		t.Fatalf("%d runs stored", len(rs.Records))
	}
	// KeepGoing runs the rest and reports the unavailable runs.
	rep, err := RunSweep(context.Background(), s, SweepOptions{Out: out, KeepGoing: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ran != 6 || len(rep.Unavailable) != 3 || !errors.Is(rep.Unavailable[0].Err, ErrNotAvailable) {
		t.Fatalf("%v", rep)
	}
}

// TestSweepRegisteredRunner registers a KD runner (a stand-in for the
// drivers being written) and checks that it gets the cached teacher.
func TestSweepRegisteredRunner(t *testing.T) {
	var calls atomic.Int32
	RegisterRunner("bpr", []string{"testkd", "testkd2"}, func(ctx context.Context, run *Run, env *Env) (*RunResult, error) {
		calls.Add(1)
		teacher, err := env.Teacher(ctx, &run.Spec, -1)
		if err != nil {
			return nil, err
		}
		if teacher.Key.Model.Dim != 16 {
			t.Errorf("teacher dim %d", teacher.Key.Model.Dim)
		}
		res := *teacher.Result // pretend the student reached the teacher's numbers
		res.Teachers = []string{teacher.Hash}
		return &res, nil
	})
	s := tinySpec()
	s.Teacher = &TeacherSpec{ModelSpec: bpr(16)}
	s.Variants = []Variant{
		{Label: "Teacher", Set: map[string]any{"student": bpr(16), "teacher": nil}},
		{Label: "KD", Set: map[string]any{"kd": []KDTerm{{Method: "testkd2", Lambda: 1}, {Method: "testkd", Lambda: 0.5}}}},
	}
	s.Report.Baseline = "Teacher"
	env, err := NewEnv(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	rep := runTiny(t, s, out, Shard{}, env)
	if rep.Ran != 6 || calls.Load() != 3 {
		t.Fatalf("%v, %d KD calls", rep, calls.Load())
	}
	// One checkpoint per seed: the Teacher rows and the KD rows' teachers share it.
	ckpts, _ := filepath.Glob(filepath.Join(env.Cache.Dir, "models", "*.ckpt"))
	if len(ckpts) != 3 {
		t.Fatalf("%d checkpoints: %v", len(ckpts), ckpts)
	}
	rs, _ := LoadResults(out)
	for _, r := range rs.Records {
		if r.Label == "KD" && (len(r.Result.Teachers) != 1 || r.Result.Best["HR@5"] != rs.Records[r.Index-3].Result.Best["HR@5"]) {
			t.Fatalf("KD record %s does not use the teacher of seed %d", r.ID, r.Spec.Seed)
		}
	}
	// A combination nobody registered names the combination.
	_, err = LookupRunner("bpr", []string{"testkd"})
	if err == nil || !strings.Contains(err.Error(), "kd combination testkd") {
		t.Fatalf("lookup: %v", err)
	}
	if !strings.Contains(strings.Join(Runners(), " "), "bpr+testkd+testkd2") {
		t.Fatalf("runners %v", Runners())
	}
}

// TestSweepBuiltinBPR runs the BPR-only built-ins with the quick budget on
// the authors' splits (needs KDREC_DATASETS).
func TestSweepBuiltinBPR(t *testing.T) {
	if os.Getenv(datasets.EnvDir) == "" {
		datatest.Skipf(t, "%s not set: the authors' splits live in the shared data folder", datasets.EnvDir)
	}
	if testing.Short() {
		t.Skip("skipped with -short")
	}
	out := t.TempDir()
	env, err := NewEnv(filepath.Join(out, "cache"), nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := RunBuiltin(context.Background(), "derrd-students", "quick", SweepOptions{Out: out, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ran != 2 {
		t.Fatalf("%v", rep)
	}
	sr, err := LoadSweep(out, "derrd-students")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Aggregate(sr, TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Rows) != 2 || !(sum.Rows[0].Mean["HR@20"] > 0.04) {
		t.Fatalf("rows %d, HR@20 %v", len(sum.Rows), sum.Rows[0].Mean["HR@20"])
	}
	t.Log("\n" + sum.Markdown())
}

func TestSweepPrepareTeachers(t *testing.T) {
	s := tinySpec()
	s.Teacher = &TeacherSpec{ModelSpec: bpr(12)}
	s.Variants = append(s.Variants, Variant{Label: "Teacher", Set: map[string]any{"student": bpr(12), "teacher": nil}})
	dir := t.TempDir()
	total := 0
	for i := range 2 {
		env, _ := NewEnv(dir, nil)
		n, err := PrepareTeachers(context.Background(), s, Shard{Index: i, Count: 2}, env)
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	if total != 3 {
		t.Fatalf("%d teachers, want one per seed", total)
	}
	// The Teacher rows then load the checkpoints instead of training.
	env, _ := NewEnv(dir, nil)
	out := t.TempDir()
	runTiny(t, s, out, Shard{}, env)
	rs, _ := LoadResults(out)
	cached := 0
	for _, r := range rs.Records {
		if r.Result.Cached {
			cached++
		}
	}
	if cached != 3 {
		t.Fatalf("%d cached runs, want the 3 Teacher rows", cached)
	}
}

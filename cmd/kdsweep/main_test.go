package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// bin is the kdsweep binary built once for the process tests.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kdsweep-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "kdsweep")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// writeSpec writes a sweep on generated data: two student sizes × four
// seeds of BPR, each run a fraction of a second.
func writeSpec(t *testing.T, dir string, epochs int) string {
	t.Helper()
	spec := fmt.Sprintf(`{
  "name": "tiny",
  "dataset": {"name": "synthetic", "synthetic": {"users": 300, "items": 500, "per_user": 25, "seed": 3}},
  "split": {"kind": "loo", "candidates": 99},
  "student": {"kind": "bpr", "dim": 8},
  "protocol": "loo",
  "budget": {"epochs": %d, "eval_every": 5},
  "variants": [{"label": "Small"}, {"label": "Large", "set": {"student.dim": 32}}],
  "seeds": [0, 1, 2, 3],
  "report": {"baseline": "Small"}
}`, epochs)
	path := filepath.Join(dir, "tiny.json")
	if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// kdsweep runs the binary and returns its stdout; it fails the test on a
// non-zero exit.
func kdsweep(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kdsweep %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// tables renders every table format of the sweep under out.
func tables(t *testing.T, out string) string {
	var b strings.Builder
	for _, f := range []string{"text", "md", "latex", "csv", "html"} {
		b.WriteString(kdsweep(t, "table", "--out", out, "--format", f, "--signif"))
	}
	b.WriteString(kdsweep(t, "table", "--out", out, "--kind", "curves", "--metrics", "HR@5", "--part", "valid"))
	return b.String()
}

// TestShardProcesses runs the sweep as one process and as three
// concurrent shard processes sharing an output directory, merges, and
// compares the tables.
func TestShardProcesses(t *testing.T) {
	dir := t.TempDir()
	spec := writeSpec(t, dir, 10)
	single, sharded := filepath.Join(dir, "single"), filepath.Join(dir, "sharded")
	kdsweep(t, "run", "-q", spec, "--out", single)
	want := tables(t, single)

	var wg sync.WaitGroup
	errs := make([]error, 3)
	logs := make([]bytes.Buffer, 3)
	for i := range 3 {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cmd := exec.Command(bin, "run", "-q", "--shard", fmt.Sprintf("%d/3", i), spec, "--out", sharded)
			cmd.Stdout, cmd.Stderr = &logs[i], &logs[i]
			errs[i] = cmd.Run()
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("shard %d: %v\n%s", i, err, logs[i].String())
		}
	}
	// Every shard wrote its own file with its own runs: 8 runs as 3+3+2.
	for i, n := range []int{3, 3, 2} {
		b, err := os.ReadFile(filepath.Join(sharded, "results", fmt.Sprintf("shard-%03d-of-003.jsonl", i)))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(string(b), "\n"); got != n {
			t.Fatalf("shard %d wrote %d records, want %d", i, got, n)
		}
	}
	merged := kdsweep(t, "merge", "--out", sharded, "--require-complete")
	if !strings.Contains(merged, "merged 8 runs from 3 files") {
		t.Fatalf("merge: %s", merged)
	}
	got := tables(t, sharded)
	if got != want {
		t.Fatalf("sharded tables differ from the single-process ones:\n--- sharded\n%s\n--- single\n%s", got, want)
	}
	if !strings.Contains(want, "Large") || !strings.Contains(want, `\toprule`) || !strings.Contains(want, "p over seeds") {
		t.Fatalf("tables:\n%s", want)
	}
	t.Logf("\n%s", kdsweep(t, "table", "--out", sharded, "--format", "md"))
}

// records returns the complete lines of a results file and whether a
// partial one follows.
func records(t *testing.T, path string) (lines []string, partial bool) {
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	s := string(b)
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return lines, s != ""
		}
		lines = append(lines, s[:i])
		s = s[i+1:]
	}
}

func idOf(line string) string {
	i := strings.Index(line, `"id":"`)
	if i < 0 {
		return ""
	}
	return line[i+6 : i+22]
}

// starts counts the "start" events per run id in the event log.
func starts(t *testing.T, path string) map[string]int {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fs := strings.Fields(sc.Text()); len(fs) > 2 && fs[1] == "start" {
			n[fs[2]]++
		}
	}
	return n
}

// TestKillAndResume kills a sweep (SIGKILL) after its first result line,
// tears the last stored line as a crash mid-write would, resumes, and
// checks that no run is lost or duplicated and that completed runs were
// not executed again.
func TestKillAndResume(t *testing.T) {
	dir := t.TempDir()
	spec := writeSpec(t, dir, 60)
	out := filepath.Join(dir, "out")
	results := filepath.Join(out, "results", "shard-000-of-001.jsonl")
	events := filepath.Join(out, "results", "shard-000-of-001.events")

	cmd := exec.Command(bin, "run", "-q", spec, "--out", out)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if lines, _ := records(t, results); len(lines) >= 1 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no result line after 30s:\n%s", log.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	before, partial := records(t, results)
	if partial {
		t.Logf("the kill left a partial line")
	}
	if len(before) >= 8 {
		t.Fatalf("the sweep finished before the kill; make the runs longer")
	}
	// Tear the last complete line as a crash in the middle of its write would.
	var keep []byte
	for _, l := range before[:len(before)-1] {
		keep = append(keep, l+"\n"...)
	}
	torn := before[len(before)-1]
	keep = append(keep, torn[:len(torn)/2]...)
	if err := os.WriteFile(results, keep, 0o644); err != nil {
		t.Fatal(err)
	}
	intact := map[string]bool{}
	for _, l := range before[:len(before)-1] {
		intact[idOf(l)] = true
	}
	tornID := idOf(torn)

	// Resume: the torn line is reported with file:line and its run redone.
	var stdout, stderr bytes.Buffer
	resume := exec.Command(bin, "run", "-q", spec, "--out", out)
	resume.Stdout, resume.Stderr = &stdout, &stderr
	if err := resume.Run(); err != nil {
		t.Fatalf("resume: %v\n%s", err, stderr.String())
	}
	wantLine := fmt.Sprintf("%s:%d: partial trailing line", results, len(before))
	if !strings.Contains(stderr.String(), wantLine) {
		t.Fatalf("resume did not report %q:\n%s", wantLine, stderr.String())
	}
	if !strings.Contains(stdout.String(), fmt.Sprintf("%d already stored, %d ran", len(intact), 8-len(intact))) {
		t.Fatalf("resume: %s", stdout.String())
	}
	after, partial := records(t, results)
	if partial || len(after) != 8 {
		t.Fatalf("%d records after resume (partial %v)", len(after), partial)
	}
	seen := map[string]bool{}
	for _, l := range after {
		id := idOf(l)
		if seen[id] {
			t.Fatalf("run %s stored twice", id)
		}
		seen[id] = true
	}
	n := starts(t, events)
	if len(n) != 8 {
		t.Fatalf("%d runs started, want 8: %v", len(n), n)
	}
	for id, c := range n {
		switch {
		case intact[id] && c != 1:
			t.Errorf("completed run %s was started %d times", id, c)
		case id == tornID && c != 2:
			t.Errorf("torn run %s started %d times, want 2", id, c)
		case c > 2:
			t.Errorf("run %s started %d times", id, c)
		}
		if !seen[id] {
			t.Errorf("run %s lost", id)
		}
	}
	// The table needs every run; a third invocation does nothing.
	if s := kdsweep(t, "run", "-q", spec, "--out", out); !strings.Contains(s, "8 already stored, 0 ran") {
		t.Fatalf("third run: %s", s)
	}
	if s := kdsweep(t, "table", "--out", out); !strings.Contains(s, "Large") {
		t.Fatalf("table: %s", s)
	}
}

// TestUnavailableMethod checks the message of a spec that needs a method
// nobody registered, and the exit status.
func TestUnavailableMethod(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "kd.json")
	os.WriteFile(spec, []byte(`{"name":"kd","dataset":{"name":"synthetic","synthetic":{"users":50,"items":80,"per_user":10}},
 "split":{"kind":"loo","candidates":20},"teacher":{"kind":"bpr","dim":16},"student":{"kind":"bpr","dim":4},
 "kd":[{"method":"nokd","lambda":0.001,"options":{"groups":30}}],"protocol":"loo","budget":{"epochs":1}}`), 0o644)
	cmd := exec.Command(bin, "run", spec, "--out", filepath.Join(dir, "out"))
	b, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(b), `kd method "nokd" not available yet for a bpr student`) {
		t.Fatalf("err %v:\n%s", err, b)
	}
	if s := kdsweep(t, "list"); !strings.Contains(s, "td-student-size") || !strings.Contains(s, "ready(4)") {
		t.Fatalf("list:\n%s", s)
	}
	if s := kdsweep(t, "spec", "--quick", "derrd-students"); !strings.Contains(s, `"budget_name": "quick"`) {
		t.Fatalf("spec:\n%s", s)
	}
}

// untimedRecord parses a stored result line and drops what differs from
// one execution of a run to the next: times, host, machine, timings,
// resumes and whether the teacher's lists were built or read.
func untimedRecord(t *testing.T, line string) (map[string]any, []any) {
	t.Helper()
	var env struct{ Rec map[string]any }
	if err := json.Unmarshal([]byte(line), &env); err != nil {
		t.Fatal(err)
	}
	rec := env.Rec
	for _, k := range []string{"started", "finished", "host", "machine"} {
		delete(rec, k)
	}
	res := rec["result"].(map[string]any)
	resumed, _ := res["resumed"].([]any)
	for _, k := range []string{"train_seconds", "setup_seconds", "train_cpu_seconds", "setup_cpu_seconds", "eval_cpu_seconds", "resumed"} {
		delete(res, k)
	}
	for _, p := range res["curve"].([]any) {
		delete(p.(map[string]any), "seconds")
	}
	delete(res["extra"].(map[string]any), "lists")
	return rec, resumed
}

// TestCheckpointKillResume kills (SIGKILL) a sweep in the middle of a
// distillation run, after it saved a training checkpoint, and runs it
// again: the run resumes from the checkpoint, its stored result equals an
// uninterrupted sweep's in everything but times, host and machine, it
// records the epoch it resumed after, and its checkpoint is gone.
func TestCheckpointKillResume(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "kd.json")
	os.WriteFile(spec, []byte(`{"name":"kd","dataset":{"name":"synthetic","synthetic":{"users":300,"items":500,"per_user":25,"seed":3}},
 "split":{"kind":"loo","candidates":99},"teacher":{"kind":"bpr","dim":16,"budget":{"epochs":3,"eval_every":1}},"student":{"kind":"bpr","dim":8},
 "kd":[{"method":"rrd","options":{"n":60,"k":10,"l":10,"pool":40}}],"protocol":"loo","budget":{"epochs":150,"eval_every":5}}`), 0o644)
	ref := filepath.Join(dir, "ref")
	kdsweep(t, "run", "-q", "--checkpoint-every", "0", spec, "--out", ref)
	if _, err := os.Stat(filepath.Join(ref, "checkpoints")); !os.IsNotExist(err) {
		t.Fatalf("--checkpoint-every 0 made a checkpoint directory: %v", err)
	}

	out := filepath.Join(dir, "out")
	results := filepath.Join(out, "results", "shard-000-of-001.jsonl")
	cmd := exec.Command(bin, "run", "-q", "--checkpoint-every", "1ns", spec, "--out", out)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m, _ := filepath.Glob(filepath.Join(out, "checkpoints", "run-*.ckpt")); len(m) > 0 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no checkpoint after 60s:\n%s", log.String())
		}
		time.Sleep(time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if lines, _ := records(t, results); len(lines) != 0 {
		t.Fatalf("the run finished before the kill; make it longer")
	}
	kdsweep(t, "run", "-q", "--checkpoint-every", "1ns", spec, "--out", out)
	got, _ := records(t, results)
	want, _ := records(t, filepath.Join(ref, "results", "shard-000-of-001.jsonl"))
	if len(got) != 1 || len(want) != 1 {
		t.Fatalf("%d and %d records", len(got), len(want))
	}
	g, resumed := untimedRecord(t, got[0])
	w, _ := untimedRecord(t, want[0])
	if !reflect.DeepEqual(g, w) {
		gb, _ := json.Marshal(g)
		wb, _ := json.Marshal(w)
		t.Fatalf("resumed record\n%s\nuninterrupted\n%s", gb, wb)
	}
	if len(resumed) != 1 || resumed[0].(float64) < 1 || resumed[0].(float64) >= 150 {
		t.Fatalf("resumed %v, want one epoch in [1, 150)", resumed)
	}
	if m, _ := filepath.Glob(filepath.Join(out, "checkpoints", "*")); len(m) != 0 {
		t.Fatalf("checkpoints left: %v", m)
	}
	t.Logf("resumed after epoch %v of 150", resumed[0])
}

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSameShardTwice starts a sweep, then the same shard again in a second
// process while the first runs: the second must refuse without running
// anything. The first is then killed with SIGKILL, leaving its lock
// behind; the resumption takes the dead process's lock over at once (no
// two-minute wait for it to go stale) and completes the sweep.
func TestSameShardTwice(t *testing.T) {
	dir := t.TempDir()
	spec := writeSpec(t, dir, 60)
	out := filepath.Join(dir, "out")
	events := filepath.Join(out, "results", "shard-000-of-001.events")

	first := exec.Command(bin, "run", "-q", spec, "--out", out)
	var log bytes.Buffer
	first.Stdout, first.Stderr = &log, &log
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer first.Process.Kill()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, _ := os.ReadFile(events); bytes.Contains(b, []byte(" start ")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first process started no run in 30s:\n%s", log.String())
		}
		time.Sleep(2 * time.Millisecond)
	}

	second := exec.Command(bin, "run", "-q", spec, "--out", out)
	b, err := second.CombinedOutput()
	if err == nil || !strings.Contains(string(b), "being run by another process") || !strings.Contains(string(b), "pid=") {
		t.Fatalf("second process on the same shard: err %v\n%s", err, b)
	}
	if first.ProcessState != nil {
		t.Fatalf("the first process ended early:\n%s", log.String())
	}
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	for id, n := range starts(t, events) {
		if n > 1 {
			t.Fatalf("run %s started %d times while only the first process ran", id, n)
		}
	}

	start := time.Now()
	s := kdsweep(t, "run", "-q", spec, "--out", out)
	if !strings.Contains(s, "sweep tiny: 8 runs") {
		t.Fatalf("resume: %s", s)
	}
	if d := time.Since(start); d > 90*time.Second {
		t.Errorf("the resumption took %v (waited for the dead process's lock?)", d)
	}
	if _, err := os.Stat(filepath.Join(out, "results", "shard-000-of-001.lock")); !os.IsNotExist(err) {
		t.Errorf("lock left after the sweep: %v", err)
	}
}

// runCmd runs kdsweep in this process and returns its exit code and
// output.
func runCmd(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestHelpFlags checks that -h after a command prints that command's flags
// and exits 0.
func TestHelpFlags(t *testing.T) {
	for _, c := range []struct {
		cmd   string
		flags []string
	}{
		{"run", []string{"-shard", "-out", "-keep-going", "-quick"}},
		{"teachers", []string{"-shard", "-cache"}},
		{"merge", []string{"-out", "-require-complete"}},
		{"table", []string{"-metrics", "-baseline", "-format"}},
		{"list", []string{"-shards"}},
		{"spec", []string{"-budget"}},
	} {
		for _, h := range []string{"-h", "--help"} {
			code, out, errOut := runCmd(c.cmd, h)
			if code != 0 || !strings.Contains(out, "kdsweep "+c.cmd) {
				t.Errorf("%s %s: exit %d, stdout %q, stderr %q", c.cmd, h, code, out, errOut)
			}
			for _, f := range c.flags {
				if !strings.Contains(out, f) {
					t.Errorf("%s %s: no %s in\n%s", c.cmd, h, f, out)
				}
			}
		}
	}
}

// TestMergeWrongOut checks that merge refuses an output directory that
// does not exist or holds no results, and creates nothing.
func TestMergeWrongOut(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo")
	code, _, errOut := runCmd("merge", "--out", typo)
	if code == 0 || !strings.Contains(errOut, typo) {
		t.Errorf("merge --out typo: exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(typo); !os.IsNotExist(err) {
		t.Errorf("merge created %s", typo)
	}
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	code, _, errOut = runCmd("merge", "--out", empty)
	if code == 0 || !strings.Contains(errOut, "no results") {
		t.Errorf("merge --out empty: exit %d, stderr %q", code, errOut)
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("merge wrote %d files into an empty directory", len(entries))
	}
}

// TestTableUnknownMetric checks that a metric no run reports is an error
// naming it, not a column of dashes.
func TestTableUnknownMetric(t *testing.T) {
	dir := t.TempDir()
	spec := writeSpec(t, dir, 2)
	out := filepath.Join(dir, "out")
	kdsweep(t, "run", "-q", spec, "--out", out)
	for _, args := range [][]string{
		{"table", "--out", out, "--metrics", "HR@5,HR@7"},
		{"table", "--out", out, "--metrics", "Recall@50"},
		{"table", "--out", out, "--kind", "curves", "--metrics", "HR@7"},
		{"table", "--out", out, "--kind", "param", "--x", "seed", "--metrics", "NDCG@7"},
	} {
		code, stdout, errOut := runCmd(args...)
		bad := args[len(args)-1]
		if i := strings.Index(bad, ","); i >= 0 {
			bad = bad[i+1:]
		}
		if code == 0 || !strings.Contains(errOut, bad) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, errOut)
		}
	}
	if code, _, errOut := runCmd("table", "--out", out, "--metrics", "HR@5,MRR@10"); code != 0 {
		t.Errorf("known metrics refused: %s", errOut)
	}
}

// TestDeadlineFlag checks --deadline: a time or a duration from now is
// accepted, anything else (and a deadline without --ledger) is refused
// with a message naming the option.
func TestDeadlineFlag(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for arg, want := range map[string]time.Time{
		"":                     {},
		"2h30m":                now.Add(150 * time.Minute),
		"2026-12-07T14:50:00Z": time.Date(2026, 12, 7, 14, 50, 0, 0, time.UTC),
	} {
		got, err := parseDeadline(arg, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseDeadline(%q) = %v, %v; want %v", arg, got, err, want)
		}
	}
	for _, arg := range []string{"-1h", "0s", "tomorrow", "14:50"} {
		if _, err := parseDeadline(arg, now); err == nil || !strings.Contains(err.Error(), "--deadline") {
			t.Errorf("parseDeadline(%q): %v, want an error naming --deadline", arg, err)
		}
	}
	var out, errb bytes.Buffer
	dir := t.TempDir()
	spec := writeSpec(t, dir, 1)
	if code := run([]string{"run", "-q", "--deadline", "1h", "--out", filepath.Join(dir, "out"), spec}, &out, &errb); code == 0 ||
		!strings.Contains(errb.String(), "--deadline needs --ledger") {
		t.Errorf("--deadline without --ledger: code %d\n%s", code, errb.String())
	}
	errb.Reset()
	ledger := filepath.Join(dir, "ledger")
	if code := run([]string{"run", "-q", "--deadline", "2001-01-01T00:00:00Z", "--ledger", ledger, "--out", filepath.Join(dir, "out2"), spec}, &out, &errb); code != 0 ||
		!strings.Contains(errb.String(), "is past") {
		t.Errorf("past --deadline: code %d, want 0 and a warning\n%s", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"run", "-q", "--deadline", "soon", "--ledger", dir, spec}, &out, &errb); code == 0 ||
		!strings.Contains(errb.String(), `--deadline "soon"`) {
		t.Errorf("--deadline soon: code %d\n%s", code, errb.String())
	}
}

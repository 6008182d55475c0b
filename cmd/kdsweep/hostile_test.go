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

package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestQueueDeadlineFixedOnce checks that scripts/protocol-queue.sh turns
// DEADLINE into one time before its first spec (scripts/deadline.sh's
// deadline_at) rather than handing a duration to every spec's kdsweep,
// where it would count from that spec's start: a duration gives now plus
// it, a time is kept, anything else is an error naming DEADLINE, and the
// queue passes the fixed time.
func TestQueueDeadlineFixedOnce(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	at := func(arg string) (string, string, error) {
		cmd := exec.Command(bash, "-c", `. ../../scripts/deadline.sh && deadline_at "$1"`, "bash", arg)
		var errb strings.Builder
		cmd.Stderr = &errb
		out, err := cmd.Output()
		return strings.TrimSpace(string(out)), errb.String(), err
	}
	before := time.Now()
	out, _, err := at("2h40m")
	if err != nil {
		t.Fatalf("deadline_at 2h40m: %v", err)
	}
	got, err := parseDeadline(out, time.Now())
	if err != nil {
		t.Fatalf("deadline_at 2h40m printed %q: %v", out, err)
	}
	if want := before.Add(160 * time.Minute); got.Before(want.Add(-2*time.Second)) || got.After(want.Add(5*time.Second)) {
		t.Errorf("deadline_at 2h40m = %v, want about %v", got, want)
	}
	if out, _, err := at("2026-12-07T14:50:00Z"); err != nil || out != "2026-12-07T14:50:00Z" {
		t.Errorf("deadline_at of a time: %q, %v", out, err)
	}
	for _, bad := range []string{"soon", "0m", "2h40", "1.5h", ""} {
		if out, errOut, err := at(bad); err == nil || !strings.Contains(errOut, "DEADLINE="+bad) {
			t.Errorf("deadline_at %q: %q, %v, stderr %q; want an error naming DEADLINE", bad, out, err, errOut)
		}
	}
	q, err := os.ReadFile("../../scripts/protocol-queue.sh")
	if err != nil {
		t.Fatal(err)
	}
	if s := string(q); strings.Contains(s, `--deadline "$DEADLINE"`) || !strings.Contains(s, `deadline_at "$DEADLINE"`) {
		t.Error("protocol-queue.sh hands DEADLINE to each spec's kdsweep as given instead of fixing it once with deadline_at")
	}
}

package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestMain lets the tests run this binary as kdrepl: with KDREPL_TEST_MAIN
// set, the test binary is the command.
func TestMain(m *testing.M) {
	if os.Getenv("KDREPL_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// kdrepl runs the command in a child process and returns its outputs and
// exit code.
func kdrepl(t *testing.T, dir, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KDREPL_TEST_MAIN=1", "KDREPL_HISTORY=")
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), 0
}

// TestScriptErrors runs scripts that fail: the exit status is 1, the
// failing line is printed as file:line: message followed by the statement,
// and nothing after it runs.
func TestScriptErrors(t *testing.T) {
	dir := t.TempDir()
	script := "# kdrepl script\nset seed=3\nlist methods\ntrian teacher bpr dim=8\nshow\n"
	if err := os.WriteFile(filepath.Join(dir, "bad.kd"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := kdrepl(t, dir, "", "-q", "-echo", "-f", "bad.kd")
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	wantErr := "bad.kd:4: unknown command \"trian\" (did you mean train?); type help for the list\n\ttrian teacher bpr dim=8\n"
	if errOut != wantErr {
		t.Errorf("stderr:\n%q\nwant\n%q", errOut, wantErr)
	}
	if !strings.HasPrefix(out, "kdrepl> set seed=3\nseed=3\nkdrepl> list methods\n") || strings.Contains(out, "settings:") {
		t.Errorf("stdout:\n%s", out)
	}

	out, errOut, code = kdrepl(t, dir, "", "-c", "set seed=1; set quiet=maybe; show")
	if code != 1 || !strings.HasPrefix(errOut, "-c:1: set: quiet=maybe: want true or false\n\tset quiet=maybe\n") || out != "seed=1\n" {
		t.Errorf("-c: status %d\nstdout %q\nstderr %q", code, out, errOut)
	}

	// standard input that is not a terminal is a script
	out, errOut, code = kdrepl(t, dir, "set seed=2\nshow nothing\n")
	if code != 1 || !strings.HasPrefix(errOut, "<stdin>:2: show: unknown object \"nothing\"") || out != "seed=2\n" {
		t.Errorf("stdin: status %d\nstdout %q\nstderr %q", code, out, errOut)
	}

	// success
	os.WriteFile(filepath.Join(dir, "ok.kd"), []byte("set protocol=full \\\n  seed=4\nquit\nnosuch\n"), 0o644)
	out, errOut, code = kdrepl(t, dir, "", "-f", "ok.kd")
	if code != 0 || out != "seed=4 protocol=full\n" || errOut != "" {
		t.Errorf("ok.kd: status %d\nstdout %q\nstderr %q", code, out, errOut)
	}
	_, _, code = kdrepl(t, dir, "", "-f", "missing.kd")
	if code != 1 {
		t.Errorf("missing script: status %d", code)
	}
}

// TestUsage checks bad command lines.
func TestUsage(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"-nosuchflag"}, {"-c", "show", "quickstart"}, {"quickstart", "extra"}} {
		var o, e bytes.Buffer
		if code := run(args, strings.NewReader(""), &o, &e); code != 2 || !strings.Contains(e.String(), "usage: kdrepl") {
			t.Errorf("%q: status %d, stderr %q", args, code, e.String())
		}
	}
}

func TestHistoryFile(t *testing.T) {
	t.Setenv(EnvHistory, "/x/h")
	if got := historyFile("", false); got != "/x/h" {
		t.Errorf("env: %q", got)
	}
	if got := historyFile("/y", true); got != "/y" {
		t.Errorf("flag: %q", got)
	}
	if got := historyFile("", true); got != "" {
		t.Errorf("empty flag: %q", got)
	}
	os.Unsetenv(EnvHistory)
	t.Setenv("HOME", "/home/u")
	if got := historyFile("", false); got != "/home/u/.kdrepl_history" {
		t.Errorf("default: %q", got)
	}
}

// TestScriptInterrupt sends SIGINT to a script in the middle of a long
// training run: the run stops, the statements after it do not run, and
// the exit status is 130.
func TestScriptInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("loads citeulike-t")
	}
	cmd := exec.Command(os.Args[0], "-q", "-echo", "-c",
		"load citeulike-t; split loo candidates=0; train t bpr dim=4 epochs=1000 eval-every=0 batch=4096; show")
	cmd.Env = append(os.Environ(), "KDREPL_TEST_MAIN=1")
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	buf := make([]byte, 4096)
	for !strings.Contains(out.String(), "kdrepl> train") {
		n, err := stdout.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			t.Fatalf("no train statement: %v\n%s", err, out.String())
		}
	}
	time.Sleep(500 * time.Millisecond) // some epochs
	cmd.Process.Signal(os.Interrupt)
	rest, _ := io.ReadAll(stdout)
	out.Write(rest)
	err = cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 130 {
		t.Errorf("exit: %v", err)
	}
	if !regexp.MustCompile(`(?m)^-c:1: train t: interrupted (after \d+ of 1000 epochs|before the first epoch finished)`).MatchString(errOut.String()) {
		t.Errorf("stderr: %q", errOut.String())
	}
	if strings.Contains(out.String(), "kdrepl> show") {
		t.Errorf("a statement ran after the interrupt:\n%s", out.String())
	}
}

// Package datatest makes visible which real-data tests were skipped.
//
// Tests that read the shared data sets skip when KDREC_DATASETS is not set.
// `go test ./...` shows a passing package's output only with -v, so those
// skips used to be invisible. A package with such tests calls Main from its
// TestMain and skips them with Skip or Skipf; after the run, Main prints
// one line naming them,
//
//	kdlib/exp: 3 tests skipped, KDREC_DATASETS not set: TestA, TestB, TestC
//
// where `go test ./...` shows it without -v (see Main). A test result that
// go test takes from its cache prints nothing; `go test -count=1 ./...`
// runs the tests, and prints the line, again.
package datatest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// EnvDir is the variable that names the shared data sets (the same as
// datasets.EnvDir, which this package cannot import from every package
// that uses it).
const EnvDir = "KDREC_DATASETS"

var (
	mu      sync.Mutex
	skipped []string
)

// Skip records tb as skipped for want of the shared data sets and skips it
// with the message args (as testing.TB.Skip).
func Skip(tb testing.TB, args ...any) {
	tb.Helper()
	record(tb.Name())
	tb.Skip(args...)
}

// Skipf is Skip with a format (as testing.TB.Skipf).
func Skipf(tb testing.TB, format string, args ...any) {
	tb.Helper()
	record(tb.Name())
	tb.Skipf(format, args...)
}

func record(name string) {
	mu.Lock()
	defer mu.Unlock()
	for _, s := range skipped {
		if s == name {
			return
		}
	}
	skipped = append(skipped, name)
}

// Summary returns the line Main prints for the package pkg, or "" when
// no test was skipped by Skip or Skipf.
func Summary(pkg string) string {
	mu.Lock()
	defer mu.Unlock()
	switch len(skipped) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("%s: 1 test skipped, %s not set: %s", pkg, EnvDir, skipped[0])
	}
	return fmt.Sprintf("%s: %d tests skipped, %s not set: %s", pkg, len(skipped), EnvDir, strings.Join(skipped, ", "))
}

// Main runs the tests and benchmarks of m, prints the summary of the
// skipped real-data tests, and exits with m's code. Call it from TestMain:
//
//	func TestMain(m *testing.M) { datatest.Main(m) }
//
// go test hands a passing package's whole output (stdout and stderr) to the
// go command, which drops it unless -v is given; so the line is written to
// the stream the go command itself writes to — its standard error, when
// that is a terminal or a pipe (reopened through /proc on Linux) — or else
// to the controlling terminal, or else to this process's standard error
// (shown with -v).
func Main(m *testing.M) {
	code := m.Run()
	if line := Summary(packagePath()); line != "" {
		w, closeW := visible()
		fmt.Fprintln(w, line)
		closeW()
	}
	os.Exit(code)
}

// packagePath returns the directory of the package under test relative to
// the module root (go test runs the binary there), or the directory's name.
func packagePath() string {
	wd, err := os.Getwd()
	if err != nil {
		return "?"
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if rel, err := filepath.Rel(dir, wd); err == nil {
				return filepath.ToSlash(rel)
			}
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return filepath.Base(wd)
}

// visible returns a writer whose text go test shows without -v, and its
// closer.
func visible() (io.Writer, func()) {
	// The go command's standard error, when it is a terminal or a pipe. A
	// regular file is left alone: reopening it would write at an offset of
	// its own and clobber the go command's output.
	path := fmt.Sprintf("/proc/%d/fd/2", os.Getppid())
	if st, err := os.Stat(path); err == nil && st.Mode()&(os.ModeNamedPipe|os.ModeCharDevice) != 0 {
		if f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0); err == nil {
			return f, func() { f.Close() }
		}
	}
	if f, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		return f, func() { f.Close() }
	}
	return os.Stderr, func() {}
}

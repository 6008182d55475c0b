package datatest

import (
	"strings"
	"testing"
)

func TestSummary(t *testing.T) {
	if got := Summary("x"); got != "" {
		t.Fatalf("summary before any skip: %q", got)
	}
	t.Run("one", func(t *testing.T) { Skip(t, "no data") })
	t.Run("two", func(t *testing.T) { Skipf(t, "no %s", "data") })
	t.Run("two", func(t *testing.T) { Skip(t, "no data") }) // a second subtest of that name: TestSummary/two#01
	got := Summary("kdlib/x")
	want := "kdlib/x: 3 tests skipped, KDREC_DATASETS not set: TestSummary/one, TestSummary/two, TestSummary/two#01"
	if got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	if p := packagePath(); !strings.HasSuffix(p, "internal/datatest") {
		t.Errorf("package path %q", p)
	}
	mu.Lock()
	skipped = nil // the skips above were this test's own
	mu.Unlock()
}

package repl

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
)

// tinyData returns a deterministic synthetic data set: users × items with
// 6..(6+spread) items per user, drawn by a fixed linear congruential
// sequence. Every user has enough items for leave-one-out and enough
// unobserved items for small candidate sets.
func tinyData(users, items int) *data.Interactions {
	var pairs []data.Pair
	state := uint64(12345)
	next := func(n int) int {
		state = state*6364136223846793005 + 1442695040888963407
		return int((state >> 33) % uint64(n))
	}
	for u := 0; u < users; u++ {
		k := 6 + next(4)
		for j := 0; j < k; j++ {
			// popular items are more likely, as in real data
			i := min(next(items), next(items))
			pairs = append(pairs, data.Pair{User: int32(u), Item: int32(i)})
		}
		pairs = append(pairs, data.Pair{User: int32(u), Item: int32((u*7 + 3) % items)},
			data.Pair{User: int32(u), Item: int32((u*11 + 5) % items)}, data.Pair{User: int32(u), Item: int32((u*13 + 1) % items)})
	}
	x, err := data.FromPairs(users, items, pairs)
	if err != nil {
		panic(err)
	}
	return x
}

var (
	tinyOnce sync.Once
	tinyX    *data.Interactions
)

// tinyLoader loads "tiny" (60 users × 50 items) and falls back to the
// registry for other names.
func tinyLoader(name string, opts ...datasets.Option) (*data.Interactions, error) {
	if name == "tiny" {
		tinyOnce.Do(func() { tinyX = tinyData(60, 50) })
		return tinyX, nil
	}
	return datasets.Load(name, opts...)
}

// memFiles is an in-memory Files.
type memFiles struct {
	mu    sync.Mutex
	files map[string][]byte
}

func newMemFiles() *memFiles { return &memFiles{files: map[string][]byte{}} }

func (m *memFiles) ReadFile(name string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[name]
	if !ok {
		return nil, &os.PathError{Op: "open", Path: name, Err: os.ErrNotExist}
	}
	return bytes.Clone(b), nil
}

func (m *memFiles) WriteFile(name string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.files) > 100 {
		return errors.New("memFiles: too many files")
	}
	m.files[name] = bytes.Clone(data)
	return nil
}

// testShell returns a shell over a temporary directory whose output goes to
// a buffer; `load tiny` loads the synthetic data set.
func testShell(t testing.TB, reg *Registry) (*Shell, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	sh := New(Config{Out: &out, Err: io.Discard, Registry: reg, Dir: t.TempDir(), Quiet: true})
	sh.loadDataset = tinyLoader
	return sh, &out
}

// mustExec runs line and fails the test on error; it returns the output.
func mustExec(t testing.TB, sh *Shell, out *bytes.Buffer, line string) string {
	t.Helper()
	out.Reset()
	if err := sh.Exec(context.Background(), line); err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	return out.String()
}

// execErr runs line, which must fail, and returns the error message.
func execErr(t testing.TB, sh *Shell, line string) string {
	t.Helper()
	err := sh.Exec(context.Background(), line)
	if err == nil {
		t.Fatalf("%s: no error", line)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("%s: error spans several lines: %q", line, msg)
	}
	return msg
}

// withoutMethods returns a copy of Default without distillation methods,
// as it was before kdlib/distill existed; the tests of the "no methods
// yet" messages use it so that they keep passing once methods exist.
func withoutMethods() *Registry {
	r := Default.Clone()
	r.noDistill = true
	return r
}

// withTwoMethods returns a copy of Default whose only distillation methods
// are hint (options lambda, bridge and hidden) and fitnet (lambda): a small,
// fixed set for the tests of the train line's plumbing, help and
// completion.
func withTwoMethods() *Registry {
	r := Default.Clone()
	r.onlyMethods = []string{"hint", "fitnet"}
	return r
}

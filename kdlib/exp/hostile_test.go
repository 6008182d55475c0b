package exp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

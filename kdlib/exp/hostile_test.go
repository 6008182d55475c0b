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

// TestSweepValidatedBeforeTraining checks that errors anywhere in the
// expanded spec — a later variant's distillation options that conflict
// (rrd k > n), a variant's data set that is not available, an unknown
// report baseline or metric, two variants with one label — stop RunSweep
// before the first run trains, and before anything is written.
func TestSweepValidatedBeforeTraining(t *testing.T) {
	t.Setenv("KDREC_DATASETS", t.TempDir()) // no data sets there
	withKD := func(opts Options) func(s *Spec) {
		return func(s *Spec) {
			s.Teacher = &TeacherSpec{ModelSpec: bpr(16)}
			s.Variants = append(s.Variants, Variant{Label: "RRD", Set: map[string]any{"kd": []KDTerm{{Method: "rrd", Lambda: 0.01, Options: opts}}}})
		}
	}
	cases := []struct {
		name string
		edit func(s *Spec)
		want string
	}{
		{"rrd k > n", withKD(Options{"k": 600, "n": 500}), "k=600"},
		{"rrd pool > n", withKD(Options{"pool": 300, "n": 200}), "pool=300"},
		{"dcd depth", func(s *Spec) {
			s.Teacher = &TeacherSpec{ModelSpec: bpr(16)}
			s.Variants = append(s.Variants, Variant{Label: "DCD", Set: map[string]any{"kd": []KDTerm{{Method: "dcd", Options: Options{"depth": 50}}}}})
		}, "depth=50"},
		{"cl-drd semi-depth", func(s *Spec) {
			s.Teacher = &TeacherSpec{ModelSpec: bpr(16)}
			s.Variants = append(s.Variants, Variant{Label: "CL", Set: map[string]any{"kd": []KDTerm{{Method: "cl-drd", Options: Options{"n": 50, "semi-depth": 60}}}}})
		}, "semi-depth=60"},
		{"de tau", func(s *Spec) {
			s.Teacher = &TeacherSpec{ModelSpec: bpr(16)}
			s.Variants = append(s.Variants, Variant{Label: "DE", Set: map[string]any{"kd": []KDTerm{{Method: "de", Options: Options{"tau-start": 1, "tau-end": 2}}}}})
		}, "tau-end=2"},
		{"data set not available", func(s *Spec) {
			s.Variants = append(s.Variants, Variant{Label: "ML", Set: map[string]any{"dataset": DatasetSpec{Name: "ml-100k"}}})
		}, "ml-100k"},
		{"imported split not available", func(s *Spec) {
			s.Variants = append(s.Variants, Variant{Label: "TD", Set: map[string]any{"dataset": DatasetSpec{Name: "citeulike-t"},
				"split": SplitSpec{Kind: SplitImport, Name: "td-loo"}}})
		}, "td-loo"},
		{"unknown data set", func(s *Spec) {
			s.Variants = append(s.Variants, Variant{Label: "X", Set: map[string]any{"dataset": DatasetSpec{Name: "nosuch"}}})
		}, "nosuch"},
		{"unknown baseline", func(s *Spec) { s.Report.Baseline = "Nope" }, "Nope"},
		{"unknown metric", func(s *Spec) { s.Report.Metrics = []string{"HR@5", "HR@7"} }, "HR@7"},
		{"metric of the other protocol", func(s *Spec) { s.Report.Metrics = []string{"Recall@50"} }, "Recall@50"},
		{"unknown report kind", func(s *Spec) { s.Report.Kind = "pie" }, "pie"},
		{"duplicate labels", func(s *Spec) {
			s.Variants = append(s.Variants, Variant{Label: "Small", Set: map[string]any{"student.dim": 4}})
		}, "Small"},
	}
	for _, c := range cases {
		s := tinySpec()
		c.edit(s)
		out := t.TempDir()
		started := 0
		_, err := RunSweep(context.Background(), s, SweepOptions{Out: out, KeepGoing: true,
			OnRun: func(ev RunEvent) {
				if ev.Phase == "start" {
					started++
				}
			}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error naming %s", c.name, err, c.want)
		}
		t.Logf("%s: %v", c.name, err)
		if started > 0 {
			t.Errorf("%s: %d runs trained before the error", c.name, started)
		}
		if entries, _ := os.ReadDir(out); len(entries) > 0 {
			t.Errorf("%s: %d entries written to --out", c.name, len(entries))
		}
	}
}

// TestBuiltinSpecsPassValidation checks that every built-in spec, with
// every budget, passes the validation RunSweep applies before training
// (the data sets on disk aside).
func TestBuiltinSpecsPassValidation(t *testing.T) {
	for _, b := range Builtins() {
		for _, budget := range append([]string{""}, b.Budgets...) {
			s, err := BuiltinSpec(b.Name, budget)
			if err != nil {
				t.Fatal(err)
			}
			runs, err := s.Expand()
			if err != nil {
				t.Errorf("%s@%s: %v", b.Name, budget, err)
				continue
			}
			if err := checkRuns(s, runs); err != nil {
				t.Errorf("%s@%s: %v", b.Name, budget, err)
			}
		}
	}
}

package interop_test

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/interop"
	"github.com/kdrec/kdrec/kdlib/model"
)

// pythonWithNumpy returns a Python interpreter that imports numpy:
// $KDREC_PYTHON, else python3 on PATH, else /usr/bin/python3 (Debian's,
// where python3-numpy installs numpy). Without one the test is skipped —
// unless the environment variable CI is set (and not "false" or "0"):
// .ci/run installs Debian's python3-numpy, so a missing numpy there is a
// failure, not a skip.
func pythonWithNumpy(t *testing.T) string {
	t.Helper()
	candidates := []string{"python3", "/usr/bin/python3"}
	if p := os.Getenv("KDREC_PYTHON"); p != "" {
		candidates = []string{p}
	}
	var tried []string
	for _, c := range candidates {
		out, err := exec.Command(c, "-c", "import numpy; print(numpy.__version__)").CombinedOutput()
		if err == nil {
			t.Logf("%s with numpy %s", c, strings.TrimSpace(string(out)))
			return c
		}
		tried = append(tried, c+": "+firstLine(string(out), err))
	}
	msg := "no python3 with numpy (" + strings.Join(tried, "; ") + "); install Debian's python3-numpy (apt-get install python3-numpy) or set KDREC_PYTHON"
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		t.Fatal(msg + " — CI is set, so this fails instead of skipping (.ci/run installs python3-numpy)")
	}
	t.Skip(msg)
	return ""
}

func firstLine(out string, err error) string {
	out = strings.TrimSpace(out)
	if k := strings.LastIndexByte(out, '\n'); k >= 0 {
		out = out[k+1:]
	}
	if out == "" {
		return err.Error()
	}
	return out
}

// pyScript reads an export of kdrec with numpy, checks it, and writes
// modified copies for the Go side to import: the items doubled, the items
// permuted with their identifiers, the items as float64 in Fortran order,
// and a .safetensors file written by hand with negated items.
const pyScript = `
import json, struct, sys
import numpy as np

d = sys.argv[1]
man = json.load(open(f"{d}/t.npy.json"))
load = lambda name: np.load(f"{d}/" + man["files"][name], allow_pickle=False)
users, items = load("user_embeddings"), load("item_embeddings")
assert users.dtype == np.float32 and users.shape == (man["users"], man["dim"]), (users.dtype, users.shape)
assert items.dtype == np.float32 and items.shape == (man["items"], man["dim"]), (items.dtype, items.shape)
assert len(man["user_ids"]) == man["users"] and len(man["item_ids"]) == man["items"]
topk, topk_scores = load("topk_items"), load("topk_scores")
assert topk.dtype == np.int32 and topk.shape == (man["users"], man["topk"])
scores = users @ items.T
assert np.allclose(np.take_along_axis(scores, topk, axis=1), topk_scores, rtol=1e-5, atol=1e-6)

np.save(f"{d}/double_users.npy", users)
np.save(f"{d}/double_items.npy", items * np.float32(2))

perm = np.random.default_rng(0).permutation(man["items"])
np.save(f"{d}/perm.user_embeddings.npy", users)
np.save(f"{d}/perm.item_embeddings.npy", items[perm])
pm = {k: v for k, v in man.items() if k not in ("topk",)}
pm["item_ids"] = [man["item_ids"][k] for k in perm]
pm["files"] = {"user_embeddings": "perm.user_embeddings.npy", "item_embeddings": "perm.item_embeddings.npy"}
json.dump(pm, open(f"{d}/perm.npy.json", "w"))

np.save(f"{d}/f64_items.npy", np.asfortranarray(items.astype(np.float64)))

u, i = users.astype("<f4"), (-items).astype("<f4")
header = {"__metadata__": {"score": "dot"},
          "user_embeddings": {"dtype": "F32", "shape": list(u.shape), "data_offsets": [0, u.nbytes]},
          "item_embeddings": {"dtype": "F32", "shape": list(i.shape), "data_offsets": [u.nbytes, u.nbytes + i.nbytes]}}
h = json.dumps(header).encode()
h += b" " * (-len(h) % 8)
with open(f"{d}/py.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + u.tobytes() + i.tobytes())
print("python: read", users.shape, items.shape, "top", man["topk"])
`

// TestPythonRoundTrip exports a trained BPR model as .npy files, lets
// Python's numpy read them (checking dtype, shape, identifiers and that
// numpy's scores match the exported top-K scores) and write modified
// copies, imports each copy as a teacher and checks that its scores are
// exactly what the modification implies: doubled item rows double every
// score, a permutation of the item rows with their identifiers changes no
// score, float64 in Fortran order changes none, negated items negate every
// score — bit for bit (scaling by 2 or −1 is exact in floating point).
func TestPythonRoundTrip(t *testing.T) {
	py := pythonWithNumpy(t)
	s := testSplit(t)
	m := trainedBPR(t, s, 10)
	e, err := interop.FromModel(context.Background(), m, interop.ExportOptions{TopK: 8, Train: s.Train, Kind: "bpr"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := interop.Write(filepath.Join(dir, "t.npy"), e, interop.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "modify.py")
	if err := os.WriteFile(script, []byte(pyScript), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, script, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", py, script, err, out)
	}
	t.Logf("%s", strings.TrimSpace(string(out)))

	bits := func(x float32) uint32 { return math.Float32bits(x) }
	for _, c := range []struct {
		name string
		path string
		o    interop.ReadOptions
		eq   func(x, y float32) bool
	}{
		{"items doubled", "", interop.ReadOptions{Users: filepath.Join(dir, "double_users.npy"), Items: filepath.Join(dir, "double_items.npy")},
			func(x, y float32) bool { return bits(2*x) == bits(y) }},
		{"items permuted with their ids", filepath.Join(dir, "perm.npy"), interop.ReadOptions{},
			func(x, y float32) bool { return bits(x) == bits(y) }},
		{"float64, Fortran order", "", interop.ReadOptions{Users: filepath.Join(dir, "double_users.npy"), Items: filepath.Join(dir, "f64_items.npy")},
			func(x, y float32) bool { return bits(x) == bits(y) }},
		{"safetensors by hand, items negated", filepath.Join(dir, "py.safetensors"), interop.ReadOptions{},
			func(x, y float32) bool { return bits(-x) == bits(y) }},
	} {
		back, err := interop.Read(c.path, c.o)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if back.Score != model.DotScore {
			t.Errorf("%s: score form %q", c.name, back.Score)
		}
		teacher, err := back.Teacher(s.Train)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if err := diffScores(m, teacher, c.eq); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// The check can fail: the permuted rows without their identifiers
	// score otherwise.
	back, err := interop.Read("", interop.ReadOptions{Users: filepath.Join(dir, "perm.user_embeddings.npy"), Items: filepath.Join(dir, "perm.item_embeddings.npy")})
	if err != nil {
		t.Fatal(err)
	}
	teacher, err := back.Teacher(s.Train)
	if err != nil {
		t.Fatal(err)
	}
	if diffScores(m, teacher, func(x, y float32) bool { return x == y }) == nil {
		t.Error("permuted item rows read without their identifiers gave the same scores")
	}
}

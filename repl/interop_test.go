package repl

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/interop"
)

// metricsOf returns the metric part of an eval line or the numbers of a
// train summary, without the model's name and timing: what must agree
// between a teacher and its import.
var metricsPart = regexp.MustCompile(`(?m)(HR@5 [0-9.]+.*|Recall@10 [0-9.]+.*|best valid .*)$`)

func metricsOf(t *testing.T, out string) string {
	t.Helper()
	m := metricsPart.FindAllString(out, -1)
	if len(m) == 0 {
		t.Fatalf("no metrics in %q", out)
	}
	return strings.Join(m, "\n")
}

// TestExportImportEmbeddings exports a teacher from the shell in each
// format, imports it back three ways, and checks that the imports evaluate
// as the teacher and distil the same students with RRD and DE (the same
// numbers, from one run to the other).
func TestExportImportEmbeddings(t *testing.T) {
	dir := t.TempDir()
	writeRatings(t, dir)
	var out bytes.Buffer
	sh := New(Config{Out: &out, Err: io.Discard, Dir: dir, Quiet: true})
	run := func(line string) string { return mustExec(t, sh, &out, line) }
	run("load path=ratings.csv cols=user,item,rating,time min-rating=3 kcore=3 name=mine; split loo candidates=30")
	run("train teacher bpr dim=8 epochs=5 lr=0.01")

	got := run("export embeddings teacher emb/teacher.npy topk=10")
	for _, want := range []string{"teacher → emb/teacher.npy: user_embeddings 120×8, item_embeddings 80×8, score dot, top-10 lists, ids of 120 users and 80 items",
		"wrote teacher.item_embeddings.npy teacher.topk_items.npy teacher.topk_scores.npy teacher.user_embeddings.npy teacher.npy.json"} {
		if !strings.Contains(got, want) {
			t.Errorf("export npy lacks %q:\n%s", want, got)
		}
	}
	got = run("export embeddings teacher teacher.safetensors")
	if !strings.Contains(got, "wrote teacher.safetensors teacher.safetensors.json") {
		t.Errorf("export safetensors:\n%s", got)
	}
	run("export embeddings teacher dir/")
	for _, f := range []string{"dir/user_embeddings.npy", "dir/manifest.json", "emb/teacher.topk_scores.npy"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}

	got = run("import embeddings t-npy emb/teacher.npy")
	if want := "t-npy: embeddings of bpr dim=8 score=dot from emb/teacher.npy: 120 × 80 rows matched by identifier to split loo, 1600 params (frozen: use it as teacher=t-npy, or eval it)"; !strings.Contains(got, want) {
		t.Errorf("import:\n%s\nwant %s", got, want)
	}
	run("import embeddings t-st teacher.safetensors")
	run("import embeddings t-dir dir")
	got = run("import embeddings t-pair users=emb/teacher.user_embeddings.npy items=emb/teacher.item_embeddings.npy ids=emb/teacher.npy.json")
	if !strings.Contains(got, "from emb/teacher.user_embeddings.npy and emb/teacher.item_embeddings.npy") {
		t.Errorf("import pair:\n%s", got)
	}
	want := metricsOf(t, run("eval teacher loo"))
	wantFull := metricsOf(t, run("eval teacher full"))
	for _, m := range []string{"t-npy", "t-st", "t-dir", "t-pair"} {
		if got := metricsOf(t, run("eval "+m+" loo")); got != want {
			t.Errorf("%s evaluates %s, the teacher %s", m, got, want)
		}
		if got := metricsOf(t, run("eval "+m+" full")); got != wantFull {
			t.Errorf("%s evaluates %s, the teacher %s", m, got, wantFull)
		}
	}
	for _, kd := range []string{"kd=rrd n.rrd=30 k.rrd=5 l.rrd=5", "kd=de experts.de=3"} {
		a := metricsOf(t, run("train sa bpr dim=4 epochs=3 lr=0.01 teacher=teacher "+kd))
		b := metricsOf(t, run("train sb bpr dim=4 epochs=3 lr=0.01 teacher=t-npy "+kd))
		if a != b {
			t.Errorf("%s: the teacher gives\n%s\nits import\n%s", kd, a, b)
		}
	}
	// An import exports again, unchanged.
	run("export embeddings t-npy again.npy")
	for _, name := range []string{"user_embeddings", "item_embeddings"} {
		x, _ := os.ReadFile(filepath.Join(dir, "emb/teacher."+name+".npy"))
		y, _ := os.ReadFile(filepath.Join(dir, "again."+name+".npy"))
		if !bytes.Equal(x, y) {
			t.Errorf("%s changed through an import and an export", name)
		}
	}
}

// TestInteropErrors: what the interop commands refuse, in one line that
// names the file.
func TestInteropErrors(t *testing.T) {
	dir := t.TempDir()
	writeRatings(t, dir)
	var out bytes.Buffer
	sh := New(Config{Out: &out, Err: io.Discard, Dir: dir, Quiet: true})
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if msg := execErr(t, sh, "import embeddings t x.npy"); !strings.Contains(msg, "the imported rows are matched to a split's users and items: no split yet") {
		t.Errorf("without a split: %s", msg)
	}
	mustExec(t, sh, &out, "load path=ratings.csv cols=user,item,rating,time min-rating=3 kcore=3 name=mine; split loo candidates=30")
	mustExec(t, sh, &out, "train teacher bpr dim=4 epochs=1; train n neumf dim=4 epochs=1")
	u, _ := interop.EncodeNPY([]int{100, 4}, make([]float32, 400))
	i, _ := interop.EncodeNPY([]int{80, 4}, make([]float32, 320))
	write("u100.npy", u)
	write("i80.npy", i)
	nan := make([]float32, 320)
	nan[13] = float32(math.NaN())
	bad, _ := interop.EncodeNPY([]int{80, 4}, nan)
	write("nan.npy", bad)
	i64 := []byte("\x93NUMPY\x01\x00")
	dict := "{'descr': '<i8', 'fortran_order': False, 'shape': (80, 4), }\n"
	i64 = append(binary.LittleEndian.AppendUint16(i64, uint16(len(dict))), dict...)
	write("int.npy", append(i64, make([]byte, 8*320)...))
	write("cut.npy", i[:len(i)-5])
	for _, c := range []struct{ line, want string }{
		{"import embeddings t users=u100.npy items=i80.npy", "u100.npy: 100 user rows, the data set has 120 users; map them by identifier with an ID map (kdrepl: ids=<file.json>)"},
		{"import embeddings t users=u100.npy items=nan.npy", "nan.npy: invalid tensor file: the array holds NaN at row 3, column 1"},
		{"import embeddings t users=u100.npy items=int.npy", `int.npy: invalid tensor file: dtype "<i8"; want a floating-point type`},
		{"import embeddings t users=u100.npy items=cut.npy", "cut.npy: invalid tensor file: shape [80 4] of 4-byte values needs 1280 bytes, the file holds 1275"},
		{"import embeddings t users=u100.npy", "give a path, or both users= and items="},
		{"import embeddings t nope.npy", "nope.npy: no manifest nope.npy.json"},
		{"import embeddings t x.txt", "x.txt: want a .npy prefix"},
		{"export embeddings n n.npy", "n: export: a neumf model's embeddings are not exported: it scores through a network"},
		{"export embeddings teacher t.csv", "t.csv: want a .npy prefix"},
		{"export embeddings teacher t.npy lists-only=true", "lists only, but no top-K length"},
	} {
		if msg := execErr(t, sh, c.line); !strings.Contains(msg, c.want) {
			t.Errorf("%s:\n got %s\nwant …%s…", c.line, msg, c.want)
		}
	}
	got := mustExec(t, sh, &out, "export embeddings n lists.npy topk=5 lists-only=true")
	if !strings.Contains(got, "n → lists.npy: top-5 lists, ids of 120 users and 80 items") {
		t.Errorf("lists only:\n%s", got)
	}
	if msg := execErr(t, sh, "import embeddings t lists.npy"); !strings.Contains(msg, "lists.npy.json: the export holds no user_embeddings and item_embeddings") {
		t.Errorf("importing lists: %s", msg)
	}
}

// interopDocPath is the interop page, whose session runs on the file
// writeRatings writes and on the files writePyTeacher writes.
const interopDocPath = "../docs/interop.md"

// writePyTeacher writes, into dir/py, what a teacher trained in PyTorch
// or RecBole leaves behind for the data set of writeRatings: users.npy
// (121 × 8 float32: RecBole's padding row 0, then the users) and items.npy
// (81 × 8), the ID map ids.json (row r of each matrix is the user or item
// named by the r-th identifier), and two damaged copies, nan.npy and
// ints.npy.
func writePyTeacher(t testing.TB, dir string) {
	t.Helper()
	py := filepath.Join(dir, "py")
	if err := os.MkdirAll(py, 0o755); err != nil {
		t.Fatal(err)
	}
	state := uint64(11)
	next := func() float32 {
		state = state*6364136223846793005 + 1442695040888963407
		return float32(int64(state>>40)%2001-1000) / 2000
	}
	ids := map[string][]string{"user_ids": {"[PAD]"}, "item_ids": {"[PAD]"}}
	users, items := make([]float32, 8), make([]float32, 8)
	for u := 0; u < 120; u++ {
		ids["user_ids"] = append(ids["user_ids"], fmt.Sprintf("user%03d", u))
		for k := 0; k < 8; k++ {
			// The users of a group of four like that group's movies.
			x := next()
			if k == u%4 {
				x += 1
			}
			users = append(users, x)
		}
	}
	for m := 0; m < 80; m++ {
		ids["item_ids"] = append(ids["item_ids"], fmt.Sprintf("movie%02d", m))
		for k := 0; k < 8; k++ {
			x := next()
			if k == m/20 {
				x += 1
			}
			items = append(items, x)
		}
	}
	write := func(name string, b []byte, err error) {
		if err == nil {
			err = os.WriteFile(filepath.Join(py, name), b, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	write(interopEncode([]int{121, 8}, users))
	write(interopEncodeAs("items.npy", []int{81, 8}, items))
	b, err := json.Marshal(ids)
	write("ids.json", b, err)
	nan := append([]float32(nil), items...)
	nan[8*13+5] = float32(math.NaN())
	write(interopEncodeAs("nan.npy", []int{81, 8}, nan))
	dict := "{'descr': '<i8', 'fortran_order': False, 'shape': (81, 8), }\n"
	ints := binary.LittleEndian.AppendUint16([]byte("\x93NUMPY\x01\x00"), uint16(len(dict)))
	write("ints.npy", append(append(ints, dict...), make([]byte, 8*81*8)...), nil)
}

func interopEncode(shape []int, data []float32) (string, []byte, error) {
	return interopEncodeAs("users.npy", shape, data)
}

func interopEncodeAs(name string, shape []int, data []float32) (string, []byte, error) {
	b, err := interop.EncodeNPY(shape, data)
	return name, b, err
}

// TestInteropTranscript replays the session of docs/interop.md, as
// TestTranscript does for docs/repl.md.
func TestInteropTranscript(t *testing.T) {
	dir := t.TempDir()
	writeRatings(t, dir)
	writePyTeacher(t, dir)
	checkTranscripts(t, interopDocPath, dir)
}

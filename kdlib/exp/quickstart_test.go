package exp

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/datasets"
)

// TestBPRLearnsCiteULike trains the d=20 student briefly on the embedded
// CiteULike-t through exp.Execute and checks that it ranks held-out items
// far better than chance (HR@5 = 5/500 = 0.01 for a random model) — a real
// run on real data.
func TestBPRLearnsCiteULike(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on CiteULike")
	}
	run, err := NewRun(RunSpec{Dataset: DatasetSpec{Name: "citeulike-t"}, Split: SplitSpec{Kind: SplitLOO},
		Student: ModelSpec{Kind: "bpr", Dim: 20}, Protocol: LOO, Budget: Budget{Epochs: 40, EvalEvery: 10}})
	if err != nil {
		t.Fatal(err)
	}
	env, _ := NewEnv("", nil)
	rec, err := Execute(context.Background(), run, env)
	if err != nil {
		t.Fatal(err)
	}
	hr := rec.Result.Final["HR@5"]
	if !(hr > 0.25) {
		t.Fatalf("test HR@5 after 40 epochs = %.4f, want > 0.25", hr)
	}
	var curve []float64
	for _, p := range rec.Result.Curve {
		if v, ok := p.Test["HR@5"]; ok {
			curve = append(curve, v)
		}
	}
	if len(curve) != 4 || !(curve[3] > curve[0]) {
		t.Fatalf("test HR@5 curve %v does not rise", curve)
	}
}

func TestQuickstartTable(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on CiteULike")
	}
	o := DefaultQuickstart()
	o.TeacherEpochs, o.StudentEpochs, o.EvalEvery, o.TeacherDim = 2, 2, 1, 40
	var log bytes.Buffer
	o.Log, o.Plain = &log, true
	tb, err := Quickstart(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	tb.WriteText(&out)
	// Parameter counts are (users + items)·d = (5219 + 25181)·d.
	rows := map[string][]string{}
	for _, r := range tb.Rows {
		rows[r[0]] = r
	}
	if r := rows["teacher"]; r == nil || r[1] != "40" || r[2] != "1216000" {
		t.Errorf("teacher row %v", r)
	}
	if r := rows["student"]; r == nil || r[1] != "20" || r[2] != "608000" {
		t.Errorf("student row %v", r)
	}
	if !strings.Contains(out.String(), "Recall@50") {
		t.Errorf("table lacks Recall@50:\n%s", out.String())
	}
	if !strings.Contains(log.String(), "100%") {
		t.Errorf("no progress output:\n%s", log.String())
	}
	if _, err := datasets.Load("no-such-data"); err == nil {
		t.Error("unknown data set loaded")
	}
}

// TestQuickstartMatchesREADME runs the main job (as `kdrepl quickstart`
// does) and checks the README's table against what it prints: every
// column but the two timings (ms/user, s/epoch), which depend on the
// machine and its load, to the printed digit. The README's numbers are the
// job's output, not typed by hand; when the job changes on purpose, paste
// its new table into the README.
func TestQuickstartMatchesREADME(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the main job (about 1¾ minutes on 2 idle cores)")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var want [][]string
	inBlock := false
	for _, line := range strings.Split(string(readme), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 0 && f[0] == "model" && slices.Contains(f, "Recall@50"):
			inBlock = true
		case inBlock && line == "```":
			inBlock = false
		case inBlock && len(f) > 0:
			want = append(want, f)
		}
	}
	if len(want) != 2 {
		t.Fatalf("the README's quickstart table has %d rows, want 2 (teacher, student)", len(want))
	}
	tb, err := Quickstart(context.Background(), DefaultQuickstart())
	if err != nil {
		t.Fatal(err)
	}
	const timings = 2 // ms/user and s/epoch, the last two columns
	for k, row := range tb.Rows {
		got := strings.Fields(strings.Join(row, " "))
		if k >= len(want) || len(got) != len(want[k]) {
			t.Fatalf("row %d: the job prints %q, the README has %q", k, got, want)
		}
		if !slices.Equal(got[:len(got)-timings], want[k][:len(got)-timings]) {
			t.Errorf("the README's quickstart row %q differs from the job's %q (timings aside): paste the job's table into the README", want[k], got)
		}
	}
}

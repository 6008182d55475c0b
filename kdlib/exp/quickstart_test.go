package exp

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
)

// TestBPRLearnsCiteULike trains the d=20 student briefly on the embedded
// CiteULike-t and checks that it ranks held-out items far better than
// chance (HR@5 = 5/500 = 0.01 for a random model) — a real run on real data.
func TestBPRLearnsCiteULike(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on CiteULike")
	}
	x, err := datasets.Load("citeulike-t")
	if err != nil {
		t.Fatal(err)
	}
	s, err := data.LeaveOneOut(x, 0, data.DefaultNumCandidates)
	if err != nil {
		t.Fatal(err)
	}
	run, err := TrainBPR(context.Background(), s, BPROptions{Dim: 20, Protocol: LOO, Epochs: 40, EvalEvery: 10})
	if err != nil {
		t.Fatal(err)
	}
	hr := run.Test.Mean("HR@5")
	if !(hr > 0.25) {
		t.Fatalf("test HR@5 after 40 epochs = %.4f, want > 0.25", hr)
	}
	_, curve := run.Result.TestCurve("HR@5")
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

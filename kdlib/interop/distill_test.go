package interop_test

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/interop"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// distilled trains a BPR student of dimension 4 for three epochs with the
// base loss and the term of one method against teacher, and returns the
// per-epoch losses (total, then per term) and the student's parameters.
func distilled(t *testing.T, s *data.Split, teacher model.Scorer, spec distill.TermSpec) ([]float64, []float32) {
	t.Helper()
	ctx := context.Background()
	student, err := model.NewBPR(model.BPRConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: 4, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	env := distill.Env{Teacher: teacher, Student: student, Seed: 4,
		Lists: func(n int, itemSide bool) (*distill.TeacherLists, error) {
			return distill.BuildLists(ctx, teacher, s.Train, distill.ListOptions{N: n, ItemSide: itemSide})
		}}
	terms, err := distill.Build([]distill.TermSpec{spec}, env)
	if err != nil {
		t.Fatalf("%s: %v", spec.Method, err)
	}
	cfg := train.Defaults()
	cfg.Epochs, cfg.LR, cfg.BatchSize, cfg.EvalEvery = 3, 0.01, 64, 0
	res, err := train.Fit(ctx, student, s.Train, append([]train.Term{student.Loss()}, terms...), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var losses []float64
	for _, p := range res.History {
		losses = append(losses, p.Loss)
		for _, term := range terms {
			losses = append(losses, p.TermLoss[term.Name()])
		}
	}
	return losses, append(append([]float32(nil), student.P.W...), student.Q.W...)
}

// TestImportedTeacherDistilsIdentically distils students from a BPR teacher
// and from the same teacher exported to .npy files and imported: with every
// ranking method (RRD, IR-RRD, DCD: the teacher's lists and scores) and
// latent method (DE, HTD, FTD: its representations), the two runs give the
// same losses at every epoch and the same student, bit for bit.
func TestImportedTeacherDistilsIdentically(t *testing.T) {
	s := testSplit(t)
	orig := trainedBPR(t, s, 12)
	e, err := interop.FromModel(context.Background(), orig, interop.ExportOptions{Train: s.Train})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "teacher.npy")
	if _, err := interop.Write(path, e, interop.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	back, err := interop.Read(path, interop.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	imported, err := back.Teacher(s.Train)
	if err != nil {
		t.Fatal(err)
	}
	lists := map[string]any{"n": 20, "k": 5, "l": 5}
	for _, spec := range []distill.TermSpec{
		{Method: "rrd", Options: lists},
		{Method: "ir-rrd", Options: map[string]any{"n": 20, "k": 5, "l": 5, "item-k": 3, "item-l": 3}},
		{Method: "dcd", Options: map[string]any{"n": 20}},
		{Method: "de", Options: map[string]any{"experts": 3}},
		{Method: "htd", Options: map[string]any{"groups": 3}},
		{Method: "ftd"},
	} {
		la, pa := distilled(t, s, orig, spec)
		lb, pb := distilled(t, s, imported, spec)
		if la[len(la)-1] == 0 {
			t.Errorf("%s: the term's loss is 0 at the last epoch: it did not train", spec.Method)
		}
		for k := range la {
			if math.Float64bits(la[k]) != math.Float64bits(lb[k]) {
				t.Fatalf("%s: loss %d is %v with the teacher, %v with its import", spec.Method, k, la[k], lb[k])
			}
		}
		for k := range pa {
			if math.Float32bits(pa[k]) != math.Float32bits(pb[k]) {
				t.Fatalf("%s: student parameter %d is %v with the teacher, %v with its import", spec.Method, k, pa[k], pb[k])
			}
		}
		// The comparison can fail: a teacher whose item rows are
		// swapped pairwise gives another student.
		if spec.Method == "rrd" || spec.Method == "de" {
			d, dim := *back, back.Dim
			d.Item = make([]float32, len(back.Item))
			for i := range back.Items {
				j := i ^ 1
				if j >= back.Items {
					j = i
				}
				copy(d.Item[j*dim:(j+1)*dim], back.Item[i*dim:(i+1)*dim])
			}
			swapped, err := d.Teacher(s.Train)
			if err != nil {
				t.Fatal(err)
			}
			lc, _ := distilled(t, s, swapped, spec)
			same := true
			for k := range la {
				same = same && la[k] == lc[k]
			}
			if same {
				t.Errorf("%s: a teacher with swapped items trains the same student", spec.Method)
			}
		}
	}
}

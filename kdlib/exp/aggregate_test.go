package exp

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/eval"
)

// fakeEntry builds a run and record with the given label, coordinates,
// seed, HR@5 mean and per-user HR@5 values.
func fakeEntry(t *testing.T, label string, dim int, seed uint64, perUser []float64) Entry {
	t.Helper()
	users := make([]int32, len(perUser))
	sum := 0.0
	for k, v := range perUser {
		users[k] = int32(k)
		sum += v
	}
	pu, err := PackPerUser(&eval.Result{Protocol: "loo", Part: "test", Metrics: []string{"HR@5"}, Users: users, PerUser: [][]float64{perUser}})
	if err != nil {
		t.Fatal(err)
	}
	mean := sum / float64(len(perUser))
	spec := RunSpec{Label: label, Seed: seed, Student: bpr(dim), Protocol: LOO}
	point := []Setting{{Path: "student.dim", Value: json.RawMessage(itoa(dim))}, {Path: "seed", Value: json.RawMessage(itoa(int(seed)))}}
	id := label + itoa(dim) + itoa(int(seed))
	rec := &Record{ID: id, Label: label, Point: point, Spec: spec,
		Result: RunResult{Protocol: LOO, Best: map[string]float64{"HR@5": mean}, Final: map[string]float64{"HR@5": mean}, PerUser: pu,
			Curve: []CurvePoint{{Epoch: 1, Valid: map[string]float64{"HR@5": mean / 2}}, {Epoch: 2, Valid: map[string]float64{"HR@5": mean}}}}}
	return Entry{Run: Run{ID: id, Label: label, Point: point, Spec: spec}, Record: rec}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestAggregateMeansAndTests(t *testing.T) {
	// Two dims × {Student, KD} × 3 seeds, 8 users each; KD is better.
	per := map[string][][]float64{
		"Student": {{1, 0, 0, 1, 0, 0, 1, 0}, {0, 1, 0, 0, 1, 0, 0, 0}, {1, 0, 1, 0, 0, 0, 0, 1}},
		"KD":      {{1, 1, 0, 1, 1, 0, 1, 0}, {1, 1, 0, 1, 1, 0, 1, 0}, {1, 1, 1, 0, 1, 1, 0, 1}},
	}
	sr := &SweepResults{Sweep: "fake"}
	for _, label := range []string{"Student", "KD"} {
		for _, dim := range []int{10, 20} {
			for seed := range 3 {
				sr.Entries = append(sr.Entries, fakeEntry(t, label, dim, uint64(seed), per[label][seed]))
			}
		}
	}
	sr.Entries = append(sr.Entries, Entry{Run: Run{ID: "missing", Label: "KD"}})
	sum, err := Aggregate(sr, TableOptions{Metrics: []string{"HR@5"}, Baseline: "Student"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Rows) != 4 || sum.Missing != 1 {
		t.Fatalf("%d rows, %d missing", len(sum.Rows), sum.Missing)
	}
	kd := sum.Rows[2]
	if kd.Name() != "KD (student.dim=10)" || kd.BaselineKey != sum.Rows[0].Key {
		t.Fatalf("row %s baseline %s", kd.Name(), kd.BaselineKey)
	}
	means := []float64{5.0 / 8, 5.0 / 8, 6.0 / 8}
	m, sd := meanStd(means)
	if math.Abs(kd.Mean["HR@5"]-m) > 1e-12 || math.Abs(kd.Std["HR@5"]-sd) > 1e-12 {
		t.Fatalf("mean %v std %v, want %v %v", kd.Mean, kd.Std, m, sd)
	}
	mt := kd.Tests["HR@5"]
	want, _ := eval.PairedT(means, []float64{3.0 / 8, 2.0 / 8, 3.0 / 8})
	if mt.OverSeeds == nil || math.Abs(mt.OverSeeds.P-want.P) > 1e-12 || mt.P != want.P || len(mt.PerSeed) != 3 {
		t.Fatalf("tests %+v, want p %v", mt, want.P)
	}
	c, _ := eval.Compare(mustUnpack(t, sr.Entries[6].Record), mustUnpack(t, sr.Entries[0].Record), "HR@5")
	if mt.PerSeed[0].T.P != c.T.P || mt.PerSeed[0].Wilcoxon.P != c.Wilcoxon.P {
		t.Fatalf("per-seed test %+v vs %+v", mt.PerSeed[0], c)
	}
	text := sum.Table()
	if got := text.Rows[2][1]; !strings.HasPrefix(got, "0.6667 ± 0.0722") {
		t.Fatalf("cell %q", got)
	}
	if tex := sum.LaTeX(); !strings.Contains(tex, `\pm`) || !strings.Contains(tex, `\toprule`) || !strings.Contains(tex, `KD (student.dim=10)`) {
		t.Fatalf("latex:\n%s", tex)
	}
	if md := sum.Markdown(); !strings.Contains(md, "**0.6667") {
		t.Fatalf("markdown does not bold the best:\n%s", md)
	}
	if st := sum.SignificanceTable(); len(st.Rows) != 2 {
		t.Fatalf("significance rows %d", len(st.Rows))
	}
	// Curves and the pivot.
	ct := CurveTable(sr, "HR@5", "valid")
	if len(ct.Header) != 3 || len(ct.Rows) != 4 || ct.Rows[0][2] != "0.3333" {
		t.Fatalf("curves %v %v", ct.Header, ct.Rows)
	}
	pt := ParamTable(sr, "student.dim", "HR@5", "")
	if len(pt.Rows) != 2 || pt.Header[1] != "student.dim=10" || pt.Rows[1][0] != "KD" {
		t.Fatalf("pivot %v %v", pt.Header, pt.Rows)
	}
	if s2, err := Aggregate(sr, TableOptions{Baseline: "student"}); err != nil || s2.Baseline != "Student" || s2.Rows[2].Tests == nil {
		t.Fatalf("case-insensitive baseline: %v", err)
	}
	if _, err := Aggregate(sr, TableOptions{Baseline: "Nobody"}); err == nil || !strings.Contains(err.Error(), "Student, KD") {
		t.Fatalf("unknown baseline: %v", err)
	}
}

func mustUnpack(t *testing.T, r *Record) *eval.Result {
	x, err := r.Result.PerUser.Unpack()
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestAggregateBaselineMatching(t *testing.T) {
	set := func(kv ...string) []Setting {
		var out []Setting
		for k := 0; k < len(kv); k += 2 {
			out = append(out, Setting{Path: kv[k], Value: json.RawMessage(kv[k+1])})
		}
		return out
	}
	student := &SummaryRow{Label: "Student"}
	student10 := &SummaryRow{Label: "Student", Settings: set("student.dim", "10")}
	student20 := &SummaryRow{Label: "Student", Settings: set("student.dim", "20")}
	// A λ-grid row matches the plain student; a sized row the same size.
	if b := matchBaseline(&SummaryRow{Settings: set("kd[0].lambda", "0.1")}, []*SummaryRow{student}); b != student {
		t.Fatal("λ row not matched to the student")
	}
	if b := matchBaseline(&SummaryRow{Settings: set("student.dim", "20")}, []*SummaryRow{student10, student20}); b != student20 {
		t.Fatal("size row matched to the wrong size")
	}
	if b := matchBaseline(&SummaryRow{Settings: set("student.dim", "30")}, []*SummaryRow{student10, student20}); b != nil {
		t.Fatal("matched a size that does not exist")
	}
	if b := matchBaseline(&SummaryRow{}, []*SummaryRow{student10, student20}); b != nil {
		t.Fatal("ambiguous baseline chosen")
	}
}

package exp

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
)

// mapSource is a SweepSource of hand-made sweeps.
type mapSource map[string]*SweepResults

func (m mapSource) Sweep(key string) (*SweepResults, error) {
	if s, ok := m[key]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrNotRecorded, key)
}

// traceSweep makes a sweep of one row with a discrepancy trace per seed:
// two teachers and the ensemble measured at epochs 0, 10 and 20, the
// teachers' distances t+seed/100 (then t/2, t/4), one stage series.
func traceSweep(name, label string, seeds int, t float64) *SweepResults {
	sr := &SweepResults{Sweep: name}
	for s := range seeds {
		o := float64(s) / 100
		tr := DiscrepancyTrace{K: 50, Sources: []string{"MF", "GNN", "Ensemble"}, Stride: 1, Epoch: []int{0, 10, 20},
			Distance: [][]float64{{1, t + o, t/2 + o}, {1, t + 0.1 + o, t/2 + 0.1 + o}, {1, t - 0.1 + o, t/4 + o}},
			Stages:   [][]float64{{1, t - 0.2 + o, t + o}}}
		rec := &Record{ID: fmt.Sprintf("%016x", s), Result: RunResult{Extra: map[string]any{ExtraDiscrepancy: tr}}}
		sr.Entries = append(sr.Entries, Entry{Run: Run{Label: label, Point: []Setting{{Path: "seed", Value: json.RawMessage(fmt.Sprint(s))}}, Spec: RunSpec{Seed: uint64(s), Protocol: Full}}, Record: rec})
	}
	return sr
}

// TestDiscrepancyMetricValues reads every kind of trace quantity from a
// record, including the epoch rule (the last measurement at or before the
// epoch) and the quantities a trace does not have.
func TestDiscrepancyMetricValues(t *testing.T) {
	rec := traceSweep("s", "RRD", 1, 0.6).Entries[0].Record
	for _, c := range []struct {
		m    string
		want float64
		ok   bool
	}{
		{"discrepancy:teachers@10", 0.65, true},
		{"discrepancy:teachers@19", 0.65, true}, // between measurements: the earlier
		{"discrepancy:teachers@end", 0.35, true},
		{"discrepancy:teachers@0", 1, true},
		{"discrepancy:ensemble@20", 0.15, true},
		{"discrepancy:GNN@10", 0.7, true},
		{"discrepancy:stage0@10", 0.4, true},
		{"discrepancy:stage1@10", 0, false},   // no such stage
		{"discrepancy:DL@10", 0, false},       // no such teacher
		{"discrepancy:teachers@21", 0, false}, // after the last measurement: not reached
		{"discrepancy:teachers@x", 0, false},
		{"discrepancy:teachers", 0, false},
	} {
		v, ok := recordValue(rec, c.m, SourceBest)
		if ok != c.ok || math.Abs(v-c.want) > 1e-12 {
			t.Errorf("%s = %v, %v; want %v, %v", c.m, v, ok, c.want, c.ok)
		}
	}
	if _, ok := recordValue(&Record{}, "discrepancy:teachers@end", SourceBest); ok {
		t.Error("a record without a trace has a value")
	}
	sr := traceSweep("s", "RRD", 1, 0.6)
	if err := sr.CheckMetrics([]string{"discrepancy:GNN@10", "discrepancy:stage0@end", "discrepancy:ensemble@5", "HR@5"}); err == nil || !strings.Contains(err.Error(), "HR@5") {
		t.Errorf("known targets (and an unreported metric): %v", err)
	}
	for _, bad := range []string{"discrepancy:DL@10", "discrepancy:teacher@10", "discrepancy:stage1@10"} {
		if err := sr.CheckMetrics([]string{bad}); err == nil {
			t.Errorf("%s: no target error", bad)
		}
	}
	if err := (&SweepResults{Sweep: "none"}).CheckMetrics([]string{"discrepancy:DL@10"}); err != nil {
		t.Errorf("a sweep without traces: %v", err)
	}
	for _, bad := range []string{"discrepancy:@3", "discrepancy:teachers@-1", "discrepancy:stagex@3", "discrepancy:teachers@"} {
		if _, err := parseDiscrepancyMetric(bad); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}

// TestClaimAcrossMetricsAndSweeps judges claims that compare two
// quantities of one row (baseline_metric) and one row in two sweeps
// (baseline_sweep), with the seeds rule and both verdicts.
func TestClaimAcrossMetricsAndSweeps(t *testing.T) {
	src := mapSource{"het": traceSweep("het", "RRD", 3, 0.6), "hom": traceSweep("hom", "RRD", 3, 0.3), "two": traceSweep("two", "RRD", 2, 0.3)}
	claims := []Claim{
		// At epoch 10 the stage-0 distance (0.4+o) is below the teachers' (0.65+o).
		{ID: "early", Kind: ClaimLess, Sweep: "het", Row: "RRD", Baseline: "RRD", Metric: "discrepancy:stage0@10", BaselineMetric: "discrepancy:teachers@10"},
		// At the end it is above (0.6+o against 0.35+o).
		{ID: "late", Kind: ClaimLess, Sweep: "het", Row: "RRD", Baseline: "RRD", Metric: "discrepancy:stage0@end", BaselineMetric: "discrepancy:teachers@end"},
		// Homogeneous teachers (0.3) nearer than heterogeneous (0.6).
		{ID: "hom", Kind: ClaimLess, Sweep: "hom", Row: "RRD", Baseline: "RRD", BaselineSweep: "het", Metric: "discrepancy:teachers@10"},
		{ID: "seeds", Kind: ClaimLess, Sweep: "two", Row: "RRD", Baseline: "RRD", BaselineSweep: "het", Metric: "discrepancy:teachers@10"},
		{ID: "absent", Kind: ClaimLess, Sweep: "nope", Row: "RRD", Baseline: "RRD", BaselineSweep: "het", Metric: "discrepancy:teachers@10"},
		{ID: "nobase", Kind: ClaimAtLeast, Sweep: "hom", Row: "RRD", Baseline: "RRD", BaselineSweep: "gone", Metric: "discrepancy:teachers@10", Tol: 0.1},
		{ID: "close", Kind: ClaimClose, Sweep: "hom", Row: "RRD", Baseline: "RRD", BaselineSweep: "het", Metric: "discrepancy:teachers@10", Tol: 0.31},
	}
	for _, c := range claims {
		if err := checkClaim(c, true); err != nil {
			t.Fatalf("%s: %v", c.ID, err)
		}
	}
	res, err := EvaluateClaims(src, claims)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"early": Holds, "late": Fails, "hom": Holds, "seeds": NoEvidence, "absent": NoEvidence, "nobase": NoEvidence, "close": Holds}
	for _, r := range res {
		if r.Verdict != want[r.Claim.ID] {
			t.Errorf("%s: %s (%s), want %s", r.Claim.ID, r.Verdict, r.Evidence, want[r.Claim.ID])
		}
	}
	if r := res[0]; math.Abs(r.Mean-0.41) > 1e-12 || math.Abs(r.BaselineMean-0.66) > 1e-12 ||
		!strings.Contains(r.Evidence, "per seed 0: 0.4000, 1: 0.4100, 2: 0.4200") || !strings.Contains(r.Evidence, "discrepancy:teachers@10") {
		t.Errorf("early: means %v / %v, evidence %s", r.Mean, r.BaselineMean, r.Evidence)
	}
	if r := res[2]; !strings.Contains(r.Evidence, "in hom") || !strings.Contains(r.Evidence, "in het") {
		t.Errorf("hom: evidence names the sweeps: %s", r.Evidence)
	}
	if r := res[3]; r.N != 2 || math.Abs(r.Mean-0.355) > 1e-12 || r.BaselineN != 3 {
		t.Errorf("seeds: the row's two seeds are reported (%v over %d), and the baseline's three (%d)", r.Mean, r.N, r.BaselineN)
	}
	if r := res[4]; !strings.Contains(r.Evidence, "sweep nope is not in the ledger") {
		t.Errorf("absent: %s", r.Evidence)
	}
	if r := res[5]; r.N != 3 || r.BaselineN != 0 || !strings.Contains(r.Evidence, "sweep gone is not in the ledger") {
		t.Errorf("nobase: %d / %d seeds, %s", r.N, r.BaselineN, r.Evidence)
	}
	if tb := ClaimsTestTable(res[:1]); tb.Rows[0][1] != "discrepancy:stage0@10 vs discrepancy:teachers@10" {
		t.Errorf("metric column %q", tb.Rows[0][1])
	}
	for _, bad := range []Claim{
		{ID: "x", Kind: ClaimBetter, Sweep: "s", Row: "A", Baseline: "A", Metric: "Recall@50", BaselineMetric: "NDCG@50"},
		{ID: "x", Kind: ClaimBetter, Sweep: "s", Row: "A", Baseline: "B", Metric: "discrepancy:teachers@10"},
		{ID: "x", Kind: ClaimLess, Sweep: "s", Row: "A", Baseline: "B", Metric: "discrepancy:teachers@-3"},
		{ID: "x", Kind: ClaimLess, Sweep: "s", Row: "A", Baseline: "B", Others: []string{"C"}, Metric: "m", BaselineSweep: "t"},
	} {
		if err := checkClaim(bad, true); err == nil {
			t.Errorf("claim %+v accepted", bad)
		}
	}
}

package exp

import (
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/eval"
)

// TestSpecClaimsChecked checks that a spec's claims must name its rows and
// a metric of its protocol, before anything runs.
func TestSpecClaimsChecked(t *testing.T) {
	spec := func(cs ...Claim) *Spec {
		return &Spec{Name: "c", RunSpec: RunSpec{Dataset: DatasetSpec{Name: SyntheticName, Synthetic: &SyntheticSpec{Users: 30, Items: 40, PerUser: 6}},
			Split: SplitSpec{Kind: SplitLOO, Candidates: 10}, Teacher: teacherOf(bpr(8)), Student: bpr(4), Protocol: LOO, Budget: Budget{Epochs: 1}},
			Variants: []Variant{plainRow("Student", bpr(4)), kdRow("DE", kd("de", 0))}, Claims: cs}
	}
	ok := Claim{ID: "a", Kind: ClaimBetter, Row: "DE", Baseline: "Student", Metric: "NDCG@5"}
	if _, err := spec(ok).Check(nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		claims []Claim
		want   string
	}{
		{[]Claim{{ID: "a", Kind: ClaimBetter, Row: "RRD", Baseline: "Student", Metric: "NDCG@5"}}, `spec c: claim 1 (a): no row "RRD" (rows: Student, DE)`},
		{[]Claim{{ID: "a", Kind: ClaimBetter, Row: "DE", Baseline: "Student", Metric: "Recall@50"}}, `metric "Recall@50": the runs report HR@5`},
		{[]Claim{{ID: "a", Kind: ClaimBetter, Row: "DE", Metric: "NDCG@5"}}, "kind better needs a baseline row"},
		{[]Claim{ok, ok}, "claim 2 (a): missing or repeated id"},
	} {
		if _, err := spec(c.claims...).Check(nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want …%s…", c.claims, err, c.want)
		}
	}
	// A claim about another sweep is not checked against these rows.
	other := Claim{ID: "o", Kind: ClaimBetter, Sweep: "elsewhere", Row: "X", Baseline: "Y", Metric: "HR@5"}
	if _, err := spec(other).Check(nil); err != nil {
		t.Error(err)
	}
}

// TestClaimsTestTable checks the compact rendering of claim results.
func TestClaimsTestTable(t *testing.T) {
	rs := []ClaimResult{
		{Claim: Claim{ID: "a", Text: "A beats B", Kind: ClaimBetter, Metric: "HR@5"}, Verdict: Holds, Mean: 0.5, BaselineMean: 0.4, N: 2, BaselineN: 2,
			PerSeed: []SeedTest{{Seed: 0, Comparison: eval.Comparison{T: eval.Significance{P: 0.01}}}, {Seed: 1, Comparison: eval.Comparison{T: eval.Significance{P: 3e-9}}}}},
		{Claim: Claim{ID: "b", Text: "C beats B", Kind: ClaimBetter, Metric: "HR@5"}, Verdict: NoEvidence, Evidence: "no record of row \"C\""},
	}
	var b strings.Builder
	ClaimsTestTable(rs).WriteText(&b)
	want := `claim      metric    mean  baseline     diff   p(t) per seed      verdict
-------------------------------------------------------------------------
A beats B    HR@5  0.5000    0.4000  +0.1000  0.0100 3.0e-09        holds
C beats B    HR@5       –         –        –               –  no evidence
C beats B: no record of row "C"
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

package exp

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/eval"
)

// TestClaimBeatsBest judges beats-best claims against hand-made summaries:
// the best candidate by mean is found whichever it is, the claim is then
// tested against that row only (a weaker row with a failing test does not
// matter), and a candidate without enough seeds gives no evidence.
func TestClaimBeatsBest(t *testing.T) {
	const m = "Recall@50"
	// row builds a summary row with per-seed tests against base (p per seed).
	row := func(label string, mean float64, n int, base string, p ...float64) *SummaryRow {
		r := &SummaryRow{Key: label, Label: label, Mean: map[string]float64{m: mean}, Std: map[string]float64{m: 0.001},
			N: map[string]int{m: n}}
		for s := range n {
			r.Seeds = append(r.Seeds, uint64(s))
		}
		if base != "" {
			r.BaselineKey = base
			mt := &MetricTest{}
			for s, pv := range p {
				mt.PerSeed = append(mt.PerSeed, SeedTest{Seed: uint64(s), Comparison: eval.Comparison{Metric: m,
					T: eval.Significance{P: pv, MeanDiff: 0.01}}})
			}
			r.Tests = map[string]*MetricTest{m: mt}
		}
		return r
	}
	means := map[string]float64{"MF": 0.30, "ML": 0.25, "DL": 0.28}
	var asked []string
	summary := func(ensemble float64, seedsDL int) func(Claim) (*Summary, error) {
		return func(c Claim) (*Summary, error) {
			asked = append(asked, c.Baseline)
			s := &Summary{Sweep: c.Sweep, Metrics: []string{m}}
			// Against MF every seed is significant, against ML seed 1 is not.
			p := map[string][]float64{"MF": {0.001, 0.002, 0.003}, "ML": {0.001, 0.4, 0.003}, "DL": {0.001, 0.001, 0.001}}[c.Baseline]
			s.Rows = append(s.Rows, row("Ensemble", ensemble, 3, c.Baseline, p...))
			for _, name := range []string{"MF", "ML", "DL"} {
				n := 3
				if name == "DL" {
					n = seedsDL
				}
				s.Rows = append(s.Rows, row(name, means[name], n, ""))
			}
			return s, nil
		}
	}
	c := Claim{ID: "ens", Kind: ClaimBeatsBest, Sweep: "x", Row: "Ensemble", Baseline: "ML", Others: []string{"MF", "DL"}, Metric: m}
	if err := checkClaim(c, true); err != nil {
		t.Fatal(err)
	}
	r, err := judgeBeatsBest(c, summary(0.31, 3))
	if err != nil {
		t.Fatal(err)
	}
	// The best candidate is MF (0.30), given as an "other"; the test against
	// ML (seed 1 not significant) is never consulted.
	if r.Verdict != Holds || r.BaselineMean != 0.30 || asked[len(asked)-1] != "MF" || r.Claim.Kind != ClaimBeatsBest ||
		!strings.Contains(r.Evidence, "vs MF") || len(r.PerSeed) != 3 {
		t.Errorf("verdict %s, baseline mean %v, last asked %q, evidence %q", r.Verdict, r.BaselineMean, asked[len(asked)-1], r.Evidence)
	}
	// Below the best teacher: fails, whatever the weaker ones.
	if r, _ := judgeBeatsBest(c, summary(0.29, 3)); r.Verdict != Fails {
		t.Errorf("ensemble below MF: %s (%s)", r.Verdict, r.Evidence)
	}
	// A candidate with too few seeds: no evidence, naming it.
	if r, _ := judgeBeatsBest(c, summary(0.31, 2)); r.Verdict != NoEvidence || !strings.Contains(r.Evidence, `"DL" has 2 of 3 seeds`) {
		t.Errorf("DL with 2 seeds: %s (%s)", r.Verdict, r.Evidence)
	}
	// A kind without a baseline is refused.
	bad := c
	bad.Baseline = ""
	if err := checkClaim(bad, true); err == nil || !strings.Contains(err.Error(), "beats-best needs a baseline") {
		t.Errorf("no baseline: %v", err)
	}
	// The sweep absent from the ledger: no evidence.
	r, err = judgeBeatsBest(c, func(Claim) (*Summary, error) { return nil, fmt.Errorf("x: %w", ErrNotRecorded) })
	if err != nil || r.Verdict != NoEvidence {
		t.Errorf("unrecorded sweep: %v %s", err, r.Verdict)
	}
}

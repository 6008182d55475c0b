package exp

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// TestSweepBars: one category per row in the order asked, one bar per
// metric (renamed in the legend), each the mean ± sd over the row's
// recorded seeds; a row without records leaves its category empty, a row
// spanning grid points is refused.
func TestSweepBars(t *testing.T) {
	s := &Spec{Name: "bars", RunSpec: RunSpec{
		Dataset: DatasetSpec{Name: SyntheticName, Synthetic: &SyntheticSpec{Users: 30, Items: 40, PerUser: 5, Seed: 1}},
		Split:   SplitSpec{Kind: SplitRatio602020}, Student: ModelSpec{Kind: "bpr", Dim: 4}, Protocol: Full, Budget: Budget{Epochs: 2, EvalEvery: 1}},
		Seeds:    []uint64{0, 1, 2},
		Variants: []Variant{{Label: "A"}, {Label: "B"}, {Label: "C"}, {Label: "G", Grid: Grid{"student.dim": {4, 8}}}},
	}
	runs, err := s.Expand()
	if err != nil {
		t.Fatal(err)
	}
	sr := &SweepResults{Sweep: "bars", Spec: s}
	for _, r := range runs {
		e := Entry{Run: r}
		if r.Label != "C" {
			v := map[string]float64{"A": 0.3, "B": 0.2, "G": 0.1}[r.Label] + 0.01*float64(r.Spec.Seed)
			e.Record = &Record{ID: r.ID, Spec: r.Spec, Label: r.Label, Point: r.Point,
				Result: RunResult{Best: map[string]float64{"Recall@50": v, "NDCG@50": v / 2}}}
		}
		sr.Entries = append(sr.Entries, e)
	}
	fig, err := SweepBars(sr, BarOptions{Rows: []string{"B", "A", "C"}, Names: map[string]string{"B": "w/o B"},
		Metrics: []string{"Recall@50", "NDCG@50"}, SeriesNames: map[string]string{"Recall@50": "Recall@N"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(fig.Categories, "|"); got != "w/o B|A|C" {
		t.Errorf("categories %q", got)
	}
	if len(fig.Series) != 2 || fig.Series[0].Name != "Recall@N" || fig.Series[1].Name != "NDCG@50" {
		t.Fatalf("series %v", seriesNames(fig))
	}
	st := fig.Series[0].Stats()
	if len(st) != 2 || st[0].X != 0 || st[1].X != 1 || st[0].N != 3 || math.Abs(st[0].Mean-0.21) > 1e-12 || math.Abs(st[1].Mean-0.31) > 1e-12 || math.Abs(st[0].Std-0.01) > 1e-12 {
		t.Errorf("Recall bars %+v", st)
	}
	if c := fig.CaptionText(); !strings.Contains(c, "ledger sweep bars") || !strings.Contains(c, "n = 3 seeds") {
		t.Errorf("caption %q", c)
	}
	if _, err := SweepBars(sr, BarOptions{Rows: []string{"C"}, Metrics: []string{"Recall@50"}}); !errors.Is(err, ErrNoData) {
		t.Errorf("a row without records: %v, want ErrNoData", err)
	}
	if _, err := SweepBars(sr, BarOptions{Rows: []string{"G"}, Metrics: []string{"Recall@50"}}); err == nil || !strings.Contains(err.Error(), "several grid points") {
		t.Errorf("a row over two grid points: %v", err)
	}
	if _, err := SweepBars(sr, BarOptions{Rows: []string{"D"}, Metrics: []string{"Recall@50"}}); err == nil || errors.Is(err, ErrNoData) {
		t.Errorf("an unknown row: %v", err)
	}
}

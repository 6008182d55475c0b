package exp

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/internal/datatest"
)

// authorsRun makes the run of a BPR model of size dim on one of the
// authors' CiteULike splits from KDREC_DATASETS (derrd-loo evaluated by
// sampled LOO, 499 candidates re-sampled with seed 0 since their file is not
// shipped; td-loo by full ranking), skipping the test when the variable is
// unset.
func authorsRun(t *testing.T, split string, p Protocol, dim int, b Budget, lazy bool) *Run {
	t.Helper()
	if os.Getenv(datasets.EnvDir) == "" {
		datatest.Skipf(t, "%s not set: the authors' CiteULike splits are read from the shared datasets folder", datasets.EnvDir)
	}
	r, err := NewRun(RunSpec{Dataset: DatasetSpec{Name: "citeulike-t"}, Split: SplitSpec{Kind: SplitImport, Name: split},
		Student: ModelSpec{Kind: "bpr", Dim: dim, LazyAdam: lazy}, Protocol: p, Budget: b})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func long(t *testing.T) {
	if os.Getenv("KDREC_LONG") == "" {
		t.Skip("reproduction run: set KDREC_LONG=1 (takes minutes)")
	}
}

// TestReproduceBPRLOO runs BPR d=20 and d=100 on the DE-RRD LOO split with
// the reference protocol (1000 epochs max, patience 20, evaluation every
// epoch, test values at the best validation epoch per cut-off) through
// exp.Execute and checks them against the authors' logs (methods.md
// §4.2a). The ledger's derrd-protocol sweep records the same runs with
// three seeds, and results/claims.json states the comparison.
func TestReproduceBPRLOO(t *testing.T) {
	long(t)
	env, _ := NewEnv("", os.Stderr)
	var md strings.Builder
	md.WriteString("| run | best epochs (H@5/H@10/H@20) | H@5 | N@5 | M@5 | H@10 | N@10 | M@10 | H@20 | N@20 | M@20 | authors H@5 / N@5 | s/epoch |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range []struct {
		dim        int
		lazy       bool
		hr5, ndcg5 float64
	}{{20, false, 0.4486, 0.3353}, {100, false, 0.5286, 0.4095}, {20, true, 0.4486, 0.3353}} {
		rec, err := Execute(context.Background(), authorsRun(t, "derrd-loo", LOO, c.dim, Budget{Epochs: 1000, EvalEvery: 1, Patience: 20}, c.lazy), env)
		if err != nil {
			t.Fatal(err)
		}
		res := &rec.Result
		bt := res.Best
		name := fmt.Sprintf("BPR d=%d", c.dim)
		if c.lazy {
			name += " (lazy Adam)"
		}
		fmt.Fprintf(&md, "| %s | %d/%d/%d |", name, res.BestEpoch["HR@5"], res.BestEpoch["HR@10"], res.BestEpoch["HR@20"])
		for _, k := range []string{"HR@5", "NDCG@5", "MRR@5", "HR@10", "NDCG@10", "MRR@10", "HR@20", "NDCG@20", "MRR@20"} {
			fmt.Fprintf(&md, " %.4f |", bt[k])
		}
		fmt.Fprintf(&md, " %.4f / %.4f | %.3f |\n", c.hr5, c.ndcg5, res.MeanEpochSeconds())
		t.Logf("%s: best-per-cut-off test %v", name, bt)
		if !c.lazy && (abs(bt["HR@5"]-c.hr5) > 0.02 || abs(bt["NDCG@5"]-c.ndcg5) > 0.02) {
			t.Errorf("%s: H@5 %.4f N@5 %.4f, authors %.4f %.4f (tolerance 0.02)", name, bt["HR@5"], bt["NDCG@5"], c.hr5, c.ndcg5)
		}
	}
	t.Log("\n" + md.String())
}

// TestReproduceBPRTD runs BPR d=20 and d=200 on the TD split for 100
// epochs through exp.Execute, evaluating full-ranking test Recall@50 before
// training and every 10 epochs, and compares the curve with the TD
// notebook (methods.md §4.2b).
func TestReproduceBPRTD(t *testing.T) {
	long(t)
	env, _ := NewEnv("", os.Stderr)
	authors := map[int][]float64{
		20:  {.0374, .1255, .1508, .1700, .1857, .1941, .2077, .2129, .2171, .2226, .2276},
		200: {.0918, .2198, .2543, .2681, .2884, .2974, .3002, .3116, .3066, .3062, .3123},
	}
	var md strings.Builder
	md.WriteString("| model | series | R@50 at epoch 0, 10, …, 100 |\n|---|---|---|\n")
	for _, dim := range []int{20, 200} {
		rec, err := Execute(context.Background(), authorsRun(t, "td-loo", Full, dim, Budget{Epochs: 100, EvalEvery: 10, EvalAtStart: true}, false), env)
		if err != nil {
			t.Fatal(err)
		}
		var ours []float64
		for _, p := range rec.Result.Curve {
			if v, ok := p.Test["Recall@50"]; ok {
				ours = append(ours, v)
			}
		}
		fmt.Fprintf(&md, "| BPR d=%d | kdrec | %s |\n| | authors | %s |\n", dim, join(ours), join(authors[dim]))
		last := ours[len(ours)-1]
		want := authors[dim][len(authors[dim])-1]
		if abs(last-want) > 0.02 {
			t.Errorf("d=%d: Recall@50 after 100 epochs %.4f, notebook %.4f (tolerance 0.02)", dim, last, want)
		}
		t.Logf("d=%d final test metrics: %v", dim, rec.Result.Final)
	}
	t.Log("\n" + md.String())
}

func join(v []float64) string {
	s := make([]string, len(v))
	for k, x := range v {
		s[k] = fmt.Sprintf("%.4f", x)
	}
	return strings.Join(s, " ")
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

package exp

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/internal/datatest"
	"github.com/kdrec/kdrec/kdlib/data"
)

// TestRankingKD runs the ranking-distillation comparison of
// docs/ranking-kd.md on the authors' DE-RRD split (KDREC_LONG=1 and
// KDREC_DATASETS required). KDREC_RANKING_EPOCHS caps student training
// (default 1000), KDREC_RANKING_SEEDS lists the seeds (default "0,1,2") and
// KDREC_RANKING_METHODS the methods (default all). Finished runs are cached
// under CacheDir(), so an interrupted run resumes; the Markdown tables are
// written to KDREC_RANKING_OUT when set.
func TestRankingKD(t *testing.T) {
	if os.Getenv("KDREC_LONG") == "" {
		t.Skip("reproduction run: set KDREC_LONG=1 (takes hours)")
	}
	dir := os.Getenv(datasets.EnvDir)
	if dir == "" {
		datatest.Skipf(t, "%s not set: the authors' DE-RRD split is read from the datasets folder", datasets.EnvDir)
	}
	s, err := datasets.LoadSplit("citeulike-t", datasets.SplitName("derrd-loo"), datasets.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	// The authors' candidates_0 file is not available: sample 499 per user.
	if err := data.SampleCandidates(s, 0, data.DefaultNumCandidates); err != nil {
		t.Fatal(err)
	}
	o := RankingOptions{Split: s, Log: os.Stderr}
	if v := os.Getenv("KDREC_RANKING_EPOCHS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatal(err)
		}
		o.Epochs = n
	}
	if v := os.Getenv("KDREC_RANKING_SEEDS"); v != "" {
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.ParseUint(f, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			o.Seeds = append(o.Seeds, n)
		}
	}
	if v := os.Getenv("KDREC_RANKING_METHODS"); v != "" {
		o.Methods = strings.Split(v, ",")
	}
	rep, err := RankingKD(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	md := RankingMarkdown(rep)
	t.Log("\n" + md)
	if p := os.Getenv("KDREC_RANKING_OUT"); p != "" {
		if err := os.WriteFile(p, []byte(md), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRankingOptionsValidation(t *testing.T) {
	if _, err := RankingKD(context.Background(), RankingOptions{}); err == nil {
		t.Error("no split accepted")
	}
}

// TestRankingKDSmall runs the whole driver on a small synthetic data set:
// every method trains, the runs are cached and reloaded, and the tables
// render.
func TestRankingKDSmall(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var pairs []data.Pair
	for u := 0; u < 200; u++ {
		for k := 0; k < 8; k++ {
			pairs = append(pairs, data.Pair{User: int32(u), Item: int32((u + rng.IntN(60)) % 300)})
		}
	}
	x, err := data.FromPairs(200, 300, pairs)
	if err != nil {
		t.Fatal(err)
	}
	s, err := data.LeaveOneOut(x, 0, 30)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	o := RankingOptions{Split: s, Teacher: TeacherOptions{Dim: 8, Epochs: 3, Patience: 2}, StudentDim: 4,
		Seeds: []uint64{0, 1}, Methods: RankingMethods, Epochs: 2, Patience: 2, ListN: 50, CacheDir: dir}
	rep, err := RankingKD(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Runs) != 2*len(RankingMethods) {
		t.Fatalf("%d runs", len(rep.Runs))
	}
	again, err := RankingKD(context.Background(), o)
	if err != nil || again.ListsSource != "cache" || !again.Teacher.Cached {
		t.Fatalf("second run: %v, lists %q, teacher cached %v", err, again.ListsSource, again.Teacher.Cached)
	}
	md := RankingMarkdown(again)
	for _, want := range []string{"ir-rrd", "de-rrd", "dcd", "Recall@50", "Wilcoxon", "teacher"} {
		if !strings.Contains(md, want) {
			t.Errorf("tables lack %q", want)
		}
	}
	if _, err := RankingKD(context.Background(), RankingOptions{Split: s, Methods: []string{"nope"}}); err == nil {
		t.Error("unknown method accepted")
	}
}

package exp

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
)

// latentTestSplit is a small synthetic data set with a LOO split (30
// candidates) whose users prefer a window of items, so that a few epochs
// learn something.
func latentTestSplit(t *testing.T) *data.Split {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	var pairs []data.Pair
	for u := 0; u < 150; u++ {
		for k := 0; k < 8; k++ {
			pairs = append(pairs, data.Pair{User: int32(u), Item: int32((2*u + rng.IntN(40)) % 240)})
		}
	}
	x, err := data.FromPairs(150, 240, pairs)
	if err != nil {
		t.Fatal(err)
	}
	s, err := data.LeaveOneOut(x, 0, 30)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestTrainLatentSmall runs every latent method through the driver with a
// BPR and a LightGCN teacher/student pair: runs train, are cached and
// reloaded with identical numbers, CachedOnly reports missing runs, the
// same seed gives the same numbers, and the tables render with the paired
// tests.
func TestTrainLatentSmall(t *testing.T) {
	s := latentTestSplit(t)
	dir := t.TempDir()
	ctx := context.Background()
	for _, kind := range []string{LatentBPR, LatentLightGCN} {
		teacher, err := CachedFullTeacher(ctx, s, FullTeacherOptions{Kind: kind, Dim: 16, Epochs: 4, EvalEvery: 2, CacheDir: dir})
		if err != nil {
			t.Fatal(kind, err)
		}
		if len(teacher.Curve) != 3 || teacher.Model.Dim() != 16 {
			t.Fatalf("%s teacher: curve %v, dim %d", kind, teacher.Curve, teacher.Model.Dim())
		}
		again, err := CachedFullTeacher(ctx, s, FullTeacherOptions{Kind: kind, Dim: 16, Epochs: 4, EvalEvery: 2, CacheDir: dir})
		if err != nil || !again.Cached || again.Hash != teacher.Hash {
			t.Fatalf("%s teacher not reloaded: %v %v", kind, err, again)
		}
		runs := map[int]map[string][]*LatentRun{4: {}}
		for _, m := range []string{LatentStudent, LatentHint, LatentDE, LatentPHR, LatentFTD, LatentHTD} {
			o := LatentOptions{Kind: kind, Method: m, Dim: 4, Seed: 1, Protocol: Full, Epochs: 3, EvalEvery: 1, CacheDir: dir}
			r, err := TrainLatent(ctx, s, teacher.Model, teacher.Hash, o)
			if err != nil {
				t.Fatalf("%s %s: %v", kind, m, err)
			}
			if r.Cached || r.Result.Epochs != 3 || r.Best["Recall@50"] <= 0 || r.Test == nil {
				t.Fatalf("%s %s: cached %v, epochs %d, best %v", kind, m, r.Cached, r.Result.Epochs, r.Best)
			}
			if (m != LatentStudent) != (r.AuxParams > 0) && m != LatentFTD {
				t.Errorf("%s %s: %d auxiliary parameters", kind, m, r.AuxParams)
			}
			c, err := TrainLatent(ctx, s, teacher.Model, teacher.Hash, o)
			if err != nil || !c.Cached || c.Best["Recall@50"] != r.Best["Recall@50"] {
				t.Fatalf("%s %s: cache reload %v, %v", kind, m, err, c)
			}
			o.NoCache = true
			f, err := TrainLatent(ctx, s, teacher.Model, teacher.Hash, o)
			if err != nil || f.Best["Recall@50"] != r.Best["Recall@50"] {
				t.Fatalf("%s %s: same seed gave %v, then %v (%v)", kind, m, r.Best["Recall@50"], f.Best["Recall@50"], err)
			}
			runs[4][m] = []*LatentRun{r}
			if m != LatentStudent && r.Result.History[0].Loss == runs[4][LatentStudent][0].Result.History[0].Loss {
				t.Errorf("%s %s: the term did not change the training loss", kind, m)
			}
		}
		o := LatentOptions{Kind: kind, Method: LatentFTD, Dim: 4, Seed: 9, Protocol: Full, Epochs: 3, EvalEvery: 1, CacheDir: dir, CachedOnly: true}
		if _, err := TrainLatent(ctx, s, teacher.Model, teacher.Hash, o); !errors.Is(err, ErrNotCached) {
			t.Fatalf("%s: CachedOnly on a missing run gave %v", kind, err)
		}
		tb, err := TDCurveTableRef(runs, nil)
		if err != nil {
			t.Fatal(err)
		}
		md := tb.Markdown()
		for _, want := range []string{"htd", "ftd", "Δ vs student", "p (t / Wilcoxon)"} {
			if !strings.Contains(md, want) {
				t.Errorf("%s table lacks %q:\n%s", kind, want, md)
			}
		}
	}
	if _, err := TrainLatent(ctx, s, nil, "", LatentOptions{Kind: "nope", Method: LatentStudent, Dim: 4, Epochs: 1, CacheDir: dir}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := TrainLatent(ctx, s, nil, "", LatentOptions{Method: "nope", Dim: 4, Epochs: 1, CacheDir: dir}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown method: %v", err)
	}
}

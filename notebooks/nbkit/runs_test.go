package nbkit

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// smallSplit is a synthetic leave-one-out split with candidates.
func smallSplit(t *testing.T) *data.Split {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var pairs []data.Pair
	for u := range 120 {
		for range 8 {
			pairs = append(pairs, data.Pair{User: int32(u), Item: int32((u + rng.IntN(40)) % 200)})
		}
	}
	x, err := data.FromPairs(120, 200, pairs)
	if err != nil {
		t.Fatal(err)
	}
	s, err := data.LeaveOneOut(x, 0, 30)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestScaleSplits(t *testing.T) {
	t.Setenv(EnvQuick, "1")
	t.Setenv("KDREC_DATASETS", "")
	s, err := LOOSplit()
	if err != nil {
		t.Fatal(err)
	}
	if s.NumUsers() != QuickUsers || s.Authors || s.Candidates == nil || s.How == "" || s.Short == "" {
		t.Errorf("quick LOO split: %d users, authors %v, %q", s.NumUsers(), s.Authors, s.How)
	}
	td, err := TDSplit()
	if err != nil {
		t.Fatal(err)
	}
	if td.NumUsers() != QuickUsers || td.Candidates != nil {
		t.Errorf("quick TD split: %d users, candidates %v", td.NumUsers(), td.Candidates != nil)
	}
	t.Setenv("KDREC_CACHE", "")
	t.Setenv("GONB_DIR", "/nb")
	if ArtifactDir() != "/nb/.cache" {
		t.Errorf("quick artifact dir %s", ArtifactDir())
	}
	t.Setenv(EnvQuick, "")
	if ArtifactDir() != exp.CacheDir() {
		t.Errorf("full artifact dir %s, want %s", ArtifactDir(), exp.CacheDir())
	}
	t.Setenv("KDREC_CACHE", "/c")
	if ArtifactDir() != "/c" {
		t.Errorf("artifact dir %s with KDREC_CACHE", ArtifactDir())
	}
}

func TestCachedChapterRuns(t *testing.T) {
	t.Setenv("KDREC_CACHE", t.TempDir())
	s := smallSplit(t)
	ctx := context.Background()
	teacher, err := exp.CachedTeacher(ctx, s, exp.TeacherOptions{Dim: 8, Epochs: 2, Patience: 1, CacheDir: ArtifactDir()})
	if err != nil {
		t.Fatal(err)
	}
	lists, err := distill.BuildLists(ctx, teacher.Model, s.Train, distill.ListOptions{N: 40, ItemSide: true})
	if err != nil {
		t.Fatal(err)
	}
	o := RankingCurveOptions{Name: "RRD K=5", Method: "rrd", Config: "K=5", Dim: 4, Epochs: 2,
		Terms: func(st *model.BPR) ([]train.Term, error) {
			term, err := distill.RRD(lists, st, distill.RRDOptions{K: 5, L: 5})
			return []train.Term{term}, err
		}}
	a, err := TrainRankingCurve(ctx, s, teacher, lists, o)
	if err != nil {
		t.Fatal(err)
	}
	b, err := TrainRankingCurve(ctx, s, teacher, lists, o)
	if err != nil {
		t.Fatal(err)
	}
	if a.Cached || !b.Cached || len(b.Result.History) != 2 || b.Best["HR@5"] != a.Best["HR@5"] {
		t.Errorf("ranking curve: cached %v %v, %d points", a.Cached, b.Cached, len(b.Result.History))
	}
	if _, err := TrainRankingCurve(ctx, s, teacher, lists, RankingCurveOptions{Name: "x", Terms: o.Terms, Dim: 4, Epochs: 1}); err == nil {
		t.Error("Terms without Config accepted")
	}
	lo := exp.LatentOptions{Method: exp.LatentFTD, Dim: 4, Epochs: 3, EvalEvery: 2}
	to := eval.TopologyOptions{Users: 20, Items: 20, K: 3}
	tr, err := TrainTopology(ctx, s, teacher.Model, teacher.Hash, lo, to)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(tr.Points); got != 3 || tr.Points[0].Epoch != 0 || tr.Points[2].Epoch != 3 {
		t.Errorf("topology points %+v", tr.Points)
	}
	again, err := TrainTopology(ctx, s, teacher.Model, teacher.Hash, lo, to)
	if err != nil || !again.Cached || again.Points[2] != tr.Points[2] {
		t.Errorf("topology cache: %v %v", err, again != nil && again.Cached)
	}
	runs, err := LatentRuns(ctx, s, teacher.Model, teacher.Hash, []exp.LatentOptions{{Method: exp.LatentStudent, Dim: 4, Protocol: exp.LOO, Epochs: 1, EvalEvery: 1}}, false)
	if err != nil || len(runs) != 1 || runs[0].Result.Epochs != 1 {
		t.Fatalf("latent runs: %v", err)
	}
}

// TestTopologyPointJSON pins the cached form of a topology point, which
// traces written before the measures moved to eval share.
func TestTopologyPointJSON(t *testing.T) {
	p := TopologyPoint{Epoch: 3, TopologyMeasure: eval.TopologyMeasure{Discrepancy: 0.5, KNN: 0.25}}
	b, err := json.Marshal(p)
	if err != nil || string(b) != `{"epoch":3,"discrepancy":0.5,"knn":0.25}` {
		t.Errorf("%s %v", b, err)
	}
	var q TopologyPoint
	if err := json.Unmarshal(b, &q); err != nil || q != p {
		t.Errorf("%+v %v", q, err)
	}
}

func TestLogWriterShortensPaths(t *testing.T) {
	t.Setenv("KDREC_CACHE", "/some/cache")
	var b strings.Builder
	w := &shortPaths{w: nopCloser{&b}, dir: []byte(ArtifactDir())}
	if n, err := w.Write([]byte("loaded /some/cache/teachers/x.ckpt\n")); err != nil || n != 35 {
		t.Fatalf("%d %v", n, err)
	}
	if b.String() != "loaded $KDREC_CACHE/teachers/x.ckpt\n" {
		t.Errorf("%q", b.String())
	}
}

type nopCloser struct{ w *strings.Builder }

func (n nopCloser) Write(p []byte) (int, error) { return n.w.Write(p) }
func (n nopCloser) Close() error                { return nil }

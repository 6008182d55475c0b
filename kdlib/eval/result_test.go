package eval

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"runtime"
	"slices"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
)

func sampleResult() *Result {
	return &Result{
		Protocol: ProtocolFull, Part: Test,
		Metrics: []string{"Recall@10", "NDCG@10"},
		Users:   []int32{2, 5, 9, 11},
		PerUser: [][]float64{{1, 0, 0.5, 0.5}, {0.25, 0, 0.5, 1}},
	}
}

func TestResultAccessors(t *testing.T) {
	r := sampleResult()
	if r.Len() != 4 || r.Index("NDCG@10") != 1 || r.Index("HR@5") != -1 {
		t.Errorf("Len/Index wrong")
	}
	if got := r.Mean("Recall@10"); !near(got, 0.5) {
		t.Errorf("Mean Recall@10 = %v, want 0.5", got)
	}
	if !math.IsNaN(r.Mean("MRR@10")) {
		t.Error("Mean of a missing metric is not NaN")
	}
	if got, want := r.Means(), map[string]float64{"Recall@10": 0.5, "NDCG@10": 0.4375}; !reflect.DeepEqual(got, want) {
		t.Errorf("Means = %v, want %v", got, want)
	}
	if got, want := r.String(), "full/test 4 users: Recall@10 0.5000 NDCG@10 0.4375"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	f := r.Filter(func(u int32) bool { return u > 4 })
	if !slices.Equal(f.Users, []int32{5, 9, 11}) || !slices.Equal(f.Values("NDCG@10"), []float64{0, 0.5, 1}) {
		t.Errorf("Filter = %+v", f)
	}
	var back Result
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(&back, r) {
		t.Errorf("JSON round trip: %v, %+v", err, back)
	}
}

func TestSortMetrics(t *testing.T) {
	names := []string{"MRR@10", "HR@20", "NDCG@5", "Recall@50", "HR@5", "custom", "NDCG@10", "MRR@5", "HR@10", "Foo@5", "NDCG@50"}
	SortMetrics(names)
	want := []string{"custom", "HR@5", "NDCG@5", "MRR@5", "Foo@5", "HR@10", "NDCG@10", "MRR@10", "HR@20", "Recall@50", "NDCG@50"}
	if !slices.Equal(names, want) {
		t.Errorf("SortMetrics = %v, want %v", names, want)
	}
	if p, k, ok := ParseMetric("Recall@50"); p != "Recall" || k != 50 || !ok {
		t.Errorf("ParseMetric = %q %d %v", p, k, ok)
	}
	if _, _, ok := ParseMetric("HR@x"); ok {
		t.Error("ParseMetric accepted HR@x")
	}
	if MetricName(NDCG, 20) != "NDCG@20" {
		t.Error("MetricName")
	}
}

func TestMergeShards(t *testing.T) {
	const nu, ni = 200, 800
	ctx := context.Background()
	m := newDenseScorer(nu, ni, 8, 31)
	s := randomSplit(t, nu, ni, 10, 1, 1, 99, true, 12)
	whole, err := LOO(ctx, m, s, Test, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var shards []*Result
	for i := range 3 {
		var users []int32
		for u := i; u < nu; u += 3 {
			users = append(users, int32(u))
		}
		r, err := LOO(ctx, m, s, Test, Options{Users: users})
		if err != nil {
			t.Fatal(err)
		}
		shards = append(shards, r)
	}
	merged, err := Merge(shards[2], shards[0], shards[1])
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(merged, whole) {
		t.Error("merged shards differ from the whole evaluation")
	}
	if _, err := Merge(shards[0], shards[0]); err == nil {
		t.Error("duplicate users accepted")
	}
	full, _ := FullRanking(ctx, m, s, Test, Options{Users: []int32{1, 2}})
	if _, err := Merge(shards[0], full); err == nil {
		t.Error("different protocols accepted")
	}
	if _, err := Merge(); err == nil {
		t.Error("empty merge accepted")
	}
}

func TestEfficiencyHelpers(t *testing.T) {
	m := newDenseScorer(50, 300, 8, 1)
	users := SampleUsers(m.NumUsers(), 10, 42)
	if len(users) != 10 || !slices.IsSorted(users) || len(slices.Compact(slices.Clone(users))) != 10 {
		t.Fatalf("SampleUsers = %v", users)
	}
	if !slices.Equal(users, SampleUsers(m.NumUsers(), 10, 42)) {
		t.Error("SampleUsers is not reproducible")
	}
	if got := SampleUsers(5, 10, 1); !slices.Equal(got, []int32{0, 1, 2, 3, 4}) {
		t.Errorf("SampleUsers(5, 10) = %v", got)
	}
	// The latency is measured, never asserted.
	d, err := Latency(context.Background(), m, users)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("latency per user: %v", d)
	if _, err := Latency(context.Background(), m, nil); err == nil {
		t.Error("Latency without users accepted")
	}
	if _, err := Latency(context.Background(), m, []int32{50}); err == nil {
		t.Error("Latency with an out-of-range user accepted")
	}
	// With a selection, each user gets min(K, items not excluded) items:
	// user u has u training items here, so the selection is really made
	// and really skips them.
	var pairs []data.Pair
	for u := 0; u < 50; u++ {
		for i := 0; i < u*6; i++ {
			pairs = append(pairs, data.Pair{User: int32(u), Item: int32(i)})
		}
	}
	x, err := data.FromPairs(50, 300, pairs)
	if err != nil {
		t.Fatal(err)
	}
	all := []int32{0, 10, 45, 49}
	r, err := Inference(context.Background(), m, all, InferenceOptions{TopK: 20, Exclude: x})
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS == "linux" && !(r.CPUPerUser > 0) {
		t.Errorf("no thread CPU time measured: %+v", r)
	}
	if want := 20 + 20 + 20 + (300 - 294); r.Selected != want || r.Users != 4 {
		t.Errorf("Inference selected %d items for %d users, want %d for 4", r.Selected, r.Users, want)
	}
	if r, err := Inference(context.Background(), m, all, InferenceOptions{}); err != nil || r.Selected != 0 {
		t.Errorf("Inference without a selection: %+v, %v", r, err)
	}
	if _, err := Inference(context.Background(), m, all, InferenceOptions{TopK: -1}); err == nil {
		t.Error("a negative top-K accepted")
	}
	small, _ := data.FromPairs(40, 300, pairs[:10])
	if _, err := Inference(context.Background(), m, all, InferenceOptions{TopK: 5, Exclude: small}); err == nil {
		t.Error("exclusions of another shape accepted")
	}
	if _, ok := NumParams(m); ok {
		t.Error("NumParams reports a model without NumParams")
	}
	if n, ok := NumParams(countingModel{}); !ok || n != 1234 {
		t.Errorf("NumParams = %d %v", n, ok)
	}
}

type countingModel struct{}

func (countingModel) NumParams() int { return 1234 }

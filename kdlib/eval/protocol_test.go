package eval

import (
	"cmp"
	"context"
	"math"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
)

const eps = 1e-12

func near(a, b float64) bool { return math.Abs(a-b) <= eps }

func mustSplit(t *testing.T, s *data.Split, nu, ni int, train []data.Pair) *data.Split {
	t.Helper()
	var err error
	if s.Train, err = data.FromPairs(nu, ni, train); err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

// checkValues compares the per-user values of r with want[metric][k].
func checkValues(t *testing.T, r *Result, wantUsers []int32, want map[string][]float64) {
	t.Helper()
	if !slices.Equal(r.Users, wantUsers) {
		t.Fatalf("%s/%s users = %v, want %v", r.Protocol, r.Part, r.Users, wantUsers)
	}
	for name, w := range want {
		got := r.Values(name)
		if len(got) != len(w) {
			t.Errorf("%s/%s %s: %d values, want %d", r.Protocol, r.Part, name, len(got), len(w))
			continue
		}
		for k := range w {
			if !near(got[k], w[k]) {
				t.Errorf("%s/%s %s user %d = %.15g, want %.15g", r.Protocol, r.Part, name, r.Users[k], got[k], w[k])
			}
		}
	}
}

func TestLOOMetricsHand(t *testing.T) {
	cases := []struct {
		p, n          int
		hr, ndcg, mrr float64
	}{
		{1, 5, 1, 1, 1},
		{3, 5, 1, 0.5, 1.0 / 3}, // 1/log2(4) = 0.5
		{5, 5, 1, 1 / math.Log2(6), 0.2},
		{6, 5, 0, 0, 0},
		{7, 10, 1, 1.0 / 3, 1.0 / 7}, // 1/log2(8) = 1/3
		{0, 5, 0, 0, 0},
	}
	for _, c := range cases {
		hr, ndcg, mrr := LOOMetrics(c.p, c.n)
		if !near(hr, c.hr) || !near(ndcg, c.ndcg) || !near(mrr, c.mrr) {
			t.Errorf("LOOMetrics(%d, %d) = %v %v %v, want %v %v %v", c.p, c.n, hr, ndcg, mrr, c.hr, c.ndcg, c.mrr)
		}
	}
}

func TestRankingMetricsHand(t *testing.T) {
	l3 := 1 / math.Log2(3)
	hit := []bool{true, false, true, false, false}
	cases := []struct {
		hit          []bool
		nrel, k      int
		recall, ndcg float64
	}{
		{hit, 3, 1, 1.0 / 3, 1},
		{hit, 3, 2, 1.0 / 3, 1 / (1 + l3)},
		{hit, 3, 3, 2.0 / 3, 1.5 / (1 + l3 + 0.5)},
		{hit, 3, 5, 2.0 / 3, 1.5 / (1 + l3 + 0.5)}, // IDCG over min(3,5) = 3 positions
		{hit, 2, 10, 1, 1.5 / (1 + l3)},
		{[]bool{false, true}, 1, 2, 1, l3},
		{[]bool{false, true}, 1, 1, 0, 0},
		{hit, 0, 5, 0, 0},
	}
	for _, c := range cases {
		r, n := RankingMetrics(c.hit, c.nrel, c.k)
		if !near(r, c.recall) || !near(n, c.ndcg) {
			t.Errorf("RankingMetrics(%v, %d, %d) = %v %v, want %v %v", c.hit, c.nrel, c.k, r, n, c.recall, c.ndcg)
		}
	}
}

// looSplit: 10 items; user 0 has train {0,1}, valid {2}, test {3},
// candidates 4..9; user 1 has train {5}, only a test item {7}, candidates
// 0..3; user 2 has train {0} and nothing held out.
func looSplit(t *testing.T) (*data.Split, tableScorer) {
	s := mustSplit(t, &data.Split{
		Name:       "hand loo",
		Valid:      [][]int32{{2}, nil, nil},
		Test:       [][]int32{{3}, {7}, nil},
		Candidates: [][]int32{{4, 5, 6, 7, 8, 9}, {0, 1, 2, 3}, {1, 2}},
	}, 3, 10, []data.Pair{{User: 0, Item: 0}, {User: 0, Item: 1}, {User: 1, Item: 5}, {User: 2, Item: 0}})
	m := tableScorer{
		//    0    1    2    3    4  5    6  7  8  9
		{9, 8, 5.8, 5, 6, 5.5, 4, 3, 2, 1},
		{2, 3, 4, 1, 0, 9, 0, 1, 0, 0},
		{1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
	}
	return s, m
}

func TestLOOHand(t *testing.T) {
	s, m := looSplit(t)
	ctx := context.Background()
	l4, l5 := 1/math.Log2(4), 1/math.Log2(5)

	// Test part. User 0: target 3 (5.0); candidates above it: 4 (6.0) and
	// 5 (5.5). The valid item 2 (5.8) also scores above the target but is
	// removed, so p = 3, not 4. Train items 0 and 1 score highest but are
	// not candidates. User 1: target 7 (1.0); candidates 0, 1, 2 score
	// 2, 3, 4 > 1 and candidate 3 ties at 1, so p = 4 (optimistic) or 5
	// (pessimistic).
	r, err := LOO(ctx, m, s, Test, Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantMetrics := []string{"HR@5", "NDCG@5", "MRR@5", "HR@10", "NDCG@10", "MRR@10", "HR@20", "NDCG@20", "MRR@20"}
	if !slices.Equal(r.Metrics, wantMetrics) {
		t.Fatalf("metrics = %v, want %v", r.Metrics, wantMetrics)
	}
	checkValues(t, r, []int32{0, 1}, map[string][]float64{
		"HR@5": {1, 1}, "NDCG@5": {l4, l5}, "MRR@5": {1.0 / 3, 0.25},
		"HR@20": {1, 1}, "NDCG@20": {0.5, l5}, "MRR@20": {1.0 / 3, 0.25},
	})
	if got, want := r.Mean("MRR@5"), (1.0/3+0.25)/2; !near(got, want) {
		t.Errorf("mean MRR@5 = %v, want %v", got, want)
	}

	r, err = LOO(ctx, m, s, Test, Options{Cutoffs: []int{4, 3, 4}, Ties: TiesPessimistic})
	if err != nil {
		t.Fatal(err)
	}
	checkValues(t, r, []int32{0, 1}, map[string][]float64{
		"HR@3": {1, 0}, "NDCG@3": {0.5, 0}, "MRR@3": {1.0 / 3, 0},
		"HR@4": {1, 0}, "NDCG@4": {0.5, 0}, "MRR@4": {1.0 / 3, 0},
	})
	if len(r.Metrics) != 6 {
		t.Errorf("cut-offs not de-duplicated: %v", r.Metrics)
	}

	// Valid part: only user 0 (user 1 has no valid item). Target 2 (5.8);
	// only candidate 4 (6.0) is above it; the test item 3 is removed. p = 2.
	r, err = LOO(ctx, m, s, Valid, Options{Cutoffs: []int{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	l3 := 1 / math.Log2(3)
	checkValues(t, r, []int32{0}, map[string][]float64{
		"HR@1": {0}, "NDCG@1": {0}, "MRR@1": {0},
		"HR@2": {1}, "NDCG@2": {l3}, "MRR@2": {0.5},
	})

	// Restricting the users.
	r, err = LOO(ctx, m, s, Test, Options{Users: []int32{2, 1}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Users, []int32{1}) {
		t.Errorf("users with Options.Users = %v, want [1]", r.Users)
	}
}

func TestLOOErrors(t *testing.T) {
	s, m := looSplit(t)
	ctx := context.Background()
	if _, err := LOO(ctx, m, s, "train", Options{}); err == nil {
		t.Error("unknown part accepted")
	}
	if _, err := LOO(ctx, m, s, Test, Options{Cutoffs: []int{0, 5}}); err == nil {
		t.Error("cut-off 0 accepted")
	}
	if _, err := LOO(ctx, m[:2], s, Test, Options{}); err == nil {
		t.Error("model with too few users accepted")
	}
	if _, err := LOO(ctx, m, s, Test, Options{Users: []int32{3}}); err == nil {
		t.Error("user out of range accepted")
	}
	if _, err := LOO(ctx, m, s, Test, Options{Ties: Ties(7)}); err == nil {
		t.Error("unknown tie handling accepted")
	}
	noCand := *s
	noCand.Candidates = nil
	if _, err := LOO(ctx, m, &noCand, Test, Options{}); err == nil {
		t.Error("split without candidates accepted")
	}
	two := *s
	two.Test = [][]int32{{3, 8}, {7}, nil}
	if _, err := LOO(ctx, m, &two, Test, Options{}); err == nil {
		t.Error("two test items per user accepted")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := LOO(cctx, m, s, Test, Options{}); err == nil {
		t.Error("cancelled context ignored")
	}
}

// panicScorer panics while scoring.
type panicScorer struct{ tableScorer }

func (panicScorer) ScoreItems(int, []int32, []float32) { panic("boom") }

func TestLOOPanicBecomesError(t *testing.T) {
	s, m := looSplit(t)
	if _, err := LOO(context.Background(), panicScorer{m}, s, Test, Options{}); err == nil {
		t.Error("panic in scorer not reported")
	}
}

// fullSplit: 10 items, and the model scores 11 (item 10 is padding).
// User 0: train {0,4}, valid {1,6}, test {2,5,9}; scores decrease with the
// item index. User 1: train {3}, test {4}; all scores equal except item 0,
// which is NaN.
func fullSplit(t *testing.T) (*data.Split, tableScorer) {
	s := mustSplit(t, &data.Split{
		Name:  "hand full",
		Valid: [][]int32{{1, 6}, nil},
		Test:  [][]int32{{2, 5, 9}, {4}},
	}, 2, 10, []data.Pair{{User: 0, Item: 0}, {User: 0, Item: 4}, {User: 1, Item: 3}})
	nan := float32(math.NaN())
	m := tableScorer{
		{10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 100},
		{nan, 1, 1, 1, 1, 1, 1, 1, 1, 1, 100},
	}
	return s, m
}

func TestFullRankingHand(t *testing.T) {
	s, m := fullSplit(t)
	ctx := context.Background()
	l3 := 1 / math.Log2(3)

	// Test part. User 0: train {0,4} and valid {1,6} excluded, padding item
	// 10 not ranked: ranking 2, 3, 5, 7, 8, 9; GT {2,5,9} → hits at ranks 1
	// and 3. User 1: train {3} excluded; equal scores by lower index, NaN
	// item 0 last: ranking 1, 2, 4, … → hit at rank 3.
	r, err := FullRanking(ctx, m, s, Test, Options{Cutoffs: []int{5, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Recall@2", "NDCG@2", "Recall@3", "NDCG@3", "Recall@5", "NDCG@5"}; !slices.Equal(r.Metrics, want) {
		t.Fatalf("metrics = %v, want %v", r.Metrics, want)
	}
	checkValues(t, r, []int32{0, 1}, map[string][]float64{
		"Recall@2": {1.0 / 3, 0},
		"NDCG@2":   {1 / (1 + l3), 0},
		"Recall@3": {2.0 / 3, 1},
		"NDCG@3":   {1.5 / (1 + l3 + 0.5), 0.5},
		"Recall@5": {2.0 / 3, 1},
		"NDCG@5":   {1.5 / (1 + l3 + 0.5), 0.5},
	})

	// The same with the other part's items out of order (not a valid split,
	// but exclusion must not depend on it).
	unsorted := *s
	unsorted.Valid = [][]int32{{6, 1}, nil}
	r2, err := FullRanking(ctx, m, &unsorted, Test, Options{Cutoffs: []int{5, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r2, r) {
		t.Errorf("unsorted other part: %v, want %v", r2, r)
	}

	// Valid part: only user 0. Train {0,4} and test {2,5,9} excluded:
	// ranking 1, 3, 6, 7, 8; GT {1,6} → hits at ranks 1 and 3.
	r, err = FullRanking(ctx, m, s, Valid, Options{Cutoffs: []int{2, 3, 5}})
	if err != nil {
		t.Fatal(err)
	}
	checkValues(t, r, []int32{0}, map[string][]float64{
		"Recall@2": {0.5}, "NDCG@2": {1 / (1 + l3)},
		"Recall@3": {1}, "NDCG@3": {1.5 / (1 + l3)},
		"Recall@5": {1}, "NDCG@5": {1.5 / (1 + l3)},
	})

	// Default cut-offs, and a cut-off beyond the number of rankable items.
	r, err = FullRanking(ctx, m, s, Valid, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Recall@10", "NDCG@10", "Recall@20", "NDCG@20", "Recall@50", "NDCG@50"}; !slices.Equal(r.Metrics, want) {
		t.Fatalf("default metrics = %v, want %v", r.Metrics, want)
	}
	checkValues(t, r, []int32{0}, map[string][]float64{"Recall@50": {1}, "NDCG@50": {1.5 / (1 + l3)}})
}

// refLOO recomputes LOO with a full sort, the way the authors' code does:
// score target, other item and candidates, sort descending (target first
// among ties), delete the other item, find the target.
func refLOO(m tableScorer, s *data.Split, part string, cutoffs []int) map[int32][]float64 {
	out := map[int32][]float64{}
	for u := range s.NumUsers() {
		tg, ot := s.HeldOut(part, u), s.HeldOut(map[string]string{Valid: Test, Test: Valid}[part], u)
		if len(tg) == 0 {
			continue
		}
		items := append(append([]int32{tg[0]}, ot...), s.Candidates[u]...)
		slices.SortStableFunc(items, func(a, b int32) int { return cmp.Compare(m[u][b], m[u][a]) })
		items = slices.DeleteFunc(items, func(i int32) bool { return slices.Contains(ot, i) })
		p := slices.Index(items, tg[0]) + 1
		var v []float64
		for _, n := range cutoffs {
			hr, nd, mr := LOOMetrics(p, n)
			v = append(v, hr, nd, mr)
		}
		out[int32(u)] = v
	}
	return out
}

// refFull recomputes full ranking with a full sort.
func refFull(m tableScorer, s *data.Split, part string, cutoffs []int) map[int32][]float64 {
	out := map[int32][]float64{}
	for u := range s.NumUsers() {
		gt, ot := s.HeldOut(part, u), s.HeldOut(map[string]string{Valid: Test, Test: Valid}[part], u)
		if len(gt) == 0 {
			continue
		}
		var items []int32
		for i := range s.NumItems() {
			if !s.Train.Has(u, int32(i)) && !slices.Contains(ot, int32(i)) {
				items = append(items, int32(i))
			}
		}
		slices.SortStableFunc(items, func(a, b int32) int { return cmp.Compare(m[u][b], m[u][a]) })
		hit := make([]bool, len(items))
		for r, i := range items {
			hit[r] = slices.Contains(gt, i)
		}
		var v []float64
		for _, k := range cutoffs {
			rc, nd := RankingMetrics(hit, len(gt), k)
			v = append(v, rc, nd)
		}
		out[int32(u)] = v
	}
	return out
}

// materialise turns a dense scorer into a table (small sizes only).
func materialise(m *denseScorer) tableScorer {
	t := make(tableScorer, m.nu)
	for u := range t {
		t[u] = make([]float32, m.ni)
		m.ScoreAll(u, t[u])
	}
	return t
}

func checkAgainstRef(t *testing.T, r *Result, ref map[int32][]float64) {
	t.Helper()
	if len(r.Users) != len(ref) {
		t.Fatalf("%s/%s: %d users, reference %d", r.Protocol, r.Part, len(r.Users), len(ref))
	}
	for k, u := range r.Users {
		for mi := range r.Metrics {
			if got, want := r.PerUser[mi][k], ref[u][mi]; !near(got, want) {
				t.Fatalf("%s/%s user %d %s = %v, reference %v", r.Protocol, r.Part, u, r.Metrics[mi], got, want)
			}
		}
	}
}

// quantise rounds the scores of every every-th user to multiples of
// 1/scale, so that their rankings have ties.
func quantise(m tableScorer, every int, scale float64) {
	for u := 0; u < len(m); u += every {
		for i := range m[u] {
			m[u][i] = float32(math.Round(float64(m[u][i]) * scale))
		}
	}
}

func TestProtocolsAgainstReference(t *testing.T) {
	const nu, ni = 120, 700
	ctx := context.Background()
	m := materialise(newDenseScorer(nu, ni, 8, 11))
	quantise(m, 3, 4) // a third of the users' scores tie
	loo := randomSplit(t, nu, ni, 15, 1, 1, 99, true, 5)
	ratio := randomSplit(t, nu, ni, 30, 6, 9, 0, true, 6)
	for _, part := range []string{Valid, Test} {
		r, err := LOO(ctx, m, loo, part, Options{Cutoffs: []int{1, 5, 10, 20}})
		if err != nil {
			t.Fatal(err)
		}
		checkAgainstRef(t, r, refLOO(m, loo, part, []int{1, 5, 10, 20}))
		for _, s := range []*data.Split{loo, ratio} {
			r, err := FullRanking(ctx, m, s, part, Options{Cutoffs: []int{1, 5, 10, 50}})
			if err != nil {
				t.Fatal(err)
			}
			checkAgainstRef(t, r, refFull(m, s, part, []int{1, 5, 10, 50}))
		}
	}
}

func TestDeterministicAcrossGOMAXPROCS(t *testing.T) {
	const nu, ni = 400, 1500
	ctx := context.Background()
	m := newDenseScorer(nu, ni, 16, 21)
	loo := randomSplit(t, nu, ni, 20, 1, 1, 199, true, 8)
	ratio := randomSplit(t, nu, ni, 20, 4, 5, 0, true, 9)
	run := func() []*Result {
		var out []*Result
		for _, part := range []string{Valid, Test} {
			r, err := LOO(ctx, m, loo, part, Options{})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
			r, err = FullRanking(ctx, m, ratio, part, Options{})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		return out
	}
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	runtime.GOMAXPROCS(1)
	want := run()
	for _, procs := range []int{2, 3, 8} {
		runtime.GOMAXPROCS(procs)
		if got := run(); !reflect.DeepEqual(got, want) {
			t.Errorf("results with GOMAXPROCS=%d differ from GOMAXPROCS=1", procs)
		}
	}
	runtime.GOMAXPROCS(prev)
	for _, w := range []int{1, 5, 64} {
		r, err := FullRanking(ctx, m, ratio, Test, Options{Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(r, want[3]) {
			t.Errorf("results with Workers=%d differ", w)
		}
	}
}

func TestProtocolsNoAllocPerUser(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	const ni = 1000
	ctx := context.Background()
	small := randomSplit(t, 50, ni, 10, 1, 1, 99, true, 3)
	large := randomSplit(t, 500, ni, 10, 1, 1, 99, true, 3)
	m := newDenseScorer(500, ni, 8, 4)
	opt := Options{Workers: 2}
	a := testing.AllocsPerRun(5, func() { _, _ = LOO(ctx, m, small, Test, opt) })
	b := testing.AllocsPerRun(5, func() { _, _ = LOO(ctx, m, large, Test, opt) })
	// Allocations grow only with the Result (a few slices), not per user.
	if b > a+10 {
		t.Errorf("LOO allocations grow with users: %v for 50 users, %v for 500", a, b)
	}
	a = testing.AllocsPerRun(5, func() { _, _ = FullRanking(ctx, m, small, Test, opt) })
	b = testing.AllocsPerRun(5, func() { _, _ = FullRanking(ctx, m, large, Test, opt) })
	if b > a+10 {
		t.Errorf("FullRanking allocations grow with users: %v for 50 users, %v for 500", a, b)
	}
}

// TestFullRankingPartsMatchesSeparate: one scoring pass for both parts
// gives exactly the results of two FullRanking calls, in the order asked,
// when the parts evaluate different users (gaps) and with ties.
func TestFullRankingPartsMatchesSeparate(t *testing.T) {
	const nu, ni = 150, 600
	ctx := context.Background()
	m := materialise(newDenseScorer(nu, ni, 8, 17))
	quantise(m, 4, 3)
	s := randomSplit(t, nu, ni, 25, 5, 7, 0, true, 12)
	opt := Options{Cutoffs: []int{1, 10, 50}, Workers: 3}
	for _, parts := range [][]string{{Valid, Test}, {Test, Valid}, {Test}} {
		got, err := FullRankingParts(ctx, m, s, parts, opt)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(parts) {
			t.Fatalf("%v: %d results", parts, len(got))
		}
		for k, part := range parts {
			want, err := FullRanking(ctx, m, s, part, opt)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got[k], want) {
				t.Errorf("%v: result %d (%s) differs from FullRanking's", parts, k, part)
			}
			if got[k].Part != part || got[k].Len() == 0 {
				t.Errorf("%v: result %d is part %q with %d users", parts, k, got[k].Part, got[k].Len())
			}
		}
	}
	v, _ := FullRanking(ctx, m, s, Valid, opt)
	te, _ := FullRanking(ctx, m, s, Test, opt)
	if reflect.DeepEqual(v.Users, te.Users) {
		t.Fatal("the split's parts evaluate the same users: the test does not exercise the union")
	}
}

func TestFullRankingPartsErrors(t *testing.T) {
	s, m := fullSplit(t)
	ctx := context.Background()
	for _, c := range []struct {
		parts []string
		want  string
	}{
		{nil, "no part"},
		{[]string{Valid, Valid}, `part "valid" repeated`},
		{[]string{Test, "train"}, `unknown part "train"`},
	} {
		if _, err := FullRankingParts(ctx, m, s, c.parts, Options{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want %q", c.parts, err, c.want)
		}
	}
}

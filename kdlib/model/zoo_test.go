package model

import (
	"bytes"
	"math"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/internal/gradcheck"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// toyTriples returns training triples over 4 users and 6 items.
func toyTriples() (users, pos, neg []int32) {
	return []int32{0, 1, 1, 3, 2, 0}, []int32{1, 2, 4, 5, 0, 1}, []int32{3, 0, 5, 2, 1, 4}
}

// toyGraph returns a small training matrix over 5 users and 7 items with
// varied degrees (item 6 and user 4 have no interaction).
func toyGraph(t testing.TB) *data.Interactions {
	var pairs []data.Pair
	for _, p := range [][2]int32{{0, 0}, {0, 1}, {0, 3}, {1, 1}, {1, 2}, {2, 0}, {2, 4}, {2, 5}, {2, 1}, {3, 5}, {3, 3}} {
		pairs = append(pairs, data.Pair{User: p[0], Item: p[1]})
	}
	x, err := data.FromPairs(5, 7, pairs)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// randomGraph returns nnz random interactions (duplicates merged).
func randomGraph(t testing.TB, users, items, nnz int, seed uint64) *data.Interactions {
	rng := nn.NewRand(seed, 3)
	pairs := make([]data.Pair, nnz)
	for k := range pairs {
		pairs[k] = data.Pair{User: int32(rng.IntN(users)), Item: int32(rng.IntN(items))}
	}
	x, err := data.FromPairs(users, items, pairs)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// checkPairScorer verifies AddScoreGrad against finite differences of
// Σ_k w_k·s(u_k, i_k).
func checkPairScorer(t *testing.T, m PairScorer, params []*nn.Param) {
	t.Helper()
	users, items := []int32{0, 2, 2, 1, 3}, []int32{3, 0, 3, 1, 5}
	w := []float32{0.5, -1.5, 2, 0.25, -0.75}
	s := make([]float32, len(users))
	fw, _ := m.(train.Forwarder) // LightGCN: scores come from the propagation
	loss := func() float64 {
		if fw != nil {
			fw.Forward(nil)
		}
		m.ScorePairs(users, items, s)
		l := 0.0
		for k := range s {
			l += float64(w[k] * s[k])
		}
		m.AddScoreGrad(users, items, w)
		if fw != nil {
			fw.Backward(nil)
		}
		return l
	}
	if err := gradcheck.Check(params, loss, 1e-3, 1e-4, 1e-2); err != nil {
		t.Fatalf("score gradient: %v", err)
	}
}

// checkScoresAgree compares ScoreAll and ScoreItems with ScorePairs for
// every user, then changes every parameter behind the model's back (as
// train.Fit's restore of a snapshot does) and compares again, so a stale
// scoring cache is caught.
func checkScoresAgree(t *testing.T, s Scorer, ps PairScorer) {
	t.Helper()
	compare := func(when string) {
		n, m := s.NumUsers(), s.NumItems()
		all, want, some := make([]float32, m), make([]float32, m), make([]float32, 3)
		items := make([]int32, m)
		for i := range items {
			items[i] = int32(i)
		}
		users := make([]int32, m)
		for u := 0; u < n; u++ {
			for i := range users {
				users[i] = int32(u)
			}
			s.ScoreAll(u, all)
			ps.ScorePairs(users, items, want)
			sub := []int32{int32(m - 1), 0, int32(m / 2)}
			s.ScoreItems(u, sub, some)
			for i := range all {
				if !close32(all[i], want[i]) {
					t.Fatalf("%s: user %d item %d: ScoreAll %v, ScorePairs %v", when, u, i, all[i], want[i])
				}
			}
			for k, i := range sub {
				if !close32(some[k], want[i]) {
					t.Fatalf("%s: user %d item %d: ScoreItems %v, ScorePairs %v", when, u, i, some[k], want[i])
				}
			}
		}
	}
	compare("initial")
	if c, ok := s.(Checkpointable); ok {
		rng := nn.NewRand(99, 1)
		for _, p := range c.Params() {
			for k := range p.W {
				p.W[k] += float32(0.1 * rng.NormFloat64())
			}
		}
		compare("after an external write")
	}
}

func close32(a, b float32) bool {
	return math.Abs(float64(a-b)) <= 1e-4+1e-4*math.Abs(float64(b))
}

// checkRoundTrip saves m, loads it back and compares every user's scores.
func checkRoundTrip(t *testing.T, m interface {
	Checkpointable
	Scorer
}) {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, m, nil); err != nil {
		t.Fatal(err)
	}
	got, _, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind() != m.Kind() {
		t.Fatalf("kind %q, saved %q", got.Kind(), m.Kind())
	}
	g := got.(Scorer)
	a, b := make([]float32, m.NumItems()), make([]float32, m.NumItems())
	for u := 0; u < m.NumUsers(); u++ {
		m.ScoreAll(u, a)
		g.ScoreAll(u, b)
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%s: user %d item %d: loaded model scores %v, saved %v", m.Kind(), u, i, b[i], a[i])
			}
		}
	}
}

func TestPackedGraphRoundTrip(t *testing.T) {
	x := toyGraph(t)
	y, err := packGraph(x).unpack(x.NumUsers, x.NumItems)
	if err != nil {
		t.Fatal(err)
	}
	if !equalInt32(x.UserItems, y.UserItems) || !equalInt32(x.ItemUsers, y.ItemUsers) {
		t.Fatal("unpacked matrix differs")
	}
	g := packGraph(x)
	if _, err := g[:len(g)-1].unpack(x.NumUsers, x.NumItems); err == nil {
		t.Error("truncated matrix accepted")
	}
	if _, err := g.unpack(x.NumUsers, 3); err == nil {
		t.Error("out-of-range item accepted")
	}
}

func equalInt32(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}

func TestParallelForCovers(t *testing.T) {
	for _, n := range []int{0, 1, 7, 1000} {
		cost := make([]int, n+1)
		for r := 0; r < n; r++ {
			cost[r+1] = cost[r] + r%13
		}
		seen := make([]int32, n)
		for _, c := range [][]int{nil, cost} {
			clear(seen)
			parallelFor(n, 1, c, func(lo, hi int) {
				for r := lo; r < hi; r++ {
					seen[r]++
				}
			})
			for r, s := range seen {
				if s != 1 {
					t.Fatalf("n=%d row %d visited %d times", n, r, s)
				}
			}
		}
	}
}

// TestConcurrentScoring scores from several goroutines right after the
// parameters changed behind the cached models' back, so that they race to
// rebuild their caches (run with -race); every goroutine must see the
// scores of the new parameters.
func TestConcurrentScoring(t *testing.T) {
	x := randomGraph(t, 60, 90, 700, 4)
	nm, _ := NewNeuMF(NCFConfig{Users: 60, Items: 90, Dim: 8, InitStd: 0.3})
	lg, _ := NewLightGCN(LightGCNConfig{Dim: 8, InitStd: 0.3}, x)
	ia, _ := NewItemAE(CDAEConfig{Hidden: 8, InitStd: 0.3}, x)
	cm, _ := NewCML(CMLConfig{Users: 60, Items: 90, Dim: 8, InitStd: 0.5})
	for _, m := range []interface {
		Scorer
		Checkpointable
	}{nm, lg, ia, cm} {
		out := make([]float32, m.NumItems())
		m.ScoreAll(0, out) // build the cache
		for _, p := range m.Params() {
			for k := range p.W {
				p.W[k] *= -1.25
			}
		}
		want := make([][]float32, m.NumUsers())
		res := make([][]float32, m.NumUsers())
		done := make(chan bool)
		for g := 0; g < 4; g++ {
			go func() {
				for u := g; u < m.NumUsers(); u += 4 {
					res[u] = make([]float32, m.NumItems())
					m.ScoreAll(u, res[u])
				}
				done <- true
			}()
		}
		for g := 0; g < 4; g++ {
			<-done
		}
		if inv, ok := m.(interface{ Invalidate() }); ok {
			inv.Invalidate()
		}
		for u := range want {
			want[u] = make([]float32, m.NumItems())
			m.ScoreAll(u, want[u])
			for i := range want[u] {
				if res[u][i] != want[u][i] {
					t.Fatalf("%s: user %d item %d: %v concurrently, %v after Invalidate", m.Kind(), u, i, res[u][i], want[u][i])
				}
			}
		}
	}
}

package eval

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
)

// tableScorer scores from a fixed users × items table.
type tableScorer [][]float32

func (t tableScorer) NumUsers() int { return len(t) }
func (t tableScorer) NumItems() int { return len(t[0]) }
func (t tableScorer) ScoreItems(u int, items []int32, out []float32) {
	for k, i := range items {
		out[k] = t[u][i]
	}
}
func (t tableScorer) ScoreAll(u int, out []float32) { copy(out, t[u]) }

// denseScorer is a dot-product model over dense float32 embeddings.
type denseScorer struct {
	nu, ni, d int
	user      []float32 // nu × d
	item      []float32 // ni × d
}

func newDenseScorer(nu, ni, d int, seed uint64) *denseScorer {
	rng := rand.New(rand.NewPCG(seed, 1))
	m := &denseScorer{nu: nu, ni: ni, d: d, user: make([]float32, nu*d), item: make([]float32, ni*d)}
	for k := range m.user {
		m.user[k] = float32(rng.NormFloat64())
	}
	for k := range m.item {
		m.item[k] = float32(rng.NormFloat64() * 0.1)
	}
	return m
}

func (m *denseScorer) NumUsers() int { return m.nu }
func (m *denseScorer) NumItems() int { return m.ni }

func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	k := 0
	for ; k+4 <= len(a); k += 4 {
		s0 += a[k] * b[k]
		s1 += a[k+1] * b[k+1]
		s2 += a[k+2] * b[k+2]
		s3 += a[k+3] * b[k+3]
	}
	for ; k < len(a); k++ {
		s0 += a[k] * b[k]
	}
	return (s0 + s1) + (s2 + s3)
}

func (m *denseScorer) ScoreItems(u int, items []int32, out []float32) {
	uv := m.user[u*m.d : (u+1)*m.d]
	for k, i := range items {
		out[k] = dot(uv, m.item[int(i)*m.d:(int(i)+1)*m.d])
	}
}

// ScoreAll computes four items per pass over the user vector, so the user
// vector is loaded once for four rows and four independent sums run at once.
func (m *denseScorer) ScoreAll(u int, out []float32) {
	d := m.d
	uv := m.user[u*d : (u+1)*d]
	out = out[:m.ni]
	i := 0
	for ; i+4 <= m.ni; i += 4 {
		r0 := m.item[i*d : (i+1)*d]
		r1 := m.item[(i+1)*d : (i+2)*d]
		r2 := m.item[(i+2)*d : (i+3)*d]
		r3 := m.item[(i+3)*d : (i+4)*d]
		r0, r1, r2, r3 = r0[:len(uv)], r1[:len(uv)], r2[:len(uv)], r3[:len(uv)]
		var s0, s1, s2, s3 float32
		for k, x := range uv {
			s0 += x * r0[k]
			s1 += x * r1[k]
			s2 += x * r2[k]
			s3 += x * r3[k]
		}
		out[i], out[i+1], out[i+2], out[i+3] = s0, s1, s2, s3
	}
	for ; i < m.ni; i++ {
		out[i] = dot(uv, m.item[i*d:(i+1)*d])
	}
}

// randomSplit builds a split in which user u has nTrain training items,
// nValid and nTest held-out items and nCand sampled candidates (no
// candidates when nCand is 0), all distinct per user. With gaps, every third
// user has no validation item and every fifth no test item, so that the two
// parts evaluate different user sets.
func randomSplit(t testing.TB, nu, ni, nTrain, nValid, nTest, nCand int, gaps bool, seed uint64) *data.Split {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 2))
	s := &data.Split{Name: "random", Valid: make([][]int32, nu), Test: make([][]int32, nu)}
	if nCand > 0 {
		s.Candidates = make([][]int32, nu)
	}
	var pairs []data.Pair
	seen := make(map[int32]bool)
	draw := func(n int) []int32 {
		out := make([]int32, 0, n)
		for len(out) < n {
			i := int32(rng.IntN(ni))
			if !seen[i] {
				seen[i] = true
				out = append(out, i)
			}
		}
		slices.Sort(out)
		return out
	}
	for u := range nu {
		clear(seen)
		for _, i := range draw(nTrain) {
			pairs = append(pairs, data.Pair{User: int32(u), Item: i})
		}
		v, te := draw(nValid), draw(nTest)
		if !gaps || u%3 != 1 {
			s.Valid[u] = v
		}
		if !gaps || u%5 != 2 {
			s.Test[u] = te
		}
		if nCand > 0 {
			s.Candidates[u] = draw(nCand)
		}
	}
	var err error
	if s.Train, err = data.FromPairs(nu, ni, pairs); err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

package model

import (
	"testing"

	"github.com/kdrec/kdrec/kdlib/internal/gradcheck"
)

func TestBPRGradient(t *testing.T) {
	m, err := NewBPR(BPRConfig{Users: 4, Items: 6, Dim: 5, InitStd: 0.5, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	users := []int32{0, 1, 1, 3, 2, 0}
	pos := []int32{1, 2, 4, 5, 0, 1}
	neg := []int32{3, 0, 5, 2, 1, 4}
	if err := gradcheck.Check(m.Params(), func() float64 { return bprBatch(m, users, pos, neg) }, 1e-3, 1e-4, 1e-2); err != nil {
		t.Fatal(err)
	}
}

func TestBPRGradientCatchesWrongSign(t *testing.T) {
	// The checker itself must be able to fail: flip the sign of the item gradient.
	m, _ := NewBPR(BPRConfig{Users: 2, Items: 3, Dim: 3, InitStd: 0.5, Seed: 1})
	wrong := func() float64 {
		l := bprBatch(m, []int32{0}, []int32{1}, []int32{2})
		for k := range m.Q.G {
			m.Q.G[k] = -m.Q.G[k]
		}
		return l
	}
	if err := gradcheck.Check(m.Params(), wrong, 1e-3, 1e-4, 1e-2); err == nil {
		t.Fatal("a wrong gradient passed the check")
	}
}

func TestNewBPRRejectsBadSizes(t *testing.T) {
	for _, c := range []BPRConfig{{Users: 0, Items: 3, Dim: 2}, {Users: 2, Items: 3, Dim: 0}, {Users: 2, Items: 3, Dim: 2, InitStd: -1}} {
		if _, err := NewBPR(c); err == nil {
			t.Errorf("NewBPR(%+v) accepted", c)
		}
	}
}

func TestBPRScoreGradient(t *testing.T) {
	m, _ := NewBPR(BPRConfig{Users: 3, Items: 4, Dim: 3, InitStd: 0.7, Seed: 2})
	users, items := []int32{0, 2, 2, 1}, []int32{3, 0, 3, 1}
	w := []float32{0.5, -1.5, 2, 0.25}
	loss := func() float64 {
		s := make([]float32, len(users))
		m.ScorePairs(users, items, s)
		l := 0.0
		for k := range s {
			l += float64(w[k] * s[k])
		}
		m.AddScoreGrad(users, items, w)
		return l
	}
	if err := gradcheck.Check(m.Params(), loss, 1e-3, 1e-4, 1e-2); err != nil {
		t.Fatal(err)
	}
	var _ Representer = m
	var _ PairScorer = m
}

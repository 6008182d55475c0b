package model

import (
	"math"
	"testing"

	"github.com/kdrec/kdrec/kdlib/internal/gradcheck"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

func TestCMLGradient(t *testing.T) {
	// Norms stay below the max-norm, where the renormalisation is the identity.
	m, err := NewCML(CMLConfig{Users: 4, Items: 6, Dim: 5, InitStd: 0.15, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	users, pos, neg := toyTriples()
	if err := gradcheck.Check(m.Params(), func() float64 { return m.hinge(users, pos, neg) }, 1e-3, 1e-4, 1e-2); err != nil {
		t.Fatal(err)
	}
	checkPairScorer(t, m, m.Params())
	checkScoresAgree(t, m, m)
	var _ Representer = m
}

func TestCMLHingeInactive(t *testing.T) {
	m, _ := NewCML(CMLConfig{Users: 1, Items: 2, Dim: 2, Margin: 0.5})
	copy(m.P.W, []float32{0, 0})
	copy(m.Q.W, []float32{0.1, 0, 0.9, 0}) // ‖u−i‖² = 0.01, ‖u−j‖² = 0.81
	if l := m.hinge([]int32{0}, []int32{0}, []int32{1}); l != 0 {
		t.Fatalf("loss %v on a satisfied margin", l)
	}
	if l := m.hinge([]int32{0}, []int32{1}, []int32{0}); math.Abs(l-1.3) > 1e-6 {
		t.Fatalf("loss %v, want 0.5+0.81−0.01", l)
	}
}

func TestCMLMaxNorm(t *testing.T) {
	m, _ := NewCML(CMLConfig{Users: 2, Items: 3, Dim: 2})
	copy(m.P.W, []float32{3, 4, 0.3, 0.4})
	copy(m.Q.W, []float32{0, 2, 0.5, 0, 0, 0})
	// Scoring reads ū = (0.6, 0.8) and ī = (0, 1) without writing.
	out := make([]float32, 3)
	m.ScoreAll(0, out)
	if want := float32(-(0.36 + 0.04)); math.Abs(float64(out[0]-want)) > 1e-5 {
		t.Fatalf("score %v, want %v", out[0], want)
	}
	if m.P.W[0] != 3 {
		t.Fatal("scoring wrote the embedding")
	}
	vec := make([]float32, 2)
	m.UserVecs([]int32{0}, vec)
	if math.Abs(float64(vec[0]-0.6)) > 1e-5 || math.Abs(float64(vec[1]-0.8)) > 1e-5 {
		t.Fatalf("UserVecs %v, want the renormalised (0.6, 0.8)", vec)
	}
	// The loss renormalises the batch's rows in place, as Embedding(max_norm=1).
	l := m.Loss()
	l.Batch(&train.Batch{Users: []int32{0}, Pos: []int32{0}, Neg: []int32{2}})
	if n := nn.Dot(m.P.Row(0), m.P.Row(0)); math.Abs(float64(n)-1) > 1e-5 {
		t.Fatalf("user norm² %v after the batch, want 1", n)
	}
	if n := nn.Dot(m.Q.Row(0), m.Q.Row(0)); math.Abs(float64(n)-1) > 1e-5 {
		t.Fatalf("item norm² %v after the batch, want 1", n)
	}
	if m.P.W[2] != 0.3 || m.Q.W[2] != 0.5 {
		t.Fatal("rows outside the batch or within the norm were changed")
	}
}

func TestCMLCheckpoint(t *testing.T) {
	m, _ := NewCML(CMLConfig{Users: 5, Items: 7, Dim: 4, Margin: 0.5, Seed: 1})
	checkRoundTrip(t, m)
	if _, err := NewCML(CMLConfig{Users: 5, Items: 7, Dim: 4, Margin: -1}); err == nil {
		t.Error("negative margin accepted")
	}
}

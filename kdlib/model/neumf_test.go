package model

import (
	"testing"

	"github.com/kdrec/kdrec/kdlib/internal/gradcheck"
	"github.com/kdrec/kdrec/kdlib/nn"
)

func TestNeuMFGradient(t *testing.T) {
	for _, layers := range []int{1, 2} {
		m, err := NewNeuMF(NCFConfig{Users: 4, Items: 6, Dim: 4, Layers: layers, InitStd: 0.5, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		randomizeBiases(m.ncf)
		users, pos, neg := toyTriples()
		if err := gradcheck.Check(m.Params(), func() float64 { return m.bceBatch(users, pos, neg) }, 1e-3, 1e-4, 1e-2); err != nil {
			t.Fatalf("%d layers: %v", layers, err)
		}
		checkPairScorer(t, m, m.Params())
		checkScoresAgree(t, m, m)
	}
}

func TestMLPGradient(t *testing.T) {
	for _, layers := range []int{1, 3} {
		m, err := NewMLP(NCFConfig{Users: 4, Items: 6, Dim: 8, Layers: layers, InitStd: 0.5, Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		randomizeBiases(m.ncf)
		users, pos, neg := toyTriples()
		if err := gradcheck.Check(m.Params(), func() float64 { return m.bceBatch(users, pos, neg) }, 1e-3, 1e-4, 1e-2); err != nil {
			t.Fatalf("%d layers: %v", layers, err)
		}
		checkPairScorer(t, m, m.Params())
		checkScoresAgree(t, m, m)
	}
}

func TestNCFInitAndSizes(t *testing.T) {
	m, err := NewNeuMF(NCFConfig{Users: 10, Items: 20, Dim: 60})
	if err != nil {
		t.Fatal(err)
	}
	// (n+m)·d·2 embeddings + tower 120·60+60 + output (60+60)+1.
	if want := 30*60*2 + 120*60 + 60 + 120 + 1; m.NumParams() != want {
		t.Errorf("NumParams = %d, want %d", m.NumParams(), want)
	}
	for _, b := range m.Tower.Layers[0].B.W {
		if b != 0 {
			t.Fatal("tower bias not zero")
		}
	}
	bound := float32(0.2237) // √(6/120) for the output layer
	for _, w := range m.Out.W.W {
		if w > bound || w < -bound {
			t.Fatalf("output weight %v outside ±√(6/fan_in)", w)
		}
	}
	for _, c := range []NCFConfig{{Users: 0, Items: 3, Dim: 2}, {Users: 2, Items: 3, Dim: 0}, {Users: 2, Items: 3, Dim: 2, Layers: 3}, {Users: 2, Items: 3, Dim: 2, InitStd: -1}} {
		if _, err := NewNeuMF(c); err == nil {
			t.Errorf("NewNeuMF(%+v) accepted", c)
		}
	}
}

func TestNCFCheckpoint(t *testing.T) {
	m, _ := NewNeuMF(NCFConfig{Users: 5, Items: 7, Dim: 4, Layers: 2, Seed: 1})
	checkRoundTrip(t, m)
	p, _ := NewMLP(NCFConfig{Users: 5, Items: 7, Dim: 4, Seed: 1})
	checkRoundTrip(t, p)
}

// randomizeBiases moves the zero-initialised biases away from 0 so that no
// ReLU input sits exactly on the kink, where finite differences disagree
// with any one-sided derivative.
func randomizeBiases(m *ncf) {
	rng := nn.NewRand(7, 7)
	for _, l := range append(m.Tower.Layers, m.Out) {
		nn.InitUniform(l.B, rng, 0.5)
	}
}

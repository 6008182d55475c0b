package model

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/internal/gradcheck"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

func TestNeuMFGradient(t *testing.T) {
	for _, layers := range []int{1, 2} {
		m, err := NewNeuMF(NCFConfig{Users: 4, Items: 6, Dim: 4, Layers: layers, InitStd: 0.5, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		randomizeBiases(m.ncf)
		users, pos, neg := toyTriples()
		if err := gradcheck.Check(m.Params(), func() float64 { return m.bceBatch(users, pos, users, neg) }, 1e-3, 1e-4, 1e-2); err != nil {
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
		if err := gradcheck.Check(m.Params(), func() float64 { return m.bceBatch(users, pos, users, neg) }, 1e-3, 1e-4, 1e-2); err != nil {
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

// TestNCFNegatives checks the negatives option: with Negatives = 4 the loss
// term adds three draws per triple, none a training item of its user, the
// same draws for the same batch generator, and a loss equal to bceBatch on
// those pairs; its gradient (a sum over more negative pairs) passes the
// finite-difference check; the reference value 1 leaves the configuration
// as it was (no field in the checkpoint header).
func TestNCFNegatives(t *testing.T) {
	x, err := data.FromPairs(3, 9, []data.Pair{{User: 0, Item: 1}, {User: 0, Item: 2}, {User: 1, Item: 3}, {User: 2, Item: 4}, {User: 2, Item: 8}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMLP(NCFConfig{Users: 3, Items: 9, Dim: 4, InitStd: 0.5, Negatives: 4, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	b := &train.Batch{Users: []int32{0, 0, 1, 2, 2}, Pos: []int32{1, 2, 3, 4, 8}, Neg: []int32{0, 5, 6, 7, 0}, Train: x}
	var drawn [][2]int32
	loss := func() float64 {
		b.Rand = nn.NewRand(9, 9)
		return m.Loss().Batch(b)
	}
	// The extra negatives, replayed from the same generator.
	rng := nn.NewRand(9, 9)
	for _, u := range b.Users {
		for range 3 {
			j := int32(rng.IntN(9))
			for x.Has(int(u), j) {
				j = int32(rng.IntN(9))
			}
			drawn = append(drawn, [2]int32{u, j})
		}
	}
	nu, ni := slices.Clone(b.Users), slices.Clone(b.Neg)
	for _, p := range drawn {
		if x.Has(int(p[0]), p[1]) {
			t.Fatalf("negative %v is a training pair", p)
		}
		nu, ni = append(nu, p[0]), append(ni, p[1])
	}
	got := loss()
	if want := m.bceBatch(b.Users, b.Pos, nu, ni); math.Abs(got-want) > 1e-9*math.Abs(want) {
		t.Errorf("loss with 4 negatives %v, bceBatch over the drawn pairs %v", got, want)
	}
	if err := gradcheck.Check(m.Params(), loss, 1e-3, 1e-4, 1e-2); err != nil {
		t.Error(err)
	}
	ref, _ := NewMLP(NCFConfig{Users: 3, Items: 9, Dim: 4, Negatives: 1})
	if raw, _ := json.Marshal(ref.Config()); strings.Contains(string(raw), "Negatives") {
		t.Errorf("reference config carries the option: %s", raw)
	}
	if _, err := NewMLP(NCFConfig{Users: 3, Items: 9, Dim: 4, Negatives: -1}); err == nil || !strings.Contains(err.Error(), "negatives") {
		t.Errorf("negatives -1: %v", err)
	}
}

package model

import (
	"bytes"
	"encoding/gob"
	"testing"

	"github.com/kdrec/kdrec/kdlib/internal/gradcheck"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

func TestCDAEGradient(t *testing.T) {
	x := toyGraph(t)
	for _, c := range []CDAEConfig{{Hidden: 4, InitStd: 0.5, Seed: 1}, {Hidden: 3, Dropout: -1, NegRatio: 2, InitStd: 0.5, Seed: 2}} {
		m, err := NewCDAE(c, x)
		if err != nil {
			t.Fatal(err)
		}
		// A fresh generator with a fixed seed at every evaluation fixes the
		// dropout masks and the negatives: the loss is then a deterministic
		// function of the parameters.
		loss := func() float64 { return m.rowsLoss([]int32{0, 1, 2, 3, 4}, nn.NewRand(7, 1)) }
		if err := gradcheck.Check(m.Params(), loss, 1e-3, 1e-4, 1e-2); err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
	}
}

func TestItemAEGradient(t *testing.T) {
	x := toyGraph(t)
	m, err := NewItemAE(CDAEConfig{Hidden: 4, InitStd: 0.5, Seed: 3}, x)
	if err != nil {
		t.Fatal(err)
	}
	loss := func() float64 { return m.rowsLoss([]int32{0, 1, 2, 3, 4, 5, 6}, nn.NewRand(8, 1)) }
	if err := gradcheck.Check(m.Params(), loss, 1e-3, 1e-4, 1e-2); err != nil {
		t.Fatal(err)
	}
}

// aeDense computes every output of row r of an autoencoder with a dense
// input vector, without dropout.
func aeDense(a *autoencoder, r int) []float32 {
	H := a.cfg.Hidden
	in := make([]float32, a.units)
	for _, c := range a.idx[a.ptr[r]:a.ptr[r+1]] {
		in[c] = 1
	}
	h := make([]float32, H)
	for t := range h {
		z := a.EncBias.W[t] + a.Emb.W[r*H+t]
		for c := range in {
			z += a.Enc.W[c*H+t] * in[c]
		}
		h[t] = max(z, 0)
	}
	out := make([]float32, a.units)
	for c := range out {
		out[c] = nn.Dot(a.Dec.Row(c), h) + a.DecBias.W[c]
	}
	return out
}

func TestAutoencoderScores(t *testing.T) {
	x := toyGraph(t)
	cd, _ := NewCDAE(CDAEConfig{Hidden: 5, Seed: 4, InitStd: 0.3}, x)
	ia, _ := NewItemAE(CDAEConfig{Hidden: 5, Seed: 4, InitStd: 0.3}, x)
	check := func(when string) {
		all, some := make([]float32, x.NumItems), make([]float32, 2)
		for u := 0; u < x.NumUsers; u++ {
			want := aeDense(cd.autoencoder, u)
			cd.ScoreAll(u, all)
			cd.ScoreItems(u, []int32{6, 2}, some)
			for i := range all {
				if !close32(all[i], want[i]) {
					t.Fatalf("%s: cdae user %d item %d: %v, dense %v", when, u, i, all[i], want[i])
				}
			}
			if !close32(some[0], want[6]) || !close32(some[1], want[2]) {
				t.Fatalf("%s: cdae ScoreItems %v, dense %v %v", when, some, want[6], want[2])
			}
			ia.ScoreAll(u, all)
			ia.ScoreItems(u, []int32{6, 2}, some)
			for i := range all {
				if w := aeDense(ia.autoencoder, i)[u]; !close32(all[i], w) {
					t.Fatalf("%s: iae user %d item %d: %v, dense %v", when, u, i, all[i], w)
				}
			}
			if !close32(some[1], aeDense(ia.autoencoder, 2)[u]) {
				t.Fatalf("%s: iae ScoreItems %v", when, some)
			}
		}
	}
	check("initial")
	for _, p := range ia.Params() {
		for k := range p.W {
			p.W[k] *= 1.5 // behind the model's back, as a snapshot restore
		}
	}
	for _, p := range cd.Params() {
		for k := range p.W {
			p.W[k] *= 1.5
		}
	}
	check("after an external write")
	var _ Embedder = cd
	var _ Embedder = ia
}

// TestItemAEEpochCoversItems checks that one epoch of user batches trains
// every item with training users exactly once, in either example mode.
func TestItemAEEpochCoversItems(t *testing.T) {
	x := randomGraph(t, 50, 80, 400, 2)
	m, _ := NewItemAE(CDAEConfig{Hidden: 3}, x)
	active := 0
	for i := 0; i < x.NumItems; i++ {
		if len(x.Users(i)) > 0 {
			active++
		}
	}
	for _, pairwise := range []bool{false, true} {
		term := m.Loss()
		m.Emb.TouchAll()
		m.Emb.ZeroGrad()
		if err := term.BeginEpoch(&train.Epoch{Train: x, Rand: nn.NewRand(1, 1)}); err != nil {
			t.Fatal(err)
		}
		size, users := 7, 0
		for u := 0; u < x.NumUsers; u++ {
			if len(x.Items(u)) > 0 {
				users++
			}
		}
		total := users
		if pairwise {
			total, size = x.NNZ(), 64
		}
		for lo := 0; lo < total; lo += size {
			n := min(size, total-lo)
			b := &train.Batch{Users: make([]int32, n), Rand: nn.NewRand(2, uint64(lo))}
			if pairwise {
				b.Pos, b.Neg = make([]int32, n), make([]int32, n)
			}
			term.Batch(b)
		}
		if got := len(m.Emb.Touched()); got != active {
			t.Fatalf("pairwise=%v: %d items trained, want the %d with training users", pairwise, got, active)
		}
	}
	other := randomGraph(t, 50, 81, 400, 2)
	if err := m.Loss().BeginEpoch(&train.Epoch{Train: other, Rand: nn.NewRand(1, 1)}); err == nil {
		t.Error("training on other data accepted")
	}
}

func TestAutoencoderCheckpoint(t *testing.T) {
	x := toyGraph(t)
	cd, _ := NewCDAE(CDAEConfig{Hidden: 3, Seed: 1}, x)
	checkRoundTrip(t, cd)
	ia, _ := NewItemAE(CDAEConfig{Hidden: 3, Seed: 1, Dropout: 0.5}, x)
	checkRoundTrip(t, ia)
	if _, err := NewCDAE(CDAEConfig{Dropout: 1}, x); err == nil {
		t.Error("dropout 1 accepted")
	}
}

// TestItemAEStateRefused: ItemAE's checkpointed item order is restored
// only when it fits the model's data; counts of users other than the
// data's (zero would divide by zero at the next batch) are refused.
func TestItemAEStateRefused(t *testing.T) {
	x := toyGraph(t)
	m, err := NewItemAE(CDAEConfig{Hidden: 4, InitStd: 0.5, Seed: 3}, x)
	if err != nil {
		t.Fatal(err)
	}
	l := m.Loss().(*itemAELoss)
	if err := l.BeginEpoch(&train.Epoch{Train: x, Rand: nn.NewRand(1, 2)}); err != nil {
		t.Fatal(err)
	}
	own, err := l.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	want := l.users
	for _, users := range []int{0, -3, want + 1} {
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(&itemAEState{Order: l.order, Users: users, NNZ: l.nnz}); err != nil {
			t.Fatal(err)
		}
		if err := l.UnmarshalState(buf.Bytes()); err == nil {
			t.Errorf("a state of %d users (the data has %d) accepted", users, want)
		}
	}
	if err := l.UnmarshalState(own); err != nil {
		t.Fatalf("its own state: %v", err)
	}
}

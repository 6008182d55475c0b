package model

import (
	"math"
	"runtime"
	"testing"

	"github.com/kdrec/kdrec/kdlib/internal/gradcheck"
	"github.com/kdrec/kdrec/kdlib/train"
)

// lightGCNStep runs one training step's loss as train.Fit does:
// Forward, the terms, Backward.
func lightGCNStep(g *LightGCN, term train.Term, b *train.Batch) float64 {
	g.Forward(b)
	l := term.Batch(b)
	g.Backward(b)
	return l
}

func TestLightGCNGradient(t *testing.T) {
	x := toyGraph(t)
	users, pos, neg := []int32{0, 1, 2, 3, 2, 0}, []int32{1, 2, 4, 5, 0, 3}, []int32{6, 0, 3, 2, 6, 4}
	b := &train.Batch{Users: users, Pos: pos, Neg: neg, Train: x}
	for _, c := range []LightGCNConfig{
		{Dim: 3, Layers: 1, InitStd: 0.5, Seed: 1},
		{Dim: 3, Layers: 3, InitStd: 0.5, Seed: 2, Reg: 0.05},
		{Dim: 2, Layers: 2, InitStd: 0.5, Seed: 3, Reg: -1},
	} {
		g, err := NewLightGCN(c, x)
		if err != nil {
			t.Fatal(err)
		}
		term := g.Loss()
		if err := gradcheck.Check(g.Params(), func() float64 { return lightGCNStep(g, term, b) }, 1e-3, 1e-4, 1e-2); err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		checkPairScorer(t, g, g.Params())
		checkScoresAgree(t, g, g)
	}
}

// TestLightGCNPropagation compares F with a dense computation of
// (1/(L+1)) Σ_k Â^k E⁰.
func TestLightGCNPropagation(t *testing.T) {
	x := toyGraph(t)
	g, _ := NewLightGCN(LightGCNConfig{Dim: 2, Layers: 3, InitStd: 1, Seed: 4}, x)
	n, m, d := x.NumUsers, x.NumItems, 2
	N := n + m
	A := make([]float64, N*N)
	deg := make([]float64, N)
	for u := 0; u < n; u++ {
		for _, i := range x.Items(u) {
			A[u*N+n+int(i)], A[(n+int(i))*N+u] = 1, 1
			deg[u]++
			deg[n+int(i)]++
		}
	}
	for a := 0; a < N; a++ {
		for b := 0; b < N; b++ {
			if A[a*N+b] != 0 {
				A[a*N+b] /= math.Sqrt(deg[a] * deg[b])
			}
		}
	}
	e := make([]float64, N*d)
	for k, v := range append(append([]float32{}, g.P.W...), g.Q.W...) {
		e[k] = float64(v)
	}
	f := append([]float64{}, e...)
	for layer := 0; layer < 3; layer++ {
		next := make([]float64, N*d)
		for a := 0; a < N; a++ {
			for b := 0; b < N; b++ {
				for c := 0; c < d; c++ {
					next[a*d+c] += A[a*N+b] * e[b*d+c]
				}
			}
		}
		for k := range f {
			f[k] += next[k]
		}
		e = next
	}
	got := make([]float32, N*d)
	all := make([]int32, N)
	for k := range all {
		all[k] = int32(k)
	}
	g.UserVecs(all[:n], got[:n*d])
	g.ItemVecs(all[:m], got[n*d:])
	for k := range f {
		if math.Abs(f[k]/4-float64(got[k])) > 1e-5 {
			t.Fatalf("F[%d] = %v, dense %v", k, got[k], f[k]/4)
		}
	}
}

// TestLightGCNDeterministic checks that the propagation does not depend on
// the number of goroutines.
func TestLightGCNDeterministic(t *testing.T) {
	x := randomGraph(t, 400, 300, 3000, 1)
	run := func(procs int) []float32 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		g, _ := NewLightGCN(LightGCNConfig{Dim: 4, Seed: 5}, x)
		term := g.Loss()
		lightGCNStep(g, term, &train.Batch{Users: []int32{0, 2, 399}, Pos: []int32{1, 4, 7}, Neg: []int32{6, 3, 299}})
		return append(append([]float32{}, g.P.G...), g.FI.W...)
	}
	a, b := run(1), run(4)
	for k := range a {
		if a[k] != b[k] {
			t.Fatalf("entry %d: %v with 1 worker, %v with 4", k, a[k], b[k])
		}
	}
}

func TestLightGCNCheckpoint(t *testing.T) {
	x := toyGraph(t)
	g, _ := NewLightGCN(LightGCNConfig{Dim: 3, Layers: 2, Seed: 1, InitStd: 0.3}, x)
	checkRoundTrip(t, g)
	if _, err := NewLightGCN(LightGCNConfig{Users: 9, Items: 7, Dim: 3}, x); err == nil {
		t.Error("mismatched graph accepted")
	}
	if _, err := NewLightGCN(LightGCNConfig{Dim: 3}, nil); err == nil {
		t.Error("missing graph accepted")
	}
}

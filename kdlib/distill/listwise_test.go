package distill

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/internal/gradcheck"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// listwiseRef is the loss written directly from its definition.
func listwiseRef(ord, below []float64) float64 {
	l := 0.0
	for k := range ord {
		z := 0.0
		for _, v := range ord[k:] {
			z += math.Exp(v)
		}
		for _, v := range below {
			z += math.Exp(v)
		}
		l -= ord[k] - math.Log(z)
	}
	return l
}

func TestListwiseMatchesDefinition(t *testing.T) {
	rng := nn.NewRand(1, 1)
	for trial := 0; trial < 50; trial++ {
		K, L := 1+rng.IntN(8), rng.IntN(8)
		ord, below := make([]float32, K), make([]float32, L)
		o64, b64 := make([]float64, K), make([]float64, L)
		for k := range ord {
			ord[k] = float32(rng.NormFloat64() * 3)
			o64[k] = float64(ord[k])
		}
		for k := range below {
			below[k] = float32(rng.NormFloat64() * 3)
			b64[k] = float64(below[k])
		}
		got := Listwise(ord, below, make([]float32, K), make([]float32, L), nil)
		if want := listwiseRef(o64, b64); math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Fatalf("K=%d L=%d: Listwise %v, definition %v", K, L, got, want)
		}
	}
}

func TestListwiseGradient(t *testing.T) {
	for _, c := range []struct{ K, L int }{{1, 0}, {1, 3}, {5, 0}, {4, 6}, {10, 10}} {
		p := nn.NewParam("scores", 1, c.K+c.L)
		rng := nn.NewRand(uint64(c.K), uint64(c.L))
		nn.InitNormal(p, rng, 0, 2)
		gO, gB := make([]float32, c.K), make([]float32, c.L)
		loss := func() float64 {
			l := Listwise(p.W[:c.K], p.W[c.K:], gO, gB, nil)
			copy(p.G, gO)
			copy(p.G[c.K:], gB)
			return l
		}
		if err := gradcheck.Check([]*nn.Param{p}, loss, 1e-3, 1e-4, 1e-2); err != nil {
			t.Errorf("K=%d L=%d: %v", c.K, c.L, err)
		}
	}
}

func TestListwiseExtremeScoresFinite(t *testing.T) {
	cases := []struct{ ord, below []float32 }{
		{[]float32{1000, -1000, 1000, -1000}, []float32{-1000, 1000, 0}},
		{[]float32{-1000, -1000}, []float32{1000}},
		{[]float32{1000, 1000}, []float32{-1000, -1000}},
		{[]float32{-1000}, nil},
		{[]float32{1000, -1000}, nil},
	}
	for _, c := range cases {
		gO, gB := make([]float32, len(c.ord)), make([]float32, len(c.below))
		l := Listwise(c.ord, c.below, gO, gB, nil)
		if math.IsNaN(l) || math.IsInf(l, 0) || l < 0 {
			t.Errorf("%v above %v: loss %v", c.ord, c.below, l)
		}
		sum := 0.0
		for _, g := range append(append([]float32{}, gO...), gB...) {
			if math.IsNaN(float64(g)) || math.IsInf(float64(g), 0) {
				t.Errorf("%v above %v: gradient %v", c.ord, c.below, g)
			}
			sum += float64(g)
		}
		// Each of the K softmax factors sums to one over its suffix, so the
		// gradient sums to zero.
		if math.Abs(sum) > 1e-4 {
			t.Errorf("%v above %v: gradient sums to %v, want 0", c.ord, c.below, sum)
		}
	}
	// The worst ordering costs about 2000 per inverted pair; the best, nothing.
	if l := Listwise([]float32{1000, -1000}, []float32{-2000}, make([]float32, 2), make([]float32, 1), nil); l > 1e-6 {
		t.Errorf("perfect order: loss %v", l)
	}
	if l := Listwise([]float32{-1000, 1000}, nil, make([]float32, 2), nil, nil); math.Abs(l-2000) > 1e-6 {
		t.Errorf("inverted pair: loss %v, want 2000", l)
	}
}

// fixture is a tiny problem for the gradient tests of the terms.
type fixture struct {
	train   *data.Interactions
	teacher *model.BPR
	student *model.BPR
	lists   *TeacherLists
}

func newFixture(t testing.TB, nu, ni, n int, itemSide bool) *fixture {
	t.Helper()
	rng := nn.NewRand(7, 7)
	var pairs []data.Pair
	for u := 0; u < nu; u++ {
		for k := 0; k < 2+rng.IntN(3); k++ {
			pairs = append(pairs, data.Pair{User: int32(u), Item: int32(rng.IntN(ni))})
		}
	}
	x, err := data.FromPairs(nu, ni, pairs)
	if err != nil {
		t.Fatal(err)
	}
	teacher, _ := model.NewBPR(model.BPRConfig{Users: nu, Items: ni, Dim: 8, InitStd: 1, Seed: 1})
	student, _ := model.NewBPR(model.BPRConfig{Users: nu, Items: ni, Dim: 3, InitStd: 0.5, Seed: 2})
	lists, err := BuildLists(context.Background(), teacher, x, ListOptions{N: n, ItemSide: itemSide})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{train: x, teacher: teacher, student: student, lists: lists}
}

// batch returns a training batch over the first users of the data.
func (f *fixture) batch() *train.Batch {
	b := &train.Batch{Train: f.train}
	for u := 0; u < min(5, f.train.NumUsers); u++ {
		for _, i := range f.train.Items(u) {
			b.Users = append(b.Users, int32(u))
			b.Pos = append(b.Pos, i)
			b.Neg = append(b.Neg, int32((int(i)+1)%f.train.NumItems))
		}
	}
	return b
}

// checkTerm runs BeginEpoch for the given epoch index and checks the
// gradient of Batch against finite differences.
func checkTerm(t *testing.T, f *fixture, term train.Term, epoch int) {
	t.Helper()
	if err := term.BeginEpoch(&train.Epoch{Index: epoch, MaxEpochs: 100, Train: f.train, Rand: nn.NewRand(3, uint64(epoch))}); err != nil {
		t.Fatal(err)
	}
	b := f.batch()
	loss := func() float64 { return term.Batch(b) }
	if l := loss(); !(l > 0) {
		t.Fatalf("%s: loss %v, want > 0", term.Name(), l)
	}
	if err := gradcheck.Check(f.student.Params(), loss, 1e-3, 1e-4, 1e-2); err != nil {
		t.Fatalf("%s: %v", term.Name(), err)
	}
}

// TestRunBPRParallelMatchesGeneric compares the BPR fast path on several
// workers with ScorePairs + Listwise + AddScoreGrad.
func TestRunBPRParallelMatchesGeneric(t *testing.T) {
	const nu, ni = 600, 700
	m, _ := model.NewBPR(model.BPRConfig{Users: nu, Items: ni, Dim: 6, InitStd: 0.5, Seed: 4})
	build := func(lb *listBatch) {
		lb.reset()
		r := nn.NewRand(6, 6)
		for g := 0; g < 1200; g++ {
			ord, below := make([]int32, 5+r.IntN(10)), make([]int32, 10)
			if g%2 == 0 {
				for k := range ord {
					ord[k] = int32(r.IntN(ni))
				}
				for k := range below {
					below[k] = int32(r.IntN(ni))
				}
				lb.addUser(int32(g/2), ord, below, 0.5)
			} else {
				for k := range ord {
					ord[k] = int32(r.IntN(nu))
				}
				for k := range below {
					below[k] = int32(r.IntN(nu))
				}
				lb.addItem(int32(g/2), ord, below, 0.25)
			}
		}
	}
	grads := func(st model.PairScorer, workers int) (float64, []float32, []float32) {
		for _, p := range m.Params() {
			p.TouchAll()
			p.ZeroGrad()
		}
		lb := &listBatch{workers: workers}
		build(lb)
		l := lb.run(st)
		return l, append([]float32{}, m.P.G...), append([]float32{}, m.Q.G...)
	}
	l0, p0, q0 := grads(struct{ model.PairScorer }{m}, 1)
	l1, p1, q1 := grads(m, 1)
	for _, w := range []int{1, 2, 3} {
		l, p, q := grads(m, w)
		// The fast path sums in a fixed order: bit-identical for any
		// number of workers (so is the generic path's loss).
		if lg, _, _ := grads(struct{ model.PairScorer }{m}, w); lg != l0 {
			t.Errorf("workers=%d: generic loss %v, with one worker %v", w, lg, l0)
		}
		if l != l1 || !slices.Equal(p, p1) || !slices.Equal(q, q1) {
			t.Errorf("workers=%d: BPR path differs from one worker", w)
		}
		if math.Abs(l-l0) > 1e-6*math.Abs(l0) {
			t.Errorf("workers=%d: loss %v, generic %v", w, l, l0)
		}
		for k := range p0 {
			if math.Abs(float64(p[k]-p0[k])) > 1e-4 {
				t.Fatalf("workers=%d: ∂P[%d] %v, generic %v", w, k, p[k], p0[k])
			}
		}
		for k := range q0 {
			if math.Abs(float64(q[k]-q0[k])) > 1e-4 {
				t.Fatalf("workers=%d: ∂Q[%d] %v, generic %v", w, k, q[k], q0[k])
			}
		}
	}
}

// TestListwiseShiftedMatchesLogSpace compares the two evaluations on
// spreads up to the shifted path's limit.
func TestListwiseShiftedMatchesLogSpace(t *testing.T) {
	rng := nn.NewRand(3, 3)
	for trial := 0; trial < 200; trial++ {
		K, L := 1+rng.IntN(30), rng.IntN(30)
		spread := []float64{1, 10, 30}[trial%3]
		ord, below := make([]float32, K), make([]float32, L)
		for k := range ord {
			ord[k] = float32(rng.NormFloat64() * spread)
		}
		for k := range below {
			below[k] = float32(rng.NormFloat64() * spread)
		}
		g1, b1 := make([]float32, K), make([]float32, L)
		g2, b2 := make([]float32, K), make([]float32, L)
		l1, ok := listwiseShifted(ord, below, g1, b1, make([]float64, K), make([]float64, K+len(below)))
		l2 := listwiseLog(ord, below, g2, b2, make([]float64, K))
		if !ok {
			continue
		}
		if math.Abs(l1-l2) > 1e-9*math.Max(1, math.Abs(l2)) {
			t.Fatalf("loss %v vs %v", l1, l2)
		}
		for k := range g1 {
			if math.Abs(float64(g1[k]-g2[k])) > 1e-5 {
				t.Fatalf("ordered grad %d: %v vs %v", k, g1[k], g2[k])
			}
		}
		for k := range b1 {
			if math.Abs(float64(b1[k]-b2[k])) > 1e-5 {
				t.Fatalf("below grad %d: %v vs %v", k, b1[k], b2[k])
			}
		}
	}
}

// TestRunBPRRepeatedKeys: a user (item) with two groups in one batch gets
// both groups' gradients, as on the generic path.
func TestRunBPRRepeatedKeys(t *testing.T) {
	m, _ := model.NewBPR(model.BPRConfig{Users: 50, Items: 60, Dim: 4, InitStd: 0.5, Seed: 4})
	run := func(st model.PairScorer) (float64, []float32, []float32) {
		for _, p := range m.Params() {
			p.TouchAll()
			p.ZeroGrad()
		}
		lb := &listBatch{workers: 3}
		lb.reset()
		r := nn.NewRand(2, 2)
		for g := 0; g < 3000; g++ {
			ord, below := make([]int32, 3), make([]int32, 3)
			for k := range ord {
				ord[k], below[k] = int32(r.IntN(50)), int32(r.IntN(50))
			}
			if g%2 == 0 {
				lb.addUser(int32(g%7), ord, below, 0.5)
			} else {
				lb.addItem(int32(g%5), ord, below, 0.25)
			}
		}
		l := lb.run(st)
		return l, append([]float32{}, m.P.G...), append([]float32{}, m.Q.G...)
	}
	l0, p0, q0 := run(struct{ model.PairScorer }{m})
	l, p, q := run(m)
	if math.Abs(l-l0) > 1e-9*math.Abs(l0) {
		t.Errorf("loss %v, generic %v", l, l0)
	}
	for k := range p0 {
		if math.Abs(float64(p[k]-p0[k])) > 1e-3*math.Max(1, math.Abs(float64(p0[k]))) {
			t.Fatalf("∂P[%d] %v, generic %v", k, p[k], p0[k])
		}
	}
	for k := range q0 {
		if math.Abs(float64(q[k]-q0[k])) > 1e-3*math.Max(1, math.Abs(float64(q0[k]))) {
			t.Fatalf("∂Q[%d] %v, generic %v", k, q[k], q0[k])
		}
	}
}

// TestAddItems: the item groups that addItems references in place are
// those addItem copies one by one, between user groups: materialize (the
// generic path's copy, on several workers when the batch is large enough)
// gives the same pairs whatever the number of workers and whatever the
// batch's buffers held before, and the BPR path, which reads the lists
// where they are, gives the same loss and gradients to the last bit.
func TestAddItems(t *testing.T) {
	r := nn.NewRand(8, 1)
	lists := map[int32][2][]int32{}
	var items []int32
	for i := int32(0); i < 3000; i++ {
		ord, below := make([]int32, r.IntN(25)), make([]int32, r.IntN(20))
		for k := range ord {
			ord[k] = int32(r.IntN(500))
		}
		for k := range below {
			below[k] = int32(r.IntN(500))
		}
		lists[i] = [2][]int32{ord, below}
		items = append(items, i)
	}
	get := func(i int32) ([]int32, []int32) { return lists[i][0], lists[i][1] }
	bprRun := func(lb *listBatch) (float64, []float32, []float32) {
		m, err := model.NewBPR(model.BPRConfig{Users: 500, Items: 3000, Dim: 20, InitStd: 0.3, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		l := lb.run(m)
		return l, m.P.G, m.Q.G
	}
	for _, n := range []int{10, len(items)} {
		build := func(lb *listBatch, bulk bool) {
			lb.reset()
			lb.addUser(7, []int32{1, 2, 3}, []int32{4, 5}, 0.5)
			if bulk {
				lb.addItems(items[:n], 0.25, get)
			} else {
				for _, i := range items[:n] {
					ord, below := get(i)
					lb.addItem(i, ord, below, 0.25)
				}
			}
			lb.addUser(9, []int32{6, 8}, []int32{10, 11, 12}, 0.5)
		}
		want := &listBatch{}
		build(want, false)
		wl, wp, wq := bprRun(want)
		for _, w := range []int{1, 2, 3} {
			// Buffers holding stale pairs (−1) from an earlier batch.
			got := &listBatch{workers: w, us: slices.Repeat([]int32{-1}, 4), is: slices.Repeat([]int32{-1}, 99999)}
			build(got, true)
			l, p, q := bprRun(got)
			if math.Float64bits(l) != math.Float64bits(wl) || !slices.Equal(p, wp) || !slices.Equal(q, wq) {
				t.Errorf("%d items, %d workers: the BPR path differs on referenced item groups", n, w)
			}
			got.materialize()
			if !slices.Equal(got.us, want.us) || !slices.Equal(got.is, want.is) || !slices.Equal(got.off, want.off) ||
				!slices.Equal(got.nOrd, want.nOrd) || !slices.Equal(got.weight, want.weight) || !slices.Equal(got.byItem, want.byItem) ||
				!slices.Equal(got.refAt, want.refAt) || len(got.refs) != 0 {
				t.Errorf("%d items, %d workers: addItems + materialize differs from addItem", n, w)
			}
		}
	}
}

// refRunBPR is runBPR written out in plain Go for a batch whose pairs are
// all in lb.us and lb.is (built with addUser and addItem): the loss and the
// gradients of P and Q (added to copies of m.P.G and m.Q.G) with every
// float32 operation in the order runBPR documents — pass 1 slab by slab in
// group order (scores by nn.Dot on the model's own rows, Listwise, the
// weighted gradients, each group's own-row sum, and for an item group the
// slab's private sums of its users' rows), then pass 2: every item row
// gets its user-group pairs' sum slab by slab, every user row its slabs'
// private sums in slab order. Explicit float32 conversions keep the
// compiler from fusing multiply-adds.
func refRunBPR(lb *listBatch, m *model.BPR) (float64, []float32, []float32) {
	d, groups := m.Dim(), len(lb.nOrd)
	n := int(lb.off[groups])
	slabs := slabCount(n)
	pg, qg := slices.Clone(m.P.G), slices.Clone(m.Q.G)
	scores, grads := make([]float32, n), make([]float32, n)
	priv, mark := make([][]float32, slabs), make([][]bool, slabs)
	slabOf := make([]int, n)
	loss := 0.0
	for s := range slabs {
		priv[s], mark[s] = make([]float32, m.P.Rows*d), make([]bool, m.P.Rows)
		g0, g1 := groupRange(lb.off, groups, s, slabs)
		part := 0.0
		for g := g0; g < g1; g++ {
			lo, hi := int(lb.off[g]), int(lb.off[g+1])
			for p := lo; p < hi; p++ {
				slabOf[p] = s
			}
			if lo == hi {
				continue
			}
			ownW, ownG, otherW, key, others := m.P.W, pg, m.Q.W, int(lb.us[lo]), lb.is[lo:hi]
			if lb.byItem[g] {
				ownW, ownG, otherW, key, others = m.Q.W, qg, m.P.W, int(lb.is[lo]), lb.us[lo:hi]
			}
			row := ownW[key*d : key*d+d]
			for j, x := range others {
				scores[lo+j] = nn.Dot(row, otherW[int(x)*d:int(x)*d+d])
			}
			mid := lo + int(lb.nOrd[g])
			l := Listwise(scores[lo:mid], scores[mid:hi], grads[lo:mid], grads[mid:hi], nil)
			wt := lb.weight[g]
			for p := lo; p < hi; p++ {
				grads[p] = float32(grads[p] * wt)
			}
			part += float64(wt) * l
			acc := make([]float32, d)
			for j, x := range others {
				gk := grads[lo+j]
				if gk == 0 {
					continue
				}
				xr := otherW[int(x)*d : int(x)*d+d]
				for t := range acc {
					acc[t] = acc[t] + float32(gk*xr[t])
				}
				if lb.byItem[g] {
					mark[s][x] = true
					pr := priv[s][int(x)*d : int(x)*d+d]
					for t := range pr {
						pr[t] = pr[t] + float32(gk*row[t])
					}
				}
			}
			og := ownG[key*d : key*d+d]
			for t := range og {
				og[t] = og[t] + acc[t]
			}
		}
		loss += part
	}
	for x := range m.Q.Rows {
		for s := range slabs {
			acc, any := make([]float32, d), false
			for g := range groups {
				if lb.byItem[g] {
					continue
				}
				for p := lb.off[g]; p < lb.off[g+1]; p++ {
					if int(lb.is[p]) != x || slabOf[p] != s {
						continue
					}
					any = true
					if gk := grads[p]; gk != 0 {
						ur := m.P.W[int(lb.us[p])*d : int(lb.us[p])*d+d]
						for t := range acc {
							acc[t] = acc[t] + float32(gk*ur[t])
						}
					}
				}
			}
			if any {
				row := qg[x*d : x*d+d]
				for t := range row {
					row[t] = row[t] + acc[t]
				}
			}
		}
	}
	for u := range m.P.Rows {
		for s := range slabs {
			if mark[s][u] {
				row, pr := pg[u*d:u*d+d], priv[s][u*d:u*d+d]
				for t := range row {
					row[t] = row[t] + pr[t]
				}
			}
		}
	}
	return loss, pg, qg
}

// TestRunBPRBitsMatchReference: runBPR — item groups referenced in place,
// user rows read from the slabs' interleaved copies, two slabs on one or
// two workers — gives the loss and the gradients of refRunBPR to the last
// bit, for dimensions that are and are not multiples of 4, with the user
// table aligned and misaligned to 16 bytes, with unique group keys and
// with a key used twice, over two batches on one listBatch with the
// weights changed in between.
func TestRunBPRBitsMatchReference(t *testing.T) {
	const users, items = 300, 700
	for _, d := range []int{3, 5, 6, 8, 20} {
		for _, misalign := range []bool{false, true} {
			for _, dup := range []bool{false, true} {
				for _, workers := range []int{1, 2} {
					m, err := model.NewBPR(model.BPRConfig{Users: users, Items: items, Dim: d, InitStd: 0.5, Seed: uint64(d)})
					if err != nil {
						t.Fatal(err)
					}
					if misalign {
						w := make([]float32, len(m.P.W)+1)[1:]
						copy(w, m.P.W)
						m.P.W = w
					}
					r := nn.NewRand(uint64(d), 9)
					lb := &listBatch{workers: workers}
					for batch := range 2 {
						ids := func(k, max int) []int32 {
							v := make([]int32, k)
							for j := range v {
								v[j] = int32(r.IntN(max))
							}
							return v
						}
						type grp struct {
							key        int32
							ord, below []int32
						}
						var ug, ig []grp
						for u := range 60 {
							ug = append(ug, grp{int32(u), ids(40, items), ids(40, items)})
						}
						if dup {
							ug[7].key = ug[3].key
						}
						for i := range 300 {
							ig = append(ig, grp{int32(2 * i), ids(1+r.IntN(20), users), ids(20, users)})
						}
						build := func(lb *listBatch, bulk bool) {
							lb.reset()
							for _, g := range ug[:59] {
								lb.addUser(g.key, g.ord, g.below, 1e-3)
							}
							if bulk {
								keys := make([]int32, len(ig))
								lists := map[int32]grp{}
								for k, g := range ig {
									keys[k], lists[g.key] = g.key, g
								}
								lb.addItems(keys, 5e-4, func(i int32) ([]int32, []int32) { return lists[i].ord, lists[i].below })
							} else {
								for _, g := range ig {
									lb.addItem(g.key, g.ord, g.below, 5e-4)
								}
							}
							lb.addUser(ug[59].key, ug[59].ord, ug[59].below, 1e-3)
						}
						for _, p := range []*nn.Param{m.P, m.Q} {
							for k := range p.G {
								p.G[k] = float32(r.NormFloat64() * 1e-3)
							}
						}
						ref := &listBatch{}
						build(ref, false)
						if slabCount(int(ref.off[len(ref.nOrd)])) != 2 {
							t.Fatal("the batch should have two slabs")
						}
						wl, wp, wq := refRunBPR(ref, m)
						build(lb, true)
						l := lb.run(m)
						if math.Float64bits(l) != math.Float64bits(wl) || !bitsEqual(m.P.G, wp) || !bitsEqual(m.Q.G, wq) {
							t.Fatalf("d=%d misaligned=%v dup=%v workers=%d batch %d: runBPR differs from the reference (loss %v, %v)",
								d, misalign, dup, workers, batch, l, wl)
						}
						for k := range m.P.W {
							m.P.W[k] += float32(r.NormFloat64() * 0.1)
						}
					}
				}
			}
		}
	}
}

// bitsEqual reports whether a and b hold the same float32 bit patterns.
func bitsEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if math.Float32bits(a[k]) != math.Float32bits(b[k]) {
			return false
		}
	}
	return true
}

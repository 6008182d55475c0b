package distill

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// ScoringStudent is a student that can rank the whole catalogue (DCD needs
// the student's own top lists every epoch) and take score gradients.
type ScoringStudent interface {
	model.Scorer
	model.PairScorer
}

// DCDOptions configures DCD. Zero fields take the defaults in brackets.
// Each side has its own Pool, K, L and Lambda; T and Depth are shared.
type DCDOptions struct {
	// Pool is M, the number of teacher-top and student-top entries the
	// under- and over-estimated samples are drawn from [100]. Valid: 1 … N.
	Pool, ItemPool int
	// K under-estimated entries form the ranked list and L over-estimated
	// entries the set below it [user side 40 / 40, item side 20 / 20].
	// Valid: 1 … Pool.
	K, L, ItemK, ItemL int
	// T is the discrepancy temperature [10]. Valid: > 0.
	T float64
	// Depth is how deep the student's rankings are computed exactly [2·max
	// pool]; a discrepancy beyond it is saturated, so Depth ≥ Pool + 4T
	// makes the weights exact to 1e-3. Valid: ≥ Pool.
	Depth int
	// Lambda and ItemLambda weigh the two sides [1e-3 and 5e-4, RRD's and
	// IR-RRD's]. Valid: > 0.
	Lambda, ItemLambda float64
	// Workers bounds the goroutines of the per-epoch ranking.
	Workers int
}

// DCD returns the Dual Correction strategy for ranking Distillation (Y. Lee,
// K. Kim, "Dual Correction Strategy for Ranking Distillation in Top-N
// Recommender System", CIKM 2021; methods.md §3.2), a HetComp baseline,
// on both the user and the item side.
//
// At every epoch the student's own rankings are computed (its top-Depth
// items per user and users per item, training pairs excluded, by the same
// streaming pass as BuildLists). For user u, with T_rank and S_rank the
// 0-based positions in the teacher's and the student's ranking (Depth and N
// when absent):
//
//   - under-estimated: each of the teacher's top-Pool items i gets weight
//     max(tanh(max((S_rank(i) − T_rank(i))/T, 0)), 1e−5); K of them are
//     drawn without replacement ∝ weight and kept in teacher order (π_u);
//   - over-estimated: each of the student's top-Pool items j gets weight
//     max(tanh(max((T_rank(j) − S_rank(j))/T, 0)), 1e−5); L are drawn
//     (O_u, unordered, minus any item already in π_u).
//
// The loss is Listwise on both sides,
//
//	λ · Σ_u PL(π_u ≻ O_u) + λ_I · Σ_{i∈B_I} PL(π_i ≻ O_i)
//
// with the mirror-image samples per item. Choices [I]: only the abstract and
// a third-party re-implementation are available. As there, the
// under-estimated items are the ranked list and the over-estimated ones the
// "below" set. The student's ranks are exact to Depth (a top-Depth pass
// instead of a full sort) and the teacher's to the lists' N. Like IR-RRD,
// the batch's item set B_I is the distinct items sampled for the batch's
// unique users. The sampling pools, K, L and λ mirror RRD and IR-RRD.
func DCD(lists *TeacherLists, student ScoringStudent, o DCDOptions) (train.Term, error) {
	if lists == nil || lists.Users == nil {
		return nil, fmt.Errorf("distill: dcd: no user-side teacher lists")
	}
	if lists.Items == nil {
		return nil, fmt.Errorf("distill: dcd: %w", errNoItemLists)
	}
	if student == nil {
		return nil, fmt.Errorf("distill: dcd: no student")
	}
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&o.Pool, min(100, lists.Users.N))
	def(&o.ItemPool, min(100, lists.Items.N))
	def(&o.K, min(40, o.Pool))
	def(&o.L, min(40, o.Pool))
	def(&o.ItemK, min(20, o.ItemPool))
	def(&o.ItemL, min(20, o.ItemPool))
	def(&o.Depth, 2*max(o.Pool, o.ItemPool))
	if o.T == 0 {
		o.T = 10
	}
	if o.Lambda == 0 {
		o.Lambda = 1e-3
	}
	if o.ItemLambda == 0 {
		o.ItemLambda = 5e-4
	}
	switch {
	case o.Pool < 1 || o.Pool > lists.Users.MinLen():
		return nil, fmt.Errorf("distill: dcd: Pool must be in [1, %d] (the shortest user list), got %d", lists.Users.MinLen(), o.Pool)
	case o.ItemPool < 1 || o.ItemPool > lists.Items.MinLen():
		return nil, fmt.Errorf("distill: dcd: ItemPool must be in [1, %d] (the shortest item list), got %d", lists.Items.MinLen(), o.ItemPool)
	case o.K < 1 || o.K > o.Pool || o.L < 1 || o.L > o.Pool:
		return nil, fmt.Errorf("distill: dcd: K and L must be in [1, Pool=%d], got %d and %d", o.Pool, o.K, o.L)
	case o.ItemK < 1 || o.ItemK > o.ItemPool || o.ItemL < 1 || o.ItemL > o.ItemPool:
		return nil, fmt.Errorf("distill: dcd: ItemK and ItemL must be in [1, ItemPool=%d], got %d and %d", o.ItemPool, o.ItemK, o.ItemL)
	case o.Depth < max(o.Pool, o.ItemPool):
		return nil, fmt.Errorf("distill: dcd: Depth must be >= max(Pool, ItemPool) = %d, got %d", max(o.Pool, o.ItemPool), o.Depth)
	case !(o.T > 0) || math.IsInf(o.T, 1):
		return nil, fmt.Errorf("distill: dcd: T must be > 0 and finite, got %v", o.T)
	case !(o.Lambda > 0) || math.IsInf(o.Lambda, 1) || !(o.ItemLambda > 0) || math.IsInf(o.ItemLambda, 1):
		return nil, fmt.Errorf("distill: dcd: Lambda and ItemLambda must be > 0 and finite, got %v and %v", o.Lambda, o.ItemLambda)
	case o.Workers < 0:
		return nil, fmt.Errorf("distill: dcd: Workers must be >= 0, got %d", o.Workers)
	}
	if student.NumUsers() < lists.Train.NumUsers || student.NumItems() < lists.Train.NumItems {
		return nil, fmt.Errorf("distill: dcd: student covers %d × %d, the lists %d × %d",
			student.NumUsers(), student.NumItems(), lists.Train.NumUsers, lists.Train.NumItems)
	}
	return &dcd{o: o, lists: lists, st: student, lb: listBatch{workers: o.Workers}, batch: newBatchSet(lists.Train.NumItems)}, nil
}

type dcd struct {
	o          DCDOptions
	lists      *TeacherLists
	st         ScoringStudent
	user, item sideSample
	// userBelow and itemBelow are the below-set lengths per row (shorter
	// than L when an entry was both under- and over-estimated).
	userBelow, itemBelow []int32
	lb                   listBatch
	batch                batchSet // B_I
}

// Name identifies the term in logs.
func (t *dcd) Name() string { return "dcd" }

// Params returns nil: the term has no parameters of its own.
func (t *dcd) Params() []*nn.Param { return nil }

// BeginEpoch ranks the catalogue with the student and draws the epoch's corrections.
func (t *dcd) BeginEpoch(e *train.Epoch) error {
	if err := checkTrain(e.Train, t.lists); err != nil {
		return err
	}
	su, si, err := rankAll(context.Background(), t.st, e.Train, t.o.Depth, t.o.Depth, t.o.Workers, nil)
	if err != nil {
		return err
	}
	seed := e.Rand.Uint64()
	t.correct(&t.user, t.lists.Users, su, t.o.Pool, t.o.K, t.o.L, seed)
	t.correct(&t.item, t.lists.Items, si, t.o.ItemPool, t.o.ItemK, t.o.ItemL, seed+1)
	return nil
}

// correct draws, for every row, the under-estimated ranked list and the
// over-estimated set from the teacher's lists tl and the student's sl.
func (t *dcd) correct(dst *sideSample, tl, sl *Lists, pool, k, l int, seed uint64) {
	rows := tl.Rows()
	if len(dst.InterLen) != rows {
		*dst = sideSample{K: k, L: l, Inter: make([]int32, rows*k), InterLen: make([]int32, rows), Unint: make([]int32, rows*l)}
	}
	unLen := make([]int32, rows)
	type scratch struct {
		tpos, spos []int32 // position+1 in the teacher's (student's) row, 0 if absent
		wt, keys   []float64
		pick       []int32
	}
	newScratch := func() *scratch {
		return &scratch{tpos: make([]int32, tl.Cols), spos: make([]int32, tl.Cols), wt: make([]float64, pool), keys: make([]float64, pool)}
	}
	rank := func(pos []int32, x int32, absent int) float64 {
		if p := pos[x]; p > 0 {
			return float64(p - 1)
		}
		return float64(absent)
	}
	_ = forRows(rows, t.o.Workers, seed, newScratch, func(s *scratch, rng *rand.Rand, r int) error {
		trow, srow := tl.Row(r), sl.Row(r)
		for p, x := range trow {
			s.tpos[x] = int32(p + 1)
		}
		for p, x := range srow {
			s.spos[x] = int32(p + 1)
		}
		// Under-estimated: the teacher's top-pool.
		top := trow[:min(pool, len(trow))]
		for p, x := range top {
			d := (rank(s.spos, x, sl.N) - float64(p)) / t.o.T
			s.wt[p] = math.Max(math.Tanh(math.Max(d, 0)), 1e-5)
		}
		s.pick = sampleWeighted(rng, s.wt[:len(top)], k, s.keys, s.pick)
		in := dst.Inter[r*k : (r+1)*k]
		for j, p := range s.pick {
			in[j] = top[p]
		}
		dst.InterLen[r] = int32(len(s.pick))
		// Over-estimated: the student's top-pool, minus the list.
		stop := srow[:min(pool, len(srow))]
		for p, x := range stop {
			d := (rank(s.tpos, x, tl.N) - float64(p)) / t.o.T
			s.wt[p] = math.Max(math.Tanh(math.Max(d, 0)), 1e-5)
		}
		s.pick = sampleWeighted(rng, s.wt[:len(stop)], l, s.keys, s.pick)
		n := 0
		un := dst.Unint[r*l : (r+1)*l]
		for _, p := range s.pick {
			if x := stop[p]; !slices.Contains(in[:dst.InterLen[r]], x) {
				un[n] = x
				n++
			}
		}
		unLen[r] = int32(n)
		for _, x := range trow {
			s.tpos[x] = 0
		}
		for _, x := range srow {
			s.spos[x] = 0
		}
		return nil
	})
	t.setUnintLen(dst, unLen)
}

// setUnintLen records the below-set lengths (shorter than L when an item
// was both under- and over-estimated); they are kept in a side table.
func (t *dcd) setUnintLen(dst *sideSample, n []int32) {
	if dst == &t.user {
		t.userBelow = n
	} else {
		t.itemBelow = n
	}
}

// Batch adds the term's gradients for the batch's unique users and returns its weighted loss.
func (t *dcd) Batch(b *train.Batch) float64 {
	t.lb.reset()
	t.batch.reset()
	for _, u := range b.UniqueUsers() {
		in, below := t.user.inter(int(u)), t.user.Unint[int(u)*t.user.L:int(u)*t.user.L+int(t.userBelow[u])]
		t.lb.addUser(u, in, below, t.o.Lambda)
		t.batch.add(in)
		t.batch.add(below)
	}
	t.lb.addItems(t.batch.items, t.o.ItemLambda, func(i int32) ([]int32, []int32) {
		return t.item.inter(int(i)), t.item.Unint[int(i)*t.item.L : int(i)*t.item.L+int(t.itemBelow[i])]
	})
	return t.lb.run(t.st)
}

// dcdPools returns DCD's sampling pools, 0 meaning min(100, n).
func dcdPools(v Values) (pool, itemPool int) {
	pool, itemPool = v.Int("pool"), v.Int("item-pool")
	if pool == 0 {
		pool = min(100, v.Int("n"))
	}
	if itemPool == 0 {
		itemPool = min(100, v.Int("n"))
	}
	return pool, itemPool
}

// dcdPrecheck checks DCD's options against each other: pools ≤ n, k and l
// within their pools, depth at least the larger pool.
func dcdPrecheck(v, _ Values) error {
	n := v.Int("n")
	for _, p := range []string{"pool", "item-pool"} {
		if v.Int(p) > n {
			return v.OutOfRange(p, fmt.Sprintf("an integer in [0, n=%d]", n))
		}
	}
	pool, itemPool := dcdPools(v)
	if v.Int("k") > pool || v.Int("l") > pool {
		name := "k"
		if v.Int("k") <= pool {
			name = "l"
		}
		return v.OutOfRange(name, fmt.Sprintf("an integer in [1, pool=%d]", pool))
	}
	if v.Int("item-k") > itemPool || v.Int("item-l") > itemPool {
		name := "item-k"
		if v.Int("item-k") <= itemPool {
			name = "item-l"
		}
		return v.OutOfRange(name, fmt.Sprintf("an integer in [1, item-pool=%d]", itemPool))
	}
	if d := v.Int("depth"); d != 0 && d < max(pool, itemPool) {
		return v.OutOfRange("depth", fmt.Sprintf("0 or an integer >= %d (the larger pool)", max(pool, itemPool)))
	}
	return nil
}

func init() {
	Register(Method{Name: "dcd", Kind: Ranking, Lambda: 0.001, Order: orderDCD,
		Doc: "DCD: dual correction of the student's under- and over-estimated items (Lee & Kim, CIKM 2021)",
		Options: []Option{optN, optInt("pool", 0, 0, maxN, "teacher-top and student-top entries sampled from (users; 0: min(100, n))"),
			optInt("item-pool", 0, 0, maxN, "the same for items (0: min(100, n))"), optK(40, "under-estimated items per user"), optL(40, "over-estimated items per user"),
			optInt("item-k", 20, 1, maxN, "under-estimated users per item"), optInt("item-l", 20, 1, maxN, "over-estimated users per item"),
			optPos("t", 10, maxTau, "discrepancy temperature"), optInt("depth", 0, 0, maxN, "depth of the student's exact rankings (0: 2 × the larger pool)"),
			optPos("item-lambda", 0.0005, maxCount, "weight of the item side")},
		Typed: func(env Env, o TermOptions) ([]train.Term, error) {
			st, ok := env.Student.(ScoringStudent)
			if !ok {
				return nil, modelError("dcd", "student", "pair scores with gradients (model.PairScorer)", env.Student)
			}
			lists, err := typedLists(env, "dcd", true)
			if err != nil {
				return nil, err
			}
			var d DCDOptions
			if p, _ := o.(*DCDOptions); p != nil {
				d = *p
			}
			return one(DCD(lists, st, d))
		},
		Precheck: dcdPrecheck,
		Build: func(env Env, v Values) ([]train.Term, error) {
			st, ok := env.Student.(ScoringStudent)
			if !ok {
				return nil, modelError(v.Method(), "student", "pair scores with gradients (model.PairScorer)", env.Student)
			}
			n := v.Int("n")
			pool, itemPool := dcdPools(v)
			lists, err := listsOf(env, v, n, true)
			if err != nil {
				return nil, err
			}
			if mn := lists.Users.MinLen(); pool > mn {
				return nil, v.OutOfRange("pool", fmt.Sprintf("an integer in [1, %d] (the shortest teacher list)", mn))
			}
			if mn := lists.Items.MinLen(); itemPool > mn {
				return nil, v.OutOfRange("item-pool", fmt.Sprintf("an integer in [1, %d] (the shortest item list)", mn))
			}
			return one(DCD(lists, st, DCDOptions{Pool: pool, ItemPool: itemPool, K: v.Int("k"), L: v.Int("l"),
				ItemK: v.Int("item-k"), ItemL: v.Int("item-l"), T: v.Float("t"), Depth: v.Int("depth"), Lambda: v.Float("lambda"), ItemLambda: v.Float("item-lambda")}))
		}})
}

// Method names the registered method DCDOptions configures.
func (*DCDOptions) Method() string { return "dcd" }

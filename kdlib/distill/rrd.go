package distill

import (
	"fmt"
	"math"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// RRDOptions configures RRD. Zero fields take the defaults of the DE-RRD
// code (methods.md §3.7): K = L = 40, T = 10, Pool = 500 (capped at the
// lists' N), λ = 1e-3.
type RRDOptions struct {
	// K is the number of "interesting" items per user: sampled from the
	// first Pool positions of the teacher's list with P(r) ∝ exp(−r/T),
	// without replacement, kept in teacher order. Valid: 1 … Pool.
	K int
	// L is the number of "uninteresting" items per user, uniform over the
	// items neither in the user's training set nor in the teacher's list.
	// Valid: ≥ 1 and at most the number of such items of every user.
	L int
	// T is the sampling temperature. Valid: > 0.
	T float64
	// Pool is the number of teacher positions sampled from. Valid: K … N.
	Pool int
	// Lambda is the weight λ_RRD of the term. Valid: > 0.
	Lambda float64
	// TopK takes the teacher's first K items as the ranked list, without
	// sampling: the variant the HetComp README reports as better ("the
	// sampling processes for top-ranked unobserved items are unnecessary").
	// The uninteresting items are still resampled every epoch.
	TopK bool
	// Workers bounds the goroutines of the per-epoch sampling and the
	// per-batch scoring (default GOMAXPROCS); results do not depend on it.
	Workers int
}

// withDefaults fills zero fields; poolMax is the lists' N.
func (o RRDOptions) withDefaults(poolMax int, k, l int, t, lambda float64) RRDOptions {
	if o.K == 0 {
		o.K = k
	}
	if o.L == 0 {
		o.L = l
	}
	if o.T == 0 {
		o.T = t
	}
	if o.Pool == 0 {
		o.Pool = min(500, poolMax)
	}
	if o.Lambda == 0 {
		o.Lambda = lambda
	}
	return o
}

// validate checks the options against lists (rows of length ≥ Pool, enough
// uninteresting entries per row); prefix names the options in errors.
func (o RRDOptions) validate(prefix string, lists *Lists, observed func(r int) int) error {
	switch {
	case o.Pool < 1 || o.Pool > lists.N:
		return fmt.Errorf("%sPool must be in [1, %d] (the lists' N), got %d", prefix, lists.N, o.Pool)
	case o.K < 1 || o.K > o.Pool:
		return fmt.Errorf("%sK must be in [1, Pool=%d], got %d", prefix, o.Pool, o.K)
	case o.L < 1:
		return fmt.Errorf("%sL must be >= 1, got %d", prefix, o.L)
	case !(o.T > 0) || math.IsInf(o.T, 1):
		return fmt.Errorf("%sT must be > 0 and finite, got %v", prefix, o.T)
	case !(o.Lambda > 0) || math.IsInf(o.Lambda, 1):
		return fmt.Errorf("%sLambda must be > 0 and finite, got %v", prefix, o.Lambda)
	case o.Workers < 0:
		return fmt.Errorf("%sWorkers must be >= 0, got %d", prefix, o.Workers)
	}
	for r := 0; r < lists.Rows(); r++ {
		n := int(lists.Len[r])
		if n < o.K {
			return fmt.Errorf("%sK=%d exceeds the %d teacher entries of row %d", prefix, o.K, n, r)
		}
		if free := lists.Cols - n - observed(r); free < o.L {
			return fmt.Errorf("%sL=%d exceeds the %d entries of row %d outside its training set and teacher list", prefix, o.L, free, r)
		}
	}
	return nil
}

// rrdSide is the per-epoch sampling of one side of relaxed ranking
// distillation (users for RRD, items for IR-RRD's regulariser).
type rrdSide struct {
	o     RRDOptions
	lists *Lists
	rs    *RankSampler // nil for the TopK variant
	cur   sideSample
}

func newRRDSide(o RRDOptions, lists *Lists) (*rrdSide, error) {
	s := &rrdSide{o: o, lists: lists}
	if !o.TopK {
		var err error
		if s.rs, err = NewRankSampler(o.Pool, o.K, o.T); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *rrdSide) resample(seed uint64, observed func(r int) []int32) error {
	return sampleSide(&s.cur, s.lists, s.rs, s.o.K, s.o.L, observed, seed, s.o.Workers)
}

// RRD returns the Relaxed Ranking Distillation term of DE-RRD (S. Kang,
// J. Hwang, W. Kweon, H. Yu, "DE-RRD: A Knowledge Distillation Framework
// for Recommender System", CIKM 2020; methods.md §3.7).
//
// Every epoch (BeginEpoch), for every user u, K interesting items π_1 … π_K
// are drawn from the first Pool positions of the teacher's list with
// P(r) ∝ exp(−r/T) without replacement and kept in teacher order, and L
// uninteresting items U_u are drawn uniformly from the items in neither the
// user's training set nor the teacher's list. For the unique users of each
// batch the term adds
//
//	λ · L_RRD,  L_RRD = −Σ_u Σ_{k=1}^{K} [ s_{uπ_k} − log( Σ_{l=k}^{K} e^{s_{uπ_l}} + Σ_{j∈U_u} e^{s_{uj}} ) ]
//
// computed by Listwise (log-sum-exp with suffix sums, where the reference
// code exponentiates raw scores). Options.TopK replaces the sampled list by
// the teacher's top-K. The student is any model.PairScorer; the term has no
// parameters of its own.
func RRD(lists *TeacherLists, student model.PairScorer, o RRDOptions) (train.Term, error) {
	if lists == nil || lists.Users == nil {
		return nil, fmt.Errorf("distill: rrd: no user-side teacher lists")
	}
	if student == nil {
		return nil, fmt.Errorf("distill: rrd: no student")
	}
	o = o.withDefaults(lists.Users.N, 40, 40, 10, 1e-3)
	if err := o.validate("distill: rrd: ", lists.Users, func(r int) int { return len(lists.Train.Items(r)) }); err != nil {
		return nil, err
	}
	side, err := newRRDSide(o, lists.Users)
	if err != nil {
		return nil, fmt.Errorf("distill: rrd: %w", err)
	}
	name := "rrd"
	if o.TopK {
		name = "rrd-topk"
	}
	return &rrd{name: name, user: side, lists: lists, st: student, lb: listBatch{workers: o.Workers}}, nil
}

type rrd struct {
	name  string
	user  *rrdSide
	lists *TeacherLists
	st    model.PairScorer
	lb    listBatch
}

// Name identifies the term in logs.
func (t *rrd) Name() string { return t.name }

// Params returns nil: the term has no parameters of its own.
func (t *rrd) Params() []*nn.Param { return nil }

// BeginEpoch draws the epoch's samples from the epoch's generator.
func (t *rrd) BeginEpoch(e *train.Epoch) error {
	if err := checkTrain(e.Train, t.lists); err != nil {
		return err
	}
	return t.user.resample(e.Rand.Uint64(), e.Train.Items)
}

// Batch adds the term's gradients for the batch's unique users and returns its weighted loss.
func (t *rrd) Batch(b *train.Batch) float64 {
	t.lb.reset()
	for _, u := range b.UniqueUsers() {
		t.user.addGroups(&t.lb, u)
	}
	return t.lb.run(t.st)
}

// addGroups adds the user-side group of u.
func (s *rrdSide) addGroups(lb *listBatch, u int32) {
	lb.addUser(u, s.cur.inter(int(u)), s.cur.unint(int(u)), s.o.Lambda)
}

// checkTrain verifies that the training data matches the lists' shape.
func checkTrain(x *data.Interactions, lists *TeacherLists) error {
	if x.NumUsers != lists.Train.NumUsers || x.NumItems != lists.Train.NumItems {
		return fmt.Errorf("training data is %d×%d, the teacher lists were built for %d×%d",
			x.NumUsers, x.NumItems, lists.Train.NumUsers, lists.Train.NumItems)
	}
	return nil
}

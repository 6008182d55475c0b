package distill

import (
	"fmt"
	"math"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/figstyle"
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
	o = o.withDefaults(lists.Users.N, rrdK, rrdL, rrdT, rrdLambda)
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

// The reference values of RRD (the header of the authors' CIKM 2020 log,
// methods.md §3.7): K interesting and L uninteresting items per user,
// sampling temperature T, weight λ_RRD.
const (
	rrdK      = 40
	rrdL      = 40
	rrdT      = 10
	rrdLambda = 1e-3
)

// rrdName is RRD's name in the registry (the IR part goes with it).
const rrdName = "rrd"

// rrdOptionTable is the options table of RRD's user side (shared by RRD,
// IR-RRD and DE-RRD).
func rrdOptionTable() []Option {
	return []Option{optN, optK(rrdK, "interesting items per user (ranked above the uninteresting ones)"),
		optL(rrdL, "uninteresting items per user, uniform outside the teacher's list"), optT, optPool, optSample}
}

// rrdUserSide returns the teacher's lists of length n and the user-side
// RRD options of v (weight lambda) checked against them: the part RRD,
// IR-RRD and DE-RRD share.
func rrdUserSide(env Env, v Values, lambda float64, itemSide bool) (*TeacherLists, RRDOptions, error) {
	n := v.Int("n")
	lists, err := listsOf(env, v, n, itemSide)
	if err != nil {
		return nil, RRDOptions{}, err
	}
	o, err := rrdValues(v, "", lambda, n, true, lists.Users, userRows(lists))
	return lists, o, err
}

// rrdValues reads the RRD options of v (prefix "" or "item-") against one
// side of teacher lists of length n; observed(r) is the number of training
// entries of row r. suggestN lets the error of a too large l suggest a
// lower n (the values that hold the lists' length).
func rrdValues(v Values, prefix string, lambda float64, n int, suggestN bool, lists *Lists, observed func(r int) int) (RRDOptions, error) {
	o := RRDOptions{K: v.Int(prefix + "k"), L: v.Int(prefix + "l"), T: v.Float(prefix + "t"), Pool: v.Int(prefix + "pool"),
		Lambda: lambda, TopK: !v.Bool(prefix + "sample")}
	if o.Pool == 0 {
		o.Pool = min(500, n)
	}
	if o.Pool > n {
		return o, v.OutOfRange(prefix+"pool", fmt.Sprintf("an integer in [0, n=%d] (the teacher lists' length)", n))
	}
	if o.K > o.Pool {
		return o, v.OutOfRange(prefix+"k", fmt.Sprintf("an integer in [1, %d] (the sampling pool)", o.Pool))
	}
	if mn := lists.MinLen(); o.K > mn {
		return o, v.OutOfRange(prefix+"k", fmt.Sprintf("an integer in [1, %d] (the shortest teacher list; the data have few unobserved entries)", mn))
	}
	free, open := lists.Cols, lists.Cols
	for r := 0; r < lists.Rows(); r++ {
		free = min(free, lists.Cols-int(lists.Len[r])-observed(r))
		open = min(open, lists.Cols-observed(r))
	}
	if o.L > free {
		// Entries outside a row's training set and teacher list: the lists
		// must leave l of them in every row.
		if maxN := open - o.L; maxN >= o.K && suggestN {
			return o, v.OutOfRange("n", fmt.Sprintf("an integer in [%d, %d], so that %sl=%d entries remain outside every teacher list and training set", o.K, maxN, prefix, o.L))
		}
		if free >= 1 {
			return o, v.OutOfRange(prefix+"l", fmt.Sprintf("an integer in [1, %d] (the entries outside a row's training set and teacher list)", free))
		}
		return o, v.OutOfRange(prefix+"l", fmt.Sprintf("an integer in [1, %d] (the entries outside a row's training set and its top %sk teacher items), with a lower n",
			max(open-o.K, 1), prefix))
	}
	return o, nil
}

// userRows and itemRows count the training entries of a row of the user-
// and item-side lists.
func userRows(l *TeacherLists) func(int) int {
	return func(r int) int { return len(l.Train.Items(r)) }
}

func itemRows(l *TeacherLists) func(int) int {
	return func(r int) int { return len(l.Train.Users(r)) }
}

func init() {
	Register(Method{Name: rrdName, Kind: Ranking, Lambda: rrdLambda, Order: orderRRD,
		Doc:     "RRD: relaxed ranking distillation, listwise over sampled teacher items (Kang et al., CIKM 2020)",
		Options: rrdOptionTable(),
		Typed: func(env Env, o TermOptions) ([]train.Term, error) {
			st, err := pairStudent(env, rrdName)
			if err != nil {
				return nil, err
			}
			lists, err := typedLists(env, rrdName, false)
			if err != nil {
				return nil, err
			}
			var r RRDOptions
			if p, _ := o.(*RRDOptions); p != nil {
				r = *p
			}
			return one(RRD(lists, st, r))
		},
		Precheck: func(v, _ Values) error { return poolLimits(v, "pool", "k", v.Int("n")) },
		Build: func(env Env, v Values) ([]train.Term, error) {
			st, err := pairStudent(env, v.Method())
			if err != nil {
				return nil, err
			}
			lists, o, err := rrdUserSide(env, v, v.Float("lambda"), false)
			if err != nil {
				return nil, err
			}
			return one(RRD(lists, st, o))
		},
		// Okabe–Ito blue.
		Figure: figstyle.Style{Name: "RRD", Groups: []string{figstyle.GroupRanking}, Color: "#0072B2", Marker: figstyle.DownTriangle},
	})
}

// Method names the registered method RRDOptions configures.
func (*RRDOptions) Method() string { return rrdName }

package distill

import (
	"fmt"

	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// IRRRDOptions configures IRRRD: User is the RRD part (defaults K = L = 40,
// T = 10, λ_RRD = 1e-3), Item the item-side regulariser (defaults
// K_I = L_I = 20, T_I = 10, λ_IR = 5e-4), the values in the header of the
// authors' IR-RRD log (methods.md §3.8). Zero fields take the defaults;
// Item.TopK selects the deterministic top-K users per item.
type IRRRDOptions struct {
	User, Item RRDOptions
}

// IRRRD returns RRD with the item-side ranking regulariser of IR-RRD
// (S. Kang, W. Kweon, D. Lee, J. Lian, X. Xie, H. Yu, "Item-side ranking
// regularized distillation for recommender system", Information Sciences
// 580, 2021; methods.md §3.8) as one term:
//
//	λ_RRD · L_RRD + λ_IR · L_IR
//
// L_RRD is the user-side loss of RRD. For the item side, every epoch each
// item i gets K_I interesting users (sampled from the first Pool users of
// the teacher's item list with P(r) ∝ exp(−r/T_I), without replacement, in
// teacher order) and L_I uninteresting users (uniform over the users who
// neither interacted with i nor appear in its list). At each batch the item
// set is B_I = the distinct items among the interesting and uninteresting
// items sampled for the batch's unique users — the sampled RRD items, not
// the batch's positives and negatives, as in the reference code — and
//
//	L_IR = −Σ_{i∈B_I} Σ_{k=1}^{K_I} [ s_{v_k i} − log( Σ_{l=k}^{K_I} e^{s_{v_l i}} + Σ_{w∈U_i} e^{s_{w i}} ) ]
//
// is the same Listwise loss applied column-wise. lists must hold both sides
// (ListOptions.ItemSide).
func IRRRD(lists *TeacherLists, student model.PairScorer, o IRRRDOptions) (train.Term, error) {
	if lists == nil || lists.Users == nil {
		return nil, fmt.Errorf("distill: ir-rrd: no user-side teacher lists")
	}
	if lists.Items == nil {
		return nil, fmt.Errorf("distill: ir-rrd: %w", errNoItemLists)
	}
	if student == nil {
		return nil, fmt.Errorf("distill: ir-rrd: no student")
	}
	o.User = o.User.withDefaults(lists.Users.N, rrdK, rrdL, rrdT, rrdLambda)
	o.Item = o.Item.withDefaults(lists.Items.N, irK, irL, irT, irLambda)
	if o.Item.Workers == 0 {
		o.Item.Workers = o.User.Workers
	}
	if err := o.User.validate("distill: ir-rrd: User.", lists.Users, func(r int) int { return len(lists.Train.Items(r)) }); err != nil {
		return nil, err
	}
	if err := o.Item.validate("distill: ir-rrd: Item.", lists.Items, func(r int) int { return len(lists.Train.Users(r)) }); err != nil {
		return nil, err
	}
	us, err := newRRDSide(o.User, lists.Users)
	if err != nil {
		return nil, fmt.Errorf("distill: ir-rrd: user side: %w", err)
	}
	is, err := newRRDSide(o.Item, lists.Items)
	if err != nil {
		return nil, fmt.Errorf("distill: ir-rrd: item side: %w", err)
	}
	return &irrrd{user: us, item: is, lists: lists, st: student, lb: listBatch{workers: o.User.Workers},
		batch: newBatchSet(lists.Train.NumItems)}, nil
}

type irrrd struct {
	user, item *rrdSide
	lists      *TeacherLists
	st         model.PairScorer
	lb         listBatch
	batch      batchSet // B_I
}

// Name identifies the term in logs.
func (t *irrrd) Name() string { return "ir-rrd" }

// Params returns nil: the term has no parameters of its own.
func (t *irrrd) Params() []*nn.Param { return nil }

// BeginEpoch draws the epoch's samples from the epoch's generator.
func (t *irrrd) BeginEpoch(e *train.Epoch) error {
	if err := checkTrain(e.Train, t.lists); err != nil {
		return err
	}
	if err := t.user.resample(e.Rand.Uint64(), e.Train.Items); err != nil {
		return fmt.Errorf("user side: %w", err)
	}
	if err := t.item.resample(e.Rand.Uint64(), e.Train.Users); err != nil {
		return fmt.Errorf("item side: %w", err)
	}
	return nil
}

// Batch adds the term's gradients for the batch's unique users and returns its weighted loss.
func (t *irrrd) Batch(b *train.Batch) float64 {
	t.lb.reset()
	t.batch.reset()
	for _, u := range b.UniqueUsers() {
		t.user.addGroups(&t.lb, u)
		t.batch.add(t.user.cur.inter(int(u)))
		t.batch.add(t.user.cur.unint(int(u)))
	}
	t.lb.addItems(t.batch.items, t.item.o.Lambda, func(i int32) ([]int32, []int32) {
		return t.item.cur.inter(int(i)), t.item.cur.unint(int(i))
	})
	return t.lb.run(t.st)
}

// The reference values of the item side of IR-RRD (the header of the
// authors' log, methods.md §3.8).
const (
	irK      = 20
	irL      = 20
	irT      = 10
	irLambda = 5e-4
)

func init() {
	// The item-side regulariser on its own: a part that goes with RRD in a
	// spec's kd list (rrd + ir), joined into one IR-RRD term.
	Register(Method{Name: "ir", Kind: Ranking, Lambda: irLambda, Order: orderIR, With: rrdName,
		Doc:      "IR: item-side ranking regulariser of IR-RRD; combine with rrd (Kang et al., Inf. Sci. 2021)",
		Options:  []Option{optK(irK, "interesting users per item"), optL(irL, "uninteresting users per item"), optT, optPool, optSample},
		Precheck: func(v, rrd Values) error { return poolLimits(v, "pool", "k", rrd.Int("n")) },
		Join: func(env Env, rrd, ir Values) (train.Term, error) {
			st, err := pairStudent(env, ir.Method())
			if err != nil {
				return nil, err
			}
			lists, uo, err := rrdUserSide(env, rrd, rrd.Float("lambda"), true)
			if err != nil {
				return nil, err
			}
			io, err := rrdValues(ir, "", ir.Float("lambda"), rrd.Int("n"), false, lists.Items, itemRows(lists))
			if err != nil {
				return nil, err
			}
			return IRRRD(lists, st, IRRRDOptions{User: uo, Item: io})
		}})
	Register(Method{Name: "ir-rrd", Kind: Ranking, Lambda: rrdLambda, Order: orderIRRRD,
		Doc: "IR-RRD: RRD plus the item-side ranking regulariser (Kang et al., Inf. Sci. 2021)",
		Options: append(rrdOptionTable(), optPos("item-lambda", irLambda, maxCount, "weight λ_IR of the item-side term"),
			optInt("item-k", irK, 1, maxN, "interesting users per item"), optInt("item-l", irL, 1, maxN, "uninteresting users per item"),
			optPos("item-t", irT, maxTau, "item-side sampling temperature"), optInt("item-pool", 0, 0, maxN, "item-side sampling range (0: min(500, n))"),
			optBool("item-sample", true, "sample the interesting users by rank (false: the teacher's top item-k)")),
		Precheck: func(v, _ Values) error {
			if err := poolLimits(v, "pool", "k", v.Int("n")); err != nil {
				return err
			}
			return poolLimits(v, "item-pool", "item-k", v.Int("n"))
		},
		Build: func(env Env, v Values) ([]train.Term, error) {
			st, err := pairStudent(env, v.Method())
			if err != nil {
				return nil, err
			}
			lists, uo, err := rrdUserSide(env, v, v.Float("lambda"), true)
			if err != nil {
				return nil, err
			}
			io, err := rrdValues(v, "item-", v.Float("item-lambda"), v.Int("n"), true, lists.Items, itemRows(lists))
			if err != nil {
				return nil, err
			}
			return one(IRRRD(lists, st, IRRRDOptions{User: uo, Item: io}))
		},
		// Okabe–Ito vermillion; the part "ir" (registered above) is drawn as IR-RRD.
		Figure: figstyle.Style{Name: "IR-RRD", Aliases: []string{"ir"}, Groups: []string{figstyle.GroupRanking}, Color: "#D55E00", Marker: figstyle.Circle},
	})
}

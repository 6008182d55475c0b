package distill

import (
	"fmt"

	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// Bridge selects the regressor f of the hint term.
type Bridge int

const (
	// BridgeMLP is Linear(d_s→⌊(d_s+d_t)/2⌋)→ReLU→Linear(→d_t), the
	// reference DE code with one expert [methods.md §3.2].
	BridgeMLP Bridge = iota
	// BridgeLinear is a single Linear(d_s→d_t) with bias, FitNet's
	// original regressor.
	BridgeLinear
)

// String returns "mlp" or "linear".
func (b Bridge) String() string {
	switch b {
	case BridgeMLP:
		return "mlp"
	case BridgeLinear:
		return "linear"
	}
	return fmt.Sprintf("Bridge(%d)", int(b))
}

// HintOptions configures Hint. Start from DefaultHint.
type HintOptions struct {
	// Lambda is the weight of the term (default 0.01, DE's λ, since the
	// reference runs FitNet as DE with one expert).
	Lambda float64
	// Bridge selects the regressor (default BridgeMLP).
	Bridge Bridge
	// Hidden is the hidden width of BridgeMLP; 0 means ⌊(d_t+d_s)/2⌋
	// (⌊d_s/2⌋ when d_t = d_s).
	Hidden int
	// Seed drives the initialisation of the bridges.
	Seed uint64
}

// DefaultHint returns λ = 0.01 with the MLP bridge.
func DefaultHint() HintOptions { return HintOptions{Lambda: 0.01, Bridge: BridgeMLP} }

// HintTerm is the FitNet / hint-regression term; see Hint.
type HintTerm struct {
	name    string // "hint", or "fitnet" when built as the fitnet method
	opts    HintOptions
	teacher *latTeacher
	student model.Representer
	banks   [2]*latBank
	sides   [2]latSide
	set     latSet
	scratch []latScratch
}

var _ train.Term = (*HintTerm)(nil)

// Hint returns the hint-regression term of FitNets (A. Romero et al.,
// "FitNets: Hints for Thin Deep Nets", ICLR 2015), the latent-distillation
// baseline of DE-RRD and TD [methods.md §3.2]: the teacher's representation
// is regressed from the student's through a bridge f (separate for users
// and items, thrown away after training),
//
//	L_hint = Σ_{u∈uniq(B_u)} ‖h^t_u − f_U(h^s_u)‖² + Σ_{i∈uniq(B_pos∪B_neg)} w_i ‖h^t_i − f_I(h^s_i)‖²,
//	w_i = ½·[i∈B_pos] + ½·[i∈B_neg]
//
// and Batch returns λ·L_hint. The entity set and weights are those of DE's
// code, of which this is the M = 1 case (the selection weight is then 1);
// an item that is both positive and negative has weight 1, as in DE where
// it is counted in both halves. Whether the papers' FitNet used a linear or
// a 2-layer bridge is not verified [§3.2, R], so both are offered.
func Hint(teacher model.Embedder, student model.Representer, o HintOptions) (*HintTerm, error) {
	if err := latCheckPair("hint", teacher, student); err != nil {
		return nil, err
	}
	if err := latCheckWeight("hint", o.Lambda); err != nil {
		return nil, err
	}
	ds, dt := student.Dim(), teacher.Dim()
	var sizes []int
	switch o.Bridge {
	case BridgeMLP:
		if o.Hidden < 0 {
			return nil, fmt.Errorf("distill: hint: Hidden must be >= 0, got %d", o.Hidden)
		}
		if o.Hidden == 0 {
			o.Hidden = latHidden(ds, dt)
		}
		sizes = []int{ds, o.Hidden, dt}
	case BridgeLinear:
		sizes = []int{ds, dt}
	default:
		return nil, fmt.Errorf("distill: hint: unknown bridge %v", o.Bridge)
	}
	h := &HintTerm{name: "hint", opts: o, teacher: latNewTeacher(teacher), student: student}
	for side, name := range []string{"user", "item"} {
		h.banks[side] = latNewBank("hint."+name+".bridge", 1, sizes, o.Seed, uint64(0x4170+side))
		h.sides[side].side = side
		h.sides[side].job.bank = h.banks[side]
	}
	h.scratch = make([]latScratch, latWorkers())
	return h, nil
}

// Name returns "hint", or "fitnet" for the term of the fitnet method
// (FitNet).
func (h *HintTerm) Name() string { return h.name }

// Params returns the user and item bridges.
func (h *HintTerm) Params() []*nn.Param {
	return append(h.banks[latUser].params(), h.banks[latItem].params()...)
}

// BeginEpoch does nothing: the term has no schedule.
func (h *HintTerm) BeginEpoch(*train.Epoch) error { return nil }

// Batch adds the gradient of λ·L_hint and returns it.
func (h *HintTerm) Batch(b *train.Batch) float64 {
	if h.opts.Lambda == 0 || len(b.Users) == 0 {
		return 0
	}
	latBatchEntities(b, &h.set, &h.sides[latUser], &h.sides[latItem], false)
	for side := range h.sides {
		s := &h.sides[side]
		s.load(h.teacher, h.student)
		s.job.scale = h.opts.Lambda
		s.selectAll()
	}
	latRunBanks([]*latBankJob{&h.sides[0].job, &h.sides[1].job}, h.scratch)
	loss := 0.0
	for side := range h.sides {
		h.sides[side].scatter(h.student)
		loss += h.sides[side].job.loss
	}
	return h.opts.Lambda * loss
}

func init() {
	d := DefaultHint()
	Register(Method{Name: "hint", Kind: Latent, Lambda: d.Lambda, Order: orderHint,
		Doc: "hint regression of the teacher's representations through an MLP bridge by default, the DE-RRD/TD code's " +
			"FitNet baseline (DE with one expert); bridge=linear, or the method fitnet, is FitNet's linear map (Romero et al., ICLR 2015)",
		Options: []Option{optChoice("bridge", "mlp", []string{"mlp", "linear"}, "the regressor: an MLP (DE with one expert, the default) or FitNet's linear map"), optHidden},
		Typed: func(env Env, o TermOptions) ([]train.Term, error) {
			teacher, student, err := latentPair(env, "hint")
			if err != nil {
				return nil, err
			}
			h := DefaultHint()
			if p, _ := o.(*HintOptions); p != nil {
				h = *p
			}
			h.Seed = env.Seed
			return one(Hint(teacher, student, h))
		},
		Build: func(env Env, v Values) ([]train.Term, error) {
			teacher, student, err := latentPair(env, v.Method())
			if err != nil {
				return nil, err
			}
			h := DefaultHint()
			h.Lambda, h.Hidden, h.Seed = v.Float("lambda"), v.Int("hidden"), env.Seed
			if v.Str("bridge") == "linear" {
				h.Bridge = BridgeLinear
			}
			return one(Hint(teacher, student, h))
		},
		// Tol muted olive, dotted: a simple baseline; FitNet (registered below) is drawn as
		// Hint.
		Figure: figstyle.Style{Name: "Hint", Aliases: []string{"fitnet"}, Groups: []string{figstyle.GroupLatent}, Color: "#999933", Marker: figstyle.Pyramid, Dashes: figstyle.Dotted},
	})
	Register(Method{Name: "fitnet", Kind: Latent, Lambda: d.Lambda, Order: orderFitNet,
		Doc: "FitNet: hint regression of the teacher's representations through a linear bridge Linear(d_s→d_t), " +
			"FitNet's regressor (Romero et al., ICLR 2015); hint with bridge=linear",
		Typed: func(env Env, o TermOptions) ([]train.Term, error) {
			teacher, student, err := latentPair(env, "fitnet")
			if err != nil {
				return nil, err
			}
			f := DefaultFitNet()
			if p, _ := o.(*FitNetOptions); p != nil {
				f = *p
			}
			return one(FitNet(teacher, student, f.Lambda, env.Seed))
		},
		Build: func(env Env, v Values) ([]train.Term, error) {
			teacher, student, err := latentPair(env, v.Method())
			if err != nil {
				return nil, err
			}
			return one(FitNet(teacher, student, v.Float("lambda"), env.Seed))
		}})
}

// Method names the registered method HintOptions configures.
func (*HintOptions) Method() string { return "hint" }

// FitNetOptions configures the fitnet method (BuildTyped): FitNet's
// linear bridge. Start from DefaultFitNet.
type FitNetOptions struct {
	// Lambda is the weight of the term (default 0.01, as hint's).
	Lambda float64
}

// DefaultFitNet returns λ = 0.01.
func DefaultFitNet() FitNetOptions { return FitNetOptions{Lambda: DefaultHint().Lambda} }

// Method names the registered method FitNetOptions configures.
func (*FitNetOptions) Method() string { return "fitnet" }

// FitNet returns the hint term with FitNet's linear bridge (Hint with
// BridgeLinear and weight lambda), named "fitnet": the regressor of
// Romero et al., where the hint method's default is the reference code's
// MLP bridge. seed drives the bridges' initialisation.
func FitNet(teacher model.Embedder, student model.Representer, lambda float64, seed uint64) (*HintTerm, error) {
	o := DefaultHint()
	o.Lambda, o.Bridge, o.Seed = lambda, BridgeLinear, seed
	h, err := Hint(teacher, student, o)
	if err != nil {
		return nil, err
	}
	h.name = "fitnet"
	return h, nil
}

package distill

import (
	"fmt"
	"math"

	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// DEOptions configures DE. Start from DefaultDE.
type DEOptions struct {
	// Lambda is the weight λ_DE of the term (reference 0.01).
	Lambda float64
	// Experts is the number M of experts per side (reference 30).
	Experts int
	// Hidden is the hidden width of an expert; 0 means ⌊(d_t+d_s)/2⌋
	// (⌊d_s/2⌋ when d_t = d_s), the reference.
	Hidden int
	// Tau is the annealed Gumbel-softmax temperature (reference
	// DefaultTau: 1 → 1e−10 over DETauEpochs = 1000 epochs, whatever the
	// run's epoch cap).
	Tau TauSchedule
	// Prune skips, for each entity, the experts whose selection weight is
	// below Prune times the entity's largest weight. The default 2^−24 is
	// float32's unit roundoff: such an expert changes the entity's
	// reconstruction by less than float32 rounding of the dominant expert's
	// contribution, so skipping it gives the same numbers up to rounding,
	// and its parameter and gate gradients are of the same negligible
	// relative size. Once τ has annealed the selection is (numerically)
	// one-hot and one expert per entity is evaluated instead of M. 0
	// evaluates every expert (the literal reference computation).
	Prune float64
	// Seed drives the initialisation of the experts and the gates.
	Seed uint64
}

// DefaultDE returns the reference settings of DE-RRD's main_DE.py: M = 30,
// λ = 0.01, τ 1 → 1e−10 over 1000 epochs, pruning at float32 resolution.
func DefaultDE() DEOptions {
	return DEOptions{Lambda: 0.01, Experts: 30, Tau: DefaultTau(), Prune: 0x1p-24}
}

// DETerm is the Distillation Experts term; see DE.
type DETerm struct {
	opts DEOptions
	latMixture
}

// DE returns the Distillation Experts term of DE-RRD (S. Kang, J. Hwang,
// W. Kweon, H. Yu, "DE-RRD: A Knowledge Distillation Framework for
// Recommender System", CIKM 2020) [methods.md §3.3], following the
// authors' Models/DE.py and run.py:LOO_DE_run.
//
// For each side (users, items) there are M experts E_m : ℝ^{d_s} → ℝ^{d_t},
// each Linear(d_s→⌊(d_t+d_s)/2⌋)→ReLU→Linear(→d_t), and a selection network
// α_e = softmax(W_g h^t_e + b_g) read from the teacher's representation.
// Every entity row draws Gumbel noise g from the batch's generator and
// reconstructs the teacher's representation from the student's,
//
//	s_e = softmax((log(α_e + 1e−10) + g)/τ)      (soft, no straight-through)
//	ĥ^t_e = Σ_m s_{e,m} E_m(h^s_e)
//
// with the loss, over the unique ids of each role of the batch B,
//
//	L_DE = Σ_{u∈uniq(B_u)} ‖h^t_u − ĥ^t_u‖² + ½[Σ_{i∈uniq(B_pos)} ‖h^t_i − ĥ^t_i‖² + Σ_{j∈uniq(B_neg)} ‖h^t_j − ĥ^t_j‖²]
//
// and Batch returns λ·L_DE. As in the reference, positives and negatives are
// separate rows with their own noise, so an item that is both is counted in
// both halves [§5.1]. The user noise is drawn first, then the positives',
// then the negatives', M values per row. τ follows Options.Tau (epochs 0
// and 1 both use τ_0). With M = 1 the selection is identically 1 and DE is
// the FitNet/hint baseline with an MLP bridge.
//
// The experts and gates are Params of the term (optimised, with the
// coupled L2 of Adam, together with the student) and are not part of the
// student: the distilled model is the plain student. Experts whose weight is
// below float32 resolution are skipped (Options.Prune).
func DE(teacher model.Embedder, student model.Representer, o DEOptions) (*DETerm, error) {
	if err := latCheckPair("de", teacher, student); err != nil {
		return nil, err
	}
	if err := latCheckWeight("de", o.Lambda); err != nil {
		return nil, err
	}
	if o.Experts < 1 || o.Hidden < 0 || !(o.Prune >= 0 && o.Prune < 1) {
		return nil, fmt.Errorf("distill: de: need Experts >= 1, Hidden >= 0 and 0 <= Prune < 1, got %d, %d, %v", o.Experts, o.Hidden, o.Prune)
	}
	if err := o.Tau.validate("de"); err != nil {
		return nil, err
	}
	ds, dt := student.Dim(), teacher.Dim()
	if o.Hidden == 0 {
		o.Hidden = latHidden(ds, dt)
	}
	d := &DETerm{opts: o, latMixture: newLatMixture(teacher, student, o.Tau)}
	sizes := []int{ds, o.Hidden, dt}
	for side, name := range []string{"user", "item"} {
		d.banks[side] = latNewBank("de."+name+".expert", o.Experts, sizes, o.Seed, uint64(0xde10+side))
		if o.Experts > 1 {
			d.gates[side] = latNewGate("de."+name+".gate", dt, o.Experts, o.Seed, uint64(0xde20+side))
		}
		d.sides[side].side = side
		d.sides[side].job.bank = d.banks[side]
	}
	shared := &latStack{}
	d.sides[latUser].job.stack, d.sides[latItem].job.stack = shared, shared
	d.scratch = make([]latScratch, latWorkers())
	return d, nil
}

// Name returns "de".
func (d *DETerm) Name() string { return "de" }

// Batch adds the gradient of λ·L_DE and returns it.
func (d *DETerm) Batch(b *train.Batch) float64 {
	if d.opts.Lambda == 0 || len(b.Users) == 0 {
		return 0
	}
	us, is := &d.sides[latUser], &d.sides[latItem]
	d.set.reset()
	for _, u := range b.Users {
		d.set.add(u, 0)
	}
	us.ids = append(us.ids[:0], d.set.ids...)
	us.w = us.w[:0]
	for range us.ids {
		us.w = append(us.w, 1)
	}
	is.ids, is.w = is.ids[:0], is.w[:0]
	for _, role := range [][]int32{b.Pos, b.Neg} {
		d.set.reset()
		for _, i := range role {
			d.set.add(i, 0)
		}
		is.ids = append(is.ids, d.set.ids...)
		for range d.set.ids {
			is.w = append(is.w, 0.5)
		}
	}
	jobs := []*latBankJob{&us.job, &is.job}
	for side := range d.sides {
		s := &d.sides[side]
		s.load(d.teacher, d.student)
		s.job.scale = d.opts.Lambda
		if g := d.gates[side]; g != nil {
			g.logitsOf(s.t, s.job.n)
			g.sample(b.Rand, d.tau, d.opts.Prune, &s.job)
		} else {
			s.selectAll()
		}
		d.rows += int64(s.job.n)
		d.evaluated += int64(s.job.selPtr[s.job.n])
	}
	latRunBanks(jobs, d.scratch)
	loss := 0.0
	for side := range d.sides {
		s := &d.sides[side]
		if g := d.gates[side]; g != nil {
			g.backward(s.t, d.tau, &s.job)
		}
		s.scatter(d.student)
		loss += s.job.loss
	}
	if math.IsNaN(loss) {
		return loss
	}
	return d.opts.Lambda * loss
}

func init() {
	d := DefaultDE()
	Register(Method{Name: "de", Kind: Latent, Lambda: d.Lambda, Order: orderDE,
		Doc:     "DE: distillation experts with Gumbel-softmax expert selection (Kang et al., CIKM 2020)",
		Options: append([]Option{optInt("experts", d.Experts, 1, 1024, "number M of experts per side"), optHidden}, append(tauOptions(d.Tau), optPrune)...),
		Typed: func(env Env, o TermOptions) ([]train.Term, error) {
			teacher, student, err := latentPair(env, "de")
			if err != nil {
				return nil, err
			}
			d := DefaultDE()
			if p, _ := o.(*DEOptions); p != nil {
				d = *p
			}
			d.Seed = env.Seed
			return one(DE(teacher, student, d))
		},
		Precheck: tauPrecheck,
		Note:     tauNote,
		Build: func(env Env, v Values) ([]train.Term, error) {
			teacher, student, err := latentPair(env, v.Method())
			if err != nil {
				return nil, err
			}
			d := DefaultDE()
			d.Lambda, d.Experts, d.Hidden, d.Prune, d.Seed = v.Float("lambda"), v.Int("experts"), v.Int("hidden"), v.Float("prune"), env.Seed
			if d.Tau, err = tauOf(v); err != nil {
				return nil, err
			}
			return one(DE(teacher, student, d))
		},
		// Tol muted indigo, like every latent method's colour from Tol's muted scheme.
		Figure: figstyle.Style{Name: "DE", Groups: []string{figstyle.GroupLatent}, Color: "#332288", Marker: figstyle.Plus},
	})
}

// Method names the registered method DEOptions configures.
func (*DEOptions) Method() string { return "de" }

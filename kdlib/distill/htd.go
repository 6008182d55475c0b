package distill

import (
	"fmt"
	"math"

	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// GroupTopology selects HTD's group-level topology.
type GroupTopology int

const (
	// GroupPE is Group(P,e): the similarities between every group
	// prototype of the batch and every entity of the batch, the reference's
	// choice 'second' used by the TD notebook.
	GroupPE GroupTopology = iota
	// GroupPP is Group(P,P): the similarities between the prototypes.
	GroupPP
)

// String returns "(P,e)" or "(P,P)".
func (g GroupTopology) String() string {
	switch g {
	case GroupPE:
		return "(P,e)"
	case GroupPP:
		return "(P,P)"
	}
	return fmt.Sprintf("GroupTopology(%d)", int(g))
}

// HTDOptions configures HTD. Start from DefaultHTD.
type HTDOptions struct {
	// Lambda is the weight λ_TD (TD notebook: 0.001).
	Lambda float64
	// Alpha balances topology and group assignment:
	// L_HTD = α·L_TD + (1−α)·L_GA (notebook 0.5).
	Alpha float64
	// Groups is the number K of preference groups per side (notebook 30).
	Groups int
	// Hidden is the hidden width of the mapping nets f_k; 0 means
	// ⌊(d_t+d_s)/2⌋ (⌊d_s/2⌋ when d_t = d_s).
	Hidden int
	// Group selects the group-level topology (default GroupPE).
	Group GroupTopology
	// Tau is the Gumbel-softmax temperature of the group assignment
	// (reference: 1 → 1e−10 over the TD notebook's max_epoch,
	// HTDTauEpochs = 100, whatever the run's epoch cap).
	Tau TauSchedule
	// Prune skips mapping nets whose Gumbel-softmax weight is below Prune
	// times the entity's largest weight; see DEOptions.Prune (default 2^−24).
	Prune float64
	// Seed drives the initialisation of the mapping nets and the gates.
	Seed uint64
}

// DefaultHTD returns the TD notebook's settings: λ = 0.001, α = 0.5, K = 30,
// Group(P,e), τ 1 → 1e−10 over 100 epochs, pruning at float32 resolution.
func DefaultHTD() HTDOptions {
	return HTDOptions{Lambda: 0.001, Alpha: 0.5, Groups: 30, Group: GroupPE,
		Tau: TauSchedule{Start: 1, End: 1e-10, Epochs: HTDTauEpochs}, Prune: 0x1p-24}
}

// HTDTerm is the Hierarchical Topology Distillation term; see HTD.
type HTDTerm struct {
	opts HTDOptions
	latMixture

	// topology scratch (V_B = users then items)
	group    []int32   // group of each row of V_B (items offset by K)
	members  [][]int32 // rows of each of the 2K groups
	present  []int32   // groups with members, ascending
	u, tu    []float32 // unit student / teacher rows
	norms    []float32
	du, dx   []float32
	blocks   []htdBlock // groups of the entity level (rows only)
	blockBuf []htdBlock // their buffers, reused
	tasks    []htdTask
	tloss    []float64 // per-task entity-level loss
	gs       []latScratch
	pt, ps   []float32 // prototypes (raw), G × pad(dt) / G × pad(ds)
	ptu, psu []float32 // unit prototypes
	pnorm    []float32
	bt, bs   []float32 // n × G similarity to the prototypes
	dproto   []float32
	tmp      []float32

	// frozenProto (tests only) keeps the student prototypes of the previous
	// batch, so finite differences see Group(P,e)'s stop-gradient.
	frozenProto bool

	// LastLoss holds the parts of the last batch's loss (before λ):
	// entity-level, group-level and group-assignment.
	LastLoss struct{ Entity, Group, GA float64 }
}

// HTD returns the Hierarchical Topology Distillation term of TD (S. Kang,
// J. Hwang, W. Kweon, H. Yu, "Topology Distillation for Recommender
// System", KDD 2021) [methods.md §3.6], following the authors'
// model.py:HTD and run.py:run_HTD. Over the batch's entities
// V_B = uniq(B_u) followed by uniq(B_pos ∪ B_neg):
//
//  1. Group assignment, DE-style and separate for users and items: a gate
//     v(h^t_e) = softmax(W h^t_e + b) over K groups, K mapping nets
//     f_k : d_s → ⌊(d_s+d_t)/2⌋ → d_t (ReLU), the Gumbel-softmax
//     z_e = softmax((log(v_e + 1e−10) + g)/τ) (noise: users' rows first,
//     then items', K values per row) and
//     L_GA = Σ_{u∈uniq(B_u)} ‖h^t_u − Σ_k z_uk f^U_k(h^s_u)‖² + Σ_{i∈uniq(B_pos∪B_neg)} ‖h^t_i − Σ_k z_ik f^I_k(h^s_i)‖²
//     (items weighted 1, unlike DE).
//  2. Hard groups g(e) = argmax_k v_k(h^t_e), without noise or gradient;
//     item groups are offset by K, so users and items never share one.
//  3. Prototypes of every group present in the batch: P^t_k and P^s_k, the
//     means of h^t_e and h^s_e over its members.
//  4. Entity-level topology within groups, with the reference's filter on
//     positive teacher cosine:
//     L_ent = Σ_{a,b∈V_B: g(a)=g(b), cos(h^t_a,h^t_b)>0} (cos(h^s_a,h^s_b) − cos(h^t_a,h^t_b))².
//  5. Group-level topology, Group(P,e) (default):
//     L_grp = Σ_{k∈G_B} Σ_{e∈V_B} (cos(P^s_k, h^s_e) − cos(P^t_k, h^t_e))²,
//     the prototypes detached as in the reference (the gradient flows
//     through h^s_e only); or Group(P,P):
//     L_grp = Σ_{k,l∈G_B} (cos(P^s_k, P^s_l) − cos(P^t_k, P^t_l))².
//  6. L_HTD = α(L_ent + L_grp) + (1−α)L_GA; Batch returns λ·L_HTD.
//
// Choice for Group(P,P): the reference detaches both prototypes, so that
// term carries no gradient at all [§5.3], which looks unintended. Here the
// student prototypes P^s_k = mean of h^s_e are NOT detached under
// Group(P,P), so the term moves every member e of group k by
// (1/|k|)·∂L/∂P^s_k; the teacher side is constant anyway. Group(P,e) keeps
// the reference's detached prototypes, so the default reproduces the
// notebook exactly.
//
// Cost: the entity-level term forms only the within-group blocks of the
// similarity matrices (Σ_k n_k² entries rather than |V_B|²), the group
// level is |V_B|×|G_B|, the unit-length teacher rows are cached once per
// entity, and mapping nets below float32 resolution are skipped
// (Options.Prune). The gates, mapping nets and prototypes are auxiliary:
// the distilled model is the plain student.
func HTD(teacher model.Embedder, student model.Representer, o HTDOptions) (*HTDTerm, error) {
	if err := latCheckPair("htd", teacher, student); err != nil {
		return nil, err
	}
	if err := latCheckWeight("htd", o.Lambda); err != nil {
		return nil, err
	}
	if !(o.Alpha >= 0 && o.Alpha <= 1) {
		return nil, fmt.Errorf("distill: htd: Alpha must be in [0,1], got %v", o.Alpha)
	}
	if o.Groups < 1 || o.Hidden < 0 || !(o.Prune >= 0 && o.Prune < 1) {
		return nil, fmt.Errorf("distill: htd: need Groups >= 1, Hidden >= 0 and 0 <= Prune < 1, got %d, %d, %v", o.Groups, o.Hidden, o.Prune)
	}
	if o.Group != GroupPE && o.Group != GroupPP {
		return nil, fmt.Errorf("distill: htd: unknown group topology %v", o.Group)
	}
	if err := o.Tau.validate("htd"); err != nil {
		return nil, err
	}
	ds, dt := student.Dim(), teacher.Dim()
	if o.Hidden == 0 {
		o.Hidden = latHidden(ds, dt)
	}
	h := &HTDTerm{opts: o, latMixture: newLatMixture(teacher, student, o.Tau)}
	sizes := []int{ds, o.Hidden, dt}
	for side, name := range []string{"user", "item"} {
		h.banks[side] = latNewBank("htd."+name+".map", o.Groups, sizes, o.Seed, uint64(0x47d10+side))
		h.gates[side] = latNewGate("htd."+name+".gate", dt, o.Groups, o.Seed, uint64(0x47d20+side))
		h.sides[side].side = side
		h.sides[side].job.bank = h.banks[side]
	}
	shared := &latStack{}
	h.sides[latUser].job.stack, h.sides[latItem].job.stack = shared, shared
	h.scratch = make([]latScratch, latWorkers())
	h.gs = make([]latScratch, latWorkers())
	return h, nil
}

// Name returns "htd".
func (h *HTDTerm) Name() string { return "htd" }

// Batch adds the gradient of λ·L_HTD and returns it.
func (h *HTDTerm) Batch(b *train.Batch) float64 {
	o := h.opts
	if o.Lambda == 0 || len(b.Users) == 0 {
		return 0
	}
	us, is := &h.sides[latUser], &h.sides[latItem]
	us.ids = append(us.ids[:0], b.UniqueUsers()...)
	is.ids = append(is.ids[:0], b.UniqueItems()...)
	for _, s := range []*latSide{us, is} {
		s.w = s.w[:0]
		for range s.ids {
			s.w = append(s.w, 1)
		}
	}
	// 1. Group assignment (its gates also give the hard groups).
	for side := range h.sides {
		s := &h.sides[side]
		s.load(h.teacher, h.student)
		s.job.scale = o.Lambda * (1 - o.Alpha)
		h.gates[side].logitsOf(s.t, s.job.n)
		h.gates[side].sample(b.Rand, h.tau, o.Prune, &s.job)
		h.rows += int64(s.job.n)
		h.evaluated += int64(s.job.selPtr[s.job.n])
	}
	ga := 0.0
	if o.Alpha < 1 {
		latRunBanks([]*latBankJob{&us.job, &is.job}, h.scratch)
		for side := range h.sides {
			h.gates[side].backward(h.sides[side].t, h.tau, &h.sides[side].job)
			ga += h.sides[side].job.loss
		}
	}
	ent, grp := 0.0, 0.0
	if o.Alpha > 0 {
		ent, grp = h.topology()
	}
	if o.Alpha < 1 {
		for side := range h.sides {
			h.sides[side].scatter(h.student)
		}
	}
	h.LastLoss.Entity, h.LastLoss.Group, h.LastLoss.GA = ent, grp, ga
	return o.Lambda * (o.Alpha*(ent+grp) + (1-o.Alpha)*ga)
}

// topology computes the entity- and group-level losses over V_B and adds
// λα times their gradient to the student.
func (h *HTDTerm) topology() (ent, grp float64) {
	o := h.opts
	us, is := &h.sides[latUser], &h.sides[latItem]
	nu, n := us.job.n, us.job.n+is.job.n
	ds, dt := h.student.Dim(), h.teacher.d
	ps, pt := latPad(ds), latPad(dt)
	K := o.Groups

	// Unit-length rows of V_B: student from the loaded inputs, teacher from
	// the cache.
	h.u = latGrowZero(h.u, n*ps)
	h.norms = latGrow(h.norms, n)
	latUnit(h.u, us.x, nu, ds, ps, h.norms)
	latUnit(h.u[nu*ps:], is.x, n-nu, ds, ps, h.norms[nu:])
	h.tu = latGrowZero(h.tu, n*pt)
	h.teacher.units(latUser, us.ids, h.tu, pt)
	h.teacher.units(latItem, is.ids, h.tu[nu*pt:], pt)

	// Hard groups.
	h.group = latGrowI(h.group, n)
	if len(h.members) != 2*K {
		h.members = make([][]int32, 2*K)
	}
	for k := range h.members {
		h.members[k] = h.members[k][:0]
	}
	for r := 0; r < n; r++ {
		var g int
		if r < nu {
			g = h.gates[latUser].argmax(r)
		} else {
			g = K + h.gates[latItem].argmax(r-nu)
		}
		h.group[r] = int32(g)
		h.members[g] = append(h.members[g], int32(r))
	}
	h.present = h.present[:0]
	for k := range h.members {
		if len(h.members[k]) > 0 {
			h.present = append(h.present, int32(k))
		}
	}

	// 4. Entity level.
	h.du = latGrowZero(h.du, n*ps)
	ent = h.entityLevel()

	// 5. Group level.
	grp = h.groupLevel(n, ds, dt)

	// Scale by λα, through the normalisation, plus the GA gradient, into
	// the student.
	c := float32(o.Lambda * o.Alpha)
	for k := range h.du[:n*ps] {
		h.du[k] *= c
	}
	h.dx = latGrowZero(h.dx, n*ps)
	latUnitBack(h.dx, h.du, h.u, h.norms, n, ds, ps)
	if o.Group == GroupPP {
		h.ppToMembers(c, ps)
	}
	latScatterStudent(h.student, latUser, us.ids, h.dx, ps)
	latScatterStudent(h.student, latItem, is.ids, h.dx[nu*ps:], ps)
	return ent, grp
}

// htdBlock is one group's members with their unit rows.
type htdBlock struct {
	rows    []int32
	su, tu  []float32 // m × pad(ds), m × pad(dt)
	suT     []float32 // ds × pad(m)
	m, mpad int
}

// htdTask is a panel of rows of one group's block.
type htdTask struct{ blk, i0, i1 int }

// entityLevel computes L_ent over the within-group blocks and writes its
// gradient with respect to the unit student rows into du. Work is split
// into panels of htdPanel rows of a block: row a's gradient
// Σ_b 4(A^s_ab − A^t_ab)[A^t_ab > 0]·û_b needs only row a of the block, so
// panels are independent (and a group of any size spreads over all cores).
func (h *HTDTerm) entityLevel() float64 {
	const htdPanel = 32
	ds, dt := h.student.Dim(), h.teacher.d
	ps, pt := latPad(ds), latPad(dt)
	// Blocks of groups with at least two members (a single member has only
	// the diagonal, equal to 1 on both sides).
	h.blocks = h.blocks[:0]
	for _, k := range h.present {
		if len(h.members[k]) >= 2 {
			h.blocks = append(h.blocks, htdBlock{rows: h.members[k]})
		}
	}
	if cap(h.blockBuf) < len(h.blocks) {
		h.blockBuf = make([]htdBlock, len(h.blocks))
	}
	latParallel(len(h.blocks), func(_, q int) {
		b := &h.blockBuf[:len(h.blocks)][q]
		b.rows, b.m = h.blocks[q].rows, len(h.blocks[q].rows)
		b.mpad = latPad(b.m)
		b.su = latGrow(b.su, b.m*ps)
		b.tu = latGrow(b.tu, b.m*pt)
		for a, r := range b.rows {
			copy(b.su[a*ps:(a+1)*ps], h.u[int(r)*ps:(int(r)+1)*ps])
			copy(b.tu[a*pt:(a+1)*pt], h.tu[int(r)*pt:(int(r)+1)*pt])
		}
		b.suT = latTransPad(b.suT, b.su, b.m, ds, ps)
	})
	blocks := h.blockBuf[:len(h.blocks)]
	h.tasks = h.tasks[:0]
	for q := range blocks {
		for i0 := 0; i0 < blocks[q].m; i0 += htdPanel {
			h.tasks = append(h.tasks, htdTask{q, i0, min(i0+htdPanel, blocks[q].m)})
		}
	}
	h.tloss = latGrow64(h.tloss, len(h.tasks))
	latParallel(len(h.tasks), func(w, t int) {
		tk := h.tasks[t]
		b := &blocks[tk.blk]
		p, m, mp := tk.i1-tk.i0, b.m, b.mpad
		s := &h.gs[w]
		s.a = latGrowZero(s.a, 2*p*mp)
		as, at := s.a[:p*mp], s.a[p*mp:]
		latNT(as, mp, b.su[tk.i0*ps:], p, b.su, m, ps, false)
		latNT(at, mp, b.tu[tk.i0*pt:], p, b.tu, m, pt, false)
		loss := 0.0
		for k, v := range at {
			// diff where A^t > 0, +0 elsewhere (adding 0·0 to the loss
			// leaves it unchanged), chosen without a branch: the signs of
			// A^t are a coin toss at the start of training.
			keep := uint32(0)
			if v > 0 {
				keep = ^uint32(0)
			}
			diff := math.Float32frombits(math.Float32bits(as[k]-v) & keep)
			loss += float64(diff) * float64(diff)
			as[k] = 4 * diff // ∂/∂û_a = Σ_b 4·diff_ab·û_b (the block is symmetric)
		}
		h.tloss[t] = loss
		s.d = latGrowZero(s.d, p*ps)
		latNT(s.d, ps, as, p, b.suT, ds, mp, false)
		for a := 0; a < p; a++ {
			r := int(b.rows[tk.i0+a])
			copy(h.du[r*ps:r*ps+ds], s.d[a*ps:a*ps+ds])
		}
	})
	ent := 0.0
	for _, l := range h.tloss[:len(h.tasks)] {
		ent += l
	}
	return ent
}

// groupLevel computes the prototypes and the group-level loss, adding its
// gradient with respect to the unit student rows to du (Group(P,e)) or
// keeping the gradient with respect to the student prototypes in dproto
// (Group(P,P)).
func (h *HTDTerm) groupLevel(n, ds, dt int) float64 {
	us, is := &h.sides[latUser], &h.sides[latItem]
	nu := us.job.n
	ps, pt := latPad(ds), latPad(dt)
	G := len(h.present)
	pg := latPad(G)
	frozen := h.frozenProto && len(h.ps) == G*ps
	h.pt = latGrowZero(h.pt, G*pt)
	if !frozen {
		h.ps = latGrowZero(h.ps, G*ps)
	}
	for q, k := range h.present {
		mem := h.members[k]
		for _, r := range mem {
			var srow, trow []float32
			if int(r) < nu {
				srow, trow = us.x[int(r)*ps:(int(r)+1)*ps], us.t[int(r)*pt:(int(r)+1)*pt]
			} else {
				r2 := int(r) - nu
				srow, trow = is.x[r2*ps:(r2+1)*ps], is.t[r2*pt:(r2+1)*pt]
			}
			if !frozen {
				nn.Axpy(1, srow, h.ps[q*ps:(q+1)*ps])
			}
			nn.Axpy(1, trow, h.pt[q*pt:(q+1)*pt])
		}
		inv := 1 / float32(len(mem))
		for c := range h.ps[q*ps : (q+1)*ps] {
			if !frozen {
				h.ps[q*ps+c] *= inv
			}
		}
		for c := range h.pt[q*pt : (q+1)*pt] {
			h.pt[q*pt+c] *= inv
		}
	}
	h.ptu = latGrowZero(h.ptu, G*pt)
	h.psu = latGrowZero(h.psu, G*ps)
	h.pnorm = latGrow(h.pnorm, 2*G)
	latUnit(h.ptu, h.pt, G, dt, pt, h.pnorm[G:])
	latUnit(h.psu, h.ps, G, ds, ps, h.pnorm[:G])
	loss := 0.0
	if h.opts.Group == GroupPE {
		// B = rows · prototypesᵀ (n × G, stride pg).
		h.bt = latGrowZero(h.bt, n*pg)
		h.bs = latGrowZero(h.bs, n*pg)
		latNTPar(h.bt, pg, h.tu, n, h.ptu, G, pt, false)
		latNTPar(h.bs, pg, h.u, n, h.psu, G, ps, false)
		for k := range h.bs[:n*pg] {
			diff := h.bs[k] - h.bt[k]
			loss += float64(diff) * float64(diff)
			h.bs[k] = 2 * diff
		}
		// du += (2·diff)·P̂^s
		h.tmp = latTransPad(h.tmp, h.psu, G, ds, ps) // ds × pg
		h.dproto = latGrowZero(h.dproto, n*ps)
		latNTPar(h.dproto, ps, h.bs, n, h.tmp, ds, pg, false)
		nn.Axpy(1, h.dproto[:n*ps], h.du[:n*ps])
		return loss
	}
	// Group(P,P): C = P̂P̂ᵀ (G × G, stride pg).
	h.bt = latGrowZero(h.bt, G*pg)
	h.bs = latGrowZero(h.bs, G*pg)
	latNT(h.bt, pg, h.ptu, G, h.ptu, G, pt, false)
	latNT(h.bs, pg, h.psu, G, h.psu, G, ps, false)
	for k := range h.bs[:G*pg] {
		diff := h.bs[k] - h.bt[k]
		loss += float64(diff) * float64(diff)
		h.bs[k] = 4 * diff
	}
	// ∂L/∂P̂^s = 4(C^s − C^t)·P̂^s; stored for ppToMembers.
	h.tmp = latTransPad(h.tmp, h.psu, G, ds, ps)
	h.dproto = latGrowZero(h.dproto, G*ps)
	latNT(h.dproto, ps, h.bs, G, h.tmp, ds, pg, false)
	return loss
}

// ppToMembers sends the Group(P,P) gradient with respect to the unit
// student prototypes, scaled by c, through their normalisation and the
// means into the members' raw student rows (dx).
func (h *HTDTerm) ppToMembers(c float32, ps int) {
	ds := h.student.Dim()
	G := len(h.present)
	for k := range h.dproto[:G*ps] {
		h.dproto[k] *= c
	}
	dp := make([]float32, G*ps)
	latUnitBack(dp, h.dproto, h.psu, h.pnorm[:G], G, ds, ps)
	for q, k := range h.present {
		mem := h.members[k]
		inv := 1 / float32(len(mem))
		for _, r := range mem {
			nn.Axpy(inv, dp[q*ps:(q+1)*ps], h.dx[int(r)*ps:(int(r)+1)*ps])
		}
	}
}

func init() {
	d := DefaultHTD()
	Register(Method{Name: "htd", Kind: Latent, Lambda: d.Lambda, Order: orderHTD,
		Doc: "HTD: hierarchical topology distillation over preference groups (Kang et al., KDD 2021)",
		Options: append([]Option{optFloat("alpha", d.Alpha, 0, 1, "balance α·L_TD + (1−α)·L_GA"),
			optInt("groups", d.Groups, 1, 1024, "number K of preference groups per side"), optHidden,
			optChoice("group", "pe", []string{"pe", "pp"}, "group-level topology: Group(P,e) (the reference) or Group(P,P)")},
			append(tauOptions(d.Tau), optPrune)...),
		Typed: func(env Env, o TermOptions) ([]train.Term, error) {
			teacher, student, err := latentPair(env, "htd")
			if err != nil {
				return nil, err
			}
			h := DefaultHTD()
			if p, _ := o.(*HTDOptions); p != nil {
				h = *p
			}
			h.Seed = env.Seed
			return one(HTD(teacher, student, h))
		},
		Precheck: tauPrecheck,
		Note:     tauNote,
		Build: func(env Env, v Values) ([]train.Term, error) {
			teacher, student, err := latentPair(env, v.Method())
			if err != nil {
				return nil, err
			}
			h := DefaultHTD()
			h.Lambda, h.Alpha, h.Groups, h.Hidden, h.Prune, h.Seed = v.Float("lambda"), v.Float("alpha"), v.Int("groups"), v.Int("hidden"), v.Float("prune"), env.Seed
			if v.Str("group") == "pp" {
				h.Group = GroupPP
			}
			if h.Tau, err = tauOf(v); err != nil {
				return nil, err
			}
			return one(HTD(teacher, student, h))
		},
		// Tol muted green.
		Figure: figstyle.Style{Name: "HTD", Groups: []string{figstyle.GroupLatent}, Color: "#117733", Marker: figstyle.Triangle},
	})
}

// Method names the registered method HTDOptions configures.
func (*HTDOptions) Method() string { return "htd" }

package distill

import (
	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// FTDOptions configures FTD. Start from DefaultFTD.
type FTDOptions struct {
	// Lambda is the weight λ_TD (TD notebook: 0.001).
	Lambda float64
	// SkipConstant drops Σ_{a,b}(A^t_ab)², which does not depend on the
	// student, from the returned loss: the gradient is unchanged and the
	// n·d_t² work of computing it (the bulk of the term's cost) is saved,
	// but the reported loss is then L_FTD − Σ(A^t)² (possibly negative).
	SkipConstant bool
}

// DefaultFTD returns the notebook's λ_TD = 0.001 with the exact loss.
func DefaultFTD() FTDOptions { return FTDOptions{Lambda: 0.001} }

// FTDTerm is the Full Topology Distillation term; see FTD.
type FTDTerm struct {
	opts    FTDOptions
	teacher *latTeacher
	student model.Representer

	x, u, tu, du, dx []float32 // n × pad(d_s) / n × pad(d_t)
	norms            []float32
	sT, tT           []float32 // transposes
	gss, gts, gtt    []float32
	gssP, gtsP       []float32
	tmp              []float32
}

// FTD returns the Full Topology Distillation term of TD (S. Kang, J. Hwang,
// W. Kweon, H. Yu, "Topology Distillation for Recommender System", KDD
// 2021) [methods.md §3.5], following the authors' model.py:FTD. Over the
// batch's entities V_B = uniq(B_u) followed by uniq(B_pos ∪ B_neg), with
// Ŝ and T̂ the unit-length student and teacher representations (|V_B|×d_s
// and |V_B|×d_t), the topologies are the cosine-similarity matrices
// A^s = ŜŜᵀ and A^t = T̂T̂ᵀ (user–user, user–item and item–item entries and
// the diagonal) and
//
//	L_FTD = Σ_{a,b∈V_B} (A^t_ab − A^s_ab)²,
//
// Batch returning λ·L_FTD. The |V_B|² matrices (about 3000×3000 for a
// batch of 1024) are never formed: with Gram matrices
//
//	L_FTD = ‖T̂ᵀT̂‖²_F − 2‖T̂ᵀŜ‖²_F + ‖ŜᵀŜ‖²_F,   ∂L/∂Ŝ = 4(Ŝ(ŜᵀŜ) − T̂(T̂ᵀŜ)),
//
// which costs O(|V_B|·d_t·d_s) for the gradient instead of
// O(|V_B|²·(d_t+d_s)), plus O(|V_B|·d_t²) for the constant first term
// (see FTDOptions.SkipConstant). The gradient then goes through the
// normalisation x/max(‖x‖, 1e−12) into the student. The unit-length
// teacher rows are computed once per entity and cached.
func FTD(teacher model.Embedder, student model.Representer, o FTDOptions) (*FTDTerm, error) {
	if err := latCheckPair("ftd", teacher, student); err != nil {
		return nil, err
	}
	if err := latCheckWeight("ftd", o.Lambda); err != nil {
		return nil, err
	}
	return &FTDTerm{opts: o, teacher: latNewTeacher(teacher), student: student}, nil
}

// Name returns "ftd".
func (f *FTDTerm) Name() string { return "ftd" }

// Params returns nil: FTD has no parameters of its own.
func (f *FTDTerm) Params() []*nn.Param { return nil }

// BeginEpoch does nothing: the term has no schedule.
func (f *FTDTerm) BeginEpoch(*train.Epoch) error { return nil }

// Batch adds the gradient of λ·L_FTD and returns it.
func (f *FTDTerm) Batch(b *train.Batch) float64 {
	if f.opts.Lambda == 0 || len(b.Users) == 0 {
		return 0
	}
	users, items := b.UniqueUsers(), b.UniqueItems()
	nu, n := len(users), len(users)+len(items)
	ds, dt := f.student.Dim(), f.teacher.d
	ps, pt := latPad(ds), latPad(dt)

	// Unit-length rows, users then items.
	f.x = latGrowZero(f.x, n*ps)
	f.u = latGrowZero(f.u, n*ps)
	f.tu = latGrowZero(f.tu, n*pt)
	f.norms = latGrow(f.norms, n)
	latGatherStudent(f.student, latUser, users, f.x, ps)
	latGatherStudent(f.student, latItem, items, f.x[nu*ps:], ps)
	latUnit(f.u, f.x, n, ds, ps, f.norms)
	f.teacher.units(latUser, users, f.tu, pt)
	f.teacher.units(latItem, items, f.tu[nu*pt:], pt)

	loss, du := latTopologyGram(f.u, f.tu, n, ds, dt, !f.opts.SkipConstant, &f.sT, &f.tT, &f.gss, &f.gts, &f.gtt, &f.gssP, &f.gtsP, &f.tmp, &f.du)

	// Through the normalisation, scaled by λ, into the student.
	c := float32(f.opts.Lambda)
	for k := range du[:n*ps] {
		du[k] *= c
	}
	f.dx = latGrowZero(f.dx, n*ps)
	latUnitBack(f.dx, du, f.u, f.norms, n, ds, ps)
	latScatterStudent(f.student, latUser, users, f.dx, ps)
	latScatterStudent(f.student, latItem, items, f.dx[nu*ps:], ps)
	return f.opts.Lambda * loss
}

// latTopologyGram returns L = Σ_ab (T̂T̂ᵀ − ÛÛᵀ)²_ab over the n unit rows
// u (stride pad(ds)) and tu (stride pad(dt)) through Gram matrices, and
// ∂L/∂Û = 4(Û(ÛᵀÛ) − T̂(T̂ᵀÛ)) in *du (n × pad(ds)). Without withConst the
// student-independent Σ(T̂T̂ᵀ)² is left out of L. The other pointers are
// reusable scratch.
func latTopologyGram(u, tu []float32, n, ds, dt int, withConst bool, sT, tT, gss, gts, gtt, gssP, gtsP, tmp, du *[]float32) (float64, []float32) {
	ps, pt, np := latPad(ds), latPad(dt), latPad(n)
	*sT = latTransPad(*sT, u, n, ds, ps)     // ds × np
	*tT = latTransPadPar(*tT, tu, n, dt, pt) // dt × np
	*gss = latGrow(*gss, ds*ds)
	*gts = latGrow(*gts, dt*ds)
	latNT(*gss, ds, *sT, ds, *sT, ds, np, false)
	latNTPar(*gts, ds, *tT, dt, *sT, ds, np, false)
	loss := 0.0
	for _, v := range *gss {
		loss += float64(v) * float64(v)
	}
	cross := 0.0
	for _, v := range *gts {
		cross += float64(v) * float64(v)
	}
	loss -= 2 * cross
	if withConst {
		loss += latGramSq(*tT, dt, np, gtt)
	}
	// ∂L/∂Û = 4(Û·Gss − T̂·Gts); Gss is symmetric, Gtsᵀ is ds × dt.
	*gssP = latPadRows(*gssP, *gss, ds, ds)
	*gtsP = latTransPad(*gtsP, *gts, dt, ds, ds) // ds × pt
	*du = latGrowZero(*du, n*ps)
	*tmp = latGrowZero(*tmp, n*ps)
	latNTPar(*du, ps, u, n, *gssP, ds, ps, false)
	latNTPar(*tmp, ps, tu, n, *gtsP, ds, pt, false)
	d := *du
	for k := range d[:n*ps] {
		d[k] = 4 * (d[k] - (*tmp)[k])
	}
	return loss, d
}

// latGramSq returns ‖X·Xᵀ‖²_F for the packed r×k matrix x (here X = T̂ᵀ,
// so the result is Σ_ab (t̂_a·t̂_b)²), computing only the upper triangle of
// the r×r Gram matrix, in parallel over 4-row panels.
func latGramSq(x []float32, r, k int, buf *[]float32) float64 {
	*buf = latGrow(*buf, r*r)
	g := *buf
	panels := (r + 3) / 4
	latParallel(panels, func(_, p int) {
		i0 := 4 * p
		latNTRange(g, r, x, r, x, r, k, false, i0, min(i0+4, r), i0, r)
	})
	sum := 0.0
	for i := 0; i < r; i++ {
		row := g[i*r : (i+1)*r]
		sum += float64(row[i]) * float64(row[i])
		off := 0.0
		for j := i + 1; j < r; j++ {
			off += float64(row[j]) * float64(row[j])
		}
		sum += 2 * off
	}
	return sum
}

func init() {
	d := DefaultFTD()
	Register(Method{Name: "ftd", Kind: Latent, Lambda: d.Lambda, Order: orderFTD,
		Doc:     "FTD: full topology distillation, all pairwise similarities of the batch (Kang et al., KDD 2021)",
		Options: []Option{optBool("skip-constant", d.SkipConstant, "drop the teacher-only constant from the reported loss (same gradient, faster)")},
		Typed: func(env Env, o TermOptions) ([]train.Term, error) {
			teacher, student, err := latentPair(env, "ftd")
			if err != nil {
				return nil, err
			}
			f := DefaultFTD()
			if p, _ := o.(*FTDOptions); p != nil {
				f = *p
			}
			return one(FTD(teacher, student, f))
		},
		Build: func(env Env, v Values) ([]train.Term, error) {
			teacher, student, err := latentPair(env, v.Method())
			if err != nil {
				return nil, err
			}
			f := DefaultFTD()
			f.Lambda, f.SkipConstant = v.Float("lambda"), v.Bool("skip-constant")
			return one(FTD(teacher, student, f))
		},
		// Tol muted purple.
		Figure: figstyle.Style{Name: "FTD", Groups: []string{figstyle.GroupLatent}, Color: "#AA4499", Marker: figstyle.OpenDiamond},
	})
}

// Method names the registered method FTDOptions configures.
func (*FTDOptions) Method() string { return "ftd" }

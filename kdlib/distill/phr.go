package distill

import (
	"fmt"
	"math"

	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// PHROptions configures PHR. Start from DefaultPHR.
type PHROptions struct {
	// Lambda is the weight λ_PHR (the re-implementation's lmbda_PHR, 0.01).
	Lambda float64
	// Variant is "reference" (or "") or "kdrec-v1": the defaults of Hidden
	// and Networks below, and kdrec-v1's own computation (see PHR).
	Variant string `json:",omitempty"`
	// Hidden is the hidden width H of the personalization network; 0 means
	// the variant's: d_t + d_t·d_s, the re-implementation's (4,200 for
	// 200 → 20), or ⌊(d_t+d_s)/2⌋ for kdrec-v1 (110).
	Hidden int
	// Networks is PHRShared (one personalization network for users and
	// items, the re-implementation's) or PHRPerSide (one per side); ""
	// takes the variant's: shared for the reference, per side for
	// kdrec-v1.
	Networks string `json:",omitempty"`
	// PerTriple weights every entity by its multiplicity in the batch;
	// false (the default, the re-implementation's) uses unique ids per role
	// with items weighted ½·([in B_pos] + [in B_neg]).
	PerTriple bool
	// Seed drives the initialisation.
	Seed uint64
}

// Values of PHROptions.Networks.
const (
	PHRShared  = "shared"
	PHRPerSide = "per-side"
)

// DefaultPHR returns the reference's settings: λ = 0.01, H = d_t + d_t·d_s,
// one network for users and items, unique-id weighting.
func DefaultPHR() PHROptions { return PHROptions{Lambda: 0.01} }

// phrNet is one personalization network PN : ℝ^{d_t} → ℝ^{d_t·d_s}:
// Linear(d_t → H) → ReLU → Linear(H → d_t·d_s). The reference stores the
// second layer as PyTorch does: W2 (d_t·d_s × H, row o = i·d_s + j
// generating W_e[i, j]) and its bias B2 (d_t·d_s). kdrec-v1 keeps its own
// layout, so that it reproduces its earlier numbers bit for bit: W2 holds
// B (d_t × H·d_s, B[i, k·d_s+j] = ∂W[i,j]/∂z_k) and B2 holds C (d_t × d_s,
// the same order as the reference's bias).
type phrNet struct {
	l1     *nn.Linear
	W2, B2 *nn.Param
}

// PHRTerm is the Personalized Hint Regression term; see PHR.
type PHRTerm struct {
	opts    PHROptions
	shared  bool
	teacher *latTeacher
	student model.Representer
	nets    [2]*phrNet // nets[1] == nets[0] when shared
	h       int

	sides [2]latSide
	set   latSet
	// the rows of one network's pass (both sides when shared)
	x, t []float32
	w    []float64
	// scratch
	a1, w2, w2T, z, y, gt, gtT, zT, dz, dzT, tT []float32
	dx                                          []float32
	rowLoss                                     []float64
	// kdrec-v1's scratch
	w1, bp, bT, cp, cT, q, qT, hh, dh, dhT, dq []float32
	xT                                         []float32
}

// PHR returns the Personalized Hint Regression term (S. Kang, D. Lee, W.
// Kweon, H. Yu, "Personalized Knowledge Distillation for Recommender
// System", Knowledge-Based Systems 239, 2022) [methods.md §3.4]. A
// personalization network PN generates, from the teacher's representation,
// a bridge per entity,
//
//	W_e = reshape(PN(h^t_e)) ∈ ℝ^{d_t×d_s},   PN = Linear(d_t→H)→ReLU→Linear(H→d_t·d_s),
//
// and the loss regresses the teacher's representation through it,
//
//	L_PHR = Σ_{u∈uniq(B_u)} ‖h^t_u − W_u h^s_u‖² + Σ_{i∈uniq(B_pos∪B_neg)} w_i ‖h^t_i − W_i h^s_i‖²,
//	w_i = ½·[i∈B_pos] + ½·[i∈B_neg],
//
// Batch returning λ·L_PHR. No author code is public; the reference variant
// follows the published re-implementation hieunm44/hyperkdma @ 2b4c38b:
// Models/BPR_PHR.py (class PNet: H = d_t + d_t·d_s, 4,200 for 200 → 20;
// one network, self.pnet, for users and items; W_e = reshape(PN(h^t_e),
// (d_t, d_s))) and run.py (PHR_run: the batch's users, positives and
// negatives each passed through .unique(), the loss users + ½(positives +
// negatives); λ = lmbda_PHR = 0.01, main_PHR.py). Issue 20 and methods.md
// §3.4 describe the re-implementation as regressing the full batch
// tensors; its code takes unique ids per role, which is what is done here
// (PerTriple gives the multiplicity weighting instead).
//
// What changed, and why: kdrec's first PHR (Variant "kdrec-v1", kept) used
// H = ⌊(d_t+d_s)/2⌋ (DE's expert width, 110 for 200 → 20) and one network
// per side, to keep PHR's cost near DE's; the row then did not test the
// published network (issue 20). The reference's H makes a batch cost
// 3·n·H·d_t·d_s multiply-adds (n ≈ 2,700 unique users and items per
// CiteULike batch: ~1.35·10¹¹, 38 times kdrec-v1's two networks): this is
// the arithmetic of the method, not of the implementation — every product
// of the batch pairs a different z_e with a different h^s_e, and Adam needs
// the dense gradient of the 16.8 M-weight second layer at every step.
//
// The reference is computed in its plain form, W_e materialised for the
// batch: Z = ReLU(T·A1ᵀ + a1), Y = Z·W2ᵀ (+ b2) holding every W_e, ĥ_e =
// W_e h^s_e, then dW2 = G̃ᵀ·Z with G̃_e = vec(g_e ⊗ h^s_e), g_e =
// 2λw_e(ĥ_e − h^t_e), and dZ = G̃·W2: three matrix products with inner
// dimensions H, n and d_t·d_s, one network pass for users and items
// together. The products run through simd.DotNT, whose AVX-512 blocks
// (where the machine has them) hold two 8-lane accumulators per 16-lane
// register: the same numbers bit for bit as its AVX2 path, at about twice
// the multiply-adds per cycle (TestPHRSameWithAVX512,
// BenchmarkLatentBatch/PHR). kdrec-v1 keeps its own form, W_e h^s_e = B·(z_e ⊗ h^s_e) + C·h^s_e
// (and its parameter layout, so that its numbers are those of the earlier
// code bit for bit): the same arithmetic through an n × H·d_s operand,
// faster at its H·d_s = 2,200 but at the reference's 84,000 floats per row
// (0.9 GB per batch, three times over) out of cache and 1.7 times slower
// than the plain form (BenchmarkLatentBatch, docs/latent-kd.md). The
// networks are auxiliary parameters: the distilled model is the plain
// student.
func PHR(teacher model.Embedder, student model.Representer, o PHROptions) (*PHRTerm, error) {
	v, err := checkVariant("phr", o.Variant)
	if err != nil {
		return nil, err
	}
	o.Variant = v
	if err := latCheckPair("phr", teacher, student); err != nil {
		return nil, err
	}
	if err := latCheckWeight("phr", o.Lambda); err != nil {
		return nil, err
	}
	if o.Hidden < 0 {
		return nil, fmt.Errorf("distill: phr: Hidden must be >= 0, got %d", o.Hidden)
	}
	ds, dt := student.Dim(), teacher.Dim()
	if o.Hidden == 0 {
		o.Hidden = dt + dt*ds
		if v == VariantKdrecV1 {
			o.Hidden = max((dt+ds)/2, 1)
		}
	}
	switch o.Networks {
	case "":
		o.Networks = PHRShared
		if v == VariantKdrecV1 {
			o.Networks = PHRPerSide
		}
	case PHRShared, PHRPerSide:
	default:
		return nil, fmt.Errorf("distill: phr: Networks must be %q or %q, got %q", PHRShared, PHRPerSide, o.Networks)
	}
	shared := o.Networks == PHRShared
	p := &PHRTerm{opts: o, shared: shared, teacher: latNewTeacher(teacher), student: student, h: o.Hidden}
	for side, name := range []string{"user", "item"} {
		if side == latItem && shared {
			p.nets[side] = p.nets[latUser]
			break
		}
		if shared {
			name = "shared"
		}
		rng := nn.NewRand(o.Seed, uint64(0x9e40+side))
		n := &phrNet{l1: nn.NewLinear("phr."+name+".pn.0", dt, o.Hidden, true, rng)}
		if v == VariantKdrecV1 {
			n.W2 = nn.NewParam("phr."+name+".pn.1.weight", dt, o.Hidden*ds)
			n.B2 = nn.NewParam("phr."+name+".pn.1.bias", dt, ds)
		} else {
			n.W2 = nn.NewParam("phr."+name+".pn.2.weight", dt*ds, o.Hidden)
			n.B2 = nn.NewParam("phr."+name+".pn.2.bias", 1, dt*ds)
		}
		// PyTorch's default for Linear(H → d_t·d_s): U(±1/√H) for both.
		a := 1 / math.Sqrt(float64(o.Hidden))
		nn.InitUniform(n.W2, rng, a)
		nn.InitUniform(n.B2, rng, a)
		p.nets[side] = n
	}
	p.sides[latUser].side, p.sides[latItem].side = latUser, latItem
	return p, nil
}

// Name returns "phr".
func (p *PHRTerm) Name() string { return "phr" }

// Params returns the personalization network(s).
func (p *PHRTerm) Params() []*nn.Param {
	var ps []*nn.Param
	for side, n := range p.nets {
		if side == latItem && p.shared {
			break
		}
		ps = append(ps, n.l1.W, n.l1.B, n.W2, n.B2)
	}
	return ps
}

// BeginEpoch does nothing: the term has no schedule.
func (p *PHRTerm) BeginEpoch(*train.Epoch) error { return nil }

// Batch adds the gradient of λ·L_PHR and returns it.
func (p *PHRTerm) Batch(b *train.Batch) float64 {
	if p.opts.Lambda == 0 || len(b.Users) == 0 {
		return 0
	}
	latBatchEntities(b, &p.set, &p.sides[latUser], &p.sides[latItem], p.opts.PerTriple)
	if p.opts.Variant == VariantKdrecV1 {
		loss := 0.0
		for side := range p.sides {
			s := &p.sides[side]
			s.load(p.teacher, p.student)
			loss += p.sideV1(p.nets[side], s)
			latScatterStudent(p.student, s.side, s.ids, p.dx, latPad(p.student.Dim()))
		}
		return p.opts.Lambda * loss
	}
	for side := range p.sides {
		p.sides[side].load(p.teacher, p.student)
	}
	ps := latPad(p.student.Dim())
	if p.shared {
		// One pass over both sides' rows: the users', then the items'.
		u, it := &p.sides[latUser], &p.sides[latItem]
		nu, ni := len(u.ids), len(it.ids)
		pt := latPad(p.teacher.d)
		p.x = append(append(p.x[:0], u.x[:nu*ps]...), it.x[:ni*ps]...)
		p.t = append(append(p.t[:0], u.t[:nu*pt]...), it.t[:ni*pt]...)
		p.w = append(append(p.w[:0], u.w...), it.w...)
		loss := p.pass(p.nets[0], nu+ni)
		latScatterStudent(p.student, latUser, u.ids, p.dx, ps)
		latScatterStudent(p.student, latItem, it.ids, p.dx[nu*ps:], ps)
		return p.opts.Lambda * loss
	}
	loss := 0.0
	for side := range p.sides {
		s := &p.sides[side]
		p.x, p.t, p.w = s.x, s.t, s.w
		loss += p.pass(p.nets[side], len(s.ids))
		latScatterStudent(p.student, s.side, s.ids, p.dx, ps)
	}
	return p.opts.Lambda * loss
}

// pass computes Σ w‖t − W h‖² over the n rows p.x (student, stride
// latPad(d_s)), p.t (teacher, stride latPad(d_t)) and p.w, adds λ times its
// gradient to the network and leaves λ·∂/∂h^s in p.dx.
func (p *PHRTerm) pass(net *phrNet, n int) float64 {
	ds, dt, H := p.student.Dim(), p.teacher.d, p.h
	D := dt * ds
	ps, pt, ph, pD, np := latPad(ds), latPad(dt), latPad(H), latPad(D), latPad(n)
	lam := p.opts.Lambda

	// Z = ReLU(T·A1ᵀ + a1)   (n × ph; the product writes the first H
	// columns, so only the padding is cleared)
	p.a1 = latPadRows(p.a1, net.l1.W.W, H, dt)
	p.z = latGrow(p.z, n*ph)
	if ph != H {
		for r := 0; r < n; r++ {
			clear(p.z[r*ph+H : (r+1)*ph])
		}
	}
	latNTPar(p.z, ph, p.t, n, p.a1, H, pt, false)
	for r := 0; r < n; r++ {
		row := p.z[r*ph : r*ph+H]
		for k, bv := range net.l1.B.W {
			row[k] = max(row[k]+bv, 0)
		}
	}
	// Y = Z·W2ᵀ + b2   (n × pD): row r holds W_r, W_r[i, j] at i·d_s + j.
	w2 := net.W2.W
	if ph != H {
		p.w2 = latPadRows(p.w2, w2, D, H)
		w2 = p.w2
	}
	p.y = latGrow(p.y, n*pD)
	latNTPar(p.y, pD, p.z, n, w2, D, ph, false)
	// ĥ_r = W_r h_r; the loss; g_r = 2λw_r(ĥ_r − t_r); G̃_r = g_r ⊗ h_r;
	// ∂/∂h_r = W_rᵀ g_r.
	p.gt = latGrowZero(p.gt, n*pD)
	p.dx = latGrowZero(p.dx, n*ps)
	p.rowLoss = latGrow64(p.rowLoss, n)
	const rowBlock = 64
	latParallel((n+rowBlock-1)/rowBlock, func(_, blk int) {
		for r := blk * rowBlock; r < min(n, (blk+1)*rowBlock); r++ {
			y := p.y[r*pD : r*pD+D]
			nn.Axpy(1, net.B2.W, y)
			x := p.x[r*ps : r*ps+ds]
			t := p.t[r*pt : r*pt+dt]
			gt := p.gt[r*pD : r*pD+D]
			dx := p.dx[r*ps : r*ps+ds]
			c := float32(2 * lam * p.w[r])
			l := 0.0
			for i := 0; i < dt; i++ {
				wi := y[i*ds : (i+1)*ds]
				diff := nn.Dot(wi, x) - t[i]
				l += float64(diff) * float64(diff)
				gi := c * diff
				nn.Axpy(gi, x, gt[i*ds:(i+1)*ds])
				nn.Axpy(gi, wi, dx)
			}
			p.rowLoss[r] = p.w[r] * l
		}
	})
	loss := 0.0
	for _, l := range p.rowLoss[:n] {
		loss += l
	}
	// db2 = Σ_r G̃_r (column blocks in parallel, rows in order) ;
	// dW2 += G̃ᵀ·Z   (d_t·d_s × H)
	net.B2.TouchAll()
	const colBlock = 512
	latParallel((D+colBlock-1)/colBlock, func(_, blk int) {
		c0, c1 := blk*colBlock, min(D, (blk+1)*colBlock)
		for r := 0; r < n; r++ {
			nn.Axpy(1, p.gt[r*pD+c0:r*pD+c1], net.B2.G[c0:c1])
		}
	})
	p.gtT = latTransPadPar(p.gtT, p.gt, n, D, pD) // D × np
	p.zT = latTransPadPar(p.zT, p.z, n, H, ph)    // H × np
	net.W2.TouchAll()
	latNTPar(net.W2.G, H, p.gtT, D, p.zT, H, np, true)
	// dZ = (G̃·W2) ⊙ [Z > 0]   (n × ph; the product writes the first H
	// columns and the mask clears the padding, where Z is 0)
	p.w2T = latTransPadPar(p.w2T, net.W2.W, D, H, H) // H × pD
	p.dz = latGrow(p.dz, n*ph)
	latNTPar(p.dz, ph, p.gt, n, p.w2T, H, pD, false)
	for k, v := range p.z[:n*ph] {
		if v <= 0 {
			p.dz[k] = 0
		}
	}
	// dA1 += dZᵀ·T ; da1 += Σ_r dZ_r
	p.dzT = latTransPadPar(p.dzT, p.dz, n, H, ph) // H × np
	p.tT = latTransPad(p.tT, p.t, n, dt, pt)      // dt × np
	net.l1.W.TouchAll()
	net.l1.B.TouchAll()
	latNTPar(net.l1.W.G, dt, p.dzT, H, p.tT, dt, np, true)
	for k := 0; k < H; k++ {
		sum := float32(0)
		for _, v := range p.dzT[k*np : k*np+n] {
			sum += v
		}
		net.l1.B.G[k] += sum
	}
	return loss
}

// sideV1 is kdrec-v1's pass over one side (or, with a shared network, each
// side in turn): the loss Σ w‖t − W h‖², λ times its gradient added to the
// network (W2 holding B, B2 holding C: see phrNet) and λ·∂/∂h^s left in
// p.dx. W h is B·(z ⊗ h) + C·h, one (|rows| × H·d_s)·(H·d_s × d_t)
// product: at kdrec-v1's H·d_s = 2,200 it is faster than materialising
// W_e; at the reference's 84,000 it is not (see PHR).
func (p *PHRTerm) sideV1(net *phrNet, s *latSide) float64 {
	n, ds, dt, H := len(s.ids), p.student.Dim(), p.teacher.d, p.h
	ps, pt, ph := latPad(ds), latPad(dt), latPad(H)
	hd := H * ds
	pq := latPad(hd)
	np := latPad(n)

	// z = ReLU(T·B1ᵀ + c1)   (n × ph)
	p.w1 = latPadRows(p.w1, net.l1.W.W, H, dt)
	p.z = latGrowZero(p.z, n*ph)
	latNTPar(p.z, ph, s.t, n, p.w1, H, pt, false)
	for r := 0; r < n; r++ {
		row := p.z[r*ph : r*ph+H]
		for k, bv := range net.l1.B.W {
			row[k] = max(row[k]+bv, 0)
		}
	}
	// q = z ⊗ h   (n × pq), q[k·ds+j] = z_k·h_j
	p.q = latGrowZero(p.q, n*pq)
	for r := 0; r < n; r++ {
		x := s.x[r*ps : r*ps+ds]
		qr := p.q[r*pq:]
		for k, zk := range p.z[r*ph : r*ph+H] {
			dst := qr[k*ds : (k+1)*ds]
			if zk == 0 {
				clear(dst)
				continue
			}
			for j, xv := range x {
				dst[j] = zk * xv
			}
		}
	}
	// ĥ = q·Bᵀ + h·Cᵀ   (n × pt)
	p.bp = latPadRows(p.bp, net.W2.W, dt, hd)
	p.cp = latPadRows(p.cp, net.B2.W, dt, ds)
	p.hh = latGrowZero(p.hh, n*pt)
	latNTPar(p.hh, pt, p.q, n, p.bp, dt, pq, false)
	latNTPar(p.hh, pt, s.x, n, p.cp, dt, ps, true)
	// loss and dĥ = 2λw(ĥ − t)
	p.dh = latGrowZero(p.dh, n*pt)
	loss := 0.0
	for r := 0; r < n; r++ {
		c := float32(2 * p.opts.Lambda * s.w[r])
		l := 0.0
		for i := 0; i < dt; i++ {
			diff := p.hh[r*pt+i] - s.t[r*pt+i]
			l += float64(diff) * float64(diff)
			p.dh[r*pt+i] = c * diff
		}
		loss += s.w[r] * l
	}
	// dB += dĥᵀ·q ; dC += dĥᵀ·h
	p.dhT = latTransPad(p.dhT, p.dh, n, dt, pt) // dt × np
	p.qT = latTransPad(p.qT, p.q, n, hd, pq)    // hd × np
	p.xT = latTransPad(p.xT, s.x, n, ds, ps)    // ds × np
	net.W2.TouchAll()
	net.B2.TouchAll()
	latNTPar(net.W2.G, hd, p.dhT, dt, p.qT, hd, np, true)
	latNT(net.B2.G, ds, p.dhT, dt, p.xT, ds, np, true)
	// dq = dĥ·B (n × pq) ; dh^s = dĥ·C + Σ_k dq_k z_k ; dz_k = dq_k·h
	p.bT = latTransPad(p.bT, net.W2.W, dt, hd, hd) // hd × pt
	p.cT = latTransPad(p.cT, net.B2.W, dt, ds, ds) // ds × pt
	p.dq = latGrowZero(p.dq, n*pq)
	latNTPar(p.dq, pq, p.dh, n, p.bT, hd, pt, false)
	p.dx = latGrowZero(p.dx, n*ps)
	latNT(p.dx, ps, p.dh, n, p.cT, ds, pt, false)
	p.dz = latGrowZero(p.dz, n*ph)
	for r := 0; r < n; r++ {
		x := s.x[r*ps : r*ps+ds]
		dxr := p.dx[r*ps : r*ps+ds]
		z := p.z[r*ph : r*ph+H]
		dqr := p.dq[r*pq:]
		for k := 0; k < H; k++ {
			g := dqr[k*ds : (k+1)*ds]
			if z[k] > 0 {
				p.dz[r*ph+k] = nn.Dot(g, x)
				nn.Axpy(z[k], g, dxr)
			}
		}
	}
	// dB1 += dzᵀ·T ; dc1 += Σ dz
	p.dzT = latTransPad(p.dzT, p.dz, n, H, ph) // H × np
	p.tT = latTransPad(p.tT, s.t, n, dt, pt)   // dt × np
	net.l1.W.TouchAll()
	net.l1.B.TouchAll()
	latNT(net.l1.W.G, dt, p.dzT, H, p.tT, dt, np, true)
	for k := 0; k < H; k++ {
		sum := float32(0)
		for _, v := range p.dzT[k*np : k*np+n] {
			sum += v
		}
		net.l1.B.G[k] += sum
	}
	return loss
}

// phrResolve returns PHR's options from checked values: the variant's
// defaults for hidden and shared unless given.
func phrResolve(v Values, seed uint64) PHROptions {
	p := DefaultPHR()
	p.Lambda, p.Variant, p.PerTriple, p.Seed = v.Float("lambda"), v.Str("variant"), v.Bool("per-triple"), seed
	p.Hidden = v.Int("hidden")
	if v.Given("shared") {
		p.Networks = PHRPerSide
		if v.Bool("shared") {
			p.Networks = PHRShared
		}
	}
	return p
}

func init() {
	d := DefaultPHR()
	Register(Method{Name: "phr", Kind: Latent, Lambda: d.Lambda, Order: orderPHR,
		Doc: "PHR: personalised hint regression, a mapping generated per entity (Kang et al., KBS 2022; hyperkdma's network)",
		Options: []Option{
			optChoice("variant", VariantReference, variants, "reference: hyperkdma's PHR (Models/BPR_PHR.py, run.py); kdrec-v1: kdrec's earlier smaller networks (hidden ⌊(d_t+d_s)/2⌋, one per side, unless given)"),
			optInt("hidden", 0, 0, 65536, "hidden width of the personalisation network (0: d_t + d_t·d_s, the reference's; kdrec-v1: ⌊(d_t+d_s)/2⌋)"),
			optBool("shared", true, "one personalisation network for users and items (the reference's; kdrec-v1: one per side unless given)"),
			optBool("per-triple", d.PerTriple, "weight entities by their multiplicity in the batch (false: unique ids per role, the reference's)")},
		Typed: func(env Env, o TermOptions) ([]train.Term, error) {
			teacher, student, err := latentPair(env, "phr")
			if err != nil {
				return nil, err
			}
			p := DefaultPHR()
			if q, _ := o.(*PHROptions); q != nil {
				p = *q
			}
			p.Seed = env.Seed
			return one(PHR(teacher, student, p))
		},
		Build: func(env Env, v Values) ([]train.Term, error) {
			teacher, student, err := latentPair(env, v.Method())
			if err != nil {
				return nil, err
			}
			return one(PHR(teacher, student, phrResolve(v, env.Seed)))
		},
		// Tol muted teal.
		Figure: figstyle.Style{Name: "PHR", Groups: []string{figstyle.GroupLatent}, Color: "#44AA99", Marker: figstyle.DownTriangle},
	})
}

// Method names the registered method PHROptions configures.
func (*PHROptions) Method() string { return "phr" }

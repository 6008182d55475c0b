package model

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

func init() {
	RegisterKind(Kind{
		Name:    "neumf",
		Shapes:  func(raw json.RawMessage) ([]TensorShape, error) { return ncfShapes(raw, true) },
		Doc:     "NeuMF: GMF + MLP towers, BCE on sampled negatives (He et al., WWW 2017)",
		Options: ncfOptions,
		Family:  "DL",
		Student: true,
		Train:   ncfTrainDefaults,
		Build: func(c BuildConfig, _ *data.Interactions) (*Built, error) {
			m, err := NewNeuMF(ncfConfig(c))
			if err != nil {
				return nil, err
			}
			return &Built{Model: m, Loss: m.Loss(), Examples: train.Pairwise}, nil
		},
		Decode: decodeJSON(NewNeuMF),
		// Tol vibrant orange: Tol's bright scheme has one colour too few.
		Figure: figstyle.Style{Name: "NeuMF", Groups: []string{figstyle.GroupModel}, Color: "#EE7733", Marker: figstyle.Triangle},
	})
}

// ncfOptions are the options of NeuMF and MLP.
var ncfOptions = []Option{
	SizeOption("dim", 60, "embedding size d"),
	IntOption("layers", 1, 1, 8, "hidden layers of the MLP tower (each halves the width)"),
	PositiveOption("init-std", 0.01, 10, "standard deviation of the N(0, std²) embedding initialisation"),
	IntOption("negatives", 1, 1, 64, "sampled negatives per positive in the BCE loss (reference 1; the NCF paper uses 4)"),
}

// ncfConfig returns the configuration of NeuMF and MLP from their options.
func ncfConfig(c BuildConfig) NCFConfig {
	return NCFConfig{Users: c.Users, Items: c.Items, Dim: c.Options.Int("dim"), Layers: c.Options.Int("layers"),
		InitStd: c.Options.Float("init-std"), Negatives: c.Options.Int("negatives"), Seed: c.Seed}
}

// NCFConfig holds the hyper-parameters of the neural collaborative
// filtering models NeuMF and MLP (defaults of RS_Implicit main.py).
type NCFConfig struct {
	// Users and Items give the index spaces, Dim the embedding size d of
	// every embedding table (reference 60).
	Users, Items, Dim int
	// Layers is the number of hidden layers of the MLP tower (0 selects the
	// reference 1). Layer k maps width w to ⌊w/2⌋, starting from 2d, so one
	// layer is 2d → d, two are 2d → d → ⌊d/2⌋.
	Layers int
	// InitStd is the standard deviation of the N(0, InitStd²) embedding
	// initialisation (0 selects the reference 0.01).
	InitStd float64
	// Seed drives the initialisation.
	Seed uint64
	// Negatives is the number of sampled negatives per positive of the BCE
	// loss (0 selects the reference 1: the trainer's one negative per
	// triple). Each extra negative is drawn uniformly from the items that
	// are not the user's training positives, from the batch's generator.
	// He et al. (WWW 2017, §4.4) sample 4 per positive and report 3–6 as
	// best; RS_Implicit samples 1.
	Negatives int `json:",omitempty"`
}

// NeuMF is neural matrix factorisation (He et al., "Neural Collaborative
// Filtering", WWW 2017) as in RS_Implicit Models/NeuMF.py [methods.md §3.1]:
// a GMF branch and an MLP tower over separate embeddings, joined by one
// output unit,
//
//	x_ui = [p^MLP_u ; q^MLP_i]                     (2d)
//	h_ui = ReLU(W_L … ReLU(W_1 x_ui + b_1) … + b_L) (tower, widths 2d → d → …)
//	s_ui = w·[p^MF_u ⊙ q^MF_i ; h_ui] + b
//	L    = Σ_{(u,i,j)∈B} softplus(−s_ui) + softplus(s_uj)
//
// i.e. binary cross-entropy with logits, summed, label 1 on the positive and
// 0 on the sampled negative. Embeddings are N(0, 0.01²); tower weights are
// Xavier-uniform; the output weight is Kaiming-uniform as the reference's
// kaiming_uniform_(a=1, nonlinearity='relu'), where PyTorch ignores a for
// 'relu' (gain √2), giving U(±√(6/fan_in)); every bias starts at 0. The
// reference sizes the output layer 2·(tower width), which only equals
// d + (tower width) for one hidden layer; here it is always d + width.
//
// Latent distillation uses the GMF embeddings (P^MF, Q^MF): the spec leaves
// the NeuMF representation open [methods.md §5 item 12]. GMF rows are
// per-entity vectors of the configured size d whose weighted inner product
// w_g·(p⊙q) is NeuMF's MF-like score component, so the hint/expert/topology
// terms compare them as they compare BPR embeddings, and the third-party
// DE/PHR code for NeuMF distils exactly these. The MLP embeddings enter the
// score only through W_1, so their geometry is not comparable across models.
//
// NeuMF is a train.Forwarder only to learn when a training step ends; its
// Forward does nothing.
type NeuMF struct{ *ncf }

// NewNeuMF builds a NeuMF model; it reports invalid sizes.
func NewNeuMF(cfg NCFConfig) (*NeuMF, error) {
	c, err := newNCF("neumf", cfg, true)
	if err != nil {
		return nil, err
	}
	return &NeuMF{c}, nil
}

// Kind returns "neumf".
func (m *NeuMF) Kind() string { return "neumf" }

// Dim returns the size d of the GMF embeddings, the representations used by
// latent distillation.
func (m *NeuMF) Dim() int { return m.cfg.Dim }

// UserVecs copies the GMF user embeddings p^MF_u.
func (m *NeuMF) UserVecs(users []int32, out []float32) { gatherRows(m.PMF, users, out) }

// ItemVecs copies the GMF item embeddings q^MF_i.
func (m *NeuMF) ItemVecs(items []int32, out []float32) { gatherRows(m.QMF, items, out) }

// UserRep returns p^MF_u (a view of the table row).
func (m *NeuMF) UserRep(u int32) []float32 { return m.PMF.Row(int(u)) }

// ItemRep returns q^MF_i (a view of the table row).
func (m *NeuMF) ItemRep(i int32) []float32 { return m.QMF.Row(int(i)) }

// UserRepGrad returns the gradient accumulator of p^MF_u.
func (m *NeuMF) UserRepGrad(u int32) []float32 { m.cache.invalidate(); return m.PMF.GradRow(int(u)) }

// ItemRepGrad returns the gradient accumulator of q^MF_i.
func (m *NeuMF) ItemRepGrad(i int32) []float32 { m.cache.invalidate(); return m.QMF.GradRow(int(i)) }

// ncf is the shared implementation of NeuMF (gmf true) and MLP (gmf false).
type ncf struct {
	cfg  NCFConfig
	kind string
	// PMF and QMF are the GMF user and item embeddings (nil for MLP).
	PMF, QMF *nn.Param
	// PMLP and QMLP are the user and item embeddings of the MLP tower.
	PMLP, QMLP *nn.Param
	// Tower holds the hidden layers; a ReLU follows every one of them
	// (nn.MLP omits it after its last layer, ncf applies it).
	Tower *nn.MLP
	// Out is the output layer (one unit) over [GMF product ; tower output].
	Out *nn.Linear

	gmf   int // width of the GMF part of Out's input: d or 0
	cache derived
	// itemPre is the item half of the first tower layer, W_1[:, d:2d]·q^MLP_i
	// for every item (items × width₁), derived for scoring.
	itemPre []float32
	work    sync.Pool // *ncfWork
}

func newNCF(kind string, cfg NCFConfig, gmf bool) (*ncf, error) {
	if cfg.Users <= 0 || cfg.Items <= 0 {
		return nil, fmt.Errorf("%s: need users > 0 and items > 0, got %d and %d", kind, cfg.Users, cfg.Items)
	}
	if cfg.Dim <= 0 {
		return nil, fmt.Errorf("%s: dim must be > 0, got %d", kind, cfg.Dim)
	}
	if cfg.Layers == 0 {
		cfg.Layers = 1
	}
	if cfg.InitStd == 0 {
		cfg.InitStd = 0.01
	}
	if cfg.Negatives == 1 {
		cfg.Negatives = 0 // the reference: one config, one checkpoint header
	}
	if cfg.Negatives < 0 {
		return nil, fmt.Errorf("%s: negatives must be >= 1, got %d", kind, cfg.Negatives)
	}
	if !(cfg.InitStd > 0) {
		return nil, fmt.Errorf("%s: init std must be > 0, got %v", kind, cfg.InitStd)
	}
	sizes := []int{2 * cfg.Dim}
	for k := 0; k < cfg.Layers; k++ {
		sizes = append(sizes, sizes[k]/2)
	}
	if cfg.Layers < 0 || sizes[len(sizes)-1] < 1 {
		return nil, fmt.Errorf("%s: %d hidden layers do not fit dim %d (widths halve from 2d)", kind, cfg.Layers, cfg.Dim)
	}
	m := &ncf{cfg: cfg, kind: kind}
	rng := nn.NewRand(cfg.Seed, 0x4e4346)
	d := cfg.Dim
	if gmf {
		m.gmf = d
		m.PMF, m.QMF = nn.NewParam("user_emb_mf", cfg.Users, d), nn.NewParam("item_emb_mf", cfg.Items, d)
		nn.InitNormal(m.PMF, rng, 0, cfg.InitStd)
		nn.InitNormal(m.QMF, rng, 0, cfg.InitStd)
	}
	m.PMLP, m.QMLP = nn.NewParam("user_emb_mlp", cfg.Users, d), nn.NewParam("item_emb_mlp", cfg.Items, d)
	nn.InitNormal(m.PMLP, rng, 0, cfg.InitStd)
	nn.InitNormal(m.QMLP, rng, 0, cfg.InitStd)
	m.Tower = nn.NewMLP("tower", sizes, rng)
	for _, l := range m.Tower.Layers {
		nn.InitXavierUniform(l.W, rng)
		clear(l.B.W)
	}
	m.Out = nn.NewLinear("out", m.gmf+m.Tower.Out(), 1, true, rng)
	nn.InitKaimingUniform(m.Out.W, rng, 0)
	clear(m.Out.B.W)
	first := m.Tower.Layers[0]
	m.cache.src = []*nn.Param{m.QMLP, first.W, first.B}
	return m, nil
}

// Config returns the model's hyper-parameters.
func (m *ncf) Config() any { return m.cfg }

// Params returns the embeddings (GMF first for NeuMF), then the tower's
// and the output layer's weights and biases.
func (m *ncf) Params() []*nn.Param {
	var ps []*nn.Param
	if m.gmf > 0 {
		ps = append(ps, m.PMF, m.QMF)
	}
	ps = append(ps, m.PMLP, m.QMLP)
	ps = append(ps, m.Tower.Params()...)
	return append(ps, m.Out.Params()...)
}

// NumParams returns the number of scalar parameters.
func (m *ncf) NumParams() int { return nn.CountParams(m.Params()) }

// NumUsers returns the size of the user index space.
func (m *ncf) NumUsers() int { return m.cfg.Users }

// NumItems returns the size of the item index space.
func (m *ncf) NumItems() int { return m.cfg.Items }

// TrainDefaults returns the reference training settings of RS_Implicit
// main.py: train.Defaults with Adam lr 1e-3, weight decay 1e-4, batches of
// 512 triples (one sampled negative per positive).
func (m *ncf) TrainDefaults() train.Config { return ncfTrainDefaults() }

// ncfTrainDefaults returns the settings of NeuMF's and MLP's TrainDefaults.
func ncfTrainDefaults() train.Config {
	c := train.Defaults()
	c.LR, c.WeightDecay, c.BatchSize = 1e-3, 1e-4, 512
	return c
}

// Invalidate drops the scoring cache; call it after writing parameter
// values by hand (training and checkpoint loading need no call).
func (m *ncf) Invalidate() { m.cache.invalidate() }

// Forward does nothing: the model computes its scores inside its terms.
func (m *ncf) Forward(*train.Batch) error { return nil }

// Backward marks the scoring cache stale before the optimizer step.
func (m *ncf) Backward(*train.Batch) error { m.cache.invalidate(); return nil }

// ncfWork holds the buffers of one forward/backward pass over n pairs.
type ncfWork struct {
	users, items              []int32
	x, f, z, dz, df, dt, dx   []float32
	cache                     *nn.MLPCache
	au, wp, h, h2, blk, itemv []float32
}

func (m *ncf) getWork() *ncfWork {
	if w, ok := m.work.Get().(*ncfWork); ok {
		return w
	}
	return &ncfWork{}
}

// forward computes the logits of the pairs (w.users[k], w.items[k]) into
// w.z, keeping what backward needs.
func (m *ncf) forward(w *ncfWork) {
	n, d := len(w.users), m.cfg.Dim
	w.x = growF(w.x, n*2*d)
	for k := range w.users {
		u, i := int(w.users[k]), int(w.items[k])
		copy(w.x[k*2*d:], m.PMLP.Row(u))
		copy(w.x[k*2*d+d:(k+1)*2*d], m.QMLP.Row(i))
	}
	var t []float32
	t, w.cache = m.Tower.Forward(w.x, n, w.cache)
	wl, in := m.Tower.Out(), m.Out.In
	w.f = growF(w.f, n*in)
	for k := range w.users {
		row := w.f[k*in : (k+1)*in]
		if m.gmf > 0 {
			p, q := m.PMF.Row(int(w.users[k])), m.QMF.Row(int(w.items[k]))
			for c := range d {
				row[c] = p[c] * q[c]
			}
		}
		copy(row[m.gmf:], t[k*wl:(k+1)*wl])
		relu(row[m.gmf:])
	}
	w.z = growF(w.z, n)
	m.Out.Forward(w.f, n, w.z)
}

// backward adds the parameter gradients for ∂L/∂z = w.dz.
func (m *ncf) backward(w *ncfWork) {
	n, d := len(w.users), m.cfg.Dim
	in, wl := m.Out.In, m.Tower.Out()
	w.df = growF(w.df, n*in)
	m.Out.Backward(w.f, n, w.dz, w.df)
	w.dt = growF(w.dt, n*wl)
	for k := range w.users {
		row, g := w.f[k*in:(k+1)*in], w.df[k*in:(k+1)*in]
		if m.gmf > 0 {
			u, i := int(w.users[k]), int(w.items[k])
			p, q := m.PMF.Row(u), m.QMF.Row(i)
			gp, gq := m.PMF.GradRow(u), m.QMF.GradRow(i)
			for c := range d {
				gp[c] += g[c] * q[c]
				gq[c] += g[c] * p[c]
			}
		}
		dt := w.dt[k*wl : (k+1)*wl]
		for c := range dt {
			if row[m.gmf+c] > 0 {
				dt[c] = g[m.gmf+c]
			} else {
				dt[c] = 0
			}
		}
	}
	w.dx = growF(w.dx, n*2*d)
	m.Tower.Backward(w.cache, w.dt, w.dx)
	for k := range w.users {
		nn.Axpy(1, w.dx[k*2*d:k*2*d+d], m.PMLP.GradRow(int(w.users[k])))
		nn.Axpy(1, w.dx[k*2*d+d:(k+1)*2*d], m.QMLP.GradRow(int(w.items[k])))
	}
}

// Loss returns the summed binary cross-entropy over the batch's positive
// (label 1) and negative (label 0) pairs as a training term.
func (m *ncf) Loss() train.Term { return &ncfLoss{m: m} }

type ncfLoss struct{ m *ncf }

func (l *ncfLoss) Name() string                  { return l.m.kind }
func (l *ncfLoss) BeginEpoch(*train.Epoch) error { return nil }
func (l *ncfLoss) Params() []*nn.Param           { return nil }
func (l *ncfLoss) Batch(b *train.Batch) float64 {
	if l.m.cfg.Negatives <= 1 {
		return l.m.bceBatch(b.Users, b.Pos, b.Users, b.Neg)
	}
	// The trainer's negative of every triple, then Negatives−1 more per
	// triple, uniform over the items outside the user's training set.
	extra := l.m.cfg.Negatives - 1
	nu := make([]int32, 0, len(b.Users)*l.m.cfg.Negatives)
	ni := make([]int32, 0, cap(nu))
	nu, ni = append(nu, b.Users...), append(ni, b.Neg...)
	items := l.m.cfg.Items
	for _, u := range b.Users {
		if len(b.Train.Items(int(u))) >= items {
			continue // no unobserved item to draw
		}
		for range extra {
			j := int32(b.Rand.IntN(items))
			for b.Train.Has(int(u), j) {
				j = int32(b.Rand.IntN(items))
			}
			nu, ni = append(nu, u), append(ni, j)
		}
	}
	return l.m.bceBatch(b.Users, b.Pos, nu, ni)
}

// bceBatch adds the gradient of Σ_k ℓ(s_{u_k i_k}, 1) + Σ_k ℓ(s_{v_k j_k}, 0)
// over the positive pairs (users, pos) and the negative pairs (negUsers,
// neg), and returns it, with ℓ the binary cross-entropy with logits.
func (m *ncf) bceBatch(users, pos, negUsers, neg []int32) float64 {
	m.cache.invalidate()
	w := m.getWork()
	defer m.work.Put(w)
	b := len(users)
	w.users = append(append(w.users[:0], users...), negUsers...)
	w.items = append(append(w.items[:0], pos...), neg...)
	m.forward(w)
	w.dz = growF(w.dz, len(w.users))
	loss := 0.0
	for k, z := range w.z {
		y := 0.0
		if k < b {
			y = 1
		}
		l, g := nn.BCEWithLogits(float64(z), y)
		loss += l
		w.dz[k] = float32(g)
	}
	m.backward(w)
	return loss
}

// ScorePairs writes s(users[k], items[k]) into out[k] with a full forward
// pass (no cache: meant for training, where the parameters change at every
// step).
func (m *ncf) ScorePairs(users, items []int32, out []float32) {
	w := m.getWork()
	defer m.work.Put(w)
	w.users, w.items = append(w.users[:0], users...), append(w.items[:0], items...)
	m.forward(w)
	copy(out, w.z)
}

// AddScoreGrad adds Σ_k g[k]·∂s(users[k], items[k])/∂θ into the gradients
// of every parameter (embeddings, tower and output layer).
func (m *ncf) AddScoreGrad(users, items []int32, g []float32) {
	m.cache.invalidate()
	w := m.getWork()
	defer m.work.Put(w)
	w.users, w.items = append(w.users[:0], users...), append(w.items[:0], items...)
	m.forward(w)
	w.dz = append(w.dz[:0], g[:len(users)]...)
	m.backward(w)
}

// buildItemPre computes itemPre = Q^MLP · W_1[:, d:2d]ᵀ.
func (m *ncf) buildItemPre() {
	d, l := m.cfg.Dim, m.Tower.Layers[0]
	wi := make([]float32, l.Out*d)
	for r := 0; r < l.Out; r++ {
		copy(wi[r*d:(r+1)*d], l.W.W[r*2*d+d:(r+1)*2*d])
	}
	m.itemPre = growF(m.itemPre, m.cfg.Items*l.Out)
	parallelFor(m.cfg.Items, 512, nil, func(lo, hi int) {
		nn.Gemm(false, true, hi-lo, l.Out, d, m.QMLP.W[lo*d:hi*d], wi, m.itemPre[lo*l.Out:hi*l.Out], 0)
	})
}

// scoreBlock is the number of items scored together by deeper towers.
const scoreBlock = 128

// score writes the scores of user u for items (all items when items is
// nil) into out. The first tower layer splits into a user half, computed
// once here, and the cached item half, so with one hidden layer an item
// costs O(width) instead of O(d·width); deeper towers run their other
// layers as small matrix products over blocks of items.
func (m *ncf) score(u int, items []int32, out []float32) {
	m.cache.ensure(m.buildItemPre)
	w := m.getWork()
	defer m.work.Put(w)
	d, first := m.cfg.Dim, m.Tower.Layers[0]
	w1 := first.Out
	w.au = growF(w.au, w1)
	p := m.PMLP.Row(u)
	for r := range w1 {
		w.au[r] = nn.Dot(first.W.W[r*2*d:r*2*d+d], p) + first.B.W[r]
	}
	n := m.cfg.Items
	if items != nil {
		n = len(items)
	}
	item := func(k int) int {
		if items != nil {
			return int(items[k])
		}
		return k
	}
	// GMF part: (w_g ⊙ p^MF_u)·q^MF_i, then the output bias.
	ow, bias := m.Out.W.W, m.Out.B.W[0]
	if m.gmf > 0 {
		w.wp = growF(w.wp, d)
		pm := m.PMF.Row(u)
		for c := range d {
			w.wp[c] = ow[c] * pm[c]
		}
		if items == nil {
			nn.MatVec(m.QMF.W, n, w.wp, out)
		} else {
			for k := range n {
				out[k] = nn.Dot(w.wp, m.QMF.Row(item(k)))
			}
		}
	} else {
		clear(out[:n])
	}
	wTower := ow[m.gmf:]
	if len(m.Tower.Layers) == 1 {
		for k := range n {
			i := item(k)
			out[k] += reluDot(m.itemPre[i*w1:(i+1)*w1], w.au, wTower) + bias
		}
		return
	}
	wl := m.Tower.Out()
	for lo := 0; lo < n; lo += scoreBlock {
		hi := min(lo+scoreBlock, n)
		w.h = growF(w.h, (hi-lo)*w1)
		for k := lo; k < hi; k++ {
			i := item(k)
			row := w.h[(k-lo)*w1 : (k-lo+1)*w1]
			for t, a := range m.itemPre[i*w1 : (i+1)*w1] {
				row[t] = max(a+w.au[t], 0)
			}
		}
		h := w.h
		for _, l := range m.Tower.Layers[1:] {
			w.h2 = growF(w.h2, (hi-lo)*l.Out)
			l.Forward(h, hi-lo, w.h2)
			relu(w.h2)
			h, w.h2 = w.h2, h
		}
		w.h = h // w.h and w.h2 stay distinct buffers
		for k := lo; k < hi; k++ {
			out[k] += nn.Dot(wTower, h[(k-lo)*wl:(k-lo+1)*wl]) + bias
		}
	}
}

// reluDot returns Σ_t w[t]·max(a[t]+b[t], 0), the one-layer tower's
// contribution to a score (four independent sums; branch-free max).
func reluDot(a, b, w []float32) float32 {
	a, w = a[:len(b)], w[:len(b)]
	var s0, s1, s2, s3 float32
	t := 0
	for ; t+4 <= len(b); t += 4 {
		s0 += w[t] * max(a[t]+b[t], 0)
		s1 += w[t+1] * max(a[t+1]+b[t+1], 0)
		s2 += w[t+2] * max(a[t+2]+b[t+2], 0)
		s3 += w[t+3] * max(a[t+3]+b[t+3], 0)
	}
	for ; t < len(b); t++ {
		s0 += w[t] * max(a[t]+b[t], 0)
	}
	return (s0 + s1) + (s2 + s3)
}

// ScoreItems writes s(u, items[k]) into out[k].
func (m *ncf) ScoreItems(u int, items []int32, out []float32) { m.score(u, items, out) }

// ScoreAll writes s(u, i) for every item.
func (m *ncf) ScoreAll(u int, out []float32) { m.score(u, nil, out) }

package model

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

func init() {
	RegisterKind(Kind{
		Name: "cml",
		Shapes: func(raw json.RawMessage) ([]TensorShape, error) {
			var c CMLConfig
			if err := json.Unmarshal(raw, &c); err != nil {
				return nil, err
			}
			return embShapes("user_emb", "item_emb", c.Users, c.Items, c.Dim), nil
		},
		Doc: "CML: collaborative metric learning, hinge loss with margin, max-norm 1 (Hsieh et al., WWW 2017)",
		Options: []Option{
			SizeOption("dim", 64, "embedding size d"),
			PositiveOption("margin", 1, 100, "hinge margin"),
			FloatOption("init-std", 0, 0, 10, "standard deviation of the N(0, std²) initialisation (0: 1/√d, the reference)"),
		},
		Family:  "ML",
		Student: true,
		Train:   cmlTrainDefaults,
		Build: func(c BuildConfig, _ *data.Interactions) (*Built, error) {
			m, err := NewCML(CMLConfig{Users: c.Users, Items: c.Items, Dim: c.Options.Int("dim"), Margin: c.Options.Float("margin"),
				InitStd: c.Options.Float("init-std"), Seed: c.Seed})
			if err != nil {
				return nil, err
			}
			return &Built{Model: m, Loss: m.Loss(), Examples: train.Pairwise}, nil
		},
		Decode: decodeJSON(NewCML),
		// Tol bright purple; ML is the dissertation's name of HetComp's CML teacher.
		Figure: figstyle.Style{Name: "CML", Aliases: []string{"ML"}, Groups: []string{figstyle.GroupModel}, Color: "#AA3377", Marker: figstyle.Pyramid},
	})
}

// CMLConfig holds the hyper-parameters of a CML model (defaults of
// RS_Implicit Models/CML.py and main.py).
type CMLConfig struct {
	// Users and Items give the index spaces, Dim the embedding size
	// (reference 60).
	Users, Items, Dim int
	// Margin is the hinge margin m (0 selects the reference 1).
	Margin float64
	// MaxNorm bounds the norm of every embedding (0 selects the reference 1).
	MaxNorm float64
	// InitStd is the standard deviation of the N(0, InitStd²)
	// initialisation (0 selects the reference 1/√d).
	InitStd float64
	// Seed drives the initialisation.
	Seed uint64
}

// CML is collaborative metric learning (Hsieh et al., "Collaborative Metric
// Learning", WWW 2017) as in RS_Implicit Models/CML.py [methods.md §3.1]:
// users and items are points of ℝ^d, closer means more relevant,
//
//	s_ui = −‖ū − ī‖²
//	L    = Σ_{(u,i,j)∈B} max(0, m + ‖ū − ī‖² − ‖ū − j̄‖²)       (m = 1)
//
// where v̄ = v·min(1, c/(‖v‖+10⁻⁷)) is an embedding renormalised to the
// max-norm c = 1. Embeddings start from N(0, 1/d).
//
// Max-norm: the reference declares torch.nn.Embedding(max_norm=1), which
// rescales, in place and without gradient, every row looked up whose norm
// exceeds c, at lookup time — so the loss sees renormalised rows and the
// optimizer then moves them again. CML reproduces this: its loss term
// renormalises in place the rows of the batch's users, positives and
// negatives before computing the hinge (keep it first among the terms, so
// distillation terms read the renormalised rows), and every reader — the
// Scorer and Embedder methods, ScorePairs and AddScoreGrad — uses v̄,
// computed on the fly without writing, so evaluation equals the reference's
// renormalising lookup. Gradients are taken with the scale held constant,
// as PyTorch's in-place renormalisation does.
//
// Scores are negative squared distances, so every protocol's "higher ranks
// first" ranks by ascending distance. The representations for latent
// distillation are the (renormalised) embeddings. CML is a train.Forwarder
// only to learn when a training step ends (its cached item norms go stale);
// its Forward does nothing.
type CML struct {
	cfg CMLConfig
	// P and Q are the user and item embeddings.
	P, Q *nn.Param

	// For scoring: the max-norm scale c_i of every item and c_i²‖q_i‖², so
	// ScoreAll is one matrix–vector product (see derived in zoo.go).
	cache          derived
	itemC, itemSq2 []float32
}

// NewCML builds a CML model; it reports invalid sizes.
func NewCML(cfg CMLConfig) (*CML, error) {
	if cfg.Users <= 0 || cfg.Items <= 0 {
		return nil, fmt.Errorf("cml: need users > 0 and items > 0, got %d and %d", cfg.Users, cfg.Items)
	}
	if cfg.Dim <= 0 {
		return nil, fmt.Errorf("cml: dim must be > 0, got %d", cfg.Dim)
	}
	if cfg.Margin == 0 {
		cfg.Margin = 1
	}
	if cfg.MaxNorm == 0 {
		cfg.MaxNorm = 1
	}
	if cfg.InitStd == 0 {
		cfg.InitStd = 1 / math.Sqrt(float64(cfg.Dim))
	}
	if !(cfg.Margin > 0) || !(cfg.MaxNorm > 0) || !(cfg.InitStd > 0) {
		return nil, fmt.Errorf("cml: margin, max norm and init std must be > 0, got %v, %v, %v", cfg.Margin, cfg.MaxNorm, cfg.InitStd)
	}
	m := &CML{cfg: cfg, P: nn.NewParam("user_emb", cfg.Users, cfg.Dim), Q: nn.NewParam("item_emb", cfg.Items, cfg.Dim)}
	rng := nn.NewRand(cfg.Seed, 0xc3)
	nn.InitNormal(m.P, rng, 0, cfg.InitStd)
	nn.InitNormal(m.Q, rng, 0, cfg.InitStd)
	m.cache.src = []*nn.Param{m.Q}
	return m, nil
}

// Kind returns "cml".
func (m *CML) Kind() string { return "cml" }

// Config returns the model's hyper-parameters.
func (m *CML) Config() any { return m.cfg }

// Params returns P and Q.
func (m *CML) Params() []*nn.Param { return []*nn.Param{m.P, m.Q} }

// NumParams returns the number of scalar parameters, (n+m)·d.
func (m *CML) NumParams() int { return nn.CountParams(m.Params()) }

// NumUsers returns the size of the user index space.
func (m *CML) NumUsers() int { return m.cfg.Users }

// NumItems returns the size of the item index space.
func (m *CML) NumItems() int { return m.cfg.Items }

// Dim returns the embedding size.
func (m *CML) Dim() int { return m.cfg.Dim }

// TrainDefaults returns the reference training settings of RS_Implicit
// main.py: train.Defaults with Adam lr 1e-3, weight decay 1e-4, batches of
// 512 triples.
func (m *CML) TrainDefaults() train.Config { return cmlTrainDefaults() }

// cmlTrainDefaults returns the settings of CML.TrainDefaults.
func cmlTrainDefaults() train.Config {
	c := train.Defaults()
	c.LR, c.WeightDecay, c.BatchSize = 1e-3, 1e-4, 512
	return c
}

// scale returns the max-norm factor of a row with squared norm sq:
// c/(‖v‖+10⁻⁷) when ‖v‖ > c, else 1 (torch.embedding_renorm_).
func (m *CML) scale(sq float32) float32 {
	n := math.Sqrt(float64(sq))
	if n > m.cfg.MaxNorm {
		return float32(m.cfg.MaxNorm / (n + 1e-7))
	}
	return 1
}

// renorm rescales row v of P or Q in place to the max-norm.
func (m *CML) renorm(v []float32) {
	if c := m.scale(nn.Dot(v, v)); c != 1 {
		for k := range v {
			v[k] *= c
		}
	}
}

// dist returns ‖ū − ī‖² for user row pu (already scaled by cu, with squared
// norm nu after scaling) and item row q.
func (m *CML) dist(pu []float32, cu, nu float32, q []float32) float32 {
	nq := nn.Dot(q, q)
	cq := m.scale(nq)
	return nu + cq*cq*nq - 2*cu*cq*nn.Dot(pu, q)
}

func (m *CML) user(u int) (row []float32, c, sq float32) {
	row = m.P.Row(u)
	n := nn.Dot(row, row)
	c = m.scale(n)
	return row, c, c * c * n
}

// ScoreItems writes −‖ū − ī‖² for every listed item.
func (m *CML) ScoreItems(u int, items []int32, out []float32) {
	pu, cu, nu := m.user(u)
	for k, i := range items {
		out[k] = -m.dist(pu, cu, nu, m.Q.Row(int(i)))
	}
}

// ScoreAll writes −‖ū − ī‖² = −(‖ū‖² + ‖ī‖² − 2·c_u·c_i·p_u·q_i) for every
// item: one matrix–vector product with the cached item scales c_i and
// squared norms ‖ī‖².
func (m *CML) ScoreAll(u int, out []float32) {
	m.cache.ensure(m.buildItemNorms)
	pu, cu, nu := m.user(u)
	n := m.cfg.Items
	nn.MatVec(m.Q.W, n, pu, out)
	for i := range out[:n] {
		out[i] = -(nu + m.itemSq2[i] - 2*cu*m.itemC[i]*out[i])
	}
}

func (m *CML) buildItemNorms() {
	n, d := m.cfg.Items, m.cfg.Dim
	m.itemC, m.itemSq2 = growF(m.itemC, n), growF(m.itemSq2, n)
	for i := range n {
		q := m.Q.W[i*d : (i+1)*d]
		sq := nn.Dot(q, q)
		c := m.scale(sq)
		m.itemC[i], m.itemSq2[i] = c, c*c*sq
	}
}

// Invalidate drops the cached item norms; call it after writing parameter
// values by hand (training and checkpoint loading need no call).
func (m *CML) Invalidate() { m.cache.invalidate() }

// Forward does nothing: the loss term computes what it needs.
func (m *CML) Forward(*train.Batch) error { return nil }

// Backward marks the cached item norms stale before the optimizer step.
func (m *CML) Backward(*train.Batch) error { m.cache.invalidate(); return nil }

// gatherScaled copies the renormalised rows of p into out.
func (m *CML) gatherScaled(p *nn.Param, rows []int32, out []float32) {
	gatherRows(p, rows, out)
	d := m.cfg.Dim
	for k := range rows {
		m.renorm(out[k*d : (k+1)*d])
	}
}

// UserVecs copies the renormalised user embeddings ū.
func (m *CML) UserVecs(users []int32, out []float32) { m.gatherScaled(m.P, users, out) }

// ItemVecs copies the renormalised item embeddings ī.
func (m *CML) ItemVecs(items []int32, out []float32) { m.gatherScaled(m.Q, items, out) }

// ScoreForm returns NegSqDistScore: s(u, i) = −‖ū − ī‖² of the
// renormalised embeddings UserVecs and ItemVecs return.
func (m *CML) ScoreForm() ScoreForm { return NegSqDistScore }

// Biases returns nil, nil: CML has no biases.
func (m *CML) Biases() (user, item []float32) { return nil, nil }

// UserRep returns the stored row of user u (renormalised when u is in the
// current batch, see the type comment).
func (m *CML) UserRep(u int32) []float32 { return m.P.Row(int(u)) }

// ItemRep returns the stored row of item i.
func (m *CML) ItemRep(i int32) []float32 { return m.Q.Row(int(i)) }

// UserRepGrad returns the gradient accumulator of user u's embedding.
func (m *CML) UserRepGrad(u int32) []float32 { return m.P.GradRow(int(u)) }

// ItemRepGrad returns the gradient accumulator of item i's embedding.
func (m *CML) ItemRepGrad(i int32) []float32 { m.cache.invalidate(); return m.Q.GradRow(int(i)) }

// ScorePairs writes −‖ū − ī‖² for every (users[k], items[k]).
func (m *CML) ScorePairs(users, items []int32, out []float32) {
	for k := range users {
		pu, cu, nu := m.user(int(users[k]))
		out[k] = -m.dist(pu, cu, nu, m.Q.Row(int(items[k])))
	}
}

// AddScoreGrad adds g[k]·∂s/∂ū = −2g[k](ū − ī) to user u's gradient and
// its opposite to item i's, the max-norm scales held constant.
func (m *CML) AddScoreGrad(users, items []int32, g []float32) {
	m.cache.invalidate()
	for k := range users {
		if g[k] == 0 {
			continue
		}
		u, i := int(users[k]), int(items[k])
		pu, qi := m.P.Row(u), m.Q.Row(i)
		cu, ci := m.scale(nn.Dot(pu, pu)), m.scale(nn.Dot(qi, qi))
		gu, gi := m.P.GradRow(u), m.Q.GradRow(i)
		for t := range pu {
			x := -2 * g[k] * (cu*pu[t] - ci*qi[t])
			gu[t] += x
			gi[t] -= x
		}
	}
}

// Loss returns the hinge loss as a training term; it first renormalises the
// batch's rows in place (see the type comment).
func (m *CML) Loss() train.Term { return &cmlLoss{m: m} }

type cmlLoss struct{ m *CML }

func (l *cmlLoss) Name() string                  { return "cml" }
func (l *cmlLoss) BeginEpoch(*train.Epoch) error { return nil }
func (l *cmlLoss) Params() []*nn.Param           { return nil }
func (l *cmlLoss) Batch(b *train.Batch) float64 {
	m := l.m
	m.cache.invalidate()
	for k := range b.Users {
		m.renorm(m.P.Row(int(b.Users[k])))
		m.renorm(m.Q.Row(int(b.Pos[k])))
		m.renorm(m.Q.Row(int(b.Neg[k])))
	}
	return m.hinge(b.Users, b.Pos, b.Neg)
}

// hinge adds the gradient of Σ max(0, m + ‖u−i‖² − ‖u−j‖²) over the triples
// (rows as stored) and returns it. On an active triple:
// ∂/∂u = 2(j − i), ∂/∂i = −2(u − i), ∂/∂j = 2(u − j).
func (m *CML) hinge(users, pos, neg []int32) float64 {
	loss := 0.0
	margin := float32(m.cfg.Margin)
	for k := range users {
		u, i, j := int(users[k]), int(pos[k]), int(neg[k])
		pu, qi, qj := m.P.Row(u), m.Q.Row(i), m.Q.Row(j)
		var dp, dn float32
		for t := range pu {
			a, b := pu[t]-qi[t], pu[t]-qj[t]
			dp += a * a
			dn += b * b
		}
		x := margin + dp - dn
		if x <= 0 {
			continue
		}
		loss += float64(x)
		gu, gi, gj := m.P.GradRow(u), m.Q.GradRow(i), m.Q.GradRow(j)
		for t := range pu {
			gu[t] += 2 * (qj[t] - qi[t])
			gi[t] -= 2 * (pu[t] - qi[t])
			gj[t] += 2 * (pu[t] - qj[t])
		}
	}
	return loss
}

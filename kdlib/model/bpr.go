package model

import (
	"encoding/json"
	"fmt"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// BPRKind is the kind name of BPR, for code that needs BPR specifically
// (HetComp distils into a BPR student).
const BPRKind = "bpr"

func init() {
	RegisterKind(Kind{
		Name: BPRKind,
		Shapes: func(raw json.RawMessage) ([]TensorShape, error) {
			var c BPRConfig
			if err := json.Unmarshal(raw, &c); err != nil {
				return nil, err
			}
			return embShapes("user_emb", "item_emb", c.Users, c.Items, c.Dim), nil
		},
		Doc: "BPR-MF: matrix factorisation with the Bayesian personalised ranking loss (Rendle et al., UAI 2009)",
		Options: []Option{
			SizeOption("dim", 64, "embedding size d of users and items"),
			PositiveOption("init-std", 0.01, 10, "standard deviation of the N(0, std²) initialisation"),
		},
		Family:  "MF",
		Student: true,
		Build: func(c BuildConfig, _ *data.Interactions) (*Built, error) {
			m, err := NewBPR(BPRConfig{Users: c.Users, Items: c.Items, Dim: c.Options.Int("dim"),
				InitStd: c.Options.Float("init-std"), Seed: c.Seed})
			if err != nil {
				return nil, err
			}
			return &Built{Model: m, Loss: m.Loss(), Examples: train.Pairwise}, nil
		},
		Decode: decodeJSON(NewBPR),
		// Tol bright blue, like every model kind's colour from Tol's bright scheme; MF is
		// the dissertation's name of HetComp's MF teacher.
		Figure: figstyle.Style{Name: "BPR-MF", Short: "BPR", Aliases: []string{"MF", "BPRMF"}, Groups: []string{figstyle.GroupModel}, Color: "#4477AA", Marker: figstyle.Plus},
	})
}

// BPRConfig holds the hyper-parameters of a BPR-MF model.
type BPRConfig struct {
	// Users and Items give the index spaces, Dim the embedding size.
	Users, Items, Dim int
	// InitStd is the standard deviation of the N(0, InitStd²) initialisation
	// (reference: 0.01).
	InitStd float64
	// Seed drives the initialisation.
	Seed uint64
}

// BPR is matrix factorisation trained with the Bayesian personalised ranking
// loss (Rendle et al., UAI 2009), the base model of DE-RRD, IR-RRD, TD and
// HetComp [methods.md §3.1]:
//
//	s_ui = p_u · q_i
//	L_BPR = −Σ_{(u,i,j)∈B} log σ(s_ui − s_uj)      (summed over the batch)
//
// P (users × d) and Q (items × d) are initialised from N(0, 0.01²). Its
// representations for latent distillation are the rows of P and Q.
type BPR struct {
	cfg  BPRConfig
	P, Q *nn.Param
}

// NewBPR builds a BPR-MF model; it reports invalid sizes.
func NewBPR(cfg BPRConfig) (*BPR, error) {
	if cfg.Users <= 0 || cfg.Items <= 0 {
		return nil, fmt.Errorf("bpr: need users > 0 and items > 0, got %d and %d", cfg.Users, cfg.Items)
	}
	if cfg.Dim <= 0 {
		return nil, fmt.Errorf("bpr: dim must be > 0, got %d", cfg.Dim)
	}
	if cfg.InitStd == 0 {
		cfg.InitStd = 0.01
	}
	if !(cfg.InitStd > 0) {
		return nil, fmt.Errorf("bpr: init std must be > 0, got %v", cfg.InitStd)
	}
	m := &BPR{cfg: cfg, P: nn.NewParam("user_emb", cfg.Users, cfg.Dim), Q: nn.NewParam("item_emb", cfg.Items, cfg.Dim)}
	rng := nn.NewRand(cfg.Seed, 0xb9)
	nn.InitNormal(m.P, rng, 0, cfg.InitStd)
	nn.InitNormal(m.Q, rng, 0, cfg.InitStd)
	return m, nil
}

// Kind returns "bpr" (BPRKind).
func (m *BPR) Kind() string { return BPRKind }

// Config returns the model's hyper-parameters.
func (m *BPR) Config() any { return m.cfg }

// Params returns P and Q.
func (m *BPR) Params() []*nn.Param { return []*nn.Param{m.P, m.Q} }

// NumParams returns the number of scalar parameters, (n+m)·d.
func (m *BPR) NumParams() int { return nn.CountParams(m.Params()) }

// NumUsers returns the size of the user index space.
func (m *BPR) NumUsers() int { return m.cfg.Users }

// NumItems returns the size of the item index space.
func (m *BPR) NumItems() int { return m.cfg.Items }

// Dim returns the embedding size.
func (m *BPR) Dim() int { return m.cfg.Dim }

// ScoreItems writes p_u·q_i for every listed item.
func (m *BPR) ScoreItems(u int, items []int32, out []float32) {
	scoreDotItems(m.P.Row(u), m.Q, items, out)
}

// ScoreAll writes p_u·q_i for every item.
func (m *BPR) ScoreAll(u int, out []float32) { nn.MatVec(m.Q.W, m.cfg.Items, m.P.Row(u), out) }

// ScoreUsers writes the scores of several users against every item into
// out, one row of NumItems scores per user, as one matrix product.
func (m *BPR) ScoreUsers(users []int32, out []float32) { scoreDotUsers(m.P, m.Q, users, out) }

// UserVecs copies the rows of P.
func (m *BPR) UserVecs(users []int32, out []float32) { gatherRows(m.P, users, out) }

// ItemVecs copies the rows of Q.
func (m *BPR) ItemVecs(items []int32, out []float32) { gatherRows(m.Q, items, out) }

// ScoreForm returns DotScore: s(u, i) = p_u·q_i.
func (m *BPR) ScoreForm() ScoreForm { return DotScore }

// Biases returns nil, nil: BPR-MF has no biases.
func (m *BPR) Biases() (user, item []float32) { return nil, nil }

// UserRep returns the representation of user u (a view of P's row).
func (m *BPR) UserRep(u int32) []float32 { return m.P.Row(int(u)) }

// ItemRep returns the representation of item i (a view of Q's row).
func (m *BPR) ItemRep(i int32) []float32 { return m.Q.Row(int(i)) }

// UserRepGrad returns the gradient accumulator of user u's representation.
func (m *BPR) UserRepGrad(u int32) []float32 { return m.P.GradRow(int(u)) }

// ItemRepGrad returns the gradient accumulator of item i's representation.
func (m *BPR) ItemRepGrad(i int32) []float32 { return m.Q.GradRow(int(i)) }

// Loss returns the BPR loss as a training term.
func (m *BPR) Loss() train.Term { return &bprLoss{m: m} }

type bprLoss struct{ m *BPR }

func (l *bprLoss) Name() string                  { return "bpr" }
func (l *bprLoss) BeginEpoch(*train.Epoch) error { return nil }
func (l *bprLoss) Params() []*nn.Param           { return nil }
func (l *bprLoss) Batch(b *train.Batch) float64  { return bprBatch(l.m, b.Users, b.Pos, b.Neg) }

// bprBatch adds the gradient of L_BPR over the triples and returns it.
// With x = s_ui − s_uj and c = ∂L/∂x = −σ(−x):
// ∂L/∂p_u = c(q_i − q_j), ∂L/∂q_i = c·p_u, ∂L/∂q_j = −c·p_u.
func bprBatch(m *BPR, users, pos, neg []int32) float64 {
	loss := 0.0
	d := m.cfg.Dim
	diff := make([]float32, d)
	for k := range users {
		u, i, j := int(users[k]), int(pos[k]), int(neg[k])
		pu, qi, qj := m.P.Row(u), m.Q.Row(i), m.Q.Row(j)
		for t := range diff {
			diff[t] = qi[t] - qj[t]
		}
		x := float64(nn.Dot(pu, diff))
		loss -= nn.LogSigmoid(x)
		c := float32(-nn.Sigmoid(-x))
		nn.Axpy(c, diff, m.P.GradRow(u))
		nn.Axpy(c, pu, m.Q.GradRow(i))
		nn.Axpy(-c, pu, m.Q.GradRow(j))
	}
	return loss
}

// ScorePairs writes p_u·q_i for every (users[k], items[k]).
func (m *BPR) ScorePairs(users, items []int32, out []float32) {
	for k := range users {
		out[k] = nn.Dot(m.P.Row(int(users[k])), m.Q.Row(int(items[k])))
	}
}

// AddScoreGrad adds g[k]·q_i to ∂p_u and g[k]·p_u to ∂q_i for every pair.
func (m *BPR) AddScoreGrad(users, items []int32, g []float32) {
	for k := range users {
		if g[k] == 0 {
			continue
		}
		u, i := int(users[k]), int(items[k])
		nn.Axpy(g[k], m.Q.Row(i), m.P.GradRow(u))
		nn.Axpy(g[k], m.P.Row(u), m.Q.GradRow(i))
	}
}

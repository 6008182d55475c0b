package model

import (
	"encoding/json"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/train"
)

func init() {
	RegisterKind(Kind{
		Name:    "mlp",
		Shapes:  func(raw json.RawMessage) ([]TensorShape, error) { return ncfShapes(raw, false) },
		Doc:     "NCF-MLP: the MLP tower of NeuMF alone (He et al., WWW 2017)",
		Options: ncfOptions,
		Family:  "DL",
		Student: true,
		Train:   ncfTrainDefaults,
		Build: func(c BuildConfig, _ *data.Interactions) (*Built, error) {
			m, err := NewMLP(ncfConfig(c))
			if err != nil {
				return nil, err
			}
			return &Built{Model: m, Loss: m.Loss(), Examples: train.Pairwise}, nil
		},
		Decode: decodeJSON(NewMLP),
		// Tol bright yellow; DL is the dissertation's name of HetComp's MLP teacher.
		Figure: figstyle.Style{Name: "MLP", Aliases: []string{"DL"}, Groups: []string{figstyle.GroupModel}, Color: "#CCBB44", Marker: figstyle.Circle},
	})
}

// MLP is the NCF-MLP model (He et al., "Neural Collaborative Filtering",
// WWW 2017) as in RS_Implicit Models/MLP.py [methods.md §3.1]: NeuMF
// without its GMF branch,
//
//	x_ui = [p_u ; q_i]                              (2d)
//	h_ui = ReLU(W_L … ReLU(W_1 x_ui + b_1) … + b_L) (widths 2d → d → …)
//	s_ui = w·h_ui + b
//	L    = Σ_{(u,i,j)∈B} softplus(−s_ui) + softplus(s_uj)
//
// (binary cross-entropy with logits, summed; label 1 on the positive, 0 on
// the sampled negative), with NeuMF's initialisation: embeddings
// N(0, 0.01²), Xavier-uniform tower, output U(±√(6/fan_in)), zero biases.
//
// Its representations for latent distillation are the embeddings P and Q
// that feed the tower, the model's only per-entity vectors.
type MLP struct{ *ncf }

// NewMLP builds an NCF-MLP model; it reports invalid sizes.
func NewMLP(cfg NCFConfig) (*MLP, error) {
	c, err := newNCF("mlp", cfg, false)
	if err != nil {
		return nil, err
	}
	return &MLP{c}, nil
}

// Kind returns "mlp".
func (m *MLP) Kind() string { return "mlp" }

// Dim returns the embedding size d.
func (m *MLP) Dim() int { return m.cfg.Dim }

// UserVecs copies the user embeddings p_u.
func (m *MLP) UserVecs(users []int32, out []float32) { gatherRows(m.PMLP, users, out) }

// ItemVecs copies the item embeddings q_i.
func (m *MLP) ItemVecs(items []int32, out []float32) { gatherRows(m.QMLP, items, out) }

// UserRep returns p_u (a view of the table row).
func (m *MLP) UserRep(u int32) []float32 { return m.PMLP.Row(int(u)) }

// ItemRep returns q_i (a view of the table row).
func (m *MLP) ItemRep(i int32) []float32 { return m.QMLP.Row(int(i)) }

// UserRepGrad returns the gradient accumulator of p_u.
func (m *MLP) UserRepGrad(u int32) []float32 { m.cache.invalidate(); return m.PMLP.GradRow(int(u)) }

// ItemRepGrad returns the gradient accumulator of q_i.
func (m *MLP) ItemRepGrad(i int32) []float32 { m.cache.invalidate(); return m.QMLP.GradRow(int(i)) }

package model

import (
	"fmt"
	"math"

	"github.com/kdrec/kdrec/kdlib/nn"
)

// FactorsData are the matrices of a Factors model: a user and an item
// matrix of Dim columns, row-major, the optional biases of DotBiasScore,
// and the score form that turns them into scores.
type FactorsData struct {
	// Form says how scores follow from the matrices.
	Form ScoreForm
	// Users, Items and Dim give the sizes: User holds Users·Dim values,
	// Item Items·Dim.
	Users, Items, Dim int
	// User and Item are the representations p_u and q_i, row after row.
	User, Item []float32
	// UserBias (Users values) and ItemBias (Items values) are the biases
	// of DotBiasScore; nil means zero. Other forms take none.
	UserBias, ItemBias []float32
}

// Factors is a frozen model defined by its factor matrices: a teacher
// trained elsewhere (in PyTorch, RecBole, or by kdrec and exported), whose
// scores follow from a user and an item matrix by one of the ScoreForms.
// It is a Scorer, a Factorized Embedder (so every latent distillation
// method can use it as a teacher, and it exports again unchanged) and an
// eval.UsersScorer (so every ranking method can build its lists from it);
// it is not trainable and not a Checkpointable (its files are its
// checkpoint: kdlib/interop reads and writes them).
//
// Its scores are computed with the kernels of the models it stands for:
// a Factors holding a BPR model's P and Q scores bit for bit as that model,
// and likewise for CDAE's and ItemAE's codes, decoders and biases, and for
// LightGCN's ScoreAll. LightGCN's ScoreItems sums in another order (BPR's
// four-row kernel here): the two agree to float32 rounding. For CML
// (NegSqDistScore) the scores are computed from the rescaled embeddings,
// which CML rescales on the fly: the two agree to float32 rounding, and bit
// for bit when no row exceeds the max-norm (TestFactorsReproduceModels: a
// relative difference below 10⁻⁶ of the user's largest score).
type Factors struct {
	form   ScoreForm
	p, q   *nn.Param // the user and item matrices
	bu, bi []float32
	sqU    []float32 // ‖p_u‖² (NegSqDistScore)
	sqI    []float32 // ‖q_i‖² (NegSqDistScore)
}

// NewFactors builds a Factors model from d, copying the matrices. It checks
// the sizes (positive, below MaxTensorSide, the slices as long as the sizes
// say), that biases come only with DotBiasScore, and that every value is
// finite (CheckFinite).
func NewFactors(d FactorsData) (*Factors, error) {
	if _, err := ParseScoreForm(string(d.Form)); err != nil {
		return nil, fmt.Errorf("factors: %w", err)
	}
	if d.Users <= 0 || d.Items <= 0 || d.Dim <= 0 || d.Users > MaxTensorSide || d.Items > MaxTensorSide || d.Dim > MaxTensorSide {
		return nil, fmt.Errorf("factors: need users, items and dim in [1, %d], got %d, %d and %d", MaxTensorSide, d.Users, d.Items, d.Dim)
	}
	if int64(len(d.User)) != int64(d.Users)*int64(d.Dim) || int64(len(d.Item)) != int64(d.Items)*int64(d.Dim) {
		return nil, fmt.Errorf("factors: %d user values for %d×%d and %d item values for %d×%d",
			len(d.User), d.Users, d.Dim, len(d.Item), d.Items, d.Dim)
	}
	if d.Form != DotBiasScore && (d.UserBias != nil || d.ItemBias != nil) {
		return nil, fmt.Errorf("factors: biases are part of the %s form only, not of %s", DotBiasScore, d.Form)
	}
	if d.UserBias != nil && len(d.UserBias) != d.Users {
		return nil, fmt.Errorf("factors: %d user biases for %d users", len(d.UserBias), d.Users)
	}
	if d.ItemBias != nil && len(d.ItemBias) != d.Items {
		return nil, fmt.Errorf("factors: %d item biases for %d items", len(d.ItemBias), d.Items)
	}
	for _, t := range []struct {
		name       string
		rows, cols int
		w          []float32
	}{{"user", d.Users, d.Dim, d.User}, {"item", d.Items, d.Dim, d.Item},
		{"user bias", d.Users, 1, d.UserBias}, {"item bias", d.Items, 1, d.ItemBias}} {
		if err := CheckFinite("tensor "+t.name, t.cols, t.w); err != nil {
			return nil, fmt.Errorf("factors: %w", err)
		}
	}
	f := &Factors{form: d.Form, p: nn.NewParam("user_emb", d.Users, d.Dim), q: nn.NewParam("item_emb", d.Items, d.Dim)}
	copy(f.p.W, d.User)
	copy(f.q.W, d.Item)
	if d.UserBias != nil {
		f.bu = append([]float32(nil), d.UserBias...)
	}
	if d.ItemBias != nil {
		f.bi = append([]float32(nil), d.ItemBias...)
	}
	if f.form == NegSqDistScore {
		f.sqU, f.sqI = rowSquares(f.p), rowSquares(f.q)
	}
	return f, nil
}

// rowSquares returns the squared norm of every row of p.
func rowSquares(p *nn.Param) []float32 {
	out := make([]float32, p.Rows)
	for r := range out {
		row := p.Row(r)
		out[r] = nn.Dot(row, row)
	}
	return out
}

// CheckFinite returns an error naming what (such as "tensor user_emb"),
// the row and the column of the first NaN or ±Inf of w (a matrix of cols
// columns, row-major), or nil. Decode refuses checkpoints with it;
// kdlib/interop refuses imported tensors.
func CheckFinite(what string, cols int, w []float32) error {
	for j, x := range w {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("%s holds %v at row %d, column %d: a diverged or damaged model",
				what, x, j/max(cols, 1), j%max(cols, 1))
		}
	}
	return nil
}

// ScoreForm returns the form the model was built with.
func (f *Factors) ScoreForm() ScoreForm { return f.form }

// Biases returns the user and item biases (nil when absent).
func (f *Factors) Biases() (user, item []float32) { return f.bu, f.bi }

// Params returns the user and item matrices, for the interfaces that read
// parameters (counting, checkpoints). A Factors is a frozen model: no loss
// trains it, and changing the matrices would leave the cached row norms of
// the neg-sq-dist form stale.
func (f *Factors) Params() []*nn.Param { return []*nn.Param{f.p, f.q} }

// NumParams returns the number of values: (n+m)·d plus the biases.
func (f *Factors) NumParams() int { return nn.CountParams(f.Params()) + len(f.bu) + len(f.bi) }

// NumUsers returns the number of user rows.
func (f *Factors) NumUsers() int { return f.p.Rows }

// NumItems returns the number of item rows.
func (f *Factors) NumItems() int { return f.q.Rows }

// Dim returns the width of the representations.
func (f *Factors) Dim() int { return f.p.Cols }

// UserVecs copies the user rows p_u.
func (f *Factors) UserVecs(users []int32, out []float32) { gatherRows(f.p, users, out) }

// ItemVecs copies the item rows q_i.
func (f *Factors) ItemVecs(items []int32, out []float32) { gatherRows(f.q, items, out) }

// ScoreItems writes s(u, i) for every listed item.
func (f *Factors) ScoreItems(u int, items []int32, out []float32) {
	pu := f.p.Row(u)
	switch f.form {
	case DotScore:
		scoreDotItems(pu, f.q, items, out)
	case DotBiasScore:
		for k, i := range items {
			out[k] = nn.Dot(pu, f.q.Row(int(i)))
			if f.bi != nil {
				out[k] += f.bi[i]
			}
			if f.bu != nil {
				out[k] += f.bu[u]
			}
		}
	case NegSqDistScore:
		nu := f.sqU[u]
		for k, i := range items {
			out[k] = -(nu + f.sqI[i] - 2*nn.Dot(pu, f.q.Row(int(i))))
		}
	}
}

// ScoreAll writes s(u, i) for every item.
func (f *Factors) ScoreAll(u int, out []float32) {
	n := f.q.Rows
	nn.MatVec(f.q.W, n, f.p.Row(u), out)
	switch f.form {
	case DotBiasScore:
		if f.bi != nil {
			nn.Axpy(1, f.bi, out[:n])
		}
		if f.bu != nil {
			bu := f.bu[u]
			for i := range out[:n] {
				out[i] += bu
			}
		}
	case NegSqDistScore:
		nu := f.sqU[u]
		for i := range out[:n] {
			out[i] = -(nu + f.sqI[i] - 2*out[i])
		}
	}
}

// ScoreUsers writes the scores of several users against every item, one
// row of NumItems scores per user: as one blocked matrix product for
// DotScore (as BPR does), user by user with ScoreAll for the other forms
// (as the models they stand for do).
func (f *Factors) ScoreUsers(users []int32, out []float32) {
	if f.form == DotScore {
		scoreDotUsers(f.p, f.q, users, out)
		return
	}
	n := f.q.Rows
	for k, u := range users {
		f.ScoreAll(int(u), out[k*n:(k+1)*n])
	}
}

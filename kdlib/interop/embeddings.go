package interop

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/model"
)

// Names of the tensors of an export, in a .safetensors file and in the
// names of the .npy files.
const (
	// UserEmbeddings is the users × dim matrix of user representations.
	UserEmbeddings = "user_embeddings"
	// ItemEmbeddings is the items × dim matrix of item representations.
	ItemEmbeddings = "item_embeddings"
	// UserBias and ItemBias are the biases of the dot+bias score form
	// (vectors of users and items values), when the model has them.
	UserBias = "user_bias"
	ItemBias = "item_bias"
	// TopKItems is the users × K matrix of every user's top-K items
	// (int32 item rows, best first; −1 pads a user with fewer candidates).
	TopKItems = "topk_items"
	// TopKScores holds the scores of TopKItems (float32; NaN pads).
	TopKScores = "topk_scores"
)

// Embeddings are a model's representations as they leave or enter kdrec:
// the user and item matrices, the biases and the score form that turn them
// into the model's scores, optionally every user's top-K lists, and the
// identifiers that map rows to the users and items of a data set.
type Embeddings struct {
	// Score says how scores follow from the matrices ("" for an export of
	// top-K lists only).
	Score model.ScoreForm
	// Users, Items and Dim give the sizes (Dim is 0 without matrices).
	Users, Items, Dim int
	// User and Item hold the representations, row-major (nil for an
	// export of top-K lists only).
	User, Item []float32
	// UserBias and ItemBias are the biases of model.DotBiasScore (nil:
	// none).
	UserBias, ItemBias []float32
	// K is the length of the top-K lists (0: none); TopK holds Users·K
	// item rows, best first, and TopKScores their scores.
	K          int
	TopK       []int32
	TopKScores []float32
	// UserIDs and ItemIDs, when set, hold the identifier of every row: the
	// data set's original identifiers (as in data.Interactions).
	UserIDs, ItemIDs []string
	// Kind is the kind of the model exported ("bpr", …; "" if unknown).
	Kind string
	// Meta is free-form provenance (model name, data set, split).
	Meta map[string]string
	// Sources names the file each tensor was read from (set by Read), for
	// error messages.
	Sources map[string]string
}

// ExportOptions configures FromModel.
type ExportOptions struct {
	// TopK, if > 0, adds every user's top-K items and their scores.
	TopK int
	// ListsOnly exports the top-K lists without the matrices: for models
	// whose scores no matrices reproduce (NeuMF, MLP, Pop).
	ListsOnly bool
	// Train is the model's training data: its interactions are left out of
	// the top-K lists, and its UserIDs and ItemIDs become the export's
	// identifiers. Nil: no identifiers, nothing left out.
	Train *data.Interactions
	// Kind and Meta are recorded with the export.
	Kind string
	Meta map[string]string
	// Workers bounds the goroutines that rank the top-K lists (default
	// GOMAXPROCS).
	Workers int
}

// FromModel returns the representations of m for export. m must be
// model.Factorized — BPR-MF, LightGCN (its propagated representations),
// CML (its max-norm-rescaled embeddings), CDAE and ItemAE (codes, decoder
// rows and biases), or an imported model.Factors — so that the matrices
// reproduce its scores; for any other model (NeuMF and MLP score through a
// network, Pop has no representations) it returns an error saying so,
// unless o.ListsOnly asks for the top-K lists alone.
func FromModel(ctx context.Context, m model.Scorer, o ExportOptions) (*Embeddings, error) {
	e := &Embeddings{Users: m.NumUsers(), Items: m.NumItems(), Kind: o.Kind, Meta: o.Meta}
	if o.Train != nil {
		if o.Train.NumUsers != e.Users || o.Train.NumItems != e.Items {
			return nil, fmt.Errorf("export: the model covers %d users × %d items, its training data %d × %d",
				e.Users, e.Items, o.Train.NumUsers, o.Train.NumItems)
		}
		if len(o.Train.UserIDs) == e.Users {
			e.UserIDs = o.Train.UserIDs
		}
		if len(o.Train.ItemIDs) == e.Items {
			e.ItemIDs = o.Train.ItemIDs
		}
	}
	if o.ListsOnly && o.TopK <= 0 {
		return nil, fmt.Errorf("export: lists only, but no top-K length (TopK > 0)")
	}
	if !o.ListsOnly {
		f, ok := m.(model.Factorized)
		if !ok {
			return nil, notFactorized(m, o.Kind)
		}
		e.Score, e.Dim = f.ScoreForm(), f.Dim()
		e.User, e.Item = make([]float32, e.Users*e.Dim), make([]float32, e.Items*e.Dim)
		f.UserVecs(seq(e.Users), e.User)
		f.ItemVecs(seq(e.Items), e.Item)
		ub, ib := f.Biases()
		if ub != nil {
			e.UserBias = append([]float32(nil), ub...)
		}
		if ib != nil {
			e.ItemBias = append([]float32(nil), ib...)
		}
	}
	if o.TopK > 0 {
		if err := e.addTopK(ctx, m, o); err != nil {
			return nil, err
		}
	}
	return e, e.Validate()
}

// notFactorized explains why m's matrices are not exported.
func notFactorized(m model.Scorer, kind string) error {
	if kind == "" {
		kind = fmt.Sprintf("%T", m)
	}
	why := "it has no user and item representations"
	if _, ok := m.(model.Embedder); ok {
		why = "it scores through a network, so no user and item matrices reproduce its scores (its Embedder representations are only inputs of the network)"
	}
	return fmt.Errorf("export: a %s model's embeddings are not exported: %s; its top-K lists can be (TopK with ListsOnly; kdrepl: topk=K lists-only=true)", kind, why)
}

// seq returns 0, 1, …, n−1.
func seq(n int) []int32 {
	out := make([]int32, n)
	for k := range out {
		out[k] = int32(k)
	}
	return out
}

// addTopK ranks every user's top-K items with distill.BuildLists (the
// teachers' lists: descending score, ties to the lower index, training
// items left out) and records their scores as ScoreAll gives them (the
// full-ranking scores; the ranking may use a blocked kernel whose sums
// differ in the last bit).
func (e *Embeddings) addTopK(ctx context.Context, m model.Scorer, o ExportOptions) error {
	train := o.Train
	if train == nil {
		var err error
		if train, err = data.FromPairs(e.Users, e.Items, nil); err != nil {
			return err
		}
	}
	k := min(o.TopK, e.Items)
	l, err := distill.BuildLists(ctx, m, train, distill.ListOptions{N: k, Workers: o.Workers})
	if err != nil {
		return fmt.Errorf("export: top-%d lists: %w", k, err)
	}
	e.K = k
	e.TopK, e.TopKScores = make([]int32, e.Users*k), make([]float32, e.Users*k)
	nan := float32(math.NaN())
	all := make([]float32, e.Items)
	for u := range e.Users {
		row := l.Users.Row(u)
		items, scores := e.TopK[u*k:(u+1)*k], e.TopKScores[u*k:(u+1)*k]
		copy(items, row)
		m.ScoreAll(u, all)
		for j, i := range row {
			scores[j] = all[i]
		}
		for j := len(row); j < k; j++ {
			items[j], scores[j] = -1, nan
		}
	}
	return nil
}

// Validate checks that the sizes of e agree: matrices of Users·Dim and
// Items·Dim values with a known score form, biases only with dot+bias and
// of the right lengths, top-K lists of Users·K entries, identifiers one per
// row and unique.
func (e *Embeddings) Validate() error {
	if e.Users <= 0 || e.Items <= 0 {
		return fmt.Errorf("embeddings: %d users and %d items", e.Users, e.Items)
	}
	if e.User != nil || e.Item != nil || e.Score != "" {
		if _, err := model.ParseScoreForm(string(e.Score)); err != nil {
			return fmt.Errorf("embeddings: %w", err)
		}
		if e.Dim <= 0 || len(e.User) != e.Users*e.Dim || len(e.Item) != e.Items*e.Dim {
			return fmt.Errorf("embeddings: %d user and %d item values for %d×%d and %d×%d", len(e.User), len(e.Item), e.Users, e.Dim, e.Items, e.Dim)
		}
	} else if e.K == 0 {
		return fmt.Errorf("embeddings: neither matrices nor top-K lists")
	}
	if (e.UserBias != nil || e.ItemBias != nil) && e.Score != model.DotBiasScore {
		return fmt.Errorf("embeddings: biases come with the %s score form only, not %q", model.DotBiasScore, e.Score)
	}
	if e.UserBias != nil && len(e.UserBias) != e.Users || e.ItemBias != nil && len(e.ItemBias) != e.Items {
		return fmt.Errorf("embeddings: %d user and %d item biases for %d users and %d items", len(e.UserBias), len(e.ItemBias), e.Users, e.Items)
	}
	if e.K < 0 || len(e.TopK) != e.Users*e.K || len(e.TopKScores) != e.Users*e.K {
		return fmt.Errorf("embeddings: top-%d lists of %d entries and %d scores for %d users", e.K, len(e.TopK), len(e.TopKScores), e.Users)
	}
	return e.checkIDs("embeddings")
}

// indexIDs maps every identifier to its row, refusing repeats.
func indexIDs(ids []string, what string) (map[string]int, error) {
	at := make(map[string]int, len(ids))
	for r, id := range ids {
		if prev, ok := at[id]; ok {
			return nil, fmt.Errorf("%s identifier %q names rows %d and %d", what, id, prev, r)
		}
		at[id] = r
	}
	return at, nil
}

// source names the file a tensor came from, for errors.
func (e *Embeddings) source(tensor string) string {
	if f := e.Sources[tensor]; f != "" {
		return f
	}
	return tensor
}

// Align returns the embeddings on the index spaces of x (the data set or
// the training part of a split the teacher is to serve): users and items
// are matched by identifier when both e and x have identifiers for that
// side — row r of the result is the row of e whose identifier is x's r-th,
// rows of e that x does not know are dropped (a RecBole padding row, users
// filtered out here) and an identifier of x that e lacks is an error naming
// it — and by position otherwise, when the counts must be equal. The
// top-K lists are not carried over. Errors name the file of the tensor
// that does not fit.
func (e *Embeddings) Align(x *data.Interactions) (*Embeddings, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	if e.User == nil {
		return nil, fmt.Errorf("embeddings: top-K lists only: no matrices to serve as a model")
	}
	out := &Embeddings{Score: e.Score, Users: x.NumUsers, Items: x.NumItems, Dim: e.Dim, Kind: e.Kind,
		Meta: e.Meta, Sources: e.Sources, UserIDs: x.UserIDs, ItemIDs: x.ItemIDs}
	var err error
	if out.User, out.UserBias, err = alignSide("user", e.source(UserEmbeddings), e.UserIDs, x.UserIDs, e.Users, x.NumUsers, e.Dim, e.User, e.UserBias); err != nil {
		return nil, err
	}
	if out.Item, out.ItemBias, err = alignSide("item", e.source(ItemEmbeddings), e.ItemIDs, x.ItemIDs, e.Items, x.NumItems, e.Dim, e.Item, e.ItemBias); err != nil {
		return nil, err
	}
	if len(out.UserIDs) != out.Users {
		out.UserIDs = nil
	}
	if len(out.ItemIDs) != out.Items {
		out.ItemIDs = nil
	}
	return out, nil
}

// alignSide reorders the rows (and biases) of one side: from n rows with
// identifiers have onto want's want (or by position).
func alignSide(what, file string, have, want []string, n, wantN, dim int, rows, bias []float32) ([]float32, []float32, error) {
	if have == nil || len(want) != wantN {
		if n != wantN {
			hint := "; map them by identifier with an ID map (kdrepl: ids=<file.json>)"
			if have != nil {
				hint = "; the file has identifiers, the data set none to match them with"
			}
			return nil, nil, fmt.Errorf("%s: %d %s rows, the data set has %d %ss%s", file, n, what, wantN, what, hint)
		}
		return rows, bias, nil
	}
	at, err := indexIDs(have, what)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", file, err)
	}
	outRows := make([]float32, wantN*dim)
	var outBias []float32
	if bias != nil {
		outBias = make([]float32, wantN)
	}
	var missing []string
	nMissing := 0
	for r, id := range want {
		src, ok := at[id]
		if !ok {
			if nMissing++; len(missing) < 3 {
				missing = append(missing, fmt.Sprintf("%q", id))
			}
			continue
		}
		copy(outRows[r*dim:(r+1)*dim], rows[src*dim:(src+1)*dim])
		if bias != nil {
			outBias[r] = bias[src]
		}
	}
	if nMissing > 0 {
		list := strings.Join(missing, ", ")
		if nMissing > len(missing) {
			list += ", …"
		}
		return nil, nil, fmt.Errorf("%s: %d of the data set's %d %ss have no row (%s): the embeddings were trained on other %ss",
			file, nMissing, wantN, what, list, what)
	}
	return outRows, outBias, nil
}

// Model returns the frozen model of e's matrices, row for row (no
// alignment: see Teacher).
func (e *Embeddings) Model() (*model.Factors, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	if e.User == nil {
		return nil, fmt.Errorf("embeddings: top-K lists only: no matrices to serve as a model")
	}
	return model.NewFactors(model.FactorsData{Form: e.Score, Users: e.Users, Items: e.Items, Dim: e.Dim,
		User: e.User, Item: e.Item, UserBias: e.UserBias, ItemBias: e.ItemBias})
}

// Teacher aligns e to x (Align) and returns the frozen model of the
// result: a teacher for every distillation method on data whose index
// spaces are x's (pass the training part of the split the student trains
// on).
func (e *Embeddings) Teacher(x *data.Interactions) (*model.Factors, error) {
	a, err := e.Align(x)
	if err != nil {
		return nil, err
	}
	return a.Model()
}

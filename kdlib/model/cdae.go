package model

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

func init() {
	RegisterKind(Kind{
		Name:    "cdae",
		Shapes:  func(raw json.RawMessage) ([]TensorShape, error) { return aeShapes(raw, false) },
		Doc:     "CDAE: user-side denoising autoencoder with a user embedding (Wu et al., WSDM 2016)",
		Options: aeOptions,
		Family:  "AE",
		Train:   aeTrainDefaults,
		Build: func(c BuildConfig, x *data.Interactions) (*Built, error) {
			m, err := NewCDAE(aeConfig(c), x)
			if err != nil {
				return nil, err
			}
			return &Built{Model: m, Loss: m.Loss(), Examples: train.UserWise}, nil
		},
		Decode: func(raw json.RawMessage) (Checkpointable, error) {
			c, x, err := decodeAE(raw)
			if err != nil {
				return nil, err
			}
			return NewCDAE(c, x)
		},
		// Tol bright cyan; AE is the dissertation's name of HetComp's CDAE teacher.
		Figure: figstyle.Style{Name: "CDAE", Aliases: []string{"AE"}, Groups: []string{figstyle.GroupModel}, Color: "#66CCEE", Marker: figstyle.Square},
	})
	RegisterKind(Kind{
		Name:    "iae",
		Shapes:  func(raw json.RawMessage) ([]TensorShape, error) { return aeShapes(raw, true) },
		Aliases: []string{"item-ae"},
		Doc:     "I-AE: the item-side autoencoder over item columns (HetComp's I-AE teacher)",
		Options: aeOptions,
		Family:  "I-AE",
		Train:   aeTrainDefaults,
		Build: func(c BuildConfig, x *data.Interactions) (*Built, error) {
			m, err := NewItemAE(aeConfig(c), x)
			if err != nil {
				return nil, err
			}
			return &Built{Model: m, Loss: m.Loss(), Examples: train.UserWise}, nil
		},
		Decode: func(raw json.RawMessage) (Checkpointable, error) {
			c, x, err := decodeAE(raw)
			if err != nil {
				return nil, err
			}
			return NewItemAE(c, x)
		},
		// Tol bright red (the alias item-ae selects it too).
		Figure: figstyle.Style{Name: "I-AE", Groups: []string{figstyle.GroupModel}, Color: "#EE6677", Marker: figstyle.DownPyramid},
	})
}

// aeOptions are the options of CDAE and ItemAE.
var aeOptions = []Option{
	SizeOption("hidden", 60, "code size"),
	FloatOption("dropout", 0.2, 0, 0.95, "input corruption probability"),
	PositiveOption("init-std", 0.01, 10, "standard deviation of the N(0, std²) initialisation of the per-entity embedding"),
}

// aeConfig returns the configuration of CDAE and ItemAE from their options.
func aeConfig(c BuildConfig) CDAEConfig {
	return CDAEConfig{Users: c.Users, Items: c.Items, Hidden: c.Options.Int("hidden"), Dropout: c.Options.Float("dropout"),
		InitStd: c.Options.Float("init-std"), Seed: c.Seed}
}

func decodeAE(raw json.RawMessage) (CDAEConfig, *data.Interactions, error) {
	var c withGraph[CDAEConfig]
	if err := json.Unmarshal(raw, &c); err != nil {
		return c.Model, nil, err
	}
	x, err := c.Train.unpack(c.Model.Users, c.Model.Items)
	return c.Model, x, err
}

// CDAEConfig holds the hyper-parameters of the denoising autoencoders CDAE
// and ItemAE (defaults of RS_Implicit Models/CDAE.py).
type CDAEConfig struct {
	// Users and Items give the index spaces (0 takes them from the training
	// data).
	Users, Items int
	// Hidden is the code size H (0 selects the reference 60).
	Hidden int
	// Dropout is the input corruption probability p (0 selects the
	// reference 0.2; a negative value disables it).
	Dropout float64
	// NegRatio is the number of unobserved units sampled per observed one
	// (0 selects the reference 5).
	NegRatio float64
	// InitStd is the standard deviation of the N(0, InitStd²) initialisation
	// of the per-entity embedding V (0 selects the reference 0.01).
	InitStd float64
	// Seed drives the initialisation.
	Seed uint64
}

// CDAE is the collaborative denoising autoencoder (Wu et al.,
// "Collaborative Denoising Auto-Encoders for Top-N Recommender Systems",
// WSDM 2016) as in RS_Implicit Models/CDAE.py [methods.md §3.1], a HetComp
// "AE" teacher. For user u with binary training row r_u ∈ {0,1}^m,
//
//	r̃_u = dropout_p(r_u)                      (inverted: kept entries ÷ (1−p), p = 0.2)
//	h_u = ReLU(W_enc r̃_u + b + V_u)          (H = 60)
//	o_u = W_dec h_u + b'                       (one logit per item)
//	L   = Σ_u Σ_{i∈I_u⁺ ∪ S_u} ℓ(o_ui, r_ui)    (ℓ: binary cross-entropy with logits, summed)
//
// where S_u holds ⌊5·|I_u⁺|⌋ items drawn uniformly, with replacement, among
// the items u did not interact with; as in the reference the loss covers
// the union I_u⁺ ∪ S_u, so an item drawn twice counts once. The score is
// s_ui = o_ui without dropout. W_enc, b, W_dec, b' have PyTorch's default
// Linear initialisation, V is N(0, 0.01²).
//
// The encoder runs on the sparse input: W_enc r̃_u is the sum of the W_enc
// columns of the kept items (Enc stores them as rows, the transpose of
// torch's Linear(m, H).weight). The decoder computes, in training, only the
// outputs of I_u⁺ ∪ S_u. Training takes batches of users (train.UserWise,
// see TrainDefaults); the dropout mask and the negatives are drawn from the
// batch's generator, so a run is reproducible.
//
// Its Embedder representations (not used by the dissertation's latent
// methods, whose students are MF-like) are the code h_u of a user (no
// dropout) and the decoder row W_dec[i] of an item: s_ui = W_dec[i]·h_u + b'_i.
//
// CDAE encodes the training row of a user to score it, so the training
// matrix is part of the model and of its checkpoint.
type CDAE struct{ *autoencoder }

// NewCDAE builds a CDAE over the training interactions x; it reports
// invalid sizes and a mismatch between cfg and x.
func NewCDAE(cfg CDAEConfig, x *data.Interactions) (*CDAE, error) {
	a, err := newAutoencoder("cdae", cfg, x, false)
	if err != nil {
		return nil, err
	}
	return &CDAE{a}, nil
}

// Kind returns "cdae".
func (m *CDAE) Kind() string { return "cdae" }

// ScoreItems writes o_ui for every listed item.
func (m *CDAE) ScoreItems(u int, items []int32, out []float32) {
	w := m.getWork()
	defer m.work.Put(w)
	h := m.code(u, w)
	for k, i := range items {
		out[k] = nn.Dot(m.Dec.Row(int(i)), h) + m.DecBias.W[i]
	}
}

// ScoreAll writes o_ui for every item: one H-wide sparse encoding and one
// items × H matrix–vector product.
func (m *CDAE) ScoreAll(u int, out []float32) {
	w := m.getWork()
	defer m.work.Put(w)
	h := m.code(u, w)
	nn.MatVec(m.Dec.W, m.cfg.Items, h, out)
	nn.Axpy(1, m.DecBias.W, out[:m.cfg.Items])
}

// UserVecs writes the codes h_u (without dropout).
func (m *CDAE) UserVecs(users []int32, out []float32) {
	w := m.getWork()
	defer m.work.Put(w)
	H := m.cfg.Hidden
	for k, u := range users {
		copy(out[k*H:(k+1)*H], m.code(int(u), w))
	}
}

// ItemVecs copies the decoder rows W_dec[i].
func (m *CDAE) ItemVecs(items []int32, out []float32) { gatherRows(m.Dec, items, out) }

// ScoreForm returns DotBiasScore: s(u, i) = h_u·W_dec[i] + b'_i.
func (m *CDAE) ScoreForm() ScoreForm { return DotBiasScore }

// Biases returns no user biases and the decoder biases b' as item biases.
func (m *CDAE) Biases() (user, item []float32) { return nil, m.DecBias.W }

// ItemAE is the item-side counterpart of CDAE (after I-AutoRec, Sedhain et
// al., "AutoRec: Autoencoders Meet Collaborative Filtering", WWW 2015; the
// HetComp "I-AE" teacher, whose exact architecture is unverified
// [methods.md §3.1]): the same denoising model with the roles of users and
// items exchanged. For item i with binary training column c_i ∈ {0,1}^n,
//
//	h_i  = ReLU(W_enc dropout_p(c_i) + b + V_i)
//	s_ui = W_dec[u]·h_i + b'_u                 (output unit u of i's reconstruction)
//	L    = Σ_i Σ_{u∈U_i⁺ ∪ S_i} ℓ(s_ui, c_iu)   (S_i: ⌊5·|U_i⁺|⌋ sampled users)
//
// with CDAE's initialisation and defaults.
//
// Batches: the trainer's batches hold users (train.UserWise), so the loss
// term trains on items instead, in chunks: each epoch it shuffles the items
// that have training users and gives every batch the next share of them in
// proportion to the batch's share of the epoch's examples. With BatchSize B
// a batch covers about B·(items/users) items; set BatchSize to
// 512·users/items for item batches of 512. Any train.Fit call that trains
// CDAE therefore trains ItemAE too.
//
// Scoring: ScoreAll(u) needs the codes h_i of every item. They are
// computed once (nnz·H work) and cached until the parameters change, after
// which a user costs one items × H matrix–vector product.
//
// Its Embedder representations are the decoder row W_dec[u] of a user and
// the code h_i of an item.
type ItemAE struct{ *autoencoder }

// NewItemAE builds an item-side autoencoder over the training interactions
// x (users × items, as for every model); it reports invalid sizes and a
// mismatch between cfg and x.
func NewItemAE(cfg CDAEConfig, x *data.Interactions) (*ItemAE, error) {
	a, err := newAutoencoder("iae", cfg, x, true)
	if err != nil {
		return nil, err
	}
	return &ItemAE{a}, nil
}

// Kind returns "iae".
func (m *ItemAE) Kind() string { return "iae" }

func (m *ItemAE) ensure() { m.cache.ensure(m.buildCodes) }

// buildCodes computes the code of every item into m.codes.
func (m *ItemAE) buildCodes() {
	H := m.cfg.Hidden
	m.codes = growF(m.codes, m.rows*H)
	parallelFor(m.rows, 256, m.ptr, func(lo, hi int) {
		w := m.getWork()
		defer m.work.Put(w)
		for r := lo; r < hi; r++ {
			copy(m.codes[r*H:(r+1)*H], m.code(r, w))
		}
	})
}

// ScoreItems writes s_ui = W_dec[u]·h_i + b'_u for every listed item.
func (m *ItemAE) ScoreItems(u int, items []int32, out []float32) {
	m.ensure()
	H, du, bu := m.cfg.Hidden, m.Dec.Row(u), m.DecBias.W[u]
	for k, i := range items {
		out[k] = nn.Dot(m.codes[int(i)*H:int(i+1)*H], du) + bu
	}
}

// ScoreAll writes s_ui for every item.
func (m *ItemAE) ScoreAll(u int, out []float32) {
	m.ensure()
	nn.MatVec(m.codes, m.cfg.Items, m.Dec.Row(u), out)
	bu := m.DecBias.W[u]
	for i := range out[:m.cfg.Items] {
		out[i] += bu
	}
}

// UserVecs copies the decoder rows W_dec[u].
func (m *ItemAE) UserVecs(users []int32, out []float32) { gatherRows(m.Dec, users, out) }

// ScoreForm returns DotBiasScore: s(u, i) = W_dec[u]·h_i + b'_u.
func (m *ItemAE) ScoreForm() ScoreForm { return DotBiasScore }

// Biases returns the decoder biases b' as user biases and no item biases.
func (m *ItemAE) Biases() (user, item []float32) { return m.DecBias.W, nil }

// ItemVecs copies the item codes h_i (without dropout).
func (m *ItemAE) ItemVecs(items []int32, out []float32) {
	m.ensure()
	H := m.cfg.Hidden
	for k, i := range items {
		copy(out[k*H:(k+1)*H], m.codes[int(i)*H:int(i+1)*H])
	}
}

// Invalidate drops the cached item codes; call it after writing parameter
// values by hand (training and checkpoint loading need no call).
func (m *ItemAE) Invalidate() { m.cache.invalidate() }

// Forward does nothing: the loss term computes everything it needs.
func (m *ItemAE) Forward(*train.Batch) error { return nil }

// Backward marks the cached item codes stale before the optimizer step.
func (m *ItemAE) Backward(*train.Batch) error { m.cache.invalidate(); return nil }

// autoencoder is the shared implementation: it reconstructs "rows" (users
// for CDAE, items for ItemAE) over "units" (items, respectively users).
type autoencoder struct {
	cfg  CDAEConfig
	kind string
	x    *data.Interactions
	// rows and units count the reconstructed entities and their units; ptr
	// and idx list the training units of every row (a CSR of x).
	rows, units int
	ptr         []int
	idx         []int32

	// Emb is V, one H-wide embedding per row (user for CDAE, item for ItemAE).
	Emb *nn.Param
	// Enc holds the encoder weights, one H-wide row per input unit (the
	// transpose of torch's Linear(units, H).weight), and EncBias b.
	Enc, EncBias *nn.Param
	// Dec holds the decoder weights, one H-wide row per output unit (torch's
	// Linear(H, units).weight), and DecBias b' (units × 1).
	Dec, DecBias *nn.Param

	work  sync.Pool // *aeWork
	cache derived   // ItemAE: the item codes
	codes []float32
}

func newAutoencoder(kind string, cfg CDAEConfig, x *data.Interactions, itemSide bool) (*autoencoder, error) {
	if x != nil && cfg.Users == 0 && cfg.Items == 0 {
		cfg.Users, cfg.Items = x.NumUsers, x.NumItems
	}
	if cfg.Users <= 0 || cfg.Items <= 0 {
		return nil, fmt.Errorf("%s: need users > 0 and items > 0, got %d and %d", kind, cfg.Users, cfg.Items)
	}
	if err := checkGraph(kind, x, cfg.Users, cfg.Items); err != nil {
		return nil, err
	}
	if cfg.Hidden == 0 {
		cfg.Hidden = 60
	}
	if cfg.Dropout == 0 {
		cfg.Dropout = 0.2
	}
	if cfg.NegRatio == 0 {
		cfg.NegRatio = 5
	}
	if cfg.InitStd == 0 {
		cfg.InitStd = 0.01
	}
	if cfg.Hidden < 0 || !(cfg.Dropout < 1) || !(cfg.NegRatio > 0) || !(cfg.InitStd > 0) {
		return nil, fmt.Errorf("%s: need hidden > 0, dropout < 1, neg ratio > 0 and init std > 0, got %d, %v, %v, %v",
			kind, cfg.Hidden, cfg.Dropout, cfg.NegRatio, cfg.InitStd)
	}
	a := &autoencoder{cfg: cfg, kind: kind, x: x, rows: cfg.Users, units: cfg.Items, ptr: x.UserPtr, idx: x.UserItems}
	rowName := "user_emb"
	if itemSide {
		a.rows, a.units, a.ptr, a.idx, rowName = cfg.Items, cfg.Users, x.ItemPtr, x.ItemUsers, "item_emb"
	}
	H := cfg.Hidden
	a.Emb = nn.NewParam(rowName, a.rows, H)
	a.Enc, a.EncBias = nn.NewParam("enc_weight", a.units, H), nn.NewParam("enc_bias", 1, H)
	a.Dec, a.DecBias = nn.NewParam("dec_weight", a.units, H), nn.NewParam("dec_bias", a.units, 1)
	rng := nn.NewRand(cfg.Seed, 0xcdae)
	nn.InitNormal(a.Emb, rng, 0, cfg.InitStd)
	nn.InitUniform(a.Enc, rng, 1/math.Sqrt(float64(a.units)))
	nn.InitUniform(a.EncBias, rng, 1/math.Sqrt(float64(a.units)))
	nn.InitUniform(a.Dec, rng, 1/math.Sqrt(float64(H)))
	nn.InitUniform(a.DecBias, rng, 1/math.Sqrt(float64(H)))
	a.cache.src = []*nn.Param{a.Emb, a.Enc, a.EncBias}
	return a, nil
}

// Config returns the hyper-parameters together with the packed training
// matrix (the checkpoint's configuration).
func (a *autoencoder) Config() any { return withGraph[CDAEConfig]{a.cfg, packGraph(a.x)} }

// Params returns V, the encoder's and the decoder's weights and biases.
func (a *autoencoder) Params() []*nn.Param {
	return []*nn.Param{a.Emb, a.Enc, a.EncBias, a.Dec, a.DecBias}
}

// NumParams returns the number of scalar parameters.
func (a *autoencoder) NumParams() int { return nn.CountParams(a.Params()) }

// NumUsers returns the size of the user index space.
func (a *autoencoder) NumUsers() int { return a.cfg.Users }

// NumItems returns the size of the item index space.
func (a *autoencoder) NumItems() int { return a.cfg.Items }

// Dim returns the code size H.
func (a *autoencoder) Dim() int { return a.cfg.Hidden }

// Graph returns the training interactions the model encodes.
func (a *autoencoder) Graph() *data.Interactions { return a.x }

// TrainDefaults returns the reference training settings of the CDAE code:
// train.Defaults with user batches (train.UserWise) of 512, Adam lr 0.01
// and weight decay 1e-4.
func (a *autoencoder) TrainDefaults() train.Config { return aeTrainDefaults() }

// aeTrainDefaults returns the settings of CDAE's and ItemAE's TrainDefaults.
func aeTrainDefaults() train.Config {
	c := train.Defaults()
	c.Examples, c.BatchSize, c.LR, c.WeightDecay = train.UserWise, 512, 0.01, 1e-4
	return c
}

// aeWork holds the buffers of one row's encoding and loss.
type aeWork struct {
	z, h, dh   []float32
	kept, outs []int32
	mark       []uint32 // per unit: stamp of the last row that listed it
	stamp      uint32
}

func (a *autoencoder) getWork() *aeWork {
	if w, ok := a.work.Get().(*aeWork); ok {
		return w
	}
	H := a.cfg.Hidden
	return &aeWork{z: make([]float32, H), h: make([]float32, H), dh: make([]float32, H)}
}

// code returns h_r = ReLU(W_enc r_r + b + V_r), without dropout, in w.h.
func (a *autoencoder) code(r int, w *aeWork) []float32 {
	H := a.cfg.Hidden
	copy(w.h, a.EncBias.W)
	nn.Axpy(1, a.Emb.Row(r), w.h)
	for _, c := range a.idx[a.ptr[r]:a.ptr[r+1]] {
		nn.Axpy(1, a.Enc.W[int(c)*H:int(c+1)*H], w.h)
	}
	relu(w.h)
	return w.h
}

// rowsLoss adds the gradient of the loss of the listed rows and returns it;
// rng draws the dropout masks and the sampled negatives.
func (a *autoencoder) rowsLoss(rows []int32, rng *rand.Rand) float64 {
	w := a.getWork()
	defer a.work.Put(w)
	H, p, h := a.cfg.Hidden, a.cfg.Dropout, w.h
	if len(w.mark) != a.units {
		w.mark = make([]uint32, a.units)
	}
	scale := float32(1)
	if p > 0 {
		scale = float32(1 / (1 - p))
	}
	loss := 0.0
	for _, r32 := range rows {
		r := int(r32)
		act := a.idx[a.ptr[r]:a.ptr[r+1]]
		if len(act) == 0 {
			continue
		}
		// Encode with dropout.
		copy(w.z, a.EncBias.W)
		nn.Axpy(1, a.Emb.Row(r), w.z)
		w.kept = w.kept[:0]
		for _, c := range act {
			if p > 0 && rng.Float64() < p {
				continue
			}
			w.kept = append(w.kept, c)
			nn.Axpy(scale, a.Enc.W[int(c)*H:int(c+1)*H], w.z)
		}
		copy(h, w.z)
		relu(h)
		// Output units: the positives, then distinct sampled negatives.
		w.outs = append(w.outs[:0], act...)
		if len(act) < a.units {
			w.stamp++
			if w.stamp == 0 { // wrapped: reset the marks
				clear(w.mark)
				w.stamp = 1
			}
			for k := int(float64(len(act)) * a.cfg.NegRatio); k > 0; k-- {
				var c int32
				for {
					c = int32(rng.IntN(a.units))
					if _, hit := slices.BinarySearch(act, c); !hit {
						break
					}
				}
				if w.mark[c] != w.stamp {
					w.mark[c] = w.stamp
					w.outs = append(w.outs, c)
				}
			}
		}
		// Decode the selected units and back-propagate.
		clear(w.dh)
		for k, c := range w.outs {
			y := 0.0
			if k < len(act) {
				y = 1
			}
			dec := a.Dec.W[int(c)*H : int(c+1)*H]
			l, g := nn.BCEWithLogits(float64(nn.Dot(dec, h)+a.DecBias.W[c]), y)
			loss += l
			gf := float32(g)
			nn.Axpy(gf, dec, w.dh)
			nn.Axpy(gf, h, a.Dec.GradRow(int(c)))
			a.DecBias.GradRow(int(c))[0] += gf
		}
		for t := range w.dh {
			if w.z[t] <= 0 {
				w.dh[t] = 0
			}
		}
		nn.Axpy(1, w.dh, a.Emb.GradRow(r))
		nn.Axpy(1, w.dh, a.EncBias.GradRow(0))
		for _, c := range w.kept {
			nn.Axpy(scale, w.dh, a.Enc.GradRow(int(c)))
		}
	}
	return loss
}

// checkTrain reports whether the trainer's data is the model's own
// training matrix (the autoencoders encode their stored copy).
func (a *autoencoder) checkTrain(x *data.Interactions) error {
	if x != a.x && (x.NumUsers != a.x.NumUsers || x.NumItems != a.x.NumItems || x.NNZ() != a.x.NNZ()) {
		return fmt.Errorf("%s: trained on %d users × %d items (%d interactions), built on %d × %d (%d): pass the model's own training data",
			a.kind, x.NumUsers, x.NumItems, x.NNZ(), a.x.NumUsers, a.x.NumItems, a.x.NNZ())
	}
	return nil
}

// Loss returns the CDAE loss over the users of each batch as a training
// term. With pairwise batches (not the reference) it reconstructs the
// batch's distinct users.
func (m *CDAE) Loss() train.Term { return &cdaeLoss{m: m} }

type cdaeLoss struct{ m *CDAE }

func (l *cdaeLoss) Name() string                    { return "cdae" }
func (l *cdaeLoss) Params() []*nn.Param             { return nil }
func (l *cdaeLoss) BeginEpoch(e *train.Epoch) error { return l.m.checkTrain(e.Train) }
func (l *cdaeLoss) Batch(b *train.Batch) float64 {
	users := b.Users
	if b.Pos != nil {
		users = b.UniqueUsers()
	}
	return l.m.rowsLoss(users, b.Rand)
}

// Loss returns the ItemAE loss as a training term; each batch trains on a
// chunk of the epoch's shuffled items (see the type comment).
func (m *ItemAE) Loss() train.Term { return &itemAELoss{m: m} }

type itemAELoss struct {
	m          *ItemAE
	order      []int32 // items with training users, shuffled each epoch
	users, nnz int     // examples per epoch: user-wise and pairwise
	done       int     // examples consumed so far this epoch
}

func (l *itemAELoss) Name() string        { return "iae" }
func (l *itemAELoss) Params() []*nn.Param { return nil }
func (l *itemAELoss) BeginEpoch(e *train.Epoch) error {
	m := l.m
	if err := m.checkTrain(e.Train); err != nil {
		return err
	}
	if l.order == nil {
		for i := 0; i < m.rows; i++ {
			if m.ptr[i+1] > m.ptr[i] {
				l.order = append(l.order, int32(i))
			}
		}
		for u := 0; u < m.x.NumUsers; u++ {
			if len(m.x.Items(u)) > 0 {
				l.users++
			}
		}
		l.nnz = m.x.NNZ()
	}
	e.Rand.Shuffle(len(l.order), func(a, b int) { l.order[a], l.order[b] = l.order[b], l.order[a] })
	l.done = 0
	return nil
}

func (l *itemAELoss) Batch(b *train.Batch) float64 {
	l.m.cache.invalidate()
	total := l.users
	if b.Pos != nil {
		total = l.nnz
	}
	lo := min(l.done*len(l.order)/total, len(l.order))
	l.done += len(b.Users)
	hi := min(l.done*len(l.order)/total, len(l.order))
	return l.m.rowsLoss(l.order[lo:hi], b.Rand)
}

// itemAEState is ItemAE's item order, permuted in place every epoch.
type itemAEState struct {
	Order      []int32
	Users, NNZ int
}

// MarshalState encodes the epoch's item order (train.Stateful): each
// epoch shuffles the previous epoch's order, so a resumed run needs it.
func (l *itemAELoss) MarshalState() ([]byte, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&itemAEState{Order: l.order, Users: l.users, NNZ: l.nnz}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// UnmarshalState restores the item order of MarshalState on the loss of a
// model built on the same training data.
func (l *itemAELoss) UnmarshalState(b []byte) error {
	var s itemAEState
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&s); err != nil {
		return fmt.Errorf("%s: state: %w", l.m.kind, err)
	}
	if s.Order == nil { // saved before the first epoch
		l.order, l.users, l.nnz = nil, 0, 0
		return nil
	}
	rows, users := 0, 0
	for i := 0; i < l.m.rows; i++ {
		if l.m.ptr[i+1] > l.m.ptr[i] {
			rows++
		}
	}
	for u := 0; u < l.m.x.NumUsers; u++ {
		if len(l.m.x.Items(u)) > 0 {
			users++
		}
	}
	if len(s.Order) != rows || s.NNZ != l.m.x.NNZ() || s.Users != users {
		return fmt.Errorf("%s: state orders %d items of %d interactions by %d users, the model has %d, %d and %d",
			l.m.kind, len(s.Order), s.NNZ, s.Users, rows, l.m.x.NNZ(), users)
	}
	for _, i := range s.Order {
		if i < 0 || int(i) >= l.m.rows {
			return fmt.Errorf("%s: state orders item %d of %d", l.m.kind, i, l.m.rows)
		}
	}
	l.order, l.users, l.nnz = s.Order, s.Users, s.NNZ
	return nil
}

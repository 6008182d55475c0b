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
		Name: "lightgcn",
		Shapes: func(raw json.RawMessage) ([]TensorShape, error) {
			var c withGraph[LightGCNConfig]
			if err := json.Unmarshal(raw, &c); err != nil {
				return nil, err
			}
			return embShapes("user_emb", "item_emb", c.Model.Users, c.Model.Items, c.Model.Dim), nil
		},
		Doc: "LightGCN: normalised graph propagation, mean of layers, BPR + L2 (He et al., SIGIR 2020)",
		Options: []Option{
			SizeOption("dim", 64, "embedding size d"),
			IntOption("layers", 3, 1, 8, "propagation layers L"),
			PositiveOption("reg", 1e-4, 1, "weight of the L2 term on the batch's layer-0 embeddings"),
			PositiveOption("init-std", 0.01, 10, "standard deviation of the N(0, std²) initialisation"),
		},
		Family:  "GNN",
		Student: true,
		Build: func(c BuildConfig, x *data.Interactions) (*Built, error) {
			m, err := NewLightGCN(LightGCNConfig{Users: c.Users, Items: c.Items, Dim: c.Options.Int("dim"),
				Layers: c.Options.Int("layers"), Reg: c.Options.Float("reg"), InitStd: c.Options.Float("init-std"), Seed: c.Seed}, x)
			if err != nil {
				return nil, err
			}
			return &Built{Model: m, Loss: m.Loss(), Examples: train.Pairwise}, nil
		},
		Decode: func(raw json.RawMessage) (Checkpointable, error) {
			var c withGraph[LightGCNConfig]
			if err := json.Unmarshal(raw, &c); err != nil {
				return nil, err
			}
			x, err := c.Train.unpack(c.Model.Users, c.Model.Items)
			if err != nil {
				return nil, err
			}
			return NewLightGCN(c.Model, x)
		},
		// Tol bright green; GNN is the dissertation's name of HetComp's LightGCN teacher.
		Figure: figstyle.Style{Name: "LightGCN", Aliases: []string{"GNN"}, Groups: []string{figstyle.GroupModel}, Color: "#228833", Marker: figstyle.Cross},
	})
}

// LightGCNConfig holds the hyper-parameters of a LightGCN model.
type LightGCNConfig struct {
	// Users and Items give the index spaces (0 takes them from the training
	// data), Dim the embedding size.
	Users, Items, Dim int
	// Layers is the number L of propagation layers (0 selects the standard 3).
	Layers int
	// Reg is the weight λ of the layer-0 L2 term of the loss (0 selects the
	// reference 1e-4; a negative value disables the term).
	Reg float64
	// InitStd is the standard deviation of the N(0, InitStd²) initialisation
	// (0 selects the reference 0.01).
	InitStd float64
	// Seed drives the initialisation.
	Seed uint64
}

// LightGCN is the light graph convolution network of He et al. ("LightGCN:
// Simplifying and Powering Graph Convolution Network for Recommendation",
// SIGIR 2020), a TD/PHR teacher and student [methods.md §3.1]. On the
// user–item graph of the training data, with adjacency A and degrees D,
//
//	Â       = D^{-1/2} A D^{-1/2}        (Â_ui = 1/√(|N_u|·|N_i|); isolated nodes get 0)
//	E^(k+1) = Â E^(k),   k = 0 … L−1      (E^(0): the embeddings, N(0, 0.01²))
//	F       = (1/(L+1)) Σ_{k=0..L} E^(k)  (final representations)
//	s_ui    = f_u · f_i
//	L       = −Σ_{(u,i,j)∈B} log σ(s_ui − s_uj) + λ Σ_{(u,i,j)∈B} (‖e⁰_u‖² + ‖e⁰_i‖² + ‖e⁰_j‖²)
//
// with λ = 1e-4: the regulariser covers, once per triple, the layer-0
// embeddings of the triple's user, positive and negative item (a row that
// appears in several triples counts several times, as LightGCN's
// ‖E⁰_batch‖² over the stacked batch rows). The third-party code adds it
// twice; here it is added once [methods.md §3.1].
//
// Training: LightGCN is a train.Forwarder. Forward propagates the whole
// graph (L sparse products over the training CSR, float32, rows split over
// goroutines — each output row is summed by one goroutine in CSR order, so
// the result does not depend on the number of workers) and clears the
// gradient accumulators of F. Terms — the BPR loss and any distillation
// term, through Representer and PairScorer — read F and add ∂L/∂F.
// Backward then applies the transpose of the propagation, which is the same
// operator since Â is symmetric:
//
//	∂L/∂E^(0) = (1/(L+1)) Σ_{k=0..L} Â^k ∂L/∂F = (1/(L+1)) (G + Â(G + Â(G + …)))
//
// (Horner form, L products) and adds it to the embeddings' gradients.
//
// Scoring and the Embedder methods read F, recomputed from E^(0) when the
// parameters changed (see derived in zoo.go). Latent distillation uses F,
// the final aggregated embeddings, as the third-party KD code does.
//
// The training matrix is part of the model: a checkpoint stores it (packed,
// about 1.5 bytes per interaction), so Load returns a model that scores
// without further input.
type LightGCN struct {
	cfg LightGCNConfig
	// P and Q are the layer-0 user and item embeddings E^(0).
	P, Q *nn.Param
	// FU and FI hold the final representations F in W and ∂L/∂F in G. They
	// are computed, not trained: Params does not return them.
	FU, FI *nn.Param

	x      *data.Interactions
	wU, wI []float32 // Â weights aligned with x.UserItems and x.ItemUsers
	cost   []int     // CSR row pointer over users then items, for balancing
	// ping-pong layer buffers (user part, item part)
	aU, aI, bU, bI []float32
	cache          derived
}

// NewLightGCN builds a LightGCN model over the training interactions x (the
// graph); it reports invalid sizes and a mismatch between cfg and x.
func NewLightGCN(cfg LightGCNConfig, x *data.Interactions) (*LightGCN, error) {
	if x != nil && cfg.Users == 0 && cfg.Items == 0 {
		cfg.Users, cfg.Items = x.NumUsers, x.NumItems
	}
	if cfg.Users <= 0 || cfg.Items <= 0 {
		return nil, fmt.Errorf("lightgcn: need users > 0 and items > 0, got %d and %d", cfg.Users, cfg.Items)
	}
	if err := checkGraph("lightgcn", x, cfg.Users, cfg.Items); err != nil {
		return nil, err
	}
	if cfg.Dim <= 0 {
		return nil, fmt.Errorf("lightgcn: dim must be > 0, got %d", cfg.Dim)
	}
	if cfg.Layers == 0 {
		cfg.Layers = 3
	}
	if cfg.Reg == 0 {
		cfg.Reg = 1e-4
	}
	if cfg.InitStd == 0 {
		cfg.InitStd = 0.01
	}
	if cfg.Layers < 0 || !(cfg.InitStd > 0) || math.IsNaN(cfg.Reg) {
		return nil, fmt.Errorf("lightgcn: need layers >= 0, init std > 0 and a finite reg, got %d, %v, %v", cfg.Layers, cfg.InitStd, cfg.Reg)
	}
	n, m, d := cfg.Users, cfg.Items, cfg.Dim
	g := &LightGCN{cfg: cfg, x: x,
		P: nn.NewParam("user_emb", n, d), Q: nn.NewParam("item_emb", m, d),
		FU: nn.NewParam("user_final", n, d), FI: nn.NewParam("item_final", m, d),
		aU: make([]float32, n*d), aI: make([]float32, m*d), bU: make([]float32, n*d), bI: make([]float32, m*d),
	}
	rng := nn.NewRand(cfg.Seed, 0x6c67)
	nn.InitNormal(g.P, rng, 0, cfg.InitStd)
	nn.InitNormal(g.Q, rng, 0, cfg.InitStd)
	inv := func(deg int) float64 { return 1 / math.Sqrt(float64(deg)) }
	g.wU = make([]float32, x.NNZ())
	for u := 0; u < n; u++ {
		du := inv(len(x.Items(u)))
		for k, i := range x.Items(u) {
			g.wU[x.UserPtr[u]+k] = float32(du * inv(len(x.Users(int(i)))))
		}
	}
	g.wI = make([]float32, x.NNZ())
	for i := 0; i < m; i++ {
		di := inv(len(x.Users(i)))
		for k, u := range x.Users(i) {
			g.wI[x.ItemPtr[i]+k] = float32(di * inv(len(x.Items(int(u)))))
		}
	}
	g.cost = make([]int, n+m+1)
	copy(g.cost, x.UserPtr)
	for i := 1; i <= m; i++ {
		g.cost[n+i] = x.NNZ() + x.ItemPtr[i]
	}
	g.cache.src = []*nn.Param{g.P, g.Q}
	return g, nil
}

// Kind returns "lightgcn".
func (g *LightGCN) Kind() string { return "lightgcn" }

// Config returns the hyper-parameters together with the packed training
// matrix (the checkpoint's configuration).
func (g *LightGCN) Config() any { return withGraph[LightGCNConfig]{g.cfg, packGraph(g.x)} }

// Params returns the layer-0 embeddings P and Q.
func (g *LightGCN) Params() []*nn.Param { return []*nn.Param{g.P, g.Q} }

// NumParams returns the number of scalar parameters, (n+m)·d.
func (g *LightGCN) NumParams() int { return nn.CountParams(g.Params()) }

// NumUsers returns the size of the user index space.
func (g *LightGCN) NumUsers() int { return g.cfg.Users }

// NumItems returns the size of the item index space.
func (g *LightGCN) NumItems() int { return g.cfg.Items }

// Dim returns the embedding size.
func (g *LightGCN) Dim() int { return g.cfg.Dim }

// Graph returns the training interactions the model propagates over.
func (g *LightGCN) Graph() *data.Interactions { return g.x }

// TrainDefaults returns the third-party reference settings (hyperkdma
// main_no_KD.py): train.Defaults, i.e. Adam lr 1e-3, weight decay 1e-3,
// batches of 1024 triples.
func (g *LightGCN) TrainDefaults() train.Config { return train.Defaults() }

// Invalidate drops the cached final representations; call it after writing
// parameter values by hand (training and checkpoint loading need no call).
func (g *LightGCN) Invalidate() { g.cache.invalidate() }

// gather writes Σ_{v∈N(r)} Â_rv·in_v into o for node r (users first, then
// items; in holds the other side's rows).
func (g *LightGCN) gather(r int, inU, inI, o []float32) {
	d, n := g.cfg.Dim, g.cfg.Users
	clear(o)
	if r < n {
		lo := g.x.UserPtr[r]
		for k, i := range g.x.Items(r) {
			nn.Axpy(g.wU[lo+k], inI[int(i)*d:int(i+1)*d], o)
		}
		return
	}
	i := r - n
	lo := g.x.ItemPtr[i]
	for k, u := range g.x.Users(i) {
		nn.Axpy(g.wI[lo+k], inU[int(u)*d:int(u+1)*d], o)
	}
}

// row returns node r's row in a user and an item matrix.
func (g *LightGCN) row(r int, u, i []float32) []float32 {
	d, n := g.cfg.Dim, g.cfg.Users
	if r < n {
		return u[r*d : (r+1)*d]
	}
	return i[(r-n)*d : (r-n+1)*d]
}

// propagate computes F from E^(0) into FU.W and FI.W.
func (g *LightGCN) propagate() {
	L, c := g.cfg.Layers, float32(1/float64(g.cfg.Layers+1))
	fu, fi := g.FU.W, g.FI.W
	copy(fu, g.P.W)
	copy(fi, g.Q.W)
	inU, inI, outU, outI := g.P.W, g.Q.W, g.aU, g.aI
	for k := 1; k <= L; k++ {
		last := k == L
		parallelFor(g.cfg.Users+g.cfg.Items, 64, g.cost, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				o, f := g.row(r, outU, outI), g.row(r, fu, fi)
				g.gather(r, inU, inI, o)
				if last {
					for t := range f {
						f[t] = (f[t] + o[t]) * c
					}
				} else {
					nn.Axpy(1, o, f)
				}
			}
		})
		inU, inI = outU, outI
		if k%2 == 1 {
			outU, outI = g.bU, g.bI
		} else {
			outU, outI = g.aU, g.aI
		}
	}
}

// Forward propagates E^(0) to the final representations F and clears their
// gradient accumulators, before the terms of a batch.
func (g *LightGCN) Forward(*train.Batch) error {
	g.propagate()
	g.FU.ZeroGrad()
	g.FI.ZeroGrad()
	g.cache.markFresh()
	return nil
}

// Backward propagates the accumulated ∂L/∂F into the gradients of E^(0).
func (g *LightGCN) Backward(*train.Batch) error {
	g.cache.invalidate()
	L, c := g.cfg.Layers, float32(1/float64(g.cfg.Layers+1))
	gu, gi := g.FU.G, g.FI.G
	g.P.TouchAll()
	g.Q.TouchAll()
	if L == 0 {
		nn.Axpy(1, gu, g.P.G)
		nn.Axpy(1, gi, g.Q.G)
		return nil
	}
	inU, inI, outU, outI := gu, gi, g.aU, g.aI
	for k := 1; k <= L; k++ {
		last := k == L
		parallelFor(g.cfg.Users+g.cfg.Items, 64, g.cost, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				o, grad := g.row(r, outU, outI), g.row(r, gu, gi)
				g.gather(r, inU, inI, o)
				if last {
					dst := g.row(r, g.P.G, g.Q.G)
					for t := range o {
						dst[t] += (o[t] + grad[t]) * c
					}
				} else {
					nn.Axpy(1, grad, o)
				}
			}
		})
		inU, inI = outU, outI
		if k%2 == 1 {
			outU, outI = g.bU, g.bI
		} else {
			outU, outI = g.aU, g.aI
		}
	}
	return nil
}

// ensure makes F current for reading outside a training step.
func (g *LightGCN) ensure() { g.cache.ensure(g.propagate) }

// ScoreItems writes f_u·f_i for every listed item.
func (g *LightGCN) ScoreItems(u int, items []int32, out []float32) {
	g.ensure()
	fu := g.FU.Row(u)
	for k, i := range items {
		out[k] = nn.Dot(fu, g.FI.Row(int(i)))
	}
}

// ScoreAll writes f_u·f_i for every item.
func (g *LightGCN) ScoreAll(u int, out []float32) {
	g.ensure()
	nn.MatVec(g.FI.W, g.cfg.Items, g.FU.Row(u), out)
}

// ScoreUsers writes the scores of several users against every item into
// out, one row of NumItems scores per user, as one matrix product.
func (g *LightGCN) ScoreUsers(users []int32, out []float32) {
	g.ensure()
	scoreDotUsers(g.FU, g.FI, users, out)
}

// UserVecs copies the final user representations f_u.
func (g *LightGCN) UserVecs(users []int32, out []float32) { g.ensure(); gatherRows(g.FU, users, out) }

// ItemVecs copies the final item representations f_i.
func (g *LightGCN) ItemVecs(items []int32, out []float32) { g.ensure(); gatherRows(g.FI, items, out) }

// ScoreForm returns DotScore: s(u, i) = f_u·f_i.
func (g *LightGCN) ScoreForm() ScoreForm { return DotScore }

// Biases returns nil, nil: LightGCN has no biases.
func (g *LightGCN) Biases() (user, item []float32) { return nil, nil }

// UserRep returns f_u (a view, valid until the parameters change).
func (g *LightGCN) UserRep(u int32) []float32 { g.ensure(); return g.FU.Row(int(u)) }

// ItemRep returns f_i (a view, valid until the parameters change).
func (g *LightGCN) ItemRep(i int32) []float32 { g.ensure(); return g.FI.Row(int(i)) }

// UserRepGrad returns the accumulator of ∂L/∂f_u, which Backward
// propagates into E^(0).
func (g *LightGCN) UserRepGrad(u int32) []float32 { return g.FU.GradRow(int(u)) }

// ItemRepGrad returns the accumulator of ∂L/∂f_i.
func (g *LightGCN) ItemRepGrad(i int32) []float32 { return g.FI.GradRow(int(i)) }

// ScorePairs writes f_u·f_i for every (users[k], items[k]).
func (g *LightGCN) ScorePairs(users, items []int32, out []float32) {
	g.ensure()
	for k := range users {
		out[k] = nn.Dot(g.FU.Row(int(users[k])), g.FI.Row(int(items[k])))
	}
}

// AddScoreGrad adds g[k]·f_i to ∂f_u and g[k]·f_u to ∂f_i for every pair;
// Backward carries them into E^(0).
func (g *LightGCN) AddScoreGrad(users, items []int32, gr []float32) {
	for k := range users {
		if gr[k] == 0 {
			continue
		}
		u, i := int(users[k]), int(items[k])
		nn.Axpy(gr[k], g.FI.Row(i), g.FU.GradRow(u))
		nn.Axpy(gr[k], g.FU.Row(u), g.FI.GradRow(i))
	}
}

// Loss returns the BPR loss on F plus the layer-0 regulariser as a
// training term. It reads F as computed by Forward, so it must be used
// with a trainer that calls the train.Forwarder methods (train.Fit does).
func (g *LightGCN) Loss() train.Term { return &lightGCNLoss{g: g} }

type lightGCNLoss struct {
	g    *LightGCN
	diff []float32
}

func (l *lightGCNLoss) Name() string                  { return "lightgcn" }
func (l *lightGCNLoss) BeginEpoch(*train.Epoch) error { return nil }
func (l *lightGCNLoss) Params() []*nn.Param           { return nil }

// Batch adds the gradient of the loss: with x = s_ui − s_uj and
// c = −σ(−x), ∂/∂f_u = c(f_i − f_j), ∂/∂f_i = c·f_u, ∂/∂f_j = −c·f_u, and
// 2λe⁰ for each of the triple's layer-0 rows.
func (l *lightGCNLoss) Batch(b *train.Batch) float64 {
	g := l.g
	l.diff = growF(l.diff, g.cfg.Dim)
	reg := float32(max(g.cfg.Reg, 0))
	loss, regLoss := 0.0, 0.0
	for k := range b.Users {
		u, i, j := int(b.Users[k]), int(b.Pos[k]), int(b.Neg[k])
		fu, fi, fj := g.FU.Row(u), g.FI.Row(i), g.FI.Row(j)
		for t := range l.diff {
			l.diff[t] = fi[t] - fj[t]
		}
		x := float64(nn.Dot(fu, l.diff))
		loss -= nn.LogSigmoid(x)
		c := float32(-nn.Sigmoid(-x))
		nn.Axpy(c, l.diff, g.FU.GradRow(u))
		nn.Axpy(c, fu, g.FI.GradRow(i))
		nn.Axpy(-c, fu, g.FI.GradRow(j))
		if reg > 0 {
			for _, e := range [3]struct {
				p *nn.Param
				r int
			}{{g.P, u}, {g.Q, i}, {g.Q, j}} {
				row := e.p.Row(e.r)
				regLoss += float64(nn.Dot(row, row))
				nn.Axpy(2*reg, row, e.p.GradRow(e.r))
			}
		}
	}
	return loss + float64(reg)*regLoss
}

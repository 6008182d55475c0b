package distill

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/internal/simd"
	"github.com/kdrec/kdrec/kdlib/internal/topk"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// HetCompOptions configures HetComp. Zero fields take the reference values
// of the authors' code (methods.md §3.9) given in brackets.
type HetCompOptions struct {
	// K is the number of ensemble top items π^ens_u [100]. Valid: ≥ LongK.
	K int
	// ObservedK is |P_u|, the ensemble's first observed items [K/10].
	ObservedK int
	// LongK and ShortK are the lengths of the two fine-grained lists of
	// phase 2 [50 and 10]. Valid: 1 ≤ ShortK ≤ LongK ≤ K.
	LongK, ShortK int
	// Lambda1 and Lambda2 weigh the phase-1 set-wise loss and the phase-2
	// listwise loss [0.01 and 0.005]. Valid: > 0.
	Lambda1, Lambda2 float64
	// Clamp bounds the student's scores to [−Clamp, Clamp] [40]; a clamped
	// score passes no gradient (torch.clamp). Valid: > 0, ≤ 80.
	Clamp float64
	// Period and Start schedule DKC: after every epoch e with e % Period
	// == 0 and e ≥ Start (completed epochs) [10 and 10]. Valid: ≥ 1.
	Period, Start int
	// Alpha and Decay define th(e) = Alpha·Decay^{⌊e/Period⌋} [1.05 and
	// 0.995]. Valid: > 0.
	Alpha, Decay float64
	// DistK is the cut-off of the wNDCG distance [50]. Valid: ≥ 1.
	DistK int
	// NoDKC removes dynamic knowledge construction (the ablation "w/o
	// DKC"): every (teacher, user) stage is final from the start, so the
	// targets are the converged ensemble's and, AKT's switch being "every
	// stage final", the loss is phase 2's from the first epoch. Not the
	// reference: an option for the chapter's ablation.
	NoDKC bool
	// NoAKT removes adaptive knowledge transfer (the ablation "w/o AKT"):
	// the loss is phase 2's fine-grained listwise loss from the first
	// epoch, while DKC still advances the stages until all are final. Not
	// the reference: an option for the chapter's ablation.
	NoAKT bool
	// Workers bounds the goroutines (default GOMAXPROCS); the results do
	// not depend on it.
	Workers int
}

func (o *HetCompOptions) defaults() {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	deff := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		}
	}
	def(&o.K, 100)
	def(&o.ObservedK, max(1, o.K/10))
	def(&o.LongK, min(50, o.K))
	def(&o.ShortK, min(10, o.LongK))
	def(&o.Period, 10)
	def(&o.Start, 10)
	def(&o.DistK, 50)
	deff(&o.Lambda1, 0.01)
	deff(&o.Lambda2, 0.005)
	deff(&o.Clamp, 40)
	deff(&o.Alpha, 1.05)
	deff(&o.Decay, 0.995)
}

func (o *HetCompOptions) validate() error {
	pos := func(v float64) bool { return v > 0 && !math.IsInf(v, 1) }
	switch {
	case o.K < 1:
		return fmt.Errorf("distill: hetcomp: K must be >= 1, got %d", o.K)
	case o.ObservedK < 1:
		return fmt.Errorf("distill: hetcomp: ObservedK must be >= 1, got %d", o.ObservedK)
	case o.ShortK < 1 || o.ShortK > o.LongK || o.LongK > o.K:
		return fmt.Errorf("distill: hetcomp: need 1 <= ShortK <= LongK <= K, got ShortK=%d LongK=%d K=%d", o.ShortK, o.LongK, o.K)
	case !pos(o.Lambda1) || !pos(o.Lambda2):
		return fmt.Errorf("distill: hetcomp: Lambda1 and Lambda2 must be > 0 and finite, got %v and %v", o.Lambda1, o.Lambda2)
	case !(o.Clamp > 0 && o.Clamp <= 80):
		return fmt.Errorf("distill: hetcomp: Clamp must be in (0, 80], got %v", o.Clamp)
	case o.Period < 1 || o.Start < 1:
		return fmt.Errorf("distill: hetcomp: Period and Start must be >= 1, got %d and %d", o.Period, o.Start)
	case !pos(o.Alpha) || !pos(o.Decay):
		return fmt.Errorf("distill: hetcomp: Alpha and Decay must be > 0 and finite, got %v and %v", o.Alpha, o.Decay)
	case o.DistK < 1:
		return fmt.Errorf("distill: hetcomp: DistK must be >= 1, got %d", o.DistK)
	case o.Workers < 0:
		return fmt.Errorf("distill: hetcomp: Workers must be >= 0, got %d", o.Workers)
	}
	return nil
}

// DKCRecord is the state after one dynamic-knowledge-construction call.
type DKCRecord struct {
	// Epoch is the number of completed epochs at the call.
	Epoch int
	// Threshold is th(Epoch).
	Threshold float64
	// MeanStage[x] is teacher x's stage averaged over users.
	MeanStage []float64
	// StageUsers[x][v] is the number of users whose stage of teacher x is
	// v (v = 0 … the final stage): the distribution MeanStage averages
	// (the HetComp paper's per-teacher stage distributions). A record
	// made before it was kept has none.
	StageUsers [][]int `json:",omitempty"`
	// Moved is the number of (user, teacher) pairs that advanced.
	Moved int
	// Phase is the AKT phase after the call (1 or 2).
	Phase int
	// Done says that every stage is final after the call: DKC stops (with
	// the reference's AKT, phase 2 starts then).
	Done bool `json:",omitempty"`
}

// HetCompTerm is HetComp's distillation term (S. Kang, W. Kweon, D. Lee,
// J. Lian, X. Xie, H. Yu, "Distillation from Heterogeneous Models for
// Top-K Recommendation", WWW 2023; methods.md §3.9), for a BPR-MF student.
// Build it with HetComp; it is a train.Term, and its OnEpoch method is the
// epoch hook that runs dynamic knowledge construction.
//
// Dynamic knowledge construction (DKC). Every (teacher x, user u) pair has
// a stage v_{x,u}, initially 0 (the earliest checkpoints: easy knowledge).
// After the evaluation of every epoch e with e % Period == 0 and e ≥ Start,
// while some stage is not final (Σ_x round(mean_u v_{x,u}, 2) <
// #teachers·(#stages−1)), the student's top-DistK unobserved items per user are
// compared with each teacher's next-stage list by δ = 1 − WNDCG. At the
// first call δ is recorded for every pair; at later calls every pair below
// the final stage advances when DKCAdvance(last δ, δ now, th(e)) holds,
// and then records δ to its new next stage. The ensemble targets
// π^ens_u = Ensemble top-K at the stages v_{·,u} are then rebuilt.
//
// Adaptive knowledge transfer (AKT), for the unique users of each batch,
// with s the student's scores clamped to [−Clamp, Clamp], P_u the
// ensemble's first ObservedK observed items and R_u the items neither
// observed nor listed:
//
//   - phase 1 (while Σ_x round(mean_u v_{x,u}, 2) < #teachers·(#stages−1)):
//     Lambda1 · Σ_{x ∈ P_u ∪ π^ens_u} −log( e^{s_x} / (e^{s_x} + Σ_{j∈R_u} e^{s_j}) ),
//     with R_u = unobserved items outside π^ens_u[:K];
//   - phase 2 (afterwards; DKC stops): Lambda2 · ( PL(P_u; N') +
//     ½[PL(π[:LongK]; N') + PL(π[:ShortK]; N”)] ), with PL the relaxed
//     Plackett–Luce loss of Listwise, N' the unobserved items outside
//     π[:LongK] and N” those outside π[:ShortK].
//
// The rest sets hold every unobserved item, so each user costs a full row
// of scores: the batch's users are processed in chunks of 32, each user's
// row by one goroutine (scores, exponentials, the user's gradient), then
// the item gradients tile by tile (1024 items per goroutine task, users in
// batch order), so the sums, and the results, do not depend on the number
// of goroutines. The bulk exponentials use a float32 polynomial exp
// (relative error < 1e−6); the listed items' terms are computed in float64.
//
// Ablations (the chapter's, not the reference): NoDKC starts every stage
// at the final one (converged targets, hence phase 2 from the start);
// NoAKT uses phase 2's loss from the start while DKC runs as usual. With
// both the run equals NoDKC alone.
//
// As in the reference code the term is the whole KD loss; the reference
// computes and drops the BPR loss, so train with []train.Term{term} (add
// the student's BPR loss for the variant of the third-party code).
type HetCompTerm struct {
	o     HetCompOptions
	ens   *Ensemble
	st    *model.BPR
	n, m  int
	nT    int
	final uint8

	stage   []uint8   // stage[x·n+u]
	last    []float64 // last δ per (x, u)
	dkcInit bool
	dkcDone bool // every stage final: no more DKC steps
	lastDKC int
	phase   int
	targets []int32 // n·K, user u at [u·K, u·K+tlen[u])
	tlen    []int32
	obs     [][]int32
	history []DKCRecord
	pending error

	workers int
	ws      []*hcWorker
	grow    []float32   // chunk·m gradient coefficients
	qt, gt  []float32   // Qᵀ and the transposed item gradient, d·m
	dp      []float32   // chunk·d user gradients
	loss    []float64   // chunk
	pa      [][]float32 // per r, a chunk's non-zero p_ur (Batch)
	poff    [][]int     // and the offsets of their rows in grow
}

const (
	hcChunk = 32
	hcTile  = 1024
)

type hcWorker struct {
	mark    []uint8
	seq, gs []float64
	sc      []float64
}

// HetComp returns HetComp's term for the BPR-MF student st (its user and
// item tables must cover the ensemble's training data), with the ensemble
// targets initialised at stage 0 of every teacher.
func HetComp(ens *Ensemble, st *model.BPR, o HetCompOptions) (*HetCompTerm, error) {
	if ens == nil {
		return nil, fmt.Errorf("distill: hetcomp: no ensemble")
	}
	if st == nil {
		return nil, fmt.Errorf("distill: hetcomp: no student")
	}
	o.defaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	n, m := ens.Train.NumUsers, ens.Train.NumItems
	if st.NumUsers() < n || st.NumItems() < m {
		return nil, fmt.Errorf("distill: hetcomp: student covers %d × %d, the training data %d × %d", st.NumUsers(), st.NumItems(), n, m)
	}
	if ens.NumStages() > 255 {
		return nil, fmt.Errorf("distill: hetcomp: %d stages (at most 255)", ens.NumStages())
	}
	if ens.N < o.DistK {
		return nil, fmt.Errorf("distill: hetcomp: DistK=%d exceeds the stage lists' length %d", o.DistK, ens.N)
	}
	w := o.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	t := &HetCompTerm{o: o, ens: ens, st: st, n: n, m: m, nT: len(ens.Teachers), final: uint8(ens.NumStages() - 1),
		stage: make([]uint8, len(ens.Teachers)*n), last: make([]float64, len(ens.Teachers)*n),
		lastDKC: -1, phase: 1, targets: make([]int32, n*o.K), tlen: make([]int32, n), obs: make([][]int32, n), workers: w}
	if o.NoDKC {
		for k := range t.stage {
			t.stage[k] = t.final
		}
	}
	if t.final == 0 || o.NoDKC {
		t.dkcDone = true
	}
	if t.dkcDone || o.NoAKT {
		t.phase = 2
	}
	for u := 0; u < n; u++ {
		ob := ens.Observed(u)
		t.obs[u] = ob[:min(o.ObservedK, len(ob))]
	}
	t.rebuildTargets()
	for k := 0; k < w; k++ {
		t.ws = append(t.ws, &hcWorker{mark: make([]uint8, m)})
	}
	return t, nil
}

// Name returns "hetcomp".
func (t *HetCompTerm) Name() string { return "hetcomp" }

// Params returns nil: the term has no parameters of its own.
func (t *HetCompTerm) Params() []*nn.Param { return nil }

// Phase returns the current AKT phase: 1 (overall relations) or 2
// (fine-grained ranking).
func (t *HetCompTerm) Phase() int { return t.phase }

// Stage returns the current stage of teacher x for user u.
func (t *HetCompTerm) Stage(x, u int) int { return int(t.stage[x*t.n+u]) }

// Targets returns the current ensemble targets π^ens_u (a copy).
func (t *HetCompTerm) Targets(u int) []int32 {
	return append([]int32(nil), t.targets[u*t.o.K:u*t.o.K+int(t.tlen[u])]...)
}

// ObservedTargets returns P_u (a copy).
func (t *HetCompTerm) ObservedTargets(u int) []int32 { return append([]int32(nil), t.obs[u]...) }

// History returns the record of every DKC call so far.
func (t *HetCompTerm) History() []DKCRecord { return t.history }

// due says whether DKC runs after epoch e (completed epochs).
func (t *HetCompTerm) due(e int) bool {
	return !t.dkcDone && e >= t.o.Start && e%t.o.Period == 0 && t.lastDKC != e
}

// OnEpoch is the epoch hook (train.Hook.OnEpoch) that runs DKC after the
// evaluation of a due epoch, as the reference does. BeginEpoch runs a due
// DKC step itself when the hook is not installed, so installing it is
// optional; an error is returned by the next BeginEpoch.
func (t *HetCompTerm) OnEpoch(ev train.EpochEvent) {
	if t.pending == nil && t.due(ev.Epoch) {
		t.pending = t.DKCStep(context.Background(), ev.Epoch)
	}
}

// Hook returns the training hook that calls t.OnEpoch, to append to
// train.Config.Hooks.
func (t *HetCompTerm) Hook() train.Hook { return train.Hook{OnEpoch: t.OnEpoch} }

// BeginEpoch checks the training data and runs a DKC step that is due and
// was not run by the hook.
func (t *HetCompTerm) BeginEpoch(e *train.Epoch) error {
	if e.Train.NumUsers != t.n || e.Train.NumItems != t.m || e.Train.NNZ() != t.ens.Train.NNZ() {
		return fmt.Errorf("training data is %d×%d with %d pairs, the ensemble was built for %d×%d with %d",
			e.Train.NumUsers, e.Train.NumItems, e.Train.NNZ(), t.n, t.m, t.ens.Train.NNZ())
	}
	if err := t.pending; err != nil {
		t.pending = nil
		return err
	}
	if t.due(e.Index) {
		return t.DKCStep(context.Background(), e.Index)
	}
	return nil
}

// DKCStep runs one dynamic-knowledge-construction step after epoch (the
// number of completed epochs, which sets th): it ranks the catalogue with
// the student, updates the stages, rebuilds the targets and switches to
// phase 2 when every stage is final. It does nothing once every stage is
// final.
func (t *HetCompTerm) DKCStep(ctx context.Context, epoch int) error {
	if t.dkcDone {
		return nil
	}
	top, err := t.studentTop(ctx)
	if err != nil {
		return fmt.Errorf("distill: hetcomp: dkc: %w", err)
	}
	th := DKCThreshold(epoch, t.o.Alpha, t.o.Decay, t.o.Period)
	k := t.o.DistK
	moved := make([]int, t.n)
	t.parallelUsers(func(u int, _ *hcWorker) {
		st := top[u*k : u*k+k]
		for x := 0; x < t.nT; x++ {
			p := x*t.n + u
			v := t.stage[p]
			next := func(v uint8) []int32 { return t.ens.Teachers[x].Stages[min(v+1, t.final)].Row(u) }
			if !t.dkcInit {
				t.last[p] = 1 - WNDCG(st, next(v), k)
				continue
			}
			if v >= t.final {
				continue
			}
			now := 1 - WNDCG(st, next(v), k)
			if DKCAdvance(t.last[p], now, th) {
				v++
				t.stage[p] = v
				t.last[p] = 1 - WNDCG(st, next(v), k)
				moved[u]++
			}
		}
	})
	t.dkcInit = true
	t.lastDKC = epoch
	rec := DKCRecord{Epoch: epoch, Threshold: th, MeanStage: t.MeanStages(), StageUsers: t.StageUsers()}
	for _, c := range moved {
		rec.Moved += c
	}
	if rec.Moved > 0 {
		t.rebuildTargets()
	}
	sum := 0.0
	for _, v := range rec.MeanStage {
		sum += math.RoundToEven(v*100) / 100
	}
	if sum >= float64(t.nT)*float64(t.final) {
		t.dkcDone = true
		t.phase = 2
	}
	rec.Phase, rec.Done = t.phase, t.dkcDone
	t.history = append(t.history, rec)
	return nil
}

// MeanStages returns every teacher's stage averaged over users.
func (t *HetCompTerm) MeanStages() []float64 {
	out := make([]float64, t.nT)
	for x := range out {
		s := 0
		for _, v := range t.stage[x*t.n : (x+1)*t.n] {
			s += int(v)
		}
		out[x] = float64(s) / float64(t.n)
	}
	return out
}

// StageUsers returns, for every teacher x, the number of users at each
// stage v (index v, from 0 to the final stage).
func (t *HetCompTerm) StageUsers() [][]int {
	out := make([][]int, t.nT)
	for x := range out {
		out[x] = make([]int, int(t.final)+1)
		for _, v := range t.stage[x*t.n : (x+1)*t.n] {
			out[x][v]++
		}
	}
	return out
}

// parallelUsers runs f for every user, users split in fixed chunks.
func (t *HetCompTerm) parallelUsers(f func(u int, w *hcWorker)) {
	const chunk = 64
	chunks := (t.n + chunk - 1) / chunk
	var wg sync.WaitGroup
	for k := 0; k < min(t.workers, chunks); k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			for c := k; c < chunks; c += t.workers {
				for u := c * chunk; u < min((c+1)*chunk, t.n); u++ {
					f(u, t.ws[k])
				}
			}
		}(k)
	}
	wg.Wait()
}

// rebuildTargets recomputes π^ens_u for every user at the current stages.
func (t *HetCompTerm) rebuildTargets() {
	accs := make([]*ensAcc, t.workers)
	for k := range accs {
		accs[k] = newEnsAcc(t.m)
	}
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	st := make([][]uint8, t.workers)
	for k := 0; k < t.workers; k++ {
		st[k] = make([]uint8, t.nT)
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			for {
				mu.Lock()
				lo := next
				next += 64
				mu.Unlock()
				if lo >= t.n {
					return
				}
				for u := lo; u < min(lo+64, t.n); u++ {
					for x := 0; x < t.nT; x++ {
						st[k][x] = t.stage[x*t.n+u]
					}
					dst := t.targets[u*t.o.K : u*t.o.K : (u+1)*t.o.K]
					t.tlen[u] = int32(len(t.ens.top(u, st[k], t.o.K, accs[k], dst)))
				}
			}
		}(k)
	}
	wg.Wait()
}

// studentTop returns the student's top-DistK unobserved items of every
// user (n·DistK, best first; shorter rows are padded with −1).
func (t *HetCompTerm) studentTop(ctx context.Context) ([]int32, error) {
	k := t.o.DistK
	out := make([]int32, t.n*k)
	mi := t.st.NumItems()
	const block = 8
	blocks := (t.n + block - 1) / block
	var wg sync.WaitGroup
	for w := 0; w < min(t.workers, blocks); w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			buf := make([]float32, block*mi)
			ids := make([]int32, block)
			top := make([]int32, k)
			for b := w; b < blocks; b += t.workers {
				if ctx.Err() != nil {
					return
				}
				lo, hi := b*block, min((b+1)*block, t.n)
				for u := lo; u < hi; u++ {
					ids[u-lo] = int32(u)
				}
				t.st.ScoreUsers(ids[:hi-lo], buf[:(hi-lo)*mi])
				for u := lo; u < hi; u++ {
					row := buf[(u-lo)*mi : (u-lo)*mi+t.m]
					top = topk.TopK(row, k, t.ens.Train.Items(u), top[:0])
					dst := out[u*k : (u+1)*k]
					n := copy(dst, top)
					for j := n; j < k; j++ {
						dst[j] = -1
					}
				}
			}
		}(w)
	}
	wg.Wait()
	return out, ctx.Err()
}

// Batch adds the gradient of the current phase's loss for the batch's
// unique users and returns the weighted loss.
//
// Layout: the item table is copied transposed (d rows of m scores' worth),
// so a user's scores, ∂L/∂p_u and the item gradients are d vector
// operations of length m each (gonum's SIMD float32 Axpy and Dot); only the
// exponentials and the gradient coefficients are a scalar pass. The item
// gradients are accumulated transposed and added to Q.G once per batch.
func (t *HetCompTerm) Batch(b *train.Batch) float64 {
	users := b.UniqueUsers()
	d := t.st.Dim()
	m := t.m
	if len(t.grow) < hcChunk*m {
		t.grow = make([]float32, hcChunk*m)
		t.dp = make([]float32, hcChunk*d)
		t.loss = make([]float64, hcChunk)
	}
	if len(t.qt) != d*m {
		t.qt = make([]float32, d*m)
		t.gt = make([]float32, d*m)
		t.pa, t.poff = make([][]float32, d), make([][]int, d)
	}
	P, Q := t.st.P, t.st.Q
	for j := 0; j < m; j++ {
		row := Q.W[j*d : j*d+d]
		for k, v := range row {
			t.qt[k*m+j] = v
		}
	}
	total := 0.0
	tiles := (m + hcTile - 1) / hcTile
	for lo := 0; lo < len(users); lo += hcChunk {
		chunk := users[lo:min(lo+hcChunk, len(users))]
		// Phase A: one user per task.
		t.parallel(len(chunk), func(c int, w *hcWorker) {
			t.loss[c] = t.userRow(int(chunk[c]), t.grow[c*m:(c+1)*m], t.dp[c*d:(c+1)*d], w)
		})
		// Phase B: item gradients, one tile per task, users in order:
		// gt[r] += p_ur·g_u for every user with p_ur ≠ 0 (nn.Axpy skips
		// the others), the tile of gt[r] kept in registers.
		for r := 0; r < d; r++ {
			a, off := t.pa[r][:0], t.poff[r][:0]
			for k, u := range chunk {
				if v := P.Row(int(u))[r]; v != 0 {
					a, off = append(a, v), append(off, k*m)
				}
			}
			t.pa[r], t.poff[r] = a, off
		}
		t.parallel(tiles, func(c int, _ *hcWorker) {
			j0, j1 := c*hcTile, min((c+1)*hcTile, m)
			for r := 0; r < d; r++ {
				simd.AxpyRows(t.gt[r*m+j0:r*m+j1], t.pa[r], t.grow[j0:], t.poff[r])
			}
		})
		for k, u := range chunk {
			nn.Axpy(1, t.dp[k*d:(k+1)*d], P.GradRow(int(u)))
			total += t.loss[k]
		}
	}
	// Add the transposed item gradients to Q.G.
	Q.TouchAll()
	t.parallel(tiles, func(c int, _ *hcWorker) {
		j0, j1 := c*hcTile, min((c+1)*hcTile, m)
		for j := j0; j < j1; j++ {
			g := Q.G[j*d : j*d+d]
			for r := range g {
				g[r] += t.gt[r*m+j]
				t.gt[r*m+j] = 0
			}
		}
	})
	return total
}

// parallel runs f(0) … f(n−1) on up to t.workers goroutines (f(c, w) gets
// the worker's scratch); task order does not affect results because every
// task writes its own outputs.
func (t *HetCompTerm) parallel(n int, f func(c int, w *hcWorker)) {
	w := min(t.workers, n)
	if w <= 1 {
		for c := 0; c < n; c++ {
			f(c, t.ws[0])
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for k := 0; k < w; k++ {
		wg.Add(1)
		go func(ws *hcWorker) {
			defer wg.Done()
			for {
				c := int(next.Add(1) - 1)
				if c >= n {
					return
				}
				f(c, ws)
			}
		}(t.ws[k])
	}
	wg.Wait()
}

// userRow computes user u's loss, writes ∂L/∂s_uj for every item j into
// grow and ∂L/∂p_u into dp, and returns the weighted loss.
func (t *HetCompTerm) userRow(u int, grow, dp []float32, w *hcWorker) float64 {
	d := t.st.Dim()
	m := t.m
	pu := t.st.P.Row(u)
	q := t.st.Q.W
	C := float32(t.o.Clamp)
	// Marks: 0 rest, 1 observed but not listed, 2 listed.
	train := t.ens.Train.Items(u)
	for _, i := range train {
		w.mark[i] = 1
	}
	pl := t.obs[u]
	pi := t.targets[u*t.o.K : u*t.o.K+int(t.tlen[u])]
	nList := len(pi)
	if t.phase == 2 {
		nList = min(len(pi), t.o.LongK)
	}
	for _, i := range pl {
		w.mark[i] = 2
	}
	for _, i := range pi[:nList] {
		w.mark[i] = 2
	}
	// Scores Σ_r p_ur·Qᵀ[r] (same float32 operations as dotN), then
	// e_j = exp(clamp(s_j)), negated when clamped; Z over the rest.
	simd.ScoreExpClamp(pu, t.qt, m, grow, C)
	z := simd.RestMass(grow, w.mark[:m])
	// The listed items' clamped scores, in float64.
	score := func(i int32) (s float64, live bool) {
		v := float64(dotN(pu, q[int(i)*d:int(i)*d+d]))
		c := math.Max(-t.o.Clamp, math.Min(t.o.Clamp, v))
		return c, c == v
	}
	var loss float64
	w.gs = w.gs[:0]
	if t.phase == 1 {
		// Set-wise loss of every listed item against the rest.
		cRest := 0.0
		for _, lst := range [][]int32{pl, pi} {
			for _, x := range lst {
				s, live := score(x)
				ex := math.Exp(s)
				den := ex + z
				loss += math.Log(den) - s
				cRest += 1 / den
				g := 0.0
				if live {
					g = ex/den - 1
				}
				w.gs = append(w.gs, g)
			}
		}
		simd.RestGrad(grow, w.mark[:m], float32(cRest*t.o.Lambda1))
		k := 0
		for _, lst := range [][]int32{pl, pi} {
			for _, x := range lst {
				grow[x] = float32(w.gs[k] * t.o.Lambda1)
				k++
			}
		}
		loss *= t.o.Lambda1
	} else {
		long, short := pi[:nList], pi[:min(nList, t.o.ShortK)]
		// N'' adds π[ShortK:LongK] to the rest mass.
		z2 := z
		w.seq = w.seq[:0]
		for _, x := range long {
			s, _ := score(x)
			w.seq = append(w.seq, s)
		}
		for k := len(short); k < len(long); k++ {
			z2 += math.Exp(w.seq[k])
		}
		w.sc = w.sc[:0]
		for _, x := range pl {
			s, _ := score(x)
			w.sc = append(w.sc, s)
		}
		if need := len(long) + len(short) + len(pl); cap(w.gs) < need {
			w.gs = make([]float64, need)
		}
		gl := w.gs[:len(long)+len(short)+len(pl)]
		g2, g3, g1 := gl[:len(long)], gl[len(long):len(long)+len(short)], gl[len(long)+len(short):]
		l1, c1 := plMass(w.sc, math.Log(z), g1)
		l2, c2 := plMass(w.seq, math.Log(z), g2)
		l3, c3 := plMass(w.seq[:len(short)], math.Log(z2), g3)
		loss = (l1 + 0.5*(l2+l3)) * t.o.Lambda2
		simd.RestGrad(grow, w.mark[:m], float32((c1+0.5*(c2+c3))*t.o.Lambda2))
		for k, x := range long {
			_, live := score(x)
			g := 0.5 * g2[k]
			if k < len(short) {
				g += 0.5 * g3[k]
			} else {
				g += 0.5 * c3 * math.Exp(w.seq[k])
			}
			if !live {
				g = 0
			}
			grow[x] = float32(g * t.o.Lambda2)
		}
		for k, x := range pl {
			_, live := score(x)
			g := 0.0
			if live {
				g = g1[k]
			}
			grow[x] = float32(g * t.o.Lambda2)
		}
	}
	// ∂L/∂p_u = Σ_j g_j q_j (nn.Dot of grow and each row of Qᵀ).
	simd.Dots(grow, t.qt, m, dp[:d])
	for _, i := range train {
		w.mark[i] = 0
	}
	for _, i := range pi {
		w.mark[i] = 0
	}
	return loss
}

// plMass is the relaxed Plackett–Luce loss of an ordered list above a set
// given only by its log-mass logB = log Σ_{j∈below} e^{s_j}:
//
//	L = Σ_k [ log(Σ_{l≥k} e^{s_l} + e^{logB}) − s_k ]
//
// It writes ∂L/∂s_k into g and returns L and c = Σ_k e^{−S_k}, so that
// ∂L/∂s_j = c·e^{s_j} for every member j of the below set (the same
// recurrences as Listwise, without the members' scores).
func plMass(seq []float64, logB float64, g []float64) (loss, c float64) {
	K := len(seq)
	if K == 0 {
		return 0, 0
	}
	S := g // S_k is kept in g until the gradient overwrites it
	next := logB
	for k := K - 1; k >= 0; k-- {
		next = logAddExp(seq[k], next)
		S[k] = next
		loss += next - seq[k]
	}
	for k := 0; k < K; k++ {
		c += math.Exp(-S[k])
		g[k] = -1 + math.Exp(seq[k])*c
	}
	return loss, c
}

// dotN is a float32 dot product in a fixed order.
func dotN(a, b []float32) float32 {
	if len(a) == 6 {
		b = b[:6]
		return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] + a[3]*b[3] + a[4]*b[4] + a[5]*b[5]
	}
	var s float32
	for k, x := range a {
		s += x * b[k]
	}
	return s
}

func init() {
	Register(Method{Name: "hetcomp", Kind: EnsembleKD, Lambda: 1, Order: orderHetComp,
		Doc: "HetComp: easy-to-hard distillation of a heterogeneous ensemble's trajectories (Kang et al., WWW 2023); lambda scales lambda1 and lambda2",
		Options: []Option{optInt("k", 100, 1, maxN, "ensemble top items π^ens_u per user"),
			optInt("observed-k", 0, 0, maxN, "|P_u|, the ensemble's first observed items (0: k/10)"),
			optInt("long-k", 0, 0, maxN, "length of phase 2's long listwise target (0: min(50, k))"),
			optInt("short-k", 0, 0, maxN, "length of phase 2's short listwise target (0: min(10, long-k))"),
			optPos("lambda1", 0.01, maxCount, "weight of phase 1's set-wise loss"), optPos("lambda2", 0.005, maxCount, "weight of phase 2's listwise loss"),
			optFloat("clamp", 40, 1e-6, 80, "bound of the student's scores in the loss"),
			optInt("period", 10, 1, maxCount, "epochs between knowledge-construction steps"), optInt("start", 10, 1, maxCount, "first epoch of a knowledge-construction step"),
			optPos("alpha", 1.05, maxCount, "threshold th(e) = alpha·decay^⌊e/period⌋ of the stage rule"), optPos("decay", 0.995, 1, "decay of the threshold"),
			optInt("dist-k", 50, 1, maxN, "cut-off of the wNDCG distance between rankings"),
			optBool("with-bpr", false, "add the student's BPR loss (the authors' code trains with the KD loss only)"),
			optBool("dkc", true, "dynamic knowledge construction (false: the ablation w/o DKC, converged targets from the start)"),
			optBool("akt", true, "adaptive knowledge transfer (false: the ablation w/o AKT, the fine-grained listwise loss from the start)")},
		Typed: func(env Env, o TermOptions) ([]train.Term, error) {
			if env.Ensemble == nil {
				return nil, fmt.Errorf("kd hetcomp distils an ensemble of teachers' trajectories: no ensemble given")
			}
			st, ok := env.Student.(*model.BPR)
			if !ok {
				return nil, modelError("hetcomp", "student", "a BPR matrix factorisation (the student of HetComp's reference)", env.Student)
			}
			var h HetCompOptions
			if p, _ := o.(*HetCompOptions); p != nil {
				h = *p
			}
			return one(HetComp(env.Ensemble, st, h))
		},
		Precheck: func(v, _ Values) error {
			k, long, short := v.Int("k"), v.Int("long-k"), v.Int("short-k")
			if long == 0 {
				long = min(50, k)
			}
			if short == 0 {
				short = min(10, long)
			}
			if long > k {
				return v.OutOfRange("long-k", fmt.Sprintf("0 or an integer in [1, k=%d]", k))
			}
			if short > long {
				return v.OutOfRange("short-k", fmt.Sprintf("0 or an integer in [1, long-k=%d]", long))
			}
			return nil
		},
		Build: func(env Env, v Values) ([]train.Term, error) {
			if env.Ensemble == nil {
				return nil, fmt.Errorf("kd hetcomp distils an ensemble of teachers' trajectories: give the run a list of teachers (spec field teachers)")
			}
			st, ok := env.Student.(*model.BPR)
			if !ok {
				return nil, modelError(v.Method(), "student", "a BPR matrix factorisation (the student of HetComp's reference)", env.Student)
			}
			return one(HetComp(env.Ensemble, st, HetCompOptionsOf(v)))
		},
		// Tol muted wine, a dark colour that reads apart from the ranking methods'
		// Okabe–Ito ones.
		Figure: figstyle.Style{Name: "HetComp", Groups: []string{figstyle.GroupRanking}, Color: "#882255", Marker: figstyle.Square},
	})
}

// HetCompOptionsOf converts checked hetcomp values (see Check) to
// HetCompOptions; λ scales both phases' weights.
func HetCompOptionsOf(v Values) HetCompOptions {
	l := v.Float("lambda")
	return HetCompOptions{K: v.Int("k"), ObservedK: v.Int("observed-k"), LongK: v.Int("long-k"), ShortK: v.Int("short-k"),
		Lambda1: l * v.Float("lambda1"), Lambda2: l * v.Float("lambda2"), Clamp: v.Float("clamp"), Period: v.Int("period"),
		Start: v.Int("start"), Alpha: v.Float("alpha"), Decay: v.Float("decay"), DistK: v.Int("dist-k"),
		NoDKC: !v.Bool("dkc"), NoAKT: !v.Bool("akt")}
}

// Method names the registered method HetCompOptions configures.
func (*HetCompOptions) Method() string { return "hetcomp" }

// hetCompState is HetComp's curriculum: DKC's stages and distances, its
// progress, the AKT phase, the ensemble targets of the current stages and
// the record of the DKC calls.
type hetCompState struct {
	Stage            []uint8
	Last             []float64
	DKCInit, DKCDone bool
	LastDKC, Phase   int
	Targets, TLen    []int32
	History          []DKCRecord
	Pending          string // the error of a hook's DKC step, for the next BeginEpoch
}

// MarshalState encodes the curriculum (train.Stateful).
func (t *HetCompTerm) MarshalState() ([]byte, error) {
	s := hetCompState{Stage: t.stage, Last: t.last, DKCInit: t.dkcInit, DKCDone: t.dkcDone, LastDKC: t.lastDKC, Phase: t.phase,
		Targets: t.targets, TLen: t.tlen, History: t.history}
	if t.pending != nil {
		s.Pending = t.pending.Error()
	}
	return encodeState(&s)
}

// UnmarshalState restores the curriculum of MarshalState on a term built
// for the same ensemble and options.
func (t *HetCompTerm) UnmarshalState(b []byte) error {
	var s hetCompState
	if err := decodeState("hetcomp", b, &s); err != nil {
		return err
	}
	if len(s.Stage) != len(t.stage) || len(s.Last) != len(t.last) || len(s.Targets) != len(t.targets) || len(s.TLen) != len(t.tlen) {
		return fmt.Errorf("distill: hetcomp: state of %d (teacher, user) stages and %d target rows, the term has %d and %d",
			len(s.Stage), len(s.TLen), len(t.stage), len(t.tlen))
	}
	for _, v := range s.Stage {
		if v > t.final {
			return fmt.Errorf("distill: hetcomp: state holds stage %d, the ensemble's last is %d", v, t.final)
		}
	}
	if s.Phase != 1 && s.Phase != 2 {
		return fmt.Errorf("distill: hetcomp: state in phase %d", s.Phase)
	}
	K, items := t.o.K, t.ens.Train.NumItems
	for u, n := range s.TLen {
		if n < 0 || int(n) > K {
			return fmt.Errorf("distill: hetcomp: state holds %d targets for user %d, K = %d", n, u, K)
		}
		for _, i := range s.Targets[u*K : u*K+int(n)] {
			if i < 0 || int(i) >= items {
				return fmt.Errorf("distill: hetcomp: state holds target item %d of %d", i, items)
			}
		}
	}
	t.stage, t.last, t.dkcInit, t.dkcDone, t.lastDKC, t.phase = s.Stage, s.Last, s.DKCInit, s.DKCDone, s.LastDKC, s.Phase
	t.targets, t.tlen, t.history = s.Targets, s.TLen, s.History
	t.pending = nil
	if s.Pending != "" {
		t.pending = errors.New(s.Pending)
	}
	return nil
}

package distill

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/internal/topk"
	"github.com/kdrec/kdrec/kdlib/model"
)

// Trajectory is what HetComp reads of one teacher (methods.md §3.9, the
// inputs `top_perms` and `observed`): the teacher's ranking of every user's
// unobserved items at each stage of its training trajectory, and its
// ordering of every user's observed items once converged.
type Trajectory struct {
	// Name identifies the teacher ("MF", "ML", "DL", "GNN", "AE", "I-AE").
	Name string
	// Stages[v] holds, for every user, the teacher's top-N items outside the
	// user's training set at trajectory stage v, best first (perm_dict[x][v]
	// of the reference). Stage 0 is the earliest checkpoint and the last
	// stage the converged teacher.
	Stages []*Lists
	// Observed orders every user's training items by the converged teacher,
	// best first, laid out like Train.UserItems: user u's items are
	// Observed[Train.UserPtr[u]:Train.UserPtr[u+1]].
	Observed []int32
}

// Ensemble is the importance-weighted aggregation of the teachers' rankings
// (HetComp's Eq. 8). Its exact form is unverified in the specification
// ([R/I]: "a rank-position-based importance of the kind exp(−rank/T) summed
// over teachers"; the reference code only sums precomputed n×m matrices).
// kdrec's choice: with r_x(u,i) the 0-based position of item i in teacher
// x's ranking of u's unobserved items,
//
//	Imp_x(u, i) = exp(−r_x(u,i)/T)     if r_x(u,i) < N, else 0
//	score_u(i)  = Σ_x Imp_x[v_{u,x}](u, i)
//
// summed in teacher order in float64, ties broken by the lower item index.
// Reasons: it uses only the teachers' rankings (heterogeneous teachers'
// scores live on incomparable scales: CML returns negative distances, the
// autoencoders logits), it rewards agreement among teachers and a high
// rank in any of them, and it needs only the top-N positions, so the
// trajectories store N int32 per user and stage instead of a dense n×m
// float32 matrix (525 MB per stage and teacher on CiteULike-t). The
// truncation changes a score by at most (#teachers)·exp(−N/T), negligible
// for T ≪ N (6·e^{−20} ≈ 1e−8 with the defaults N = 200, T = 10).
//
// The observed list P_u orders u's training items the same way, with the
// positions taken within the converged teachers' orderings of those items
// (Trajectory.Observed).
type Ensemble struct {
	// Teachers are the trajectories, all with the same number of stages.
	Teachers []*Trajectory
	// Train is the training data the lists exclude.
	Train *data.Interactions
	// T is the importance temperature.
	T float64
	// N is the length of the stage lists (the stride of every Lists).
	N int

	w        []float64 // w[r] = exp(−r/T)
	observed [][]int32 // aggregated observed order per user (lazily built)
}

// NewEnsemble checks the trajectories against train (one list per user over
// train's items, the same stage count and list length for every teacher,
// Observed a per-user permutation of the training items) and returns their
// ensemble with temperature T (> 0; 0 selects the default 10).
func NewEnsemble(train *data.Interactions, teachers []*Trajectory, T float64) (*Ensemble, error) {
	if train == nil {
		return nil, fmt.Errorf("distill: hetcomp ensemble: no training data")
	}
	if len(teachers) == 0 {
		return nil, fmt.Errorf("distill: hetcomp ensemble: no teachers")
	}
	if T == 0 {
		T = 10
	}
	if !(T > 0) || math.IsInf(T, 1) {
		return nil, fmt.Errorf("distill: hetcomp ensemble: T must be > 0 and finite, got %v", T)
	}
	stages, n := -1, -1
	for x, tr := range teachers {
		if tr == nil || len(tr.Stages) == 0 {
			return nil, fmt.Errorf("distill: hetcomp ensemble: teacher %d has no stages", x)
		}
		if stages >= 0 && len(tr.Stages) != stages {
			return nil, fmt.Errorf("distill: hetcomp ensemble: teacher %q has %d stages, teacher %q %d", tr.Name, len(tr.Stages), teachers[0].Name, stages)
		}
		stages = len(tr.Stages)
		for v, l := range tr.Stages {
			if l == nil || l.Rows() != train.NumUsers || l.Cols != train.NumItems {
				return nil, fmt.Errorf("distill: hetcomp ensemble: teacher %q stage %d: lists do not cover the %d users × %d items of the training data", tr.Name, v, train.NumUsers, train.NumItems)
			}
			if n >= 0 && l.N != n {
				return nil, fmt.Errorf("distill: hetcomp ensemble: teacher %q stage %d has lists of length %d, others %d", tr.Name, v, l.N, n)
			}
			n = l.N
			for u := 0; u < l.Rows(); u++ {
				for _, i := range l.Row(u) {
					if i < 0 || int(i) >= train.NumItems {
						return nil, fmt.Errorf("distill: hetcomp ensemble: teacher %q stage %d user %d lists item %d outside [0,%d)", tr.Name, v, u, i, train.NumItems)
					}
				}
			}
		}
		if len(tr.Observed) != train.NNZ() {
			return nil, fmt.Errorf("distill: hetcomp ensemble: teacher %q orders %d observed items, the training data has %d", tr.Name, len(tr.Observed), train.NNZ())
		}
		var buf []int32
		for u := 0; u < train.NumUsers; u++ {
			seg := tr.Observed[train.UserPtr[u]:train.UserPtr[u+1]]
			buf = append(buf[:0], seg...)
			slices.Sort(buf)
			if !slices.Equal(buf, train.Items(u)) {
				return nil, fmt.Errorf("distill: hetcomp ensemble: teacher %q: observed order of user %d is not a permutation of its training items", tr.Name, u)
			}
		}
	}
	e := &Ensemble{Teachers: teachers, Train: train, T: T, N: n}
	e.w = make([]float64, max(n, maxObserved(train)))
	for r := range e.w {
		e.w[r] = math.Exp(-float64(r) / T)
	}
	return e, nil
}

func maxObserved(x *data.Interactions) int {
	mx := 0
	for u := 0; u < x.NumUsers; u++ {
		mx = max(mx, len(x.Items(u)))
	}
	return mx
}

// NumStages returns the number of trajectory stages of every teacher.
func (e *Ensemble) NumStages() int { return len(e.Teachers[0].Stages) }

// Importance returns exp(−r/T), the importance of rank position r (0-based).
func (e *Ensemble) Importance(r int) float64 {
	if r < len(e.w) {
		return e.w[r]
	}
	return math.Exp(-float64(r) / e.T)
}

// ensAcc is a worker's scratch for aggregating one user's lists.
type ensAcc struct {
	acc     []float64
	seen    []bool
	touched []int32
}

func newEnsAcc(items int) *ensAcc {
	return &ensAcc{acc: make([]float64, items), seen: make([]bool, items)}
}

func (a *ensAcc) add(i int32, w float64) {
	if !a.seen[i] {
		a.seen[i] = true
		a.touched = append(a.touched, i)
	}
	a.acc[i] += w
}

// take sorts the touched items by descending score (ties: lower index),
// appends the first k to dst, and clears the scratch.
func (a *ensAcc) take(k int, dst []int32) []int32 {
	slices.SortFunc(a.touched, func(x, y int32) int {
		if a.acc[x] != a.acc[y] {
			if a.acc[x] > a.acc[y] {
				return -1
			}
			return 1
		}
		return cmp.Compare(x, y)
	})
	dst = append(dst, a.touched[:min(k, len(a.touched))]...)
	for _, i := range a.touched {
		a.acc[i], a.seen[i] = 0, false
	}
	a.touched = a.touched[:0]
	return dst
}

// top appends to dst the ensemble's top-k unobserved items of user u when
// teacher x is at stage stages[x].
func (e *Ensemble) top(u int, stages []uint8, k int, a *ensAcc, dst []int32) []int32 {
	for x, tr := range e.Teachers {
		for r, i := range tr.Stages[stages[x]].Row(u) {
			a.add(i, e.w[r])
		}
	}
	return a.take(k, dst)
}

// Top returns the ensemble's top-k unobserved items of user u, best first,
// with teacher x at stage stages[x] (len(stages) = number of teachers).
// This is π^ens_u of methods.md §3.9: training items never appear (the
// stage lists exclude them, as the reference sets them to the minimum),
// and fewer than k items are returned only when the teachers' lists
// together hold fewer than k distinct items.
func (e *Ensemble) Top(u int, stages []int, k int) ([]int32, error) {
	if u < 0 || u >= e.Train.NumUsers {
		return nil, fmt.Errorf("distill: hetcomp ensemble: user %d outside [0,%d)", u, e.Train.NumUsers)
	}
	if len(stages) != len(e.Teachers) {
		return nil, fmt.Errorf("distill: hetcomp ensemble: %d stages given for %d teachers", len(stages), len(e.Teachers))
	}
	st := make([]uint8, len(stages))
	for x, v := range stages {
		if v < 0 || v >= e.NumStages() {
			return nil, fmt.Errorf("distill: hetcomp ensemble: stage %d of teacher %d outside [0,%d)", v, x, e.NumStages())
		}
		st[x] = uint8(v)
	}
	return e.top(u, st, k, newEnsAcc(e.Train.NumItems), nil), nil
}

// Observed returns user u's training items ordered by the ensemble of the
// converged teachers, best first (the reference's `observed`; HetComp uses
// its first K/10 items as P_u). Positions are those within each teacher's
// ordering of u's training items, with the same importance exp(−r/T).
func (e *Ensemble) Observed(u int) []int32 {
	if e.observed == nil {
		e.observed = make([][]int32, e.Train.NumUsers)
		a := newEnsAcc(e.Train.NumItems)
		for v := 0; v < e.Train.NumUsers; v++ {
			lo, hi := e.Train.UserPtr[v], e.Train.UserPtr[v+1]
			for _, tr := range e.Teachers {
				for r, i := range tr.Observed[lo:hi] {
					a.add(i, e.w[r])
				}
			}
			e.observed[v] = a.take(hi-lo, make([]int32, 0, hi-lo))
		}
	}
	return e.observed[u]
}

// Scorer returns the ensemble of every teacher at stage v as a
// model.Scorer, for evaluating the ensemble itself (v = NumStages()−1 is
// the converged ensemble, the table's "Ensemble" row): ScoreAll writes
// score_u(i) and 0 for items in no teacher's top-N (they can only rank
// after every listed item). It reads only the stored lists, so its cost is
// not the cost of running the ensemble (see LiveEnsemble).
func (e *Ensemble) Scorer(v int) (model.Scorer, error) {
	if v < 0 || v >= e.NumStages() {
		return nil, fmt.Errorf("distill: hetcomp ensemble: stage %d outside [0,%d)", v, e.NumStages())
	}
	return &ensembleScorer{e: e, v: v}, nil
}

type ensembleScorer struct {
	e *Ensemble
	v int
}

func (s *ensembleScorer) NumUsers() int { return s.e.Train.NumUsers }
func (s *ensembleScorer) NumItems() int { return s.e.Train.NumItems }

func (s *ensembleScorer) ScoreAll(u int, out []float32) {
	clear(out)
	// Sum in float64 in teacher order, then round once.
	acc := make(map[int32]float64, len(s.e.Teachers)*s.e.N)
	for _, tr := range s.e.Teachers {
		for r, i := range tr.Stages[s.v].Row(u) {
			acc[i] += s.e.w[r]
		}
	}
	for i, w := range acc {
		out[i] = float32(w)
	}
}

func (s *ensembleScorer) ScoreItems(u int, items []int32, out []float32) {
	row := make([]float32, s.NumItems())
	s.ScoreAll(u, row)
	for k, i := range items {
		out[k] = row[i]
	}
}

// LiveEnsemble runs the converged teachers and aggregates their rankings
// as the Ensemble does, for what the ensemble costs at inference and for
// baselines that need the ensemble's score of every (user, item) pair
// (DCD's item-side lists). For user u, every teacher scores the whole
// catalogue; the unobserved items are ranked per teacher (descending score,
// ties by lower index) and
//
//   - Dense = false: ScoreAll writes Σ_x exp(−r_x/T) over each teacher's
//     top-N, 0 elsewhere — exactly Ensemble.Scorer of the last stage, i.e.
//     what serving the ensemble's recommendations needs (one top-N
//     selection per teacher);
//   - Dense = true: ScoreAll writes log Σ_x exp(−r_x/T) over the full
//     rankings (computed as −r_min/T + log Σ_x exp(−(r_x−r_min)/T), so it
//     never underflows), which orders the top items as the truncated sum
//     does (up to (#teachers)·exp(−N/T)) and gives every other pair a
//     meaningful place; it needs a full sort per teacher.
//
// Training items get −Inf. The teachers must be safe for concurrent
// scoring; ScoreAll allocates its buffers per call.
type LiveEnsemble struct {
	// Teachers are the converged teachers, each scoring the whole catalogue.
	Teachers []model.Scorer
	// Train marks the observed items, which get −Inf.
	Train *data.Interactions
	// T is the temperature of the rank aggregation exp(−r/T).
	T float64
	// N is the length of each teacher's top-N when Dense is false.
	N int
	// Dense selects the log-sum over the full rankings (see above).
	Dense bool
}

// NumUsers returns the training data's number of users.
func (l *LiveEnsemble) NumUsers() int { return l.Train.NumUsers }

// NumItems returns the training data's number of items.
func (l *LiveEnsemble) NumItems() int { return l.Train.NumItems }

// ScoreItems scores the listed items (through ScoreAll).
func (l *LiveEnsemble) ScoreItems(u int, items []int32, out []float32) {
	row := make([]float32, l.NumItems())
	l.ScoreAll(u, row)
	for k, i := range items {
		out[k] = row[i]
	}
}

// ScoreAll writes the ensemble's score of every item for user u.
func (l *LiveEnsemble) ScoreAll(u int, out []float32) {
	m := l.Train.NumItems
	ninf := float32(math.Inf(-1))
	excl := l.Train.Items(u)
	if !l.Dense {
		acc := make([]float64, m)
		var top []int32
		for _, t := range l.Teachers {
			row := make([]float32, t.NumItems())
			t.ScoreAll(u, row)
			top = topk.TopK(row[:m], l.N, excl, top[:0])
			for r, i := range top {
				acc[i] += math.Exp(-float64(r) / l.T)
			}
		}
		for i := range out[:m] {
			out[i] = float32(acc[i])
		}
		for _, i := range excl {
			out[i] = ninf
		}
		return
	}
	ranks := make([][]int32, len(l.Teachers))
	isTrain := make([]bool, m)
	for _, i := range excl {
		isTrain[i] = true
	}
	keys := make([]uint64, 0, m)
	for x, t := range l.Teachers {
		row := make([]float32, t.NumItems())
		t.ScoreAll(u, row)
		// Sort (descending score, ascending index) as one uint64 key.
		keys = keys[:0]
		for i := 0; i < m; i++ {
			if !isTrain[i] {
				keys = append(keys, uint64(^orderedBits(rankScore(row[i])))<<32|uint64(i))
			}
		}
		slices.Sort(keys)
		r := make([]int32, m)
		for k, key := range keys {
			r[uint32(key)] = int32(k)
		}
		ranks[x] = r
	}
	for i := 0; i < m; i++ {
		if isTrain[i] {
			out[i] = ninf
			continue
		}
		rmin := ranks[0][i]
		for _, r := range ranks[1:] {
			rmin = min(rmin, r[i])
		}
		s := 0.0
		for _, r := range ranks {
			s += math.Exp(-float64(r[i]-rmin) / l.T)
		}
		out[i] = float32(-float64(rmin)/l.T + math.Log(s))
	}
}

// rankScore maps NaN to −Inf, as topk.TopK ranks it.
func rankScore(v float32) float32 {
	if v != v {
		return float32(math.Inf(-1))
	}
	return v
}

// BuildTrajectory ranks the catalogue with every stage checkpoint of one
// teacher (stages[v], the converged teacher last) and returns its
// Trajectory: per stage the top-n unobserved items of every user (one
// BuildLists pass per stage, no cache), and the converged teacher's order
// of every user's training items (descending score, ties by lower index).
func BuildTrajectory(ctx context.Context, name string, stages []model.Scorer, train *data.Interactions, n, workers int) (*Trajectory, error) {
	if len(stages) == 0 {
		return nil, fmt.Errorf("distill: trajectory %q: no stages", name)
	}
	if n <= 0 {
		return nil, fmt.Errorf("distill: trajectory %q: N must be > 0, got %d", name, n)
	}
	tr := &Trajectory{Name: name}
	for v, sc := range stages {
		if sc == nil {
			return nil, fmt.Errorf("distill: trajectory %q: stage %d has no model", name, v)
		}
		tl, err := BuildLists(ctx, sc, train, ListOptions{N: n, Workers: workers})
		if err != nil {
			return nil, fmt.Errorf("distill: trajectory %q stage %d: %w", name, v, err)
		}
		tr.Stages = append(tr.Stages, tl.Users)
	}
	last := stages[len(stages)-1]
	tr.Observed = make([]int32, train.NNZ())
	var sc []float32
	for u := 0; u < train.NumUsers; u++ {
		items := train.Items(u)
		if len(items) == 0 {
			continue
		}
		sc = append(sc[:0], make([]float32, len(items))...)
		last.ScoreItems(u, items, sc)
		seg := tr.Observed[train.UserPtr[u]:train.UserPtr[u+1]]
		copy(seg, items)
		pos := make(map[int32]float32, len(items))
		for k, i := range items {
			pos[i] = rankScore(sc[k])
		}
		slices.SortFunc(seg, func(a, b int32) int {
			if pos[a] != pos[b] {
				if pos[a] > pos[b] {
					return -1
				}
				return 1
			}
			return cmp.Compare(a, b)
		})
	}
	return tr, nil
}

// orderedBits maps a float32 to a uint32 with the same order (−Inf lowest).
func orderedBits(f float32) uint32 {
	b := math.Float32bits(f)
	if b>>31 == 1 {
		return ^b
	}
	return b | 1<<31
}

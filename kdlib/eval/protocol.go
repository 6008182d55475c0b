package eval

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/model"
)

// Ties selects how the leave-one-out protocol ranks a target whose score
// equals the score of some candidates.
type Ties int

const (
	// TiesOptimistic ranks the target above every candidate with an equal
	// score: p = 1 + |{c : s_c > s_t}|. It is the default.
	TiesOptimistic Ties = iota
	// TiesPessimistic ranks the target below every candidate with an equal
	// score: p = 1 + |{c : s_c ≥ s_t}|.
	TiesPessimistic
)

// Options configures LOO and FullRanking. The zero value selects the
// defaults of methods.md §2.4.
type Options struct {
	// Cutoffs lists the cut-offs: N of HR/NDCG/MRR@N for LOO (default
	// 5, 10, 20), K of Recall/NDCG@K for FullRanking (default 10, 20, 50).
	// They are sorted and de-duplicated; each must be positive.
	Cutoffs []int
	// Users restricts the evaluation to these users (for example one shard
	// of a sharded run). Nil means every user. Either way, users without a
	// held-out item in the evaluated part are skipped.
	Users []int32
	// Workers is the number of goroutines; 0 means runtime.GOMAXPROCS(0).
	// The result does not depend on it.
	Workers int
	// Ties selects the tie handling of LOO; FullRanking always breaks ties
	// by lower item index (see TopK).
	Ties Ties
}

var (
	defaultLOOCutoffs  = []int{5, 10, 20}
	defaultFullCutoffs = []int{10, 20, 50}
)

// LOO evaluates m on part (Valid or Test) of split s with the sampled
// leave-one-out protocol of methods.md §2.4a, for every user that has a
// held-out item in that part.
//
// For such a user u with target t (the item of u in part), other held-out
// item o (the item of u in the other part, if any) and candidates C_u
// (s.Candidates[u]), the target is ranked among {t} ∪ C_u: the authors'
// code scores {t, o} ∪ C_u, sorts, and deletes o, which leaves the same
// ranking as never scoring o, so LOO scores t and C_u only. Candidates
// equal to t or to an item of the other part are dropped (a valid split has
// none). The 1-based rank is
//
//	p = 1 + |{c ∈ C_u : s(u,c) > s(u,t)}|
//
// under TiesOptimistic (≥ instead of > under TiesPessimistic). NaN scores
// rank last: a candidate scored NaN ranks below a target with any score,
// and a target scored NaN below every candidate, NaN ones included (ties
// between NaN scores are resolved pessimistically whatever Ties says), so
// a diverged model scores 0, not 1. Ties between scores that are not NaN
// (±Inf included) follow Ties. The per-user metrics at each cut-off N are
// HR@N, NDCG@N and MRR@N of LOOMetrics.
//
// Tie handling: the authors sort with numpy's default (unstable) argsort,
// so the place of a target among equal scores is unspecified there. With
// float32 scores of a trained or randomly initialised model exact ties are
// rare and both choices agree; they differ for degenerate models (an
// all-zero model scores HR@N = 1 optimistically and 0 pessimistically), so
// compare the two when a model may be degenerate.
//
// It reports an error if s has no candidates, part is neither Valid nor
// Test, a user has more than one item in part, the model's index spaces are
// smaller than the split's, or ctx is cancelled.
func LOO(ctx context.Context, m model.Scorer, s *data.Split, part string, opt Options) (*Result, error) {
	if s.Candidates == nil {
		return nil, fmt.Errorf("eval: loo: split %q has no sampled candidates", s.Name)
	}
	if opt.Ties != TiesOptimistic && opt.Ties != TiesPessimistic {
		return nil, fmt.Errorf("eval: loo: unknown tie handling %d", opt.Ties)
	}
	target, other, users, cutoffs, err := prepare(m, s, part, opt, defaultLOOCutoffs)
	if err != nil {
		return nil, fmt.Errorf("eval: loo: %w", err)
	}
	maxCand := 0
	for _, u := range users {
		if n := len(target[u]); n != 1 {
			return nil, fmt.Errorf("eval: loo: user %d has %d %s items, the protocol needs one", u, n, part)
		}
		maxCand = max(maxCand, len(s.Candidates[u]))
	}
	res := newResult(ProtocolLOO, part, users, cutoffs, HR, NDCG, MRR)
	pessimistic := opt.Ties == TiesPessimistic
	err = parallel(ctx, len(users), opt.Workers, func() func(k int) {
		items := make([]int32, 0, maxCand+1)
		scores := make([]float32, maxCand+1)
		return func(k int) {
			u := users[k]
			t, oth := target[u][0], other[u]
			items = append(items[:0], t)
			for _, c := range s.Candidates[u] {
				if c != t && !slices.Contains(oth, c) {
					items = append(items, c)
				}
			}
			sc := scores[:len(items)]
			m.ScoreItems(int(u), items, sc)
			st := sc[0]
			p := len(sc) // a NaN target ranks last
			if st == st {
				// A NaN candidate compares false both ways: it ranks
				// below the target.
				p = 1
				for _, v := range sc[1:] {
					if v > st || (pessimistic && v == st) {
						p++
					}
				}
			}
			for j, n := range cutoffs {
				hr, ndcg, mrr := LOOMetrics(p, n)
				res.PerUser[3*j][k] = hr
				res.PerUser[3*j+1][k] = ndcg
				res.PerUser[3*j+2][k] = mrr
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("eval: loo: %w", err)
	}
	return res, nil
}

// FullRanking evaluates m on part (Valid or Test) of split s with the
// full-ranking protocol of methods.md §2.4b, for every user that has a
// held-out item in that part.
//
// For such a user u with ground truth G_u (the items of u in part), every
// item of [0, s.NumItems()) is scored with ScoreAll; the training items of u
// and the items of u in the other part are excluded; the remaining items are
// ranked by descending score, equal scores by ascending item index, and
// the top max(Cutoffs) are kept with TopK. Items scored NaN are left out of
// the ranking (as if ranked after every other item, the relevant ones last:
// pessimistic ties), so they are never hits and a diverged model scores 0.
// With hit_r = 1 when the item at rank r is in G_u, at each cut-off K:
//
//	Recall@K = Σ_{r≤K} hit_r / |G_u|
//	NDCG@K   = Σ_{r≤K} hit_r / log2(r+1)  ÷  Σ_{r≤min(|G_u|,K)} 1 / log2(r+1)
//
// (see RankingMetrics). Items a model scores beyond s.NumItems() (padding
// rows) are not ranked.
//
// It reports an error if part is neither Valid nor Test, the model's index
// spaces are smaller than the split's, or ctx is cancelled.
func FullRanking(ctx context.Context, m model.Scorer, s *data.Split, part string, opt Options) (*Result, error) {
	res, err := FullRankingParts(ctx, m, s, []string{part}, opt)
	if err != nil {
		return nil, err
	}
	return res[0], nil
}

// FullRankingParts evaluates m on several parts of s (typically Valid and
// Test, the trainer's evaluation after an epoch) with the full-ranking
// protocol, scoring each user once for all parts: the k-th result equals
// FullRanking(ctx, m, s, parts[k], opt) exactly, at about the cost of one
// of them, since scoring every item is most of the work. (The authors'
// full-ranking evaluation, Topology Distillation's utils.evaluate, also
// computes one score matrix for its valid and test results.)
//
// It reports an error if parts is empty, a part is neither Valid nor Test
// or repeated, the model's index spaces are smaller than the split's, or
// ctx is cancelled.
func FullRankingParts(ctx context.Context, m model.Scorer, s *data.Split, parts []string, opt Options) ([]*Result, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("eval: full ranking: no part to evaluate")
	}
	type partData struct {
		gt, other [][]int32
		pos       []int32 // pos[k]: index of all[k] in the part's users, or -1
		res       *Result
	}
	pd := make([]partData, len(parts))
	var all []int32
	var cuts []int
	for p, part := range parts {
		if slices.Index(parts, part) != p {
			return nil, fmt.Errorf("eval: full ranking: part %q repeated", part)
		}
		gt, other, users, c, err := prepare(m, s, part, opt, defaultFullCutoffs)
		if err != nil {
			return nil, fmt.Errorf("eval: full ranking: %w", err)
		}
		cuts = c
		pd[p] = partData{gt: gt, other: other}
		all = mergeUnion(all, users)
		pd[p].res = newResult(ProtocolFull, part, users, c, Recall, NDCG)
	}
	for p := range pd {
		pos := make([]int32, len(all))
		users := pd[p].res.Users
		j := 0
		for k, u := range all {
			pos[k] = -1
			if j < len(users) && users[j] == u {
				pos[k] = int32(j)
				j++
			}
		}
		pd[p].pos = pos
	}
	maxK := cuts[len(cuts)-1]
	numItems, modelItems := s.NumItems(), m.NumItems()
	// disc[r] = 1/log2(r+2) is the gain of rank r+1; idcg[n] sums its first n.
	disc := make([]float64, maxK)
	idcg := make([]float64, maxK+1)
	for r := range disc {
		disc[r] = 1 / math.Log2(float64(r)+2)
		idcg[r+1] = idcg[r] + disc[r]
	}
	// Models that score a block of users at once (one pass over the item
	// table per block) are asked for blocks of blockUsers users, and the
	// work is handed out by block; other models are asked user by user.
	bs, blocked := m.(UsersScorer)
	bsz := 1
	if blocked {
		bsz = blockUsers(modelItems)
	}
	nBlocks := (len(all) + bsz - 1) / bsz
	err := parallel(ctx, nBlocks, opt.Workers, func() func(b int) {
		inGT := make([]bool, numItems)
		top := make([]int32, maxK)
		var excl []int32
		block := make([]float32, bsz*modelItems)
		return func(b int) {
			lo, hi := b*bsz, min((b+1)*bsz, len(all))
			if blocked {
				bs.ScoreUsers(all[lo:hi], block[:(hi-lo)*modelItems])
			} else {
				m.ScoreAll(int(all[lo]), block)
			}
			for k := lo; k < hi; k++ {
				u := all[k]
				scores := block[(k-lo)*modelItems : (k-lo+1)*modelItems]
				for p := range pd {
					pk := pd[p].pos[k]
					if pk < 0 {
						continue
					}
					g, other, res := pd[p].gt[u], pd[p].other[u], pd[p].res
					excl = mergeSorted(excl[:0], s.Train.Items(int(u)), other)
					if !slices.IsSorted(other) { // not from a valid split; stay correct
						slices.Sort(excl)
					}
					top = TopK(scores[:numItems], maxK, excl, top[:0])
					if slices.ContainsFunc(top, func(i int32) bool { return scores[i] != scores[i] }) {
						// NaN scores reached the top: rank again without them.
						excl = appendNaN(excl, scores[:numItems])
						top = TopK(scores[:numItems], maxK, excl, top[:0])
					}
					for _, i := range g {
						inGT[i] = true
					}
					var hits int
					var dcg float64
					r := 0
					for j, K := range cuts {
						for ; r < K && r < len(top); r++ {
							if inGT[top[r]] {
								hits++
								dcg += disc[r]
							}
						}
						res.PerUser[2*j][pk] = float64(hits) / float64(len(g))
						res.PerUser[2*j+1][pk] = dcg / idcg[min(len(g), K)]
					}
					for _, i := range g {
						inGT[i] = false
					}
				}
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("eval: full ranking: %w", err)
	}
	out := make([]*Result, len(pd))
	for p := range pd {
		out[p] = pd[p].res
	}
	return out, nil
}

// appendNaN adds to the sorted list excl the indices of the NaN scores and
// returns it sorted.
func appendNaN(excl []int32, scores []float32) []int32 {
	for i, v := range scores {
		if v != v {
			excl = append(excl, int32(i))
		}
	}
	slices.Sort(excl)
	return excl
}

// UsersScorer is implemented by models that score several users against
// every item in one call (out holds len(users) rows of NumItems scores),
// typically faster than as many ScoreAll calls because the item table is
// read once per block. FullRanking uses it when available; the values must
// equal what ScoreAll would give up to floating-point rounding, and must
// not depend on which other users share the block.
type UsersScorer interface {
	ScoreUsers(users []int32, out []float32)
}

// scoreBlockBytes bounds the score block of one evaluation worker: a
// UsersScorer is asked for as many users at once as fit in it (at most
// maxBlockUsers), so that the item table is read once per block, not once
// per user, while memory stays bounded however many items there are: the
// evaluation's score blocks take at most Workers × scoreBlockBytes.
const (
	scoreBlockBytes = 8 << 20
	maxBlockUsers   = 64
)

// blockUsers is the number of users per UsersScorer call for a model with
// items items: what fits in scoreBlockBytes, at most maxBlockUsers, a
// multiple of 4 (the row count of the products' blocks) when at least 4,
// and at least 1.
func blockUsers(items int) int {
	n := min(maxBlockUsers, scoreBlockBytes/(4*max(1, items)))
	if n >= 4 {
		n &^= 3
	}
	return max(1, n)
}

// prepare validates the common arguments and returns the held-out lists of
// the evaluated and the other part, the evaluated users (ascending, each
// with at least one item in part) and the sorted cut-offs.
func prepare(m model.Scorer, s *data.Split, part string, opt Options, defCutoffs []int) (target, other [][]int32, users []int32, cutoffs []int, err error) {
	switch part {
	case Valid:
		target, other = s.Valid, s.Test
	case Test:
		target, other = s.Test, s.Valid
	default:
		return nil, nil, nil, nil, fmt.Errorf("unknown part %q (want %q or %q)", part, Valid, Test)
	}
	if s.Train == nil {
		return nil, nil, nil, nil, fmt.Errorf("split %q has no training data", s.Name)
	}
	nu, ni := s.NumUsers(), s.NumItems()
	if m.NumUsers() < nu || m.NumItems() < ni {
		return nil, nil, nil, nil, fmt.Errorf("model covers %d users × %d items, split %q has %d × %d",
			m.NumUsers(), m.NumItems(), s.Name, nu, ni)
	}
	if len(target) != nu || len(other) != nu {
		return nil, nil, nil, nil, fmt.Errorf("split %q: %s/other parts cover %d/%d users, train has %d",
			s.Name, part, len(target), len(other), nu)
	}
	cutoffs = slices.Clone(opt.Cutoffs)
	if len(cutoffs) == 0 {
		cutoffs = slices.Clone(defCutoffs)
	}
	slices.Sort(cutoffs)
	cutoffs = slices.Compact(cutoffs)
	if cutoffs[0] <= 0 {
		return nil, nil, nil, nil, fmt.Errorf("cut-off %d is not positive", cutoffs[0])
	}
	cand := opt.Users
	if cand == nil {
		cand = make([]int32, nu)
		for u := range cand {
			cand[u] = int32(u)
		}
	} else {
		cand = slices.Clone(cand)
		slices.Sort(cand)
		cand = slices.Compact(cand)
	}
	users = make([]int32, 0, len(cand))
	for _, u := range cand {
		if u < 0 || int(u) >= nu {
			return nil, nil, nil, nil, fmt.Errorf("user %d out of range [0,%d)", u, nu)
		}
		if len(target[u]) > 0 {
			users = append(users, u)
		}
	}
	return target, other, users, cutoffs, nil
}

// newResult allocates a Result whose metrics are prefixes × cutoffs in table
// order (cut-off major).
func newResult(protocol, part string, users []int32, cutoffs []int, prefixes ...string) *Result {
	r := &Result{Protocol: protocol, Part: part, Users: users}
	for _, k := range cutoffs {
		for _, p := range prefixes {
			r.Metrics = append(r.Metrics, MetricName(p, k))
			r.PerUser = append(r.PerUser, make([]float64, len(users)))
		}
	}
	return r
}

// mergeSorted appends to dst the sorted union (with repeats) of the sorted
// lists a and b.
func mergeSorted(dst, a, b []int32) []int32 {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i] <= b[j] {
			dst = append(dst, a[i])
			i++
		} else {
			dst = append(dst, b[j])
			j++
		}
	}
	dst = append(dst, a[i:]...)
	return append(dst, b[j:]...)
}

// mergeUnion returns the sorted union without repeats of the ascending,
// repeat-free lists a and b (a new slice).
func mergeUnion(a, b []int32) []int32 {
	out := make([]int32, 0, max(len(a), len(b)))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			out = append(out, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// parallel calls the function returned by newWorker for every k in [0,n),
// on min(workers, n) goroutines (workers ≤ 0 means GOMAXPROCS). Each
// goroutine calls newWorker once, so per-worker buffers live in its closure.
// Work is handed out in chunks from a shared counter; callers write each
// k's output to its own slot, so results do not depend on scheduling. A
// panic in a worker is returned as an error, and ctx is checked between
// chunks.
func parallel(ctx context.Context, n, workers int, newWorker func() func(k int)) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, n))
	chunk := max(1, min(64, n/(8*workers)))
	var (
		next     atomic.Int64
		stop     atomic.Bool
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err })
		stop.Store(true)
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					fail(fmt.Errorf("panic in evaluation worker: %v\n%s", p, debug.Stack()))
				}
			}()
			work := newWorker()
			for !stop.Load() {
				if err := ctx.Err(); err != nil {
					fail(err)
					return
				}
				lo := int(next.Add(int64(chunk))) - chunk
				if lo >= n {
					return
				}
				for k := lo; k < min(lo+chunk, n); k++ {
					work(k)
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

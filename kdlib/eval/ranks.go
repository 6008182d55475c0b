package eval

import (
	"context"
	"fmt"
	"slices"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/model"
)

// Ranks holds, for every user with exactly one held-out item in a part of
// a split, the 1-based rank of that item: among the user's sampled
// candidates (the LOO protocol) and among all items the user has not
// interacted with in training or in the other part (full ranking). Every
// HR, NDCG and MRR at any cut-off, under either protocol, follows from
// them (RankMetric), and so does every paired test over users.
//
// Ranks use LOO's rule: 1 + the number of competing items scored strictly
// higher (ties resolved in the held-out item's favour), with scores ranked
// by the same key as LOO and FullRanking.
type Ranks struct {
	// Part is the evaluated part, Valid or Test.
	Part string
	// Users lists the ranked users, ascending.
	Users []int32
	// Candidates is the rank among the user's sampled candidates (nil when
	// the split has none).
	Candidates []int32
	// Full is the rank among all unobserved items.
	Full []int32
}

// HeldOutRanks ranks the held-out item of every user of part (Valid or
// Test) of s that has exactly one, as Ranks describes. Users with none or
// several are skipped (a ratio split ranks nobody). The result does not
// depend on opt.Workers; opt.Users restricts the users, opt.Cutoffs is
// ignored.
func HeldOutRanks(ctx context.Context, m model.Scorer, s *data.Split, part string, opt Options) (*Ranks, error) {
	target, other, users, _, err := prepare(m, s, part, opt, defaultLOOCutoffs)
	if err != nil {
		return nil, fmt.Errorf("eval: ranks: %w", err)
	}
	users = slices.DeleteFunc(users, func(u int32) bool { return len(target[u]) != 1 })
	r := &Ranks{Part: part, Users: users, Full: make([]int32, len(users))}
	if s.Candidates != nil {
		r.Candidates = make([]int32, len(users))
	}
	ni := s.NumItems()
	err = parallel(ctx, len(users), opt.Workers, func() func(k int) {
		scores := make([]float32, m.NumItems())
		var items []int32
		var sc []float32
		return func(k int) {
			u := users[k]
			t := target[u][0]
			m.ScoreAll(int(u), scores)
			st := rankKey(scores[t])
			// Full ranking: every item but t, u's training items and the
			// other part's items.
			above := 0
			for i := range ni {
				if rankKey(scores[i]) > st {
					above++
				}
			}
			for _, i := range s.Train.Items(int(u)) {
				if i != t && rankKey(scores[i]) > st {
					above--
				}
			}
			for _, i := range other[u] {
				if i != t && rankKey(scores[i]) > st {
					above--
				}
			}
			r.Full[k] = int32(1 + above)
			if r.Candidates == nil {
				return
			}
			// Sampled candidates, exactly as LOO ranks them (t scored
			// with them, by ScoreItems).
			items = append(items[:0], t)
			for _, c := range s.Candidates[u] {
				if c != t && !slices.Contains(other[u], c) {
					items = append(items, c)
				}
			}
			sc = slices.Grow(sc[:0], len(items))[:len(items)]
			m.ScoreItems(int(u), items, sc)
			p, sc0 := 1, rankKey(sc[0])
			for _, v := range sc[1:] {
				if rankKey(v) > sc0 {
					p++
				}
			}
			r.Candidates[k] = int32(p)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("eval: ranks: %w", err)
	}
	return r, nil
}

// Mean returns the mean over the ranked users of a leave-one-out metric
// (HR, NDCG or MRR, RankMetric) at cut-off n, from the ranks among the
// sampled candidates (full false) or among all unobserved items (full
// true; there HR@n is Recall@n). It fails when the ranks asked for were
// not computed or no user was ranked.
func (r *Ranks) Mean(kind string, n int, full bool) (float64, error) {
	ranks := r.Candidates
	if full {
		ranks = r.Full
	}
	if len(ranks) == 0 {
		return 0, fmt.Errorf("eval: no ranks (full=%v) for %s@%d", full, kind, n)
	}
	sum := 0.0
	for _, p := range ranks {
		v, err := RankMetric(kind, int(p), n)
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return sum / float64(len(ranks)), nil
}

// RankMetric returns the value of a leave-one-out metric for a held-out
// item at 1-based rank p with cut-off n: HR, NDCG or MRR (LOOMetrics);
// under full ranking with one held-out item, Recall@n equals HR@n.
func RankMetric(kind string, p, n int) (float64, error) {
	hr, ndcg, mrr := LOOMetrics(p, n)
	switch kind {
	case HR, Recall:
		return hr, nil
	case NDCG:
		return ndcg, nil
	case MRR:
		return mrr, nil
	}
	return 0, fmt.Errorf("eval: no metric %q from a rank (want %s, %s, %s or %s)", kind, HR, Recall, NDCG, MRR)
}

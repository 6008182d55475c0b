package exp

import (
	"context"
	"fmt"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// Protocol names an evaluation protocol of methods.md §2.4.
type Protocol string

const (
	// LOO is sampled leave-one-out: HR/NDCG/MRR@{5,10,20} among 500 items.
	LOO Protocol = "loo"
	// Full is full ranking: Recall/NDCG@{10,20,50} over every item.
	Full Protocol = "full"
)

// Evaluate runs protocol p on part ("valid" or "test") of s.
func Evaluate(ctx context.Context, m model.Scorer, s *data.Split, p Protocol, part string) (*eval.Result, error) {
	switch p {
	case LOO:
		return eval.LOO(ctx, m, s, part, eval.Options{})
	case Full:
		return eval.FullRanking(ctx, m, s, part, eval.Options{})
	}
	return nil, fmt.Errorf("unknown protocol %q (want loo or full)", p)
}

// EvalFunc returns the trainer's evaluation hook for m: validation and test
// metrics of protocol p after an epoch. Under full ranking both parts come
// from one scoring pass over the users (eval.FullRankingParts; the same
// numbers as two Evaluate calls at about half the cost).
func EvalFunc(m model.Scorer, s *data.Split, p Protocol) train.EvalFunc {
	return func(ctx context.Context, epoch int) (map[string]float64, map[string]float64, error) {
		if p == Full {
			r, err := eval.FullRankingParts(ctx, m, s, []string{eval.Valid, eval.Test}, eval.Options{})
			if err != nil {
				return nil, nil, err
			}
			return r[0].Means(), r[1].Means(), nil
		}
		v, err := Evaluate(ctx, m, s, p, "valid")
		if err != nil {
			return nil, nil, err
		}
		t, err := Evaluate(ctx, m, s, p, "test")
		if err != nil {
			return nil, nil, err
		}
		return v.Means(), t.Means(), nil
	}
}

// StopMetrics returns the validation metrics watched for early stopping
// under protocol p: HR@{5,10,20} for LOO (the reference rule: improvement
// on any cut-off), Recall@50 for full ranking (TD and HetComp).
func StopMetrics(p Protocol) []string {
	if p == Full {
		return []string{"Recall@50"}
	}
	return []string{"HR@5", "HR@10", "HR@20"}
}

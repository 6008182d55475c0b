package eval_test

import (
	"context"
	"fmt"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/model"
)

// Evaluate two models with the sampled leave-one-out protocol and compare
// them with paired tests over users.
func ExampleCompare() {
	ctx := context.Background()
	x, _ := datasets.Load("citeulike-t")
	s, _ := data.LeaveOneOut(x, 0, data.DefaultNumCandidates)
	pop, err := model.NewPop(s.Train)
	if err != nil {
		fmt.Println(err)
		return
	}
	random, _ := model.NewBPR(model.BPRConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: 8, Seed: 0})
	a, err := eval.LOO(ctx, pop, s, eval.Test, eval.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := eval.LOO(ctx, random, s, eval.Test, eval.Options{})
	fmt.Println(a.Metrics)
	c, err := eval.Compare(a, b, "HR@10")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("users", c.N, "popularity ahead:", c.MeanA > c.MeanB, "p < 0.05:", c.T.P < 0.05)
	// Output:
	// [HR@5 NDCG@5 MRR@5 HR@10 NDCG@10 MRR@10 HR@20 NDCG@20 MRR@20]
	// users 5219 popularity ahead: true p < 0.05: true
}

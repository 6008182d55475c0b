package train_test

import (
	"context"
	"fmt"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// Train a teacher: BPR-MF on its base loss with the reference optimiser
// (Adam, lr 1e-3, coupled L2 1e-3, batch 1024). Real runs set Epochs to the
// protocol's 1000 with Patience 20 and an Eval hook (exp.EvalFunc).
func ExampleFit() {
	x, _ := datasets.Load("citeulike-t")
	s, _ := data.LeaveOneOut(x, 0, data.DefaultNumCandidates)
	teacher, err := model.NewBPR(model.BPRConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: 32, Seed: 0})
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := train.Defaults()
	cfg.Epochs = 2
	res, err := train.Fit(context.Background(), teacher, s.Train, []train.Term{teacher.Loss()}, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	last := res.History[len(res.History)-1]
	fmt.Println("epochs", res.Epochs, "loss fell:", last.Loss < res.History[0].Loss)
	// Output: epochs 2 loss fell: true
}

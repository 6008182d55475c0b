package distill_test

import (
	"context"
	"fmt"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// Distil a teacher into a student with a latent method (DE) and a ranking
// method (RRD), configured by name and options as a spec or the REPL writes
// them; distill.Build checks the options against each method's table.
func ExampleBuild() {
	ctx := context.Background()
	x, _ := datasets.Load("citeulike-t")
	s, _ := data.LeaveOneOut(x, 0, data.DefaultNumCandidates)
	teacher, _ := model.NewBPR(model.BPRConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: 64, Seed: 0})
	cfg := train.Defaults()
	cfg.Epochs = 1
	if _, err := train.Fit(ctx, teacher, s.Train, []train.Term{teacher.Loss()}, cfg); err != nil {
		fmt.Println(err)
		return
	}
	student, _ := model.NewBPR(model.BPRConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: 8, Seed: 0})
	env := distill.Env{Teacher: teacher, Student: student, Seed: 0,
		Lists: func(n int, itemSide bool) (*distill.TeacherLists, error) {
			return distill.BuildLists(ctx, teacher, s.Train, distill.ListOptions{N: n, ItemSide: itemSide})
		}}
	terms, err := distill.Build([]distill.TermSpec{
		{Method: "de", Options: map[string]any{"experts": 10}},
		{Method: "rrd", Lambda: 0.001, Options: map[string]any{"n": 100}},
	}, env)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range terms {
		fmt.Println(t.Name())
	}
	res, err := train.Fit(ctx, student, s.Train, append([]train.Term{student.Loss()}, terms...), cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("losses recorded:", len(res.History[len(res.History)-1].TermLoss))
	// A bad option is refused before anything is built.
	_, err = distill.Build([]distill.TermSpec{{Method: "rrd", Options: map[string]any{"k": 0}}}, env)
	fmt.Println(err)
	// Output:
	// de
	// rrd
	// losses recorded: 3
	// kd rrd: option k=0 is out of range: want an integer in [1, 100000]
}

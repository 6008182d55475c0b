package exp_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// From a CSV of one's own to a distilled student and its comparison, in Go
// (docs/own-data.md §6): load the file by path with its column mapping and
// a k-core, split it leave-one-out with sampled candidates, train a BPR
// teacher, distil a small BPR student with DE, and test the student
// against the teacher on the same users. (kdrepl does the same in six
// statements; a sweep spec with "dataset": {"files": …} in one file.)
func Example_ownData() {
	dir, err := os.MkdirTemp("", "kdrec-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	var csv strings.Builder
	csv.WriteString("user,item,clicks,time\n")
	for u := 0; u < 60; u++ {
		for k := 0; k < 8; k++ {
			fmt.Fprintf(&csv, "u%d,i%d,%d,%d\n", u, (u%3)*10+(u*7+k*3)%10, 1+k%3, 1000*u+k)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "clicks.csv"), []byte(csv.String()), 0o644); err != nil {
		fmt.Println(err)
		return
	}

	x, err := datasets.LoadFiles(datasets.Files{
		Paths:   []string{"clicks.csv"},
		Columns: []data.Column{data.ColUser, data.ColItem, data.ColRating, data.ColTime},
		KCore:   3,
	}, datasets.Dir(dir))
	if err != nil {
		fmt.Println(err)
		return
	}
	split, err := data.LeaveOneOut(x, 0, 10) // or data.LeaveLastOut(x, 0, data.LOOOptions{NumCandidates: 10})
	if err != nil {
		fmt.Println(err)
		return
	}
	fit := func(m *model.BPR, terms ...train.Term) error {
		cfg := train.Defaults()
		cfg.Epochs, cfg.LR = 5, 0.01
		cfg.Eval, cfg.StopMetrics = exp.EvalFunc(m, split, exp.LOO), exp.StopMetrics(exp.LOO)
		_, err := train.Fit(context.Background(), m, split.Train, append([]train.Term{m.Loss()}, terms...), cfg)
		return err
	}
	teacher, _ := model.NewBPR(model.BPRConfig{Users: x.NumUsers, Items: x.NumItems, Dim: 16})
	student, _ := model.NewBPR(model.BPRConfig{Users: x.NumUsers, Items: x.NumItems, Dim: 4})
	de := distill.DefaultDE()
	de.Experts = 4
	term, err := distill.DE(teacher, student, de)
	if err == nil {
		err = fit(teacher)
	}
	if err == nil {
		err = fit(student, term)
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	rs, _ := exp.Evaluate(context.Background(), student, split, exp.LOO, eval.Test)
	rt, _ := exp.Evaluate(context.Background(), teacher, split, exp.LOO, eval.Test)
	c, err := eval.Compare(rs, rt, "HR@10")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(x.NumUsers, "users,", x.NNZ(), "interactions;", rs.Len(), "test users,", len(split.Candidates[0]), "candidates each")
	fmt.Println("HR@10 student vs teacher: paired t-test and Wilcoxon p-values in [0, 1]:", c.T.P >= 0 && c.T.P <= 1, c.Wilcoxon.P >= 0 && c.Wilcoxon.P <= 1)
	// Output:
	// 60 users, 480 interactions; 60 test users, 10 candidates each
	// HR@10 student vs teacher: paired t-test and Wilcoxon p-values in [0, 1]: true true
}

package exp_test

import (
	"fmt"
	"strings"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/exp"
)

// The dissertation on a click log of one's own: the template instantiated
// on a CSV file with times (so split leave-last-out), at the quick budget,
// with its rows and the claims generated for its sweep. exp.RunClaims(ctx,
// spec, exp.SweepOptions{Out: "runs", Ledger: ledger}) then trains every
// row and judges the claims; exp.ClaimsTestTable prints them.
func ExampleInstantiateTemplate() {
	spec, err := exp.InstantiateTemplate("dissertation", exp.TemplateOptions{
		Dataset: exp.DatasetSpec{Name: "clicks", Files: &datasets.Files{
			Paths:   []string{"clicks.csv"},
			Columns: []data.Column{data.ColUser, data.ColItem, data.ColTime},
		}},
		Budget: "quick",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("sweep:", spec.SweepKey())
	fmt.Println("split:", spec.Split.Kind, "protocol:", spec.Protocol, "seeds:", spec.Seeds, "epochs:", spec.Budget.Epochs)
	var rows []string
	for _, v := range spec.Variants {
		rows = append(rows, v.Label)
	}
	fmt.Println("rows:", strings.Join(rows, ", "))
	for _, c := range spec.SweepClaims()[:3] {
		fmt.Printf("%s: %s beats %s on %s in each of %d seeds\n", c.ID, c.Row, c.Baseline, c.Metric, c.MinSeeds)
	}
	// Output:
	// sweep: dissertation-clicks-04661710@quick
	// split: llo protocol: loo seeds: [0 1 2] epochs: 50
	// rows: Teacher, Student, Hint, DE, FTD, HTD, RD, CD, DCD, RRD, IR-RRD, DE-RRD
	// de-beats-student-ndcg5: DE beats Student on NDCG@5 in each of 3 seeds
	// de-beats-hint-ndcg5: DE beats Hint on NDCG@5 in each of 3 seeds
	// ftd-beats-student-ndcg5: FTD beats Student on NDCG@5 in each of 3 seeds
}

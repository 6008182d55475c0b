package data_test

import (
	"fmt"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
)

// Split a data set leave-one-out with 499 sampled candidates per user, the
// protocol of the DE-RRD and IR-RRD experiments.
func ExampleLeaveOneOut() {
	x, err := datasets.Load("citeulike-t")
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := data.LeaveOneOut(x, 0, data.DefaultNumCandidates)
	if err != nil {
		fmt.Println(err)
		return
	}
	valid, test := s.NumHeldOut()
	fmt.Println("train", s.Train.NNZ(), "valid", valid, "test", test, "candidates per user", len(s.Candidates[0]))
	// Output: train 115142 valid 5219 test 5219 candidates per user 499
}

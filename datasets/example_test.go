package datasets_test

import (
	"fmt"

	"github.com/kdrec/kdrec/datasets"
)

// Load the embedded CiteULike-t with the dissertation's preprocessing
// (users with at least five interactions).
func ExampleLoad() {
	x, err := datasets.Load("citeulike-t")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(x.NumUsers, "users,", x.NumItems, "items,", x.NNZ(), "interactions")
	// Output: 5219 users, 25181 items, 125580 interactions
}

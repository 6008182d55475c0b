package train

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/kdrec/kdrec/kdlib/data"
)

// examples holds one epoch's training examples.
type examples struct {
	train             *data.Interactions
	mode              Examples
	users, pos, neg   []int32
	baseUser, basePos []int32
}

func newExamples(train *data.Interactions, mode Examples) (*examples, error) {
	ex := &examples{train: train, mode: mode}
	if mode == UserWise {
		for u := 0; u < train.NumUsers; u++ {
			if len(train.Items(u)) > 0 {
				ex.baseUser = append(ex.baseUser, int32(u))
			}
		}
		ex.users = make([]int32, len(ex.baseUser))
		return ex, nil
	}
	n := train.NNZ()
	ex.baseUser, ex.basePos = make([]int32, 0, n), make([]int32, 0, n)
	for u := 0; u < train.NumUsers; u++ {
		if len(train.Items(u)) == train.NumItems {
			return nil, fmt.Errorf("train: user %d interacted with all %d items: no negative can be sampled", u, train.NumItems)
		}
		for _, i := range train.Items(u) {
			ex.baseUser = append(ex.baseUser, int32(u))
			ex.basePos = append(ex.basePos, i)
		}
	}
	ex.users, ex.pos, ex.neg = make([]int32, n), make([]int32, n), make([]int32, n)
	return ex, nil
}

// resample draws this epoch's negatives (one per positive, uniform over
// items, redrawn while it is a training positive of the user) in the order
// of the training pairs, then shuffles the examples.
func (ex *examples) resample(rng *rand.Rand) {
	copy(ex.users, ex.baseUser)
	if ex.mode == UserWise {
		rng.Shuffle(len(ex.users), func(a, b int) { ex.users[a], ex.users[b] = ex.users[b], ex.users[a] })
		return
	}
	copy(ex.pos, ex.basePos)
	m := uint64(ex.train.NumItems)
	for k, u := range ex.users {
		row := ex.train.Items(int(u))
		for {
			j := int32(rng.Uint64N(m))
			if _, found := slices.BinarySearch(row, j); !found {
				ex.neg[k] = j
				break
			}
		}
	}
	rng.Shuffle(len(ex.users), func(a, b int) {
		ex.users[a], ex.users[b] = ex.users[b], ex.users[a]
		ex.pos[a], ex.pos[b] = ex.pos[b], ex.pos[a]
		ex.neg[a], ex.neg[b] = ex.neg[b], ex.neg[a]
	})
}

func (ex *examples) batches(size int) int { return (len(ex.users) + size - 1) / size }

func (ex *examples) batch(k, size int) *Batch {
	lo, hi := k*size, min((k+1)*size, len(ex.users))
	b := &Batch{Users: ex.users[lo:hi]}
	if ex.mode == Pairwise {
		b.Pos, b.Neg = ex.pos[lo:hi], ex.neg[lo:hi]
	}
	return b
}

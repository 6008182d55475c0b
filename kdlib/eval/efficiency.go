package eval

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/kdrec/kdrec/kdlib/model"
)

// ParamCounter is implemented by models that can report their number of
// trainable parameters (every scalar of every trainable tensor, embedding
// tables included), for the efficiency tables of teacher and student.
type ParamCounter interface {
	// NumParams returns the number of trainable scalars.
	NumParams() int
}

// NumParams returns m.NumParams() if m implements ParamCounter; ok is false
// otherwise.
func NumParams(m any) (n int, ok bool) {
	if pc, ok := m.(ParamCounter); ok {
		return pc.NumParams(), true
	}
	return 0, false
}

// Latency measures the inference latency of m: the mean wall-clock time of
// one ScoreAll call (scoring every item for one user), over users, called
// one after another on the calling goroutine with a single reused buffer.
// One untimed call for users[0] warms caches first. It reports an error if
// users is empty, a user is out of range, or ctx is cancelled (checked
// between users).
//
// The value is a measurement and varies between runs and machines; report it
// with the machine and GOMAXPROCS, and never compare it against a constant
// in tests.
func Latency(ctx context.Context, m model.Scorer, users []int32) (time.Duration, error) {
	if len(users) == 0 {
		return 0, fmt.Errorf("eval: latency: no users")
	}
	for _, u := range users {
		if u < 0 || int(u) >= m.NumUsers() {
			return 0, fmt.Errorf("eval: latency: user %d out of range [0,%d)", u, m.NumUsers())
		}
	}
	out := make([]float32, m.NumItems())
	m.ScoreAll(int(users[0]), out)
	start := time.Now()
	for _, u := range users {
		if err := ctx.Err(); err != nil {
			return 0, fmt.Errorf("eval: latency: %w", err)
		}
		m.ScoreAll(int(u), out)
	}
	return time.Since(start) / time.Duration(len(users)), nil
}

// SampleUsers returns n distinct users drawn uniformly from [0, numUsers),
// ascending, reproducibly from seed (all users if n ≥ numUsers). It picks the
// users Latency is measured on.
func SampleUsers(numUsers, n int, seed uint64) []int32 {
	n = max(0, min(n, numUsers))
	rng := rand.New(rand.NewPCG(seed, 0x6b6472656365))
	// Floyd's algorithm: n draws, no O(numUsers) permutation.
	chosen := make(map[int32]bool, n)
	for j := numUsers - n; j < numUsers; j++ {
		t := int32(rng.IntN(j + 1))
		if chosen[t] {
			t = int32(j)
		}
		chosen[t] = true
	}
	out := make([]int32, 0, n)
	for u := range chosen {
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}

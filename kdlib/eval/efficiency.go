package eval

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"

	"github.com/kdrec/kdrec/kdlib/data"
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
// It is Inference without a selection (InferenceOptions{}); see there.
//
// The value is a measurement and varies between runs and machines; report it
// with the machine and GOMAXPROCS, and never compare it against a constant
// in tests.
func Latency(ctx context.Context, m model.Scorer, users []int32) (time.Duration, error) {
	r, err := Inference(ctx, m, users, InferenceOptions{})
	return r.PerUser, err
}

// InferenceOptions says what one user's measured inference does besides
// scoring every item.
type InferenceOptions struct {
	// TopK, when positive, also selects the user's TopK best items (TopK,
	// the selection of the evaluation and of the teachers' lists): what a
	// recommender serving top-K lists does after scoring. 0 scores only.
	TopK int
	// Exclude, when set with TopK, skips each user's items in it (the
	// training interactions, as served lists do); it must have m's users.
	Exclude *data.Interactions
}

// InferenceResult is what Inference measured.
type InferenceResult struct {
	// PerUser is the mean wall-clock time of one user's inference.
	PerUser time.Duration
	// CPUPerUser is the mean CPU time the measuring thread spent on one
	// user's inference (0 where the thread's CPU clock cannot be read: the
	// measurement reads it on Linux). Unlike the wall-clock time it does not
	// grow when other processes share the cores, so it is the one to compare
	// between runs made under different load.
	CPUPerUser time.Duration
	// Users is the number of users timed.
	Users int
	// Selected is the number of items the selections returned over all
	// users (0 without TopK): min(TopK, items not excluded) per user.
	Selected int
}

// Inference measures the inference time of m for the given users: for each
// user, one ScoreAll call (every item scored into a single reused buffer)
// and, with o.TopK, the selection of the o.TopK best items not in
// o.Exclude, the users one after another on the calling goroutine (locked
// to its OS thread, whose CPU clock gives CPUPerUser). One untimed
// inference for users[0] warms caches first. It reports an error
// if users is empty, a user is out of range, the options do not fit m, or
// ctx is cancelled (checked between users). This is the one measurement of
// inference time: the quickstart's ms/user, kdrepl's `eval … latency` and
// the runs that record it (exp's RunSpec.Measure) all call it.
//
// The value is a measurement and varies between runs and machines; report it
// with the machine and its load, and never compare it against a constant
// in tests.
func Inference(ctx context.Context, m model.Scorer, users []int32, o InferenceOptions) (InferenceResult, error) {
	if len(users) == 0 {
		return InferenceResult{}, fmt.Errorf("eval: latency: no users")
	}
	for _, u := range users {
		if u < 0 || int(u) >= m.NumUsers() {
			return InferenceResult{}, fmt.Errorf("eval: latency: user %d out of range [0,%d)", u, m.NumUsers())
		}
	}
	if o.TopK < 0 {
		return InferenceResult{}, fmt.Errorf("eval: latency: top-K %d < 0", o.TopK)
	}
	if x := o.Exclude; x != nil && (x.NumUsers != m.NumUsers() || x.NumItems != m.NumItems()) {
		return InferenceResult{}, fmt.Errorf("eval: latency: the excluded interactions are %d × %d, the model %d × %d",
			x.NumUsers, x.NumItems, m.NumUsers(), m.NumItems())
	}
	out := make([]float32, m.NumItems())
	top := make([]int32, 0, o.TopK)
	one := func(u int32) int {
		m.ScoreAll(int(u), out)
		if o.TopK == 0 {
			return 0
		}
		var excl []int32
		if o.Exclude != nil {
			excl = o.Exclude.Items(int(u))
		}
		top = TopK(out, o.TopK, excl, top[:0])
		return len(top)
	}
	// One OS thread for the whole measurement, so that its CPU clock
	// counts exactly the inferences.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	one(users[0])
	r := InferenceResult{Users: len(users)}
	cpu0, cpuOK := threadCPU()
	start := time.Now()
	for _, u := range users {
		if err := ctx.Err(); err != nil {
			return InferenceResult{}, fmt.Errorf("eval: latency: %w", err)
		}
		r.Selected += one(u)
	}
	r.PerUser = time.Since(start) / time.Duration(len(users))
	if cpu1, ok := threadCPU(); ok && cpuOK {
		r.CPUPerUser = (cpu1 - cpu0) / time.Duration(len(users))
	}
	return r, nil
}

// SampleUsers returns n distinct users drawn uniformly from [0, numUsers),
// ascending, reproducibly from seed (all users if n ≥ numUsers). It picks the
// users Latency and Inference are measured on.
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

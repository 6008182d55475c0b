package eval

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Protocol names, stored in Result.Protocol.
const (
	// ProtocolLOO is the sampled leave-one-out protocol (§2.4a), see LOO.
	ProtocolLOO = "loo"
	// ProtocolFull is the full-ranking protocol (§2.4b), see FullRanking.
	ProtocolFull = "full"
)

// Part names of a split, stored in Result.Part.
const (
	// Valid names the validation part of a data.Split.
	Valid = "valid"
	// Test names the test part of a data.Split.
	Test = "test"
)

// Result holds the per-user values of every metric of one evaluation. The
// means are plain averages over Users; the per-user values are kept so that
// two results can be compared with paired significance tests, broken down by
// user group, or merged across shards.
type Result struct {
	// Protocol is ProtocolLOO or ProtocolFull.
	Protocol string `json:"protocol"`
	// Part is the evaluated part of the split, Valid or Test.
	Part string `json:"part"`
	// Metrics names the metrics in table order, e.g. "HR@5", "NDCG@5",
	// "MRR@5", "HR@10", …; see SortMetrics.
	Metrics []string `json:"metrics"`
	// Users lists the evaluated users, ascending.
	Users []int32 `json:"users"`
	// PerUser[m][k] is the value of metric Metrics[m] for user Users[k].
	PerUser [][]float64 `json:"per_user"`
}

// Len returns the number of evaluated users.
func (r *Result) Len() int { return len(r.Users) }

// Index returns the position of the named metric in r.Metrics, or −1.
func (r *Result) Index(name string) int { return slices.Index(r.Metrics, name) }

// Values returns the per-user values of the named metric, aligned with
// r.Users, or nil if r has no such metric. The slice aliases r.
func (r *Result) Values(name string) []float64 {
	m := r.Index(name)
	if m < 0 {
		return nil
	}
	return r.PerUser[m]
}

// Mean returns the average of the named metric over the evaluated users. It
// returns NaN if r has no such metric or no user.
func (r *Result) Mean(name string) float64 {
	v := r.Values(name)
	if len(v) == 0 {
		return math.NaN()
	}
	return mean(v)
}

// mean sums v in order, so the value does not depend on how v was computed.
func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// Means returns the mean of every metric, keyed by metric name. Iterate over
// r.Metrics (or SortMetrics of the keys) for a stable order.
func (r *Result) Means() map[string]float64 {
	out := make(map[string]float64, len(r.Metrics))
	for _, name := range r.Metrics {
		out[name] = r.Mean(name)
	}
	return out
}

// String formats the means on one line in metric order, e.g.
// "loo/test 5219 users: HR@5 0.4486 NDCG@5 0.3353 …".
func (r *Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s/%s %d users:", r.Protocol, r.Part, len(r.Users))
	for _, name := range r.Metrics {
		fmt.Fprintf(&b, " %s %.4f", name, r.Mean(name))
	}
	return b.String()
}

// Filter returns a new Result restricted to the users for which keep returns
// true, for per-group breakdowns (for example by training-set size).
func (r *Result) Filter(keep func(u int32) bool) *Result {
	out := &Result{Protocol: r.Protocol, Part: r.Part, Metrics: slices.Clone(r.Metrics),
		PerUser: make([][]float64, len(r.Metrics))}
	var pos []int
	for k, u := range r.Users {
		if keep(u) {
			pos = append(pos, k)
			out.Users = append(out.Users, u)
		}
	}
	for m := range r.PerUser {
		col := make([]float64, len(pos))
		for j, k := range pos {
			col[j] = r.PerUser[m][k]
		}
		out.PerUser[m] = col
	}
	return out
}

// Merge combines results of the same protocol, part and metrics computed on
// disjoint sets of users (for example the shards of a sharded evaluation)
// into one Result with users ascending. It reports an error if the results
// disagree on protocol, part or metrics or if a user appears twice.
func Merge(parts ...*Result) (*Result, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("eval: merge: no result")
	}
	first := parts[0]
	type ref struct {
		user    int32
		part, k int
	}
	var refs []ref
	for p, r := range parts {
		if r.Protocol != first.Protocol || r.Part != first.Part || !slices.Equal(r.Metrics, first.Metrics) {
			return nil, fmt.Errorf("eval: merge: result %d (%s/%s %v) does not match result 0 (%s/%s %v)",
				p, r.Protocol, r.Part, r.Metrics, first.Protocol, first.Part, first.Metrics)
		}
		for k, u := range r.Users {
			refs = append(refs, ref{u, p, k})
		}
	}
	slices.SortFunc(refs, func(a, b ref) int { return int(a.user) - int(b.user) })
	out := &Result{Protocol: first.Protocol, Part: first.Part, Metrics: slices.Clone(first.Metrics),
		Users: make([]int32, len(refs)), PerUser: make([][]float64, len(first.Metrics))}
	for m := range out.PerUser {
		out.PerUser[m] = make([]float64, len(refs))
	}
	for j, x := range refs {
		if j > 0 && refs[j-1].user == x.user {
			return nil, fmt.Errorf("eval: merge: user %d appears in results %d and %d", x.user, refs[j-1].part, x.part)
		}
		out.Users[j] = x.user
		for m := range out.PerUser {
			out.PerUser[m][j] = parts[x.part].PerUser[m][x.k]
		}
	}
	return out, nil
}

package eval

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// Significance is the outcome of a paired two-sided significance test of
// x against y.
type Significance struct {
	// Method names the test and, for the Wilcoxon test, how P was computed:
	// "paired t-test", "Wilcoxon signed-rank (exact)" or
	// "Wilcoxon signed-rank (normal approximation)".
	Method string `json:"method"`
	// N is the number of pairs the test used: all pairs for the t-test, the
	// pairs with a non-zero difference for the Wilcoxon test.
	N int `json:"n"`
	// MeanDiff is the mean of x_k − y_k over all pairs.
	MeanDiff float64 `json:"mean_diff"`
	// Statistic is t for the t-test and V = W⁺, the sum of the ranks of
	// the positive differences, for the Wilcoxon test (W⁻ = N(N+1)/2 − V).
	Statistic float64 `json:"statistic"`
	// DF is the number of degrees of freedom of the t-test (N−1); 0 for the
	// Wilcoxon test.
	DF float64 `json:"df"`
	// Z is the normal score of the Wilcoxon test, with tie and continuity
	// corrections; 0 for the t-test.
	Z float64 `json:"z"`
	// P is the two-sided p-value.
	P float64 `json:"p"`
}

// PairedT runs a two-sided paired t-test of x against y. With the
// differences d_k = x_k − y_k, their mean d̄ and sample standard deviation
// s_d (divisor n−1):
//
//	t = d̄ / (s_d / √n),   df = n − 1,   P = 2·F_{df}(−|t|)
//
// with F_{df} the CDF of Student's t distribution (distuv.StudentsT). If all
// differences are equal, t is 0 (P = 1) when they are zero and ±Inf (P = 0)
// otherwise. It reports an error if the lengths differ or n < 2.
func PairedT(x, y []float64) (Significance, error) {
	if len(x) != len(y) {
		return Significance{}, fmt.Errorf("eval: paired t-test: %d vs %d values", len(x), len(y))
	}
	n := len(x)
	if n < 2 {
		return Significance{}, fmt.Errorf("eval: paired t-test: %d pairs, need at least 2", n)
	}
	var sum float64
	for k := range x {
		sum += x[k] - y[k]
	}
	d := sum / float64(n)
	var ss float64
	for k := range x {
		e := x[k] - y[k] - d
		ss += e * e
	}
	sd := math.Sqrt(ss / float64(n-1))
	df := float64(n - 1)
	r := Significance{Method: "paired t-test", N: n, MeanDiff: d, DF: df}
	switch {
	case sd > 0:
		r.Statistic = d / (sd / math.Sqrt(float64(n)))
		r.P = 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.CDF(-math.Abs(r.Statistic))
	case d == 0:
		r.Statistic, r.P = 0, 1
	default:
		r.Statistic, r.P = math.Copysign(math.Inf(1), d), 0
	}
	return r, nil
}

// WilcoxonSignedRank runs a two-sided Wilcoxon signed-rank test of x against
// y, computed as R's wilcox.test(x, y, paired = TRUE) does by default.
//
// Pairs with x_k = y_k are dropped; the N remaining differences
// d_k = x_k − y_k are ranked by |d_k|, equal values taking the average of
// their ranks, and V = W⁺ = Σ_{d_k>0} rank_k. When N < 50 and there are no
// ties and no zero differences, P is exact: P = min(1, 2·min(Pr[W ≤ V],
// Pr[W ≥ V])) under the null distribution of W (every subset of {1..N}
// equally likely). Otherwise P uses the normal approximation with tie and
// continuity corrections:
//
//	μ = N(N+1)/4,   σ² = N(N+1)(2N+1)/24 − Σ_j (t_j³ − t_j)/48
//	z = (V − μ − ½·sign(V − μ)) / σ,   P = 2·Φ(−|z|)
//
// where t_j are the sizes of the groups of tied |d| and Φ is the standard
// normal CDF (distuv.Normal). Z is reported in both cases. If every
// difference is zero, N = 0 and P = 1. It reports an error if the lengths
// differ or are zero.
func WilcoxonSignedRank(x, y []float64) (Significance, error) {
	if len(x) != len(y) {
		return Significance{}, fmt.Errorf("eval: Wilcoxon signed-rank test: %d vs %d values", len(x), len(y))
	}
	if len(x) == 0 {
		return Significance{}, fmt.Errorf("eval: Wilcoxon signed-rank test: no pairs")
	}
	var sum float64
	d := make([]float64, 0, len(x))
	for k := range x {
		v := x[k] - y[k]
		sum += v
		if v != 0 {
			d = append(d, v)
		}
	}
	zeros := len(d) < len(x)
	r := Significance{Method: "Wilcoxon signed-rank (normal approximation)", N: len(d), MeanDiff: sum / float64(len(x))}
	n := len(d)
	if n == 0 {
		r.P = 1
		return r, nil
	}
	slices.SortFunc(d, func(a, b float64) int {
		aa, ab := math.Abs(a), math.Abs(b)
		switch {
		case aa < ab:
			return -1
		case aa > ab:
			return 1
		}
		return 0
	})
	var v, tieTerm float64
	ties := false
	for i := 0; i < n; {
		j := i + 1
		for j < n && math.Abs(d[j]) == math.Abs(d[i]) {
			j++
		}
		rank := float64(i+j+1) / 2 // average of ranks i+1 … j
		for _, e := range d[i:j] {
			if e > 0 {
				v += rank
			}
		}
		if t := float64(j - i); t > 1 {
			ties = true
			tieTerm += t*t*t - t
		}
		i = j
	}
	r.Statistic = v
	fn := float64(n)
	mu := fn * (fn + 1) / 4
	sigma := math.Sqrt(fn*(fn+1)*(2*fn+1)/24 - tieTerm/48)
	diff := v - mu
	corr := 0.0
	if diff > 0 {
		corr = 0.5
	} else if diff < 0 {
		corr = -0.5
	}
	r.Z = (diff - corr) / sigma
	if n < 50 && !ties && !zeros {
		r.Method = "Wilcoxon signed-rank (exact)"
		r.P = wilcoxonExactP(n, int(math.Round(v)))
		return r, nil
	}
	r.P = 2 * distuv.UnitNormal.CDF(-math.Abs(r.Z))
	return r, nil
}

// wilcoxonExactP returns the exact two-sided p-value of W⁺ = v for n untied
// non-zero differences. The null distribution counts the subsets of {1..n}
// with each rank sum, by dynamic programming (counts stay below 2⁵³ for
// n < 53, so float64 holds them exactly).
func wilcoxonExactP(n, v int) float64 {
	maxSum := n * (n + 1) / 2
	c := make([]float64, maxSum+1)
	c[0] = 1
	for i := 1; i <= n; i++ {
		for w := i * (i + 1) / 2; w >= i; w-- {
			c[w] += c[w-i]
		}
	}
	var le, ge float64
	for w, cnt := range c {
		if w <= v {
			le += cnt
		}
		if w >= v {
			ge += cnt
		}
	}
	total := math.Ldexp(1, n)
	return min(1, 2*min(le, ge)/total)
}

// Comparison holds the paired tests of one metric between two Results.
type Comparison struct {
	// Metric is the compared metric, e.g. "NDCG@10".
	Metric string `json:"metric"`
	// N is the number of users both results evaluated.
	N int `json:"n"`
	// MeanA is the mean of the metric in the first result.
	MeanA float64 `json:"mean_a"`
	// MeanB is the mean of the metric in the second result.
	MeanB float64 `json:"mean_b"`
	// T is the paired t-test of a against b.
	T Significance `json:"t"`
	// Wilcoxon is the Wilcoxon signed-rank test of a against b.
	Wilcoxon Significance `json:"wilcoxon"`
}

// Compare runs PairedT and WilcoxonSignedRank on the per-user values of
// metric in a and b. It reports an error if the results differ in protocol,
// part or evaluated users, or if either lacks the metric.
func Compare(a, b *Result, metric string) (Comparison, error) {
	if a.Protocol != b.Protocol || a.Part != b.Part {
		return Comparison{}, fmt.Errorf("eval: compare %s: results of %s/%s and %s/%s",
			metric, a.Protocol, a.Part, b.Protocol, b.Part)
	}
	if !slices.Equal(a.Users, b.Users) {
		return Comparison{}, fmt.Errorf("eval: compare %s: the results evaluated different users (%d and %d)",
			metric, len(a.Users), len(b.Users))
	}
	x, y := a.Values(metric), b.Values(metric)
	if a.Index(metric) < 0 || b.Index(metric) < 0 {
		return Comparison{}, fmt.Errorf("eval: compare: metric %q missing (have %v and %v)", metric, a.Metrics, b.Metrics)
	}
	c := Comparison{Metric: metric, N: len(x), MeanA: a.Mean(metric), MeanB: b.Mean(metric)}
	var err error
	if c.T, err = PairedT(x, y); err != nil {
		return c, fmt.Errorf("eval: compare %s: %w", metric, err)
	}
	if c.Wilcoxon, err = WilcoxonSignedRank(x, y); err != nil {
		return c, fmt.Errorf("eval: compare %s: %w", metric, err)
	}
	return c, nil
}

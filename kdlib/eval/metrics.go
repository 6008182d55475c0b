package eval

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Metric-name prefixes. A metric name is a prefix, "@" and a cut-off, for
// example "HR@5" or "Recall@50".
const (
	// HR is the hit ratio of the sampled leave-one-out protocol.
	HR = "HR"
	// Recall is the recall of the full-ranking protocol.
	Recall = "Recall"
	// NDCG is the normalised discounted cumulative gain (both protocols).
	NDCG = "NDCG"
	// MRR is the (truncated) reciprocal rank of the leave-one-out protocol.
	MRR = "MRR"
)

// MetricName returns the name of metric prefix at cut-off k, e.g. "NDCG@10".
func MetricName(prefix string, k int) string { return prefix + "@" + strconv.Itoa(k) }

// ParseMetric splits a metric name into its prefix and cut-off. ok is false
// when name has no "@k" suffix with a positive integer k.
func ParseMetric(name string) (prefix string, k int, ok bool) {
	at := strings.LastIndexByte(name, '@')
	if at < 0 {
		return name, 0, false
	}
	k, err := strconv.Atoi(name[at+1:])
	if err != nil || k <= 0 {
		return name, 0, false
	}
	return name[:at], k, true
}

// prefixOrder ranks the known prefixes for tables: hit ratio or recall
// first, then NDCG, then MRR, as in the DE-RRD logs (H@N, N@N, M@N).
func prefixOrder(p string) int {
	switch p {
	case HR:
		return 0
	case Recall:
		return 1
	case NDCG:
		return 2
	case MRR:
		return 3
	}
	return 4
}

// SortMetrics sorts metric names in place into the stable order used for
// tables: by cut-off ascending, then HR, Recall, NDCG, MRR, then other
// prefixes alphabetically. Names without a cut-off come first,
// alphabetically. Use it to order the keys of Result.Means.
func SortMetrics(names []string) {
	slices.SortStableFunc(names, func(a, b string) int {
		pa, ka, _ := ParseMetric(a)
		pb, kb, _ := ParseMetric(b)
		if c := cmp.Compare(ka, kb); c != 0 {
			return c
		}
		if c := cmp.Compare(prefixOrder(pa), prefixOrder(pb)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
}

// LOOMetrics returns the leave-one-out metrics at cut-off n for a target at
// 1-based rank p:
//
//	HR@n   = 1[p ≤ n]
//	NDCG@n = 1[p ≤ n] / log2(p+1)
//	MRR@n  = 1[p ≤ n] / p
//
// All three are 0 when p < 1 or p > n.
func LOOMetrics(p, n int) (hr, ndcg, mrr float64) {
	if p < 1 || p > n {
		return 0, 0, 0
	}
	return 1, 1 / math.Log2(float64(p)+1), 1 / float64(p)
}

// RankingMetrics returns Recall@k and NDCG@k of one ranked list. hit[r-1]
// reports whether the item at rank r is relevant (positions beyond len(hit)
// count as misses) and numRelevant is the size |G| of the ground-truth set:
//
//	Recall@k = Σ_{r≤k} hit_r / |G|
//	NDCG@k   = Σ_{r≤k} hit_r / log2(r+1)  ÷  Σ_{r≤min(|G|,k)} 1 / log2(r+1)
//
// Both are 0 when numRelevant ≤ 0 or k ≤ 0.
func RankingMetrics(hit []bool, numRelevant, k int) (recall, ndcg float64) {
	if numRelevant <= 0 || k <= 0 {
		return 0, 0
	}
	var hits int
	var dcg, idcg float64
	for r := 1; r <= k && r <= len(hit); r++ {
		if hit[r-1] {
			hits++
			dcg += 1 / math.Log2(float64(r)+1)
		}
	}
	for r := 1; r <= min(numRelevant, k); r++ {
		idcg += 1 / math.Log2(float64(r)+1)
	}
	return float64(hits) / float64(numRelevant), dcg / idcg
}

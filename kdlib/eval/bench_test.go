package eval

import (
	"context"
	"sync"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
)

// CiteULike-sized synthetic setting: 5219 users × 25181 items, a dense
// dot-product scorer with d = 200, a leave-one-out split with 22 training
// items, one valid and one test item and 499 candidates per user.
const benchUsers, benchItems, benchDim = 5219, 25181, 200

var bench struct {
	once  sync.Once
	m     *denseScorer
	split *data.Split
}

func benchSetup(b *testing.B) (*denseScorer, *data.Split) {
	bench.once.Do(func() {
		bench.m = newDenseScorer(benchUsers, benchItems, benchDim, 2024)
		bench.split = randomSplit(b, benchUsers, benchItems, 22, 1, 1, 499, false, 2025)
	})
	return bench.m, bench.split
}

func BenchmarkLOO(b *testing.B) {
	m, s := benchSetup(b)
	ctx := context.Background()
	b.ResetTimer()
	var users int
	for b.Loop() {
		r, err := LOO(ctx, m, s, Test, Options{})
		if err != nil {
			b.Fatal(err)
		}
		users = r.Len()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(users), "ns/user")
}

func BenchmarkFullRanking(b *testing.B) {
	m, s := benchSetup(b)
	ctx := context.Background()
	b.ResetTimer()
	var users int
	for b.Loop() {
		r, err := FullRanking(ctx, m, s, Test, Options{})
		if err != nil {
			b.Fatal(err)
		}
		users = r.Len()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(users), "ns/user")
}

// BenchmarkScoreAll measures the scorer alone, one user per op on one
// goroutine, so the evaluation overhead of FullRanking can be read off.
func BenchmarkScoreAll(b *testing.B) {
	m, _ := benchSetup(b)
	out := make([]float32, benchItems)
	u := 0
	b.ResetTimer()
	for b.Loop() {
		m.ScoreAll(u, out)
		u = (u + 1) % benchUsers
	}
}

// BenchmarkFullRankingPerUserOverhead measures what FullRanking adds to
// ScoreAll for one user: merging the exclusions, TopK and the metrics.
func BenchmarkFullRankingPerUserOverhead(b *testing.B) {
	m, s := benchSetup(b)
	scores := make([]float32, benchItems)
	m.ScoreAll(0, scores)
	top := make([]int32, 50)
	inGT := make([]bool, benchItems)
	var excl []int32
	b.ResetTimer()
	for b.Loop() {
		excl = mergeSorted(excl[:0], s.Train.Items(0), s.Valid[0])
		top = TopK(scores, 50, excl, top[:0])
		for _, i := range s.Test[0] {
			inGT[i] = true
		}
		hits := 0
		for _, i := range top {
			if inGT[i] {
				hits++
			}
		}
		for _, i := range s.Test[0] {
			inGT[i] = false
		}
		_ = hits
	}
}

func BenchmarkLatency(b *testing.B) {
	m, _ := benchSetup(b)
	users := SampleUsers(benchUsers, 100, 1)
	b.ResetTimer()
	for b.Loop() {
		d, err := Latency(context.Background(), m, users)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(d.Nanoseconds()), "ns/user")
	}
}

package exp

import (
	"context"
	"github.com/kdrec/kdrec/kdlib/internal/benchutil"
	"testing"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/model"
)

// benchSetup returns the LOO split of the embedded CiteULike-t and an
// untrained BPR model of dimension dim (evaluation cost does not depend on
// the parameter values).
func benchSetup(b *testing.B, dim int) (*data.Split, *model.BPR) {
	x, err := datasets.Load("citeulike-t")
	if err != nil {
		b.Fatal(err)
	}
	s, err := data.LeaveOneOut(x, 0, data.DefaultNumCandidates)
	if err != nil {
		b.Fatal(err)
	}
	m, err := model.NewBPR(model.BPRConfig{Users: x.NumUsers, Items: x.NumItems, Dim: dim})
	if err != nil {
		b.Fatal(err)
	}
	return s, m
}

// BenchmarkEvalLOOD200 is one sampled-LOO evaluation (test part, 5,219
// users × 500 items) of the d=200 teacher.
func BenchmarkEvalLOOD200(b *testing.B) {
	s, m := benchSetup(b, 200)
	b.ReportAllocs()
	b.ResetTimer()
	done := benchutil.CPU(b)
	for n := 0; n < b.N; n++ {
		if _, err := Evaluate(context.Background(), m, s, LOO, "test"); err != nil {
			b.Fatal(err)
		}
	}
	done()
}

// BenchmarkEvalFullD200 is one full-ranking evaluation (test part, 5,219
// users × 25,181 items, top 50) of the d=200 teacher.
func BenchmarkEvalFullD200(b *testing.B) {
	s, m := benchSetup(b, 200)
	b.ReportAllocs()
	b.ResetTimer()
	done := benchutil.CPU(b)
	for n := 0; n < b.N; n++ {
		if _, err := Evaluate(context.Background(), m, s, Full, "test"); err != nil {
			b.Fatal(err)
		}
	}
	done()
}

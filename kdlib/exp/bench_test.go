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

// BenchmarkEvalLOOD200ValidTest is the trainer's evaluation after an epoch
// under sampled LOO (EvalFunc: the valid part, then the test part, 5,219
// users × 500 items each) of the d=200 teacher: what the authors'
// evaluation (DE-RRD's LOO_latent_factor_evaluate) computes in one call,
// the like-for-like operation of scripts/ab-authors.sh.
func BenchmarkEvalLOOD200ValidTest(b *testing.B) { benchEvalHook(b, LOO, 200) }

// BenchmarkEvalFullD200ValidTest is the trainer's evaluation after an
// epoch under full ranking (valid, then test: 2 × 5,219 users × 25,181
// items, top 50) of the d=200 teacher: what the authors' evaluation
// (Topology Distillation's utils.evaluate) computes in one call.
func BenchmarkEvalFullD200ValidTest(b *testing.B) { benchEvalHook(b, Full, 200) }

// BenchmarkEvalFullD20ValidTest is BenchmarkEvalFullD200ValidTest for the
// d=20 student, whose evaluation costs more in the selection of each
// user's top 50 (reading the scores back from the block of users) than in
// the scoring.
func BenchmarkEvalFullD20ValidTest(b *testing.B) { benchEvalHook(b, Full, 20) }

func benchEvalHook(b *testing.B, p Protocol, dim int) {
	s, m := benchSetup(b, dim)
	hook := EvalFunc(m, s, p)
	b.ReportAllocs()
	b.ResetTimer()
	done := benchutil.CPU(b)
	for n := 0; n < b.N; n++ {
		v, t, err := hook(context.Background(), 0)
		if err != nil {
			b.Fatal(err)
		}
		if len(v) == 0 || len(t) == 0 {
			b.Fatal("no valid or no test metrics")
		}
	}
	done()
}

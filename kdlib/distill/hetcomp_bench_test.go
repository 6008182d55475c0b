package distill

import (
	"context"
	"sync"
	"testing"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/internal/benchutil"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// hcBenchEnsemble is a HetComp ensemble over the 60/20/20 training part of
// CiteULike-t whose six teachers' four stages are one random teacher's
// lists (the cost of the term does not depend on which items are listed).
func hcBenchEnsemble(b *testing.B) *Ensemble {
	hcBench.once.Do(func() { hcBench.e = buildHCBenchEnsemble(b) })
	if hcBench.e == nil {
		b.Fatal("no ensemble")
	}
	return hcBench.e
}

var hcBench struct {
	once sync.Once
	e    *Ensemble
}

func buildHCBenchEnsemble(b *testing.B) *Ensemble {
	x, err := datasets.Load("citeulike-t")
	if err != nil {
		b.Fatal(err)
	}
	s, err := data.RatioSplit602020(x, 0)
	if err != nil {
		b.Fatal(err)
	}
	tr := s.Train
	// One random teacher's lists serve every (teacher, stage) slot.
	m, _ := model.NewBPR(model.BPRConfig{Users: tr.NumUsers, Items: tr.NumItems, Dim: 8, InitStd: 1, Seed: 1})
	traj, err := BuildTrajectory(context.Background(), "t", []model.Scorer{m}, tr, 200, 0)
	if err != nil {
		b.Fatal(err)
	}
	var trs []*Trajectory
	for t := 0; t < 6; t++ {
		trs = append(trs, &Trajectory{Name: "t", Stages: []*Lists{traj.Stages[0], traj.Stages[0], traj.Stages[0], traj.Stages[0]}, Observed: traj.Observed})
	}
	e, err := NewEnsemble(tr, trs, 10)
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// benchHetCompEpoch times one training epoch of the d = 6 student on
// CiteULike-t 60/20/20 (KD loss only; phase as given), against
// BenchmarkHetCompStudentEpoch (BPR only).
func benchHetCompEpoch(b *testing.B, phase int) {
	e := hcBenchEnsemble(b)
	st, _ := model.NewBPR(model.BPRConfig{Users: e.Train.NumUsers, Items: e.Train.NumItems, Dim: 6, Seed: 1})
	var terms []train.Term
	if phase == 0 {
		terms = []train.Term{st.Loss()}
	} else {
		hc, err := HetComp(e, st, HetCompOptions{})
		if err != nil {
			b.Fatal(err)
		}
		hc.phase = phase
		terms = []train.Term{hc}
	}
	cfg := train.Defaults()
	cfg.Epochs, cfg.WeightDecay, cfg.Eval = 1, 1e-5, nil
	b.ResetTimer()
	done := benchutil.CPU(b)
	for n := 0; n < b.N; n++ {
		cfg.Seed = uint64(n)
		if _, err := train.Fit(context.Background(), st, e.Train, terms, cfg); err != nil {
			b.Fatal(err)
		}
	}
	done()
}

// BenchmarkHetCompEpochPhase1 is one HetComp epoch in phase 1.
func BenchmarkHetCompEpochPhase1(b *testing.B) { benchHetCompEpoch(b, 1) }

// BenchmarkHetCompEpochPhase2 is one HetComp epoch in phase 2.
func BenchmarkHetCompEpochPhase2(b *testing.B) { benchHetCompEpoch(b, 2) }

// BenchmarkHetCompStudentEpoch is one epoch of the same student trained
// with BPR only (the "w/o KD" baseline).
func BenchmarkHetCompStudentEpoch(b *testing.B) { benchHetCompEpoch(b, 0) }

// BenchmarkBuildTrajectory ranks the catalogue of CiteULike-t (60/20/20
// training part) with four stage checkpoints of one teacher (BPR-MF
// d = 64, random) and keeps each user's top 200 plus the observed order:
// the per-teacher cost of turning a trained trajectory into HetComp's
// inputs (training the teacher is measured by the reproduction run).
func BenchmarkBuildTrajectory(b *testing.B) {
	x, err := datasets.Load("citeulike-t")
	if err != nil {
		b.Fatal(err)
	}
	s, err := data.RatioSplit602020(x, 0)
	if err != nil {
		b.Fatal(err)
	}
	var st []model.Scorer
	for v := 0; v < 4; v++ {
		m, _ := model.NewBPR(model.BPRConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: 64, Seed: uint64(v)})
		st = append(st, m)
	}
	b.ResetTimer()
	done := benchutil.CPU(b)
	for n := 0; n < b.N; n++ {
		if _, err := BuildTrajectory(context.Background(), "MF", st, s.Train, 200, 0); err != nil {
			b.Fatal(err)
		}
	}
	done()
}

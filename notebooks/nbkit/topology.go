package nbkit

// Topology preservation during training: the measures are eval.Topology's.

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/report"
	"github.com/kdrec/kdrec/kdlib/train"
)

// TopologyPoint is the topology of the student after Epoch epochs
// (eval.Topology.Measure).
type TopologyPoint struct {
	// Epoch is the number of completed epochs (0: before training).
	Epoch int `json:"epoch"`
	eval.TopologyMeasure
}

// TopologyTrace is the topology of one student over its training.
type TopologyTrace struct {
	// Method, Dim and Seed identify the student.
	Method string `json:"method"`
	Dim    int    `json:"dim"`
	Seed   uint64 `json:"seed"`
	// Points are the measurements, in the order of training.
	Points []TopologyPoint `json:"points"`
	// Cached says the trace was loaded from the cache.
	Cached bool `json:"-"`
}

// TrainTopology trains a student as exp.TrainLatent does (BPR loss plus the
// term of o.Method, train.Defaults(), o.Epochs epochs, no early stopping)
// but without evaluation, and measures its topology before training and
// every o.EvalEvery epochs. The trace is cached in ArtifactDir()/notebooks
// by the split, the teacher, the options and the sample.
func TrainTopology(ctx context.Context, s *data.Split, teacher model.Embedder, teacherID string, o exp.LatentOptions, to eval.TopologyOptions) (*TopologyTrace, error) {
	key, err := hashKey(exp.SplitFingerprint(s), teacherID, o.Method, o.Dim, o.Seed, o.Epochs, o.EvalEvery, o.Hint, o.DE, o.PHR, o.FTD, o.HTD, to)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(ArtifactDir(), "notebooks", fmt.Sprintf("topology-%s-d%d-seed%d-%s.json", o.Method, o.Dim, o.Seed, key))
	return loadOrRun(path, func() (*TopologyTrace, error) {
		topo, err := eval.NewTopology(s, teacher, to)
		if err != nil {
			return nil, err
		}
		st, err := model.NewBPR(model.BPRConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: o.Dim, Seed: o.Seed})
		if err != nil {
			return nil, err
		}
		terms := []train.Term{st.Loss()}
		term, err := exp.LatentTerm(o.Method, teacher, st, o, o.Seed)
		if err != nil {
			return nil, err
		}
		if term != nil {
			terms = append(terms, term)
		}
		tr := &TopologyTrace{Method: o.Method, Dim: o.Dim, Seed: o.Seed, Points: []TopologyPoint{{Epoch: 0, TopologyMeasure: topo.Measure(st)}}}
		cfg := train.Defaults()
		cfg.Seed, cfg.Epochs = o.Seed, o.Epochs
		every := max(o.EvalEvery, 1)
		cfg.Hooks = append(cfg.Hooks, train.Hook{OnEpoch: func(e train.EpochEvent) {
			if e.Epoch%every == 0 || e.Epoch == o.Epochs {
				tr.Points = append(tr.Points, TopologyPoint{Epoch: e.Epoch, TopologyMeasure: topo.Measure(st)})
			}
		}})
		cfg.Hooks = append(cfg.Hooks, report.ProgressHook(o.Log, fmt.Sprintf("topology %s d=%d seed=%d", o.Method, o.Dim, o.Seed), false))
		if _, err := train.Fit(ctx, st, s.Train, terms, cfg); err != nil {
			return nil, err
		}
		return tr, nil
	}, func(t *TopologyTrace) { t.Cached = true })
}

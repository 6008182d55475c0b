package exp

// What the runners measure during a run besides its metrics, recorded in
// RunResult.Extra so that the ledger holds it and a reader can draw it
// without training: DE's and HTD's selection hardening, the topology a
// latent student keeps of its teacher, HetComp's teachers' trajectories,
// its curriculum (DKC) and what its stage targets can teach. The
// measurements read the models and draw no random numbers, so the runs'
// numbers do not depend on them (the pinned fingerprints leave them out).

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// Keys of RunResult.Extra written by the runners.
const (
	// ExtraExpertsPerRow (RunKD, terms with a Gumbel-softmax selection: DE,
	// HTD) is, per epoch, the mean number of experts evaluated per entity:
	// M while the selection is soft, 1 once it is one-hot.
	ExtraExpertsPerRow = "experts_per_row"
	// ExtraTopology (RunKD, latent methods) is a TopologyTrace.
	ExtraTopology = "topology"
	// ExtraTrajectory (RunEnsembleKD, a member row) is the teacher's
	// Trajectory during its own training.
	ExtraTrajectory = "trajectory"
	// ExtraDKC (RunEnsembleKD, HetComp) lists HetComp's DKC calls
	// (distill.DKCRecord).
	ExtraDKC = "dkc"
	// ExtraStageTargets (RunEnsembleKD, the ensemble row) is a
	// StageTargetsReport.
	ExtraStageTargets = "stage_targets"
	// ExtraEnsembleT (RunEnsembleKD, every row) is the ensemble's
	// importance temperature T, chosen on validation Recall@50.
	ExtraEnsembleT = "ensemble_t"
	// ExtraTValid (RunEnsembleKD, every row) maps each candidate T
	// (fmt.Sprint) to the converged ensemble's validation Recall@50.
	ExtraTValid = "t_valid"
	// ExtraTEdge (RunEnsembleKD, every row) says whether the chosen T is
	// the smallest or largest candidate, i.e. whether the grid may miss
	// the optimum.
	ExtraTEdge = "t_edge"
	// ExtraDiscrepancy (RunEnsembleKD, rows that train a student) is a
	// DiscrepancyTrace.
	ExtraDiscrepancy = "discrepancy"
)

// TopologyOptions is the sample on which RunKD measures the topology of
// latent students (eval.Topology): 500 users and 500 items, the 10 nearest
// neighbours, drawn with seed 0.
var TopologyOptions = eval.TopologyOptions{Users: 500, Items: 500, K: 10}

// topologyPoints bounds the points of a recorded topology trace.
const topologyPoints = 100

// TopologyTrace is the topology of a student measured against its teacher
// during training (eval.Topology on TopologyOptions' sample): before
// training (epoch 0) and after evaluated epochs, every Stride-th
// evaluation so that a long run keeps about 100 points.
type TopologyTrace struct {
	// Users, Items and K are the sample's sizes and the neighbourhood.
	Users int `json:"users"`
	Items int `json:"items"`
	K     int `json:"k"`
	// Stride is the number of evaluations between two measurements.
	Stride int `json:"stride"`
	// Epoch, Discrepancy and KNN are the measurements
	// (eval.TopologyMeasure) after Epoch[j] epochs.
	Epoch       []int     `json:"epoch"`
	Discrepancy []float64 `json:"discrepancy"`
	KNN         []float64 `json:"knn"`
}

// Trajectory is a HetComp teacher's validation Recall@50 during its own
// training, with the epochs of its stage checkpoints (the converged one
// last).
type Trajectory struct {
	Epoch       []int     `json:"epoch"`
	Valid       []float64 `json:"valid_recall50"`
	StageEpochs []int     `json:"stage_epochs"`
}

// StageTargetsReport is HetCompStageTargets of the ensemble: for every
// stage, what its K targets per user can teach, and the test Recall@50 of
// ranking by training popularity.
type StageTargetsReport struct {
	K          int            `json:"k"`
	Stages     []StageTargets `json:"stages"`
	Popularity float64        `json:"popularity_recall50"`
}

// ExpertsPerRow returns the run's ExtraExpertsPerRow, one value per epoch
// (false when the run has none).
func (r *RunResult) ExpertsPerRow() ([]float64, bool, error) {
	var v []float64
	ok, err := r.extra(ExtraExpertsPerRow, &v)
	return v, ok, err
}

// Topology returns the run's ExtraTopology (false when the run has none).
func (r *RunResult) Topology() (*TopologyTrace, bool, error) {
	var v TopologyTrace
	ok, err := r.extra(ExtraTopology, &v)
	return &v, ok, err
}

// Trajectory returns the run's ExtraTrajectory (false when the run has
// none).
func (r *RunResult) Trajectory() (*Trajectory, bool, error) {
	var v Trajectory
	ok, err := r.extra(ExtraTrajectory, &v)
	return &v, ok, err
}

// DKC returns the run's ExtraDKC (false when the run has none).
func (r *RunResult) DKC() ([]distill.DKCRecord, bool, error) {
	var v []distill.DKCRecord
	ok, err := r.extra(ExtraDKC, &v)
	return v, ok, err
}

// StageTargets returns the run's ExtraStageTargets (false when the run has
// none).
func (r *RunResult) StageTargets() (*StageTargetsReport, bool, error) {
	var v StageTargetsReport
	ok, err := r.extra(ExtraStageTargets, &v)
	return &v, ok, err
}

// extra decodes Extra[key] into v (a value as the runner wrote it, or the
// JSON tree a ledger record restores).
func (r *RunResult) extra(key string, v any) (bool, error) {
	x, ok := r.Extra[key]
	if !ok || x == nil {
		return false, nil
	}
	b, err := json.Marshal(x)
	if err != nil {
		return false, fmt.Errorf("extra %s: %w", key, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("extra %s: %w", key, err)
	}
	return true, nil
}

// runProbes measures, during a RunKD run, the selection hardening of a
// term that has one and the topology of a latent student.
type runProbes struct {
	perRow interface{ ExpertsPerRow() float64 }
	rows   []float64

	topo    *eval.Topology
	student model.Embedder
	trace   *TopologyTrace
	evals   int
}

// newRunProbes sets up the probes of a run with the given terms: the
// first term with a selection (ExpertsPerRow), and the topology when a
// method of the run is latent, both models have representations and the
// data holds more users and items than the measurement's neighbours.
func newRunProbes(spec *RunSpec, terms []train.Term, teacher model.Scorer, student model.Scorer, s *data.Split) (*runProbes, error) {
	p := &runProbes{}
	for _, t := range terms {
		if c, ok := t.(interface{ ExpertsPerRow() float64 }); ok {
			p.perRow = c
			break
		}
	}
	latent := false
	for _, m := range spec.Methods() {
		if d, err := distill.Lookup(m); err == nil && (d.Kind == distill.Latent || d.Kind == distill.Both) {
			latent = true
		}
	}
	te, okT := teacher.(model.Embedder)
	se, okS := student.(model.Embedder)
	if latent && okT && okS {
		topo, err := eval.NewTopology(s, te, TopologyOptions)
		if err != nil {
			// A measurement beside the run, not part of it: on data too
			// small for its sample (k neighbours among fewer entities) the
			// run trains as before and records no topology.
			return p, nil
		}
		b := spec.Budget
		evals := b.Epochs / max(b.EvalEvery, 1)
		p.topo, p.student = topo, se
		p.trace = &TopologyTrace{Users: TopologyOptions.Users, Items: TopologyOptions.Items, K: TopologyOptions.K,
			Stride: max(1, (evals+topologyPoints-1)/topologyPoints)}
		p.measure(0) // the untrained student
	}
	return p, nil
}

func (p *runProbes) measure(epoch int) {
	m := p.topo.Measure(p.student)
	p.trace.Epoch = append(p.trace.Epoch, epoch)
	p.trace.Discrepancy = append(p.trace.Discrepancy, m.Discrepancy)
	p.trace.KNN = append(p.trace.KNN, m.KNN)
}

// hooks returns the training hooks that take the measurements.
func (p *runProbes) hooks() []train.Hook {
	if p.perRow == nil && p.topo == nil {
		return nil
	}
	return []train.Hook{{OnEpoch: func(e train.EpochEvent) {
		if p.perRow != nil {
			p.rows = append(p.rows, math.Round(p.perRow.ExpertsPerRow()*1e4)/1e4)
		}
		if p.topo != nil && (e.Valid != nil || e.Test != nil) {
			p.evals++
			if p.evals%p.trace.Stride == 0 {
				p.measure(e.Epoch)
			}
		}
	}}}
}

// record writes the measurements into extra.
func (p *runProbes) record(extra map[string]any) {
	if p.perRow != nil {
		extra[ExtraExpertsPerRow] = p.rows
	}
	if p.trace != nil {
		extra[ExtraTopology] = p.trace
	}
}

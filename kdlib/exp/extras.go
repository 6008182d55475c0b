package exp

// What the runners measure during a run besides its metrics, recorded in
// RunResult.Extra so that the ledger holds it and a reader can draw it
// without training: DE's and HTD's selection hardening, the topology a
// latent student keeps of its teacher, HetComp's teachers' trajectories,
// its curriculum (DKC) and what its stage targets can teach. The
// measurements read the models and draw no random numbers, so the runs'
// numbers do not depend on them (the pinned fingerprints leave them out).

import (
	"bytes"
	"cmp"
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

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
	// ExtraMTDWeights (RunEnsembleKD, MTD) is, per epoch, the mean teacher
	// weight of MTD's gate over the epoch's batch users, in the order of
	// the run's teachers (distill.MTDTerm.Weights).
	ExtraMTDWeights = "mtd_weights"
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

// EnsembleTemperature is the ensemble's temperature choice a run of
// RunEnsembleKD recorded (ExtraEnsembleT, ExtraTValid, ExtraTEdge).
type EnsembleTemperature struct {
	// T is the chosen temperature.
	T float64
	// Ts are the candidates in ascending order and Valid the converged
	// ensemble's validation Recall@50 at each.
	Ts, Valid []float64
	// Edge says whether T is the grid's smallest or largest candidate
	// (false for a grid of one candidate).
	Edge bool
}

// EnsembleTemperature returns the run's temperature choice (false when the
// run recorded none), or an error when the record is incomplete: no
// candidate, a candidate that is not a number, no chosen T or one that is
// not a candidate, no edge flag.
func (r *RunResult) EnsembleTemperature() (*EnsembleTemperature, bool, error) {
	var (
		v     EnsembleTemperature
		valid map[string]float64
	)
	ok, err := r.extra(ExtraTValid, &valid)
	if !ok || err != nil {
		return nil, false, err
	}
	if len(valid) == 0 {
		return nil, false, fmt.Errorf("extra %s: no candidate", ExtraTValid)
	}
	for key, dst := range map[string]any{ExtraEnsembleT: &v.T, ExtraTEdge: &v.Edge} {
		ok, err := r.extra(key, dst)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return nil, false, fmt.Errorf("extra %s is recorded without %s", ExtraTValid, key)
		}
	}
	type cand struct{ t, r float64 }
	cands := make([]cand, 0, len(valid))
	for k, r := range valid {
		T, err := strconv.ParseFloat(k, 64)
		if err != nil {
			return nil, false, fmt.Errorf("extra %s: candidate %q is not a number", ExtraTValid, k)
		}
		cands = append(cands, cand{T, r})
	}
	slices.SortFunc(cands, func(a, b cand) int { return cmp.Compare(a.t, b.t) })
	for _, c := range cands {
		v.Ts, v.Valid = append(v.Ts, c.t), append(v.Valid, c.r)
	}
	if !slices.Contains(v.Ts, v.T) {
		return nil, false, fmt.Errorf("extra %s: the chosen T = %v is not a candidate (%v)", ExtraEnsembleT, v.T, v.Ts)
	}
	return &v, true, nil
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

// DiscrepancyTrace is how far a student's ranking is from each teacher's
// during training (the empirical study of the HetComp paper, methods.md
// §4.4: the discrepancy 1 − NDCG between student and teacher rankings over
// training): at every evaluation (and before training), for every user, the
// distance 1 − wNDCG@K (distill.WNDCG, the distance of HetComp's DKC, K =
// 50 as the authors' code) between the student's top-K unobserved items
// and each converged teacher's, and the converged ensemble's, top-K;
// averaged over users; and the distance to the teachers' earlier trajectory
// checkpoints (Stages), which methods.md §4.4 also names. Every Stride-th
// evaluation is kept, so that a long run keeps about 100 points.
type DiscrepancyTrace struct {
	// K is the cut-off of the distance.
	K int `json:"k"`
	// Sources name the rankings: the teachers' roles in the run's order,
	// then "Ensemble".
	Sources []string `json:"sources"`
	// Stride is the number of evaluations between two measurements.
	Stride int `json:"stride"`
	// Epoch are the measured epochs (0: before training).
	Epoch []int `json:"epoch"`
	// Distance[s][j] is the mean distance to source s at Epoch[j].
	Distance [][]float64 `json:"distance"`
	// Stages[v][j] is the distance at Epoch[j] to the teachers' stage-v
	// trajectory checkpoints (v = 0 … the stage before the converged one,
	// whose distances are Distance's), averaged over the users and then
	// over the teachers. Records made before it was kept have none.
	Stages [][]float64 `json:"stages,omitempty"`
}

// Discrepancy returns the run's ExtraDiscrepancy (false when the run has
// none).
func (r *RunResult) Discrepancy() (*DiscrepancyTrace, bool, error) {
	var v DiscrepancyTrace
	ok, err := r.extra(ExtraDiscrepancy, &v)
	return &v, ok, err
}

// discrepancyProbe measures a DiscrepancyTrace during a run.
type discrepancyProbe struct {
	ctx     context.Context
	student model.Scorer
	train   *data.Interactions
	lists   [][]int32   // per source, users·K (rows shorter than K padded with −1)
	stages  [][][]int32 // per earlier stage v, per teacher, users·K (padded as lists)
	trace   *DiscrepancyTrace
	evals   int
	err     error
}

// discrepancyK is the cut-off of DiscrepancyTrace: the authors' get_NDCG_u
// (k = 50), HetComp's DKC distance.
const discrepancyK = 50

// newDiscrepancyProbe sets up the measurement of student against the
// converged stage of every trajectory of ens (names gives their roles) and
// against the converged ensemble, and measures the untrained student.
// budget sizes the stride.
func newDiscrepancyProbe(ctx context.Context, student model.Scorer, ens *distill.Ensemble, names []string, budget Budget) (*discrepancyProbe, error) {
	k := min(discrepancyK, ens.N)
	n := ens.Train.NumUsers
	p := &discrepancyProbe{ctx: ctx, student: student, train: ens.Train}
	evals := budget.Epochs / max(budget.EvalEvery, 1)
	p.trace = &DiscrepancyTrace{K: k, Sources: append(slices.Clone(names), "Ensemble"), Stride: max(1, (evals+topologyPoints-1)/topologyPoints)}
	last := ens.NumStages() - 1
	pad := func(row []int32, dst []int32) {
		c := copy(dst, row[:min(k, len(row))])
		for j := c; j < k; j++ {
			dst[j] = -1
		}
	}
	teacherLists := func(v int) [][]int32 {
		var out [][]int32
		for _, tr := range ens.Teachers {
			l := make([]int32, n*k)
			for u := range n {
				pad(tr.Stages[v].Row(u), l[u*k:(u+1)*k])
			}
			out = append(out, l)
		}
		return out
	}
	p.lists = teacherLists(last)
	for v := range last {
		p.stages = append(p.stages, teacherLists(v))
	}
	final := make([]int, len(ens.Teachers))
	for x := range final {
		final[x] = last
	}
	l := make([]int32, n*k)
	for u := range n {
		top, err := ens.Top(u, final, k)
		if err != nil {
			return nil, err
		}
		pad(top, l[u*k:(u+1)*k])
	}
	p.lists = append(p.lists, l)
	p.trace.Distance = make([][]float64, len(p.lists))
	if last > 0 {
		p.trace.Stages = make([][]float64, last)
	}
	if err := p.measure(0); err != nil {
		return nil, err
	}
	return p, nil
}

// measure appends the distances of the student now, after epoch epochs.
func (p *discrepancyProbe) measure(epoch int) error {
	k := p.trace.K
	tl, err := distill.BuildLists(p.ctx, p.student, p.train, distill.ListOptions{N: k})
	if err != nil {
		return err
	}
	n := p.train.NumUsers
	mean := func(l []int32) float64 {
		sum := 0.0
		for u := range n {
			t := l[u*k : (u+1)*k]
			if c := slices.Index(t, -1); c >= 0 {
				t = t[:c]
			}
			sum += 1 - distill.WNDCG(tl.Users.Row(u), t, k)
		}
		return sum / float64(n)
	}
	round := func(x float64) float64 { return math.Round(x*1e4) / 1e4 }
	for s, l := range p.lists {
		p.trace.Distance[s] = append(p.trace.Distance[s], round(mean(l)))
	}
	for v, ls := range p.stages {
		sum := 0.0
		for _, l := range ls {
			sum += mean(l)
		}
		p.trace.Stages[v] = append(p.trace.Stages[v], round(sum/float64(len(ls))))
	}
	p.trace.Epoch = append(p.trace.Epoch, epoch)
	return nil
}

// hook returns the training hook that measures after every Stride-th
// evaluation; the first error is kept for result.
func (p *discrepancyProbe) hook() train.Hook {
	return train.Hook{OnEpoch: func(e train.EpochEvent) {
		if p.err != nil || (e.Valid == nil && e.Test == nil) {
			return
		}
		p.evals++
		if p.evals%p.trace.Stride == 0 {
			p.err = p.measure(e.Epoch)
		}
	}}
}

// result returns the trace, or the first error of a measurement.
func (p *discrepancyProbe) result() (*DiscrepancyTrace, error) { return p.trace, p.err }

// probesState is what runProbes has measured.
type probesState struct {
	Rows  []float64
	Evals int
	Trace *TopologyTrace
}

// states returns the probes as the state of a checkpoint (nil when they
// measure nothing).
func (p *runProbes) states() []train.NamedState {
	if p.perRow == nil && p.topo == nil {
		return nil
	}
	return []train.NamedState{{Name: "probes", State: p}}
}

// MarshalState encodes the measurements so far (train.Stateful), for a
// run's checkpoint.
func (p *runProbes) MarshalState() ([]byte, error) {
	return gobState(probesState{Rows: p.rows, Evals: p.evals, Trace: p.trace})
}

// UnmarshalState restores the measurements of MarshalState into probes set
// up for the same run (the resumed run measures from there on).
func (p *runProbes) UnmarshalState(b []byte) error {
	var s probesState
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&s); err != nil {
		return fmt.Errorf("probes: %w", err)
	}
	if (s.Trace != nil) != (p.trace != nil) {
		return fmt.Errorf("probes: topology trace saved %v, measured by the run %v", s.Trace != nil, p.trace != nil)
	}
	if q, r := s.Trace, p.trace; q != nil {
		if q.Users != r.Users || q.Items != r.Items || q.K != r.K || q.Stride != r.Stride {
			return fmt.Errorf("probes: topology of a %d×%d sample, k = %d, stride %d; the run measures %d×%d, k = %d, stride %d",
				q.Users, q.Items, q.K, q.Stride, r.Users, r.Items, r.K, r.Stride)
		}
		if len(q.Discrepancy) != len(q.Epoch) || len(q.KNN) != len(q.Epoch) {
			return fmt.Errorf("probes: topology trace of %d epochs with %d and %d values", len(q.Epoch), len(q.Discrepancy), len(q.KNN))
		}
	}
	p.rows, p.evals = s.Rows, s.Evals
	if p.trace != nil {
		*p.trace = *s.Trace
	}
	return nil
}

// discrepancyState is what discrepancyProbe has measured.
type discrepancyState struct {
	Trace *DiscrepancyTrace
	Evals int
	Err   string
}

// MarshalState encodes the measurements so far (train.Stateful), for a
// run's checkpoint.
func (p *discrepancyProbe) MarshalState() ([]byte, error) {
	s := discrepancyState{Trace: p.trace, Evals: p.evals}
	if p.err != nil {
		s.Err = p.err.Error()
	}
	return gobState(s)
}

// gobState encodes a probe's state; gob, unlike JSON, keeps a NaN.
func gobState(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// UnmarshalState restores the measurements of MarshalState into a probe
// set up for the same run.
func (p *discrepancyProbe) UnmarshalState(b []byte) error {
	var s discrepancyState
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&s); err != nil {
		return fmt.Errorf("discrepancy: %w", err)
	}
	q, r := s.Trace, p.trace
	if q == nil || len(q.Distance) != len(r.Distance) || !slices.Equal(q.Sources, r.Sources) {
		return fmt.Errorf("discrepancy: state of another set of teachers")
	}
	if q.K != r.K || q.Stride != r.Stride {
		return fmt.Errorf("discrepancy: state of cut-off %d and stride %d, the run's are %d and %d", q.K, q.Stride, r.K, r.Stride)
	}
	if len(q.Stages) != len(r.Stages) {
		// A state written before the stage distances were kept, whose
		// trace cannot be continued.
		return fmt.Errorf("discrepancy: state with distances to %d stages, the run measures %d", len(q.Stages), len(r.Stages))
	}
	for _, d := range append(slices.Clone(q.Distance), q.Stages...) {
		if len(d) != len(q.Epoch) {
			return fmt.Errorf("discrepancy: trace of %d epochs with a series of %d values", len(q.Epoch), len(d))
		}
	}
	p.trace, p.evals, p.err = s.Trace, s.Evals, nil
	if s.Err != "" {
		p.err = errors.New(s.Err)
	}
	return nil
}

package exp

// Measurements a run takes when its spec asks for them (RunSpec.Measure),
// recorded in RunResult.Extra: the inference time of the trained model
// (the DE-RRD paper's table of inference time and parameters) and a 2-D
// t-SNE map of DE's representations (its figure of balanced
// distillation). Unlike the probes of extras.go, which every run of a
// method takes, these are asked for by the spec, so they are part of the
// run's identity: the record of a run that asks for one holds it, and the
// runs of the specs written before them keep their hashes (the field is
// omitted when nil).

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/report"
	"github.com/kdrec/kdrec/kdlib/train"
	"github.com/kdrec/kdrec/kdlib/tsne"
	"gonum.org/v1/plot/vg"
)

// MeasureSpec lists the measurements a run takes besides its metrics (see
// RunSpec.Measure).
type MeasureSpec struct {
	// Inference times the trained model's inference (ExtraInference).
	Inference *InferenceSpec `json:"inference,omitempty"`
	// Embedding maps a sample of the teacher's and the student's
	// representations, and of DE's experts' outputs, to the plane with
	// t-SNE (ExtraEmbedding); it needs a DE (or HTD) term.
	Embedding *EmbeddingSpec `json:"embedding,omitempty"`
}

// InferenceSpec says how a run times its model's inference: the mean time
// of one user's inference (eval.Inference: every item scored, then the K
// best items the user has not interacted with selected), over Users users
// drawn with eval.SampleUsers and seed 0 (the same users in every run of a
// data set), one after another on one goroutine, once the model is trained.
type InferenceSpec struct {
	// Users is the number of users timed (default 200, the quickstart's).
	Users int `json:"users,omitempty"`
	// K is the length of the list selected per user (default 50).
	K int `json:"k,omitempty"`
}

// DefaultInference is the measurement the quickstart prints and the
// inference spec records: 200 users, top 50.
var DefaultInference = InferenceSpec{Users: 200, K: 50}

// EmbeddingSpec says how a run maps representations to the plane: Users
// users (among all) and Items items (among those with training
// interactions) drawn with Seed, and for each side the exact t-SNE
// (kdlib/tsne) of three point sets of the same entities: the teacher's
// representations h^t, the student's h^s and the outputs E_g(h^s) of the
// expert g the selection network assigns to each (the argmax of its
// weights, without Gumbel noise: the one-hot choice the annealed selection
// converges to).
type EmbeddingSpec struct {
	// Users and Items are the sample's sizes (default 500 each).
	Users int `json:"users,omitempty"`
	Items int `json:"items,omitempty"`
	// Perplexity is t-SNE's perplexity (default 30).
	Perplexity float64 `json:"perplexity,omitempty"`
	// Iterations is the number of t-SNE's gradient steps (default 1000).
	Iterations int `json:"iterations,omitempty"`
	// Seed drives the sample and t-SNE's initial map.
	Seed uint64 `json:"seed,omitempty"`
}

// Keys of RunResult.Extra written by the measurements of RunSpec.Measure.
const (
	// ExtraInference is an InferenceReport.
	ExtraInference = "inference"
	// ExtraEmbedding is an EmbeddingReport.
	ExtraEmbedding = "embedding"
)

// InferenceReport is what a run's inference measurement recorded.
type InferenceReport struct {
	// Users, K and Items are the timed users, the list length and the
	// number of items scored per user.
	Users int `json:"users"`
	K     int `json:"k"`
	Items int `json:"items"`
	// MsPerUser is the mean wall-clock time of one user's inference, in
	// milliseconds (four significant digits). The record's Machine says on
	// what machine and at what load.
	MsPerUser float64 `json:"ms_per_user"`
	// CPUMsPerUser is the mean CPU time of one user's inference, in
	// milliseconds (four significant digits; 0 where not measured): the
	// time to compare between runs, as it does not grow with the load of
	// other processes (eval.InferenceResult.CPUPerUser).
	CPUMsPerUser float64 `json:"cpu_ms_per_user,omitempty"`
}

// EmbeddingReport is what a run's embedding measurement recorded.
type EmbeddingReport struct {
	// Method is the term whose selection is mapped ("de").
	Method string `json:"method"`
	// Experts is the number of mapping networks per side (DE's M).
	Experts int `json:"experts"`
	// Perplexity, Iterations and Seed are t-SNE's settings.
	Perplexity float64 `json:"perplexity"`
	Iterations int     `json:"iterations"`
	Seed       uint64  `json:"seed"`
	// Sides holds the users' map, then the items'.
	Sides []EmbeddingSide `json:"sides"`
}

// EmbeddingSide is the map of one side's sample.
type EmbeddingSide struct {
	// Side is "users" or "items".
	Side string `json:"side"`
	// IDs are the sampled entities, ascending.
	IDs []int32 `json:"ids"`
	// Expert is the expert the selection network assigns to each.
	Expert []int32 `json:"expert"`
	// Teacher, Student and Experts are the 2-D t-SNE coordinates (x, y per
	// entity, three decimals) of h^t, h^s and E_g(h^s).
	Teacher [][2]float64 `json:"teacher"`
	Student [][2]float64 `json:"student"`
	Experts [][2]float64 `json:"experts"`
	// KL holds the final Kullback–Leibler divergence of each map (teacher,
	// student, experts): how faithful it is to its space's neighbourhoods.
	KL [3]float64 `json:"kl"`
}

// Inference returns the run's ExtraInference (false when the run has none).
func (r *RunResult) Inference() (*InferenceReport, bool, error) {
	var v InferenceReport
	ok, err := r.extra(ExtraInference, &v)
	return &v, ok, err
}

// Embedding returns the run's ExtraEmbedding (false when the run has none).
func (r *RunResult) Embedding() (*EmbeddingReport, bool, error) {
	var v EmbeddingReport
	ok, err := r.extra(ExtraEmbedding, &v)
	return &v, ok, err
}

// normalize fills in the defaults of the measurements asked for.
func (m *MeasureSpec) normalize() {
	if m == nil {
		return
	}
	if i := m.Inference; i != nil {
		if i.Users == 0 {
			i.Users = DefaultInference.Users
		}
		if i.K == 0 {
			i.K = DefaultInference.K
		}
	}
	if e := m.Embedding; e != nil {
		if e.Users == 0 {
			e.Users = 500
		}
		if e.Items == 0 {
			e.Items = 500
		}
		if e.Perplexity == 0 {
			e.Perplexity = 30
		}
		if e.Iterations == 0 {
			e.Iterations = 1000
		}
	}
}

// validate reports the first invalid field of the measurements.
func (m *MeasureSpec) validate() error {
	if m == nil {
		return nil
	}
	if m.Inference == nil && m.Embedding == nil {
		return errors.New("measure: asks for nothing (want inference and/or embedding)")
	}
	if i := m.Inference; i != nil && (i.Users < 1 || i.K < 1) {
		return fmt.Errorf("measure.inference: need users >= 1 and k >= 1, got users %d, k %d", i.Users, i.K)
	}
	if e := m.Embedding; e != nil {
		if e.Users < 0 || e.Items < 0 || e.Users+e.Items < 1 || e.Users > tsne.MaxPoints || e.Items > tsne.MaxPoints {
			return fmt.Errorf("measure.embedding: need 0 <= users, items <= %d (exact t-SNE), not both 0; got users %d, items %d", tsne.MaxPoints, e.Users, e.Items)
		}
		if !(e.Perplexity >= 1) || math.IsInf(e.Perplexity, 0) || e.Iterations < 1 || e.Iterations > 100000 {
			return fmt.Errorf("measure.embedding: need perplexity >= 1 and 1 <= iterations <= 100000, got %v, %d", e.Perplexity, e.Iterations)
		}
		// t-SNE needs fewer neighbours than points on each side mapped.
		for _, side := range []struct {
			name string
			n    int
		}{{"users", e.Users}, {"items", e.Items}} {
			if side.n > 0 && !(e.Perplexity < float64(side.n-1)) {
				return fmt.Errorf("measure.embedding: perplexity %v needs more than %v %s (t-SNE's perplexity is below the number of a point's neighbours), got %d", e.Perplexity, e.Perplexity+1, side.name, side.n)
			}
		}
	}
	return nil
}

// checkMeasure refuses, before anything trains, the measurements no runner
// takes for the run: only PlainRunner and RunKD (with one teacher) take
// them, and the embedding needs distillation terms.
func checkMeasure(r *RunSpec) error {
	if r.Measure == nil {
		return nil
	}
	runner, err := LookupRunner(r.Student.Kind, r.Methods())
	if err != nil {
		return nil // reported by Run.Check
	}
	p := reflect.ValueOf(runner).Pointer()
	plain, kd := p == reflect.ValueOf(Runner(PlainRunner)).Pointer(), p == reflect.ValueOf(Runner(RunKD)).Pointer()
	if !(plain || kd && len(r.Teachers) == 0) {
		return fmt.Errorf("measure: the runner of %s %v does not take measurements (the plain runner and RunKD with one teacher do)", r.Student.Kind, r.Methods())
	}
	if r.Measure.Embedding != nil && !kd {
		return errors.New("measure.embedding maps DE's experts: the run needs a DE (or HTD) term")
	}
	return nil
}

// measureInference times sc's inference as o says, selections excluding
// the split's training interactions.
func measureInference(ctx context.Context, sc model.Scorer, s *data.Split, o InferenceSpec) (*InferenceReport, error) {
	users := eval.SampleUsers(sc.NumUsers(), o.Users, 0)
	r, err := eval.Inference(ctx, sc, users, eval.InferenceOptions{TopK: o.K, Exclude: s.Train})
	if err != nil {
		return nil, err
	}
	return &InferenceReport{Users: r.Users, K: o.K, Items: sc.NumItems(),
		MsPerUser: roundSig(float64(r.PerUser)/1e6, 4), CPUMsPerUser: roundSig(float64(r.CPUPerUser)/1e6, 4)}, nil
}

// roundSig rounds x to n significant digits.
func roundSig(x float64, n int) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	p := math.Pow(10, float64(n-1)-math.Floor(math.Log10(math.Abs(x))))
	return math.Round(x*p) / p
}

// selector finds the term whose selection an embedding maps.
func selector(terms []train.Term) (distill.Assigner, string, error) {
	for _, t := range terms {
		if a, ok := t.(distill.Assigner); ok {
			return a, t.Name(), nil
		}
	}
	return nil, "", errors.New("measure.embedding maps DE's experts: no term of the run has a selection network (DE, HTD)")
}

// measureEmbedding maps the sample of o with t-SNE: for each side, the
// teacher's and the student's representations and the assigned experts'
// outputs.
func measureEmbedding(ctx context.Context, teacher model.Embedder, student model.Embedder, a distill.Assigner, method string, s *data.Split, o EmbeddingSpec) (*EmbeddingReport, error) {
	rep := &EmbeddingReport{Method: method, Experts: a.Networks(), Perplexity: o.Perplexity, Iterations: o.Iterations, Seed: o.Seed}
	users, items := embeddingSample(s, o)
	to := tsne.Default()
	to.Perplexity, to.Iterations, to.Seed = o.Perplexity, o.Iterations, o.Seed
	for side, ids := range [][]int32{users, items} {
		if len(ids) == 0 {
			continue
		}
		name := [2]string{"users", "items"}[side]
		n := len(ids)
		dt, ds := teacher.Dim(), student.Dim()
		ht, hs := make([]float32, n*dt), make([]float32, n*ds)
		if side == 0 {
			teacher.UserVecs(ids, ht)
			student.UserVecs(ids, hs)
		} else {
			teacher.ItemVecs(ids, ht)
			student.ItemVecs(ids, hs)
		}
		experts, out, err := a.Assign(side == 1, ids)
		if err != nil {
			return nil, err
		}
		es := EmbeddingSide{Side: name, IDs: ids, Expert: experts}
		for k, pts := range []struct {
			x   []float32
			d   int
			dst *[][2]float64
		}{{ht, dt, &es.Teacher}, {hs, ds, &es.Student}, {out, len(out) / n, &es.Experts}} {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			x := make([]float64, len(pts.x))
			for j, v := range pts.x {
				x[j] = float64(v)
			}
			y, kl, err := tsne.Embed(x, n, pts.d, to)
			if err != nil {
				return nil, fmt.Errorf("measure.embedding: %s: %w", name, err)
			}
			*pts.dst = make([][2]float64, n)
			for j := range n {
				(*pts.dst)[j] = [2]float64{math.Round(y[2*j]*1e3) / 1e3, math.Round(y[2*j+1]*1e3) / 1e3}
			}
			es.KL[k] = roundSig(kl, 4)
		}
		rep.Sides = append(rep.Sides, es)
	}
	return rep, nil
}

// checkEmbeddingSample reports, before the run trains, a sample of s that
// t-SNE cannot map with o's perplexity: a side whose data have fewer
// entities than the spec asks for (all users, or the items with training
// interactions) may hold one point, or no more points than the perplexity.
func checkEmbeddingSample(s *data.Split, o EmbeddingSpec) error {
	users, items := embeddingSample(s, o)
	for k, ids := range [][]int32{users, items} {
		if n := len(ids); n > 0 && (n < 2 || !(o.Perplexity < float64(n-1))) {
			return fmt.Errorf("measure.embedding: the data have %d %s to map, t-SNE needs at least 2 and more than the perplexity %v plus one",
				n, [2]string{"users", "items (with training interactions)"}[k], o.Perplexity)
		}
	}
	return nil
}

// embeddingSample draws the embedding's users (among all) and items (among
// those with training interactions), each ascending.
func embeddingSample(s *data.Split, o EmbeddingSpec) (users, items []int32) {
	r := rand.New(rand.NewPCG(o.Seed, 0x74736e65))
	pick := func(pool []int32, n int) []int32 {
		r.Shuffle(len(pool), func(a, b int) { pool[a], pool[b] = pool[b], pool[a] })
		out := slices.Clone(pool[:min(n, len(pool))])
		slices.Sort(out)
		return out
	}
	all := make([]int32, s.NumUsers())
	for u := range all {
		all[u] = int32(u)
	}
	var warm []int32
	for i := range s.NumItems() {
		if len(s.Train.Users(i)) > 0 {
			warm = append(warm, int32(i))
		}
	}
	return pick(all, o.Users), pick(warm, o.Items)
}

// measureRun takes the measurements run asks for on the trained student
// (and, for the embedding, its teacher and terms) and records them in res.
func measureRun(ctx context.Context, spec *RunSpec, res *RunResult, sc model.Scorer, s *data.Split, emb func() (*EmbeddingReport, error)) error {
	m := spec.Measure
	if m == nil {
		return nil
	}
	extra := make(map[string]any, len(res.Extra)+2)
	for k, v := range res.Extra {
		extra[k] = v
	}
	if m.Inference != nil {
		r, err := measureInference(ctx, sc, s, *m.Inference)
		if err != nil {
			return fmt.Errorf("measure.inference: %w", err)
		}
		extra[ExtraInference] = r
	}
	if m.Embedding != nil {
		if emb == nil {
			return errors.New("measure.embedding: the run has no selection to map")
		}
		r, err := emb()
		if err != nil {
			return err
		}
		extra[ExtraEmbedding] = r
	}
	res.Extra = extra
	return nil
}

// Quantities of a record that are not test metrics, which tables
// (TableOptions.Metrics) and claims (Claim.Metric) can name like metrics.
const (
	// MetricParams is the trained model's number of parameters
	// (RunResult.Params).
	MetricParams = "params"
	// MetricMsPerUser is the wall-clock inference time per user in
	// milliseconds (ExtraInference): lower is faster.
	MetricMsPerUser = "ms/user"
	// MetricCPUMsPerUser is the CPU time of one user's inference in
	// milliseconds (ExtraInference): lower is faster, and unlike
	// MetricMsPerUser it does not depend on the machine's load.
	MetricCPUMsPerUser = "cpu-ms/user"
)

// InferenceTable is the table of inference time and parameters of a sweep
// whose runs measure their inference (the DE-RRD paper's table of the
// teacher and the students): per row, the model's size d, its number of
// parameters and their share of the teacher's, the CPU and the wall-clock
// time of one user's inference (mean ± sd over the seeds that recorded it)
// and the teacher's CPU time over the row's (how many times less work it
// serves with; the wall-clock time when no CPU time was recorded), with the
// machines and their load in the notes. The teacher is the row labelled
// "Teacher". It fails with ErrNotRecorded when no record of the sweep
// holds the measurement.
func InferenceTable(sr *SweepResults) (*report.Table, error) {
	measured := false
	for _, e := range sr.Entries {
		if e.Record != nil {
			if _, ok, _ := e.Record.Result.Inference(); ok {
				measured = true
			}
		}
	}
	if !measured {
		return nil, fmt.Errorf("sweep %s: no record holds its inference time: %w", sr.Sweep, ErrNotRecorded)
	}
	metrics := []string{MetricParams, MetricMsPerUser}
	if slices.Contains(sr.Metrics(), MetricCPUMsPerUser) {
		metrics = append(metrics, MetricCPUMsPerUser)
	}
	s, err := Aggregate(sr, TableOptions{Metrics: metrics, Baseline: NoBaseline})
	if err != nil {
		return nil, err
	}
	var teacher *SummaryRow
	for _, r := range s.Rows {
		if strings.EqualFold(r.Label, "Teacher") && teacher == nil {
			teacher = r
		}
	}
	speed := MetricCPUMsPerUser
	if teacher == nil || teacher.N[speed] == 0 {
		speed = MetricMsPerUser
	}
	t := &report.Table{Title: fmt.Sprintf("%s: inference time and parameters (mean ± sd over seeds)", sr.Sweep),
		Header: []string{"model", "d", "parameters", "share of the teacher's", "CPU ms/user", "wall ms/user", "times faster than the teacher", "seeds"}}
	var users, k, items int
	var loads []float64
	cpus := map[string]bool{}
	cell := func(r *SummaryRow, m string) string {
		n := r.N[m]
		if n == 0 {
			return "–"
		}
		v := strconv.FormatFloat(r.Mean[m], 'f', 3, 64)
		if n > 1 {
			v += " ± " + strconv.FormatFloat(r.Std[m], 'f', 3, 64)
		}
		return v
	}
	for _, r := range s.Rows {
		d, seeds := 0, 0
		for _, seed := range r.Seeds {
			rec := r.recs[seed]
			d = rec.Spec.Student.Dim
			inf, ok, _ := rec.Result.Inference()
			if !ok {
				continue
			}
			seeds++
			users, k, items = inf.Users, inf.K, inf.Items
			if m := rec.Machine; m != nil {
				loads = append(loads, m.Load...)
				cpus[fmt.Sprintf("%s, %d CPUs, GOMAXPROCS %d", cmpOr(m.CPU, m.Arch), m.CPUs, m.Procs)] = true
			}
		}
		row := []string{r.Name(), strconv.Itoa(d), "–", "–", cell(r, MetricCPUMsPerUser), cell(r, MetricMsPerUser), "–", strconv.Itoa(seeds)}
		if r.N[MetricParams] > 0 {
			row[2] = strconv.FormatFloat(r.Mean[MetricParams], 'f', 0, 64)
			if teacher != nil && teacher.N[MetricParams] > 0 {
				row[3] = strconv.FormatFloat(r.Mean[MetricParams]/teacher.Mean[MetricParams], 'f', 3, 64)
			}
		}
		if teacher != nil && teacher.N[speed] > 0 && r.N[speed] > 0 {
			row[6] = strconv.FormatFloat(teacher.Mean[speed]/r.Mean[speed], 'f', 1, 64) + "×"
		}
		t.Rows = append(t.Rows, row)
	}
	basis := "CPU"
	if speed == MetricMsPerUser {
		basis = "wall-clock"
	}
	t.Notes = append(t.Notes, fmt.Sprintf("ms/user: time to score all %d items for one user and select the %d best the user has not interacted with, on one goroutine, mean over %d users (eval.Inference), measured after training: the CPU time of the measuring thread and the wall-clock time; times faster: the teacher's %s time over the row's. The distillation terms are dropped after training, so a distilled student serves as the plain student of its size.", items, k, users, basis))
	if len(loads) > 0 {
		machines := slices.Sorted(maps.Keys(cpus))
		t.Notes = append(t.Notes, fmt.Sprintf("Measured on %s; 1-minute load average %.1f–%.1f at the start and end of the runs (the wall-clock times grow with the load; the CPU times much less).",
			strings.Join(machines, "; "), slices.Min(loads), slices.Max(loads)))
	}
	if s.Missing > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("%d runs of the sweep have no record yet and are left out.", s.Missing))
	}
	return t, nil
}

// cmpOr returns a, or b when a is empty.
func cmpOr(a, b string) string {
	if a == "" {
		return b
	}
	return a
}

// EmbeddingScatter draws a run's ExtraEmbedding as a figure: one row per
// side (users, items), three panels per row — the t-SNE maps of the
// teacher's representations, the student's, and the assigned experts'
// outputs — every entity coloured by the expert the selection network
// assigns to it. The top most frequent experts of each side get a colour
// and a marker of their own ("expert m (n)": its number and how many of
// the sample it serves, in the legend of the side's first panel); the
// others are drawn as the grey rest. caption heads the figure's caption.
func EmbeddingScatter(r *EmbeddingReport, top int, caption string) (*report.Scatter, error) {
	if len(r.Sides) == 0 {
		return nil, errors.New("embedding: no side recorded")
	}
	top = max(top, 1)
	sc := &report.Scatter{Cols: 3, Rest: true, Caption: caption, XLabel: "t-SNE 1", YLabel: "t-SNE 2",
		Size: report.Size{Width: report.TwoColumn.Width, Height: vg.Length(len(r.Sides)) * 2.3 * vg.Inch}}
	groups := make([][]int, len(r.Sides))
	for i, s := range r.Sides {
		n := len(s.IDs)
		if len(s.Expert) != n || len(s.Teacher) != n || len(s.Student) != n || len(s.Experts) != n {
			return nil, fmt.Errorf("embedding: side %s has %d ids, %d experts and %d/%d/%d points", s.Side, n, len(s.Expert), len(s.Teacher), len(s.Student), len(s.Experts))
		}
		count := map[int32]int{}
		for _, e := range s.Expert {
			count[e]++
		}
		order := slices.Collect(maps.Keys(count))
		slices.SortFunc(order, func(a, b int32) int {
			if count[a] != count[b] {
				return count[b] - count[a]
			}
			return int(a - b)
		})
		order = order[:min(top, len(order))]
		first := len(sc.Groups)
		for _, e := range order {
			sc.Groups = append(sc.Groups, fmt.Sprintf("expert %d (%d)", e, count[e]))
		}
		groups[i] = make([]int, n)
		for j, e := range s.Expert {
			groups[i][j] = -1 // the rest
			if k := slices.Index(order, e); k >= 0 {
				groups[i][j] = first + k
			}
		}
	}
	sc.Groups = append(sc.Groups, "other experts")
	for _, g := range groups {
		for j := range g {
			if g[j] < 0 { // the rest: the last group, known now
				g[j] = len(sc.Groups) - 1
			}
		}
	}
	for i, s := range r.Sides {
		sc.Legends = append(sc.Legends, len(sc.Panels))
		for _, p := range []struct {
			name string
			xy   [][2]float64
		}{{"teacher", s.Teacher}, {"student", s.Student}, {"experts' outputs", s.Experts}} {
			panel := report.ScatterPanel{Title: fmt.Sprintf("%s: %s", s.Side, p.name), Group: groups[i]}
			for _, v := range p.xy {
				panel.X, panel.Y = append(panel.X, v[0]), append(panel.Y, v[1])
			}
			sc.Panels = append(sc.Panels, panel)
		}
	}
	return sc, nil
}

package exp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/train"
)

// measureRunSpec is a small DE run on generated data.
func measureRunSpec(m *MeasureSpec) RunSpec {
	return RunSpec{Label: "DE",
		Dataset: DatasetSpec{Name: SyntheticName, Synthetic: &SyntheticSpec{Users: 60, Items: 80, PerUser: 8, Clusters: 4, Noise: 0.1, Seed: 3}},
		Split:   SplitSpec{Kind: SplitLOO, Candidates: 20},
		Teacher: &TeacherSpec{ModelSpec: ModelSpec{Kind: "bpr", Dim: 8}, Budget: &Budget{Epochs: 2, EvalEvery: 1}},
		Student: ModelSpec{Kind: "bpr", Dim: 4}, KD: []KDTerm{{Method: "de", Lambda: 0.01, Options: Options{"experts": 3}}},
		Seed: 1, Protocol: LOO, Budget: Budget{Epochs: 2, EvalEvery: 1}, Measure: m}
}

// TestMeasureLeavesOtherHashesAlone checks that a run without measurements
// hashes as before the field existed (its JSON has no "measure"), and that
// asking for one makes a run of its own.
func TestMeasureLeavesOtherHashesAlone(t *testing.T) {
	plain, err := NewRun(measureRunSpec(nil))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(plain.Spec)
	if strings.Contains(string(b), "measure") {
		t.Fatalf("a run without measurements writes %s", b)
	}
	measured, err := NewRun(measureRunSpec(&MeasureSpec{Inference: &InferenceSpec{}}))
	if err != nil {
		t.Fatal(err)
	}
	if measured.Hash == plain.Hash {
		t.Error("a measured run has the hash of the unmeasured one")
	}
	if i := measured.Spec.Measure.Inference; i.Users != DefaultInference.Users || i.K != DefaultInference.K {
		t.Errorf("defaults not filled in: %+v", *i)
	}
	if a, _ := plain.Spec.StudentKey().Hash(); a != func() string { h, _ := measured.Spec.StudentKey().Hash(); return h }() {
		t.Error("the measurement changes the model's cache key")
	}
}

func TestMeasureRecordsInferenceAndEmbedding(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two small runs and maps them (a few seconds)")
	}
	env, _ := NewEnv("", nil)
	ctx := context.Background()
	emb := &EmbeddingSpec{Users: 30, Items: 40, Perplexity: 5, Iterations: 200, Seed: 2}
	run, err := NewRun(measureRunSpec(&MeasureSpec{Inference: &InferenceSpec{Users: 10, K: 5}, Embedding: emb}))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := Execute(ctx, run, env)
	if err != nil {
		t.Fatal(err)
	}
	inf, ok, err := rec.Result.Inference()
	if err != nil || !ok {
		t.Fatalf("no inference recorded: %v", err)
	}
	if inf.Users != 10 || inf.K != 5 || inf.Items != 80 || !(inf.MsPerUser > 0) || runtime.GOOS == "linux" && !(inf.CPUMsPerUser > 0) {
		t.Errorf("inference report %+v", *inf)
	}
	e, ok, err := rec.Result.Embedding()
	if err != nil || !ok {
		t.Fatalf("no embedding recorded: %v", err)
	}
	if e.Method != "de" || e.Experts != 3 || len(e.Sides) != 2 || e.Sides[0].Side != "users" || e.Sides[1].Side != "items" {
		t.Fatalf("embedding report: method %s, %d experts, %d sides", e.Method, e.Experts, len(e.Sides))
	}
	for k, side := range e.Sides {
		n := []int{30, 40}[k]
		if len(side.IDs) != n || len(side.Expert) != n || len(side.Teacher) != n || len(side.Student) != n || len(side.Experts) != n {
			t.Errorf("%s: %d ids, %d experts, %d/%d/%d points, want %d", side.Side, len(side.IDs), len(side.Expert),
				len(side.Teacher), len(side.Student), len(side.Experts), n)
		}
		for _, x := range side.Expert {
			if x < 0 || x >= 3 {
				t.Errorf("%s: expert %d out of range", side.Side, x)
			}
		}
		for _, kl := range side.KL {
			if !(kl > 0) {
				t.Errorf("%s: KL %v", side.Side, side.KL)
			}
		}
	}
	// The measurement is deterministic: the same run maps to the same
	// points (the timing aside).
	again, err := Execute(ctx, run, env)
	if err != nil {
		t.Fatal(err)
	}
	e2, _, _ := again.Result.Embedding()
	a, _ := json.Marshal(e)
	b, _ := json.Marshal(e2)
	if string(a) != string(b) {
		t.Error("the embedding differs between two executions of the run")
	}

	// A plain run (the teacher row of a table) takes the inference
	// measurement on its trained model, and leaves the cached result alone.
	ps := measureRunSpec(&MeasureSpec{Inference: &InferenceSpec{Users: 10, K: 5}})
	ps.Label, ps.KD, ps.Teacher, ps.Student = "Teacher", nil, nil, ModelSpec{Kind: "bpr", Dim: 8}
	prun, err := NewRun(ps)
	if err != nil {
		t.Fatal(err)
	}
	prec, err := Execute(ctx, prun, env)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := prec.Result.Inference(); !ok || prec.Result.Params != (60+80)*8 {
		t.Errorf("plain run: inference recorded %v, params %d", ok, prec.Result.Params)
	}
	ps.Measure = nil
	urun, _ := NewRun(ps)
	urec, err := Execute(ctx, urun, env)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := urec.Result.Extra[ExtraInference]; ok {
		t.Error("the unmeasured run of the same model carries the measured run's inference")
	}
}

func TestMeasureRefusesWhatNoRunnerTakes(t *testing.T) {
	for name, c := range map[string]struct {
		spec RunSpec
		want string
	}{
		"embedding without KD": {func() RunSpec {
			s := measureRunSpec(&MeasureSpec{Embedding: &EmbeddingSpec{}})
			s.KD, s.Teacher = nil, nil
			return s
		}(), "needs a DE"},
		"nothing asked":      {measureRunSpec(&MeasureSpec{}), "asks for nothing"},
		"k 0 after defaults": {measureRunSpec(&MeasureSpec{Inference: &InferenceSpec{K: -1}}), "measure.inference"},
		"too many points":    {measureRunSpec(&MeasureSpec{Embedding: &EmbeddingSpec{Users: 100000}}), "measure.embedding"},
		"perplexity ≥ users": {measureRunSpec(&MeasureSpec{Embedding: &EmbeddingSpec{Users: 10, Perplexity: 30}}), "perplexity 30 needs more than 31 users"},
		"ensemble": {func() RunSpec {
			s := measureRunSpec(&MeasureSpec{Inference: &InferenceSpec{}})
			s.KD = []KDTerm{{Method: "hetcomp", Lambda: 1}}
			s.Teachers = []TeacherSpec{{ModelSpec: ModelSpec{Kind: "bpr", Dim: 8}}}
			s.Teacher, s.Protocol, s.Split = nil, Full, SplitSpec{Kind: SplitRatio602020}
			return s
		}(), "does not take measurements"},
	} {
		_, err := NewRun(c.spec)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", name, err, c.want)
		}
	}
}

// TestMeasureEmbeddingCheckedBeforeTraining checks that a map t-SNE
// cannot draw on the run's data (a perplexity of 70 for the 60 users the
// data have, though the spec asks for the default 500) fails before the
// student trains, not after.
func TestMeasureEmbeddingCheckedBeforeTraining(t *testing.T) {
	started := 0
	env, _ := NewEnv("", nil)
	env.Hooks = []train.Hook{{OnStart: func(train.StartEvent) { started++ }}}
	run, err := NewRun(measureRunSpec(&MeasureSpec{Embedding: &EmbeddingSpec{Perplexity: 70, Iterations: 10}}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Execute(context.Background(), run, env)
	if err == nil || !strings.Contains(err.Error(), "60 users to map") {
		t.Fatalf("got %v, want the sample's size refused", err)
	}
	if started != 1 {
		t.Errorf("%d models began training, want only the teacher", started)
	}
}

// sweepSource is a SweepSource of one sweep.
type sweepSource struct{ sr *SweepResults }

func (s sweepSource) Sweep(string) (*SweepResults, error) { return s.sr, nil }

// inferenceSweep is a sweep of a teacher and a student, two seeds each,
// with the inference times given (one per seed; NaN: not measured).
func inferenceSweep(teacherMs, studentMs []float64) *SweepResults {
	sr := &SweepResults{Sweep: "inf"}
	for _, row := range []struct {
		label string
		dim   int
		ms    []float64
	}{{"Teacher", 200, teacherMs}, {"Student", 20, studentMs}} {
		for seed, ms := range row.ms {
			spec := RunSpec{Label: row.label, Student: ModelSpec{Kind: "bpr", Dim: row.dim}, Seed: uint64(seed)}
			run := Run{ID: fmt.Sprintf("%s%d", row.label, seed), Label: row.label, Spec: spec,
				Point: []Setting{{Path: "seed", Value: json.RawMessage(fmt.Sprint(seed))}}}
			res := RunResult{Params: 1000 * row.dim}
			if !math.IsNaN(ms) {
				res.Extra = map[string]any{ExtraInference: &InferenceReport{Users: 200, K: 50, Items: 300, MsPerUser: ms, CPUMsPerUser: ms / 2}}
			}
			rec := &Record{ID: run.ID, Label: row.label, Spec: spec, Point: run.Point, Result: res,
				Machine: &Machine{Arch: "amd64", CPUs: 2, Procs: 2, CPU: "test CPU", Load: []float64{1.5, 2.5}}}
			sr.Entries = append(sr.Entries, Entry{Run: run, Record: rec})
		}
	}
	return sr
}

func TestInferenceTable(t *testing.T) {
	tb, err := InferenceTable(inferenceSweep([]float64{1.0, 1.2}, []float64{0.2, 0.24}))
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"Teacher", "200", "200000", "1.000", "0.550 ± 0.071", "1.100 ± 0.141", "1.0×", "2"},
		{"Student", "20", "20000", "0.100", "0.110 ± 0.014", "0.220 ± 0.028", "5.0×", "2"},
	}
	if !reflect.DeepEqual(tb.Rows, want) {
		t.Errorf("rows %q, want %q", tb.Rows, want)
	}
	if md := tb.Markdown(); !strings.Contains(md, "test CPU, 2 CPUs, GOMAXPROCS 2") || !strings.Contains(md, "1.5–2.5") || !strings.Contains(md, "select the 50 best") {
		t.Errorf("the notes lack the machine, its load or the measurement:\n%s", md)
	}
	// A seed without the measurement counts in the parameters, not in the time.
	tb, err = InferenceTable(inferenceSweep([]float64{1.0, math.NaN()}, []float64{0.2, 0.3}))
	if err != nil {
		t.Fatal(err)
	}
	if tb.Rows[0][5] != "1.000" || tb.Rows[0][7] != "1" || tb.Rows[1][6] != "4.0×" {
		t.Errorf("rows with a seed unmeasured: %q", tb.Rows)
	}
	if _, err := InferenceTable(inferenceSweep([]float64{math.NaN()}, []float64{math.NaN()})); !errors.Is(err, ErrNotRecorded) {
		t.Errorf("a sweep without measurements: %v", err)
	}
}

func TestLessClaim(t *testing.T) {
	src := sweepSource{inferenceSweep([]float64{1.0, 1.2}, []float64{0.2, 0.24})}
	claims := []Claim{
		{ID: "faster", Kind: ClaimLess, Sweep: "inf", Row: "Student", Baseline: "Teacher", Metric: MetricMsPerUser, MinSeeds: 2},
		{ID: "much-faster", Kind: ClaimLess, Sweep: "inf", Row: "Student", Baseline: "Teacher", Metric: MetricMsPerUser, Tol: 0.9, MinSeeds: 2},
		{ID: "less-cpu", Kind: ClaimLess, Sweep: "inf", Row: "Student", Baseline: "Teacher", Metric: MetricCPUMsPerUser, Tol: 0.4, MinSeeds: 2},
		{ID: "slower", Kind: ClaimLess, Sweep: "inf", Row: "Teacher", Baseline: "Student", Metric: MetricMsPerUser, MinSeeds: 2},
		{ID: "smaller", Kind: ClaimLess, Sweep: "inf", Row: "Student", Baseline: "Teacher", Metric: MetricParams, MinSeeds: 2},
		{ID: "three-seeds", Kind: ClaimLess, Sweep: "inf", Row: "Student", Baseline: "Teacher", Metric: MetricMsPerUser},
	}
	for _, c := range claims {
		if err := checkClaim(c, true); err != nil {
			t.Fatalf("%s: %v", c.ID, err)
		}
	}
	rs, err := EvaluateClaims(src, claims)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{Holds, Fails, Holds, Fails, Holds, NoEvidence}
	for k, r := range rs {
		if r.Verdict != want[k] {
			t.Errorf("%s: %s (%s), want %s", r.Claim.ID, r.Verdict, r.Evidence, want[k])
		}
	}
	if err := checkClaim(Claim{ID: "x", Kind: ClaimLess, Sweep: "inf", Row: "a", Baseline: "b", Metric: MetricMsPerUser, Tol: -1}, true); err == nil {
		t.Error("a negative margin accepted")
	}
}

func TestEmbeddingScatter(t *testing.T) {
	side := func(name string, experts ...int32) EmbeddingSide {
		s := EmbeddingSide{Side: name, Expert: experts}
		for k := range experts {
			s.IDs = append(s.IDs, int32(k))
			p := [2]float64{float64(k), -float64(k)}
			s.Teacher, s.Student, s.Experts = append(s.Teacher, p), append(s.Student, p), append(s.Experts, p)
		}
		return s
	}
	r := &EmbeddingReport{Sides: []EmbeddingSide{side("users", 5, 5, 5, 2, 2, 9), side("items", 1, 1, 7)}}
	sc, err := EmbeddingScatter(r, 2, "caption.")
	if err != nil {
		t.Fatal(err)
	}
	wantGroups := []string{"expert 5 (3)", "expert 2 (2)", "expert 1 (2)", "expert 7 (1)", "other experts"}
	if !reflect.DeepEqual(sc.Groups, wantGroups) || len(sc.Panels) != 6 || !reflect.DeepEqual(sc.Legends, []int{0, 3}) {
		t.Fatalf("groups %q, %d panels, legends %v", sc.Groups, len(sc.Panels), sc.Legends)
	}
	if g := sc.Panels[2].Group; !reflect.DeepEqual(g, []int{0, 0, 0, 1, 1, 4}) {
		t.Errorf("users' groups %v", g)
	}
	if g := sc.Panels[4].Group; !reflect.DeepEqual(g, []int{2, 2, 3}) || sc.Panels[4].Title != "items: student" {
		t.Errorf("items' groups %v (%s)", g, sc.Panels[4].Title)
	}
	r.Sides[1].Teacher = r.Sides[1].Teacher[:2]
	if _, err := EmbeddingScatter(r, 2, ""); err == nil {
		t.Error("a side with fewer points than entities accepted")
	}
}

package exp

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kdrec/kdrec/kdlib/model"
)

// BuiltinInfo describes a built-in spec.
type BuiltinInfo struct {
	// Name is what BuiltinSpec, `kdsweep run` and the REPL take.
	Name string
	// Title is a one-line description; Source the dissertation table or
	// figure (methods.md section) it reproduces.
	Title, Source string
	// Budgets lists the named budgets ("full", "quick").
	Budgets []string
}

type builtin struct {
	name, title, source, desc string
	build                     func() *Spec
}

// Builtins lists the built-in specs, one per table and figure of the
// dissertation (methods.md §4.2–4.4), in the order of the document.
func Builtins() []BuiltinInfo {
	out := make([]BuiltinInfo, len(builtinSpecs))
	for k, b := range builtinSpecs {
		out[k] = BuiltinInfo{Name: b.name, Title: b.title, Source: b.source, Budgets: []string{"full", "quick"}}
	}
	return out
}

// BuiltinSpec returns the built-in spec called name with the named budget:
// "full" (or "") reproduces the dissertation's setting, "quick" is a CI
// budget (one epoch, one seed) that exercises the same pipeline in
// seconds to minutes. Runs whose distillation methods or models are not
// registered yet fail with "… not available yet" when run; the BPR-only
// specs (derrd-students, td-student-size) run today.
func BuiltinSpec(name, budget string) (*Spec, error) {
	for _, b := range builtinSpecs {
		if b.name == name {
			s := b.build()
			s.Name, s.Title, s.Source, s.Description = b.name, b.title, b.source, b.desc
			if budget == "full" {
				budget = ""
			}
			return s.WithBudget(budget)
		}
	}
	names := make([]string, len(builtinSpecs))
	for k, b := range builtinSpecs {
		names[k] = b.name
	}
	return nil, fmt.Errorf("no built-in spec %q (known: %s)", name, strings.Join(names, ", "))
}

// Unavailable expands s and returns, deduplicated, why some of its runs
// cannot run with what is registered now (nil when everything can run).
func (s *Spec) Unavailable() ([]string, error) {
	runs, err := s.Expand()
	if err != nil {
		return nil, err
	}
	var out []string
	for k := range runs {
		if err := runs[k].Check(); err != nil && !slices.Contains(out, err.Error()) {
			if !errors.Is(err, ErrNotAvailable) {
				return nil, err
			}
			out = append(out, err.Error())
		}
	}
	return out, nil
}

// Building blocks of the built-in specs.

var (
	citeULike = DatasetSpec{Name: "citeulike-t"}
	// derrdSplit is the authors' DE-RRD/IR-RRD leave-one-out split (seed 0);
	// its candidates file is not shipped, so 499 are sampled per seed.
	derrdSplit = SplitSpec{Kind: SplitImport, Name: "derrd-loo"}
	// tdSplit is the authors' Topology Distillation split.
	tdSplit = SplitSpec{Kind: SplitImport, Name: "td-loo"}
	// hetcompSplit is HetComp's per-user 60/20/20 split, seed 0.
	hetcompSplit = SplitSpec{Kind: SplitRatio602020, Seed: new(uint64(0))}

	// looFull is the DE-RRD / IR-RRD protocol: up to 1000 epochs,
	// evaluation every epoch, patience 20 (methods.md §2.2).
	looFull  = Budget{Epochs: 1000, EvalEvery: 1, Patience: 20}
	looQuick = NamedBudget{Budget: Budget{Epochs: 1, EvalEvery: 1}, Seeds: []uint64{0}}
	// tdFull is the TD notebook's schedule: 100 epochs, test every 10,
	// including the untrained model (methods.md §4.2b).
	tdFull  = Budget{Epochs: 100, EvalEvery: 10, EvalAtStart: true}
	tdQuick = NamedBudget{Budget: Budget{Epochs: 1, EvalEvery: 1, EvalAtStart: true}, Seeds: []uint64{0}}
	// curveFull is the DE-RRD / IR-RRD learning-curve notebooks: validation
	// every epoch for 100 epochs.
	curveFull = Budget{Epochs: 100, EvalEvery: 1, EvalAtStart: true}
	// hetcompFull: up to 1000 epochs, evaluation every 10 (and before
	// training, for the curves), patience 5.
	hetcompFull = Budget{Epochs: 1000, EvalEvery: 10, Patience: 5, EvalAtStart: true}

	fiveSeeds = []uint64{0, 1, 2, 3, 4}

	looMetrics  = []string{"HR@5", "NDCG@5", "HR@10", "NDCG@10", "HR@20", "NDCG@20"}
	looMetricsM = []string{"HR@5", "NDCG@5", "MRR@5", "HR@10", "NDCG@10", "MRR@10", "HR@20", "NDCG@20", "MRR@20"}
	fullMetrics = []string{"Recall@10", "NDCG@10", "Recall@20", "NDCG@20", "Recall@50", "NDCG@50"}
)

func bpr(dim int) ModelSpec { return ModelSpec{Kind: "bpr", Dim: dim} }

func teacherOf(m ModelSpec) *TeacherSpec { return &TeacherSpec{ModelSpec: m} }

// kd builds one distillation term; opts alternate keys and values.
func kd(method string, lambda float64, opts ...any) KDTerm {
	t := KDTerm{Method: method, Lambda: lambda}
	if len(opts) > 0 {
		t.Options = Options{}
		for k := 0; k+1 < len(opts); k += 2 {
			t.Options[opts[k].(string)] = opts[k+1]
		}
	}
	return t
}

// Reference hyper-parameters of the distillation terms (methods.md §3).
// Option names are the ones the KD drivers are asked to accept.
var (
	termDE   = kd("de", 0.01, "experts", 30)
	termRRD  = kd("rrd", 0.001, "k", 40, "l", 40, "t", 10)
	termIR   = kd("ir", 0.0005, "k", 20, "l", 20, "t", 10)
	termFTD  = kd("ftd", 0.001)
	termHTD  = kd("htd", 0.001, "groups", 30, "alpha", 0.5)
	termHint = kd("hint", 0.01)
	termPHR  = kd("phr", 0.01)
	termRD   = kd("rd", 0.01, "k", 10)
	termCD   = kd("cd", 0.5)
	termDCD  = kd("dcd", 0.01) // KDs's dcd.yaml (distill.DCD's reference variant)
	termHet  = kd("hetcomp", 1)
	// HetComp's baselines distil the ensemble's top-200 lists, as in
	// HetCompReproduce; RRD with the deterministic top-K (HetComp README).
	termRRDHC   = kd("rrd", 0.001, "n", 200, "k", 40, "l", 40, "sample", false)
	termDCDHC   = kd("dcd", 0.01, "n", 200)
	termCLDRDHC = kd("cl-drd", 1, "n", 200)
)

// plainRow is a variant without distillation (and without a teacher).
func plainRow(label string, m ModelSpec) Variant {
	return Variant{Label: label, Set: map[string]any{"student": m, "teacher": nil, "kd": nil}}
}

// kdRow is a variant with the given distillation terms.
func kdRow(label string, terms ...KDTerm) Variant {
	return Variant{Label: label, Set: map[string]any{"kd": terms}}
}

func withGrid(v Variant, g Grid) Variant { v.Grid = g; return v }

// derrdBase is the DE-RRD setting: CiteULike, the authors' LOO split, BPR
// teacher d=200 and student d=20 (φ = 0.1).
func derrdBase() *Spec {
	return &Spec{
		RunSpec: RunSpec{Dataset: citeULike, Split: derrdSplit, Teacher: teacherOf(bpr(200)), Student: bpr(20),
			Protocol: LOO, Budget: looFull},
		Seeds:   fiveSeeds,
		Budgets: map[string]NamedBudget{"full": {Budget: looFull, Seeds: fiveSeeds}, "quick": looQuick},
	}
}

// tdBase is the TD setting: CiteULike, the TD split, full ranking, BPR
// teacher d=200 and student d=20.
func tdBase() *Spec {
	return &Spec{
		RunSpec: RunSpec{Dataset: citeULike, Split: tdSplit, Teacher: teacherOf(bpr(200)), Student: bpr(20),
			Protocol: Full, Budget: tdFull},
		Seeds:   []uint64{0},
		Budgets: map[string]NamedBudget{"full": {Budget: tdFull, Seeds: []uint64{0}}, "quick": tdQuick},
		Report:  ReportSpec{Metrics: fullMetrics, Baseline: "Student"},
	}
}

// hetcompTeachers are the six HetComp teacher families (MF, ML, DL, GNN,
// AE, I-AE) as HetCompReproduce trains them (HetCompTeachers("")): d = 64,
// each with its reference training settings spelled out (Adam lr, coupled
// L2, batch: the kinds' TrainDefaults, LightGCN's larger lr and batch) and
// its own budget, so that the sweep and the driver share one cache of
// trajectories (TestHetCompSpecMatchesDriver). Sizes are not verified
// (methods.md §3.1).
var hetcompTeachers = func() []struct {
	label string
	t     TeacherSpec
} {
	var out []struct {
		label string
		t     TeacherSpec
	}
	for _, sp := range HetCompTeachers("") {
		k, err := model.LookupKind(sp.Kind)
		if err != nil {
			panic(err)
		}
		r := k.TrainDefaults()
		m := ModelSpec{Kind: sp.Kind, Dim: sp.Dim, LR: r.LR, WeightDecay: new(r.WeightDecay), BatchSize: r.BatchSize}
		if sp.LR > 0 {
			m.LR = sp.LR
		}
		if sp.BatchSize > 0 {
			m.BatchSize = sp.BatchSize
		}
		out = append(out, struct {
			label string
			t     TeacherSpec
		}{sp.Name, TeacherSpec{ModelSpec: m, Budget: &Budget{Epochs: sp.Epochs, EvalEvery: sp.EvalEvery, Patience: sp.Patience}}})
	}
	return out
}()

func hetcompBase() *Spec {
	var ts []TeacherSpec
	for _, t := range hetcompTeachers {
		ts = append(ts, t.t)
	}
	wd := 1e-5
	return &Spec{
		RunSpec: RunSpec{Dataset: citeULike, Split: hetcompSplit, Teachers: ts,
			Student: ModelSpec{Kind: "bpr", Dim: 6, WeightDecay: &wd}, Protocol: Full, Budget: hetcompFull},
		Seeds: []uint64{0},
		Budgets: map[string]NamedBudget{"full": {Budget: hetcompFull, Seeds: []uint64{0}},
			"quick": {Budget: looQuick.Budget, Seeds: looQuick.Seeds, Teachers: &Budget{Epochs: 1, EvalEvery: 1}}},
		Report: ReportSpec{Metrics: []string{"Recall@10", "NDCG@10", "Recall@50", "NDCG@50"}, Baseline: "w/o KD"},
	}
}

var builtinSpecs = []builtin{
	{
		name: "derrd-students", title: "BPR students d=20 and d=100 on the DE-RRD split (no KD)",
		source: "methods.md §4.2a (student.log; RS_Implicit BPR-100)",
		desc:   "The verified reference rows: BPR d=20 (test H@5 .4486, N@5 .3353 on seed 0) and d=100 (H@5 .5286, N@5 .4095).",
		build: func() *Spec {
			s := derrdBase()
			s.Teacher = nil
			s.Variants = []Variant{{Label: "Student"}}
			s.Grid = Grid{"student.dim": {20, 100}}
			s.Report = ReportSpec{Metrics: looMetricsM}
			return s
		},
	},
	{
		name: "derrd-table", title: "DE-RRD overall performance, BPR base model (CiteULike, LOO)",
		source: "methods.md §4.3 DE-RRD table; verified rows §4.2a",
		desc: "Rows Teacher, Student, RD, CD, DE, RRD, DE-RRD; φ = 0.1. The authors' split is fixed (seed 0): seeds vary the " +
			"initialisation, sampling and the 499 re-sampled candidates. RD and CD weights are third-party defaults [3P]. Foursquare is not available.",
		build: func() *Spec {
			s := derrdBase()
			s.Variants = []Variant{plainRow("Teacher", bpr(200)), plainRow("Student", bpr(20)), kdRow("RD", termRD), kdRow("CD", termCD),
				kdRow("DE", termDE), kdRow("RRD", termRRD), kdRow("DE-RRD", termDE, termRRD)}
			s.Report = ReportSpec{Metrics: looMetrics, Baseline: "Student"}
			return s
		},
	},
	{
		name: "derrd-table-neumf", title: "DE-RRD overall performance, NeuMF base model (CiteULike, LOO)",
		source: "methods.md §4.3 DE-RRD table (NeuMF columns)",
		desc:   "NeuMF teacher/student sizes follow φ = 0.1 from d = 200 [R]; NeuMF's representation for DE is the GMF embedding [3P].",
		build: func() *Spec {
			s := derrdBase()
			t, st := ModelSpec{Kind: "neumf", Dim: 200}, ModelSpec{Kind: "neumf", Dim: 20}
			s.Teacher, s.Student = teacherOf(t), st
			s.Variants = []Variant{plainRow("Teacher", t), plainRow("Student", st), kdRow("RD", termRD), kdRow("CD", termCD),
				kdRow("DE", termDE), kdRow("RRD", termRRD), kdRow("DE-RRD", termDE, termRRD)}
			s.Report = ReportSpec{Metrics: looMetrics, Baseline: "Student"}
			return s
		},
	},
	{
		name: "derrd-curves", title: "DE-RRD learning curves: validation H@5 per epoch (Student, DE, RRD)",
		source: "methods.md §4.4 (DE-RRD repo notebook)",
		build: func() *Spec {
			s := derrdBase()
			s.Budget = curveFull
			s.Seeds = []uint64{0}
			s.Budgets = map[string]NamedBudget{"full": {Budget: curveFull, Seeds: []uint64{0}}, "quick": tdQuick}
			s.Variants = []Variant{plainRow("Student", bpr(20)), kdRow("DE", termDE), kdRow("RRD", termRRD)}
			s.Report = ReportSpec{Kind: ReportCurves, Metrics: []string{"HR@5"}, Part: "valid"}
			return s
		},
	},
	{
		name: "derrd-size", title: "DE-RRD: effect of the student size φ ∈ {0.01, 0.05, 0.1, 0.5, 1.0}",
		source: "methods.md §4.4 [R]",
		build: func() *Spec {
			s := derrdBase()
			dims := Grid{"student.dim": {2, 10, 20, 100, 200}}
			s.Variants = []Variant{plainRow("Teacher", bpr(200)), withGrid(plainRow("Student", bpr(20)), Grid{"student.dim": {2, 10, 20, 100, 200}}),
				withGrid(kdRow("DE", termDE), dims), withGrid(kdRow("RRD", termRRD), dims), withGrid(kdRow("DE-RRD", termDE, termRRD), dims)}
			s.Report = ReportSpec{Kind: ReportParam, X: "student.dim", Metrics: []string{"HR@5", "NDCG@5"}, Baseline: "Student"}
			return s
		},
	},
	{
		name: "de-experts", title: "DE: effect of the number of experts M",
		source: "methods.md §4.4 [R]",
		build: func() *Spec {
			s := derrdBase()
			s.Variants = []Variant{plainRow("Student", bpr(20)), withGrid(kdRow("DE", termDE), Grid{"kd[0].options.experts": {1, 5, 10, 20, 30, 40}})}
			s.Report = ReportSpec{Kind: ReportParam, X: "kd[0].options.experts", Metrics: []string{"HR@5", "NDCG@5"}, Baseline: "Student"}
			return s
		},
	},
	{
		name: "de-lambda", title: "DE: effect of λ_DE",
		source: "methods.md §4.4 [R]",
		build: func() *Spec {
			s := derrdBase()
			s.Variants = []Variant{plainRow("Student", bpr(20)), withGrid(kdRow("DE", termDE), Grid{"kd[0].lambda": {0.0001, 0.001, 0.01, 0.1, 1}})}
			s.Report = ReportSpec{Kind: ReportParam, X: "kd[0].lambda", Metrics: []string{"HR@5", "NDCG@5"}, Baseline: "Student"}
			return s
		},
	},
	{
		name: "rrd-params", title: "RRD: effect of K, L and the sampling temperature T",
		source: "methods.md §4.4 [R]",
		build: func() *Spec {
			s := derrdBase()
			s.Variants = []Variant{plainRow("Student", bpr(20)),
				withGrid(kdRow("RRD (K)", termRRD), Grid{"kd[0].options.k": {10, 20, 40, 80}}),
				withGrid(kdRow("RRD (L)", termRRD), Grid{"kd[0].options.l": {10, 20, 40, 80}}),
				withGrid(kdRow("RRD (T)", termRRD), Grid{"kd[0].options.t": {1, 5, 10, 20, 50}})}
			s.Report = ReportSpec{Metrics: looMetrics, Baseline: "Student"}
			return s
		},
	},
	{
		name: "irrrd-table", title: "IR-RRD: RRD vs IR-RRD (CiteULike, LOO)",
		source: "methods.md §4.3 IR-RRD tables; verified rows §4.2a",
		build: func() *Spec {
			s := derrdBase()
			s.Variants = []Variant{plainRow("Teacher", bpr(200)), plainRow("Student", bpr(20)), kdRow("DE", termDE),
				kdRow("RRD", termRRD), kdRow("IR-RRD", termRRD, termIR)}
			s.Report = ReportSpec{Metrics: looMetricsM, Baseline: "Student"}
			return s
		},
	},
	{
		name: "irrrd-curves", title: "IR-RRD learning curves: validation H@5 per epoch",
		source: "methods.md §4.4 (IR-RRD repo notebook)",
		build: func() *Spec {
			s := derrdBase()
			s.Budget = curveFull
			s.Seeds = []uint64{0}
			s.Budgets = map[string]NamedBudget{"full": {Budget: curveFull, Seeds: []uint64{0}}, "quick": tdQuick}
			s.Variants = []Variant{plainRow("Student", bpr(20)), kdRow("DE", termDE), kdRow("RRD", termRRD), kdRow("IR-RRD", termRRD, termIR)}
			s.Report = ReportSpec{Kind: ReportCurves, Metrics: []string{"HR@5"}, Part: "valid"}
			return s
		},
	},
	{
		name: "phr-table", title: "PHR vs grid-tuned DE and hint regression (CiteULike, LOO)",
		source: "methods.md §4.3 PHR tables",
		desc:   "DE is tuned over M and λ_DE as in the PHR abstract; the PHR network follows the third-party form [3P].",
		build: func() *Spec {
			s := derrdBase()
			s.Variants = []Variant{plainRow("Teacher", bpr(200)), plainRow("Student", bpr(20)), kdRow("FitNet", termHint),
				withGrid(kdRow("DE (tuned)", termDE), Grid{"kd[0].options.experts": {10, 20, 30}, "kd[0].lambda": {0.001, 0.01, 0.1}}),
				kdRow("PHR", termPHR)}
			s.Report = ReportSpec{Metrics: looMetrics, Baseline: "Student"}
			return s
		},
	},
	{
		name: "td-table", title: "TD overall performance, BPR base model (CiteULike, full ranking)",
		source: "methods.md §4.3 TD table",
		desc:   "Relation-KD baselines of the paper are not listed in the available sources [R]. Schedule of the TD notebook.",
		build: func() *Spec {
			s := tdBase()
			s.Variants = []Variant{plainRow("Teacher", bpr(200)), plainRow("Student", bpr(20)), kdRow("FitNet", termHint),
				kdRow("DE", termDE), kdRow("FTD", termFTD), kdRow("HTD", termHTD)}
			return s
		},
	},
	{
		name: "td-table-neumf", title: "TD overall performance, NeuMF base model",
		source: "methods.md §4.3 TD table (MLP base model)",
		build: func() *Spec {
			s := tdBase()
			t, st := ModelSpec{Kind: "neumf", Dim: 200}, ModelSpec{Kind: "neumf", Dim: 20}
			s.Teacher, s.Student = teacherOf(t), st
			s.Variants = []Variant{plainRow("Teacher", t), plainRow("Student", st), kdRow("FitNet", termHint),
				kdRow("DE", termDE), kdRow("FTD", termFTD), kdRow("HTD", termHTD)}
			return s
		},
	},
	{
		name: "td-table-lightgcn", title: "TD overall performance, LightGCN base model",
		source: "methods.md §4.3 TD table (GCN base model)",
		build: func() *Spec {
			s := tdBase()
			t := ModelSpec{Kind: "lightgcn", Dim: 200, Params: Options{"layers": 3}}
			st := ModelSpec{Kind: "lightgcn", Dim: 20, Params: Options{"layers": 3}}
			s.Teacher, s.Student = teacherOf(t), st
			s.Variants = []Variant{plainRow("Teacher", t), plainRow("Student", st), kdRow("FitNet", termHint),
				kdRow("DE", termDE), kdRow("FTD", termFTD), kdRow("HTD", termHTD)}
			return s
		},
	},
	{
		name: "td-curves", title: "TD figures TD1/TD2: test Recall@50 every 10 epochs, 4 student sizes",
		source: "methods.md §4.2b and §4.4 (TD README figures)",
		build: func() *Spec {
			s := tdBase()
			dims := Grid{"student.dim": {10, 20, 100, 200}}
			s.Variants = []Variant{plainRow("Teacher", bpr(200)), withGrid(plainRow("Student", bpr(20)), dims),
				withGrid(kdRow("FTD", termFTD), dims), withGrid(kdRow("HTD", termHTD), dims)}
			s.Report = ReportSpec{Kind: ReportCurves, Metrics: []string{"Recall@50"}, Part: "test"}
			return s
		},
	},
	{
		name: "td-student-size", title: "Student-size sweep baseline: BPR d ∈ {10, 20, 100, 200} on the TD split (no KD)",
		source: "methods.md §4.2b (Student series; Teacher = d=200)",
		desc:   "The runnable part of td-curves: test Recall@50 every 10 epochs for 100 epochs, as in the TD notebook.",
		build: func() *Spec {
			s := tdBase()
			s.Teacher = nil
			s.Variants = []Variant{{Label: "Student"}}
			s.Grid = Grid{"student.dim": {10, 20, 100, 200}}
			s.Report = ReportSpec{Kind: ReportCurves, Metrics: []string{"Recall@50"}, Part: "test"}
			return s
		},
	},
	{
		name: "td-params", title: "HTD: effect of the number of groups K and of α",
		source: "methods.md §4.4 [R]",
		build: func() *Spec {
			s := tdBase()
			s.Variants = []Variant{plainRow("Student", bpr(20)),
				withGrid(kdRow("HTD (K)", termHTD), Grid{"kd[0].options.groups": {5, 10, 20, 30, 50}}),
				withGrid(kdRow("HTD (α)", termHTD), Grid{"kd[0].options.alpha": {0.1, 0.3, 0.5, 0.7, 0.9}})}
			return s
		},
	},
	{
		name: "hetcomp-table", title: "HetComp: six teachers, ensemble, and ranking-KD methods (CiteULike, 60/20/20)",
		source: "methods.md §4.3 HetComp tables",
		desc: "Teacher sizes and the ensemble's importance (Eq. 8) are unverified. A-music and Foursquare are not available. " +
			"Ranking baselines use the ensemble's top-K without sampling (HetComp README). MTD is not built: " +
			"neither methods.md nor the authors' code says which method it is. The teacher rows evaluate the ensemble's members (no retraining).",
		build: func() *Spec {
			s := hetcompBase()
			var vs []Variant
			for _, t := range hetcompTeachers {
				vs = append(vs, Variant{Label: t.label, Set: map[string]any{"student": ModelSpec{Kind: EnsembleKind, Params: Options{"member": t.label}}}})
			}
			vs = append(vs, Variant{Label: "Ensemble", Set: map[string]any{"student": ModelSpec{Kind: EnsembleKind}}},
				Variant{Label: "w/o KD", Set: map[string]any{"teachers": nil}},
				kdRow("RRD", termRRDHC), kdRow("CL-DRD", termCLDRDHC), kdRow("DCD", termDCDHC), kdRow("HetComp", termHet))
			s.Variants = vs
			return s
		},
	},
	{
		name: "hetcomp-curves", title: "HetComp: test recall every 10 epochs (w/o KD, DCD, HetComp)",
		source: "methods.md §4.4 (HetComp README 2-a)",
		build: func() *Spec {
			s := hetcompBase()
			s.Variants = []Variant{{Label: "w/o KD", Set: map[string]any{"teachers": nil}}, kdRow("DCD", termDCDHC), kdRow("HetComp", termHet)}
			s.Report = ReportSpec{Kind: ReportCurves, Metrics: []string{"Recall@50"}, Part: "test"}
			return s
		},
	},
}

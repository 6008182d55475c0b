package exp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/internal/num"
)

// Spec is a declarative experiment: a base run (dataset, split, teacher,
// student, distillation terms, seed, protocol, budget), optional named
// variants (the rows of a paper table), grids over any field, seeds, and
// alternative budgets ("quick" for CI, "full" for reproduction). The same
// value is a Go struct and a JSON file (ParseSpec, LoadSpec, JSON):
//
//	{
//	  "name": "td-student-size",
//	  "dataset": {"name": "citeulike-t"},
//	  "split": {"kind": "import", "name": "td-loo"},
//	  "student": {"kind": "bpr", "dim": 20},
//	  "protocol": "full",
//	  "budget": {"epochs": 100, "eval_every": 10, "eval_at_start": true},
//	  "variants": [{"label": "Student"}],
//	  "grid": {"student.dim": [10, 20, 100, 200]},
//	  "seeds": [0],
//	  "budgets": {"quick": {"epochs": 1, "eval_every": 1}}
//	}
//
// Expand turns a Spec into its runs, deterministically. The fields of
// RunSpec are embedded, so the base run's fields sit at the top level of
// the JSON object.
type Spec struct {
	// Name identifies the sweep (a built-in name or a file's stem); with
	// the budget name it keys the sweep's manifest (SweepKey).
	Name string `json:"name"`
	// Title is a one-line description.
	Title string `json:"title,omitempty"`
	// Source says which table or figure of the dissertation the spec
	// reproduces (methods.md section).
	Source string `json:"source,omitempty"`
	// Description holds notes (unverified settings, substitutions).
	Description string `json:"description,omitempty"`

	// RunSpec is the base run every variant and grid point starts from.
	RunSpec

	// Seeds, if set, adds a grid axis "seed" (the innermost one) over these
	// values; it must not be combined with a "seed" key in Grid.
	Seeds []uint64 `json:"seeds,omitempty"`
	// AddedSeeds, if set (with Seeds, none in common), are seeds whose runs
	// come after every run of Seeds: each variant and grid point again, in
	// the same order, over these seeds. A sweep recorded with Seeds grows by
	// them as appended runs, the only way the ledger takes a grown sweep
	// (Ledger.AddManifest); adding them to Seeds instead would interleave
	// the new runs with the recorded ones (seed is the innermost axis).
	AddedSeeds []uint64 `json:"added_seeds,omitempty"`
	// Variants are named override sets applied to the base, one per table
	// row (Student, DE, RRD, …). None means one unnamed variant.
	Variants []Variant `json:"variants,omitempty"`
	// Grid maps field paths to the values they take; the runs are the
	// cartesian product of all axes (the variant's own grid included).
	Grid Grid `json:"grid,omitempty"`
	// Budgets are alternative budgets selected by WithBudget, e.g.
	// "quick" (CI) and "full" (reproduction); the base Budget is used when
	// none is selected.
	Budgets map[string]NamedBudget `json:"budgets,omitempty"`
	// BudgetName records the budget selected by WithBudget ("" for the
	// base budget).
	BudgetName string `json:"budget_name,omitempty"`
	// Report says how the results are presented (table, curves, …).
	Report ReportSpec `json:"report,omitzero"`
	// Claims are statements about the sweep's rows, judged against its
	// records by EvaluateClaims (through SweepClaims): a claim without a
	// sweep is about this sweep, whatever its budget. Templates generate
	// them (InstantiateTemplate); Check checks their rows and metrics.
	Claims []Claim `json:"claims,omitempty"`
}

// RunSpec names everything one run depends on. Its canonical JSON (with
// Dataset.Dir cleared) hashes to the run's identity (Hash): a result store
// skips a run whose hash it already holds, and a teacher checkpoint is
// keyed by the hash of its ModelKey.
//
// Compatibility rule for maintainers: every field added later must be
// omitempty (or omitzero) so that the hashes of existing specs, and with
// them stored results and cached teachers, stay valid.
type RunSpec struct {
	// Label names the run's row in tables ("Student", "DE", …). It is part
	// of the run's identity.
	Label string `json:"label,omitempty"`
	// Dataset is the data the run trains and evaluates on.
	Dataset DatasetSpec `json:"dataset"`
	// Split says how the data set is split.
	Split SplitSpec `json:"split"`
	// Teacher is the pre-trained teacher of single-teacher distillation.
	Teacher *TeacherSpec `json:"teacher,omitempty"`
	// Teachers lists the teachers of multi-teacher methods (HetComp, MTD).
	Teachers []TeacherSpec `json:"teachers,omitempty"`
	// Ensemble configures the ensemble of Teachers (nil: the settings of
	// the first HetComp specs, see EnsembleSpec).
	Ensemble *EnsembleSpec `json:"ensemble,omitempty"`
	// Student is the model the run trains and reports.
	Student ModelSpec `json:"student"`
	// KD lists the distillation terms added to the student's base loss.
	KD []KDTerm `json:"kd,omitempty"`
	// Seed drives initialisation and sampling; by default also the split
	// and the teachers.
	Seed uint64 `json:"seed"`
	// Protocol is the evaluation protocol, LOO or Full.
	Protocol Protocol `json:"protocol"`
	// Budget bounds the student's training (and the teachers', unless a
	// teacher has its own).
	Budget Budget `json:"budget"`
	// Measure asks for measurements taken beside the run and recorded in
	// its result's Extra: the trained model's inference time, a t-SNE
	// map of DE's experts (measure.go). Nil (the runs of every spec
	// written before it, whose hashes it leaves unchanged) takes none.
	Measure *MeasureSpec `json:"measure,omitempty"`
}

// DatasetSpec names a data set of package datasets, a synthetic one, or
// interaction files of one's own:
//
//	"dataset": {"name": "checkins", "files": {"paths": ["train.tsv", "test.tsv"], "columns": ["user", "item", "weight"], "kcore": 5}}
type DatasetSpec struct {
	// Name is a registered data set ("citeulike-t"), "synthetic", or,
	// with Files, the name of one's own data set: a plain name (CheckName)
	// that is neither of those.
	Name string `json:"name"`
	// Dir is the data directory (see datasets.Dir). It is machine-specific,
	// so it is not part of any hash; Env.DataDir overrides it, and
	// KDREC_DATASETS is used when both are empty (registered data sets;
	// the relative paths of Files are resolved against Env.DataDir, then
	// Dir, then the working directory).
	Dir string `json:"dir,omitempty"`
	// Synthetic configures the generated data set when Name is "synthetic".
	Synthetic *SyntheticSpec `json:"synthetic,omitempty"`
	// Files, when set, reads the data set from interaction files by path
	// (datasets.LoadFiles: format, column mapping, binarisation threshold,
	// k-core, several files merged). The files' paths as written (not
	// their contents) are part of the run's identity, as a registered
	// data set's name is: give changed files a new path or the data set a
	// new name.
	Files *datasets.Files `json:"files,omitempty"`
}

// SyntheticName is the DatasetSpec.Name of generated data (tests, demos).
const SyntheticName = "synthetic"

// SyntheticSpec configures a generated data set. By default (Law "" or
// LawClusters) it is a small one with cluster structure that a model can
// learn: every user and item belongs to one of Clusters groups, and each of
// a user's PerUser interactions is an item of the user's group with
// probability 1−Noise, otherwise uniform. With Law LawPowerLaw it is
// data.PowerLaw's: power-law user activity and item popularity, for the
// sizes of the scale table (up to 10⁶ users × 5·10⁵ items); PerUser,
// Clusters and Noise must then be zero.
type SyntheticSpec struct {
	// Law selects the generator: "" or LawClusters, or LawPowerLaw.
	Law string `json:"law,omitempty"`
	// UserExponent, ItemExponent and MinPerUser configure LawPowerLaw
	// (data.PowerLawConfig; zero takes data.DefaultPowerLaw's 2.5, 2.5
	// and 10).
	UserExponent float64 `json:"user_exponent,omitempty"`
	ItemExponent float64 `json:"item_exponent,omitempty"`
	MinPerUser   int     `json:"min_per_user,omitempty"`
	// Users is the number of users.
	Users int `json:"users"`
	// Items is the number of items.
	Items int `json:"items"`
	// PerUser is the number of interactions drawn per user (duplicates
	// merge, so a user may end with fewer).
	PerUser int `json:"per_user"`
	// Clusters is the number of groups (default 8).
	Clusters int `json:"clusters,omitempty"`
	// Noise is the probability of an off-cluster interaction (default 0.1).
	Noise float64 `json:"noise,omitempty"`
	// Seed drives the generator.
	Seed uint64 `json:"seed,omitempty"`
}

// Generators of SyntheticSpec.Law.
const (
	// LawClusters is the small clustered generator (Synthetic's default).
	LawClusters = "clusters"
	// LawPowerLaw is data.PowerLaw.
	LawPowerLaw = "power-law"
)

// Split kinds of SplitSpec.Kind.
const (
	// SplitLOO is data.LeaveOneOut with sampled candidates.
	SplitLOO = "loo"
	// SplitLLO is data.LeaveLastOut with sampled candidates: each user's
	// last interaction by time is test, the one before it validation
	// (data sets with times: Files with a time column, MovieLens).
	SplitLLO = "llo"
	// SplitRatio602020 is data.RatioSplit602020 (HetComp).
	SplitRatio602020 = "ratio-60-20-20"
	// SplitRatio801010 is data.RatioSplit801010.
	SplitRatio801010 = "ratio-80-10-10"
	// SplitImport loads a split shipped with the data set (datasets.LoadSplit).
	// Evaluated with the LOO protocol it must hold out exactly one
	// validation and one test item per user (data.Split.CheckLeaveOneOut):
	// a split that is not leave-one-out is refused, never sampled
	// candidates for.
	SplitImport = "import"
	// SplitProvided is a split held in memory and given to the Env by the
	// caller (Env.ProvideSplit: a kdrepl workspace's split that no other
	// kind describes, such as one of files imported by path or made by a
	// split method of the shell). It is named by content: Fingerprint is
	// its SplitFingerprint, so the hash of a run changes when the split
	// does; the run's dataset is ProvidedData. Such a run executes only in
	// the process that provided the split.
	SplitProvided = "provided"
)

// ProvidedData is the DatasetSpec.Name of the runs on a provided split
// (SplitProvided): the data are the split's, named by its fingerprint.
const ProvidedData = "provided"

// SplitSpec says how the data set is split.
type SplitSpec struct {
	// Kind is SplitLOO, SplitLLO, SplitRatio602020, SplitRatio801010 or
	// SplitImport.
	Kind string `json:"kind"`
	// Name selects the imported split (datasets.SplitName), e.g.
	// "derrd-loo" or "td-loo".
	Name string `json:"name,omitempty"`
	// Seed drives the split (and candidate sampling); nil means the run's
	// seed, resolved by Normalize.
	Seed *uint64 `json:"seed,omitempty"`
	// Candidates is the number of sampled candidates per user of the LOO
	// protocol (default data.DefaultNumCandidates) for LOO and LLO splits.
	// Imported splits without candidates get them sampled with Seed when
	// the protocol is LOO.
	Candidates int `json:"candidates,omitempty"`
	// Users, when positive, keeps only the split's first Users users and
	// the items they interact with (data.Subset, applied after the split
	// and its candidates are made): what a reduced-scale budget
	// (NamedBudget.Users) runs on. 0 keeps every user.
	Users int `json:"users,omitempty"`
	// Fingerprint names the split of kind SplitProvided by its content
	// (SplitFingerprint); it is empty for every other kind.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// ModelSpec names a model kind and its hyper-parameters.
type ModelSpec struct {
	// Kind is a model kind with a registered Trainer ("bpr", …).
	Kind string `json:"kind"`
	// Dim is the embedding size.
	Dim int `json:"dim,omitempty"`
	// Params holds kind-specific hyper-parameters (layers, margin, …).
	Params Options `json:"params,omitempty"`
	// LR is Adam's learning rate; Normalize sets the reference 1e-3 when
	// it is 0.
	LR float64 `json:"lr,omitempty"`
	// WeightDecay is Adam's coupled L2 weight; Normalize sets the
	// reference 1e-3 when it is nil (0 is a valid value).
	WeightDecay *float64 `json:"wd,omitempty"`
	// BatchSize is the number of examples per batch; Normalize sets the
	// reference 1024 when it is 0.
	BatchSize int `json:"batch,omitempty"`
	// LazyAdam selects the touched-rows Adam variant (not the reference).
	LazyAdam bool `json:"lazy_adam,omitempty"`
	// Provided, set on a teacher only, names a trained model given to the
	// Env by the caller (Env.ProvideModel: a kdrepl workspace's model that
	// no TeacherSpec describes, such as one loaded from a checkpoint,
	// imported, or itself distilled) by its content (ModelFingerprint), so
	// the hash of a run changes when the model does. Kind is the model's
	// kind; the other fields are not used. Such a run executes only in the
	// process that provided the model.
	Provided string `json:"provided,omitempty"`
}

// TeacherSpec is a teacher model: its kind and hyper-parameters, and
// optionally its own seed and budget (by default the run's).
type TeacherSpec struct {
	ModelSpec
	// Seed overrides the run's seed for the teacher's training.
	Seed *uint64 `json:"seed,omitempty"`
	// SeedOffset, when Seed is not set, trains the teacher with the run's
	// seed plus SeedOffset, so that the teachers of one kind in a
	// homogeneous ensemble (HetComp's study of homogeneous against
	// heterogeneous teachers: one model type trained from different seeds)
	// differ from each other and still follow the run's seed, each seed of
	// a sweep training its own set. Normalize turns it into Seed.
	SeedOffset uint64 `json:"seed_offset,omitempty"`
	// Budget overrides the run's budget for the teacher's training.
	Budget *Budget `json:"budget,omitempty"`
}

// EnsembleSpec configures the rank-based ensemble of a run's Teachers
// (distill.Ensemble, HetComp's Eq. 8): the importance temperatures T the
// ensemble chooses from on validation Recall@50, and the length N of every
// teacher's stored ranking lists (the trajectories' stage lists). A run
// without it uses the temperatures 2, 5, 10, 20 and N = 200 (the settings
// the first HetComp specs ran with, kept so that their results stay
// comparable). Truncating every teacher's list at N changes an item's
// importance by at most #teachers·exp(−N/T), so N should be several times
// the largest T.
type EnsembleSpec struct {
	// Temperatures are the candidate values of T (each > 0, distinct).
	Temperatures []float64 `json:"temperatures,omitempty"`
	// N is the stored list length (0: 200).
	N int `json:"n,omitempty"`
}

// KDTerm is one distillation term: a method name ("de", "rrd", "ir",
// "ftd", "htd", "phr", "hint", "rd", "cd", "dcd", "hetcomp", …), its
// weight λ and method-specific options (M, K, L, T, α, …).
type KDTerm struct {
	// Method names the method (the runner registry's key).
	Method string `json:"method"`
	// Lambda is the term's weight in the summed loss.
	Lambda float64 `json:"lambda"`
	// Options holds the method's hyper-parameters; runners check them
	// with Options.Check.
	Options Options `json:"options,omitempty"`
}

// Budget bounds one training run.
type Budget struct {
	// Epochs is the maximum number of epochs.
	Epochs int `json:"epochs"`
	// EvalEvery is the evaluation period in epochs (default 1).
	EvalEvery int `json:"eval_every,omitempty"`
	// Patience stops training after this many evaluations without
	// improvement (0: train all epochs and keep the last state).
	Patience int `json:"patience,omitempty"`
	// EvalAtStart also evaluates the untrained model (epoch 0 of curves).
	EvalAtStart bool `json:"eval_at_start,omitempty"`
	// NoEval trains without evaluating at all: no validation metrics in
	// the curve, no early stopping, no best state, and no evaluation of the
	// returned model (RunResult.Final, PerUser and Ranks stay empty).
	// Normalize clears what it makes meaningless (EvalEvery, Patience,
	// EvalAtStart, RestoreBest) and sets the run's protocol to Full, since
	// nothing is evaluated by it. kdrepl's train eval-every=0 is such a
	// budget.
	NoEval bool `json:"no_eval,omitempty"`
	// RestoreBest says whether training ends with the parameters of the
	// best evaluation of the protocol's first stop metric (StopMetrics)
	// rather than the last epoch's. Nil means: when Patience > 0 (the
	// reference protocol); Normalize turns a value equal to that default
	// into nil. kdrepl's restore-best= sets it.
	RestoreBest *bool `json:"restore_best,omitempty"`
}

// restores reports whether training on b ends with the best evaluated
// state (RestoreBest).
func (b Budget) restores() bool {
	if b.NoEval {
		return false
	}
	if b.RestoreBest != nil {
		return *b.RestoreBest
	}
	return b.Patience > 0
}

// normalize clears the fields a NoEval budget does not use and a
// RestoreBest equal to its default, and sets the default EvalEvery.
func (b *Budget) normalize() {
	if b.NoEval {
		b.EvalEvery, b.Patience, b.EvalAtStart, b.RestoreBest = 0, 0, false, nil
		return
	}
	if b.EvalEvery == 0 {
		b.EvalEvery = 1
	}
	if b.RestoreBest != nil && *b.RestoreBest == (b.Patience > 0) {
		b.RestoreBest = nil
	}
}

// NamedBudget is an alternative budget of a Spec: the training budget and,
// optionally, fewer (or more) seeds.
type NamedBudget struct {
	Budget
	// Seeds replaces Spec.Seeds when set.
	Seeds []uint64 `json:"seeds,omitempty"`
	// AddedSeeds replaces Spec.AddedSeeds when it or Seeds is set: a
	// budget with seeds of its own keeps only the added seeds it names.
	AddedSeeds []uint64 `json:"added_seeds,omitempty"`
	// Teachers, when set, replaces the budget of every teacher (Teacher and
	// Teachers): the quick budget of a spec whose teachers have budgets of
	// their own (HetComp's) makes quick teachers too.
	Teachers *Budget `json:"teachers,omitempty"`
	// Users, when positive, reduces the data to the split's first Users
	// users and their items (SplitSpec.Users): a quick budget that runs in
	// seconds on a slice of the data set rather than in minutes on all of
	// it.
	Users int `json:"users,omitempty"`
}

// Variant is a named set of overrides applied to the base run: one row of
// a table. Set maps field paths (see Grid) to values; Grid adds axes that
// only this variant has (e.g. λ for a KD method, absent from the student).
type Variant struct {
	// Label names the variant's rows.
	Label string `json:"label"`
	// Set maps field paths to the values the variant gives them.
	Set map[string]any `json:"set,omitempty"`
	// Grid holds axes of this variant only.
	Grid Grid `json:"grid,omitempty"`
}

// Grid maps field paths to the values they take. A path follows the JSON
// names of RunSpec with dots for fields and [n] for list elements:
// "student.dim", "seed", "kd[0].lambda", "kd[1].options.K",
// "split.seed", "teacher.dim". A whole subtree can be set too ("kd": a
// list of terms). Axes expand in sorted key order, the first key being the
// outermost loop, except "seed", which is always innermost.
type Grid map[string][]any

// Setting is one coordinate of a run in its sweep: a path and the JSON
// text of its value.
type Setting struct {
	// Path is the field path (see Grid).
	Path string `json:"path"`
	// Value is the JSON text of the value.
	Value json.RawMessage `json:"value"`
}

// String returns "path=value".
func (s Setting) String() string { return s.Path + "=" + string(s.Value) }

// Report kinds of ReportSpec.Kind.
const (
	// ReportTable is a table of mean ± std over seeds, one row per variant
	// and grid point.
	ReportTable = "table"
	// ReportCurves is a table of a metric per evaluated epoch (a figure's
	// data), one row per variant and grid point.
	ReportCurves = "curves"
	// ReportParam pivots a metric against one grid path (ReportSpec.X),
	// e.g. the effect of the student size.
	ReportParam = "param"
)

// ReportSpec says how a sweep's results are presented by default.
type ReportSpec struct {
	// Kind is ReportTable (default), ReportCurves or ReportParam.
	Kind string `json:"kind,omitempty"`
	// Metrics are the reported metrics (default: by protocol).
	Metrics []string `json:"metrics,omitempty"`
	// Baseline is the label of the row other rows are tested against.
	Baseline string `json:"baseline,omitempty"`
	// Part is the evaluated part of curves, "valid" or "test" (default).
	Part string `json:"part,omitempty"`
	// X is the grid path of a ReportParam pivot.
	X string `json:"x,omitempty"`
}

// Run is one expanded run of a Spec.
type Run struct {
	// Index is the run's position in the expansion (stable for a given
	// Spec and budget).
	Index int `json:"index"`
	// ID is the first 16 hex digits of Hash, the run's name in stores and logs.
	ID string `json:"id"`
	// Hash is the hex SHA-256 of the canonical JSON of Spec (RunSpec.Hash).
	Hash string `json:"hash"`
	// Label is the variant's label.
	Label string `json:"label,omitempty"`
	// Point lists the grid coordinates of the run (including "seed" when
	// the spec has Seeds), outermost first.
	Point []Setting `json:"point,omitempty"`
	// Spec is the normalised run.
	Spec RunSpec `json:"spec"`
}

// NewRun makes a Run of one RunSpec, outside any sweep: the spec
// normalised (defaults filled in) and validated, checked against what is
// registered (Run.Check), and hashed. Execute takes the result.
func NewRun(spec RunSpec) (*Run, error) {
	spec.Normalize()
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	h, err := spec.Hash()
	if err != nil {
		return nil, err
	}
	r := &Run{ID: h[:16], Hash: h, Label: spec.Label, Spec: spec}
	if err := r.Check(); err != nil {
		return nil, err
	}
	return r, nil
}

// Name returns a readable name such as "DE [kd[0].lambda=0.01 seed=0]".
func (r *Run) Name() string {
	var b strings.Builder
	b.WriteString(r.Label)
	if r.Label == "" {
		b.WriteString("run")
	}
	if len(r.Point) > 0 {
		b.WriteString(" [")
		for k, s := range r.Point {
			if k > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(s.String())
		}
		b.WriteByte(']')
	}
	return b.String()
}

// Methods returns the run's distillation methods in spec order.
func (r *RunSpec) Methods() []string {
	out := make([]string, len(r.KD))
	for k, t := range r.KD {
		out[k] = t.Method
	}
	return out
}

// Options holds free-form hyper-parameters (model Params, KD options).
// Values decoded from JSON are float64, string, bool, []any or
// map[string]any (json.Number while a Spec is being parsed); the getters
// accept any numeric type.
type Options map[string]any

// Float returns option key as a float64, def when absent.
func (o Options) Float(key string, def float64) (float64, error) {
	v, ok := o[key]
	if !ok {
		return def, nil
	}
	f, ok := num.Float(v)
	if !ok {
		return 0, fmt.Errorf("option %s: %s is not a number", key, clipText(fmt.Sprint(v)))
	}
	return f, nil
}

// Int returns option key as an int, def when absent; non-integral numbers
// are an error.
func (o Options) Int(key string, def int) (int, error) {
	v, ok := o[key]
	if !ok {
		return def, nil
	}
	f, ok := num.Float(v)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("option %s: %s is not an integer", key, clipText(fmt.Sprint(v)))
	}
	return int(f), nil
}

// String returns option key as a string, def when absent.
func (o Options) String(key string, def string) (string, error) {
	v, ok := o[key]
	if !ok {
		return def, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("option %s: %s is not a string", key, clipText(fmt.Sprint(v)))
	}
	return s, nil
}

// Bool returns option key as a bool, def when absent.
func (o Options) Bool(key string, def bool) (bool, error) {
	v, ok := o[key]
	if !ok {
		return def, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("option %s: %s is not a boolean", key, clipText(fmt.Sprint(v)))
	}
	return b, nil
}

// Check reports the first key not in allowed, listing the allowed keys, so
// that a misspelt option is an error rather than silently ignored.
func (o Options) Check(allowed ...string) error {
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			if len(allowed) == 0 {
				return fmt.Errorf("unknown option %q (this takes no options)", clipText(k))
			}
			return fmt.Errorf("unknown option %q (known: %s)", clipText(k), strings.Join(allowed, ", "))
		}
	}
	return nil
}

// ParseSpec decodes a Spec from JSON. Unknown fields are errors (a misspelt
// field must not be silently ignored); numbers in free-form options keep
// their exact text until expansion.
func ParseSpec(b []byte) (*Spec, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	d.UseNumber()
	var s Spec
	if err := d.Decode(&s); err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	if d.More() {
		return nil, errors.New("spec: trailing data after the JSON object")
	}
	return &s, nil
}

// LoadSpec reads a Spec from a JSON file; the file's stem names the sweep
// when the spec has no name.
func LoadSpec(path string) (*Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := ParseSpec(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if s.Name == "" {
		base := path[strings.LastIndexAny(path, `/\`)+1:]
		s.Name = strings.TrimSuffix(base, ".json")
	}
	return s, nil
}

// JSON returns the spec as indented JSON (the format ParseSpec reads).
func (s *Spec) JSON() ([]byte, error) {
	return json.MarshalIndent(s, "", "  ")
}

// Clone returns a deep copy of s (through JSON); values that JSON cannot
// hold (in Set, Grid or Options) are an error.
func (s *Spec) Clone() (*Spec, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("spec %s: %w", s.Name, err)
	}
	return ParseSpec(b)
}

// WithBudget returns a copy of s whose base budget (and seeds, if the named
// budget lists some) is the named budget. "" selects the base budget. An
// unknown name is an error listing the known ones.
func (s *Spec) WithBudget(name string) (*Spec, error) {
	if name == "" {
		return s.Clone()
	}
	nb, ok := s.Budgets[name]
	if !ok {
		names := make([]string, 0, len(s.Budgets))
		for k := range s.Budgets {
			names = append(names, k)
		}
		sort.Strings(names)
		if len(names) == 0 {
			return nil, fmt.Errorf("spec %s: has no named budgets (asked for %q)", s.Name, name)
		}
		return nil, fmt.Errorf("spec %s: no budget %q (known: %s)", s.Name, name, strings.Join(names, ", "))
	}
	return s.withNamed(name, nb)
}

// withNamed returns a copy of s with the budget nb, called name.
func (s *Spec) withNamed(name string, nb NamedBudget) (*Spec, error) {
	c, err := s.Clone()
	if err != nil {
		return nil, err
	}
	c.Budget = nb.Budget
	if len(nb.Seeds) > 0 || len(nb.AddedSeeds) > 0 {
		if len(nb.Seeds) > 0 {
			c.Seeds = slices.Clone(nb.Seeds)
		}
		c.AddedSeeds = slices.Clone(nb.AddedSeeds)
	}
	if nb.Teachers != nil {
		if c.Teacher != nil {
			b := *nb.Teachers
			c.Teacher.Budget = &b
		}
		for k := range c.Teachers {
			b := *nb.Teachers
			c.Teachers[k].Budget = &b
		}
	}
	if nb.Users > 0 {
		c.Split.Users = nb.Users
	}
	c.BudgetName = name
	return c, nil
}

// QuickBudget names the reduced-scale budget of a spec: a CI budget that
// runs the spec's pipeline in seconds to minutes. Its numbers are not
// results.
const QuickBudget = "quick"

// DefaultQuick is the quick budget of a spec that names none, such as the
// protocol specs of the results ledger (results/specs), whose files stay as
// their runs were recorded: one epoch, evaluated (and before training too
// when the spec's budget evaluates at the start), the spec's first seed,
// the split's first 600 users and their items (enough users for IR-RRD's
// item-side teacher lists of 500), and one-epoch teachers when the spec's
// teachers have budgets of their own.
var DefaultQuick = NamedBudget{Budget: Budget{Epochs: 1, EvalEvery: 1}, Users: 600}

// WithQuick returns s with its quick budget: the one it names
// (WithBudget(QuickBudget)), or else DefaultQuick fitted to it (see
// there). Either way the copy's BudgetName is QuickBudget, so its sweep key
// is "<name>@quick".
func (s *Spec) WithQuick() (*Spec, error) {
	if _, ok := s.Budgets[QuickBudget]; ok {
		return s.WithBudget(QuickBudget)
	}
	nb := DefaultQuick
	nb.EvalAtStart = s.Budget.EvalAtStart
	if len(s.Seeds) > 0 {
		nb.Seeds = s.Seeds[:1]
	}
	own := s.Teacher != nil && s.Teacher.Budget != nil
	for _, t := range s.Teachers {
		own = own || t.Budget != nil
	}
	if own {
		nb.Teachers = &Budget{Epochs: nb.Epochs, EvalEvery: nb.EvalEvery}
	}
	return s.withNamed(QuickBudget, nb)
}

// maxNameLen bounds the length of a spec's or a budget's name.
const maxNameLen = 128

// CheckName reports why name cannot name a sweep or a budget, or nil. Both
// become file names under a sweep's output directory (sweeps/<name>@<budget>.json),
// so a name must be a plain name: 1 to 128 ASCII letters, digits, '.', '_',
// '+' and '-', starting with a letter or a digit (so neither "." nor ".."
// nor a path).
func CheckName(name string) error {
	if name == "" || len(name) > maxNameLen {
		return fmt.Errorf("%q: want 1 to %d characters", clipText(name), maxNameLen)
	}
	for k := 0; k < len(name); k++ {
		c := name[k]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if k == 0 && !alnum || !alnum && c != '.' && c != '_' && c != '+' && c != '-' {
			return fmt.Errorf("%q is not a plain name (letters, digits, '.', '_', '+', '-', starting with a letter or digit; it names files under the output directory)", clipText(name))
		}
	}
	return nil
}

// clipText shortens s for an error message: a hostile value of megabytes
// must not make a message of megabytes.
func clipText(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s…(%d bytes)", s[:cut], len(s))
}

// SweepKey names the sweep in stores and manifests: Name, plus "@" and the
// budget name when one was selected (e.g. "td-student-size@quick").
func (s *Spec) SweepKey() string {
	if s.BudgetName == "" {
		return s.Name
	}
	return s.Name + "@" + s.BudgetName
}

// Expand returns the runs of s in a deterministic order: variants in
// order; within a variant, the grid axes (the spec's and the variant's)
// in sorted path order with the first path outermost, and "seed" (from
// Seeds or the grid) innermost; then, with AddedSeeds, the same variants
// and points again over the added seeds. For every run, the base is copied, the
// variant's Set is applied (paths in sorted order, so "kd" comes before
// "kd[0].lambda"), then the grid point; the result is normalised and
// validated. Two runs with the same hash are an error.
func (s *Spec) Expand() ([]Run, error) {
	if s.Name == "" {
		return nil, errors.New("spec: no name")
	}
	if err := CheckName(s.Name); err != nil {
		return nil, fmt.Errorf("spec name: %w", err)
	}
	if s.BudgetName != "" {
		if err := CheckName(s.BudgetName); err != nil {
			return nil, fmt.Errorf("spec %s: budget name: %w", s.Name, err)
		}
	}
	for b := range s.Budgets {
		if err := CheckName(b); err != nil {
			return nil, fmt.Errorf("spec %s: budget name: %w", s.Name, err)
		}
	}
	if len(s.Seeds) > 0 {
		if _, ok := s.Grid["seed"]; ok {
			return nil, fmt.Errorf("spec %s: both seeds and grid[\"seed\"] are set", s.Name)
		}
	}
	if len(s.AddedSeeds) > 0 && len(s.Seeds) == 0 {
		return nil, fmt.Errorf("spec %s: added_seeds extend seeds, which is not set", s.Name)
	}
	for k, x := range s.AddedSeeds {
		if slices.Contains(s.Seeds, x) || slices.Contains(s.AddedSeeds[:k], x) {
			return nil, fmt.Errorf("spec %s: added_seeds: seed %d is already a seed of the spec", s.Name, x)
		}
	}
	for k, v := range s.Variants {
		for j := range k {
			if strings.EqualFold(s.Variants[j].Label, v.Label) {
				return nil, fmt.Errorf("spec %s: variants %d and %d are both labelled %q: every variant needs its own label (rows of a table, baselines)", s.Name, j, k, v.Label)
			}
		}
	}
	variants := s.Variants
	if len(variants) == 0 {
		variants = []Variant{{Label: s.Label}}
	}
	base := s.RunSpec
	var runs []Run
	seen := map[string]int{}
	passes := [][]uint64{s.Seeds}
	if len(s.AddedSeeds) > 0 {
		passes = append(passes, s.AddedSeeds)
	}
	for _, seeds := range passes {
		for _, v := range variants {
			if err := s.expandVariant(v, seeds, base, &runs, seen); err != nil {
				return nil, err
			}
		}
	}
	return runs, nil
}

// expandVariant appends the runs of variant v over seeds (Spec.Seeds or
// Spec.AddedSeeds) to runs; seen maps the hashes of the runs so
// far to their indices.
func (s *Spec) expandVariant(v Variant, seeds []uint64, base RunSpec, runs *[]Run, seen map[string]int) error {
	axes, err := s.axes(v, seeds)
	if err != nil {
		return err
	}
	n := 1
	for _, a := range axes {
		if len(a.values) == 0 {
			return fmt.Errorf("spec %s: variant %q: grid axis %s has no values", s.Name, v.Label, a.path)
		}
		n *= len(a.values)
	}
	idx := make([]int, len(axes))
	for c := 0; c < n; c++ {
		// Decode c into one index per axis, the last axis varying fastest.
		rem := c
		for k := len(axes) - 1; k >= 0; k-- {
			idx[k] = rem % len(axes[k].values)
			rem /= len(axes[k].values)
		}
		tree, err := toTree(base)
		if err != nil {
			return err
		}
		if err := setPaths(tree, v.Set); err != nil {
			return fmt.Errorf("spec %s: variant %q: %w", s.Name, v.Label, err)
		}
		point := make([]Setting, len(axes))
		for k, a := range axes {
			val := a.values[idx[k]]
			raw, err := json.Marshal(val)
			if err != nil {
				return fmt.Errorf("spec %s: grid %s: %w", s.Name, a.path, err)
			}
			if err := setPath(tree, a.path, raw); err != nil {
				return fmt.Errorf("spec %s: variant %q: grid: %w", s.Name, v.Label, err)
			}
			point[k] = Setting{Path: a.path, Value: raw}
		}
		rs, err := fromTree(tree)
		if err != nil {
			return fmt.Errorf("spec %s: variant %q %v: %w", s.Name, v.Label, point, err)
		}
		if v.Label != "" {
			rs.Label = v.Label
		}
		rs.Normalize()
		if err := rs.Validate(); err != nil {
			return fmt.Errorf("spec %s: variant %q %v: %w", s.Name, v.Label, point, err)
		}
		h, err := rs.Hash()
		if err != nil {
			return err
		}
		r := Run{Index: len(*runs), ID: h[:16], Hash: h, Label: rs.Label, Point: point, Spec: rs}
		if j, dup := seen[h]; dup {
			return fmt.Errorf("spec %s: runs %d (%s) and %d (%s) are identical", s.Name, j, (*runs)[j].Name(), r.Index, r.Name())
		}
		seen[h] = r.Index
		*runs = append(*runs, r)
	}
	return nil
}

type axis struct {
	path   string
	values []any
}

// axes returns the grid axes of variant v in expansion order.
func (s *Spec) axes(v Variant, seeds []uint64) ([]axis, error) {
	m := map[string][]any{}
	for k, vals := range s.Grid {
		m[k] = vals
	}
	for k, vals := range v.Grid {
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("spec %s: variant %q: grid path %s is also a spec-level grid path", s.Name, v.Label, k)
		}
		m[k] = vals
	}
	if len(seeds) > 0 {
		if _, dup := m["seed"]; dup {
			return nil, fmt.Errorf("spec %s: variant %q: both seeds and a seed grid are set", s.Name, v.Label)
		}
		vals := make([]any, len(seeds))
		for k, x := range seeds {
			vals[k] = x
		}
		m["seed"] = vals
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != "seed" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if _, ok := m["seed"]; ok {
		keys = append(keys, "seed")
	}
	out := make([]axis, len(keys))
	for k, key := range keys {
		out[k] = axis{key, m[key]}
	}
	return out, nil
}

// Normalize fills in defaults so that equal runs have equal canonical
// JSON: the split seed, teacher seeds and budgets follow the run's seed and
// budget; training hyper-parameters default to train.Defaults; EvalEvery
// defaults to 1; LOO splits and LOO evaluation of imported splits get
// data.DefaultNumCandidates candidates.
func (r *RunSpec) Normalize() {
	if r.Split.Seed == nil && r.Split.Kind != SplitProvided {
		seed := r.Seed
		r.Split.Seed = &seed
	}
	if r.Split.Candidates == 0 && (r.Split.Kind == SplitLOO || r.Split.Kind == SplitLLO || (r.Split.Kind == SplitImport && r.Protocol == LOO)) {
		r.Split.Candidates = defaultCandidates
	}
	r.Budget.normalize()
	if r.Budget.NoEval {
		r.Protocol = Full
	}
	normModel(&r.Student)
	normTeacher := func(t *TeacherSpec) {
		normModel(&t.ModelSpec)
		if t.Provided != "" {
			// Trained elsewhere: neither seed nor budget applies, and the
			// model's content (Provided) stands for its hyper-parameters,
			// so they are cleared: one provided model has one run ID
			// whatever else the caller wrote beside it.
			t.ModelSpec = ModelSpec{Kind: t.Kind, Provided: t.Provided}
			t.Seed, t.SeedOffset, t.Budget = nil, 0, nil
			return
		}
		if t.Seed == nil {
			seed := r.Seed + t.SeedOffset
			t.Seed, t.SeedOffset = &seed, 0
		}
		if t.Budget == nil {
			b := r.Budget
			t.Budget = &b
		}
		t.Budget.normalize()
	}
	if r.Teacher != nil {
		normTeacher(r.Teacher)
	}
	for k := range r.Teachers {
		normTeacher(&r.Teachers[k])
	}
	r.Measure.normalize()
}

const (
	defaultCandidates = 499 // data.DefaultNumCandidates
	defaultLR         = 1e-3
	defaultWD         = 1e-3
	defaultBatch      = 1024
)

func normModel(m *ModelSpec) {
	if m.LR == 0 {
		m.LR = defaultLR
	}
	if m.WeightDecay == nil {
		wd := defaultWD
		m.WeightDecay = &wd
	}
	if m.BatchSize == 0 {
		m.BatchSize = defaultBatch
	}
	if len(m.Params) == 0 {
		m.Params = nil
	}
}

// Validate reports the first invalid field of a run, naming it.
func (r *RunSpec) Validate() error {
	switch {
	case r.Dataset.Name == "":
		return errors.New("dataset.name is empty")
	case r.Dataset.Name == SyntheticName && r.Dataset.Synthetic == nil:
		return errors.New("dataset synthetic needs dataset.synthetic {users, items, per_user}")
	case r.Dataset.Name != SyntheticName && r.Dataset.Synthetic != nil:
		return fmt.Errorf("dataset.synthetic is set but dataset.name is %q", r.Dataset.Name)
	}
	if g := r.Dataset.Synthetic; g != nil {
		if err := g.validate(); err != nil {
			return err
		}
	}
	if f := r.Dataset.Files; f != nil {
		if err := CheckName(r.Dataset.Name); err != nil {
			return fmt.Errorf("dataset.name of files: %w", err)
		}
		if r.Dataset.Name == SyntheticName {
			return errors.New("dataset.files is set but dataset.name is synthetic: name the data set of files otherwise")
		}
		if _, err := datasets.Lookup(r.Dataset.Name); err == nil {
			return fmt.Errorf("dataset.files is set but dataset.name %q is a registered data set: name the data set of files otherwise", r.Dataset.Name)
		}
		if err := f.Validate(); err != nil {
			return fmt.Errorf("dataset.files: %w", err)
		}
		if r.Split.Kind == SplitImport {
			return fmt.Errorf("split kind import loads a split shipped with a registered data set; split the files' data set by kind %s, %s or a ratio", SplitLOO, SplitLLO)
		}
	}
	if r.Split.Fingerprint != "" && r.Split.Kind != SplitProvided {
		return fmt.Errorf("split.fingerprint only applies to split kind %q", SplitProvided)
	}
	switch r.Split.Kind {
	case SplitLOO, SplitLLO, SplitRatio602020, SplitRatio801010:
		if r.Split.Name != "" {
			return fmt.Errorf("split.name %q only applies to split kind %q", r.Split.Name, SplitImport)
		}
	case SplitImport:
		if r.Split.Name == "" {
			return errors.New("split kind import needs split.name (e.g. derrd-loo, td-loo)")
		}
	case SplitProvided:
		sp := r.Split
		switch {
		case sp.Fingerprint == "":
			return errors.New("split kind provided needs split.fingerprint (Env.ProvideSplit gives it)")
		case sp.Name != "" || sp.Seed != nil || sp.Candidates != 0 || sp.Users != 0:
			return errors.New("split kind provided takes only split.fingerprint: the split is given whole")
		case r.Dataset.Name != ProvidedData || r.Dataset.Files != nil || r.Dataset.Synthetic != nil:
			return fmt.Errorf("split kind provided goes with dataset {\"name\": %q}: the data are the split's", ProvidedData)
		}
	default:
		return fmt.Errorf("split.kind %q: want %s, %s, %s, %s, %s or %s", r.Split.Kind, SplitLOO, SplitLLO, SplitRatio602020, SplitRatio801010, SplitImport, SplitProvided)
	}
	if r.Split.Candidates < 0 {
		return fmt.Errorf("split.candidates %d < 0", r.Split.Candidates)
	}
	if r.Split.Users < 0 {
		return fmt.Errorf("split.users %d < 0", r.Split.Users)
	}
	if r.Protocol != LOO && r.Protocol != Full {
		return fmt.Errorf("protocol %q: want %q or %q", r.Protocol, LOO, Full)
	}
	if r.Protocol == LOO && r.Split.Kind != SplitLOO && r.Split.Kind != SplitLLO && r.Split.Kind != SplitImport && r.Split.Kind != SplitProvided {
		return fmt.Errorf("protocol loo needs a leave-one-out split (%s, %s, or an imported or provided leave-one-out split), not %s", SplitLOO, SplitLLO, r.Split.Kind)
	}
	if err := r.Budget.validate("budget"); err != nil {
		return err
	}
	if err := r.Student.validate("student"); err != nil {
		return err
	}
	if r.Student.Provided != "" {
		return errors.New("student.provided: only a teacher can be a provided model; the student is the model the run trains")
	}
	if r.Teacher != nil {
		if err := r.Teacher.validate("teacher"); err != nil {
			return err
		}
		if r.Teacher.SeedOffset != 0 && r.Teacher.Seed != nil {
			return errors.New("teacher: seed and seed_offset are both set: give the teacher's seed, or its offset from the run's seed")
		}
		if r.Teacher.Budget != nil {
			if err := r.Teacher.Budget.validate("teacher.budget"); err != nil {
				return err
			}
		}
	}
	for k := range r.Teachers {
		name := fmt.Sprintf("teachers[%d]", k)
		if err := r.Teachers[k].validate(name); err != nil {
			return err
		}
		if r.Teachers[k].SeedOffset != 0 && r.Teachers[k].Seed != nil {
			return fmt.Errorf("%s: seed and seed_offset are both set: give the teacher's seed, or its offset from the run's seed", name)
		}
		if r.Teachers[k].Provided != "" {
			return fmt.Errorf("%s.provided: the teachers of an ensemble are trained with their trajectories; only a single teacher can be provided", name)
		}
		if b := r.Teachers[k].Budget; b != nil {
			if err := b.validate(name + ".budget"); err != nil {
				return err
			}
		}
	}
	if e := r.Ensemble; e != nil {
		if len(r.Teachers) == 0 {
			return errors.New("ensemble is set but the run has no teachers (spec field teachers)")
		}
		if e.N < 0 {
			return fmt.Errorf("ensemble.n %d < 0", e.N)
		}
		for k, T := range e.Temperatures {
			if !(T > 0) || math.IsInf(T, 1) || slices.Contains(e.Temperatures[:k], T) {
				return fmt.Errorf("ensemble.temperatures[%d] = %v: want distinct values > 0 and finite", k, T)
			}
		}
	}
	for k, t := range r.KD {
		if t.Method == "" {
			return fmt.Errorf("kd[%d].method is empty", k)
		}
		if math.IsNaN(t.Lambda) || math.IsInf(t.Lambda, 0) || t.Lambda < 0 {
			return fmt.Errorf("kd[%d].lambda %v: want a finite value >= 0", k, t.Lambda)
		}
	}
	if len(r.KD) > 0 && r.Teacher == nil && len(r.Teachers) == 0 {
		return fmt.Errorf("kd %v needs a teacher (or teachers)", r.Methods())
	}
	return r.Measure.validate()
}

func (b Budget) validate(name string) error {
	if b.Epochs <= 0 || b.EvalEvery < 0 || b.Patience < 0 {
		return fmt.Errorf("%s: need epochs > 0, eval_every >= 0, patience >= 0; got %+v", name, b)
	}
	return nil
}

func (m *ModelSpec) validate(name string) error {
	switch {
	case m.Kind == "":
		return fmt.Errorf("%s.kind is empty", name)
	case m.Dim < 0:
		return fmt.Errorf("%s.dim %d < 0", name, m.Dim)
	case m.LR < 0 || math.IsNaN(m.LR):
		return fmt.Errorf("%s.lr %v < 0", name, m.LR)
	case m.WeightDecay != nil && (*m.WeightDecay < 0 || math.IsNaN(*m.WeightDecay)):
		return fmt.Errorf("%s.wd %v < 0", name, *m.WeightDecay)
	case m.BatchSize < 0:
		return fmt.Errorf("%s.batch %d < 0", name, m.BatchSize)
	}
	return nil
}

// Hash returns the hex SHA-256 of the run's canonical JSON, with the
// machine-specific Dataset.Dir cleared. Call it on a normalised run.
func (r *RunSpec) Hash() (string, error) {
	c := *r
	c.Dataset.Dir = ""
	return SpecHash(c)
}

// SpecHash returns the hex SHA-256 of the canonical JSON of v: Go's
// encoding/json output, whose struct fields come in declaration order and
// map keys sorted, with numbers in their shortest round-trip form.
func SpecHash(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("spec hash: %w", err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}

// toTree converts a RunSpec to a generic JSON tree (numbers as json.Number).
func toTree(r RunSpec) (any, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return decodeTree(b)
}

func decodeTree(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var t any
	if err := d.Decode(&t); err != nil {
		return nil, err
	}
	return t, nil
}

// fromTree decodes a generic tree into a RunSpec, rejecting unknown fields
// (a grid path naming no field). Free-form numbers become float64.
func fromTree(t any) (RunSpec, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return RunSpec{}, err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	var r RunSpec
	if err := d.Decode(&r); err != nil {
		return RunSpec{}, err
	}
	return r, nil
}

// setPaths applies overrides in sorted path order.
func setPaths(tree any, set map[string]any) error {
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		raw, err := json.Marshal(set[k])
		if err != nil {
			return fmt.Errorf("set %s: %w", k, err)
		}
		if err := setPath(tree, k, raw); err != nil {
			return err
		}
	}
	return nil
}

// pathStep is one step of a field path: a key or a list index.
type pathStep struct {
	key   string
	index int // −1 for a key step
}

// parsePath splits "kd[0].options.K" into steps.
func parsePath(p string) ([]pathStep, error) {
	if p == "" {
		return nil, errors.New("empty path")
	}
	var out []pathStep
	for _, part := range strings.Split(p, ".") {
		name := part
		var idx []int
		if i := strings.IndexByte(part, '['); i >= 0 {
			name = part[:i]
			rest := part[i:]
			for rest != "" {
				if rest[0] != '[' {
					return nil, fmt.Errorf("path %q: unexpected %q", p, rest)
				}
				j := strings.IndexByte(rest, ']')
				if j < 0 {
					return nil, fmt.Errorf("path %q: missing ]", p)
				}
				n, err := strconv.Atoi(rest[1:j])
				if err != nil || n < 0 {
					return nil, fmt.Errorf("path %q: bad index %q", p, rest[1:j])
				}
				idx = append(idx, n)
				rest = rest[j+1:]
			}
		}
		if name == "" {
			return nil, fmt.Errorf("path %q: empty field name", p)
		}
		out = append(out, pathStep{key: name, index: -1})
		for _, n := range idx {
			out = append(out, pathStep{index: n})
		}
	}
	return out, nil
}

// setPath sets the value at path p in tree to the JSON value raw. Missing
// objects along the path are created; list indices must exist.
func setPath(tree any, p string, raw json.RawMessage) error {
	steps, err := parsePath(p)
	if err != nil {
		return err
	}
	val, err := decodeTree(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	cur := tree
	for k, st := range steps {
		last := k == len(steps)-1
		where := pathPrefix(steps[:k+1])
		if st.index < 0 {
			obj, ok := cur.(map[string]any)
			if !ok {
				return fmt.Errorf("%s: %s is not an object", p, pathPrefix(steps[:k]))
			}
			if last {
				obj[st.key] = val
				return nil
			}
			next, ok := obj[st.key]
			if !ok || next == nil {
				if steps[k+1].index >= 0 {
					return fmt.Errorf("%s: %s is not set (has no element %d)", p, where, steps[k+1].index)
				}
				next = map[string]any{}
				obj[st.key] = next
			}
			cur = next
			continue
		}
		list, ok := cur.([]any)
		if !ok {
			return fmt.Errorf("%s: %s is not a list", p, pathPrefix(steps[:k]))
		}
		if st.index >= len(list) {
			return fmt.Errorf("%s: index %d out of range (%s has %d elements)", p, st.index, pathPrefix(steps[:k]), len(list))
		}
		if last {
			list[st.index] = val
			return nil
		}
		cur = list[st.index]
	}
	return nil
}

func pathPrefix(steps []pathStep) string {
	var b strings.Builder
	for _, st := range steps {
		if st.index >= 0 {
			fmt.Fprintf(&b, "[%d]", st.index)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(st.key)
	}
	if b.Len() == 0 {
		return "the run"
	}
	return b.String()
}

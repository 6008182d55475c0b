package distill

// The registry of distillation methods. Each method's file registers the
// method from its own init (as image/png registers its format): its name,
// kind, reference weight, the table of its options (names, types,
// defaults, ranges, docs — declared once, next to the method) and the
// function that builds its terms from checked values. Everything that names
// a method — the experiment specs and sweeps (exp.KDTerms), the REPL's
// train line, help and completion, the docs' option tables, the figures'
// styles and legend names (Method.Figure, read by kdlib/report) — reads
// this registry, so adding a method is writing one file.

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/internal/num"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// Kind says what a Method distils.
type Kind string

// Kinds of Method.
const (
	// Latent methods match representations (Hint, DE, PHR, FTD, HTD): the
	// teacher must be a model.Embedder, the student a model.Representer.
	Latent Kind = "latent"
	// Ranking methods match the teacher's ranking lists (RD, CD, RRD,
	// IR-RRD, DCD, CL-DRD): the teacher must be a model.Scorer, the student
	// a model.PairScorer (DCD: also a model.Scorer).
	Ranking Kind = "ranking"
	// Both marks methods that combine the two (DE-RRD).
	Both Kind = "latent+ranking"
	// EnsembleKD methods distil the trajectories of several teachers
	// (HetComp): Env.Ensemble must be set. The REPL, which trains with one
	// teacher, leaves them out.
	EnsembleKD Kind = "ensemble"
)

// OptionType is the type of an Option's values.
type OptionType string

// Option types.
const (
	Int    OptionType = "int"    // an integer in [Min, Max]
	Float  OptionType = "float"  // a number in [Min, Max] ((Min, Max] with ExclusiveMin)
	Bool   OptionType = "bool"   // true or false
	Choice OptionType = "choice" // one of Choices
)

// Option describes one hyper-parameter of a Method: its name (as written
// in a spec's options and, suffixed with .<method>, on the REPL's train
// line), type, default and valid range.
type Option struct {
	// Name is the option's key, lower case ("experts", "k", "tau-end").
	Name string
	// Type is Int, Float, Bool or Choice.
	Type OptionType
	// Default is the reference value: an int, float64, bool or string.
	Default any
	// Min and Max bound Int and Float values (inclusive).
	Min, Max float64
	// ExclusiveMin excludes Min itself.
	ExclusiveMin bool
	// Choices are the values of a Choice option.
	Choices []string
	// Doc is a one-line description.
	Doc string
}

// Expect describes the valid values: "an integer in [1, 1024]", "a number
// in (0, 1e+06]", "true or false", "one of mlp, linear".
func (o *Option) Expect() string {
	switch o.Type {
	case Int:
		return fmt.Sprintf("an integer in [%s, %s]", fmtNum(o.Min), fmtNum(o.Max))
	case Float:
		left := "["
		if o.ExclusiveMin {
			left = "("
		}
		return fmt.Sprintf("a number in %s%s, %s]", left, fmtNum(o.Min), fmtNum(o.Max))
	case Bool:
		return "true or false"
	case Choice:
		return "one of " + strings.Join(o.Choices, ", ")
	}
	return "a value"
}

func fmtNum(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// Env is what a Method's terms are built against.
type Env struct {
	// Teacher is the trained, frozen teacher: a model.Embedder for latent
	// methods, a model.Scorer for ranking ones (its lists come from Lists).
	Teacher model.Scorer
	// Student is the model being trained: a model.Representer for latent
	// methods, a model.PairScorer for ranking ones (DCD: also a Scorer).
	Student model.Scorer
	// Seed seeds the terms' own initialisation (experts, gates, bridges).
	Seed uint64
	// Lists returns the teacher's ranking lists of length n (with the
	// item-side lists when itemSide), typically cached per teacher; ranking
	// methods call it. BuildTyped asks for n = 0: the lists the caller
	// holds, whatever their length.
	Lists func(n int, itemSide bool) (*TeacherLists, error)
	// Ensemble is the teachers' ensemble with its trajectories, for
	// EnsembleKD methods (nil otherwise).
	Ensemble *Ensemble
}

// Method is a distillation method of the registry.
type Method struct {
	// Name is the method's name in specs and in the REPL's kd= list.
	Name string
	// Doc is a one-line description: the paper and what is distilled.
	Doc string
	// Kind is what the method distils.
	Kind Kind
	// Lambda is the reference weight λ of the term (the default of the
	// REPL's lambda.<method> and of a TermSpec whose Lambda is 0).
	Lambda float64
	// Options are the method's other hyper-parameters.
	Options []Option
	// Build builds the method's terms from checked values (defaults
	// filled in, λ under "lambda"). It may return several terms (DE-RRD).
	Build func(env Env, v Values) ([]train.Term, error)
	// With, if set, names the method this one is a part of and must be
	// combined with in one run: the item-side regulariser "ir" goes with
	// "rrd". Such parts are for specs; the REPL offers the combined method.
	With string
	// Join builds the one term of this part and the method it goes With,
	// from their checked values (set when With is).
	Join func(env Env, with, own Values) (train.Term, error)
	// Order places the method in listings (the order of methods.md §3);
	// methods of equal Order are listed by name.
	Order int
	// Precheck, if set, checks the constraints between the method's
	// options that need neither data nor models (pool ≤ n, k ≤ pool, …),
	// so that a sweep refuses a bad spec before anything trains. with holds
	// the values of the method a part goes With (the zero Values
	// otherwise). Build calls it too.
	Precheck func(v, with Values) error
	// Typed, if set, builds the method's terms from its options struct
	// (a *DEOptions, …; nil: the reference defaults), for Go callers that
	// configure a method by its fields rather than by option names
	// (BuildTyped). Env.Seed overrides the struct's seed.
	Typed func(env Env, o TermOptions) ([]train.Term, error)
	// Note, if set, says how a run capped at epochs epochs departs from
	// the method's own schedule, given its checked values ("" when it does
	// not): DE's and HTD's temperatures anneal over a fixed number of
	// epochs, which a shorter run never reaches. Notes inform; they never
	// change the method (BudgetNotes collects them for a run).
	Note func(v Values, epochs int) string
	// Figure is how figures draw the method: legend name, aliases, groups,
	// colour, marker and dashes, as plain strings (kdlib/report turns them
	// into its colours and glyphs, and its tests check the palette stays
	// coherent). The zero value declares none: the method is then drawn
	// with report's fallback style and named by Name. A part (With) is
	// usually listed among the Aliases of the method it joins instead.
	Figure figstyle.Style
}

// TermOptions is a method's options struct (*HintOptions, *DEOptions, …):
// Method names the registered method it configures. Methods are declared
// with pointer receivers, so a nil pointer still names its method.
type TermOptions interface {
	Method() string
}

// BuildTyped builds the terms of the named method from its options struct
// o (nil, or a nil pointer, for the reference defaults) with the method's
// Typed builder. Ranking methods ask env.Lists for the lists of length 0:
// whatever lists the caller holds.
func BuildTyped(method string, o TermOptions, env Env) ([]train.Term, error) {
	m, err := Lookup(method)
	if err != nil {
		return nil, err
	}
	if m.Typed == nil {
		return nil, fmt.Errorf("kd %s: no typed builder (configure it by option names: Build)", method)
	}
	if o != nil && o.Method() != method {
		return nil, fmt.Errorf("kd %s: given the options of %s", method, o.Method())
	}
	ts, err := m.Typed(env, o)
	if err != nil {
		return nil, wrapMethod(method, err)
	}
	return ts, nil
}

// Option returns the named option of m.
func (m *Method) Option(name string) (Option, bool) {
	k := slices.IndexFunc(m.Options, func(o Option) bool { return o.Name == name })
	if k < 0 {
		return Option{}, false
	}
	return m.Options[k], true
}

var (
	registryMu sync.RWMutex
	registry   = map[string]Method{}
)

// Register adds a method to the registry. It panics on a programming error
// (an empty or duplicate name, no Build, an option default outside its
// range, a part without Join), as image.RegisterFormat's callers would.
// Methods register from their file's init.
func Register(m Method) {
	if m.Name == "" || (m.Build == nil && m.With == "") || (m.With != "" && m.Join == nil) {
		panic(fmt.Sprintf("distill.Register: method %q is incomplete", m.Name))
	}
	m.Options = slices.Clone(m.Options)
	seen := map[string]bool{}
	for k, o := range m.Options {
		if o.Name == "" || o.Name == "lambda" || seen[o.Name] || strings.ContainsAny(o.Name, ".=, \t") {
			panic(fmt.Sprintf("distill.Register: method %q: bad or repeated option name %q", m.Name, o.Name))
		}
		seen[o.Name] = true
		x, err := checkValue(m.Name, o, o.Default)
		if err != nil {
			panic(fmt.Sprintf("distill.Register: %v", err))
		}
		m.Options[k].Default = x // the option's own type: Values.Int and Float read it
	}
	if err := m.Figure.Check(); err != nil {
		panic(fmt.Sprintf("distill.Register: method %q: %v", m.Name, err))
	}
	m.Figure.Aliases, m.Figure.Groups = slices.Clone(m.Figure.Aliases), slices.Clone(m.Figure.Groups)
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[m.Name]; dup {
		panic(fmt.Sprintf("distill.Register: method %q registered twice", m.Name))
	}
	registry[m.Name] = m
}

// Methods returns the registered methods in listing order.
func Methods() []Method {
	registryMu.RLock()
	out := make([]Method, 0, len(registry))
	for _, m := range registry {
		m.Options = slices.Clone(m.Options)
		out = append(out, m)
	}
	registryMu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Order != out[j].Order {
			return out[i].Order < out[j].Order
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Lookup returns the registered method name.
func Lookup(name string) (Method, error) {
	registryMu.RLock()
	m, ok := registry[name]
	registryMu.RUnlock()
	if ok {
		m.Options = slices.Clone(m.Options)
		return m, nil
	}
	var names []string
	for _, m := range Methods() {
		names = append(names, m.Name)
	}
	return Method{}, fmt.Errorf("unknown distillation method %q (known: %s)", name, strings.Join(names, ", "))
}

// TermSpec is one distillation term as a spec or the REPL writes it: a
// method name, its weight (0: the method's reference λ) and its options by
// name (numbers as any numeric type or json.Number, booleans, strings).
type TermSpec struct {
	// Method names a registered method.
	Method string
	// Lambda is the term's weight; 0 takes Method.Lambda.
	Lambda float64
	// Options holds the method's options by name; missing ones take their
	// defaults.
	Options map[string]any
}

// OptionError is a bad distillation option: it names the method, the
// option as written and what is valid.
type OptionError struct {
	// Method is the method's name and Option the option's.
	Method, Option string
	// Value is the value as given.
	Value string
	// Problem says what is wrong and what is valid: "is out of range: want
	// an integer in [1, 500]".
	Problem string
}

// Error returns "kd <method>: option <name>=<value> <problem>".
func (e *OptionError) Error() string {
	return fmt.Sprintf("kd %s: option %s=%s %s", e.Method, e.Option, e.Value, e.Problem)
}

// Values holds the checked options of one term, defaults filled in and λ
// under "lambda". Builders read them with Int, Float, Bool and Str.
type Values struct {
	method string
	vals   map[string]any
	raw    map[string]string
	given  map[string]bool
}

// Method returns the name of the method the values belong to.
func (v Values) Method() string { return v.method }

// Int returns the integer option name (it panics if name is not an Int
// option of the method: a programming error of the builder).
func (v Values) Int(name string) int { return v.vals[name].(int) }

// Float returns the number option name (λ is "lambda").
func (v Values) Float(name string) float64 { return v.vals[name].(float64) }

// Bool returns the boolean option name.
func (v Values) Bool(name string) bool { return v.vals[name].(bool) }

// Str returns the choice option name.
func (v Values) Str(name string) string { return v.vals[name].(string) }

// Given says whether option name was set explicitly (not defaulted).
func (v Values) Given(name string) bool { return v.given[name] }

// OutOfRange is the error of a value that violates a constraint between
// options or against the data: want says what is valid.
func (v Values) OutOfRange(name, want string) error {
	return &OptionError{Method: v.method, Option: name, Value: v.raw[name], Problem: "is out of range: want " + want}
}

// Check checks a term against the registry: a known method, known option
// names, values of the right type within their ranges, λ ≥ 0. It returns
// the values with defaults filled in.
func Check(t TermSpec) (Values, error) {
	m, err := Lookup(t.Method)
	if err != nil {
		return Values{}, err
	}
	v := Values{method: t.Method, vals: map[string]any{}, raw: map[string]string{}, given: map[string]bool{}}
	lambda := t.Lambda
	if lambda == 0 {
		lambda = m.Lambda
	}
	if math.IsNaN(lambda) || math.IsInf(lambda, 0) || lambda < 0 {
		return v, &OptionError{Method: t.Method, Option: "lambda", Value: fmtNum(lambda), Problem: "is out of range: want a finite number >= 0"}
	}
	v.vals["lambda"], v.raw["lambda"] = lambda, fmtNum(lambda)
	v.given["lambda"] = t.Lambda != 0
	var unknown []string
	for name := range t.Options {
		if _, ok := m.Option(name); !ok {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		if len(m.Options) == 0 {
			return v, fmt.Errorf("kd %s: unknown option %q (this takes no options)", t.Method, unknown[0])
		}
		names := make([]string, len(m.Options))
		for k, o := range m.Options {
			names[k] = o.Name
		}
		return v, fmt.Errorf("kd %s: unknown option %q (known: %s)", t.Method, unknown[0], strings.Join(names, ", "))
	}
	for _, o := range m.Options {
		raw, given := t.Options[o.Name]
		if !given {
			v.vals[o.Name], v.raw[o.Name] = o.Default, fmt.Sprint(o.Default)
			continue
		}
		x, err := checkValue(t.Method, o, raw)
		if err != nil {
			return v, err
		}
		v.vals[o.Name], v.raw[o.Name], v.given[o.Name] = x, fmt.Sprint(raw), true
	}
	return v, nil
}

// checkValue converts raw to the option's type and checks its range.
func checkValue(method string, o Option, raw any) (any, error) {
	bad := func(problem string) error {
		return &OptionError{Method: method, Option: o.Name, Value: fmt.Sprint(raw), Problem: problem}
	}
	switch o.Type {
	case Int:
		f, ok := num.Float(raw)
		if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return nil, bad("is not an integer: want " + o.Expect())
		}
		if f < o.Min || f > o.Max {
			return nil, bad("is out of range: want " + o.Expect())
		}
		return int(f), nil
	case Float:
		x, ok := num.Float(raw)
		if !ok || math.IsNaN(x) {
			return nil, bad("is not a number: want " + o.Expect())
		}
		if x < o.Min || x > o.Max || (o.ExclusiveMin && x == o.Min) {
			return nil, bad("is out of range: want " + o.Expect())
		}
		return x, nil
	case Bool:
		x, ok := raw.(bool)
		if !ok {
			return nil, bad("is not a boolean: want true or false")
		}
		return x, nil
	case Choice:
		x, ok := raw.(string)
		if !ok || !slices.Contains(o.Choices, x) {
			return nil, bad("is not valid: want " + o.Expect())
		}
		return x, nil
	}
	return nil, bad("has an unknown type")
}

// CheckCombination checks that the methods of one run can be combined:
// parts (ir) come with the method they belong to (rrd), and no method is
// listed twice.
func CheckCombination(methods []string) error {
	for k, name := range methods {
		if slices.Contains(methods[:k], name) {
			return fmt.Errorf("kd method %q is listed twice", name)
		}
		m, err := Lookup(name)
		if err != nil {
			return err
		}
		if m.With != "" && !slices.Contains(methods, m.With) {
			return fmt.Errorf("kd method %q is a part of %s-%s: list it together with %q", name, name, m.With, m.With)
		}
	}
	return nil
}

// Precheck checks a run's terms as far as it can without data or models:
// each term against its options table (Check), the combination
// (CheckCombination), and each method's Precheck. k is the index of the
// first bad term (−1 when the combination is at fault).
func Precheck(terms []TermSpec) (k int, err error) {
	_, _, k, err = precheck(terms)
	return k, err
}

// precheck is Precheck, returning the terms' methods and checked values.
func precheck(terms []TermSpec) (methods []string, vals []Values, k int, err error) {
	methods = make([]string, len(terms))
	vals = make([]Values, len(terms))
	for k, t := range terms {
		methods[k] = t.Method
		v, err := Check(t)
		if err != nil {
			return nil, nil, k, err
		}
		vals[k] = v
	}
	if err := CheckCombination(methods); err != nil {
		return nil, nil, -1, err
	}
	for k, name := range methods {
		m, _ := Lookup(name)
		if m.Precheck == nil {
			continue
		}
		var with Values
		if m.With != "" {
			with = vals[slices.Index(methods, m.With)]
		}
		if err := m.Precheck(vals[k], with); err != nil {
			return nil, nil, k, err
		}
	}
	return methods, vals, 0, nil
}

// BudgetNotes returns the notes of a run's terms for a run capped at
// epochs epochs (each method's Note), in term order. Terms that fail Check
// are skipped: Build reports them.
func BudgetNotes(terms []TermSpec, epochs int) []string {
	var out []string
	for _, t := range terms {
		m, err := Lookup(t.Method)
		if err != nil || m.Note == nil {
			continue
		}
		v, err := Check(t)
		if err != nil {
			continue
		}
		if n := m.Note(v, epochs); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// Build builds the distillation terms of a run: one train.Term per method
// (two for DE-RRD), in the order given, except that a part (ir) and the
// method it goes with (rrd) make one term, built by the part's Join where
// the method is listed. Options are checked first (Precheck: Check,
// CheckCombination and the methods' own Precheck).
func Build(terms []TermSpec, env Env) ([]train.Term, error) {
	methods, vals, _, err := precheck(terms)
	if err != nil {
		return nil, err
	}
	var out []train.Term
	for k, name := range methods {
		m, _ := Lookup(name)
		if m.With != "" {
			continue // built where its partner is listed
		}
		if j := slices.IndexFunc(methods, func(p string) bool { pm, _ := Lookup(p); return pm.With == name }); j >= 0 {
			part, _ := Lookup(methods[j])
			t, err := part.Join(env, vals[k], vals[j])
			if err != nil {
				return nil, wrapMethod(part.Name, err)
			}
			out = append(out, t)
			continue
		}
		ts, err := m.Build(env, vals[k])
		if err != nil {
			return nil, wrapMethod(name, err)
		}
		out = append(out, ts...)
	}
	return out, nil
}

// wrapMethod names the method in an error of a constructor (which names
// the options by their Go field names); errors that already name it pass.
func wrapMethod(method string, err error) error {
	var oe *OptionError
	if errors.As(err, &oe) || strings.HasPrefix(err.Error(), "kd ") {
		return err
	}
	return fmt.Errorf("kd %s: %w", method, err)
}

// modelError explains a student or teacher without the interface a method
// needs.
func modelError(method, role, need string, m any) error {
	kind := fmt.Sprintf("%T", m)
	if c, ok := m.(model.Checkpointable); ok {
		kind = c.Kind()
	}
	return fmt.Errorf("kd %s: the %s (%s) has no %s, which %s needs", method, role, kind, need, method)
}

// latentPair returns the teacher and student of a latent method.
func latentPair(env Env, method string) (model.Embedder, model.Representer, error) {
	t, ok := env.Teacher.(model.Embedder)
	if !ok {
		return nil, nil, modelError(method, "teacher", "representations (model.Embedder)", env.Teacher)
	}
	s, ok := env.Student.(model.Representer)
	if !ok {
		return nil, nil, modelError(method, "student", "trainable representations (model.Representer)", env.Student)
	}
	return t, s, nil
}

// pairStudent returns the student of a ranking method.
func pairStudent(env Env, method string) (model.PairScorer, error) {
	s, ok := env.Student.(model.PairScorer)
	if !ok {
		return nil, modelError(method, "student", "pair scores with gradients (model.PairScorer)", env.Student)
	}
	return s, nil
}

// listsOf returns the teacher's lists of length n from env.
func listsOf(env Env, v Values, n int, itemSide bool) (*TeacherLists, error) {
	if env.Lists == nil {
		return nil, fmt.Errorf("kd %s: no teacher lists available", v.method)
	}
	l, err := env.Lists(n, itemSide)
	if err != nil {
		return nil, fmt.Errorf("kd %s: teacher lists: %w", v.method, err)
	}
	return l, nil
}

// one wraps a single term for Build functions.
func one[T train.Term](t T, err error) ([]train.Term, error) {
	if err != nil {
		return nil, err
	}
	return []train.Term{t}, nil
}

// Option declarations shared by the methods' tables.
func optInt(name string, def int, lo, hi float64, doc string) Option {
	return Option{Name: name, Type: Int, Default: def, Min: lo, Max: hi, Doc: doc}
}
func optFloat(name string, def, lo, hi float64, doc string) Option {
	return Option{Name: name, Type: Float, Default: def, Min: lo, Max: hi, Doc: doc}
}
func optPos(name string, def, hi float64, doc string) Option {
	return Option{Name: name, Type: Float, Default: def, Min: 0, Max: hi, ExclusiveMin: true, Doc: doc}
}
func optBool(name string, def bool, doc string) Option {
	return Option{Name: name, Type: Bool, Default: def, Doc: doc}
}
func optChoice(name, def string, choices []string, doc string) Option {
	return Option{Name: name, Type: Choice, Default: def, Choices: choices, Doc: doc}
}

// Upper bounds of the option ranges.
const (
	maxCount = 1_000_000 // counts and epochs
	maxN     = 100_000   // list lengths
	maxTau   = 1e6       // temperatures
)

// Order of the methods in listings: methods.md §3.
const (
	orderHint = iota + 1
	orderFitNet
	orderDE
	orderPHR
	orderFTD
	orderHTD
	orderRD
	orderCD
	orderRRD
	orderIR
	orderIRRRD
	orderDERRD
	orderCLDRD
	orderDCD
	orderHetComp
)

// Option groups shared by several methods.
var (
	optHidden = optInt("hidden", 0, 0, 65536, "hidden width of the bridge/expert MLPs (0: ⌊(d_t+d_s)/2⌋, the reference)")
	optN      = optInt("n", 500, 1, maxN, "length of the teacher's ranking lists (built once per teacher and n)")
	optPool   = optInt("pool", 0, 0, maxN, "sampling range: the first pool positions of the teacher's list (0: min(500, n))")
	optT      = optPos("t", 10, maxTau, "rank-aware sampling temperature: position r drawn ∝ exp(−r/t)")
	optSample = optBool("sample", true, "sample the interesting items by rank (false: the teacher's top-k, HetComp's variant)")
	optPrune  = optFloat("prune", 0x1p-24, 0, 0.5, "skip experts whose selection weight is below prune × the largest (0: evaluate all)")
)

func optK(def int, doc string) Option { return optInt("k", def, 1, maxN, doc) }
func optL(def int, doc string) Option { return optInt("l", def, 1, maxN, doc) }

// tauOptions are the Gumbel-softmax schedule options of DE, DE-RRD and
// HTD, with the method's reference schedule d as defaults.
func tauOptions(d TauSchedule) []Option {
	return []Option{
		optPos("tau-start", d.Start, maxTau, "Gumbel-softmax temperature of the first epochs"),
		optPos("tau-end", d.End, maxTau, "final temperature (annealed geometrically from tau-start)"),
		optInt("tau-epochs", d.Epochs, 0, maxCount, fmt.Sprintf("annealing length in epochs, a property of the method whatever the run's epoch cap "+
			"(reference %d; 0: anneal over the run's epoch cap, not a reference setting)", d.Epochs)),
	}
}

// tauOf reads the schedule options of v.
func tauOf(v Values) (TauSchedule, error) {
	s := TauSchedule{Start: v.Float("tau-start"), End: v.Float("tau-end"), Epochs: v.Int("tau-epochs")}
	if s.End > s.Start {
		return s, v.OutOfRange("tau-end", fmt.Sprintf("a number in (0, tau-start=%s]", v.raw["tau-start"]))
	}
	return s, nil
}

// tauNote is the Note of the methods with a Gumbel-softmax schedule.
func tauNote(v Values, epochs int) string {
	s, err := tauOf(v)
	if err != nil {
		return ""
	}
	return s.Note(v.Method(), epochs)
}

// typedLists returns the lists the caller of BuildTyped holds.
func typedLists(env Env, method string, itemSide bool) (*TeacherLists, error) {
	if env.Lists == nil {
		return nil, fmt.Errorf("kd %s: no teacher lists available", method)
	}
	l, err := env.Lists(0, itemSide)
	if err != nil {
		return nil, fmt.Errorf("kd %s: teacher lists: %w", method, err)
	}
	return l, nil
}

// poolLimits checks an RRD-like sampling range: pool (0 meaning
// min(500, n)) ≤ n and k ≤ pool.
func poolLimits(v Values, poolName, kName string, n int) error {
	pool := v.Int(poolName)
	if pool > n {
		return v.OutOfRange(poolName, fmt.Sprintf("an integer in [0, n=%d] (the teacher lists' length)", n))
	}
	if pool == 0 {
		pool = min(500, n)
	}
	if v.Int(kName) > pool {
		return v.OutOfRange(kName, fmt.Sprintf("an integer in [1, %d] (the sampling pool)", pool))
	}
	return nil
}

// tauPrecheck checks a Gumbel-softmax schedule: tau-end ≤ tau-start.
func tauPrecheck(v, _ Values) error {
	_, err := tauOf(v)
	return err
}

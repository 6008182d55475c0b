package exp

// The catalogue of distillation methods shared by the experiment runners
// (specs name a method and its options in KDTerm) and the REPL (`train …
// kd=de lambda.de=0.01`): one list of option names, defaults and valid
// ranges, and one function, KDTerms, that turns terms into the distill
// package's train.Terms.

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// Kinds of knowledge a KDMethod distils.
const (
	// KDLatent methods match representations (Hint, DE, PHR, FTD, HTD):
	// the teacher must be a model.Embedder, the student a model.Representer.
	KDLatent = "latent"
	// KDRanking methods match the teacher's ranking lists (RD, CD, RRD,
	// IR-RRD, DCD): the teacher must be a model.Scorer, the student a
	// model.PairScorer (DCD: also a model.Scorer).
	KDRanking = "ranking"
	// KDBoth methods combine the two (DE-RRD).
	KDBoth = "latent+ranking"
	// KDEnsemble methods distil the trajectories of several teachers
	// (HetComp): KDEnv.Ensemble must be set and the student is a BPR model.
	// The REPL, which trains with one teacher, leaves them out; the sweeps
	// (RunEnsembleKD) and exp.HetCompReproduce run them.
	KDEnsemble = "ensemble"
)

// Option types of KDOption.Type.
const (
	KDInt    = "int"    // an integer in [Min, Max]
	KDFloat  = "float"  // a number in [Min, Max] ((Min, Max] with ExclusiveMin)
	KDBool   = "bool"   // true or false
	KDChoice = "choice" // one of Choices
)

// KDOption describes one hyper-parameter of a distillation method: its
// name (as written in a spec's KDTerm.Options and, suffixed with
// .<method>, on the REPL's train line), type, default and valid range.
type KDOption struct {
	// Name is the option's key, lower case ("experts", "k", "tau-end").
	Name string
	// Type is KDInt, KDFloat, KDBool or KDChoice.
	Type string
	// Default is the reference value: an int, float64, bool or string.
	Default any
	// Min and Max bound KDInt and KDFloat values (inclusive).
	Min, Max float64
	// ExclusiveMin excludes Min itself.
	ExclusiveMin bool
	// Choices are the values of a KDChoice option.
	Choices []string
	// Doc is a one-line description.
	Doc string
}

// Expect describes the valid values: "an integer in [1, 1024]", "a number
// in (0, 1e+06]", "true or false", "one of mlp, linear".
func (o *KDOption) Expect() string {
	switch o.Type {
	case KDInt:
		return fmt.Sprintf("an integer in [%s, %s]", fmtNum(o.Min), fmtNum(o.Max))
	case KDFloat:
		left := "["
		if o.ExclusiveMin {
			left = "("
		}
		return fmt.Sprintf("a number in %s%s, %s]", left, fmtNum(o.Min), fmtNum(o.Max))
	case KDBool:
		return "true or false"
	case KDChoice:
		return "one of " + strings.Join(o.Choices, ", ")
	}
	return "a value"
}

func fmtNum(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// KDMethod describes a distillation method that KDTerms can build.
type KDMethod struct {
	// Name is the method's name in specs (KDTerm.Method) and in the REPL's
	// kd= list.
	Name string
	// Doc is a one-line description: the paper and what is distilled.
	Doc string
	// Kind is KDLatent, KDRanking or KDBoth.
	Kind string
	// Lambda is the reference weight λ of the term (the default of the
	// REPL's lambda.<method> and of a KDTerm whose Lambda is 0).
	Lambda float64
	// Options are the method's other hyper-parameters.
	Options []KDOption
	// With, if set, names the method this one is a part of and must be
	// combined with in one run: "ir" (the item-side regulariser of IR-RRD)
	// goes with "rrd". Such parts are for specs; the REPL offers the
	// combined method (ir-rrd).
	With string
}

// Option returns the named option of m.
func (m *KDMethod) Option(name string) (KDOption, bool) {
	k := slices.IndexFunc(m.Options, func(o KDOption) bool { return o.Name == name })
	if k < 0 {
		return KDOption{}, false
	}
	return m.Options[k], true
}

// Reusable option declarations.
func kdInt(name string, def int, lo, hi float64, doc string) KDOption {
	return KDOption{Name: name, Type: KDInt, Default: def, Min: lo, Max: hi, Doc: doc}
}
func kdFloat(name string, def, lo, hi float64, doc string) KDOption {
	return KDOption{Name: name, Type: KDFloat, Default: def, Min: lo, Max: hi, Doc: doc}
}
func kdPos(name string, def, hi float64, doc string) KDOption {
	return KDOption{Name: name, Type: KDFloat, Default: def, Min: 0, Max: hi, ExclusiveMin: true, Doc: doc}
}
func kdBool(name string, def bool, doc string) KDOption {
	return KDOption{Name: name, Type: KDBool, Default: def, Doc: doc}
}
func kdChoice(name, def string, choices []string, doc string) KDOption {
	return KDOption{Name: name, Type: KDChoice, Default: def, Choices: choices, Doc: doc}
}

// Upper bounds of the catalogue's ranges.
const (
	kdBig    = 1_000_000 // upper bound of counts and epochs
	kdMaxN   = 100_000   // upper bound of list lengths
	kdMaxTau = 1e6
)

// Option groups shared by several methods.
var (
	optHidden = kdInt("hidden", 0, 0, 65536, "hidden width of the bridge/expert MLPs (0: ⌊(d_t+d_s)/2⌋, the reference)")
	optTau    = []KDOption{
		kdPos("tau-start", 1, kdMaxTau, "Gumbel-softmax temperature of the first epochs"),
		kdPos("tau-end", 1e-10, kdMaxTau, "final temperature (annealed geometrically from tau-start)"),
		kdInt("tau-epochs", 0, 0, kdBig, "annealing length in epochs (0: the run's epoch budget, the reference)"),
	}
	optPrune = kdFloat("prune", 0x1p-24, 0, 0.5, "skip experts whose selection weight is below prune × the largest (0: evaluate all)")
	optN     = kdInt("n", 500, 1, kdMaxN, "length of the teacher's ranking lists (built once per teacher and n)")
	optPool  = kdInt("pool", 0, 0, kdMaxN, "sampling range: the first pool positions of the teacher's list (0: min(500, n))")
	optK     = func(def int, doc string) KDOption { return kdInt("k", def, 1, kdMaxN, doc) }
	optL     = func(def int, doc string) KDOption { return kdInt("l", def, 1, kdMaxN, doc) }
	optT     = kdPos("t", 10, kdMaxTau, "rank-aware sampling temperature: position r drawn ∝ exp(−r/t)")
	optS     = kdBool("sample", true, "sample the interesting items by rank (false: the teacher's top-k, HetComp's variant)")
)

func rrdOpts(k, l int) []KDOption {
	return []KDOption{optN, optK(k, "interesting items per user (ranked above the uninteresting ones)"),
		optL(l, "uninteresting items per user, uniform outside the teacher's list"), optT, optPool, optS}
}

// kdMethods is the catalogue, in the order of methods.md §3.
var kdMethods = []KDMethod{
	{Name: "hint", Kind: KDLatent, Lambda: 0.01, Doc: "FitNet hint regression of the teacher's representations through a bridge (Romero et al., ICLR 2015)",
		Options: []KDOption{kdChoice("bridge", "mlp", []string{"mlp", "linear"}, "the regressor: an MLP (DE with one expert) or FitNet's linear map"), optHidden}},
	{Name: "de", Kind: KDLatent, Lambda: 0.01, Doc: "DE: distillation experts with Gumbel-softmax expert selection (Kang et al., CIKM 2020)",
		Options: append([]KDOption{kdInt("experts", 30, 1, 1024, "number M of experts per side"), optHidden}, append(slices.Clone(optTau), optPrune)...)},
	{Name: "phr", Kind: KDLatent, Lambda: 0.01, Doc: "PHR: personalised hint regression, a mapping generated per entity (Kang et al., KBS 2022)",
		Options: []KDOption{optHidden, kdBool("shared", false, "one personalisation network for users and items"),
			kdBool("per-triple", false, "weight entities by their multiplicity in the batch (the re-implementation)")}},
	{Name: "ftd", Kind: KDLatent, Lambda: 0.001, Doc: "FTD: full topology distillation, all pairwise similarities of the batch (Kang et al., KDD 2021)",
		Options: []KDOption{kdBool("skip-constant", false, "drop the teacher-only constant from the reported loss (same gradient, faster)")}},
	{Name: "htd", Kind: KDLatent, Lambda: 0.001, Doc: "HTD: hierarchical topology distillation over preference groups (Kang et al., KDD 2021)",
		Options: append([]KDOption{kdFloat("alpha", 0.5, 0, 1, "balance α·L_TD + (1−α)·L_GA"),
			kdInt("groups", 30, 1, 1024, "number K of preference groups per side"), optHidden,
			kdChoice("group", "pe", []string{"pe", "pp"}, "group-level topology: Group(P,e) (the reference) or Group(P,P)")},
			append(slices.Clone(optTau), optPrune)...)},
	{Name: "rd", Kind: KDRanking, Lambda: 1, Doc: "RD: ranking distillation, the teacher's top-k as weighted positives (Tang & Wang, KDD 2018)",
		Options: []KDOption{optN, optK(10, "teacher top items per user"), kdPos("pos-temp", 1, kdMaxTau, "position-weight temperature λ of e^{−r/λ}"),
			kdPos("mu", 0.1, kdMaxTau, "slope μ of the rank-discrepancy weight"), kdInt("samples", 100, 1, kdBig, "items the student's rank is estimated from"),
			kdInt("dynamic-start", 10, 0, kdBig, "first epoch using the rank-discrepancy weight"), kdBool("static", false, "position weights only")}},
	{Name: "cd", Kind: KDRanking, Lambda: 0.1, Doc: "CD: collaborative distillation with soft labels on rank-sampled teacher items (Lee et al., ICDM 2019)",
		Options: []KDOption{optN, optK(10, "items distilled per user per epoch"), optT, optPool,
			kdPos("temp", 2, kdMaxTau, "soft-label temperature: q = σ((t_ui + shift)/temp)"), kdFloat("shift", 0, -kdMaxTau, kdMaxTau, "soft-label shift")}},
	{Name: "rrd", Kind: KDRanking, Lambda: 0.001, Doc: "RRD: relaxed ranking distillation, listwise over sampled teacher items (Kang et al., CIKM 2020)",
		Options: rrdOpts(40, 40)},
	{Name: "ir", Kind: KDRanking, Lambda: 0.0005, With: "rrd", Doc: "IR: item-side ranking regulariser of IR-RRD; combine with rrd (Kang et al., Inf. Sci. 2021)",
		Options: []KDOption{optK(20, "interesting users per item"), optL(20, "uninteresting users per item"), optT, optPool, optS}},
	{Name: "ir-rrd", Kind: KDRanking, Lambda: 0.001, Doc: "IR-RRD: RRD plus the item-side ranking regulariser (Kang et al., Inf. Sci. 2021)",
		Options: append(rrdOpts(40, 40), kdPos("item-lambda", 0.0005, kdBig, "weight λ_IR of the item-side term"),
			kdInt("item-k", 20, 1, kdMaxN, "interesting users per item"), kdInt("item-l", 20, 1, kdMaxN, "uninteresting users per item"),
			kdPos("item-t", 10, kdMaxTau, "item-side sampling temperature"), kdInt("item-pool", 0, 0, kdMaxN, "item-side sampling range (0: min(500, n))"),
			kdBool("item-sample", true, "sample the interesting users by rank (false: the teacher's top item-k)"))},
	{Name: "de-rrd", Kind: KDBoth, Lambda: 0.01, Doc: "DE-RRD: DE (weight lambda) plus RRD (weight rrd-lambda) (Kang et al., CIKM 2020)",
		Options: append([]KDOption{kdInt("experts", 30, 1, 1024, "number M of DE experts per side"), optHidden,
			kdPos("rrd-lambda", 0.001, kdBig, "weight λ_RRD of the RRD term")}, rrdOpts(40, 40)...)},
	{Name: "cl-drd", Kind: KDRanking, Lambda: 1, Doc: "CL-DRD: a curriculum of ever finer teacher orders, LambdaRank-MRR pairs (Zeng et al., SIGIR 2022)",
		Options: []KDOption{optN, kdInt("list", 30, 3, kdMaxN, "items per user list; the stages order list/6, list/3, then all of them"),
			kdInt("hard-depth", distill.DefaultCLDRDHardDepth, 1, kdMaxN, "deepest teacher rank of the hard group (≥ list)"),
			kdInt("semi-depth", distill.DefaultCLDRDSemiDepth, 2, kdMaxN, "deepest teacher rank of the semi-hard group (≤ n)")}},
	{Name: "dcd", Kind: KDRanking, Lambda: 0.001, Doc: "DCD: dual correction of the student's under- and over-estimated items (Lee & Kim, CIKM 2021)",
		Options: []KDOption{optN, kdInt("pool", 100, 1, kdMaxN, "teacher-top and student-top entries sampled from (users)"),
			kdInt("item-pool", 100, 1, kdMaxN, "the same for items"), optK(40, "under-estimated items per user"), optL(40, "over-estimated items per user"),
			kdInt("item-k", 20, 1, kdMaxN, "under-estimated users per item"), kdInt("item-l", 20, 1, kdMaxN, "over-estimated users per item"),
			kdPos("t", 10, kdMaxTau, "discrepancy temperature"), kdInt("depth", 0, 0, kdMaxN, "depth of the student's exact rankings (0: 2 × the larger pool)"),
			kdPos("item-lambda", 0.0005, kdBig, "weight of the item side")}},
	{Name: "hetcomp", Kind: KDEnsemble, Lambda: 1, Doc: "HetComp: easy-to-hard distillation of a heterogeneous ensemble's trajectories (Kang et al., WWW 2023); lambda scales lambda1 and lambda2",
		Options: []KDOption{kdInt("k", 100, 1, kdMaxN, "ensemble top items π^ens_u per user"),
			kdInt("observed-k", 0, 0, kdMaxN, "|P_u|, the ensemble's first observed items (0: k/10)"),
			kdInt("long-k", 0, 0, kdMaxN, "length of phase 2's long listwise target (0: min(50, k))"),
			kdInt("short-k", 0, 0, kdMaxN, "length of phase 2's short listwise target (0: min(10, long-k))"),
			kdPos("lambda1", 0.01, kdBig, "weight of phase 1's set-wise loss"), kdPos("lambda2", 0.005, kdBig, "weight of phase 2's listwise loss"),
			kdFloat("clamp", 40, 1e-6, 80, "bound of the student's scores in the loss"),
			kdInt("period", 10, 1, kdBig, "epochs between knowledge-construction steps"), kdInt("start", 10, 1, kdBig, "first epoch of a knowledge-construction step"),
			kdPos("alpha", 1.05, kdBig, "threshold th(e) = alpha·decay^⌊e/period⌋ of the stage rule"), kdPos("decay", 0.995, 1, "decay of the threshold"),
			kdInt("dist-k", 50, 1, kdMaxN, "cut-off of the wNDCG distance between rankings"),
			kdBool("with-bpr", false, "add the student's BPR loss (the authors' code trains with the KD loss only)")}},
}

// KDMethods returns the catalogue of distillation methods KDTerms builds,
// in the order of methods.md §3.
func KDMethods() []KDMethod {
	out := make([]KDMethod, len(kdMethods))
	for k, m := range kdMethods {
		m.Options = slices.Clone(m.Options)
		out[k] = m
	}
	return out
}

// LookupKDMethod returns the catalogue entry of name.
func LookupKDMethod(name string) (KDMethod, error) {
	for _, m := range kdMethods {
		if m.Name == name {
			return m, nil
		}
	}
	names := make([]string, len(kdMethods))
	for k, m := range kdMethods {
		names[k] = m.Name
	}
	return KDMethod{}, fmt.Errorf("unknown distillation method %q (known: %s)", name, strings.Join(names, ", "))
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

// kdValues holds the checked options of one term, defaults filled in.
type kdValues struct {
	method string
	vals   map[string]any
	raw    map[string]string
}

func (v kdValues) int(name string) int       { return v.vals[name].(int) }
func (v kdValues) float(name string) float64 { return v.vals[name].(float64) }
func (v kdValues) bool(name string) bool     { return v.vals[name].(bool) }
func (v kdValues) str(name string) string    { return v.vals[name].(string) }

// outOfRange is the error of a value that violates a constraint between
// options.
func (v kdValues) outOfRange(name, want string) error {
	return &OptionError{Method: v.method, Option: name, Value: v.raw[name], Problem: "is out of range: want " + want}
}

// CheckKDTerm checks a term against the catalogue: a known method, known
// option names, values of the right type within their ranges, λ ≥ 0.
func CheckKDTerm(t KDTerm) error {
	_, err := kdCheck(t)
	return err
}

// kdCheck checks t and returns its options with defaults filled in, λ
// under "lambda" (the method's default when t.Lambda is 0).
func kdCheck(t KDTerm) (kdValues, error) {
	m, err := LookupKDMethod(t.Method)
	if err != nil {
		return kdValues{}, err
	}
	v := kdValues{method: t.Method, vals: map[string]any{}, raw: map[string]string{}}
	lambda := t.Lambda
	if lambda == 0 {
		lambda = m.Lambda
	}
	if math.IsNaN(lambda) || math.IsInf(lambda, 0) || lambda < 0 {
		return v, &OptionError{Method: t.Method, Option: "lambda", Value: fmtNum(lambda), Problem: "is out of range: want a finite number >= 0"}
	}
	v.vals["lambda"], v.raw["lambda"] = lambda, fmtNum(lambda)
	names := make([]string, len(m.Options))
	for k, o := range m.Options {
		names[k] = o.Name
	}
	if err := t.Options.Check(names...); err != nil {
		return v, fmt.Errorf("kd %s: %w", t.Method, err)
	}
	for _, o := range m.Options {
		raw, given := t.Options[o.Name]
		if !given {
			v.vals[o.Name], v.raw[o.Name] = o.Default, fmt.Sprint(o.Default)
			continue
		}
		bad := func(problem string) error {
			return &OptionError{Method: t.Method, Option: o.Name, Value: fmt.Sprint(raw), Problem: problem}
		}
		v.raw[o.Name] = fmt.Sprint(raw)
		switch o.Type {
		case KDInt:
			x, err := t.Options.Int(o.Name, 0)
			if err != nil {
				return v, bad("is not an integer: want " + o.Expect())
			}
			if float64(x) < o.Min || float64(x) > o.Max {
				return v, bad("is out of range: want " + o.Expect())
			}
			v.vals[o.Name] = x
		case KDFloat:
			x, err := t.Options.Float(o.Name, 0)
			if err != nil || math.IsNaN(x) {
				return v, bad("is not a number: want " + o.Expect())
			}
			if x < o.Min || x > o.Max || (o.ExclusiveMin && x == o.Min) {
				return v, bad("is out of range: want " + o.Expect())
			}
			v.vals[o.Name] = x
		case KDBool:
			x, err := t.Options.Bool(o.Name, false)
			if err != nil {
				return v, bad("is not a boolean: want true or false")
			}
			v.vals[o.Name] = x
		case KDChoice:
			x, err := t.Options.String(o.Name, "")
			if err != nil || !slices.Contains(o.Choices, x) {
				return v, bad("is not valid: want " + o.Expect())
			}
			v.vals[o.Name] = x
		}
	}
	return v, nil
}

// CheckKDCombination checks that the methods of one run can be combined:
// parts (ir) come with the method they belong to (rrd), and no method is
// listed twice.
func CheckKDCombination(methods []string) error {
	for k, name := range methods {
		if slices.Contains(methods[:k], name) {
			return fmt.Errorf("kd method %q is listed twice", name)
		}
		m, err := LookupKDMethod(name)
		if err != nil {
			return err
		}
		if m.With != "" && !slices.Contains(methods, m.With) {
			return fmt.Errorf("kd method %q is a part of %s-%s: list it together with %q", name, name, m.With, m.With)
		}
	}
	return nil
}

// KDEnv is what KDTerms builds terms against.
type KDEnv struct {
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
	// methods call it.
	Lists func(n int, itemSide bool) (*distill.TeacherLists, error)
	// Ensemble is the teachers' ensemble with its trajectories, for
	// KDEnsemble methods (nil otherwise).
	Ensemble *distill.Ensemble
}

// KDTerms builds the distillation terms of a run: one train.Term per
// method (two for de-rrd), in the order given, except that "ir" and its
// "rrd" make one IR-RRD term. Options are checked first (CheckKDTerm,
// CheckKDCombination); a term's Lambda of 0 takes the method's reference
// weight. Latent terms are built by LatentTerm, ranking terms by the
// distill constructors with the teacher's lists from env.Lists.
func KDTerms(terms []KDTerm, env KDEnv) ([]train.Term, error) {
	methods := make([]string, len(terms))
	vals := make([]kdValues, len(terms))
	for k, t := range terms {
		methods[k] = t.Method
		v, err := kdCheck(t)
		if err != nil {
			return nil, err
		}
		vals[k] = v
	}
	if err := CheckKDCombination(methods); err != nil {
		return nil, err
	}
	var out []train.Term
	for _, v := range vals {
		switch v.method {
		case "ir":
			continue // built with its rrd
		case "rrd":
			if j := slices.Index(methods, "ir"); j >= 0 {
				t, err := buildIRRRD(env, v, vals[j])
				if err != nil {
					return nil, err
				}
				out = append(out, t)
				continue
			}
		}
		ts, err := buildKD(env, v)
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	return out, nil
}

// kdModelError explains a student or teacher without the interface a
// method needs.
func kdModelError(method, role, need string, m any) error {
	kind := fmt.Sprintf("%T", m)
	if c, ok := m.(model.Checkpointable); ok {
		kind = c.Kind()
	}
	return fmt.Errorf("kd %s: the %s (%s) has no %s, which %s needs", method, role, kind, need, method)
}

func latentPair(env KDEnv, method string) (model.Embedder, model.Representer, error) {
	t, ok := env.Teacher.(model.Embedder)
	if !ok {
		return nil, nil, kdModelError(method, "teacher", "representations (model.Embedder)", env.Teacher)
	}
	s, ok := env.Student.(model.Representer)
	if !ok {
		return nil, nil, kdModelError(method, "student", "trainable representations (model.Representer)", env.Student)
	}
	return t, s, nil
}

func tauOf(v kdValues) (distill.TauSchedule, error) {
	s := distill.TauSchedule{Start: v.float("tau-start"), End: v.float("tau-end"), Epochs: v.int("tau-epochs")}
	if s.End > s.Start {
		return s, v.outOfRange("tau-end", fmt.Sprintf("a number in (0, tau-start=%s]", v.raw["tau-start"]))
	}
	return s, nil
}

// rrdPrecheck checks the RRD options of v (prefix "" or "item-") that do
// not depend on the lists: pool ≤ n and k ≤ pool.
func rrdPrecheck(v kdValues, prefix string, n int) error {
	pool := v.int(prefix + "pool")
	if pool == 0 {
		pool = min(500, n)
	}
	if pool > n {
		return v.outOfRange(prefix+"pool", fmt.Sprintf("an integer in [0, n=%d] (the teacher lists' length)", n))
	}
	if v.int(prefix+"k") > pool {
		return v.outOfRange(prefix+"k", fmt.Sprintf("an integer in [1, %d] (the sampling pool)", pool))
	}
	return nil
}

// rrdOptions reads the RRD options of v (prefix "" or "item-") against one
// side of teacher lists of length n; observed(r) is the number of training
// entries of row r.
func rrdOptions(v kdValues, prefix string, lambda float64, n int, lists *distill.Lists, observed func(r int) int) (distill.RRDOptions, error) {
	o := distill.RRDOptions{K: v.int(prefix + "k"), L: v.int(prefix + "l"), T: v.float(prefix + "t"), Pool: v.int(prefix + "pool"),
		Lambda: lambda, TopK: !v.bool(prefix + "sample")}
	if o.Pool == 0 {
		o.Pool = min(500, n)
	}
	if o.Pool > n {
		return o, v.outOfRange(prefix+"pool", fmt.Sprintf("an integer in [0, n=%d] (the teacher lists' length)", n))
	}
	if o.K > o.Pool {
		return o, v.outOfRange(prefix+"k", fmt.Sprintf("an integer in [1, %d] (the sampling pool)", o.Pool))
	}
	if mn := lists.MinLen(); o.K > mn {
		return o, v.outOfRange(prefix+"k", fmt.Sprintf("an integer in [1, %d] (the shortest teacher list; the data have few unobserved entries)", mn))
	}
	free, open := lists.Cols, lists.Cols
	for r := 0; r < lists.Rows(); r++ {
		free = min(free, lists.Cols-int(lists.Len[r])-observed(r))
		open = min(open, lists.Cols-observed(r))
	}
	if o.L > free {
		// Entries outside a row's training set and teacher list: the lists
		// must leave l of them in every row.
		if maxN := open - o.L; maxN >= o.K && v.raw["n"] != "" {
			return o, v.outOfRange("n", fmt.Sprintf("an integer in [%d, %d], so that %sl=%d entries remain outside every teacher list and training set", o.K, maxN, prefix, o.L))
		}
		if free >= 1 {
			return o, v.outOfRange(prefix+"l", fmt.Sprintf("an integer in [1, %d] (the entries outside a row's training set and teacher list)", free))
		}
		return o, v.outOfRange(prefix+"l", fmt.Sprintf("an integer in [1, %d] (the entries outside a row's training set and its top %sk teacher items), with a lower n",
			max(open-o.K, 1), prefix))
	}
	return o, nil
}

func listsOf(env KDEnv, v kdValues, n int, itemSide bool) (*distill.TeacherLists, error) {
	if env.Lists == nil {
		return nil, fmt.Errorf("kd %s: no teacher lists available", v.method)
	}
	l, err := env.Lists(n, itemSide)
	if err != nil {
		return nil, fmt.Errorf("kd %s: teacher lists: %w", v.method, err)
	}
	return l, nil
}

func pairStudent(env KDEnv, method string) (model.PairScorer, error) {
	s, ok := env.Student.(model.PairScorer)
	if !ok {
		return nil, kdModelError(method, "student", "pair scores with gradients (model.PairScorer)", env.Student)
	}
	return s, nil
}

// kdWrap names the method in an error of a distill constructor (which
// names the options by their Go field names).
func kdWrap(method string, err error) error {
	if err == nil {
		return nil
	}
	var oe *OptionError
	if errors.As(err, &oe) {
		return err
	}
	return fmt.Errorf("kd %s: %w", method, err)
}

// buildKD builds the terms of one method.
func buildKD(env KDEnv, v kdValues) ([]train.Term, error) {
	one := func(t train.Term, err error) ([]train.Term, error) {
		if err != nil {
			return nil, kdWrap(v.method, err)
		}
		return []train.Term{t}, nil
	}
	lambda := v.float("lambda")
	switch v.method {
	case "hint", "de", "phr", "ftd", "htd":
		teacher, student, err := latentPair(env, v.method)
		if err != nil {
			return nil, err
		}
		var o LatentOptions
		switch v.method {
		case "hint":
			h := distill.DefaultHint()
			h.Lambda, h.Hidden = lambda, v.int("hidden")
			if v.str("bridge") == "linear" {
				h.Bridge = distill.BridgeLinear
			}
			o.Hint = &h
		case "de":
			d := distill.DefaultDE()
			d.Lambda, d.Experts, d.Hidden, d.Prune = lambda, v.int("experts"), v.int("hidden"), v.float("prune")
			if d.Tau, err = tauOf(v); err != nil {
				return nil, err
			}
			o.DE = &d
		case "phr":
			p := distill.DefaultPHR()
			p.Lambda, p.Hidden, p.Shared, p.PerTriple = lambda, v.int("hidden"), v.bool("shared"), v.bool("per-triple")
			o.PHR = &p
		case "ftd":
			f := distill.DefaultFTD()
			f.Lambda, f.SkipConstant = lambda, v.bool("skip-constant")
			o.FTD = &f
		case "htd":
			h := distill.DefaultHTD()
			h.Lambda, h.Alpha, h.Groups, h.Hidden, h.Prune = lambda, v.float("alpha"), v.int("groups"), v.int("hidden"), v.float("prune")
			if v.str("group") == "pp" {
				h.Group = distill.GroupPP
			}
			if h.Tau, err = tauOf(v); err != nil {
				return nil, err
			}
			o.HTD = &h
		}
		return one(LatentTerm(v.method, teacher, student, o, env.Seed))
	case "rd":
		st, err := pairStudent(env, v.method)
		if err != nil {
			return nil, err
		}
		n := v.int("n")
		if v.int("k") > n {
			return nil, v.outOfRange("k", fmt.Sprintf("an integer in [1, n=%d]", n))
		}
		lists, err := listsOf(env, v, n, false)
		if err != nil {
			return nil, err
		}
		if mn := lists.Users.MinLen(); v.int("k") > mn {
			return nil, v.outOfRange("k", fmt.Sprintf("an integer in [1, %d] (the shortest teacher list)", mn))
		}
		return one(distill.RD(lists, st, distill.RDOptions{K: v.int("k"), PosTemp: v.float("pos-temp"), Mu: v.float("mu"),
			DynamicSamples: v.int("samples"), DynamicStart: v.int("dynamic-start"), Static: v.bool("static"), Lambda: lambda}))
	case "cd":
		st, err := pairStudent(env, v.method)
		if err != nil {
			return nil, err
		}
		n := v.int("n")
		lists, err := listsOf(env, v, n, false)
		if err != nil {
			return nil, err
		}
		pool := v.int("pool")
		if pool == 0 {
			pool = min(500, n)
		}
		if pool > n {
			return nil, v.outOfRange("pool", fmt.Sprintf("an integer in [0, n=%d]", n))
		}
		if k := v.int("k"); k > min(pool, lists.Users.MinLen()) {
			return nil, v.outOfRange("k", fmt.Sprintf("an integer in [1, %d] (the pool and the shortest teacher list)", min(pool, lists.Users.MinLen())))
		}
		return one(distill.CD(lists, env.Teacher, st, distill.CDOptions{K: v.int("k"), T: v.float("t"), Pool: pool,
			Temp: v.float("temp"), Shift: v.float("shift"), Lambda: lambda}))
	case "rrd", "ir-rrd", "de-rrd":
		st, err := pairStudent(env, v.method)
		if err != nil {
			return nil, err
		}
		n := v.int("n")
		prefixes := []string{""}
		if v.method == "ir-rrd" {
			prefixes = append(prefixes, "item-")
		}
		for _, p := range prefixes { // what needs no lists, before building them
			if err := rrdPrecheck(v, p, n); err != nil {
				return nil, err
			}
		}
		lists, err := listsOf(env, v, n, v.method == "ir-rrd")
		if err != nil {
			return nil, err
		}
		rl := lambda
		if v.method == "de-rrd" {
			rl = v.float("rrd-lambda")
		}
		ro, err := rrdOptions(v, "", rl, n, lists.Users, userRows(lists))
		if err != nil {
			return nil, err
		}
		switch v.method {
		case "rrd":
			return one(distill.RRD(lists, st, ro))
		case "ir-rrd":
			io, err := rrdOptions(v, "item-", v.float("item-lambda"), n, lists.Items, itemRows(lists))
			if err != nil {
				return nil, err
			}
			return one(distill.IRRRD(lists, st, distill.IRRRDOptions{User: ro, Item: io}))
		}
		teacher, _, err := latentPair(env, v.method)
		if err != nil {
			return nil, err
		}
		rs, ok := env.Student.(distill.RepPairScorer)
		if !ok {
			return nil, kdModelError(v.method, "student", "trainable representations and pair scores", env.Student)
		}
		d := distill.DefaultDE()
		d.Lambda, d.Experts, d.Hidden, d.Seed = lambda, v.int("experts"), v.int("hidden"), env.Seed
		ts, err := distill.DERRD(teacher, lists, rs, d, ro)
		return ts, kdWrap(v.method, err)
	case "cl-drd":
		st, err := pairStudent(env, v.method)
		if err != nil {
			return nil, err
		}
		n, list, hard, semi := v.int("n"), v.int("list"), v.int("hard-depth"), v.int("semi-depth")
		if hard < list {
			return nil, v.outOfRange("hard-depth", fmt.Sprintf("an integer >= list=%d", list))
		}
		if semi > n || semi <= hard {
			return nil, v.outOfRange("semi-depth", fmt.Sprintf("an integer in (hard-depth=%d, n=%d]", hard, n))
		}
		lists, err := listsOf(env, v, n, false)
		if err != nil {
			return nil, err
		}
		return one(distill.CLDRD(lists, st, distill.CLDRDOptions{Stages: distill.CLDRDStages(list), HardDepth: hard, SemiDepth: semi, Lambda: lambda}))
	case "dcd":
		st, ok := env.Student.(distill.ScoringStudent)
		if !ok {
			return nil, kdModelError(v.method, "student", "pair scores with gradients (model.PairScorer)", env.Student)
		}
		n := v.int("n")
		for _, p := range []string{"pool", "item-pool"} {
			if v.int(p) > n {
				return nil, v.outOfRange(p, fmt.Sprintf("an integer in [1, n=%d]", n))
			}
		}
		if v.int("k") > v.int("pool") || v.int("l") > v.int("pool") {
			name := "k"
			if v.int("k") <= v.int("pool") {
				name = "l"
			}
			return nil, v.outOfRange(name, fmt.Sprintf("an integer in [1, pool=%d]", v.int("pool")))
		}
		if v.int("item-k") > v.int("item-pool") || v.int("item-l") > v.int("item-pool") {
			name := "item-k"
			if v.int("item-k") <= v.int("item-pool") {
				name = "item-l"
			}
			return nil, v.outOfRange(name, fmt.Sprintf("an integer in [1, item-pool=%d]", v.int("item-pool")))
		}
		if d := v.int("depth"); d != 0 && d < max(v.int("pool"), v.int("item-pool")) {
			return nil, v.outOfRange("depth", fmt.Sprintf("0 or an integer >= %d (the larger pool)", max(v.int("pool"), v.int("item-pool"))))
		}
		lists, err := listsOf(env, v, n, true)
		if err != nil {
			return nil, err
		}
		if mn := lists.Users.MinLen(); v.int("pool") > mn {
			return nil, v.outOfRange("pool", fmt.Sprintf("an integer in [1, %d] (the shortest teacher list)", mn))
		}
		if mn := lists.Items.MinLen(); v.int("item-pool") > mn {
			return nil, v.outOfRange("item-pool", fmt.Sprintf("an integer in [1, %d] (the shortest item list)", mn))
		}
		return one(distill.DCD(lists, st, distill.DCDOptions{Pool: v.int("pool"), ItemPool: v.int("item-pool"), K: v.int("k"), L: v.int("l"),
			ItemK: v.int("item-k"), ItemL: v.int("item-l"), T: v.float("t"), Depth: v.int("depth"), Lambda: lambda, ItemLambda: v.float("item-lambda")}))
	case "hetcomp":
		if env.Ensemble == nil {
			return nil, fmt.Errorf("kd hetcomp distils an ensemble of teachers' trajectories: give the run a list of teachers (spec field teachers)")
		}
		st, ok := env.Student.(*model.BPR)
		if !ok {
			return nil, kdModelError(v.method, "student", "a BPR matrix factorisation (the student of HetComp's reference)", env.Student)
		}
		return one(distill.HetComp(env.Ensemble, st, hetcompTermOptions(v)))
	}
	return nil, fmt.Errorf("kd %s: not a method KDTerms builds on its own", v.method)
}

// buildIRRRD builds the IR-RRD term of a spec's rrd + ir pair.
func buildIRRRD(env KDEnv, rrd, ir kdValues) (train.Term, error) {
	st, err := pairStudent(env, "ir")
	if err != nil {
		return nil, err
	}
	n := rrd.int("n")
	lists, err := listsOf(env, rrd, n, true)
	if err != nil {
		return nil, err
	}
	uo, err := rrdOptions(rrd, "", rrd.float("lambda"), n, lists.Users, userRows(lists))
	if err != nil {
		return nil, err
	}
	io, err := rrdOptions(ir, "", ir.float("lambda"), n, lists.Items, itemRows(lists))
	if err != nil {
		return nil, err
	}
	t, err := distill.IRRRD(lists, st, distill.IRRRDOptions{User: uo, Item: io})
	return t, kdWrap("ir", err)
}

// userRows and itemRows count the training entries of a row of the user-
// and item-side lists.
func userRows(l *distill.TeacherLists) func(int) int {
	return func(r int) int { return len(l.Train.Items(r)) }
}

func itemRows(l *distill.TeacherLists) func(int) int {
	return func(r int) int { return len(l.Train.Users(r)) }
}

// hetcompTermOptions converts checked hetcomp options; λ scales both
// phases' weights.
func hetcompTermOptions(v kdValues) distill.HetCompOptions {
	l := v.float("lambda")
	return distill.HetCompOptions{K: v.int("k"), ObservedK: v.int("observed-k"), LongK: v.int("long-k"), ShortK: v.int("short-k"),
		Lambda1: l * v.float("lambda1"), Lambda2: l * v.float("lambda2"), Clamp: v.float("clamp"), Period: v.int("period"),
		Start: v.int("start"), Alpha: v.float("alpha"), Decay: v.float("decay"), DistK: v.int("dist-k")}
}

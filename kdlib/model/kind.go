package model

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/train"
)

// The registry of model kinds. Every model of the zoo registers itself in
// an init function of its own file, the way image/png registers its format:
//
//	func init() {
//		RegisterKind(Kind{Name: "bpr", Doc: …, Options: …, Build: …, Decode: …})
//	}
//
// Build, the checkpoints (Load, Decode), the REPL's train command (its
// options, help and completion), the experiment specs' validation,
// HetComp's teachers and the figures' styles (Kind.Figure, read by
// kdlib/report) all read it, so adding a model is writing one file.

// OptionType is the type of a model option's value.
type OptionType int

const (
	// OptionInt is an integer.
	OptionInt OptionType = iota
	// OptionFloat is a real number.
	OptionFloat
)

// Option describes one hyper-parameter of a model kind: its name, type,
// default and valid range, declared once next to the model and read by
// every front-end.
type Option struct {
	// Name is the key, e.g. "dim" (written dim=64 on the REPL's train line
	// and in a spec's params).
	Name string
	// Type is OptionInt or OptionFloat.
	Type OptionType
	// Default is the value used when the option is not given.
	Default float64
	// Min and Max bound the value (inclusive; math.Inf for a one-sided
	// bound).
	Min, Max float64
	// ExclusiveMin excludes Min itself: "a number in (0, 10]".
	ExclusiveMin bool
	// Size marks the option that sets the model's size (the embedding or
	// code size), which a spec's dim and HetComp's teacher dimension fill.
	// A kind has at most one.
	Size bool
	// Doc is a one-line description.
	Doc string
}

// IntOption returns an integer option with default def, valid in [lo, hi].
func IntOption(name string, def, lo, hi int, doc string) Option {
	return Option{Name: name, Type: OptionInt, Default: float64(def), Min: float64(lo), Max: float64(hi), Doc: doc}
}

// SizeOption returns the size option of a kind (see Option.Size): an
// integer in [1, 4096] with default def.
func SizeOption(name string, def int, doc string) Option {
	o := IntOption(name, def, 1, 4096, doc)
	o.Size = true
	return o
}

// FloatOption returns a number option with default def, valid in [lo, hi].
func FloatOption(name string, def, lo, hi float64, doc string) Option {
	return Option{Name: name, Type: OptionFloat, Default: def, Min: lo, Max: hi, Doc: doc}
}

// PositiveOption returns a number option with default def, valid in (0, hi].
func PositiveOption(name string, def, hi float64, doc string) Option {
	o := FloatOption(name, def, 0, hi, doc)
	o.ExclusiveMin = true
	return o
}

// Expect describes the valid values: "an integer in [1, 4096]", "a number
// in (0, 10]".
func (o Option) Expect() string {
	what, format := "a number", func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	if o.Type == OptionInt {
		what, format = "an integer", func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	}
	left := "["
	if o.ExclusiveMin {
		left = "("
	}
	switch {
	case math.IsInf(o.Min, -1) && math.IsInf(o.Max, 1):
		return what
	case math.IsInf(o.Max, 1) && o.ExclusiveMin:
		return what + " > " + format(o.Min)
	case math.IsInf(o.Max, 1):
		return what + " >= " + format(o.Min)
	case math.IsInf(o.Min, -1):
		return what + " <= " + format(o.Max)
	}
	return fmt.Sprintf("%s in %s%s, %s]", what, left, format(o.Min), format(o.Max))
}

// Check reports whether v is a valid value of the option.
func (o Option) Check(v float64) error {
	if o.Type == OptionInt && v != math.Trunc(v) {
		return fmt.Errorf("option %s=%v is not an integer: want %s", o.Name, v, o.Expect())
	}
	if math.IsNaN(v) || v < o.Min || v > o.Max || (o.ExclusiveMin && v == o.Min) {
		return fmt.Errorf("option %s=%v is out of range: want %s", o.Name, v, o.Expect())
	}
	return nil
}

// Values holds option values by name. The getters panic on a name without
// a value: Build gives a kind's Build function every declared option.
type Values map[string]float64

func (v Values) get(name string) float64 {
	x, ok := v[name]
	if !ok {
		panic(fmt.Sprintf("model: option %q has no value (not declared by the kind)", name))
	}
	return x
}

// Int returns an integer option.
func (v Values) Int(name string) int { return int(v.get(name)) }

// Float returns a number option.
func (v Values) Float(name string) float64 { return v.get(name) }

// Kind describes a model kind of the zoo: its name, its options and how to
// build it and decode its checkpoints. Each model's file registers its
// kind with RegisterKind.
type Kind struct {
	// Name is the kind's name ("bpr"), which the model's Kind method
	// returns and checkpoints record.
	Name string
	// Shapes sizes the model's tensors from a checkpoint's configuration
	// alone (see ShapeFunc), so that Decode refuses a configuration altered
	// to ask for huge tensors before allocating them. Every kind whose
	// model allocates from its configuration needs it.
	Shapes ShapeFunc
	// Aliases are other accepted spellings ("item-ae" for "iae").
	Aliases []string
	// Doc is a one-line description (model, loss, reference).
	Doc string
	// Options are the kind's hyper-parameters, in the order help lists
	// them.
	Options []Option
	// Family is the model family in HetComp's list of heterogeneous
	// teachers ("MF", "ML", "DL", "GNN", "AE", "I-AE"); "" if the kind is
	// not one of them.
	Family string
	// Student says that the model can be a distillation student: it
	// implements Representer (latent methods) and PairScorer (ranking
	// methods).
	Student bool
	// NoTraining says that Build returns the model ready, computed from
	// the training data, with nothing to train (Pop): its Loss is nil and
	// it must not be passed to train.Fit.
	NoTraining bool
	// Train returns the kind's reference training settings (optimiser,
	// batch, examples); nil means train.Defaults with pairwise examples.
	Train func() train.Config
	// Build constructs an untrained model. It receives every option in
	// c.Options (defaults filled in, ranges checked) and the training data
	// x (nil is allowed for kinds that do not read it). It leaves
	// Built.Train to model.Build, which fills it from TrainDefaults.
	Build func(c BuildConfig, x *data.Interactions) (*Built, error)
	// Decode constructs an untrained model from the JSON of its Config
	// method, for Load to fill in the tensors.
	Decode func(config json.RawMessage) (Checkpointable, error)
	// Figure is how figures draw the kind: legend name ("BPR-MF"), short
	// name before a role word ("BPR teacher"), further spellings, groups,
	// colour, marker and dashes, as plain strings (kdlib/report turns them
	// into its colours and glyphs; the kind's Aliases select it too). The
	// zero value declares none: report's fallback style and the kind's
	// Name are used.
	Figure figstyle.Style
}

// SizeOption returns the name of the kind's size option (see Option.Size),
// or "" if it has none.
func (k *Kind) SizeOption() string {
	for _, o := range k.Options {
		if o.Size {
			return o.Name
		}
	}
	return ""
}

// TrainDefaults returns the kind's reference training settings: k.Train()
// or, without it, train.Defaults.
func (k *Kind) TrainDefaults() train.Config {
	if k.Train != nil {
		return k.Train()
	}
	return train.Defaults()
}

// OptionNames returns the names of the kind's options, in declaration
// order.
func (k *Kind) OptionNames() []string {
	out := make([]string, len(k.Options))
	for j, o := range k.Options {
		out[j] = o.Name
	}
	return out
}

// Resolve returns the values of all the kind's options: those of given,
// checked against their ranges, and the defaults of the others. An option
// the kind does not declare is an error listing the known ones.
func (k *Kind) Resolve(given Values) (Values, error) {
	for _, name := range slices.Sorted(maps.Keys(given)) {
		if !slices.ContainsFunc(k.Options, func(o Option) bool { return o.Name == name }) {
			if len(k.Options) == 0 {
				return nil, fmt.Errorf("%s: unknown option %q (this kind takes no options)", k.Name, name)
			}
			return nil, fmt.Errorf("%s: unknown option %q (known: %s)", k.Name, name, strings.Join(k.OptionNames(), ", "))
		}
	}
	out := make(Values, len(k.Options))
	for _, o := range k.Options {
		v, ok := given[o.Name]
		if !ok {
			v = o.Default
		}
		if err := o.Check(v); err != nil {
			return nil, fmt.Errorf("%s: %w", k.Name, err)
		}
		out[o.Name] = v
	}
	return out, nil
}

var (
	kindsMu sync.RWMutex
	kinds   = map[string]*Kind{} // by name and by alias
)

// RegisterKind adds a model kind to the registry. It panics (at init) on an
// empty, duplicate or malformed entry: a name or alias already taken, no
// Build or Decode function, duplicate option names, an option whose
// default is out of its range, or more than one size option.
func RegisterKind(k Kind) {
	bad := func(format string, a ...any) {
		panic(fmt.Sprintf("model: kind %q: ", k.Name) + fmt.Sprintf(format, a...))
	}
	if k.Name == "" || k.Build == nil || k.Decode == nil {
		bad("need a name, Build and Decode")
	}
	seen, sizes := map[string]bool{}, 0
	for _, o := range k.Options {
		if o.Name == "" || seen[o.Name] {
			bad("option %q is empty or declared twice", o.Name)
		}
		seen[o.Name] = true
		if err := o.Check(o.Default); err != nil {
			bad("default %v", err)
		}
		if o.Size {
			sizes++
		}
	}
	if sizes > 1 {
		bad("%d size options, want at most one", sizes)
	}
	if err := k.Figure.Check(); err != nil {
		bad("%v", err)
	}
	k.Figure.Aliases, k.Figure.Groups = slices.Clone(k.Figure.Aliases), slices.Clone(k.Figure.Groups)
	k.Aliases, k.Options = slices.Clone(k.Aliases), slices.Clone(k.Options)
	kindsMu.Lock()
	defer kindsMu.Unlock()
	names := append([]string{k.Name}, k.Aliases...)
	for _, name := range names {
		if _, dup := kinds[name]; dup || name == "" {
			bad("name %q is empty or registered twice", name)
		}
	}
	for _, name := range names {
		kinds[name] = &k
	}
}

// LookupKind returns the registered kind of a name or alias (a copy whose
// slices must not be modified); an unknown name is an error listing the
// known kinds.
func LookupKind(name string) (Kind, error) {
	kindsMu.RLock()
	k, ok := kinds[name]
	kindsMu.RUnlock()
	if !ok {
		return Kind{}, fmt.Errorf("model: unknown kind %q (want one of %s)", name, strings.Join(Kinds(), ", "))
	}
	return *k, nil
}

// Kinds returns the names of the registered kinds (aliases excluded),
// sorted.
func Kinds() []string {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	var out []string
	for name, k := range kinds {
		if name == k.Name {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// CanonicalKind returns the name of the kind registered under name or
// alias ("item-ae" gives "iae"); unknown names are returned unchanged.
func CanonicalKind(name string) string {
	if k, err := LookupKind(name); err == nil {
		return k.Name
	}
	return name
}

// decodeJSON is the Decode function of a kind whose checkpoint
// configuration is the JSON of a config struct C built by newModel.
func decodeJSON[C any, M Checkpointable](newModel func(C) (M, error)) func(json.RawMessage) (Checkpointable, error) {
	return func(raw json.RawMessage) (Checkpointable, error) {
		var c C
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, err
		}
		m, err := newModel(c)
		if err != nil {
			return nil, err
		}
		return m, nil
	}
}

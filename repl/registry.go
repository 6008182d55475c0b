package repl

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// Recommender is what the shell trains, evaluates and distils: a model
// that scores (model.Scorer) and has parameters (train.Model).
type Recommender interface {
	model.Scorer
	train.Model
}

// ModelSpec is the shell's view of a model kind of kdlib/model's registry:
// `train <name> <kind>`. The kind's builder is the registry's; a train line
// becomes an exp.RunSpec that exp.Execute trains like any other run.
type ModelSpec struct {
	// Doc is a one-line description, shown by `list models` and `help train`.
	Doc string
	// Options are the kind's hyper-parameters (dim, …), written key=value
	// after the kind on the train line.
	Options []Option
}

// MethodSpec is the shell's view of a distillation method of kdlib/distill's
// registry: `train <student> <kind> kd=<method>,…`.
type MethodSpec struct {
	// Doc is a one-line description (paper and what is distilled).
	Doc string
	// Options are the method's options, written <option>.<method>=value on
	// the train line (lambda.de=0.01), lambda (its loss weight) first.
	Options []Option
}

// SplitEnv is what a split method may use.
type SplitEnv struct {
	// Dataset is the workspace name of the data set and Source its
	// registry name in package datasets ("" when it did not come from there).
	Dataset, Source string
	// X is the data set.
	X *data.Interactions
	// Seed drives the random parts of the split.
	Seed uint64
	// Path resolves a path written on the command line (relative to the
	// shell's directory).
	Path func(string) string
}

// SplitSpec is a registry entry for a split method: `split <method>`.
type SplitSpec struct {
	// Doc is a one-line description.
	Doc string
	// Options are the method's options.
	Options []Option
	// NoData says the method reads its own files and needs no loaded data
	// set (SplitEnv.X is then nil unless one is loaded).
	NoData bool
	// New makes the split.
	New func(env SplitEnv, opts Values) (*data.Split, error)

	// expSpec, set by the built-in methods only, returns the exp split
	// kind that makes the same split from the same data set, options and
	// seed, or nil when the options have none (then train provides the
	// split by content).
	expSpec func(opts Values, seed uint64) *exp.SplitSpec
}

// Registry holds the split methods of the shell and gives the shell's
// view of the library's registries: the model kinds of kdlib/model
// (model.RegisterKind) and the distillation methods of kdlib/distill
// (distill.Register), read when they are asked for, so a kind or a method
// registered by any package is on the train line. Split methods are the
// shell's own: a split made by one reaches exp as a provided split. Default
// holds the built-in split methods; tests clone it to add their own.
type Registry struct {
	splits map[string]SplitSpec
	// noDistill leaves distill's methods out (NewRegistry: an empty
	// registry; Default and its clones read them).
	noDistill bool
	// onlyMethods, if set, restricts the methods to these (tests).
	onlyMethods []string
}

// NewRegistry returns a registry without split methods and without
// distillation methods (its model kinds are still kdlib/model's).
func NewRegistry() *Registry {
	return &Registry{splits: map[string]SplitSpec{}, noDistill: true}
}

// Default is the registry of the built-in split methods (splits.go), with
// the library's model kinds (models.go) and distillation methods
// (methods.go).
var Default = &Registry{splits: map[string]SplitSpec{}}

// Clone returns a copy of r that can be extended without changing r.
func (r *Registry) Clone() *Registry {
	return &Registry{splits: maps.Clone(r.splits), noDistill: r.noDistill, onlyMethods: slices.Clone(r.onlyMethods)}
}

// checkName panics on an empty or badly formed registry name.
func checkName(what, name string) {
	if name == "" || strings.ContainsAny(name, "=.,; \t#'\"") {
		panic(fmt.Sprintf("repl: bad %s name %q", what, name))
	}
}

// RegisterSplit adds a split method: `split <name>` then calls s.New with
// the current data set (SplitEnv.X; nil with NoData when none is loaded),
// the seed (seed=, default the session's) and the method's own options
// (s.Options, parsed, checked and completed by the shell), and stores the
// *data.Split it returns. The common options of, as and seed are the
// shell's: s.Options must not declare them. A split that samples
// candidates (data.SampleCandidates) serves protocol=loo only if it also
// holds out exactly one validation and one test item per user
// (data.Split.CheckLeaveOneOut); train and eval check it. Register on a
// copy of Default (Default.Clone) given to New in Config.Registry, or on
// Default before a shell starts. It panics on a duplicate or malformed
// entry, so mistakes show at start-up. See ExampleRegistry_RegisterSplit.
func (r *Registry) RegisterSplit(name string, s SplitSpec) {
	checkName("split method", name)
	if _, dup := r.splits[name]; dup {
		panic("repl: split method registered twice: " + name)
	}
	if s.New == nil {
		panic("repl: split method " + name + " has no constructor")
	}
	checkSchema("split "+name, s.Options)
	for _, o := range s.Options {
		if slices.ContainsFunc(splitCommonOptions(nil), func(t Option) bool { return t.Name == o.Name }) {
			panic(fmt.Sprintf("repl: split method %s: option %s clashes with a split option", name, o.Name))
		}
	}
	r.splits[name] = s
}

// Models returns the model kinds a shell trains, sorted: the kinds of
// kdlib/model's registry that have something to train.
func (r *Registry) Models() []string { return slices.Sorted(maps.Keys(shellModels())) }

// Methods returns the distillation methods, sorted: those of distill's
// registry that a shell trains (see methods.go).
func (r *Registry) Methods() []string { return slices.Sorted(maps.Keys(r.allMethods())) }

// allMethods returns the shell's methods by name.
func (r *Registry) allMethods() map[string]MethodSpec {
	if r.noDistill {
		return map[string]MethodSpec{}
	}
	all := shellMethods()
	if r.onlyMethods != nil {
		maps.DeleteFunc(all, func(name string, _ MethodSpec) bool { return !slices.Contains(r.onlyMethods, name) })
	}
	return all
}

// Splits returns the registered split methods, sorted.
func (r *Registry) Splits() []string { return slices.Sorted(maps.Keys(r.splits)) }

// Model returns the entry of a model kind; an unknown kind gives an error
// naming the nearest kinds.
func (r *Registry) Model(kind string) (ModelSpec, error) {
	s, ok := shellModels()[kind]
	if !ok {
		return s, unknownName("model kind", kind, r.Models())
	}
	return s, nil
}

// Method returns the entry of a distillation method. While none is
// registered the error says so.
func (r *Registry) Method(name string) (MethodSpec, error) {
	all := r.allMethods()
	s, ok := all[name]
	if !ok {
		if len(all) == 0 {
			return s, errNoMethods(name)
		}
		return s, unknownName("distillation method", name, r.Methods())
	}
	return s, nil
}

// Split returns the entry of a split method.
func (r *Registry) Split(name string) (SplitSpec, error) {
	s, ok := r.splits[name]
	if !ok {
		return s, unknownName("split method", name, r.Splits())
	}
	return s, nil
}

// errNoMethods is the error for any use of distillation while the method
// registry is empty.
func errNoMethods(what string) error {
	return fmt.Errorf("no distillation methods are available yet: %s cannot be used until kdlib/distill provides "+
		"methods and they are registered in repl/methods.go; train without kd= for now", what)
}

// registerSplit adds a built-in split method to Default.
func registerSplit(name string, s SplitSpec) { Default.RegisterSplit(name, s) }

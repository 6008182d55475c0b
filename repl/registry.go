package repl

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// Recommender is what the shell trains, evaluates and distils: a model
// that scores (model.Scorer) and has parameters (train.Model).
type Recommender interface {
	model.Scorer
	train.Model
}

// ModelEnv is what a model constructor may use: the index spaces, the
// training data (LightGCN builds its graph from it) and the seed.
type ModelEnv struct {
	// Users and Items give the index spaces of the split.
	Users, Items int
	// Train holds the training interactions.
	Train *data.Interactions
	// Seed drives the initialisation.
	Seed uint64
}

// ModelBuild is a freshly built model with what the trainer needs.
type ModelBuild struct {
	// Model is the untrained model.
	Model Recommender
	// Loss holds the model's base loss terms (for BPR: its BPR loss).
	Loss []train.Term
	// Examples selects pairwise triples (the default) or user batches
	// (autoencoders).
	Examples train.Examples
}

// ModelSpec is a registry entry for a model kind: `train <name> <kind>`.
type ModelSpec struct {
	// Doc is a one-line description, shown by `list models` and `help train`.
	Doc string
	// Options are the kind's hyper-parameters (dim, …), written key=value
	// after the kind on the train line.
	Options []Option
	// New builds an untrained model from the options.
	New func(env ModelEnv, opts Values) (*ModelBuild, error)
}

// MethodEnv is what a distillation method's constructor may use.
type MethodEnv struct {
	// Teacher is the trained teacher (type-assert to model.Embedder,
	// model.Representer, … for what the method needs).
	Teacher Recommender
	// Student is the model being trained.
	Student Recommender
	// Split is the split the student trains on.
	Split *data.Split
	// Seed is the training seed.
	Seed uint64
	// Lists returns the teacher's ranking lists over the split's training
	// data: the top n unobserved items per user (and the top n users per
	// item when itemSide), built once per teacher, data and n and kept with
	// the teacher in the workspace. Ranking methods call it.
	Lists func(n int, itemSide bool) (*distill.TeacherLists, error)
}

// MethodSpec is a registry entry for a knowledge-distillation method:
// `train <student> <kind> kd=<method>,…`.
type MethodSpec struct {
	// Doc is a one-line description (paper and what is distilled).
	Doc string
	// Options are the method's own options, written <option>.<method>=value
	// on the train line (lambda.de=0.01). Declare the loss weight as
	// "lambda" with the method's default.
	Options []Option
	// New builds the method's loss term for one training run. A method made
	// of several terms (de-rrd) returns them as one train.TermGroup; the trainer
	// gets its members.
	New func(env MethodEnv, opts Values) (train.Term, error)
	// Note, if set, says how a run capped at epochs epochs departs from
	// the method's own schedule ("" when it does not); train prints it
	// before training (distill.Method.Note: DE's and HTD's temperatures).
	Note func(opts Values, epochs int) string
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
}

// Registry maps names to model kinds, distillation methods and split
// methods. Default holds the built-in entries; tests clone it to add their
// own.
type Registry struct {
	models  map[string]ModelSpec
	methods map[string]MethodSpec
	splits  map[string]SplitSpec
	// noDistill leaves distill's methods out (NewRegistry: an empty
	// registry; Default and its clones read them).
	noDistill bool
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{models: map[string]ModelSpec{}, methods: map[string]MethodSpec{}, splits: map[string]SplitSpec{}, noDistill: true}
}

// Default is the registry of the built-in model kinds, distillation
// methods and split methods (see models.go, methods.go and splits.go).
var Default = &Registry{models: map[string]ModelSpec{}, methods: map[string]MethodSpec{}, splits: map[string]SplitSpec{}}

// Clone returns a copy of r that can be extended without changing r.
func (r *Registry) Clone() *Registry {
	return &Registry{models: maps.Clone(r.models), methods: maps.Clone(r.methods), splits: maps.Clone(r.splits), noDistill: r.noDistill}
}

// checkName panics on an empty or badly formed registry name.
func checkName(what, name string) {
	if name == "" || strings.ContainsAny(name, "=.,; \t#'\"") {
		panic(fmt.Sprintf("repl: bad %s name %q", what, name))
	}
}

// RegisterModel adds a model kind. It panics (at start-up) on a duplicate
// or malformed entry.
func (r *Registry) RegisterModel(kind string, s ModelSpec) {
	checkName("model kind", kind)
	if _, dup := r.models[kind]; dup {
		panic("repl: model kind registered twice: " + kind)
	}
	if s.New == nil {
		panic("repl: model kind " + kind + " has no constructor")
	}
	checkSchema("model "+kind, s.Options)
	for _, o := range s.Options {
		if slices.ContainsFunc(trainOptions(nil), func(t Option) bool { return t.Name == o.Name }) {
			panic(fmt.Sprintf("repl: model kind %s: option %s clashes with a train option", kind, o.Name))
		}
	}
	r.models[kind] = s
}

// RegisterMethod adds a distillation method. It panics (at start-up) on a
// duplicate or malformed entry.
func (r *Registry) RegisterMethod(name string, s MethodSpec) {
	checkName("distillation method", name)
	if _, dup := r.methods[name]; dup {
		panic("repl: distillation method registered twice: " + name)
	}
	if s.New == nil {
		panic("repl: distillation method " + name + " has no constructor")
	}
	checkSchema("method "+name, s.Options)
	r.methods[name] = s
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

// Models returns the registered model kinds, sorted.
func (r *Registry) Models() []string { return slices.Sorted(maps.Keys(r.models)) }

// Methods returns the distillation methods, sorted: those of distill's
// registry that a shell trains and those registered here (RegisterMethod,
// which take precedence).
func (r *Registry) Methods() []string { return slices.Sorted(maps.Keys(r.allMethods())) }

// allMethods merges distill's methods with those registered here.
func (r *Registry) allMethods() map[string]MethodSpec {
	if r.noDistill {
		return r.methods
	}
	all := shellMethods()
	maps.Copy(all, r.methods)
	return all
}

// Splits returns the registered split methods, sorted.
func (r *Registry) Splits() []string { return slices.Sorted(maps.Keys(r.splits)) }

// Model returns the entry of a model kind; an unknown kind gives an error
// naming the nearest kinds.
func (r *Registry) Model(kind string) (ModelSpec, error) {
	s, ok := r.models[kind]
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

// registerModel adds a built-in model kind to Default.
func registerModel(kind string, s ModelSpec) { Default.RegisterModel(kind, s) }

// registerSplit adds a built-in split method to Default.
func registerSplit(name string, s SplitSpec) { Default.RegisterSplit(name, s) }

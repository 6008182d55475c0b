package repl

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/train"
)

// DatasetEntry is a data set in the workspace.
type DatasetEntry struct {
	// Name is the workspace name.
	Name string
	// Source is the registry name in package datasets ("" otherwise).
	Source string
	// Files describes the files of a data set loaded by path (load
	// path=…), nil otherwise.
	Files *datasets.Files
	// X holds the interactions.
	X *data.Interactions

	dir     string // the dir= a registered data set was read from ("": the default)
	altered string // the options that changed a registered data set as it was read (raw=, min-rating=)

	// spec is the exp.DatasetSpec that loads exactly X (a registered data
	// set read as it is, by the registry's loader), nil when none does.
	spec *exp.DatasetSpec
}

// SplitEntry is a split in the workspace.
type SplitEntry struct {
	// Name is the workspace name; Method the split method.
	Name, Method string
	// Dataset is the workspace name of the data set it splits ("" for an
	// imported split).
	Dataset string
	// S is the split.
	S *data.Split

	gone string // "replaced" or "dropped" once the name no longer refers to it

	looChecked bool  // whether looErr holds S.CheckLeaveOneOut()
	looErr     error // why S cannot serve protocol=loo (nil: it can)

	// dataset and spec are the exp specs that make exactly S (a built-in
	// split method whose options a split kind expresses, of a data set with
	// a spec), nil when none do: train then provides S by content
	// (exp.SplitProvided).
	dataset *exp.DatasetSpec
	spec    *exp.SplitSpec
}

// Label is the split's name, marked when the name now refers to another
// split or to nothing (models keep the split they were trained on).
func (s *SplitEntry) Label() string {
	if s.gone != "" {
		return s.Name + " (" + s.gone + ")"
	}
	return s.Name
}

// ModelEntry is a model in the workspace, with its training history and
// evaluation results.
type ModelEntry struct {
	// Name is the workspace name; Kind the model kind ("bpr").
	Name, Kind string
	// Spec is the model's options as written ("dim=64 epochs=10").
	Spec string
	// M is the model.
	M Recommender
	// Split is the split the model was trained on (or was given when
	// loaded); evaluation uses it by default. It may be nil for a model
	// loaded without a split.
	Split *SplitEntry
	// Protocol is the evaluation protocol used during training ("" if none).
	Protocol string
	// KD lists the distillation methods it was trained with.
	KD []string
	// Teacher names the teacher it was distilled from ("" if none).
	Teacher string
	// Result is the training history; nil for a loaded model.
	Result *train.Result
	// Status says how the model got its parameters: "trained", "interrupted …",
	// "loaded from …".
	Status string
	// Meta is the metadata of a loaded checkpoint.
	Meta map[string]string
	// Record is the record of the run that trained the model (exp.Execute
	// of the train line's RunSpec: spec, hash, result); nil for a model
	// loaded, imported or stopped before its run finished.
	Record *exp.Record

	evals []*EvalEntry
}

// EvalEntry is one evaluation result of a model.
type EvalEntry struct {
	// Split is the evaluated split.
	Split *SplitEntry
	// Result holds the per-user metrics (Protocol and Part name the protocol
	// and the split part).
	Result *eval.Result
}

// Evals returns the model's evaluation results in the order they were made.
func (m *ModelEntry) Evals() []*EvalEntry { return m.evals }

// eval returns the stored result for split, protocol and part, or nil.
func (m *ModelEntry) eval(s *SplitEntry, protocol, part string) *eval.Result {
	for _, e := range m.evals {
		if e.Split == s && e.Result.Protocol == protocol && e.Result.Part == part {
			return e.Result
		}
	}
	return nil
}

// setEval stores a result, replacing one for the same split, protocol and part.
func (m *ModelEntry) setEval(s *SplitEntry, r *eval.Result) {
	for _, e := range m.evals {
		if e.Split == s && e.Result.Protocol == r.Protocol && e.Result.Part == r.Part {
			e.Result = r
			return
		}
	}
	m.evals = append(m.evals, &EvalEntry{Split: s, Result: r})
}

// Workspace holds the named objects of a session: data sets, splits and
// models, in one namespace, in the order they were made, plus the current
// data set and split that commands use by default.
type Workspace struct {
	objs  map[string]any
	order []string
	// Dataset and Split name the current data set and split ("" if none).
	Dataset, Split string
}

// NewWorkspace returns an empty workspace.
func NewWorkspace() *Workspace { return &Workspace{objs: map[string]any{}} }

// kindOf names the kind of a workspace object.
func kindOf(x any) string {
	switch x.(type) {
	case *DatasetEntry:
		return "data set"
	case *SplitEntry:
		return "split"
	case *ModelEntry:
		return "model"
	}
	return "object"
}

// reserved are words that cannot name objects, because show and completion
// use them.
var reserved = []string{"datasets", "splits", "models", "settings", "all"}

// checkObjectName reports a name that cannot be used for an object.
func checkObjectName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty name")
	case strings.ContainsAny(name, "=,;#'\" \t/\\"):
		return fmt.Errorf("name %q contains one of = , ; # ' \" / \\ or a blank; use letters, digits, '-', '_' and '.'", name)
	case slices.Contains(reserved, name):
		return fmt.Errorf("name %q is reserved (%s); pick another", name, strings.Join(reserved, ", "))
	}
	return nil
}

// put stores x under name. A name held by an object of another kind is an
// error; one of the same kind is replaced (replaced reports it).
func (w *Workspace) put(name string, x any) (replaced bool, err error) {
	if err := checkObjectName(name); err != nil {
		return false, err
	}
	if old, ok := w.objs[name]; ok {
		if kindOf(old) != kindOf(x) {
			return false, fmt.Errorf("%s is already a %s; pick another name (as=<name>) or drop %s first", name, kindOf(old), name)
		}
		if s, ok := old.(*SplitEntry); ok && s != x {
			s.gone = "replaced"
		}
		w.objs[name] = x
		return true, nil
	}
	w.objs[name] = x
	w.order = append(w.order, name)
	return false, nil
}

// canPut reports whether put(name, x) would succeed, without storing.
func (w *Workspace) canPut(name string, x any) error {
	if err := checkObjectName(name); err != nil {
		return err
	}
	if old, ok := w.objs[name]; ok && kindOf(old) != kindOf(x) {
		return fmt.Errorf("%s is already a %s; pick another name (as=<name>) or drop %s first", name, kindOf(old), name)
	}
	return nil
}

// Drop removes the named object.
func (w *Workspace) Drop(name string) error {
	x, ok := w.objs[name]
	if !ok {
		return unknownName("object", name, w.order)
	}
	if s, ok := x.(*SplitEntry); ok {
		s.gone = "dropped"
	}
	delete(w.objs, name)
	w.order = slices.DeleteFunc(w.order, func(n string) bool { return n == name })
	if w.Dataset == name {
		w.Dataset = ""
	}
	if w.Split == name {
		w.Split = ""
	}
	return nil
}

// Names returns the names of all objects, in order of creation.
func (w *Workspace) Names() []string { return slices.Clone(w.order) }

// Get returns the named object (a *DatasetEntry, *SplitEntry or *ModelEntry).
func (w *Workspace) Get(name string) (any, bool) {
	x, ok := w.objs[name]
	return x, ok
}

// names returns the names of the objects of type T, in order.
func names[T any](w *Workspace) []string {
	var out []string
	for _, n := range w.order {
		if _, ok := w.objs[n].(T); ok {
			out = append(out, n)
		}
	}
	return out
}

// DatasetNames returns the names of the data sets.
func (w *Workspace) DatasetNames() []string { return names[*DatasetEntry](w) }

// SplitNames returns the names of the splits.
func (w *Workspace) SplitNames() []string { return names[*SplitEntry](w) }

// ModelNames returns the names of the models.
func (w *Workspace) ModelNames() []string { return names[*ModelEntry](w) }

// lookup returns the object of type T called name, with an error naming
// the nearest objects of that kind.
func lookup[T any](w *Workspace, what, name string) (T, error) {
	x, ok := w.objs[name]
	if t, isT := x.(T); ok && isT {
		return t, nil
	}
	var zero T
	if ok {
		return zero, fmt.Errorf("%s is a %s, not a %s", name, kindOf(x), what)
	}
	return zero, unknownName(what, name, names[T](w))
}

// DatasetByName returns the named data set.
func (w *Workspace) DatasetByName(name string) (*DatasetEntry, error) {
	return lookup[*DatasetEntry](w, "data set", name)
}

// SplitByName returns the named split.
func (w *Workspace) SplitByName(name string) (*SplitEntry, error) {
	return lookup[*SplitEntry](w, "split", name)
}

// ModelByName returns the named model.
func (w *Workspace) ModelByName(name string) (*ModelEntry, error) {
	return lookup[*ModelEntry](w, "model", name)
}

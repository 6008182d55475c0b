package exp

// The built-in specs: one declarative JSON file per table and figure of
// the dissertation in specs/ (embedded), as torchdistill keeps one config
// per experiment. A file is a Spec as `kdsweep spec` prints it: the
// dissertation's setting as the base budget ("full"), a "quick" CI budget,
// the variants (table rows) and grids (figure axes). Adding a table is
// adding a file.

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
)

//go:embed specs/*.json
var builtinFiles embed.FS

// builtinOrder lists the built-in specs in the order of methods.md
// §4.2–4.4 (the order `kdsweep list` shows); every file of specs/ is in it
// (TestBuiltinFilesListed).
var builtinOrder = []string{
	"derrd-students", "derrd-table", "derrd-table-neumf", "derrd-curves", "derrd-size", "derrd-inference", "de-experts", "de-lambda", "de-tsne",
	"rrd-params", "irrrd-table", "irrrd-curves", "phr-table", "td-table", "td-table-neumf", "td-table-lightgcn",
	"td-curves", "td-student-size", "td-params", "hetcomp-table", "hetcomp-curves",
	"hetcomp-protocol", "hetcomp-protocol-ml1m", "hetcomp-protocol-lastfm",
}

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

// builtinRaw parses the file of a built-in spec, without a budget applied.
func builtinRaw(name string) (*Spec, error) {
	b, err := builtinFiles.ReadFile(path.Join("specs", name+".json"))
	if err != nil {
		return nil, fmt.Errorf("no built-in spec %q (known: %s)", name, strings.Join(builtinOrder, ", "))
	}
	s, err := ParseSpec(b)
	if err != nil {
		return nil, fmt.Errorf("built-in spec %s: %w", name, err)
	}
	if s.Name != name {
		return nil, fmt.Errorf("built-in spec file %s.json names itself %q", name, s.Name)
	}
	return s, nil
}

// Builtins lists the built-in specs, one per table and figure of the
// dissertation (methods.md §4.2–4.4), in the order of the document.
func Builtins() []BuiltinInfo {
	out := make([]BuiltinInfo, 0, len(builtinOrder))
	for _, name := range builtinOrder {
		s, err := builtinRaw(name)
		if err != nil {
			panic(err) // an embedded file that does not parse: caught by the tests
		}
		budgets := []string{"full"}
		for b := range s.Budgets {
			if b != "full" {
				budgets = append(budgets, b)
			}
		}
		slices.Sort(budgets[1:])
		out = append(out, BuiltinInfo{Name: name, Title: s.Title, Source: s.Source, Budgets: budgets})
	}
	return out
}

// BuiltinSpec returns the built-in spec called name with the named budget:
// "full" (or "") reproduces the dissertation's setting, "quick" is a CI
// budget (one epoch, one seed) that exercises the same pipeline in
// seconds to minutes.
func BuiltinSpec(name, budget string) (*Spec, error) {
	if !slices.Contains(builtinOrder, name) {
		return nil, fmt.Errorf("no built-in spec %q (known: %s)", name, strings.Join(builtinOrder, ", "))
	}
	s, err := builtinRaw(name)
	if err != nil {
		return nil, err
	}
	if budget == "full" {
		budget = ""
	}
	return s.WithBudget(budget)
}

// BuiltinJSON returns the file of a built-in spec as it is embedded.
func BuiltinJSON(name string) ([]byte, error) {
	b, err := builtinFiles.ReadFile(path.Join("specs", name+".json"))
	if err != nil {
		return nil, fmt.Errorf("no built-in spec %q", name)
	}
	return bytes.Clone(b), nil
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

package exp

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

// TestBuiltinFilesListed checks that every file of specs/ is a listed
// built-in spec and every listed spec has a file that parses.
func TestBuiltinFilesListed(t *testing.T) {
	files, err := fs.Glob(builtinFiles, "specs/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(strings.TrimPrefix(f, "specs/"), ".json"))
	}
	for _, n := range names {
		if !slices.Contains(builtinOrder, n) {
			t.Errorf("specs/%s.json is not in builtinOrder", n)
		}
	}
	for _, n := range builtinOrder {
		if !slices.Contains(names, n) {
			t.Errorf("built-in %s has no file", n)
		}
		if _, err := builtinRaw(n); err != nil {
			t.Error(err)
		}
	}
}

// builtinRunsDigest is the SHA-256 (first 8 bytes) of every built-in
// spec's runs at both budgets (name, budget, index, run id): the run ids
// are the keys of stored results, cached teachers and ledger records, so
// an edit of a spec file that changes them must be deliberate. Recorded
// when the built-in specs moved from Go builders to files (the ids were
// unchanged by the move), then when the HetComp specs' DCD rows took the
// reference weight λ = 0.01 of the DCD that follows KDs (no DCD run was
// recorded yet), then when the quick budgets of the specs the notebooks
// train at reduced scale (de-experts, phr-table, td-params, rrd-params,
// hetcomp-table) took a slice of the users (NamedBudget.Users; quick runs
// are never recorded, and the full budgets' ids did not change), then when
// hetcomp-table's quick budget grew to ten epochs (one DKC step) with
// two-epoch teachers.
const builtinRunsDigest = "d9a1834c8a3cdb7e"

// TestBuiltinRunIDsPinned guards the run ids of the built-in specs.
func TestBuiltinRunIDsPinned(t *testing.T) {
	h := sha256.New()
	for _, b := range Builtins() {
		for _, budget := range []string{"full", "quick"} {
			s, err := BuiltinSpec(b.Name, budget)
			if err != nil {
				t.Fatal(err)
			}
			runs, err := s.Expand()
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range runs {
				fmt.Fprintf(h, "%s %s %d %s\n", b.Name, budget, r.Index, r.ID)
			}
		}
	}
	if got := hex.EncodeToString(h.Sum(nil)[:8]); got != builtinRunsDigest {
		t.Errorf("the built-in specs' run ids changed (digest %s, pinned %s): stored results and ledger records of the old ids no longer match", got, builtinRunsDigest)
	}
}

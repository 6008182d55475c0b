package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/exp"
)

// The repository as the tests see it (they run in cmd/kdsweep).
const (
	repoRoot   = "../.."
	repoLedger = "../../results"
	repoClaims = "../../results/claims.json"
)

// TestDocsGenerated is the CI check of the results ledger: the claims file
// evaluates against the committed ledger, every generated block of README.md
// and docs/*.md is what the ledger produces, and no document states a
// result number by hand (regenerate with `go run ./cmd/kdsweep report`
// from the repository root).
func TestDocsGenerated(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"claims", "--ledger", repoLedger, "--claims", repoClaims}, &out, &errb); code != 0 {
		t.Fatalf("kdsweep claims: exit %d\n%s%s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := run([]string{"report", "--check", "--ledger", repoLedger, "--claims", repoClaims, "--root", repoRoot}, &out, &errb); code != 0 {
		t.Fatalf("kdsweep report --check: exit %d\n%s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "docs/reproduction.md: up to date") {
		t.Errorf("report --check did not cover docs/reproduction.md:\n%s", out.String())
	}
}

// TestDocsHaveNoHandTypedNumbers scans README.md and every docs/*.md for
// result-like numbers outside their generated blocks and the checked
// allowances (exp.HandNumbers, numberPolicy), and names each one.
func TestDocsHaveNoHandTypedNumbers(t *testing.T) {
	docs, err := reportDocs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) < 10 {
		t.Fatalf("reportDocs found %d documents: %v", len(docs), docs)
	}
	cs, err := exp.LoadClaims(repoClaims)
	if err != nil {
		t.Fatal(err)
	}
	found, _, err := scanDocs(repoRoot, docs, cs)
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range docs {
		for _, h := range found[doc] {
			t.Errorf("%s %s", strings.TrimPrefix(filepath.ToSlash(doc), "../../"), h)
		}
	}
}

// TestReportFailsOnPlantedNumbers plants hand-typed numbers in a copy of a
// repository and checks that report --check fails and names them, and that
// markers vouch only for what they may. The copy has an empty ledger and one
// value claim, so that the test reads no records.
func TestReportFailsOnPlantedNumbers(t *testing.T) {
	root := t.TempDir()
	ledger := filepath.Join(root, "results")
	if _, err := exp.OpenLedger(ledger); err != nil {
		t.Fatal(err)
	}
	claims := filepath.Join(ledger, "claims.json")
	os.WriteFile(claims, []byte(`[{"id": "log-de-hr5", "kind": "value", "value": 0.4773, "tol": 0.02, "text": "DE HR@5 matches the authors' log (.4773)",
		"source": "methods.md §4.2a", "sweep": "derrd-protocol", "row": "DE", "metric": "HR@5"}]`), 0o644)
	os.MkdirAll(filepath.Join(root, "docs"), 0o755)
	// A benchmark marker needs the package's benchmarks: borrow kdlib/train's.
	os.MkdirAll(filepath.Join(root, "kdlib", "train"), 0o755)
	bench, err := os.ReadFile(filepath.Join(repoRoot, "kdlib", "train", "bench_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "kdlib", "train", "bench_test.go"), bench, 0o644)
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "README.md"), readme, 0o644)

	clean := "# Clean\n\nλ = 0.01 and p < 0.05.\n\n<!-- ledger:claim log-de-hr5 -->\n<!-- /ledger -->\n\n" +
		"<!-- authors' numbers: methods.md §4.2a -->\nThe authors' DE log: .4773.\n\n" +
		"<!-- benchmark: go test ./kdlib/train -run XXX -bench BPREpoch; 2 cores, load 3 -->\n| epoch | 0.19 s |\n"
	args := []string{"--ledger", ledger, "--claims", claims, "--root", root}
	check := func(planted string) (int, string) {
		os.WriteFile(filepath.Join(root, "docs", "a.md"), []byte(clean+planted), 0o644)
		var out, errb bytes.Buffer
		run(append([]string{"report"}, args...), &out, &errb) // fill the block
		out.Reset()
		errb.Reset()
		code := run(append([]string{"report", "--check"}, args...), &out, &errb)
		return code, out.String() + errb.String()
	}
	if code, out := check(""); code != 0 || !strings.Contains(out, "docs/a.md: up to date") {
		t.Fatalf("the clean copy: exit %d\n%s", code, out)
	}
	for _, c := range []struct{ planted, want string }{
		{"\nDE lands at 0.4736 HR@5.\n", "docs/a.md:15: 0.4736 (decimal)"},
		{"\nFTD gains +0.03 to +0.06 Recall@50.\n", "docs/a.md:15: +0.03 (signed)"},
		{"\n| DE | 0.47 ± 0.0042 |\n", "docs/a.md:15: ± 0.0042 (spread)"},
		{"\nThe paired tests give p < 1e−8.\n", "docs/a.md:15: 1e−8 (p-value)"},
		{"\nHetComp gains +39 % over the student.\n", "docs/a.md:15: +39 % (percent)"},
		{"\n<!-- authors' numbers: DE.log -->\nTheirs .4773, ours 0.4690.\n", "docs/a.md:16: 0.4690 (decimal)"},
		{"\n<!-- benchmark: go test ./kdlib/train -run XXX -bench BPREpoch; 2 cores, load 3 -->\nHR@5 0.4736 in 0.19 s.\n", "docs/a.md:16: 0.4736 (decimal)"},
		{"\n<!-- benchmark: go test ./kdlib/train -bench NoSuch; load 3 -->\n0.19 s\n", "selects no benchmark"},
		{"\n<!-- benchmark: go test ./kdlib/nosuch -bench BPREpoch; load 3 -->\n0.19 s\n", "kdlib/nosuch has no test files"},
		{"\n<!-- benchmark: go test ./kdlib/train -bench BPREpoch; 2 idle cores -->\n0.19 s\n", "does not state the machine's load"},
		{"\n<!-- benchmark: make bench; load 3 -->\n0.19 s\n", "want <!-- benchmark: go test"},
	} {
		code, out := check(c.planted)
		if code == 0 || !strings.Contains(out, c.want) {
			t.Errorf("planted %q: exit %d, want a failure naming %q:\n%s", c.planted, code, c.want, out)
		}
	}
	// The README's quickstart table is checked by its own test; edited
	// outside the table, the README fails too.
	os.WriteFile(filepath.Join(root, "README.md"), append(readme, []byte("\nThe student reaches 0.4463 HR@5.\n")...), 0o644)
	if code, out := check(""); code == 0 || !strings.Contains(out, "README.md:") || !strings.Contains(out, "0.4463 (decimal)") {
		t.Errorf("a number planted in the README: exit %d\n%s", code, out)
	}
}

// TestCheckedRegionsHaveTests checks the allow-list of checked regions:
// each names a test that exists and reads the document, and each region is
// in its document.
func TestCheckedRegionsHaveTests(t *testing.T) {
	for doc, regions := range checkedRegions {
		text, err := os.ReadFile(filepath.Join(repoRoot, doc))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range regions {
			pkg, name, ok := strings.Cut(r.Test, ".")
			if !ok || r.Reason == "" {
				t.Errorf("%s: region of %q: want Test \"pkg/path.TestName\" and a reason", doc, r.Test)
				continue
			}
			files, _ := filepath.Glob(filepath.Join(repoRoot, pkg, "*_test.go"))
			decl := regexp.MustCompile(`(?m)^func ` + regexp.QuoteMeta(name) + `\(t \*testing\.T\)`)
			var found bool
			for _, f := range files {
				b, _ := os.ReadFile(f)
				if decl.Match(b) {
					found = true
					if !bytes.Contains(b, []byte(filepath.Base(doc))) {
						t.Errorf("%s: %s (%s) does not read %s", doc, r.Test, f, filepath.Base(doc))
					}
				}
			}
			if !found {
				t.Errorf("%s: the checked region names %s, which does not exist", doc, r.Test)
			}
			hs := exp.HandNumbers(text, exp.NumberPolicy{Checked: []exp.CheckedRegion{r}})
			for _, h := range hs {
				if h.Rule == "region" {
					t.Errorf("%s: %s", doc, h)
				}
			}
		}
	}
}

// TestStatusOfLedgerSpec: status takes a spec of the ledger's own
// (results/specs/<name>.json) by its name, as the documents name it.
func TestStatusOfLedgerSpec(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"status", "--ledger", "../../results", "derrd-protocol"}, &out, &errb); code != 0 {
		t.Fatalf("kdsweep status derrd-protocol: exit %d\n%s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "sweep derrd-protocol: ") {
		t.Errorf("status output:\n%s", out.String())
	}
}

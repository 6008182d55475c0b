package main

// The documents kdsweep report covers, and the repository's policy for
// numbers written outside their generated blocks (exp.HandNumbers).

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/kdrec/kdrec/kdlib/exp"
)

// reportDocs are the documents of the repository at root that report
// regenerates and scans: README.md and every docs/*.md.
func reportDocs(root string) ([]string, error) {
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		return nil, err
	}
	slices.Sort(docs)
	return append([]string{filepath.Join(root, "README.md")}, docs...), nil
}

// checkedRegions are the regions of the documents whose numbers another
// test checks against a fresh run, keyed by path from the repository root.
// Each names its test; TestCheckedRegionsHaveTests checks that the test
// exists and reads the document.
var checkedRegions = map[string][]exp.CheckedRegion{
	"README.md": {{
		Start:  regexp.MustCompile(`^model +d +params +epochs +HR@5`),
		End:    regexp.MustCompile("^```$"),
		Test:   "kdlib/exp.TestQuickstartMatchesREADME",
		Reason: "the main job's printout: the test runs the job and compares every column but the two timings",
	}},
	"docs/repl.md": {{
		Start:  regexp.MustCompile(`^<!-- transcript:[a-z-]+ -->$`),
		End:    regexp.MustCompile(`^<!-- end transcript -->$`),
		Test:   "repl.TestTranscript",
		Reason: "shell transcripts: the test replays every command and compares the output",
	}},
	"docs/interop.md": {{
		Start:  regexp.MustCompile(`^<!-- transcript:[a-z-]+ -->$`),
		End:    regexp.MustCompile(`^<!-- end transcript -->$`),
		Test:   "repl.TestInteropTranscript",
		Reason: "shell transcripts of export and import: the test replays every command and compares the output",
	}},
	"docs/own-data.md": {{
		Start:  regexp.MustCompile(`^<!-- transcript:[a-z-]+ -->$`),
		End:    regexp.MustCompile(`^<!-- end transcript -->$`),
		Test:   "repl.TestOwnDataTranscript",
		Reason: "shell transcripts on a generated file: the test replays every command and compares the output",
	}},
}

// numberPolicy is the policy of the document at path (relative to root):
// its checked regions, the authors' numbers of the claims file, and
// benchmark markers that name a real benchmark and the load.
func numberPolicy(root, rel string, claims []exp.Claim) exp.NumberPolicy {
	return exp.NumberPolicy{
		Checked:   checkedRegions[filepath.ToSlash(rel)],
		Authors:   authorsNumbers(claims),
		Benchmark: func(m string) error { return checkBenchmarkMarker(root, m) },
	}
}

// authorsNumbers accepts the authors' published numbers as the claims
// file registers them: the value of every value claim and every number its
// text quotes (".4486").
func authorsNumbers(claims []exp.Claim) func(float64) bool {
	var vals []float64
	for _, c := range claims {
		if c.Kind != exp.ClaimValue {
			continue
		}
		vals = append(vals, c.Value)
		for _, n := range exp.ResultNumbers(c.Text) {
			if !math.IsNaN(n.Value) {
				vals = append(vals, n.Value)
			}
		}
	}
	return func(x float64) bool {
		for _, v := range vals {
			if math.Abs(x-v) < 1e-9 {
				return true
			}
		}
		return false
	}
}

var (
	benchFlag  = regexp.MustCompile(`-bench[= ]+('[^']*'|"[^"]*"|\S+)`)
	benchFuncs = regexp.MustCompile(`(?m)^func (Benchmark\w*)\(`)
	loadWord   = regexp.MustCompile(`(?i)\bload\b`)
	envPrefix  = regexp.MustCompile(`^(?:[A-Z_][A-Z0-9_]*=\S*\s+)+`)
)

// checkBenchmarkMarker checks a benchmark marker's text: "[VAR=value …] go
// test PKG … -bench PATTERN …; the machine and its load". Every package must exist
// under root, the pattern must select a benchmark of one of them, and the
// text after the command must state the load.
func checkBenchmarkMarker(root, m string) error {
	cmd, rest, ok := strings.Cut(m, ";")
	cmd = envPrefix.ReplaceAllString(strings.TrimSpace(cmd), "")
	if !ok || !strings.HasPrefix(cmd, "go test ") {
		return fmt.Errorf("want <!-- benchmark: go test PKG -bench PATTERN …; machine, load … -->, got %q", m)
	}
	if !loadWord.MatchString(rest) {
		return fmt.Errorf("%q does not state the machine's load", m)
	}
	bm := benchFlag.FindStringSubmatch(cmd)
	if bm == nil {
		return fmt.Errorf("%q has no -bench pattern", cmd)
	}
	pat := strings.Trim(bm[1], `'"`)
	if pat == "." {
		pat = ""
	}
	top, _, _ := strings.Cut(pat, "/")
	re, err := regexp.Compile(top)
	if err != nil {
		return fmt.Errorf("-bench %q: %v", pat, err)
	}
	var pkgs []string
	for _, f := range strings.Fields(cmd) {
		if strings.HasPrefix(f, "./") {
			pkgs = append(pkgs, strings.TrimSuffix(f, "/"))
		}
	}
	if len(pkgs) == 0 {
		return fmt.Errorf("%q names no package (./…)", cmd)
	}
	for _, pkg := range pkgs {
		files, _ := filepath.Glob(filepath.Join(root, pkg, "*_test.go"))
		if len(files) == 0 {
			return fmt.Errorf("package %s has no test files under %s", pkg, root)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			for _, fn := range benchFuncs.FindAllStringSubmatch(string(b), -1) {
				if re.MatchString(fn[1]) {
					return nil
				}
			}
		}
	}
	return fmt.Errorf("-bench %q selects no benchmark of %s", pat, strings.Join(pkgs, ", "))
}

// scanDocs returns the hand-typed numbers of each document, keyed by its
// path as given, and the number of findings.
func scanDocs(root string, docs []string, claims []exp.Claim) (map[string][]exp.HandNumber, int, error) {
	found := map[string][]exp.HandNumber{}
	n := 0
	for _, doc := range docs {
		b, err := os.ReadFile(doc)
		if err != nil {
			return nil, 0, err
		}
		rel, err := filepath.Rel(root, doc)
		if err != nil {
			rel = doc
		}
		hs := exp.HandNumbers(b, numberPolicy(root, rel, claims))
		if len(hs) > 0 {
			found[doc] = hs
			n += len(hs)
		}
	}
	return found, n, nil
}

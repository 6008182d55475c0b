package exp

// Hand-typed result numbers in Markdown documents. Every result number of
// the documentation comes from the ledger, through a generated block
// (ledgerdoc.go); HandNumbers finds the result-like numbers written
// anywhere else, so that a check can fail when a document states a result
// by hand.
//
// What counts as result-like (numberRules): a decimal with at least two
// significant digits that is below 1 or has three or more decimals
// (0.47, .4773, 1.0448; not 0.01, 0.005, 1.26 or 3.33), a signed decimal
// (+0.04, −0.022), a spread (± 0.0042), a stated p-value (p = 0.11,
// p ≈ 1e−12, p < 1e−8; not the level p < 0.05), and a decimal or signed
// percentage (74.6 %, +39 %), and on a line that names a ranking metric
// (HR@, NDCG@, Recall@, MRR@) any decimal below 1 (HR@5 0.5), any value in
// percent points (HR@5 47.73) and any whole percentage (RRD gains 4 % HR@5)
// unless it is a tolerance ("within 0.01"). Elsewhere single-significant-digit decimals
// are left alone: they are the hyper-parameters and tolerances (λ 0.01,
// 1e-3, 0.005).
//
// What is not scanned:
//
//   - generated blocks (<!-- ledger:… --> … <!-- /ledger -->), which
//     `kdsweep report --check` compares with the ledger;
//   - the document's CheckedRegions: regions that another named test
//     regenerates or compares with a fresh run (the README's quickstart
//     table, the REPL transcripts). The policy lists them in code, each
//     with its test, and a region that no longer occurs is itself a
//     finding;
//   - a paragraph carrying `<!-- authors' numbers: SOURCE -->`, for the
//     numbers that NumberPolicy.Authors accepts (the authors' published
//     values, registered once in the claims file): any other number in it
//     is still a finding;
//   - a paragraph carrying `<!-- benchmark: COMMAND; machine and load -->`,
//     whose marker NumberPolicy.Benchmark accepts (a real benchmark
//     command, the load stated). A line of such a paragraph that names a
//     ranking metric (HR@, NDCG@, Recall@, MRR@) is still scanned: a
//     benchmark paragraph cannot carry quality results.
//
// A paragraph is a run of non-blank lines; a marker covers the paragraph
// it stands in, so it goes on the line right above the table or text it
// vouches for.

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// HandNumber is a finding of HandNumbers: a result-like number written by
// hand, or a marker or region the policy does not accept.
type HandNumber struct {
	// Line is the 1-based line of the document (0: the whole document).
	Line int
	// Number is the number as written ("" for a marker finding).
	Number string
	// Rule names the pattern that matched ("decimal", "signed", "spread",
	// "p-value", "percent") or "marker" / "region".
	Rule string
	// Msg explains the finding.
	Msg string
}

// String formats the finding as "line N: number (rule) message".
func (h HandNumber) String() string {
	if h.Number == "" {
		return fmt.Sprintf("line %d: %s", h.Line, h.Msg)
	}
	return fmt.Sprintf("line %d: %s (%s) %s", h.Line, h.Number, h.Rule, h.Msg)
}

// CheckedRegion is a region of a document whose numbers another test
// checks: it opens at a line matching Start and closes at the next line
// matching End (both lines belong to it).
type CheckedRegion struct {
	// Start matches the region's first line, End its last.
	Start, End *regexp.Regexp
	// Test names the test that regenerates or checks the region's numbers
	// ("kdlib/exp.TestQuickstartMatchesREADME").
	Test string
	// Reason says why the region's numbers are not typed by hand.
	Reason string
}

// NumberPolicy is what a document may hold outside its generated blocks.
type NumberPolicy struct {
	// Checked are the regions of this document that another test checks.
	Checked []CheckedRegion
	// Authors reports whether x is one of the authors' published numbers
	// (nil: none is).
	Authors func(x float64) bool
	// Benchmark checks the text of a benchmark marker (after
	// "benchmark:"); nil refuses every benchmark marker.
	Benchmark func(marker string) error
}

var (
	authorsMarker   = regexp.MustCompile(`<!-- authors' numbers:([^>]*)-->`)
	benchmarkMarker = regexp.MustCompile(`<!-- benchmark:([^>]*)-->`)
	metricName      = regexp.MustCompile(`(?i)\b(HR|NDCG|Recall|MRR)@`)
)

// numberRules are the patterns of result-like numbers, most specific
// first: a span matched by one rule is not matched again by a later one.
// Group 1 is the number.
var numberRules = []struct {
	name string
	re   *regexp.Regexp
}{
	{"p-value", regexp.MustCompile(`\bp\s*(?:=|≈|~)\s*([0-9]*\.?[0-9]+(?:\s*[·×]\s*10\^?\{?[−-]?[0-9]+\}?|[eE][−-]?[0-9]+)?)`)},
	{"p-value", regexp.MustCompile(`\bp\s*(?:<|≤)\s*([0-9](?:\.[0-9]+)?(?:\s*[·×]\s*10\^?\{?[−-]?[0-9]+\}?|[eE][−-]?[0-9]+))`)},
	{"spread", regexp.MustCompile(`(±\s*[0-9]*\.[0-9]+)`)},
	{"percent", regexp.MustCompile(`(?:^|[^\w.])([+−][0-9]+(?:\.[0-9]+)?\s*%)`)},
	{"percent", regexp.MustCompile(`(?:^|[^\w.])([0-9]+\.[0-9]+\s*%)`)},
	{"signed", regexp.MustCompile(`(?:^|[^\w.@])([+−-][0-9]*\.[0-9]+)`)},
	{"decimal", regexp.MustCompile(`(?:^|[^\w.])([0-9]*\.[0-9]{2,})`)},
	{"metric", regexp.MustCompile(`(?:^|[^\w.])([0-9]*\.[0-9]+)`)},
	{"metric-percent", regexp.MustCompile(`(?:^|[^\w.])([0-9]+\s*%)`)},
}

// tolerance matches the words that introduce a claim's tolerance.
var tolerance = regexp.MustCompile(`(?i)(within|tolerance|tol)(\s+of)?\s*$`)

// HandNumbers returns the result-like numbers of doc written by hand
// outside its generated blocks and the policy's allowances, and the
// markers and regions the policy does not accept. Line numbers are those
// of doc.
func HandNumbers(doc []byte, p NumberPolicy) []HandNumber {
	lines := strings.Split(string(doc), "\n")
	var out []HandNumber
	skip := make([]bool, len(lines))

	// Generated blocks.
	for k := 0; k < len(lines); k++ {
		if !blockStart.MatchString(lines[k] + "\n") {
			continue
		}
		end := k + 1
		for end < len(lines) && !strings.HasPrefix(lines[end], blockEnd) {
			end++
		}
		if end == len(lines) {
			out = append(out, HandNumber{Line: k + 1, Rule: "region", Msg: "generated block without " + blockEnd})
		}
		for j := k; j <= end && j < len(lines); j++ {
			skip[j] = true
		}
		k = end
	}

	// Regions other tests check.
	for _, r := range p.Checked {
		found := false
		for k := 0; k < len(lines); k++ {
			if skip[k] || !r.Start.MatchString(lines[k]) {
				continue
			}
			found = true
			end := k + 1
			for end < len(lines) && !r.End.MatchString(lines[end]) {
				end++
			}
			if end == len(lines) {
				out = append(out, HandNumber{Line: k + 1, Rule: "region", Msg: fmt.Sprintf("region checked by %s does not end (no line matching %s)", r.Test, r.End)})
			}
			for j := k; j <= end && j < len(lines); j++ {
				skip[j] = true
			}
			k = end
		}
		if !found {
			out = append(out, HandNumber{Rule: "region", Msg: fmt.Sprintf("the region checked by %s (a line matching %s) is not in the document: update the policy", r.Test, r.Start)})
		}
	}

	// Paragraphs and their markers.
	para := make([]int, len(lines))
	id := 0
	for k, l := range lines {
		if strings.TrimSpace(l) == "" {
			id++
			para[k] = -1
			continue
		}
		para[k] = id
	}
	authors := map[int]bool{}
	bench := map[int]bool{}
	for k, l := range lines {
		if skip[k] {
			continue
		}
		if m := authorsMarker.FindStringSubmatch(l); m != nil {
			if strings.TrimSpace(m[1]) == "" {
				out = append(out, HandNumber{Line: k + 1, Rule: "marker", Msg: "an authors' numbers marker must name its source: <!-- authors' numbers: SOURCE -->"})
			} else {
				authors[para[k]] = true
			}
		}
		if m := benchmarkMarker.FindStringSubmatch(l); m != nil {
			var err error
			if p.Benchmark == nil {
				err = fmt.Errorf("benchmark markers are not accepted here")
			} else {
				err = p.Benchmark(strings.TrimSpace(m[1]))
			}
			if err != nil {
				out = append(out, HandNumber{Line: k + 1, Rule: "marker", Msg: "benchmark marker: " + err.Error()})
			} else {
				bench[para[k]] = true
			}
		}
	}

	for k, l := range lines {
		if skip[k] {
			continue
		}
		text := authorsMarker.ReplaceAllString(benchmarkMarker.ReplaceAllString(l, ""), "")
		for _, n := range ResultNumbers(text) {
			switch {
			case bench[para[k]] && !metricName.MatchString(text):
				continue
			case authors[para[k]] && p.Authors != nil && n.Rule == "decimal" && p.Authors(n.Value):
				continue
			}
			msg := "is typed by hand: generate it from the ledger (a <!-- ledger:… --> block) or link to the generated section"
			switch {
			case bench[para[k]]:
				msg = "is on a line naming a ranking metric in a benchmark paragraph: quality results come from the ledger"
			case authors[para[k]]:
				msg = "is in an authors' numbers paragraph but is not one of the authors' numbers of the claims file"
			}
			out = append(out, HandNumber{Line: k + 1, Number: n.Text, Rule: n.Rule, Msg: msg})
		}
	}
	return out
}

// ResultNumber is a result-like number found in a line.
type ResultNumber struct {
	Text  string  // as written
	Rule  string  // the rule that matched
	Value float64 // its value, for "decimal" (NaN otherwise)
}

// ResultNumbers returns the result-like numbers of one line of text, in
// order of the rules.
func ResultNumbers(line string) []ResultNumber {
	var out []ResultNumber
	taken := make([]bool, len(line))
	metricLine := metricName.MatchString(line)
	for _, r := range numberRules {
		if (r.name == "metric" || r.name == "metric-percent") && !metricLine {
			continue
		}
		for _, m := range r.re.FindAllStringSubmatchIndex(line, -1) {
			s, e := m[2], m[3]
			if overlaps(taken, s, e) {
				continue
			}
			num := line[s:e]
			v := math.NaN()
			switch {
			case r.name == "percent" && !strings.HasPrefix(num, "+") && !strings.HasPrefix(num, "−"):
				// 0.5 % is a threshold, 74.6 % a measurement.
				if sigDigits(strings.TrimSpace(strings.TrimSuffix(num, "%"))) < 2 {
					continue
				}
			case r.name == "decimal":
				if notResult(line, s, e) {
					continue
				}
				var ok bool
				if v, ok = resultDecimal(num); !ok {
					continue
				}
			case r.name == "metric":
				// Below 1 (HR@5 0.47), or a value in percent points with two
				// decimals (HR@5 47.73); one-decimal settings (λ 1.5) pass.
				f, err := strconv.ParseFloat(num, 64)
				_, frac, _ := strings.Cut(num, ".")
				if err != nil || f >= 1 && len(frac) != 2 || notResult(line, s, e) || tolerance.MatchString(line[:s]) {
					continue
				}
			case r.name == "metric-percent":
				if notResult(line, s, e) || tolerance.MatchString(line[:s]) {
					continue
				}
			}
			for j := s; j < e; j++ {
				taken[j] = true
			}
			out = append(out, ResultNumber{Text: strings.TrimSpace(num), Rule: r.name, Value: v})
		}
	}
	return out
}

// notResult reports whether the decimal line[s:e] is part of a token that
// is not a measurement: a version number (1.26.8), a longer number, the
// base of a power in a formula (0.995^{⌊e/10⌋}), an arXiv identifier, or a
// duration as go test prints it (1.042s).
func notResult(line string, s, e int) bool {
	if e < len(line) && (isDigit(line[e]) || line[e] == '^' || line[e] == '.' && e+1 < len(line) && isDigit(line[e+1])) {
		return true
	}
	if strings.HasSuffix(strings.ToLower(line[:s]), "arxiv ") || strings.HasSuffix(strings.ToLower(line[:s]), "arxiv:") {
		return true
	}
	rest := line[e:]
	for _, unit := range []string{"s", "ms", "µs", "ns"} {
		if after, ok := strings.CutPrefix(rest, unit); ok && (after == "" || !isWordStart(after)) {
			return true
		}
	}
	return false
}

func isWordStart(s string) bool {
	c := s[0]
	return c == '_' || isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// resultDecimal reports whether an unsigned decimal looks like a result:
// at least two significant digits, and below 1 or with three or more
// decimals.
func resultDecimal(s string) (float64, bool) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	_, frac, _ := strings.Cut(s, ".")
	if sigDigits(s) < 2 {
		return v, false
	}
	return v, v < 1 || len(frac) >= 3
}

// sigDigits is the number of significant digits of a decimal as written,
// trailing zeros not counted (0.50 has one).
func sigDigits(s string) int {
	intPart, frac, _ := strings.Cut(s, ".")
	return len(strings.TrimRight(strings.TrimLeft(intPart+frac, "0"), "0"))
}

func overlaps(taken []bool, s, e int) bool {
	for j := s; j < e; j++ {
		if taken[j] {
			return true
		}
	}
	return false
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

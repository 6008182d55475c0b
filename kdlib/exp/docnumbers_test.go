package exp

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

// TestResultNumbers checks what counts as a result-like number and what
// does not.
func TestResultNumbers(t *testing.T) {
	results := map[string]string{
		"lands at 0.4736 HR@5":                 "0.4736",
		"the authors' .4773":                   ".4773",
		"Recall@50 0.19 at the cap":            "0.19",
		"gains +0.04 HR@5":                     "+0.04",
		"hurts (−0.022)":                       "−0.022",
		"| cd | 0 | -0.0222 |":                 "-0.0222",
		"0.47 ± 0.0042 over seeds":             "0.47", // and the spread, below
		"th 1.0448 at epoch 10":                "1.0448",
		"(paired tests p < 1e−8)":              "1e−8",
		"p ≈ 1e−12 for both tests":             "1e−12",
		"seed 0 p=0.11":                        "0.11",
		"p = 3.2 · 10^{−5}":                    "3.2 · 10^{−5}",
		"+39 % over the student":               "+39 %",
		"74.6 % of the targets":                "74.6 %",
		"a gain of +0.009 over the student":    "+0.009",
		"τ is 10^{−2.52} at epoch 253":         "−2.52",
		"RRD 0.4699±0.0009":                    "0.4699",
		"the 0.999 quantile":                   "0.999",
		"at .31 Recall@50":                     ".31",
		"Recall@50 0.3123 (a single-seed run)": "0.3123",
		"DE gains 0.04 HR@5":                   "0.04",
		"NDCG@10 .3 above the student":         ".3",
		"HR@5 of RRD is 47.73":                 "47.73",
		"RRD beats CD by 39 % on HR@5":         "39 %",
		"12% better NDCG@10":                   "12%",
	}
	for line, want := range results {
		ns := ResultNumbers(line)
		found := false
		for _, n := range ns {
			if n.Text == want {
				found = true
			}
		}
		if !found {
			t.Errorf("%q: found %v, want %q among them", line, ns, want)
		}
	}
	if ns := ResultNumbers("0.47 ± 0.0042 over seeds"); len(ns) != 2 || ns[0].Rule != "spread" {
		t.Errorf("a spread: %v", ns)
	}
	settings := []string{
		"λ = 0.01, lr 1e-3, tolerance 0.005 and 0.02",
		"weight decay 1e−3, τ 1 → 1e−10, 2⁻²⁴",
		"Go 1.26.8 on linux/amd64, gopls v0.23.0",
		"3.33 × 2.5 in, 8–9 pt",
		"arXiv 2407.13952",
		"ok  	github.com/kdrec/kdrec/kdlib/data	1.042s",
		"p < 0.05 in every seed",
		"at least 0.5 % of the pixels, 65 % of the time",
		"5,219 users, 25,181 items, 6,080,400 parameters",
		"[−40, 40] and x/0 = +Inf",
		"a difference of 0.006 looks small; dropout 0.2, 0.50, 0.10",
		"`{\"lambda\": 0.001, \"options\": {\"k\": 40}}`",
		"K = L = 40, T = 10, λ = 5e-4; M ∈ {1, 5, 10, 20, 30}",
		"HR@5, NDCG@10 and Recall@50",
		"th(e) = 1.05·0.995^{⌊e/10⌋}",
		"comparable to the teacher (HR@5, within 0.01)",
		"Recall@50 within a tolerance of 0.005 of the notebook",
		"HR@5 over 500 candidates, Recall@50 at epoch 100, 1.2 × Pop's Recall@50",
		"Recall@50 with λ 1.5 and a 80/20 split",
	}
	for _, line := range settings {
		if ns := ResultNumbers(line); len(ns) > 0 {
			t.Errorf("%q: %v are not results", line, ns)
		}
	}
}

// TestHandNumbers plants numbers in a document and checks that the scan
// finds them outside generated blocks, checked regions and accepted
// markers, and only there.
func TestHandNumbers(t *testing.T) {
	authors := func(x float64) bool { return x == 0.4773 || x == 0.4486 }
	bench := func(m string) error {
		if !strings.HasPrefix(m, "go test ") {
			return errors.New("not a go test command")
		}
		return nil
	}
	quick := CheckedRegion{Start: regexp.MustCompile("^model "), End: regexp.MustCompile("^```$"), Test: "TestQuick"}
	policy := NumberPolicy{Checked: []CheckedRegion{quick}, Authors: authors, Benchmark: bench}

	doc := strings.Join([]string{
		"# A page", // 1
		"",
		"<!-- ledger:claims -->", // 3
		"| x | 0.4681 ± 0.0028 |",
		"<!-- /ledger -->",
		"",
		"```", // 7
		"model  d  HR@5",
		"teacher 200 0.5101",
		"```",
		"",
		"<!-- authors' numbers: methods.md §4.2a -->", // 12
		"The authors' log: DE .4773, student 0.4486.",
		"Our DE reaches 0.4690 in the same paragraph.", // 14: not an authors' number
		"",
		"<!-- benchmark: go test ./kdlib/x -bench Y; 2 cores, load 3 -->", // 16
		"| op | CPU s |",
		"| epoch | 0.52 |",
		"| HR@5 | 0.52 |", // 19: a metric in a benchmark paragraph
		"",
		"A planted result: DE gains +0.04 HR@5 (0.4736).", // 21
		"The same table outside the marker: 0.52.",        // 22
		"",
		"<!-- benchmark: make bench; load 2 -->", // 24: refused marker
		"| epoch | 0.61 |",
		"",
		"<!-- authors' numbers: -->", // 27: no source
		"",
	}, "\n")
	got := HandNumbers([]byte(doc), policy)
	type key struct {
		line int
		num  string
	}
	want := map[key]bool{
		{14, "0.4690"}: true,
		{19, "0.52"}:   true,
		{21, "+0.04"}:  true,
		{21, "0.4736"}: true,
		{22, "0.52"}:   true,
		{24, ""}:       true,
		{25, "0.61"}:   true,
		{27, ""}:       true,
	}
	seen := map[key]bool{}
	for _, h := range got {
		k := key{h.Line, h.Number}
		seen[k] = true
		if !want[k] {
			t.Errorf("unexpected finding %s", h)
		}
	}
	for k := range want {
		if !seen[k] {
			t.Errorf("line %d: %q not found; findings:\n%v", k.line, k.num, got)
		}
	}

	// Without the checked region, the quickstart table is hand-typed.
	got = HandNumbers([]byte(doc), NumberPolicy{Authors: authors, Benchmark: bench})
	if !hasFinding(got, 9, "0.5101") {
		t.Errorf("the quickstart table without its policy: %v", got)
	}
	// A checked region that is gone is a finding.
	gone := CheckedRegion{Start: regexp.MustCompile("^nosuch"), End: regexp.MustCompile("^```$"), Test: "TestGone"}
	got = HandNumbers([]byte("text\n"), NumberPolicy{Checked: []CheckedRegion{gone}})
	if len(got) != 1 || !strings.Contains(got[0].Msg, "TestGone") {
		t.Errorf("a stale checked region: %v", got)
	}
	// Markers without a policy allow nothing.
	got = HandNumbers([]byte("<!-- benchmark: go test ./x -bench Y; load 1 -->\n| 0.52 |\n\n<!-- authors' numbers: log -->\n.4773\n"), NumberPolicy{})
	if !hasFinding(got, 2, "0.52") || !hasFinding(got, 5, ".4773") {
		t.Errorf("markers without a policy: %v", got)
	}
	// A generated block without its end hides nothing.
	got = HandNumbers([]byte("<!-- ledger:claims -->\n0.4736\n"), policy)
	if len(got) == 0 || got[0].Rule != "region" {
		t.Errorf("an unterminated block: %v", got)
	}
	// A clean document.
	if got := HandNumbers([]byte("λ = 0.01, p < 0.05, 5,219 users.\n"), NumberPolicy{}); len(got) != 0 {
		t.Errorf("a clean document: %v", got)
	}
}

func hasFinding(hs []HandNumber, line int, num string) bool {
	for _, h := range hs {
		if h.Line == line && h.Number == num {
			return true
		}
	}
	return false
}

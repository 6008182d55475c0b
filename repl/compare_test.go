package repl

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// rowOf returns the cells of the row of metric in a printed table.
func rowOf(t *testing.T, out, metric string) []string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(metric) + ` .*$`).FindString(out)
	if m == "" {
		t.Fatalf("no row %s in\n%s", metric, out)
	}
	return strings.Fields(m)
}

// TestCompareBaselineAndPairs checks compare's baseline= (the tests
// against a chosen model, the same p-values as with that model first) and
// pairs=all (every pair, the same p-values as the pair compared alone),
// and that wide tables are printed in blocks of columns within the width
// setting.
func TestCompareBaselineAndPairs(t *testing.T) {
	sh, out := testShell(t, withoutMethods())
	mustExec(t, sh, out, "load tiny; split loo candidates=20")
	mustExec(t, sh, out, "train a bpr dim=4 epochs=2 batch=64; train b bpr dim=2 epochs=2 batch=64; train c bpr dim=8 epochs=2 batch=64 seed=3")

	got := mustExec(t, sh, out, "compare a b c baseline=b metrics=HR@10,NDCG@10")
	if !strings.Contains(got, "a vs b vs c on split loo, loo/test, 60 users: means; p-values of two-sided paired t-test p(t) and Wilcoxon signed-rank p(W) against b\n") ||
		!strings.Contains(got, "p(t) a  p(W) a  p(t) c  p(W) c") || strings.Contains(got, "p(t) b") {
		t.Errorf("baseline=b:\n%s", got)
	}
	withB := rowOf(t, got, "NDCG@10")
	first := rowOf(t, mustExec(t, sh, out, "compare b a c metrics=HR@10,NDCG@10"), "NDCG@10")
	// metric, means of a b c, then p(t) a, p(W) a, p(t) c, p(W) c; with b first: means b a c, then the same.
	if strings.Join(withB[4:], " ") != strings.Join(first[4:], " ") || withB[1] != first[2] || withB[2] != first[1] {
		t.Errorf("baseline=b %v differs from b first %v", withB, first)
	}

	got = mustExec(t, sh, out, "compare a b c pairs=all metrics=HR@10,NDCG@10")
	for _, want := range []string{
		"a vs b vs c on split loo, loo/test, 60 users: means\nmetric",
		"every pair: p-values of the two-sided paired t-test p(t) and Wilcoxon signed-rank test p(W) over the 60 users\npair    test   HR@10  NDCG@10\n",
		"a vs b  p(t)", "a vs b  p(W)", "a vs c  p(t)", "b vs c  p(W)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("pairs=all lacks %q:\n%s", want, got)
		}
	}
	if got := mustExec(t, sh, out, "export table pairs.csv"); !strings.Contains(got, "6 rows") {
		t.Errorf("export of the pairs table: %s", got)
	}
	bc := rowOf(t, got, "b vs c  p(t)")
	alone := rowOf(t, mustExec(t, sh, out, "compare b c metrics=HR@10,NDCG@10"), "NDCG@10")
	if bc[len(bc)-1] != alone[3] {
		t.Errorf("pairs=all b vs c p(t) %v, compare b c %v", bc, alone)
	}

	for _, c := range []struct{ line, want string }{
		{"compare a b baseline=zz", "baseline=zz is not one of the compared models (a, b)"},
		{"compare a b baseline=b pairs=all", "baseline= tests against one model, pairs=all tests every pair: give one of them"},
		{"compare a b pairs=some", "pairs=some: want one of baseline, all"},
	} {
		if msg := execErr(t, sh, c.line); !strings.Contains(msg, c.want) {
			t.Errorf("%s:\n got %s\nwant …%s…", c.line, msg, c.want)
		}
	}

	// Wrapped to the width: blocks of columns, each with the metric column.
	wide := mustExec(t, sh, out, "compare a b c")
	if n := maxLine(wide); n <= 60 {
		t.Fatalf("the table is only %d wide", n)
	}
	mustExec(t, sh, out, "set width=60")
	got = mustExec(t, sh, out, "compare a b c")
	if n := maxLine(got); n > 60 {
		t.Errorf("width=60: a line of %d characters:\n%s", n, got)
	}
	if strings.Count(got, "\nmetric ") < 2 || strings.Count(got, "\nNDCG@20 ") < 2 || !strings.Contains(got, "p(W) c") {
		t.Errorf("width=60: no blocks of columns:\n%s", got)
	}
	mustExec(t, sh, out, "set width=0")
	if got := mustExec(t, sh, out, "compare a b c"); got != wide {
		t.Errorf("width=0 is not the unwrapped table:\n%s", got)
	}
}

// maxLine returns the length in characters of the longest line of s.
func maxLine(s string) int {
	n := 0
	for _, l := range strings.Split(s, "\n") {
		n = max(n, utf8.RuneCountInString(l))
	}
	return n
}

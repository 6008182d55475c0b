package repl

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/exp"
)

// dissertationScript is issue 24's "run the dissertation on my data": a
// CSV of one's own loaded by path, then the teacher and every student
// method of the dissertation at the smoke budget, recorded in a ledger,
// with the table and the claims table. A kdrepl script: no Go.
const dissertationScript = `# the dissertation on a click log of one's own
load path=clicks.csv cols=user,item,time name=clicks
dissertation budget=smoke record=ledger
`

// TestDissertationScript runs dissertationScript through the shell's
// script API, as kdrepl -f does, and checks the table, the claims table
// with its verdicts and per-seed p-values, and the ledger; then runs it
// again, which trains nothing and prints the same tables.
func TestDissertationScript(t *testing.T) {
	dir := t.TempDir()
	writeClicks(t, dir)
	run := func() string {
		t.Helper()
		var out bytes.Buffer
		sh := New(Config{Out: &out, Err: io.Discard, Dir: dir, Quiet: true})
		if err := sh.RunScript(context.Background(), "mine.kd", strings.NewReader(dissertationScript), true); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		return out.String()
	}
	got := run()
	t.Logf("\n%s", got)
	key := regexp.MustCompile(`dissertation on clicks: sweep (dissertation-clicks-[0-9a-f]{8}@smoke)\n`).FindStringSubmatch(got)
	if key == nil {
		t.Fatalf("no sweep line")
	}
	for _, want := range []string{
		"  split llo with 499 sampled candidates; smoke budget: 1 epoch; seeds 0, 1, 2\n",
		"  rows: Teacher, Student, Hint, DE, FTD, HTD, RD, CD, DCD, RRD, IR-RRD, DE-RRD (PHR left out: methods=all runs it)\n",
		"sweep " + key[1] + ": 36 runs, 36 in this shard: 0 already stored, 36 ran\n",
		key[1] + ": mean ± std over seeds (test metrics at the best validation epoch per cut-off)\n",
		"* p < 0.05 against Student",
		"claim                        metric    mean  baseline     diff         p(t) per seed  verdict\n",
		"recorded in ledger; kdsweep claims --ledger ledger --sweep " + key[1] + " judges the claims again\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	for _, row := range []string{"Teacher", "Student", "Hint", "DE", "FTD", "HTD", "RD", "CD", "DCD", "RRD", "IR-RRD", "DE-RRD"} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(row) + ` +0\.\d{4} ± 0\.\d{4}.* 3$`).MatchString(got) {
			t.Errorf("no table row %s", row)
		}
	}
	// Every claim: its metric, the two means, the difference, a p-value per
	// seed and a verdict.
	claim := regexp.MustCompile(`(?m)^(\S.*?) +NDCG@5 +0\.\d{4} +0\.\d{4} +[+-]0\.\d{4} +((?:[0-9.e-]+ ){2}[0-9.e-]+) +(holds|fails)$`)
	rows := claim.FindAllStringSubmatch(got, -1)
	var claims []string
	for _, r := range rows {
		claims = append(claims, r[1])
	}
	want := []string{"DE improves the student", "DE beats hint regression", "FTD improves the student", "HTD improves the student", "HTD beats FTD",
		"RRD improves the student", "RRD beats RD", "RRD beats CD", "IR-RRD improves the student", "IR-RRD beats RRD",
		"DE-RRD improves the student", "DE-RRD beats DE alone", "DE-RRD beats RRD alone"}
	if strings.Join(claims, "|") != strings.Join(want, "|") {
		t.Errorf("claims rows %q, want %q", claims, want)
	}
	if !regexp.MustCompile(`13 claims on clicks: \d+ hold, \d+ fail, 0 without evidence`).MatchString(got) {
		t.Errorf("no count line")
	}

	// The ledger holds every run and the sweep's manifest with its claims.
	l, err := exp.OpenLedgerExisting(filepath.Join(dir, "ledger"))
	if err != nil {
		t.Fatal(err)
	}
	sr, err := l.Sweep(key[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(sr.Entries) != 36 || len(sr.Missing()) != 0 || len(sr.Spec.Claims) != 13 || sr.Spec.Dataset.Files.Paths[0] != "clicks.csv" {
		t.Errorf("ledger: %d runs, %d missing, %d claims, %+v", len(sr.Entries), len(sr.Missing()), len(sr.Spec.Claims), sr.Spec.Dataset.Files)
	}

	// Again: everything is stored, the tables are the same.
	again := run()
	if !strings.Contains(again, "36 runs, 36 in this shard: 36 already stored, 0 ran") {
		t.Errorf("again:\n%s", again)
	}
	strip := func(s string) string { return s[strings.Index(s, "\n\n"):] }
	if strip(again) != strip(got) {
		t.Errorf("the tables differ when read back:\n%s", again)
	}
}

// TestDissertationErrors checks what dissertation refuses, each in one
// line: no data set, an unknown one, a bad budget, method or seed list, a
// registered data set read with options a spec cannot state.
func TestDissertationErrors(t *testing.T) {
	sh, out := testShell(t, nil)
	if msg := execErr(t, sh, "dissertation"); !strings.Contains(msg, "no data set: load one (load path=<file> or load <dataset>) or name a registered one") {
		t.Errorf("no data set: %s", msg)
	}
	os.WriteFile(filepath.Join(sh.dir, "a.csv"), []byte("1,2\n1,3\n1,4\n2,2\n2,3\n2,5\n3,6\n3,7\n3,8\n"), 0o644)
	mustExec(t, sh, out, "load path=a.csv name=mine; load tiny min-rating=4 as=t4; split loo of=mine candidates=1; train m bpr dim=2 epochs=1")
	for _, c := range []struct{ line, want string }{
		{"dissertation citeulik-t", `template dissertation: unknown data set "citeulik-t" (did you mean citeulike-t?); known: `},
		{"dissertation mine budget=quik", "budget=quik: want one of full, quick, smoke"},
		{"dissertation mine methods=rrrd", `methods=rrrd: unknown "rrrd"`},
		{"dissertation mine seeds=0,x", `seeds=0,x: "x" is not a seed`},
		{"dissertation mine seeds=1,1", "seed 1 is listed twice"},
		{"dissertation mine claim-metrics=Recall@50", `claim metric "Recall@50": the loo protocol reports`},
		{"dissertation mine data=elsewhere", "data= locates registered data sets; mine is files of your own"},
		{"dissertation t4", "t4 was loaded with min-rating=4, which a sweep's data set cannot state"},
		{"dissertation m", "m is not a data set"},
	} {
		if msg := execErr(t, sh, c.line); !strings.Contains(msg, c.want) {
			t.Errorf("%s:\n got %s\nwant …%s…", c.line, msg, c.want)
		}
	}
}

// TestDissertationKeepGoing runs the template on a file too small for
// RRD's reference lists: RRD's runs fail with a message asking for a lower
// n, the others run, the table holds them and RRD's claim has no evidence;
// keep-going=false stops at the first failure.
func TestDissertationKeepGoing(t *testing.T) {
	sh, out := testShell(t, nil)
	var b strings.Builder
	for u := 0; u < 40; u++ {
		for k := 0; k < 8; k++ {
			b.WriteString("u" + strconv.Itoa(u) + ",i" + strconv.Itoa((u*7+k*3+k*k)%60) + "\n")
		}
	}
	os.WriteFile(filepath.Join(sh.dir, "small.csv"), []byte(b.String()), 0o644)
	got := mustExec(t, sh, out, "load path=small.csv header=no name=small; dissertation budget=smoke methods=hint,rrd seeds=0,1 candidates=10")
	for _, want := range []string{
		": 8 runs, 8 in this shard: 0 already stored, 6 ran, 2 failed\n",
		"failed: RRD [seed=0]: kd rrd: option l=40 is out of range: want an integer in [1, 15] (the entries outside a row's training set and its top k teacher items), with a lower n\n",
		"\nRRD improves the student  NDCG@5     –         –     –              –  no evidence\n",
		"no evidence",
		"RRD improves the student: no record of row \"RRD\"",
		"1 claims on small: 0 hold, 0 fail, 1 without evidence",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %q:\n%s", want, got)
		}
	}
	if !regexp.MustCompile(`(?m)^Hint +0\.\d{4} ± 0\.\d{4}`).MatchString(got) {
		t.Errorf("no Hint row:\n%s", got)
	}
	if msg := execErr(t, sh, "dissertation small budget=smoke methods=rrd seeds=0 candidates=10 keep-going=false"); !strings.Contains(msg, "kd rrd: option l=40 is out of range") {
		t.Errorf("keep-going=false: %s", msg)
	}
}

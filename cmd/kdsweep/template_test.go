package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestTemplateRunClaims is the dissertation on a file of one's own through
// kdsweep: template writes the instantiated spec, run records its runs in
// a ledger (the file's relative path resolved against --data), and claims
// --sweep judges the claims the spec carries, with per-seed p-values.
func TestTemplateRunClaims(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("user,item,time\n")
	for u := 0; u < 40; u++ {
		for k := 0; k < 8; k++ {
			fmt.Fprintf(&b, "u%02d,i%02d,%d\n", u, (u*7+k*3+k*k)%60, 1000+k)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "clicks.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(dir, "clicks.json")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"template", "--files", "clicks.csv", "--cols", "user,item,time", "--candidates", "20", "--seeds", "0,1",
		"--methods", "hint,de", "--budget", "smoke", "-o", spec, "dissertation"}, &stdout, &stderr); code != 0 {
		t.Fatalf("template: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	m := regexp.MustCompile(`^sweep (dissertation-clicks-[0-9a-f]{8}@smoke): 8 runs, 2 claims; kdsweep run --ledger <dir> `).FindStringSubmatch(stderr.String())
	if m == nil || stdout.String() != "wrote "+spec+"\n" {
		t.Fatalf("template:\n%s%s", stdout.String(), stderr.String())
	}
	key := m[1]
	body, _ := os.ReadFile(spec)
	for _, want := range []string{`"paths": [`, `"clicks.csv"`, `"kind": "llo"`, `"budget_name": "smoke"`, `"id": "de-beats-hint-ndcg5"`} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("spec lacks %s:\n%s", want, body)
		}
	}
	ledger := filepath.Join(dir, "ledger")
	out := kdsweep(t, "run", "-q", "--ledger", ledger, "--out", filepath.Join(dir, "out"), "--data", dir, spec)
	if !strings.Contains(out, "sweep "+key+": 8 runs, 8 in this shard: 0 already stored, 8 ran") {
		t.Fatalf("run: %s", out)
	}
	out = kdsweep(t, "claims", "--ledger", ledger, "--sweep", key)
	claim := regexp.MustCompile(`(?m)^DE beats hint regression +NDCG@5 +0\.\d{4} +0\.\d{4} +[+-]0\.\d{4} +[0-9.e-]+ [0-9.e-]+ +(holds|fails)$`)
	if !claim.MatchString(out) || !strings.Contains(out, "p(t) per seed") || !regexp.MustCompile(`2 claims: \d hold, \d fail, 0 without evidence yet`).MatchString(out) {
		t.Errorf("claims:\n%s", out)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"template", "--dataset", "citeulik-t"}, `kdsweep template: template dissertation: unknown data set "citeulik-t" (did you mean citeulike-t?); known: `},
		{[]string{"template", "--dataset", "citeulike-t", "--budget", "quik"}, `no budget "quik" (did you mean quick?); known: full, quick, smoke`},
		{[]string{"template", "--dataset", "citeulike-t", "--files", "a.csv"}, "give --dataset or --files, not both"},
		{[]string{"template", "--dataset", "citeulike-t", "--kcore", "5"}, "--kcore applies to --files"},
		{[]string{"claims", "--ledger", ledger, "--sweep", "nosuch"}, `no single sweep "nosuch"`},
	} {
		stdout.Reset()
		stderr.Reset()
		if code := run(c.args, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d\n%s\nwant …%s…", c.args, code, stderr.String(), c.want)
		}
	}
	stdout.Reset()
	if code := run([]string{"template"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "  dissertation: ") {
		t.Errorf("template lists the templates: %d\n%s", code, stdout.String())
	}
}

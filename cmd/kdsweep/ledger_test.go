package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/exp"
)

// TestReproductionDocGenerated is the CI check of the results ledger: the
// claims file evaluates against the committed ledger, and every generated
// block of docs/reproduction.md is what the ledger produces (regenerate
// with `go run ./cmd/kdsweep report` from the repository root).
func TestReproductionDocGenerated(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"claims", "--ledger", "../../results", "--claims", "../../results/claims.json"}, &out, &errb); code != 0 {
		t.Fatalf("kdsweep claims: exit %d\n%s%s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := run([]string{"report", "--check", "--ledger", "../../results", "--claims", "../../results/claims.json", "../../docs/reproduction.md"}, &out, &errb); code != 0 {
		t.Fatalf("kdsweep report --check: exit %d\n%s%s", code, out.String(), errb.String())
	}
}

// handNumber matches a result-like decimal (three or more decimals).
var handNumber = regexp.MustCompile(`(^|[^0-9A-Za-z.])(0?\.[0-9]{3,})\b`)

// TestReproductionDocHasNoHandTypedNumbers checks that docs/reproduction.md
// states no result number outside its generated blocks: every number of
// the report comes from the ledger.
func TestReproductionDocHasNoHandTypedNumbers(t *testing.T) {
	doc, err := os.ReadFile("../../docs/reproduction.md")
	if err != nil {
		t.Fatal(err)
	}
	for k, line := range strings.Split(string(exp.StripGenerated(doc)), "\n") {
		if m := handNumber.FindStringSubmatch(line); m != nil {
			t.Errorf("docs/reproduction.md line %d (outside the generated blocks) states %s by hand: %s", k+1, m[2], line)
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

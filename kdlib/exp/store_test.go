package exp

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/eval"
)

func TestStorePerUserRoundTrip(t *testing.T) {
	r := &eval.Result{Protocol: "loo", Part: "test", Metrics: []string{"HR@5", "NDCG@5"},
		Users:   []int32{0, 3, 4, 1000, 70000},
		PerUser: [][]float64{{1, 0, 1, 1, 0}, {0.6309297535714575, 0, 1, 0.43067655807339306, 0}}}
	p, err := PackPerUser(r)
	if err != nil {
		t.Fatal(err)
	}
	q, err := p.Unpack()
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(q.Users) != fmt.Sprint(r.Users) || q.Protocol != "loo" || q.Part != "test" {
		t.Fatalf("users %v", q.Users)
	}
	for m := range r.PerUser {
		for k, v := range r.PerUser[m] {
			if q.PerUser[m][k] != float64(float32(v)) {
				t.Fatalf("metric %d user %d: %v vs %v", m, k, q.PerUser[m][k], v)
			}
		}
	}
	// 5,000 users × 9 binary-ish metrics stay small.
	big := &eval.Result{Protocol: "loo", Part: "test", Metrics: make([]string, 9), PerUser: make([][]float64, 9)}
	for u := 0; u < 5000; u++ {
		big.Users = append(big.Users, int32(u))
	}
	for m := range big.PerUser {
		big.Metrics[m] = fmt.Sprint("M", m)
		big.PerUser[m] = make([]float64, 5000)
		for u := range big.PerUser[m] {
			if u%3 == 0 {
				big.PerUser[m][u] = 1 / math.Log2(float64(u%7)+2)
			}
		}
	}
	p, _ = PackPerUser(big)
	if len(p.Data) > 40000 {
		t.Errorf("per-user blob of %d bytes", len(p.Data))
	}
}

// storeFixture runs the tiny sweep (one variant) into a fresh directory and
// returns it with the path of its results file.
func storeFixture(t *testing.T) (*Spec, string, string) {
	s := tinySpec()
	s.Variants = s.Variants[:1]
	out := t.TempDir()
	runTiny(t, s, out, Shard{}, nil)
	return s, out, filepath.Join(ResultsDir(out), Shard{}.Tag()+".jsonl")
}

func startsPerRun(t *testing.T, out string) map[string]int {
	b, err := os.ReadFile(filepath.Join(ResultsDir(out), Shard{}.Tag()+".events"))
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[1] == "start" {
			n[f[2]]++
		}
	}
	return n
}

func TestStorePartialLine(t *testing.T) {
	s, out, path := storeFixture(t)
	b, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(b), "\n")
	if len(lines) != 4 || lines[3] != "" {
		t.Fatalf("%d lines", len(lines))
	}
	// A crash in the middle of writing the third record.
	cut := lines[0] + lines[1] + lines[2][:len(lines[2])/2]
	if err := os.WriteFile(path, []byte(cut), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := LoadResults(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.Records) != 2 || len(rs.Problems) != 1 {
		t.Fatalf("%d records, problems %v", len(rs.Records), rs.Problems)
	}
	p := rs.Problems[0]
	if !p.Partial || p.Line != 3 || !strings.HasPrefix(p.Error(), path+":3: partial trailing line") || p.ID == "" {
		t.Fatalf("problem %q", p.Error())
	}
	// Merge refuses: the run has no valid record anywhere.
	if _, err := MergeResults(out); err == nil || !strings.Contains(err.Error(), ":3: partial") {
		t.Fatalf("merge: %v", err)
	}
	// Resuming reports the line, keeps its bytes aside, and runs it again.
	var log bytes.Buffer
	rep, err := RunSweep(context.Background(), s, SweepOptions{Out: out, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ran != 1 || rep.Skipped != 2 || len(rep.Problems) != 1 || !strings.Contains(log.String(), path+":3: partial") {
		t.Fatalf("%v\n%s", rep, log.String())
	}
	if q, _ := os.ReadFile(path + ".partial"); !strings.Contains(string(q), lines[2][:len(lines[2])/2]) {
		t.Fatal("partial bytes not kept")
	}
	starts := startsPerRun(t, out)
	if starts[p.ID] != 2 || len(starts) != 3 {
		t.Fatalf("starts %v", starts)
	}
	rs, _ = LoadResults(out)
	if len(rs.Records) != 3 || len(rs.Problems) != 0 {
		t.Fatalf("after resume: %d records, %v", len(rs.Records), rs.Problems)
	}
	if _, err := MergeResults(out); err != nil {
		t.Fatal(err)
	}
}

func TestStoreCorruptLine(t *testing.T) {
	s, out, path := storeFixture(t)
	b, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(b), "\n")
	// Alter a digit inside the second record (a bit flip on disk).
	l := lines[1]
	k := strings.Index(l, `"HR@5":0.`) + len(`"HR@5":0.`)
	d := l[k]
	if d == '9' {
		d = '0'
	} else {
		d++
	}
	lines[1] = l[:k] + string(d) + l[k+1:]
	// And a line that is not JSON at all.
	lines = append(lines[:3], "garbage\n")
	os.WriteFile(path, []byte(strings.Join(lines, "")), 0o644)
	rs, err := LoadResults(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.Records) != 2 || len(rs.Problems) != 2 {
		t.Fatalf("%d records, %v", len(rs.Records), rs.Problems)
	}
	if e := rs.Problems[0].Error(); !strings.HasPrefix(e, path+":2: checksum mismatch") {
		t.Fatalf("problem %q", e)
	}
	if e := rs.Problems[1].Error(); !strings.HasPrefix(e, path+":4: not a JSON record") {
		t.Fatalf("problem %q", e)
	}
	// The altered run is executed again; afterwards merge sees the damaged
	// line superseded by the new record, and the garbage line unresolved.
	rep, err := RunSweep(context.Background(), s, SweepOptions{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ran != 1 || len(rep.Problems) != 2 {
		t.Fatalf("%v", rep)
	}
	mrep, err := MergeResults(out)
	if err == nil || len(mrep.Unresolved) != 1 || mrep.Unresolved[0].Line != 4 || !mrep.Problems[0].Superseded {
		t.Fatalf("merge: %v %+v", err, mrep)
	}
	if mrep.Records != 3 {
		t.Fatalf("merged %d", mrep.Records)
	}
}

func TestStoreRejectsForeignSpec(t *testing.T) {
	_, out, path := storeFixture(t)
	b, _ := os.ReadFile(path)
	first := strings.SplitAfter(string(b), "\n")[0]
	// A record whose spec does not hash to its id (checksum recomputed):
	// e.g. written by a build that hashes differently.
	rec, err := decodeLine([]byte(strings.TrimSpace(first)))
	if err != nil {
		t.Fatal(err)
	}
	rec.Spec.Budget.Epochs = 99
	line, _ := encodeLine(rec)
	os.WriteFile(path, line, 0o644)
	rs, _ := LoadResults(out)
	if len(rs.Records) != 0 || len(rs.Problems) != 1 || !strings.Contains(rs.Problems[0].Err, "hashes to") {
		t.Fatalf("%v", rs.Problems)
	}
}

func TestStoreCSV(t *testing.T) {
	_, out, _ := storeFixture(t)
	rep, err := MergeResults(out)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(rep.CSV)
	rows := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(rows) != 4 || !strings.Contains(rows[0], "best:HR@5") || !strings.Contains(rows[0], "final:NDCG@20") {
		t.Fatalf("csv:\n%s", b)
	}
}

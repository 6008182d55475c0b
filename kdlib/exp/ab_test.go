package exp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// abFixture is a record as scripts/ab/ab.py writes it (two operations, one
// with a target), with the start time and the kdrec CPU median of the
// first row given.
func abFixture(started, ended string, kdrecCPU string) string {
	return `{
 "format": "kdrec-ab/1",
 "started": "` + started + `",
 "ended": "` + ended + `",
 "host": "box",
 "machine": {"cpu": "Test CPU 9000", "cpus": 4, "simd": "avx2+fma", "memory": "15.5 GiB", "kernel": "6.1.0", "arch": "x86_64"},
 "threads": 2,
 "reps": 3,
 "load_before": [0.12, 0.3, 0.25],
 "load_after": [0.5, 0.4, 0.3],
 "max_load1": 0.5,
 "idle_load": 1.0,
 "kdrec": {"go": "go version go1.26 linux/amd64", "revision": "abc1234"},
 "authors": {"python": "3.11.2", "torch": "1.13.0", "numpy": "1.24.2", "blas": "libopenblas.so"},
 "rows": [
  {"op": "de", "what": "DE epoch at tau=1 (soft phase)", "target": 20, "kdrec_bench": "kdlib/distill ^BenchmarkDESoftPhase$/^epoch$", "n": 3,
   "authors_cpu_s": 120.0, "authors_wall_s": 64.0, "kdrec_cpu_s": ` + kdrecCPU + `, "kdrec_wall_s": 3.2,
   "authors_peak_rss_mb": 2048.4, "kdrec_peak_rss_mb": 310.6},
  {"op": "hetcomp1", "what": "HetComp epoch, phase 1, d=6, no DKC step", "target": null, "kdrec_bench": "kdlib/distill ^BenchmarkHetCompEpochPhase1$", "n": 3,
   "authors_cpu_s": 400.5, "authors_wall_s": 210.0, "kdrec_cpu_s": 13.6, "kdrec_wall_s": 7.0,
   "authors_peak_rss_mb": 6287.3, "kdrec_peak_rss_mb": 150.2}
 ],
 "raw": [{"side": "authors", "op": "de", "cpu_s": 120.0}]
}
`
}

func writeAB(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func abLedger(t *testing.T) (*Ledger, string) {
	t.Helper()
	root := t.TempDir()
	l, err := OpenLedger(root)
	if err != nil {
		t.Fatal(err)
	}
	return l, filepath.Join(root, ABDir)
}

// TestABBlock renders the block from fixture records: no record, the
// newest of two, and all of them, with the ratios computed from the
// medians.
func TestABBlock(t *testing.T) {
	l, dir := abLedger(t)
	doc := []byte("intro\n<!-- ledger:ab -->\nold text\n<!-- /ledger -->\nafter\n")

	got, err := GenerateDoc(doc, l, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "No A/B measurement is recorded yet") || !strings.Contains(string(got), "--record results/ab") {
		t.Fatalf("no record: %s", got)
	}

	writeAB(t, dir, "2030-01-02-box.json", abFixture("2030-01-02T10:00:00+00:00", "2030-01-02T11:00:00+00:00", "4.0"))
	// The newer run has a name that sorts first: the start time decides.
	writeAB(t, dir, "2029-12-31-box.json", abFixture("2030-01-05T09:00:00+00:00", "2030-01-05T09:30:00+00:00", "8.0"))
	got, err = GenerateDoc(doc, l, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := string(got)
	for _, want := range []string{
		"| operation | authors CPU s | kdrec CPU s | × CPU | target (× wall) | authors wall s | kdrec wall s | × wall | peak MiB authors | peak MiB kdrec | rounds |",
		// 120/8 = 15 in CPU, 64/3.2 = 20 in wall: the target of 20 is met.
		"| DE epoch at tau=1 (soft phase) (`de`) | 120 | 8 | 15.0 | ≥ 20×, met | 64.0 | 3.2 | 20.0 | 2048 | 311 | 3 |",
		// 400.5/13.6 = 29.4…, 210/7 = 30.
		"| HetComp epoch, phase 1, d=6, no DKC step (`hetcomp1`) | 400 | 13.6 | 29.4 | – | 210 | 7 | 30.0 | 6287 | 150 | 3 |",
		"`results/ab/2029-12-31-box.json`: 2030-01-05T09:00:00+00:00 to 2030-01-05T09:30:00+00:00 on box (Test CPU 9000, 4 logical CPUs, avx2+fma, 15.5 GiB, Linux 6.1.0 x86_64); 2 threads per side; 3 rounds",
		"0.12 0.30 0.25 before, 0.50 0.40 0.30 after",
		"Python 3.11.2, torch 1.13.0, numpy 1.24.2, BLAS libopenblas.so. kdrec: go version go1.26 linux/amd64, revision abc1234.",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("newest record: missing %q in\n%s", want, s)
		}
	}
	if strings.Contains(s, "2030-01-02-box.json") || strings.Contains(s, "Not an idle") {
		t.Errorf("the block shows the older record or an idle warning:\n%s", s)
	}
	if !strings.HasPrefix(s, "intro\n<!-- ledger:ab -->\n") || !strings.HasSuffix(s, "<!-- /ledger -->\nafter\n") {
		t.Errorf("the text around the block changed:\n%s", s)
	}

	all, err := GenerateDoc([]byte("<!-- ledger:ab all -->\n<!-- /ledger -->\n"), l, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := string(all)
	i, j := strings.Index(a, "2029-12-31-box.json"), strings.Index(a, "2030-01-02-box.json")
	if i < 0 || j < 0 || i > j {
		t.Fatalf("all: want both records, newest first:\n%s", a)
	}
	// 120/4 = 30 in the older record.
	if !strings.Contains(a, "| DE epoch at tau=1 (soft phase) (`de`) | 120 | 4 | 30.0 |") {
		t.Errorf("all: the older record's ratio is missing:\n%s", a)
	}

	if _, err := GenerateDoc([]byte("<!-- ledger:ab newest -->\n<!-- /ledger -->\n"), l, nil); err == nil || !strings.Contains(err.Error(), `unknown argument "newest"`) {
		t.Errorf("bad argument: err = %v", err)
	}
}

// TestABBlockNotIdle: a record above its idle threshold says so.
func TestABBlockNotIdle(t *testing.T) {
	l, dir := abLedger(t)
	body := strings.Replace(abFixture("2030-01-02T10:00:00+00:00", "2030-01-02T11:00:00+00:00", "4.0"), `"max_load1": 0.5`, `"max_load1": 3.75`, 1)
	writeAB(t, dir, "2030-01-02-box.json", body)
	got, err := GenerateDoc([]byte("<!-- ledger:ab -->\n<!-- /ledger -->\n"), l, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "**Not an idle measurement**") || !strings.Contains(string(got), "was 3.75 (idle threshold 1.00)") {
		t.Fatalf("no idle warning:\n%s", got)
	}
}

// TestABBlockForeign: a record with the other processes' CPU use is judged
// by it, not by the load its own threads raise.
func TestABBlockForeign(t *testing.T) {
	for _, c := range []struct {
		load, foreign string
		notIdle       bool
	}{{"3.75", "0.02", false}, {"0.5", "0.60", true}} {
		l, dir := abLedger(t)
		body := strings.Replace(abFixture("2030-01-02T10:00:00+00:00", "2030-01-02T11:00:00+00:00", "4.0"), `"max_load1": 0.5`,
			`"max_load1": `+c.load+`, "max_foreign_cores": `+c.foreign+`, "idle_foreign": 0.1`, 1)
		writeAB(t, dir, "2030-01-02-box.json", body)
		got, err := GenerateDoc([]byte("<!-- ledger:ab -->\n<!-- /ledger -->\n"), l, nil)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(got), "**Not an idle measurement**") != c.notIdle {
			t.Errorf("load %s, foreign %s: not-idle note = %v, want %v:\n%s", c.load, c.foreign, !c.notIdle, c.notIdle, got)
		}
		if !strings.Contains(string(got), "Other processes used at most "+c.foreign+" cores") {
			t.Errorf("foreign %s: no note of it:\n%s", c.foreign, got)
		}
	}
	l, dir := abLedger(t)
	body := strings.Replace(abFixture("2030-01-02T10:00:00+00:00", "2030-01-02T11:00:00+00:00", "4.0"), `"max_load1": 0.5`,
		`"max_load1": 0.5, "max_foreign_cores": 0.01, "idle_foreign": 0.1, "max_steal_cores": 0.25`, 1)
	writeAB(t, dir, "2030-01-02-box.json", body)
	got, err := GenerateDoc([]byte("<!-- ledger:ab -->\n<!-- /ledger -->\n"), l, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "Steal time (the host running other guests while this one wanted to run) was at most 0.25 cores") ||
		strings.Contains(string(got), "**Not an idle measurement**") {
		t.Errorf("steal: want its note and no not-idle verdict:\n%s", got)
	}
	l, dir = abLedger(t)
	body = strings.Replace(abFixture("2030-01-02T10:00:00+00:00", "2030-01-02T11:00:00+00:00", "4.0"), `"max_load1": 0.5`,
		`"max_load1": 0.5, "max_foreign_cores": -1, "idle_foreign": 0.1`, 1)
	writeAB(t, dir, "2030-01-02-box.json", body)
	if _, err := GenerateDoc([]byte("<!-- ledger:ab -->\n<!-- /ledger -->\n"), l, nil); err == nil || !strings.Contains(err.Error(), "max_foreign_cores") {
		t.Errorf("negative foreign use: err = %v", err)
	}
}

// TestABRecordRefusesMalformed: a malformed record stops the block with an
// error naming the file and what is wrong.
func TestABRecordRefusesMalformed(t *testing.T) {
	good := abFixture("2030-01-02T10:00:00+00:00", "2030-01-02T11:00:00+00:00", "4.0")
	cases := []struct {
		name, body, want string
	}{
		{"syntax", good[:len(good)/2], "unexpected EOF"},
		{"format", strings.Replace(good, `"kdrec-ab/1"`, `"kdrec-ab/0"`, 1), `format "kdrec-ab/0"`},
		{"unknown field", strings.Replace(good, `"host": "box",`, `"host": "box", "hots": 1,`, 1), `unknown field "hots"`},
		{"zero median", strings.Replace(good, `"kdrec_cpu_s": 4.0`, `"kdrec_cpu_s": 0`, 1), "row de: kdrec_cpu_s = 0"},
		{"negative memory", strings.Replace(good, `"kdrec_peak_rss_mb": 150.2`, `"kdrec_peak_rss_mb": -1`, 1), "row hetcomp1: kdrec_peak_rss_mb = -1"},
		{"no rounds", strings.Replace(good, `"n": 3,`, `"n": 0,`, 1), "row de: n = 0"},
		{"repeated op", strings.Replace(good, `"op": "hetcomp1"`, `"op": "de"`, 1), `operation "de" empty or repeated`},
		{"bad date", strings.Replace(good, `"2030-01-02T10:00:00+00:00"`, `"yesterday"`, 1), "started:"},
		{"time order", strings.Replace(good, `"2030-01-02T11:00:00+00:00"`, `"2030-01-01T11:00:00+00:00"`, 1), "before started"},
		{"loads", strings.Replace(good, `[0.12, 0.3, 0.25]`, `[0.12]`, 1), "want 3 load averages"},
		{"no rows", strings.Replace(good, `"rows": [`, `"rows": [], "x": [`, 1), `unknown field "x"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, dir := abLedger(t)
			writeAB(t, dir, "2030-01-01-good.json", good)
			writeAB(t, dir, "2030-01-02-bad.json", c.body)
			_, err := GenerateDoc([]byte("<!-- ledger:ab -->\n<!-- /ledger -->\n"), l, nil)
			if err == nil {
				t.Fatal("malformed record accepted")
			}
			if !strings.Contains(err.Error(), filepath.Join(dir, "2030-01-02-bad.json")) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v; want the file and %q", err, c.want)
			}
		})
	}
	// An empty row list is refused on its own.
	l, dir := abLedger(t)
	i, j := strings.Index(good, `"rows": [`), strings.Index(good, `"raw"`)
	writeAB(t, dir, "2030-01-02-bad.json", good[:i]+`"rows": [],`+"\n "+good[j:])
	if _, err := GenerateDoc([]byte("<!-- ledger:ab -->\n<!-- /ledger -->\n"), l, nil); err == nil || !strings.Contains(err.Error(), "no rows") {
		t.Fatalf("empty rows: err = %v", err)
	}
}

// TestABRecordFixture reads the record scripts/ab/ab.py makes from its
// test's measurements (testdata/ab-record.json; scripts/ab/test_ab.py
// checks that ab.py still writes exactly it) and renders it.
func TestABRecordFixture(t *testing.T) {
	r, err := ReadABRecord(filepath.Join("testdata", "ab-record.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 2 || r.Rows[0].Op != "de" || r.Rows[0].Target == nil || *r.Rows[0].Target != 20 || r.Rows[1].Target != nil {
		t.Fatalf("rows %+v", r.Rows)
	}
	md := ABTable(r, "ab-record.json").Markdown()
	// Medians 125 and 4 (CPU), 66 and 3.2 (wall): 31.25 and 20.625.
	want := "| DE epoch at tau=1 (soft phase) (`de`) | 125 | 4 | 31.2 | ≥ 20×, met | 66.0 | 3.2 | 20.6 | 2048 | 311 | 3 |"
	if !strings.Contains(md, want) {
		t.Fatalf("missing %q in\n%s", want, md)
	}
}

package exp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
)

// writeTimedCSV writes a small timed data set of 80 users × 60 items as
// "user,item,count,time" with string ids, and returns its path.
func writeTimedCSV(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("user,item,count,time\n")
	x, err := Synthetic(SyntheticSpec{Users: 80, Items: 60, PerUser: 10, Clusters: 4, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	for u := 0; u < x.NumUsers; u++ {
		for k, i := range x.Items(u) {
			fmt.Fprintf(&b, "u%d,i%d,%d,%d\n", u, i, 1+k%3, 1_600_000_000+3600*(u*7+k*13)%100_000)
		}
	}
	p := filepath.Join(dir, "mine.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSpecFiles runs a sweep on a data set of files: a leave-last-out
// split, the protocol, a DE student whose cap is below its schedule (a
// note), the card in the log; and checks that the path-based form keeps
// the hashes of specs without it.
func TestSpecFiles(t *testing.T) {
	dir := t.TempDir()
	writeTimedCSV(t, dir)
	spec := fmt.Sprintf(`{
	  "name": "own",
	  "dataset": {"name": "mine", "dir": %q, "files": {"paths": ["mine.csv"], "columns": ["user", "item", "weight", "time"], "kcore": 3}},
	  "split": {"kind": "llo", "candidates": 30},
	  "teacher": {"kind": "bpr", "dim": 8, "budget": {"epochs": 2}},
	  "student": {"kind": "bpr", "dim": 4},
	  "protocol": "loo",
	  "budget": {"epochs": 3},
	  "variants": [{"label": "Student"}, {"label": "DE", "set": {"kd": [{"method": "de", "options": {"experts": 3}}]}}]
	}`, dir)
	s, err := ParseSpec([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	runs, err := s.Check(nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := runs[1].Spec.BudgetNotes(); len(n) != 1 || !strings.Contains(n[0], "capped at 3 epochs") {
		t.Errorf("notes %q", n)
	}
	var log bytes.Buffer
	env, err := NewEnv(filepath.Join(dir, "cache"), &log)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := RunSweep(context.Background(), s, SweepOptions{Out: filepath.Join(dir, "out"), Env: env, Log: &log})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if rep.Ran != 2 {
		t.Fatalf("ran %d runs", rep.Ran)
	}
	for _, want := range []string{
		"data set mine: 80 users,", "interactions per user: min", "times: 1600000000",
		"split: llo cand=30 seed=0",
		"note: de anneals its Gumbel-softmax temperature 1 → 1e-10 over 1000 epochs (tau-epochs=1000); this run is capped at 3 epochs",
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}

	// A spec without files writes no files field (its hash is that of
	// before the field existed; spec_builtin_test pins the built-ins').
	plain := runs[0].Spec
	plain.Dataset = DatasetSpec{Name: "citeulike-t"}
	if b, _ := json.Marshal(plain); strings.Contains(string(b), "files") {
		t.Errorf("a spec without files writes them: %s", b)
	}
}

// TestSpecFilesErrors checks the validation of a data set of files.
func TestSpecFilesErrors(t *testing.T) {
	base := func() RunSpec {
		r := RunSpec{Dataset: DatasetSpec{Name: "mine", Files: &datasets.Files{Paths: []string{"a.csv"}}},
			Split: SplitSpec{Kind: SplitLOO}, Student: bpr(4), Protocol: LOO, Budget: Budget{Epochs: 1}}
		r.Normalize()
		return r
	}
	cases := []struct {
		edit func(*RunSpec)
		want string
	}{
		{func(r *RunSpec) { r.Dataset.Name = "citeulike-t" }, `dataset.name "citeulike-t" is a registered data set`},
		{func(r *RunSpec) { r.Dataset.Name = "my data" }, "dataset.name of files"},
		{func(r *RunSpec) { r.Dataset.Files.Paths = nil }, "dataset.files: datasets: no file"},
		{func(r *RunSpec) { r.Split = SplitSpec{Kind: SplitImport, Name: "x"} }, "split kind import loads a split shipped with a registered data set"},
		{func(r *RunSpec) { r.Split.Kind = SplitRatio602020 }, "protocol loo needs a leave-one-out split"},
	}
	for _, c := range cases {
		r := base()
		c.edit(&r)
		if err := r.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want …%s…", err, c.want)
		}
	}
	r := base()
	r.Split.Kind = SplitLLO
	r.Normalize()
	if err := r.Validate(); err != nil || r.Split.Candidates != data.DefaultNumCandidates {
		t.Errorf("llo: %v, %d candidates", err, r.Split.Candidates)
	}
	s := &Spec{Name: "missing", RunSpec: base()}
	if _, err := s.Check(nil); err == nil || !strings.Contains(err.Error(), "a.csv") {
		t.Errorf("missing file: %v", err)
	}
}

// TestImportRefusesNonLOO checks that a shipped split with several test
// items per user and no validation part is refused for the LOO protocol
// rather than given candidates (needs KDREC_DATASETS).
func TestImportRefusesNonLOO(t *testing.T) {
	if os.Getenv(datasets.EnvDir) == "" {
		t.Skipf("%s not set: the LastFM split lives in the shared data folder", datasets.EnvDir)
	}
	seed := uint64(0)
	sp := SplitSpec{Kind: SplitImport, Name: "lightgcn", Seed: &seed, Candidates: 499}
	_, err := (*Env)(nil).Split(DatasetSpec{Name: "lastfm-lightgcn"}, sp, LOO)
	if err == nil || !strings.Contains(err.Error(), "split import lightgcn with protocol loo: split \"lastfm-lightgcn lightgcn\" is not a leave-one-out split") {
		t.Fatalf("LOO on a train/test split: %v", err)
	}
	if _, err := (*Env)(nil).Split(DatasetSpec{Name: "lastfm-lightgcn"}, sp, Full); err != nil {
		t.Fatalf("full ranking: %v", err)
	}
}

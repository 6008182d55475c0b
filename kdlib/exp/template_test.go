package exp

import (
	"context"
	"io/fs"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
)

// TestTemplateFilesListed checks that every file of templates/ is a listed
// template that parses, whose claims name its rows.
func TestTemplateFilesListed(t *testing.T) {
	files, err := fs.Glob(templateFiles, "templates/*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if n := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".json"); !slices.Contains(templateOrder, n) {
			t.Errorf("templates/%s.json is not in templateOrder", n)
		}
	}
	for _, ti := range Templates() {
		tp, err := LoadTemplate(ti.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range tp.Claims {
			for _, r := range []string{c.Row, c.Baseline} {
				if !slices.Contains(ti.Rows, r) {
					t.Errorf("template %s: claim %s names no row %q", ti.Name, c.ID, r)
				}
			}
		}
	}
}

func rowLabels(s *Spec) []string {
	var out []string
	for _, v := range s.Variants {
		out = append(out, v.Label)
	}
	return out
}

func claimIDs(cs []Claim) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// TestInstantiateTemplate checks what an instance of the dissertation
// template holds: the data set and the default split, the rows asked for,
// the claims generated for them, the seeds and the budget, and a sweep
// name of its own per data set, split, seeds and methods.
func TestInstantiateTemplate(t *testing.T) {
	s, err := InstantiateTemplate("dissertation", TemplateOptions{Dataset: DatasetSpec{Name: "citeulike-t"}, Budget: "quick"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Name, "dissertation-citeulike-t-") || len(s.Name) != len("dissertation-citeulike-t-")+8 || s.SweepKey() != s.Name+"@quick" {
		t.Errorf("name %q, key %q", s.Name, s.SweepKey())
	}
	if s.Split.Kind != SplitLOO || s.Protocol != LOO || s.Budget.Epochs != 50 || s.Budget.Patience != 5 || !slices.Equal(s.Seeds, []uint64{0, 1, 2}) {
		t.Errorf("split %+v protocol %s budget %+v seeds %v", s.Split, s.Protocol, s.Budget, s.Seeds)
	}
	want := []string{"Teacher", "Student", "Hint", "DE", "FTD", "HTD", "RD", "CD", "DCD", "RRD", "IR-RRD", "DE-RRD"}
	if got := rowLabels(s); !slices.Equal(got, want) {
		t.Errorf("rows %v, want %v (PHR optional)", got, want)
	}
	if len(s.Claims) != 13 || s.Claims[0].ID != "de-beats-student-ndcg5" || s.Claims[0].Metric != "NDCG@5" || s.Claims[0].Sweep != "" {
		t.Errorf("claims %v", claimIDs(s.Claims))
	}
	for _, c := range s.SweepClaims() {
		if c.Sweep != s.SweepKey() || c.MinSeeds != 3 {
			t.Errorf("sweep claim %s: sweep %q, min seeds %d", c.ID, c.Sweep, c.MinSeeds)
		}
	}
	runs, err := s.Check(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 36 {
		t.Errorf("%d runs, want 12 rows × 3 seeds", len(runs))
	}
	for _, r := range runs {
		if r.Spec.Teacher != nil && (r.Spec.Teacher.Dim != 200 || r.Spec.Student.Dim != 20 || r.Spec.KD[0].Lambda != 0) {
			t.Errorf("run %s: teacher %+v student %+v kd %+v", r.Name(), r.Spec.Teacher, r.Spec.Student, r.Spec.KD)
		}
	}

	// The budget changes the key, not the name; the data set, the split,
	// the seeds and the methods change the name; the data directory does not.
	name := func(o TemplateOptions) string {
		t.Helper()
		if o.Dataset.Name == "" {
			o.Dataset = DatasetSpec{Name: "citeulike-t"}
		}
		s, err := InstantiateTemplate("dissertation", o)
		if err != nil {
			t.Fatal(err)
		}
		return s.Name
	}
	base := name(TemplateOptions{})
	if base != s.Name || name(TemplateOptions{Dataset: DatasetSpec{Name: "citeulike-t", Dir: "/elsewhere"}}) != base {
		t.Errorf("the budget or the data directory changed the sweep name")
	}
	for _, o := range []TemplateOptions{
		{Dataset: DatasetSpec{Name: "ml-100k"}},
		{Split: SplitSpec{Kind: SplitLOO, Candidates: 99}},
		{Seeds: []uint64{0, 1}},
		{Methods: []string{"de"}},
		{ClaimMetrics: []string{"HR@5"}},
	} {
		if n := name(o); n == base {
			t.Errorf("%+v: same sweep name %s as the default instance", o, n)
		}
	}
	if n := name(TemplateOptions{Name: "mine"}); n != "mine" {
		t.Errorf("Name: %s", n)
	}

	// Methods, seeds, the split and the claims that go with them.
	s, err = InstantiateTemplate("dissertation", TemplateOptions{Dataset: DatasetSpec{Name: "citeulike-t"},
		Methods: []string{"de", "RRD"}, Seeds: []uint64{4, 5}, Budget: "smoke"})
	if err != nil {
		t.Fatal(err)
	}
	if got := rowLabels(s); !slices.Equal(got, []string{"Teacher", "Student", "DE", "RRD"}) {
		t.Errorf("rows %v", got)
	}
	if got := claimIDs(s.Claims); !slices.Equal(got, []string{"de-beats-student-ndcg5", "rrd-beats-student-ndcg5"}) {
		t.Errorf("claims %v", got)
	}
	if !slices.Equal(s.Seeds, []uint64{4, 5}) || s.SweepClaims()[0].MinSeeds != 2 || s.Budget.Epochs != 1 {
		t.Errorf("seeds %v, budget %+v", s.Seeds, s.Budget)
	}
	s, err = InstantiateTemplate("dissertation", TemplateOptions{Dataset: DatasetSpec{Name: "citeulike-t"}, Methods: []string{"all"},
		Split: SplitSpec{Kind: SplitRatio602020}, ClaimMetrics: []string{"Recall@50", "NDCG@50"}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Protocol != Full || s.Report.Metrics[0] != "Recall@10" || len(rowLabels(s)) != 13 || len(s.Claims) != 30 || s.Claims[1].ID != "de-beats-student-ndcg50" {
		t.Errorf("ratio split: protocol %s, metrics %v, rows %v, claims %v", s.Protocol, s.Report.Metrics, rowLabels(s), claimIDs(s.Claims))
	}

	// Files: leave-last-out when they have times.
	for _, c := range []struct {
		cols []data.Column
		want string
	}{{[]data.Column{data.ColUser, data.ColItem, data.ColTime}, SplitLLO}, {nil, SplitLOO}} {
		s, err := InstantiateTemplate("dissertation", TemplateOptions{Dataset: DatasetSpec{Name: "clicks",
			Files: &datasets.Files{Paths: []string{"clicks.csv"}, Columns: c.cols}}})
		if err != nil {
			t.Fatal(err)
		}
		if s.Split.Kind != c.want || s.Dataset.Files.Paths[0] != "clicks.csv" {
			t.Errorf("columns %v: split %s", c.cols, s.Split.Kind)
		}
	}
}

// TestInstantiateTemplateErrors checks that a wrong data set, budget,
// method or metric is refused with one line naming what is known.
func TestInstantiateTemplateErrors(t *testing.T) {
	cite := DatasetSpec{Name: "citeulike-t"}
	for _, c := range []struct {
		template string
		o        TemplateOptions
		want     string
	}{
		{"dissertation", TemplateOptions{Dataset: DatasetSpec{Name: "citeulik-t"}},
			`template dissertation: unknown data set "citeulik-t" (did you mean citeulike-t?); known: ml-100k, `},
		{"dissertation", TemplateOptions{}, "template dissertation: no data set: give a registered data set (ml-100k, "},
		{"dissertation", TemplateOptions{Dataset: DatasetSpec{Name: SyntheticName}}, "data set synthetic needs its size"},
		{"dissertation", TemplateOptions{Dataset: cite, Budget: "quik"},
			`template dissertation: no budget "quik" (did you mean quick?); known: full, quick, smoke`},
		{"dissertation", TemplateOptions{Dataset: cite, Methods: []string{"RRRD"}},
			`template dissertation: unknown method "RRRD" (did you mean RRD?); the rows are Teacher, Student, Hint, DE, PHR, `},
		{"dissertation", TemplateOptions{Dataset: cite, ClaimMetrics: []string{"HR@7"}},
			`template dissertation: claim metric "HR@7": the loo protocol reports HR@5, `},
		{"dissertation", TemplateOptions{Dataset: cite, Split: SplitSpec{Kind: SplitRatio801010, Candidates: 9}},
			"split ratio-80-10-10 is evaluated by full ranking: candidates apply to loo and llo"},
		{"dissertation", TemplateOptions{Dataset: DatasetSpec{Name: "ml-100k", Files: &datasets.Files{Paths: []string{"a.csv"}}}},
			`the data set of files is named "ml-100k", a registered data set`},
		{"dissertation", TemplateOptions{Dataset: DatasetSpec{Name: "my data", Files: &datasets.Files{Paths: []string{"a.csv"}}}},
			"data set name: \"my data\" is not a plain name"},
		{"dissertation", TemplateOptions{Dataset: cite, Split: SplitSpec{Kind: "random"}}, `split.kind "random"`},
		{"dissertation", TemplateOptions{Dataset: cite, Name: "../x"}, "sweep name"},
		{"nope", TemplateOptions{Dataset: cite}, `no template "nope" (known: dissertation)`},
	} {
		_, err := InstantiateTemplate(c.template, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v:\n got %v\nwant …%s…", c.o, err, c.want)
		}
	}
}

// TestRunClaims runs an instance of the template end to end on a small
// generated data set — its sweep into a store and a ledger, the table, the
// claims judged with per-seed p-values — and judges the claims again from
// the ledger's manifest and from the store alone.
func TestRunClaims(t *testing.T) {
	s, err := InstantiateTemplate("dissertation", TemplateOptions{
		Dataset: DatasetSpec{Name: SyntheticName, Synthetic: &SyntheticSpec{Users: 60, Items: 80, PerUser: 12, Clusters: 4, Seed: 3}},
		Split:   SplitSpec{Candidates: 30}, Budget: "smoke", Seeds: []uint64{0, 1}, Methods: []string{"hint", "de", "ftd"},
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	l, err := OpenLedger(dir + "/ledger")
	if err != nil {
		t.Fatal(err)
	}
	env, err := NewEnv(dir+"/cache", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := RunClaims(context.Background(), s, SweepOptions{Out: dir + "/out", Env: env, Ledger: l})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sweep.Ran != 10 || len(res.Summary.Rows) != 5 || res.Summary.Baseline != "Student" {
		t.Fatalf("%s; %d rows, baseline %q", res.Sweep, len(res.Summary.Rows), res.Summary.Baseline)
	}
	if got := claimIDs(s.Claims); !slices.Equal(got, []string{"de-beats-student-ndcg5", "de-beats-hint-ndcg5", "ftd-beats-student-ndcg5"}) {
		t.Fatalf("claims %v", got)
	}
	check := func(where string, rs []ClaimResult) {
		t.Helper()
		if len(rs) != 3 {
			t.Fatalf("%s: %d results", where, len(rs))
		}
		for _, r := range rs {
			if r.Verdict != Holds && r.Verdict != Fails || r.N != 2 || r.BaselineN != 2 || len(r.PerSeed) != 2 || math.IsNaN(r.PerSeed[1].T.P) {
				t.Errorf("%s: %s: %s (%s), n %d/%d, %d seeds tested", where, r.Claim.ID, r.Verdict, r.Evidence, r.N, r.BaselineN, len(r.PerSeed))
			}
		}
	}
	check("RunClaims", res.Claims)
	var b strings.Builder
	ClaimsTestTable(res.Claims).WriteText(&b)
	if !strings.Contains(b.String(), "p(t) per seed") || !strings.Contains(b.String(), "DE improves the student   NDCG@5") {
		t.Errorf("claims table:\n%s", b.String())
	}

	// Again from the ledger, with the claims its manifest holds.
	sr, err := l.Sweep(s.SweepKey())
	if err != nil {
		t.Fatal(err)
	}
	again, err := EvaluateClaims(l, sr.Spec.SweepClaims())
	if err != nil {
		t.Fatal(err)
	}
	check("ledger", again)
	for k := range again {
		if again[k].Evidence != res.Claims[k].Evidence {
			t.Errorf("ledger: %s", again[k].Evidence)
		}
	}
	// From the store alone; a sweep it does not hold has no evidence.
	fromStore, err := EvaluateClaims(StoreDir(dir+"/out"), s.SweepClaims())
	if err != nil {
		t.Fatal(err)
	}
	check("store", fromStore)
	c := s.SweepClaims()[0]
	c.Sweep = "other"
	none, err := EvaluateClaims(StoreDir(dir+"/out"), []Claim{c})
	if err != nil || none[0].Verdict != NoEvidence {
		t.Errorf("unknown sweep: %v %+v", err, none)
	}
	// Run again: everything is stored, nothing trains.
	res, err = RunClaims(context.Background(), s, SweepOptions{Out: dir + "/out", Env: env, Ledger: l})
	if err != nil || res.Sweep.Ran != 0 || res.Sweep.Skipped != 10 {
		t.Errorf("again: %v %v", err, res.Sweep)
	}
}

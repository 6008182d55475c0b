package exp

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestPowerLawSyntheticSpec checks the power-law generator of a spec: a run
// on it validates, splits and trains; the clusters generator's fields are
// refused with it, and the power-law fields without it; an unknown law is
// named.
func TestPowerLawSyntheticSpec(t *testing.T) {
	g := &SyntheticSpec{Law: LawPowerLaw, Users: 300, Items: 200, MinPerUser: 5, Seed: 4}
	run, err := NewRun(RunSpec{Label: "RRD",
		Dataset: DatasetSpec{Name: SyntheticName, Synthetic: g},
		Split:   SplitSpec{Kind: SplitLOO, Candidates: 20},
		Teacher: &TeacherSpec{ModelSpec: ModelSpec{Kind: "bpr", Dim: 8}, Budget: &Budget{Epochs: 1, EvalEvery: 1}},
		Student: ModelSpec{Kind: "bpr", Dim: 4}, KD: []KDTerm{{Method: "rrd", Lambda: 0.01, Options: Options{"n": 50}}},
		Seed: 1, Protocol: LOO, Budget: Budget{Epochs: 2, EvalEvery: 2}})
	if err != nil {
		t.Fatal(err)
	}
	x, err := Synthetic(*g)
	if err != nil {
		t.Fatal(err)
	}
	if s := x.Stats(); s.MinPerUser < 5 || s.Users != 300 || s.Items != 200 {
		t.Fatalf("power-law data %v: want 300 × 200 with at least 5 per user", s)
	}
	env, _ := NewEnv("", nil)
	rec, err := Execute(context.Background(), run, env)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Result.Epochs != 2 {
		t.Fatalf("trained %d epochs, want 2", rec.Result.Epochs)
	}
	for _, c := range []struct {
		g    SyntheticSpec
		want string
	}{
		{SyntheticSpec{Law: LawPowerLaw, Users: 10, Items: 100, PerUser: 5}, "per_user"},
		{SyntheticSpec{Law: LawPowerLaw, Users: 10, Items: 100, UserExponent: 0.5}, "UserExponent"},
		{SyntheticSpec{Users: 10, Items: 100, PerUser: 5, MinPerUser: 3}, "power-law"},
		{SyntheticSpec{Law: "zipf", Users: 10, Items: 100}, "zipf"},
	} {
		r := RunSpec{Dataset: DatasetSpec{Name: SyntheticName, Synthetic: &c.g}, Split: SplitSpec{Kind: SplitLOO},
			Student: ModelSpec{Kind: "bpr", Dim: 4}, Protocol: LOO, Budget: Budget{Epochs: 1}}
		if _, err := NewRun(r); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one naming %s", c.g, err, c.want)
		}
	}
}

// TestExecuteRecordsCost checks that a distillation run's record holds its
// setup time and, on Linux, the process's peak resident memory during the
// run, and that CostTable shows them next to the time per epoch, with the
// runs not recorded in a note.
func TestExecuteRecordsCost(t *testing.T) {
	run, err := NewRun(RunSpec{Label: "DE",
		Dataset: DatasetSpec{Name: SyntheticName, Synthetic: &SyntheticSpec{Users: 60, Items: 80, PerUser: 15, Seed: 3}},
		Split:   SplitSpec{Kind: SplitLOO, Candidates: 10},
		Teacher: &TeacherSpec{ModelSpec: ModelSpec{Kind: "bpr", Dim: 16}, Budget: &Budget{Epochs: 2, EvalEvery: 2}},
		Student: ModelSpec{Kind: "bpr", Dim: 4}, KD: []KDTerm{{Method: "de", Lambda: 0.01}},
		Seed: 1, Protocol: LOO, Budget: Budget{Epochs: 2, EvalEvery: 2}})
	if err != nil {
		t.Fatal(err)
	}
	env, _ := NewEnv("", nil)
	rec, err := Execute(context.Background(), run, env)
	if err != nil {
		t.Fatal(err)
	}
	res := &rec.Result
	if res.SetupSeconds <= 0 || res.SetupSeconds+res.TrainSeconds > rec.Seconds()+1e-3 {
		t.Errorf("setup %.4f s, training %.4f s, wall %.4f s: want 0 < setup and setup + training <= wall", res.SetupSeconds, res.TrainSeconds, rec.Seconds())
	}
	if runtime.GOOS == "linux" && (rec.Machine == nil || rec.Machine.PeakRSSMB <= 0) {
		t.Errorf("no peak resident memory recorded on Linux: %+v", rec.Machine)
	}
	if m := rec.Machine; runtime.GOOS == "linux" && m != nil && !(m.StartRSSMB > 0 && m.StartRSSMB <= m.PeakRSSMB) {
		t.Errorf("resident memory at the start %.1f MiB, peak %.1f MiB: want 0 < start <= peak", m.StartRSSMB, m.PeakRSSMB)
	}
	if runtime.GOOS == "linux" {
		// CPU times: each part positive, none more than its wall time
		// allows on this many cores, and their sum within the process's
		// CPU time over the run.
		procs := float64(runtime.GOMAXPROCS(0)) + 0.5
		eval := rec.Seconds() - res.SetupSeconds - res.TrainSeconds
		for _, c := range []struct {
			name      string
			cpu, wall float64
		}{{"train", res.TrainCPUSeconds, res.TrainSeconds}, {"setup", res.SetupCPUSeconds, res.SetupSeconds}, {"eval", res.EvalCPUSeconds, eval}} {
			if c.cpu <= 0 || c.cpu > procs*c.wall+0.02 {
				t.Errorf("%s: CPU %.4f s for %.4f s of wall time on %d procs", c.name, c.cpu, c.wall, runtime.GOMAXPROCS(0))
			}
		}
	}
	if d := res.Data; d == nil || d.Users != 60 || d.Items != 80 || d.Interactions <= 0 || d.Interactions > 60*15 {
		t.Errorf("training set size %+v: want 60 users, 80 items and at most 900 interactions", d)
	}
	missing := *run
	missing.Label = "RRD"
	sr := &SweepResults{Sweep: "cost", Entries: []Entry{{Run: *run, Record: rec}, {Run: missing}}}
	tab := CostTable(sr)
	if len(tab.Rows) != 1 || len(tab.Notes) != 1 || !strings.Contains(tab.Notes[0], "1 of 2 runs") {
		t.Fatalf("cost table rows %v notes %v: want one row and a note on the missing run", tab.Rows, tab.Notes)
	}
	row := strings.Join(tab.Rows[0], "|")
	for _, want := range []string{"DE", "synthetic", "60 × 80", " MiB", rec.ID} {
		if !strings.Contains(row, want) {
			t.Errorf("cost row %q lacks %q", row, want)
		}
	}
	// A record of known times.
	fixed := *rec
	fixed.Started = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fixed.Finished = fixed.Started.Add(10 * time.Second)
	fixed.Result.SetupSeconds, fixed.Result.TrainSeconds = 3, 5
	fixed.Result.Curve = []CurvePoint{{Epoch: 1, Seconds: 2}, {Epoch: 2, Seconds: 3}}
	fixed.Result.TrainCPUSeconds, fixed.Result.SetupCPUSeconds, fixed.Result.EvalCPUSeconds = 4.5, 2.25, 1.5
	fixed.Machine = &Machine{CPUs: 2, Load: []float64{0.5, 0.7}, PeakRSSMB: 123.4}
	got := CostTable(&SweepResults{Entries: []Entry{{Run: *run, Record: &fixed}}}).Rows[0]
	want := []string{"DE", "synthetic", "60 × 80", "2.50", "2.25", "3.0", "2.2", "2.0", "1.5", "123 MiB", "0.5→0.7 on 2 CPUs", rec.ID}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("cost row %q, want %q", got, want)
	}
	// A reduced budget's run says how many users it kept.
	sliced := *run
	sliced.Spec.Split.Users = 40
	if got := CostTable(&SweepResults{Entries: []Entry{{Run: sliced, Record: &fixed}}}).Rows[0][2]; got != "first 40 users of 60 × 80" {
		t.Errorf("reduced run's size %q", got)
	}
}

// TestScaleCostSpec checks the ledger's cost spec (results/specs/
// scale-cost.json): it parses, expands to every row on each of its four
// data sets (the synthetic one power-law), and every run passes the checks
// of what is registered; its quick budget keeps the rows.
func TestScaleCostSpec(t *testing.T) {
	s, err := LoadSpec("../../results/specs/scale-cost.json")
	if err != nil {
		t.Fatal(err)
	}
	runs, err := s.Expand()
	if err != nil {
		t.Fatal(err)
	}
	rows, data := map[string]int{}, map[string]int{}
	for k := range runs {
		r := &runs[k]
		if err := r.Check(); err != nil {
			t.Fatalf("%s: %v", r.Name(), err)
		}
		rows[r.Label]++
		name, _ := datasetSize(r.Spec.Dataset)
		data[name]++
		if r.Spec.Budget.Epochs != 1 {
			t.Errorf("%s: %d epochs, want 1", r.Name(), r.Spec.Budget.Epochs)
		}
	}
	if len(data) != 4 || data["synthetic "+LawPowerLaw] == 0 || data["gowalla"] == 0 || data["amazon-book"] == 0 || data["citeulike-t"] == 0 {
		t.Errorf("data sets %v: want citeulike-t, gowalla, amazon-book and synthetic power-law", data)
	}
	for _, label := range []string{"Teacher", "Student", "DE", "HTD", "RRD", "IR-RRD", "PHR"} {
		if rows[label] != 4 {
			t.Errorf("row %s has %d runs, want one per data set", label, rows[label])
		}
	}
	for k := range runs { // the teachers first, so that the other rows load them
		if (k < rows["Teacher"]) != (runs[k].Label == "Teacher") {
			t.Errorf("run %d is %s: want the %d Teacher runs first", k, runs[k].Label, rows["Teacher"])
		}
	}
	q, err := s.WithBudget("quick")
	if err != nil {
		t.Fatal(err)
	}
	if qr, err := q.Expand(); err != nil || len(qr) != len(runs) {
		t.Errorf("quick budget: %d runs (%v), want %d", len(qr), err, len(runs))
	}
}

// TestHoursTable checks the hours block: recorded hours per sweep, the
// runs to go estimated at their label's mean, labels without a record
// counted apart, resumed runs making the sum a lower bound, a sweep not
// started, and the total row.
func TestHoursTable(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := func(hours float64, resumed bool) *Record {
		r := &Record{Started: at, Finished: at.Add(time.Duration(hours * float64(time.Hour))), Machine: &Machine{CPUs: 2, Load: []float64{1.5, 4}}}
		if resumed {
			r.Result.Resumed = []int{3}
		}
		return r
	}
	run := func(label string) Run { return Run{Label: label} }
	a := &SweepResults{Sweep: "a", Entries: []Entry{
		{Run: run("DE"), Record: rec(2, false)},
		{Run: run("DE"), Record: rec(4, false)},
		{Run: run("DE")},                         // estimated at 3 h
		{Run: run("PHR")},                        // no estimate
		{Run: run("Hint"), Record: rec(1, true)}, // resumed: lower bound
	}}
	tab := HoursTable([]string{"a", "b"}, []*SweepResults{a, nil})
	want := [][]string{
		{"a", "3 of 5", "≥ 7.0", "3.0", "1"},
		{"b", "0", "–", "–", "all (not started)"},
		{"all of the above", "3 of 5 (and the sweeps not started)", "≥ 7.0", "3.0", "1"},
	}
	if len(tab.Rows) != len(want) {
		t.Fatalf("rows %q", tab.Rows)
	}
	for k := range want {
		if strings.Join(tab.Rows[k], "|") != strings.Join(want[k], "|") {
			t.Errorf("row %d: %q, want %q", k, tab.Rows[k], want[k])
		}
	}
	if len(tab.Notes) != 1 || !strings.Contains(tab.Notes[0], "between 1.5 and 4.0") {
		t.Errorf("notes %q", tab.Notes)
	}

	// Sweeps sharing runs (the same IDs): each row counts them, the
	// total once, recorded or still to go.
	c := &SweepResults{Sweep: "c", Entries: []Entry{
		{Run: Run{ID: "r1", Label: "T"}, Record: rec(1, false)},
		{Run: Run{ID: "r2", Label: "T"}, Record: rec(3, false)},
		{Run: Run{ID: "r3", Label: "T"}}, // estimated at 2 h
	}}
	d := &SweepResults{Sweep: "d", Entries: []Entry{
		{Run: Run{ID: "r2", Label: "T"}, Record: rec(3, false)},
		{Run: Run{ID: "r3", Label: "T"}}, // estimated at 3 h here, counted in c
		{Run: Run{ID: "r4", Label: "S"}, Record: rec(5, false)},
	}}
	// A third sweep holding r2 again: r2 is still one shared run.
	e := &SweepResults{Sweep: "e", Entries: []Entry{{Run: Run{ID: "r2", Label: "T"}, Record: rec(3, false)}}}
	tab = HoursTable([]string{"c", "d", "e"}, []*SweepResults{c, d, e})
	want = [][]string{
		{"c", "2 of 3", "4.0", "2.0", "0"},
		{"d", "2 of 3", "8.0", "3.0", "0"},
		{"e", "1 of 1", "3.0", "0.0", "0"},
		{"all of the above", "3 of 4", "9.0", "2.0", "0"},
	}
	for k := range want {
		if k >= len(tab.Rows) || strings.Join(tab.Rows[k], "|") != strings.Join(want[k], "|") {
			t.Errorf("shared runs, row %d: %q, want %q", k, tab.Rows, want[k])
		}
	}
	if len(tab.Notes) != 2 || !strings.Contains(tab.Notes[0], "2 runs belong to more than one") {
		t.Errorf("shared runs, notes %q", tab.Notes)
	}
}

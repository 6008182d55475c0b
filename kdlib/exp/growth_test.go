package exp

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kdrec/kdrec/kdlib/data"
)

// growthNoise is a fixed multiplicative noise of about ±4 %, the same on
// every run of the test.
func growthNoise(k int) float64 { return 1 + 0.04*math.Sin(1.7*float64(k)+0.3) }

// growthWobble is growthNoise at a quarter of its amplitude (±1 %).
func growthWobble(k int) float64 { return 1 + (growthNoise(k)-1)/4 }

// growthDesign is a one-factor-at-a-time design around 10k × 10k with 28
// interactions per user: users, items and interactions per user each
// varied by 4× while the others stay.
func growthDesign() [][3]float64 {
	var out [][3]float64
	for _, u := range []float64{5e3, 1e4, 2e4} {
		out = append(out, [3]float64{u, 1e4, 28 * u})
	}
	for _, i := range []float64{5e3, 2e4} {
		out = append(out, [3]float64{1e4, i, 28e4})
	}
	for _, per := range []float64{13, 58} {
		out = append(out, [3]float64{1e4, 1e4, per * 1e4})
	}
	return out
}

// TestFitGrowthRecovers fits costs c·u^a·i^b·n^g with a known noise on
// the one-factor-at-a-time design and checks the exponents (within 0.05),
// their standard errors, the scatter, and predictions; the exact law is
// predicted to 1e-9 far outside the design, and Reaches gives the factor
// at which a cost with a base reaches a limit.
func TestFitGrowthRecovers(t *testing.T) {
	for _, want := range [][3]float64{{0, 0, 1}, {1, 1, 0}, {0.3, 1.2, 0.8}, {0, 1, 0.5}} {
		var pts, exact []GrowthPoint
		for k, s := range growthDesign() {
			v := 2e-6 * math.Pow(s[0], want[0]) * math.Pow(s[1], want[1]) * math.Pow(s[2], want[2])
			pts = append(pts, GrowthPoint{Users: s[0], Items: s[1], Interactions: s[2], Value: v * growthNoise(k)})
			exact = append(exact, GrowthPoint{Users: s[0], Items: s[1], Interactions: s[2], Value: v})
		}
		f, err := FitGrowth(pts)
		if err != nil {
			t.Fatalf("%v: %v", want, err)
		}
		for j := range 3 {
			if math.Abs(f.Exponents[j]-want[j]) > 0.05 || !(f.StdErrs[j] > 0 && f.StdErrs[j] < 0.05) {
				t.Errorf("%v: exponent %d = %.4f ± %.4f", want, j, f.Exponents[j], f.StdErrs[j])
			}
		}
		if !(f.Scatter > 0.005 && f.Scatter < 0.05) {
			t.Errorf("%v: scatter %.4f for a noise of ±4 %%", want, f.Scatter)
		}
		g, err := FitGrowth(exact)
		if err != nil {
			t.Fatal(err)
		}
		u, i, n := 1e6, 5e5, 2.6e7
		truth := 2e-6 * math.Pow(u, want[0]) * math.Pow(i, want[1]) * math.Pow(n, want[2])
		if p, ok := g.Predict(u, i, n); !ok || math.Abs(p/truth-1) > 1e-9 {
			t.Errorf("%v: predicted %v (%v) at 10⁶ × 5·10⁵, want %v", want, p, ok, truth)
		}
		g.Base = 50
		limit := 24.0 * 1024
		s, ok := g.Reaches(limit, u, i, n)
		if !ok {
			t.Fatalf("%v: no size reaches the limit", want)
		}
		if p, _ := g.Predict(s*u, s*i, s*n); math.Abs(p/limit-1) > 1e-9 {
			t.Errorf("%v: at the size found (×%.4g) the cost is %v, want %v", want, s, p, limit)
		}
	}
}

// TestFitGrowthFixedAndCollinear checks that a factor that does not vary
// has no exponent and no prediction away from its value, that factors
// varying only together are refused, as are too few runs and a cost of 0.
func TestFitGrowthFixedAndCollinear(t *testing.T) {
	var pts []GrowthPoint
	for k, s := range growthDesign()[3:] { // users fixed at 10k
		pts = append(pts, GrowthPoint{Users: s[0], Items: s[1], Interactions: s[2], Value: s[1] * s[2] * 1e-9 * growthNoise(k)})
	}
	f, err := FitGrowth(pts)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(f.Exponents[0]) || math.Abs(f.Exponents[1]-1) > 0.05 || math.Abs(f.Exponents[2]-1) > 0.05 {
		t.Errorf("exponents %v: want none for users, 1 and 1", f.Exponents)
	}
	if _, ok := f.Predict(1e4, 1e4, 28e4); !ok {
		t.Error("no prediction at the users fitted")
	}
	if _, ok := f.Predict(2e4, 1e4, 28e4); ok {
		t.Error("a prediction at users never measured")
	}
	if _, ok := f.Reaches(1e6, 1e4, 1e4, 28e4); ok {
		t.Error("Reaches without the users' exponent")
	}
	var together []GrowthPoint
	for _, s := range growthDesign()[:3] { // users and interactions in proportion
		together = append(together, GrowthPoint{Users: s[0], Items: s[1], Interactions: s[2], Value: s[0]})
	}
	if _, err := FitGrowth(together); err == nil || !strings.Contains(err.Error(), "vary together") {
		t.Errorf("users and interactions in proportion: error %v", err)
	}
	if _, err := FitGrowth(together[:1]); err == nil {
		t.Error("one run fitted")
	}
	bad := append([]GrowthPoint(nil), pts...)
	bad[2].Value = 0
	if _, err := FitGrowth(bad); err == nil || !strings.Contains(err.Error(), "point 2") {
		t.Errorf("a zero cost: error %v", err)
	}
}

// growthRecords writes records of every run of the scale-growth spec to
// a ledger, each with the size of its data set and costs that follow
// known laws per row, with a noise of ±1 %: epoch CPU ∝ n (DE: ∝ n^1.1), evaluation ∝ u·i,
// setup ∝ u·i for the list users (IR-RRD: u·i + i), memory ∝ n above a
// start of 30 MiB. Every DCD record loaded its lists from the cache.
func growthRecords(t *testing.T, l *Ledger, runs []Run, skip func(Run) bool) {
	t.Helper()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for k, r := range runs {
		if skip(r) {
			continue
		}
		g := r.Spec.Dataset.Synthetic
		c := data.DefaultPowerLaw(g.Users, g.Items)
		if g.MinPerUser > 0 {
			c.MinPerUser = g.MinPerUser
		}
		u, i := float64(g.Users), float64(g.Items)
		n := u * (c.MeanPerUser() - 2)
		wob := growthWobble(k)
		epoch := 1e-5 * n * wob
		if r.Label == "DE" {
			epoch = 2e-6 * math.Pow(n, 1.1) * wob
		}
		eval := 3e-8 * u * i * wob
		setup := 0.0
		switch r.Label {
		case "RRD", "DCD":
			setup = 1e-8 * u * i * wob
		case "IR-RRD":
			setup = (1e-8*u*i + 1e-4*i) * wob
		case "DE", "FTD", "HTD":
			setup = 1e-6 * n * wob
		}
		res := RunResult{Protocol: Full, Epochs: 1, TrainSeconds: epoch * 1.3, TrainCPUSeconds: epoch,
			SetupSeconds: setup * 1.3, SetupCPUSeconds: setup, EvalCPUSeconds: eval,
			Data:  &DataSize{Users: g.Users, Items: g.Items, Interactions: int(n)},
			Curve: []CurvePoint{{Epoch: 1, Seconds: epoch * 1.3}}}
		if r.Label == "DCD" {
			res.Extra = map[string]any{"lists": "cache"}
		}
		wall := res.TrainSeconds + res.SetupSeconds + eval*1.3
		rec := &Record{ID: r.ID, Hash: r.Hash, Sweep: "scale-growth", Index: r.Index, Label: r.Label, Point: r.Point, Spec: r.Spec,
			Started: at, Finished: at.Add(time.Duration(wall * float64(time.Second))), Result: res,
			Machine: &Machine{CPUs: 2, StartRSSMB: 30, PeakRSSMB: 30 + 4e-5*n*wob}}
		if _, err := l.Add(rec); err != nil {
			t.Fatal(err)
		}
	}
}

// TestGrowthBlock checks the growth block through the ledger: a sweep not
// in the ledger and one with no record say so; with records of known laws
// (growthRecords) the fits recover each row's exponents, DCD's setup
// (lists from the cache) is not fitted, the predictions at 10⁶ × 5·10⁵
// follow the laws, and the table says where 24 GiB is reached.
func TestGrowthBlock(t *testing.T) {
	s, err := LoadSpec("../../results/specs/scale-growth.json")
	if err != nil {
		t.Fatal(err)
	}
	runs, err := s.Expand()
	if err != nil {
		t.Fatal(err)
	}
	l, err := OpenLedger(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// The compared sweep's spec, known to the ledger but not recorded.
	if err := os.MkdirAll(filepath.Join(l.Dir(), "specs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile("../../results/specs/scale-cost.json"); err != nil {
		t.Fatal(err)
	} else if err := os.WriteFile(filepath.Join(l.Dir(), "specs", "scale-cost.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	doc := []byte("<!-- ledger:growth scale-growth compare=scale-cost -->\n<!-- /ledger -->\n")
	block := func() string {
		t.Helper()
		out, err := GenerateDoc(doc, l, nil)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	if got := block(); !strings.Contains(got, "Not recorded yet: no run of scale-growth") {
		t.Errorf("sweep not in the ledger:\n%s", got)
	}
	if err := l.AddManifest(&Manifest{Sweep: s.Name, Spec: s, Runs: runs}); err != nil {
		t.Fatal(err)
	}
	if got := block(); !strings.Contains(got, "No run of sweep scale-growth is recorded yet (0 of 56)") {
		t.Errorf("sweep without records:\n%s", got)
	}
	// All but the Student's runs at the largest number of users.
	growthRecords(t, l, runs, func(r Run) bool { return r.Label == "Student" && r.Spec.Dataset.Synthetic.Users == 20000 })
	sr, err := l.Sweep(s.Name)
	if err != nil {
		t.Fatal(err)
	}
	fits, notes := GrowthFits(sr)
	if len(notes) != 0 {
		t.Errorf("notes %q", notes)
	}
	got := map[[2]string]GrowthFit{}
	for _, f := range fits {
		got[[2]string{f.Label, f.Part}] = f
	}
	check := func(label, part, clock string, want [3]float64) {
		t.Helper()
		f, ok := got[[2]string{label, part}]
		if !ok {
			t.Errorf("%s %s: no fit", label, part)
			return
		}
		if f.Clock != clock {
			t.Errorf("%s %s: clock %q, want %q", label, part, f.Clock, clock)
		}
		for j := range 3 {
			if math.Abs(f.Exponents[j]-want[j]) > 0.06 {
				t.Errorf("%s %s: exponents %.3f, want %v", label, part, f.Exponents, want)
				break
			}
		}
	}
	check("Student", GrowthEpoch, "CPU", [3]float64{0, 0, 1})
	check("DE", GrowthEpoch, "CPU", [3]float64{0, 0, 1.1})
	check("Teacher", GrowthEval, "CPU", [3]float64{1, 1, 0})
	check("RRD", GrowthSetup, "CPU", [3]float64{1, 1, 0})
	check("HTD", GrowthSetup, "CPU", [3]float64{0, 0, 1})
	check("FTD", GrowthMemory, "", [3]float64{0, 0, 1})
	if f := got[[2]string{"Student", GrowthEpoch}]; f.Runs != 6 {
		t.Errorf("Student's epoch fitted on %d runs, want 6", f.Runs)
	}
	if _, ok := got[[2]string{"DCD", GrowthSetup}]; ok {
		t.Error("DCD's setup fitted from lists loaded from the cache")
	}
	if _, ok := got[[2]string{"Teacher", GrowthSetup}]; ok {
		t.Error("a setup fitted for the plain Teacher runs")
	}
	// The memory fit predicts the law at the largest target and finds
	// 24 GiB where the law puts it.
	target := GrowthTargets()[len(GrowthTargets())-1]
	mem := got[[2]string{"FTD", GrowthMemory}]
	if math.Abs(mem.Base-30) > 1e-9 {
		t.Errorf("memory base %v, want 30", mem.Base)
	}
	law := 30 + 4e-5*target.Interactions
	if p, ok := mem.Predict(target.Users, target.Items, target.Interactions); !ok || math.Abs(p/law-1) > 0.1 {
		t.Errorf("FTD memory at %s: %v (%v), want about %v", target.Name, p, ok, law)
	}
	out := block()
	for _, want := range []string{"| row | part | clock | runs | users | items | interactions | scatter |",
		"| DE | epoch | CPU | 7 |", "24 GiB reached at", "M users × ", "epoch at 10⁶ × 5·10⁵"} {
		if !strings.Contains(out, want) {
			t.Errorf("block lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "1 of 56 runs of scale-growth not recorded yet") {
		t.Errorf("block does not count the missing run:\n%s", out)
	}
	// The compared sweep is named though not recorded; a typo is an error.
	if !strings.Contains(out, "measured in scale-cost on that data set") {
		t.Errorf("block does not name the compared sweep scale-cost:\n%s", out)
	}
	typo := []byte("<!-- ledger:growth scale-growth compare=scale-cots -->\n<!-- /ledger -->\n")
	if _, err := GenerateDoc(typo, l, nil); err == nil || !strings.Contains(err.Error(), "compare=scale-cots") {
		t.Errorf("compare= naming no sweep: %v", err)
	}
}

// TestScaleGrowthSpec checks the growth spec: every run passes the
// checks of what is registered, one epoch each, on power-law data whose
// users, items and interactions per user vary one at a time around a
// centre; the Teacher rows come first; the quick budget keeps the runs.
func TestScaleGrowthSpec(t *testing.T) {
	s, err := LoadSpec("../../results/specs/scale-growth.json")
	if err != nil {
		t.Fatal(err)
	}
	runs, err := s.Expand()
	if err != nil {
		t.Fatal(err)
	}
	type size struct{ u, i, m int }
	sizes := map[size]bool{}
	rows := map[string]int{}
	for k := range runs {
		r := &runs[k]
		if err := r.Check(); err != nil {
			t.Fatalf("%s: %v", r.Name(), err)
		}
		g := r.Spec.Dataset.Synthetic
		if g == nil || g.Law != LawPowerLaw || r.Spec.Budget.Epochs != 1 {
			t.Fatalf("%s: want power-law data and one epoch", r.Name())
		}
		sizes[size{g.Users, g.Items, g.MinPerUser}] = true
		rows[r.Label]++
	}
	for k := range runs { // the teachers first, so that the other rows load them
		if (k < rows["Teacher"]) != (runs[k].Label == "Teacher") {
			t.Errorf("run %d is %s: want the %d Teacher runs first", k, runs[k].Label, rows["Teacher"])
		}
	}
	// One factor at a time: every size differs from the centre in one
	// factor only, and each factor takes three values.
	centre := size{10000, 10000, 0}
	values := [3]map[int]bool{{}, {}, {}}
	for z := range sizes {
		diff := 0
		for j, v := range [3]int{z.u, z.i, z.m} {
			c := [3]int{centre.u, centre.i, centre.m}[j]
			if v != c {
				diff++
			}
			if v != c || z == centre {
				values[j][v] = true
			}
		}
		if diff > 1 {
			t.Errorf("size %+v differs from the centre in %d factors", z, diff)
		}
	}
	for j, v := range values {
		if len(v) != 3 {
			t.Errorf("factor %d takes values %v, want three", j, v)
		}
	}
	for _, label := range []string{"Teacher", "Student", "DE", "FTD", "HTD", "RRD", "IR-RRD", "DCD"} {
		if rows[label] != len(sizes) {
			t.Errorf("row %s has %d runs, want %d", label, rows[label], len(sizes))
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

// TestFitGrowthNearlyCollinear checks that FitGrowth refuses designs
// that cannot tell the exponents apart although they are not exactly
// singular: the scale-growth Teacher's first records (the users and items
// axes only, where the interactions stay within 4 % of 25.5 per user, so
// that users and interactions vary nearly in proportion), whose exponents
// an exact fit put at +6.9 / −5.6 with four runs and at −7.0 / +8.2 with
// five; and a fit with as many runs as parameters (no residual).
func TestFitGrowthNearlyCollinear(t *testing.T) {
	pts := []GrowthPoint{
		{Users: 5000, Items: 10000, Interactions: 128285, Value: 0.758},
		{Users: 10000, Items: 10000, Interactions: 254851, Value: 1.862},
		{Users: 20000, Items: 10000, Interactions: 517833, Value: 4.03},
		{Users: 10000, Items: 5000, Interactions: 247286, Value: 1.141},
		{Users: 10000, Items: 20000, Interactions: 259260, Value: 1.931},
	}
	for _, n := range []int{4, 5} {
		if f, err := FitGrowth(pts[:n]); err == nil || !strings.Contains(err.Error(), "vary together") && !strings.Contains(err.Error(), "too few") {
			t.Errorf("%d runs, users and interactions nearly in proportion: exponents %.2f, error %v", n, f.Exponents, err)
		}
	}
	// As many runs as parameters: an exact fit, refused.
	exact := []GrowthPoint{{1e4, 1e4, 28e4, 1}, {2e4, 1e4, 56e4, 2}, {1e4, 2e4, 28e4, 1.5}, {1e4, 1e4, 56e4, 1.9}}
	if f, err := FitGrowth(exact); err == nil || !strings.Contains(err.Error(), "too few") {
		t.Errorf("4 runs for 4 parameters: exponents %.2f, error %v", f.Exponents, err)
	}
	// The full one-factor-at-a-time design still fits.
	var ok []GrowthPoint
	for k, s := range growthDesign() {
		ok = append(ok, GrowthPoint{Users: s[0], Items: s[1], Interactions: s[2], Value: 1e-6 * s[2] * growthNoise(k)})
	}
	if _, err := FitGrowth(ok); err != nil {
		t.Errorf("the one-factor-at-a-time design: %v", err)
	}
}

package exp

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

// TestActivityQuartiles records a small sweep and checks the per-quartile
// table against the records: the quartile means, weighted by the number of
// evaluated users in each quartile, give back each run's overall test
// mean, and an unrecorded sweep or an unknown metric is an error.
func TestActivityQuartiles(t *testing.T) {
	s := pinSpec()
	s.Name = "activity"
	s.Seeds = []uint64{0}
	s.Variants = []Variant{plainRow("Student", bpr(4))}
	l, err := OpenLedger(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	env, _ := NewEnv(t.TempDir(), nil)
	sr, err := l.SweepOf(s)
	if err != nil {
		t.Fatal(err)
	}
	r := s.RunSpec
	r.Normalize()
	split, err := env.Split(r.Dataset, r.Split, r.Protocol)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ActivityQuartiles(sr, split, "HR@5"); !errors.Is(err, ErrNoData) {
		t.Fatalf("nothing recorded: %v, want ErrNoData", err)
	}
	if _, err := RunSweep(context.Background(), s, SweepOptions{Out: t.TempDir(), Env: env, Ledger: l}); err != nil {
		t.Fatal(err)
	}
	if sr, err = l.SweepOf(s); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ActivityQuartiles(sr, split, "hr@5"); err == nil {
		t.Error("a misspelt metric was accepted")
	}
	tb, fig, err := ActivityQuartiles(sr, split, "HR@5")
	if err != nil {
		t.Fatal(err)
	}
	if fig == nil || len(tb.Rows) != 1 || tb.Rows[0][0] != "Student" {
		t.Fatalf("rows %v", tb.Rows)
	}
	// Rebuild the weights from the boundaries in the note.
	note := tb.Notes[0]
	var cut []int
	for _, f := range strings.FieldsFunc(note, func(r rune) bool { return r < '0' || r > '9' }) {
		n, _ := strconv.Atoi(f)
		cut = append(cut, n)
	}
	cut = cut[:3]
	rec := sr.Entries[0].Record
	pu, err := rec.Result.PerUser.Unpack()
	if err != nil {
		t.Fatal(err)
	}
	count := make([]float64, 4)
	for _, u := range pu.Users {
		q := 0
		for _, c := range cut {
			if len(split.Train.Items(int(u))) > c {
				q++
			}
		}
		count[q]++
	}
	sum := 0.0
	for q := range 4 {
		mean, err := strconv.ParseFloat(strings.Fields(tb.Rows[0][1+q])[0], 64)
		if err != nil {
			t.Fatal(err)
		}
		sum += mean * count[q]
	}
	if got, want := sum/float64(len(pu.Users)), pu.Mean("HR@5"); math.Abs(got-want) > 1e-3 {
		t.Errorf("quartile means recombine to %.4f, the run's mean is %.4f", got, want)
	}
}

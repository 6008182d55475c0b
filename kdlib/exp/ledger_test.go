package exp

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kdrec/kdrec/kdlib/eval"
)

// TestLedgerRecordsAndResumes runs a small sweep into a ledger, checks the
// records (spec hash, machine, ranks that reproduce the stored per-user
// metrics) and that a sweep on a fresh output directory resumes from the
// ledger alone.
func TestLedgerRecordsAndResumes(t *testing.T) {
	s := pinSpec()
	s.Seeds = []uint64{0, 1}
	s.Variants = []Variant{plainRow("Student", bpr(4)), kdRow("RRD", kd("rrd", 0.001, "n", 60, "k", 10, "l", 10))}
	l, err := OpenLedger(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	env, _ := NewEnv(t.TempDir(), nil)
	out := t.TempDir()
	rep, err := RunSweep(context.Background(), s, SweepOptions{Out: out, Env: env, Ledger: l})
	if err != nil || rep.Ran != 4 {
		t.Fatalf("%v, %v", rep, err)
	}
	// The ledger's compact form (packed curve, per-user values from the
	// ranks) reads back as the store's record.
	stored, err := LoadResults(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range stored.Records {
		got, err := l.Get(want.ID)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(filepath.Join(l.Dir(), "runs", want.ID+".json.gz"))
		if zr, err := gzip.NewReader(bytes.NewReader(raw)); err == nil {
			b, _ := io.ReadAll(zr)
			if !bytes.Contains(b, []byte(`"per_user_from_ranks"`)) || !bytes.Contains(b, []byte(`"curve_packed"`)) || bytes.Contains(b, []byte(`"per_user":{`)) {
				t.Errorf("%s is not stored compactly: %v %v %v", want.ID, bytes.Contains(b, []byte(`"per_user_from_ranks"`)), bytes.Contains(b, []byte(`"curve_packed"`)), bytes.Contains(b, []byte(`"per_user":{`)))
			}
		}
		a, _ := got.Result.PerUser.Unpack()
		b, _ := want.Result.PerUser.Unpack()
		if !samePerUser(a, b) {
			t.Errorf("%s: per-user values differ after the round trip", want.ID)
		}
		if len(got.Result.Curve) != len(want.Result.Curve) {
			t.Fatalf("%s: curve of %d points, want %d", want.ID, len(got.Result.Curve), len(want.Result.Curve))
		}
		for k, p := range want.Result.Curve {
			q := got.Result.Curve[k]
			if q.Epoch != p.Epoch || float32(q.Loss) != float32(p.Loss) || q.Seconds != p.Seconds || len(q.Valid) != len(p.Valid) || len(q.TermLoss) != len(p.TermLoss) {
				t.Fatalf("%s epoch %d: %+v, want %+v", want.ID, p.Epoch, q, p)
			}
			for m, v := range p.Test {
				if float32(q.Test[m]) != float32(v) {
					t.Fatalf("%s epoch %d %s: %v, want %v", want.ID, p.Epoch, m, q.Test[m], v)
				}
			}
		}
	}
	recs, err := l.Records()
	if err != nil || len(recs) != 4 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	for _, rec := range recs {
		if rec.Machine == nil || rec.Machine.CPUs < 1 || rec.Sweep != s.SweepKey() || rec.Result.Ranks == nil {
			t.Fatalf("record %s: machine %+v sweep %q ranks %v", rec.ID, rec.Machine, rec.Sweep, rec.Result.Ranks)
		}
		r, err := rec.Result.Ranks.Unpack()
		if err != nil {
			t.Fatal(err)
		}
		pu, err := rec.Result.PerUser.Unpack()
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Users) != pu.Len() || len(r.Users) == 0 {
			t.Fatalf("%d ranked users, %d evaluated", len(r.Users), pu.Len())
		}
		for j, name := range pu.Metrics {
			kind, n, _ := eval.ParseMetric(name)
			for k := range r.Users {
				v, _ := eval.RankMetric(kind, int(r.Candidates[k]), n)
				if float32(v) != float32(pu.PerUser[j][k]) {
					t.Fatalf("%s user %d %s: rank %d gives %v, stored %v", rec.ID, r.Users[k], name, r.Candidates[k], v, pu.PerUser[j][k])
				}
			}
		}
		if added, err := l.Add(rec); added || err != nil {
			t.Errorf("a second Add of %s replaced the record (%v, %v)", rec.ID, added, err)
		}
	}
	rep, err = RunSweep(context.Background(), s, SweepOptions{Out: t.TempDir(), Env: env, Ledger: l})
	if err != nil || rep.Ran != 0 || rep.Skipped != 4 {
		t.Fatalf("resume from the ledger: %v, %v", rep, err)
	}
	// A record edited by hand (its spec no longer hashes to its id) is refused.
	rec := recs[0]
	rec.Spec.Seed = 99
	path := filepath.Join(l.Dir(), "runs", rec.ID+".json.gz")
	os.Remove(path)
	if _, err := l.Add(rec); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Records(); err == nil {
		t.Error("an edited record was read")
	}
}

// TestPackRanksRoundTrip checks the compact encoding of ranks.
func TestPackRanksRoundTrip(t *testing.T) {
	r := &eval.Ranks{Part: eval.Test, Users: []int32{0, 3, 4, 90}, Candidates: []int32{1, 500, 2, 7}, Full: []int32{1, 25000, 9, 700}}
	p, err := PackRanks(r)
	if err != nil {
		t.Fatal(err)
	}
	q, err := p.Unpack()
	if err != nil {
		t.Fatal(err)
	}
	for k := range r.Users {
		if q.Users[k] != r.Users[k] || q.Candidates[k] != r.Candidates[k] || q.Full[k] != r.Full[k] {
			t.Fatalf("round trip: %+v, want %+v", q, r)
		}
	}
	p.Data = p.Data[:len(p.Data)-4]
	if _, err := p.Unpack(); err == nil {
		t.Error("a truncated payload decoded")
	}
}

// TestManifestGrows checks AddManifest's rule: a sweep's manifest grows by
// runs appended at its end, and any other change of the runs, a shorter
// expansion included, is refused and leaves the manifest as it was.
func TestManifestGrows(t *testing.T) {
	l, err := OpenLedger(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	runs := func(ids ...string) []Run {
		var out []Run
		for k, id := range ids {
			out = append(out, Run{Index: k, ID: id})
		}
		return out
	}
	ids := func() []string {
		ms, err := LoadManifests(l.Dir())
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range ms["s"].Runs {
			out = append(out, r.ID)
		}
		return out
	}
	steps := []struct {
		runs []Run
		ok   bool
		want string
	}{
		{runs("a", "b"), true, "a b"},
		{runs("a", "b"), true, "a b"},               // the same expansion
		{runs("a", "b", "c", "d"), true, "a b c d"}, // grown at the end
		{runs("a", "b"), false, "a b c d"},          // an older copy, or rows removed
		{runs("a", "x", "c", "d", "e"), false, "a b c d"},
		{runs("c", "a", "b", "d"), false, "a b c d"},
		{runs("b", "c"), false, "a b c d"},
	}
	for k, st := range steps {
		err := l.AddManifest(&Manifest{Sweep: "s", Spec: &Spec{Name: "s"}, Runs: st.runs})
		if (err == nil) != st.ok {
			t.Fatalf("step %d: err = %v, want ok=%v", k, err, st.ok)
		}
		if got := fmt.Sprint(ids()); got != "["+st.want+"]" {
			t.Fatalf("step %d: manifest runs %s, want [%s]", k, got, st.want)
		}
	}
}

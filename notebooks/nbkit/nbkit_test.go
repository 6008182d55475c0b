package nbkit

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/exp"
)

func TestScaleAndDirs(t *testing.T) {
	t.Setenv(EnvQuick, "1")
	if !Quick() || Pick(10, 2) != 2 {
		t.Error("KDREC_QUICK=1 not seen")
	}
	t.Setenv(EnvQuick, "0")
	if Quick() || Pick(10, 2) != 10 {
		t.Error("KDREC_QUICK=0 taken as quick")
	}
	for _, c := range []struct {
		quick, ref string
		want       int
	}{{"", "", 100}, {"", "1", 1000}, {"", "0", 100}, {"1", "", 20}, {"1", "1", 20}} {
		t.Setenv(EnvQuick, c.quick)
		t.Setenv(EnvReference, c.ref)
		if got := PickFull(1000, 100, 20); got != c.want {
			t.Errorf("KDREC_QUICK=%q KDREC_REFERENCE=%q: PickFull gave %d, want %d", c.quick, c.ref, got, c.want)
		}
		if (c.want == 1000) != Reference() || (c.want == 20) != Quick() {
			t.Errorf("KDREC_QUICK=%q KDREC_REFERENCE=%q: Quick %v, Reference %v", c.quick, c.ref, Quick(), Reference())
		}
	}
	for _, c := range []struct {
		quick, ref, retrain, want string
		ledger                    bool
	}{
		{"1", "1", "", "reduced scale", false},
		{"1", "", "1", "reduced scale", false},
		{"", "", "", "full scale, from the results ledger", true},
		{"", "", "0", "full scale, from the results ledger", true},
		{"", "", "1", "full scale, retrained here", false},
		{"", "1", "", "full scale, retrained at the dissertation's protocol", false},
	} {
		t.Setenv(EnvQuick, c.quick)
		t.Setenv(EnvReference, c.ref)
		t.Setenv(EnvRetrain, c.retrain)
		if got := ScaleName(); got != c.want {
			t.Errorf("KDREC_QUICK=%q KDREC_REFERENCE=%q KDREC_RETRAIN=%q: scale name %q, want %q", c.quick, c.ref, c.retrain, got, c.want)
		}
		if FromLedger() != c.ledger || Retrain() == c.ledger {
			t.Errorf("KDREC_QUICK=%q KDREC_REFERENCE=%q KDREC_RETRAIN=%q: FromLedger %v, Retrain %v", c.quick, c.ref, c.retrain, FromLedger(), Retrain())
		}
	}
	t.Setenv("GONB_DIR", "/nb")
	t.Setenv("KDREC_CACHE", "")
	t.Setenv(EnvFigures, "")
	if CacheDir() != "/nb/.cache" || FiguresDir() != "/nb/figures" {
		t.Errorf("dirs %s %s", CacheDir(), FiguresDir())
	}
	t.Setenv("KDREC_CACHE", "/c")
	if CacheDir() != "/c" {
		t.Errorf("cache dir %s", CacheDir())
	}
}

func TestCached(t *testing.T) {
	t.Setenv("KDREC_CACHE", t.TempDir())
	calls := 0
	f := func() ([]int, error) { calls++; return []int{1, 2}, nil }
	for range 2 {
		v, err := Cached("x", f)
		if err != nil || !slices.Equal(v, []int{1, 2}) {
			t.Fatalf("%v %v", v, err)
		}
	}
	if calls != 1 {
		t.Errorf("computed %d times", calls)
	}
}

func TestTrainBPRCache(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("KDREC_CACHE", dir)
	x, err := datasets.Load("citeulike-t")
	if err != nil {
		t.Fatal(err)
	}
	s, err := data.LeaveOneOut(x, 0, 20)
	if err != nil {
		t.Fatal(err)
	}
	o := exp.BPROptions{Dim: 4, Seed: 1, Protocol: exp.LOO, Epochs: 2, EvalEvery: 1}
	a, err := TrainBPR(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	b, err := TrainBPR(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	if a.Cached || !b.Cached {
		t.Fatalf("cached flags %v %v", a.Cached, b.Cached)
	}
	if !slices.Equal(a.Model.P.W, b.Model.P.W) || len(b.Result.History) != len(a.Result.History) || b.Test["HR@10"] != a.Test["HR@10"] {
		t.Error("cached run differs")
	}
	if _, c := b.Result.TestCurve("HR@10"); len(c) != 2 {
		t.Errorf("curve %v", c)
	}
	// A corrupt checkpoint is retrained.
	if err := os.WriteFile(a.Path, []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := TrainBPR(context.Background(), s, o)
	if err != nil || c.Cached {
		t.Fatalf("corrupt cache: %v cached=%v", err, c != nil && c.Cached)
	}
	if filepath.Dir(c.Path) != filepath.Join(dir, "runs") {
		t.Errorf("path %s", c.Path)
	}
}

package distill

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/nn"
)

// tableScorer scores from a dense table; quantised scores create ties.
type tableScorer struct {
	nu, ni int
	s      []float32
}

func (t *tableScorer) NumUsers() int { return t.nu }
func (t *tableScorer) NumItems() int { return t.ni }
func (t *tableScorer) ScoreItems(u int, items []int32, out []float32) {
	for k, i := range items {
		out[k] = t.s[u*t.ni+int(i)]
	}
}
func (t *tableScorer) ScoreAll(u int, out []float32) { copy(out, t.s[u*t.ni:(u+1)*t.ni]) }

func randomTable(nu, ni int, levels float64, seed uint64) *tableScorer {
	rng := nn.NewRand(seed, 5)
	t := &tableScorer{nu: nu, ni: ni, s: make([]float32, nu*ni)}
	for k := range t.s {
		t.s[k] = float32(math.Round(rng.NormFloat64() * levels))
	}
	return t
}

func randomTrain(t testing.TB, nu, ni, per int, seed uint64) *data.Interactions {
	rng := nn.NewRand(seed, 6)
	var pairs []data.Pair
	for u := 0; u < nu; u++ {
		for k := 0; k < 1+rng.IntN(per); k++ {
			pairs = append(pairs, data.Pair{User: int32(u), Item: int32(rng.IntN(ni))})
		}
	}
	x, err := data.FromPairs(nu, ni, pairs)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// refList ranks the candidates by descending score, ties by lower index.
func refList(score func(c int) float32, cands []int, n int) []int32 {
	slices.SortStableFunc(cands, func(a, b int) int {
		sa, sb := score(a), score(b)
		if sa != sb {
			if sa > sb {
				return -1
			}
			return 1
		}
		return a - b
	})
	out := []int32{}
	for _, c := range cands[:min(n, len(cands))] {
		out = append(out, int32(c))
	}
	return out
}

func TestBuildListsMatchesSort(t *testing.T) {
	for _, c := range []struct {
		nu, ni, n int
		levels    float64
	}{{300, 150, 20, 3}, {150, 300, 40, 100}, {200, 90, 200, 2}} {
		sc := randomTable(c.nu, c.ni, c.levels, uint64(c.n))
		x := randomTrain(t, c.nu, c.ni, 6, uint64(c.n))
		for _, workers := range []int{1, 3} {
			tl, err := BuildLists(context.Background(), sc, x, ListOptions{N: c.n, ItemSide: true, Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			for u := 0; u < c.nu; u++ {
				var cands []int
				for i := 0; i < c.ni; i++ {
					if !x.Has(u, int32(i)) {
						cands = append(cands, i)
					}
				}
				want := refList(func(i int) float32 { return sc.s[u*c.ni+i] }, cands, c.n)
				if got := tl.Users.Row(u); !slices.Equal(got, want) {
					t.Fatalf("%+v workers=%d: user %d list %v, want %v", c, workers, u, got, want)
				}
			}
			for i := 0; i < c.ni; i++ {
				var cands []int
				for u := 0; u < c.nu; u++ {
					if !x.Has(u, int32(i)) {
						cands = append(cands, u)
					}
				}
				want := refList(func(u int) float32 { return sc.s[u*c.ni+i] }, cands, c.n)
				if got := tl.Items.Row(i); !slices.Equal(got, want) {
					t.Fatalf("%+v workers=%d: item %d list %v, want %v", c, workers, i, got, want)
				}
			}
		}
	}
}

func TestKeepBest(t *testing.T) {
	rng := nn.NewRand(2, 2)
	for trial := 0; trial < 200; trial++ {
		n := 1 + rng.IntN(40)
		e := make([]entry, n+rng.IntN(60))
		for k := range e {
			e[k] = entry{float32(rng.IntN(5)), int32(k)}
		}
		rng.Shuffle(len(e), func(a, b int) { e[a], e[b] = e[b], e[a] })
		want := slices.Clone(e)
		slices.SortFunc(want, cmpEntry)
		thr := keepBest(e, n)
		got := slices.Clone(e[:n])
		slices.SortFunc(got, cmpEntry)
		if !slices.Equal(got, want[:n]) || thr != want[n-1].s {
			t.Fatalf("n=%d: kept %v (threshold %v), want %v", n, got, thr, want[:n])
		}
	}
}

// dirStore is a ListStore over a directory, without locks: what exp.Cache
// does within one process.
type dirStore string

func (d dirStore) Get(ctx context.Context, name string, decode func([]byte) error, build func(context.Context) ([]byte, error)) (bool, error) {
	path := filepath.Join(string(d), name)
	if b, err := os.ReadFile(path); err == nil && decode(b) == nil {
		return true, nil
	}
	b, err := build(ctx)
	if err != nil {
		return false, err
	}
	if err := decode(b); err != nil {
		return false, err
	}
	return false, os.WriteFile(path, b, 0o644)
}

func TestListsCache(t *testing.T) {
	dir := t.TempDir()
	sc := randomTable(60, 80, 10, 1)
	x := randomTrain(t, 60, 80, 5, 1)
	o := ListOptions{N: 15, ItemSide: true, Store: dirStore(dir), Key: "teacher-A"}
	first, err := BuildLists(context.Background(), sc, x, o)
	if err != nil || first.Source != "built" {
		t.Fatalf("first build: %v, source %q", err, first.Source)
	}
	again, err := BuildLists(context.Background(), sc, x, o)
	if err != nil || again.Source != "cache" {
		t.Fatalf("second build: %v, source %q", err, again.Source)
	}
	if !slices.Equal(first.Users.Idx, again.Users.Idx) || !slices.Equal(first.Items.Idx, again.Items.Idx) {
		t.Fatal("cached lists differ from the built ones")
	}
	// Another teacher key does not reuse the files.
	other, err := BuildLists(context.Background(), sc, x, ListOptions{N: 15, Store: dirStore(dir), Key: "teacher-B"})
	if err != nil || other.Source != "built" {
		t.Fatalf("other key: %v, source %q", err, other.Source)
	}
	// Flip one byte of the user file: detected, reported and rebuilt.
	files, _ := filepath.Glob(filepath.Join(dir, "*users*"))
	var victim string
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if len(b) > 0 {
			r, err := decodeLists(b, listKey("teacher-A", x), 60, 80, 15)
			if err == nil && r != nil {
				victim = f
				b[100] ^= 0xff
				os.WriteFile(f, b, 0o644)
				break
			}
		}
	}
	if victim == "" {
		t.Fatal("no cache file for teacher-A")
	}
	b, _ := os.ReadFile(victim)
	if _, err := decodeLists(b, listKey("teacher-A", x), 60, 80, 15); !errors.Is(err, ErrCorruptLists) {
		t.Fatalf("corrupt file read as %v", err)
	}
	rebuilt, err := BuildLists(context.Background(), sc, x, o)
	if err != nil || !strings.HasPrefix(rebuilt.Source, "rebuilt: ") || !strings.Contains(rebuilt.Source, "checksum") {
		t.Fatalf("corrupt cache: %v, source %q", err, rebuilt.Source)
	}
	if !slices.Equal(first.Users.Idx, rebuilt.Users.Idx) {
		t.Fatal("rebuilt lists differ")
	}
	// A truncated file is caught too, and the rebuild repaired the file.
	b, _ = os.ReadFile(victim)
	os.WriteFile(victim, b[:len(b)/2], 0o644)
	if r, err := BuildLists(context.Background(), sc, x, o); err != nil || !strings.Contains(r.Source, "truncated") {
		t.Fatalf("truncated cache: %v, source %q", err, r.Source)
	}
	if r, err := BuildLists(context.Background(), sc, x, o); err != nil || r.Source != "cache" {
		t.Fatalf("after repair: %v, source %q", err, r.Source)
	}
	// The item side asked for after the user side alone: the user side is
	// read, the item side ranked alone, and both equal a fresh build's.
	half := ListOptions{N: 15, Store: dirStore(t.TempDir()), Key: "teacher-A"}
	if r, err := BuildLists(context.Background(), sc, x, half); err != nil || r.Source != "built" || r.Items != nil {
		t.Fatalf("user side: %v, source %q", err, r.Source)
	}
	half.ItemSide = true
	ranked := 0
	half.Progress = func(done, total int) { ranked = done }
	both, err := BuildLists(context.Background(), sc, x, half)
	if err != nil || both.Source != "built" || ranked != 60 {
		t.Fatalf("item side: %v, source %q, %d users ranked", err, both.Source, ranked)
	}
	if !slices.Equal(first.Users.Idx, both.Users.Idx) || !slices.Equal(first.Items.Idx, both.Items.Idx) || !slices.Equal(first.Items.Len, both.Items.Len) {
		t.Fatal("lists built side by side differ from those built in one pass")
	}
}

func TestBuildListsErrors(t *testing.T) {
	sc := randomTable(10, 10, 1, 1)
	x := randomTrain(t, 10, 10, 3, 1)
	if _, err := BuildLists(context.Background(), sc, x, ListOptions{N: -1}); err == nil {
		t.Error("negative N accepted")
	}
	if _, err := BuildLists(context.Background(), sc, x, ListOptions{Store: dirStore(t.TempDir())}); err == nil {
		t.Error("cache without key accepted")
	}
	big := randomTrain(t, 12, 10, 3, 1)
	if _, err := BuildLists(context.Background(), sc, big, ListOptions{}); err == nil {
		t.Error("teacher smaller than the data accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := BuildLists(ctx, sc, x, ListOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled build: %v", err)
	}
}

// TestBuildListsProgress checks that Progress reports every block of users
// in increasing order up to the total, on one side and on both, and that
// the lists do not depend on it.
func TestBuildListsProgress(t *testing.T) {
	sc := randomTable(300, 70, 0, 4)
	x := randomTrain(t, 300, 70, 5, 4)
	for _, itemSide := range []bool{false, true} {
		var calls []int
		got, err := BuildLists(context.Background(), sc, x, ListOptions{N: 10, ItemSide: itemSide,
			Progress: func(done, total int) {
				if total != 300 {
					t.Errorf("total %d, want 300", total)
				}
				calls = append(calls, done)
			}})
		if err != nil {
			t.Fatal(err)
		}
		if len(calls) != 3 || calls[0] != 128 || calls[1] != 256 || calls[2] != 300 {
			t.Errorf("item side %v: progress calls %v, want [128 256 300]", itemSide, calls)
		}
		plain, err := BuildLists(context.Background(), sc, x, ListOptions{N: 10, ItemSide: itemSide})
		if err != nil {
			t.Fatal(err)
		}
		for u := 0; u < 300; u++ {
			if !slices.Equal(got.Users.Row(u), plain.Users.Row(u)) {
				t.Fatalf("user %d: lists differ with a progress callback", u)
			}
		}
	}
}

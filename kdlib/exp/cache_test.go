package exp

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kdrec/kdrec/kdlib/model"
)

func TestCacheBuildsOnceAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	var builds atomic.Int32
	var wg sync.WaitGroup
	results := make([]string, 6)
	for k := range results {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			// Separate Cache values stand for separate processes: they
			// share nothing but the directory.
			c := &Cache{Dir: dir, Poll: 5 * time.Millisecond}
			var got string
			_, err := c.Get(context.Background(), "lists/x/abc-k10.bin", func(b []byte) error { got = string(b); return nil },
				func(context.Context) ([]byte, error) {
					builds.Add(1)
					time.Sleep(50 * time.Millisecond)
					return []byte("payload"), nil
				})
			if err != nil {
				t.Error(err)
			}
			results[k] = got
		}(k)
	}
	wg.Wait()
	if builds.Load() != 1 {
		t.Fatalf("%d builds", builds.Load())
	}
	for _, r := range results {
		if r != "payload" {
			t.Fatalf("results %q", results)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "lists/x/abc-k10.bin.lock")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("lock left behind")
	}
}

func TestCacheStaleLockAndCorruptFile(t *testing.T) {
	dir := t.TempDir()
	var log bytes.Buffer
	c := &Cache{Dir: dir, Log: &log, Poll: 5 * time.Millisecond, Stale: 100 * time.Millisecond}
	path := c.Path("a.bin")
	// A lock left by a dead process (no heartbeat for a long time).
	os.WriteFile(path+".lock", []byte("host=gone pid=1"), 0o644)
	old := time.Now().Add(-time.Hour)
	os.Chtimes(path+".lock", old, old)
	decode := func(b []byte) error {
		if string(b) != "good" {
			return errors.New("bad content")
		}
		return nil
	}
	build := func(context.Context) ([]byte, error) { return []byte("good"), nil }
	cached, err := c.Get(context.Background(), "a.bin", decode, build)
	if err != nil || cached {
		t.Fatalf("cached %v, err %v", cached, err)
	}
	if !strings.Contains(log.String(), "taking over stale lock") {
		t.Fatalf("log: %s", log.String())
	}
	cached, err = c.Get(context.Background(), "a.bin", decode, build)
	if err != nil || !cached {
		t.Fatalf("second Get: cached %v, err %v", cached, err)
	}
	// A damaged file is reported, moved aside and rebuilt.
	os.WriteFile(path, []byte("bad"), 0o644)
	log.Reset()
	cached, err = c.Get(context.Background(), "a.bin", decode, build)
	if err != nil || cached || !strings.Contains(log.String(), "unusable") {
		t.Fatalf("cached %v, err %v, log %s", cached, err, log.String())
	}
	if b, _ := os.ReadFile(path); string(b) != "good" {
		t.Fatalf("content %q", b)
	}
	// A live lock makes Get wait, and cancellation ends the wait.
	os.Remove(path)
	os.WriteFile(path+".lock", nil, 0o644)
	c.Stale = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Get(ctx, "a.bin", decode, build); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting Get: %v", err)
	}
}

func TestCacheTeacherCheckpoint(t *testing.T) {
	s := tinySpec()
	s.Teacher = &TeacherSpec{ModelSpec: bpr(12)}
	runs, err := s.Expand()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	env1, _ := NewEnv(dir, nil)
	t1, err := env1.Teacher(context.Background(), &runs[0].Spec, -1)
	if err != nil {
		t.Fatal(err)
	}
	if t1.Cached || t1.Path == "" || !strings.Contains(t1.Path, "bpr-"+t1.Hash[:16]) {
		t.Fatalf("first: cached %v path %s", t1.Cached, t1.Path)
	}
	// Another process (fresh Env) loads the same checkpoint.
	env2, _ := NewEnv(dir, nil)
	t2, err := env2.Teacher(context.Background(), &runs[0].Spec, -1)
	if err != nil {
		t.Fatal(err)
	}
	if !t2.Cached || t2.Result.Best["HR@5"] != t1.Result.Best["HR@5"] {
		t.Fatalf("second: cached %v, %v vs %v", t2.Cached, t2.Result.Best, t1.Result.Best)
	}
	a, _ := t1.Scorer()
	b, _ := t2.Scorer()
	sa, sb := make([]float32, 200), make([]float32, 200)
	a.ScoreAll(7, sa)
	b.ScoreAll(7, sb)
	for i := range sa {
		if sa[i] != sb[i] {
			t.Fatalf("item %d: %v vs %v", i, sa[i], sb[i])
		}
	}
	// The same teacher for another seed is another checkpoint.
	t3, err := env2.Teacher(context.Background(), &runs[1].Spec, -1)
	if err != nil || t3.Hash == t1.Hash || t3.Cached {
		t.Fatalf("seed 1: %v, %s", err, t3.Hash)
	}
	// A checkpoint stored under the wrong key is not used.
	m, meta, _ := model.Load(t1.Path)
	meta[metaKey] = `{"other":1}`
	model.Save(t1.Path, m, meta)
	env3, _ := NewEnv(dir, nil)
	t4, err := env3.Teacher(context.Background(), &runs[0].Spec, -1)
	if err != nil || t4.Cached {
		t.Fatalf("wrong-key checkpoint used: %v", err)
	}
	if _, err := env3.Teacher(context.Background(), &runs[0].Spec, 2); err == nil {
		t.Fatal("teacher 2 of a single-teacher run")
	}
}

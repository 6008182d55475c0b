package model

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckpointRoundTrip(t *testing.T) {
	m, _ := NewBPR(BPRConfig{Users: 5, Items: 7, Dim: 3, Seed: 9})
	path := filepath.Join(t.TempDir(), "sub", "m.ckpt")
	if err := Save(path, m, map[string]string{"data": "toy"}); err != nil {
		t.Fatal(err)
	}
	got, meta, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	g := got.(*BPR)
	if meta["data"] != "toy" || g.Dim() != 3 || g.NumUsers() != 5 {
		t.Fatalf("meta %v dim %d users %d", meta, g.Dim(), g.NumUsers())
	}
	for k := range m.Q.W {
		if g.Q.W[k] != m.Q.W[k] {
			t.Fatalf("item_emb[%d] = %v, saved %v", k, g.Q.W[k], m.Q.W[k])
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestCheckpointErrors(t *testing.T) {
	m, _ := NewBPR(BPRConfig{Users: 5, Items: 7, Dim: 3, Seed: 9})
	dir := t.TempDir()
	path := filepath.Join(dir, "m.ckpt")
	if err := Save(path, m, nil); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	cases := map[string][]byte{
		"truncated": good[:len(good)-40],
		"short":     good[:10],
		"magic":     append([]byte("NOTACKPT"), good[8:]...),
		"flipped":   flip(good, len(good)-50),
		"trailing":  append(append([]byte{}, good...), 0),
	}
	for name, b := range cases {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		_, _, err := Load(p)
		if err == nil || !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: got %v, want an ErrCorrupt naming the file", name, err)
		}
	}
	if _, _, err := Load(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file loaded")
	}
}

func flip(b []byte, k int) []byte {
	c := append([]byte{}, b...)
	c[k] ^= 0xff
	return c
}

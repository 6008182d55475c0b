package repl

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rewriteCheckpointKind changes the kind in a checkpoint's header and
// recomputes its length and checksum, as a hostile file would.
func rewriteCheckpointKind(t *testing.T, path, kind string) {
	t.Helper()
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	hlen := int(binary.LittleEndian.Uint32(good[12:]))
	var h map[string]json.RawMessage
	if err := json.Unmarshal(good[16:16+hlen], &h); err != nil {
		t.Fatal(err)
	}
	h["kind"], _ = json.Marshal(kind)
	hj, _ := json.Marshal(h)
	var b bytes.Buffer
	b.Write(good[:12])
	binary.Write(&b, binary.LittleEndian, uint32(len(hj)))
	b.Write(hj)
	b.Write(good[16+hlen : len(good)-32])
	sum := sha256.Sum256(b.Bytes())
	b.Write(sum[:])
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLoadModelKindChanged checks that a checkpoint whose kind was changed
// (bpr → cml, which has the same tensors) is not shown under the
// description of the model it was saved from.
func TestLoadModelKindChanged(t *testing.T) {
	sh, out := testShell(t, withoutMethods())
	mustExec(t, sh, out, "load tiny; split loo seed=1 candidates=20; train m bpr dim=4 epochs=1 batch=64; save m m.ckpt")
	rewriteCheckpointKind(t, filepath.Join(sh.dir, "m.ckpt"), "cml")
	msg := execErr(t, sh, "load-model m2 m.ckpt")
	if !strings.Contains(msg, "m.ckpt") || !strings.Contains(msg, "cml") || !strings.Contains(msg, "bpr") {
		t.Errorf("load-model of a relabelled checkpoint: %q", msg)
	}
	if _, err := sh.ws.ModelByName("m2"); err == nil {
		t.Error("the relabelled checkpoint was loaded")
	}
}

// TestImportWarnsCutFile checks that a split imported from a file cut
// mid-record ("199 8" for "199 85") says so, naming the file and line.
func TestImportWarnsCutFile(t *testing.T) {
	sh, out := testShell(t, withoutMethods())
	var train, test strings.Builder
	for u := 0; u < 20; u++ {
		for i := 0; i < 5; i++ {
			fmt.Fprintf(&train, "%d\t%d\n", u, (u+i)%30)
		}
		fmt.Fprintf(&test, "%d\t%d\n", u, (u+7)%30)
	}
	os.WriteFile(filepath.Join(sh.dir, "train.tsv"), []byte(train.String()), 0o644)
	cut := strings.TrimSuffix(test.String(), "\n")
	os.WriteFile(filepath.Join(sh.dir, "test.tsv"), []byte(cut[:len(cut)-1]), 0o644)
	got := mustExec(t, sh, out, "split import train=train.tsv test=test.tsv")
	if !strings.Contains(got, "warning: ") || !strings.Contains(got, "test.tsv line 20: the last line has no newline") {
		t.Errorf("import of a cut file:\n%s", got)
	}
}

// TestPathTildeExpansion checks that "~/" in a path written on the command
// line is the home directory: save m ~/x.ckpt writes there (no folder named
// "~"), and help load's own example dir=~/data looks there.
func TestPathTildeExpansion(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	sh, out := testShell(t, withoutMethods())
	mustExec(t, sh, out, "load tiny; split loo seed=1 candidates=20; train m bpr dim=4 epochs=1 batch=64")
	mustExec(t, sh, out, "save m ~/x.ckpt")
	if _, err := os.Stat(filepath.Join(home, "x.ckpt")); err != nil {
		t.Errorf("save m ~/x.ckpt: %v", err)
	}
	if _, err := os.Stat(filepath.Join(sh.dir, "~")); err == nil {
		t.Error("a folder named ~ was made")
	}
	mustExec(t, sh, out, "load-model m2 ~/x.ckpt")
	msg := execErr(t, sh, "load ml-100k dir=~/data")
	if !strings.Contains(msg, filepath.Join(home, "data")) || strings.Contains(msg, "~") {
		t.Errorf("load dir=~/data: %s", msg)
	}
}

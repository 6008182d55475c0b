//go:build unix

package model

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// noTemps fails if a temporary file of WriteFileAtomic is left in dir.
func noTemps(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left in %s", e.Name(), dir)
		}
	}
}

// TestWriteFileAtomicFollowsSymlink checks that writing to a symbolic link
// (a chain of two, one relative and one absolute, into another directory)
// replaces the file it points to and leaves the links as they were.
func TestWriteFileAtomicFollowsSymlink(t *testing.T) {
	root := t.TempDir()
	realDir := filepath.Join(root, "real")
	linkDir := filepath.Join(root, "links")
	for _, d := range []string{realDir, linkDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	target := filepath.Join(realDir, "results.txt")
	if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	mid := filepath.Join(linkDir, "mid")
	if err := os.Symlink(target, mid); err != nil { // absolute
		t.Fatal(err)
	}
	link := filepath.Join(linkDir, "out")
	if err := os.Symlink("mid", link); err != nil { // relative to linkDir
		t.Fatal(err)
	}
	if err := WriteFileAtomic(link, []byte("new")); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{link, mid} {
		fi, err := os.Lstat(l)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			t.Fatalf("%s is no longer a symbolic link (%v, %v)", l, fi.Mode(), err)
		}
	}
	if b, _ := os.ReadFile(target); string(b) != "new" {
		t.Fatalf("target holds %q, want %q", b, "new")
	}
	noTemps(t, realDir)
	noTemps(t, linkDir)

	// A dangling link creates the file it names.
	dangling := filepath.Join(linkDir, "dangling")
	if err := os.Symlink(filepath.Join(realDir, "fresh.txt"), dangling); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(dangling, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(dangling); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("dangling link replaced: %v %v", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(filepath.Join(realDir, "fresh.txt")); string(b) != "x" {
		t.Fatalf("fresh.txt holds %q", b)
	}

	// A loop of links is an error, not a hang.
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
	os.Symlink(b, a)
	os.Symlink(a, b)
	if err := WriteFileAtomic(a, []byte("x")); err == nil || !strings.Contains(err.Error(), a) {
		t.Fatalf("symlink loop: got %v, want an error naming %s", err, a)
	}
}

// TestWriteFileAtomicRefusesNonRegular checks that a directory, a FIFO, a
// device node (when the test may create one) and a link to a FIFO are
// refused with an error naming the path, and left as they were.
func TestWriteFileAtomicRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	toFifo := filepath.Join(dir, "to-fifo")
	if err := os.Symlink("fifo", toFifo); err != nil {
		t.Fatal(err)
	}
	cases := map[string]fs.FileMode{fifo: fs.ModeNamedPipe, sub: fs.ModeDir, toFifo: fs.ModeSymlink}
	// A character device like /dev/null (1, 3); creating one needs root.
	dev := filepath.Join(dir, "null")
	if err := syscall.Mknod(dev, syscall.S_IFCHR|0o666, 1<<8|3); err == nil {
		cases[dev] = fs.ModeDevice | fs.ModeCharDevice
	} else {
		t.Logf("no device node test: %v", err)
	}
	for path, typ := range cases {
		err := WriteFileAtomic(path, []byte("table"))
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("%s: got %v, want an error naming it as not a regular file", path, err)
		}
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode().Type() != typ {
			t.Errorf("%s: now %v (%v), want it left a %v", path, fi.Mode().Type(), err, typ)
		}
	}
	noTemps(t, dir)
}

// TestWriteFileAtomicKeepsMode checks that a replaced file keeps its
// permission bits.
func TestWriteFileAtomicKeepsMode(t *testing.T) {
	dir := t.TempDir()
	for _, mode := range []fs.FileMode{0o640, 0o600, 0o664, 0o755} {
		path := filepath.Join(dir, "f"+mode.String())
		if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		if err := WriteFileAtomic(path, []byte("new")); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != mode {
			t.Errorf("mode after replace %v (%v), want %v", fi.Mode().Perm(), err, mode)
		}
	}
}

// TestWriteFileAtomicNewFileMode checks that a new file is created with
// mode 0644 less the umask (a saved checkpoint is readable by others, as
// with os.WriteFile), not the 0600 of a temporary file.
func TestWriteFileAtomicNewFileMode(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	for _, c := range []struct {
		umask int
		want  fs.FileMode
	}{{0o022, 0o644}, {0o027, 0o640}, {0o077, 0o600}} {
		syscall.Umask(c.umask)
		path := filepath.Join(dir, "new", "m.ckpt")
		os.RemoveAll(filepath.Dir(path))
		if err := WriteFileAtomic(path, []byte("x")); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != c.want {
			t.Errorf("umask %03o: new file mode %v (%v), want %v", c.umask, fi.Mode().Perm(), err, c.want)
		}
	}
}

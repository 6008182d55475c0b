package model

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// maxSymlinks bounds the symbolic links WriteFileAtomic follows (the
// kernel's own limit is 40).
const maxSymlinks = 40

// WriteFileAtomic writes data to path so that a reader sees the old
// contents or the new ones, never a part: the data go to a temporary file
// in the directory of the file replaced, which is synced and then renamed
// over it. Missing parent directories are created (mode 0755).
//
// What it replaces is always a regular file of its own kind:
//
//   - a symbolic link at path is followed (through any chain of links,
//     also a dangling one): the file it points to is written, beside
//     itself, and the link stays;
//   - a target that exists but is not a regular file — a directory, a
//     device node, a FIFO, a socket — is refused with an error naming it,
//     and left untouched;
//   - a replaced file keeps its permission bits; a new file gets mode
//     0644 less the process's umask, as with os.WriteFile.
func WriteFileAtomic(path string, data []byte) error {
	return WriteAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteAtomic is WriteFileAtomic for contents produced by write, which
// streams them into the temporary file (a large training checkpoint is
// never held in memory as one byte slice). An error of write leaves the
// old contents in place and removes the temporary file.
func WriteAtomic(path string, write func(io.Writer) error) error {
	target, err := resolveLinks(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	name := path
	if target != path {
		name = fmt.Sprintf("%s (→ %s)", path, target)
	}
	var keepMode fs.FileMode
	replace := false
	switch fi, err := os.Lstat(target); {
	case err == nil:
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("write %s: not a regular file (%s); refusing to replace it", name, describeType(fi.Mode()))
		}
		keepMode, replace = fi.Mode().Perm(), true
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("write %s: %w", name, err)
	}
	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	f, tmp, err := createTemp(dir, filepath.Base(target))
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && replace {
		err = f.Chmod(keepMode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, target)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// resolveLinks follows the symbolic links at path (the last element only:
// directories on the way need no resolving for a rename within them) and
// returns the path of what they point to, which may not exist.
func resolveLinks(path string) (string, error) {
	p := path
	for hops := 0; ; hops++ {
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return p, nil
		}
		if hops == maxSymlinks {
			return "", fmt.Errorf("more than %d levels of symbolic links", maxSymlinks)
		}
		dest, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(dest) {
			// Relative to the link's directory, not cleaned: "dir/../x"
			// must resolve as the kernel does when dir is itself a link.
			dest = filepath.Dir(p) + string(filepath.Separator) + dest
		}
		p = dest
	}
}

// createTemp creates a new file ".<base>.tmp<random>" in dir with mode
// 0644 (less the umask), unlike os.CreateTemp's 0600, so that the renamed
// file is as readable as one written by os.WriteFile.
func createTemp(dir, base string) (*os.File, string, error) {
	for try := 0; ; try++ {
		name := filepath.Join(dir, "."+base+".tmp"+strconv.FormatUint(rand.Uint64()%1e10, 10))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			return f, name, nil
		}
		if !errors.Is(err, fs.ErrExist) || try == 100 {
			return nil, "", err
		}
	}
}

// describeType names the kind of a file that is not regular.
func describeType(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.Type().String()
}

package exp

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"
)

// Lock files guard what only one process may do at a time: building a
// cache artefact (Cache) and running one shard of a sweep (OpenStore). A
// lock file is created with O_EXCL and records its holder,
//
//	host=<hostname> pid=<pid> pidns=<pid namespace, Linux> since=<RFC 3339 time>
//
// and its holder refreshes its modification time every heartbeat. Another
// process takes the lock over when its holder is gone: at once when the
// holder ran on this host (and in this PID namespace) and its pid no longer
// exists — a process killed with SIGKILL leaves its lock behind, and its
// resumption must not wait for it — and otherwise once the heartbeat is
// older than the stale age (a holder on another machine that died).

// lockHolder is what this process writes into its lock files.
func lockHolder() []byte {
	host, _ := os.Hostname()
	s := fmt.Sprintf("host=%s pid=%d", host, os.Getpid())
	if ns := pidNamespace(); ns != "" {
		s += " pidns=" + ns
	}
	return []byte(s + " since=" + time.Now().UTC().Format(time.RFC3339Nano) + "\n")
}

// lockFields parses the "key=value" fields of a lock file.
func lockFields(b []byte) map[string]string {
	out := map[string]string{}
	for _, f := range strings.Fields(string(b)) {
		if k, v, ok := strings.Cut(f, "="); ok {
			out[k] = v
		}
	}
	return out
}

// holderGone reports whether the holder recorded in a lock file is a
// process of this host (and PID namespace, where both record one) that no
// longer exists; why says so for the log.
func holderGone(b []byte) (gone bool, why string) {
	f := lockFields(b)
	host, _ := os.Hostname()
	pid, err := strconv.Atoi(f["pid"])
	if err != nil || pid <= 0 || f["host"] == "" || f["host"] != host {
		return false, ""
	}
	if ns := pidNamespace(); ns != "" && f["pidns"] != "" && f["pidns"] != ns {
		return false, ""
	}
	if pid == os.Getpid() || processExists(pid) {
		return false, ""
	}
	return true, fmt.Sprintf("its process %d on %s no longer exists", pid, host)
}

// lockStale reports whether the lock at lp should be taken over: its
// holder is gone, or its heartbeat is older than stale. It returns the
// lock's contents and why.
func lockStale(lp string, stale time.Duration) (stalled bool, holder []byte, why string) {
	holder, err := os.ReadFile(lp)
	if err != nil {
		return false, nil, ""
	}
	if gone, why := holderGone(holder); gone {
		return true, holder, why
	}
	fi, err := os.Stat(lp)
	if err == nil && time.Since(fi.ModTime()) > stale {
		return true, holder, fmt.Sprintf("last heartbeat %s ago", time.Since(fi.ModTime()).Round(time.Second))
	}
	return false, holder, ""
}

// takeOver removes the lock at lp if it still holds seen, and reports
// whether it did. The lock is first renamed to a name of this process's
// own, so that of several processes taking over one stale lock only one
// removes it, and a lock created meanwhile by another process is put back.
func takeOver(lp string, seen []byte) bool {
	tmp := fmt.Sprintf("%s.takeover-%d-%d", lp, os.Getpid(), rand.Uint32())
	if err := os.Rename(lp, tmp); err != nil {
		return false
	}
	b, err := os.ReadFile(tmp)
	if err != nil || !bytes.Equal(b, seen) {
		// Another process took the stale lock over first and this one
		// moved its fresh lock: put it back (unless yet another exists).
		os.Link(tmp, lp)
		os.Remove(tmp)
		return false
	}
	os.Remove(tmp)
	return true
}

// heldLock is a lock file this process holds.
type heldLock struct {
	path string
	done chan struct{}
}

// createLock creates the lock file lp exclusively, recording this process,
// and starts its heartbeat. It returns an error wrapping fs.ErrExist when
// another holder has it.
func createLock(lp string, beat time.Duration) (*heldLock, error) {
	f, err := os.OpenFile(lp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	_, err = f.Write(lockHolder())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(lp)
		return nil, err
	}
	l := &heldLock{path: lp, done: make(chan struct{})}
	go func() {
		t := time.NewTicker(beat)
		defer t.Stop()
		for {
			select {
			case <-l.done:
				return
			case <-t.C:
				now := time.Now()
				os.Chtimes(lp, now, now)
			}
		}
	}()
	return l, nil
}

// release stops the heartbeat and removes the lock file.
func (l *heldLock) release() {
	if l == nil {
		return
	}
	close(l.done)
	os.Remove(l.path)
}

// lockHeldError is the error of a lock held by a live holder.
type lockHeldError struct {
	path, holder string
	age          time.Duration // since the last heartbeat
}

func (e *lockHeldError) Error() string {
	return fmt.Sprintf("held by %s (lock %s, last heartbeat %s ago)", e.holder, e.path, e.age.Round(time.Second))
}

// tryLock takes the lock at lp once: it creates it, or takes over a stale
// one (logging why) and creates it. A lock held by a live holder gives a
// *lockHeldError naming the holder.
func tryLock(lp string, beat, stale time.Duration, logf func(format string, a ...any)) (*heldLock, error) {
	for try := 0; ; try++ {
		l, err := createLock(lp, beat)
		if err == nil {
			return l, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		stalled, holder, why := lockStale(lp, stale)
		if !stalled || try == 3 {
			e := &lockHeldError{path: lp, holder: strings.TrimSpace(string(holder))}
			if e.holder == "" {
				e.holder = "an unknown process"
			}
			if fi, err := os.Stat(lp); err == nil {
				e.age = time.Since(fi.ModTime())
			}
			return nil, e
		}
		if takeOver(lp, holder) && logf != nil {
			logf("taking over stale lock %s (%s; %s)", lp, strings.TrimSpace(string(holder)), why)
		}
	}
}

//go:build unix

package exp

import (
	"errors"
	"os"
	"strings"
	"syscall"
)

// processExists reports whether a process with this pid exists on this
// host (signal 0 tests for it without sending anything; EPERM means it
// exists but belongs to another user).
func processExists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// pidNamespace identifies the PID namespace of this process on Linux
// ("4026531836"), so that a container sharing the host name but not the
// process table does not judge another's pids; "" elsewhere.
func pidNamespace() string {
	s, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return ""
	}
	s = strings.TrimPrefix(s, "pid:[")
	return strings.TrimSuffix(s, "]")
}

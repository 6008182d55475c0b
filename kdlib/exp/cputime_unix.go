//go:build unix

package exp

import (
	"syscall"
	"time"
)

// processCPUSeconds returns the CPU time this process has used so far,
// user and system, summed over all its threads (getrusage RUSAGE_SELF);
// ok is false when the system does not tell.
func processCPUSeconds() (float64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds(), true
}

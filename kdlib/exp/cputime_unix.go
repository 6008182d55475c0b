//go:build unix

package exp

import "syscall"

// processCPUSeconds returns the CPU time this process has used so far,
// user and system, summed over all its threads (getrusage RUSAGE_SELF);
// ok is false when the system does not tell.
func processCPUSeconds() (float64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return tvSeconds(ru.Utime) + tvSeconds(ru.Stime), true
}

func tvSeconds(tv syscall.Timeval) float64 {
	return float64(tv.Sec) + float64(tv.Usec)/1e6
}

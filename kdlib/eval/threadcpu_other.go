//go:build !linux

package eval

import "time"

// threadCPU reports that the thread's CPU time is not read on this system.
func threadCPU() (time.Duration, bool) { return 0, false }

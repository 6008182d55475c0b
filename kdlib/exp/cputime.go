package exp

import "math"

// cpuNow returns the process's CPU time so far (processCPUSeconds), or −1
// when it is unknown.
func cpuNow() float64 {
	if c, ok := processCPUSeconds(); ok {
		return c
	}
	return -1
}

// cpuSeconds returns the CPU time (user + system) of the process so far,
// NaN when it is unknown.
func cpuSeconds() float64 {
	if c, ok := processCPUSeconds(); ok {
		return c
	}
	return math.NaN()
}

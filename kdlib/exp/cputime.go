package exp

// cpuNow returns the process's CPU time so far (processCPUSeconds), or −1
// when it is unknown.
func cpuNow() float64 {
	if c, ok := processCPUSeconds(); ok {
		return c
	}
	return -1
}

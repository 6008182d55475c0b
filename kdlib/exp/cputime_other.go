//go:build !unix

package exp

// processCPUSeconds is unknown on this system: records carry no CPU
// times.
func processCPUSeconds() (float64, bool) { return 0, false }

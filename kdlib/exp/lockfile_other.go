//go:build !unix

package exp

// processExists cannot tell on this system: every holder is taken to be
// alive, and only a stale heartbeat frees its lock.
func processExists(pid int) bool { return true }

// pidNamespace is "" where there are none.
func pidNamespace() string { return "" }

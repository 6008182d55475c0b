// Package benchutil adds process CPU time to Go benchmarks. On a shared
// machine wall-clock ns/op grows with the load of other processes, while
// the CPU time the benchmark itself consumes stays close to its value on an
// idle machine; kdrec's benchmarks report both ("cpu-ms/op").
package benchutil

import (
	"runtime"
	"runtime/metrics"
	"syscall"
	"testing"
	"time"
)

// CPU starts measuring the process's user+system CPU time; call the
// returned function at the end of the benchmark loop to report it per
// operation as the metric "cpu-ms/op".
func CPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		d := cpuTime() - start
		b.ReportMetric(float64(d)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// CPUSeconds returns the user+system CPU time the process has used so far,
// in seconds: for benchmarks that turn a count of work into a rate per CPU
// second.
func CPUSeconds() float64 { return cpuTime().Seconds() }

// PeakHeap runs f and returns the largest number of bytes in heap objects
// seen while it ran, above the number just before (after a collection),
// sampled every 100 µs through runtime/metrics (no stop of the world). It
// includes garbage not yet collected, so it bounds the peak from above;
// benchmarks report it as "peak-heap-MB".
func PeakHeap(f func()) uint64 {
	const name = "/memory/classes/heap/objects:bytes"
	s := []metrics.Sample{{Name: name}}
	read := func() uint64 {
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	runtime.GC()
	base := read()
	peak := base
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(100 * time.Microsecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				peak = max(peak, read())
			}
		}
	}()
	f()
	close(stop)
	<-done
	peak = max(peak, read())
	return peak - base
}

//go:build unix

package safechan_test

import "syscall"

// processCPU returns the user plus system CPU time this process has used,
// in nanoseconds. Benchmarks report it per operation (cpu-ns/op) beside
// the wall-clock ns/op: unlike the wall clock, it does not count the time
// other processes hold the cores.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

package mutexbench

import (
	"runtime"
	"sync"
	"time"
)

// A work unit is one step of a dependent multiply-xor chain over the
// protected table: it loads (and, for writes, stores) one table entry, so
// the critical section touches the data the way a real one does, and its
// cost is set by the CPU and the data size, not by the scheduler, as a
// time.Sleep would be. Durations in a Scenario are turned into a unit count
// with the calibration below.

// splitmix is SplitMix64's output function (Steele, Lea, Flood 2014); it
// fills tables and drives the per-goroutine read/write choice.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// readWork runs units steps over t starting at index i and returns the new
// index and the folded value, which the caller keeps so the compiler cannot
// drop the loop.
func readWork(t []uint64, i, units int, x uint64) (int, uint64) {
	for range units {
		x = (x ^ t[i]) * 0x100000001b3
		i++
		if i == len(t) {
			i = 0
		}
	}
	return i, x
}

// writeWork is readWork that also stores into each entry it reads.
func writeWork(t []uint64, i, units int, x uint64) (int, uint64) {
	for range units {
		x = (x ^ t[i]) * 0x100000001b3
		t[i] = x | 1
		i++
		if i == len(t) {
			i = 0
		}
	}
	return i, x
}

// calibrationUnits is the length of one calibration pass: long enough
// (about 0.1–0.5 ms) that timer resolution and a single preemption are
// small against it, short enough that calibrating costs nothing noticeable.
const calibrationUnits = 1 << 17

var (
	calibrateOnce sync.Once
	nsPerUnit     float64
)

// UnitCost reports the measured cost, in nanoseconds, of one work unit on
// this machine, as used to turn a Scenario's durations into work. It
// calibrates on first use (taking the fastest of five passes over a
// 1024-entry table, so a pass that was preempted does not inflate the
// figure) and returns the cached value afterwards.
func UnitCost() float64 {
	return unitNs()
}

func unitNs() float64 {
	calibrateOnce.Do(func() {
		t := NewData(1024).Table
		best := time.Duration(1<<63 - 1)
		var x uint64
		for range 5 {
			start := time.Now()
			_, x = readWork(t, 0, calibrationUnits, x)
			if e := time.Since(start); e < best {
				best = e
			}
		}
		runtime.KeepAlive(x) // the passes' result is used, so they are not optimized away
		nsPerUnit = float64(best) / calibrationUnits
		if nsPerUnit <= 0 {
			nsPerUnit = 0.25 // a clock too coarse to see the pass: assume a fast CPU
		}
	})
	return nsPerUnit
}

// units converts a duration of work to a unit count: zero for zero, at
// least one for any positive duration.
func units(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	n := int(float64(d)/unitNs() + 0.5)
	if n < 1 {
		n = 1
	}
	return n
}

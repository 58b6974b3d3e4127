package lesson

import "sync/atomic"

var sink atomic.Uint64

// Work does units of CPU-bound work, each about 17µs on a current core: a
// xorshift loop that touches no shared memory until it ends.
func Work(units int) {
	x := uint64(88172645463325252)
	for range units * 10_000 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	sink.Add(x)
}

//go:build race

package steal_test

// raceEnabled shrinks the stress tests: the race detector slows atomics by
// 10x or more, and the suite must stay under a minute on two cores.
const raceEnabled = true

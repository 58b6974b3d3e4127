//go:build race

package workpool_test

// raceEnabled shrinks the stress tests: the race detector slows atomics by
// ten times or more, and the suite must stay under a minute on two cores.
const raceEnabled = true

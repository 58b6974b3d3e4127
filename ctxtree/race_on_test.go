//go:build race

package ctxtree_test

// raceEnabled shrinks stress tests, which run several times slower under the
// race detector.
const raceEnabled = true

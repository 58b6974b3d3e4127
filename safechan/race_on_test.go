//go:build race

package safechan_test

// raceEnabled is true when the race detector is on; stress tests shrink
// their sizes so the whole package runs quickly under -race.
const raceEnabled = true

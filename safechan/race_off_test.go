//go:build !race

package safechan_test

const raceEnabled = false

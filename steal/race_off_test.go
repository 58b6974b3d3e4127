//go:build !race

package steal_test

const raceEnabled = false

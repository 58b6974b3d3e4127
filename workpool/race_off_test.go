//go:build !race

package workpool_test

const raceEnabled = false

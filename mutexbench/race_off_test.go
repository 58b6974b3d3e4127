//go:build !race

package mutexbench_test

const raceEnabled = false

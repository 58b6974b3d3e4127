//go:build !race

package ctxtree_test

const raceEnabled = false

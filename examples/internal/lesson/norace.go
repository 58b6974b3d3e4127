//go:build !race

package lesson

// Race reports whether the program was built with -race, under which the
// runtime shuffles its scheduling on purpose (runnext is skipped at random)
// to shake out data races.
const Race = false

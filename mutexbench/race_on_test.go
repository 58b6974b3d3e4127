//go:build race

package mutexbench_test

// raceEnabled shrinks stress sizes: the race detector slows lock-heavy code
// 10–20×, and the package's -race -cpu 1,2,8 run must stay well under 60 s.
const raceEnabled = true

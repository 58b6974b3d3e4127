// Package suite turns the workloads into named cases, the unit that both
// the bench module's benchmarks and cmd/study run.
//
// A [Case] has one name, Family/param=value/.../impl=name (so that
// benchstat -col /impl pivots), one Setup that builds what its operations
// share (a pool, an input) and one operation. The benchmarks in the bench
// package time the operation with testing.B; cmd/study times it with its
// own loop (package study). Both therefore measure exactly the same code
// on exactly the same inputs, and a figure in the README can be reproduced
// either way.
//
// [Sizes] holds every knob. Quick mode uses the sizes (100k tiny
// tasks, fib(32) at cutoffs 20 and 12, and 2 for gmpkit, a merge sort of
// 1e6 ints, nqueens(10), 1000 steal tasks) with short samples; Full keeps
// the sizes and takes more and longer samples; Tiny shrinks everything so
// that the tests run the whole study in seconds under the race detector.
//
// Cases whose implementation cannot finish (a bounded pool on nested
// waits) have a Probe instead of a Setup: a guarded run whose outcome,
// including "deadlocks", is reported as is rather than left out.
package suite

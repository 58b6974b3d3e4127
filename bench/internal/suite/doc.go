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
// [Sizes] holds every knob. Quick mode uses the issues' sizes (100k tiny
// tasks; fib(32) at cutoffs 20, 12 and 2, the unbalanced tree and a 2M
// loop at 1 and 2 workers; a merge sort of 1e6 ints and nqueens(10) at 2;
// 10k group tasks; 1000 steal tasks) with short samples, and a case whose
// op outlasts two samples' time takes one sample; Full keeps the sizes,
// takes more and longer samples, and runs the goroutine-per-fork peers at
// fib cutoff 2 too (seconds an op); Tiny shrinks everything so that the
// tests run the whole study in seconds under the race detector.
//
// Cases whose implementation cannot finish (a bounded pool on nested
// waits) have a Probe instead of a Setup: a guarded run whose outcome,
// including "deadlocks", is reported as is rather than left out. The
// Rayon and Java anchors (package anchors) are External cases: one run of
// an outside program that reports a Row per workload and worker count,
// named as the Go cases are; [Notes] says which are left out and why.
//
// A fork-join case at workers=n runs with GOMAXPROCS n (the only knob of
// the goroutine-per-fork peers) and gmpkit's pool has n workers; its
// sequential floor runs at the machine's GOMAXPROCS.
package suite

// Package bench is gmpkit's side-by-side study: benchmarks that run each
// gmpkit package against the libraries people use for the same job today,
// and cmd/study, which runs the same cases as a study and writes a report
// with charts.
//
// It is its own module (github.com/gmpkit/gmpkit/bench, with a replace of
// the library to ../), so that the peers (ants, pond, conc, errgroup,
// xsync), the chart library (gonum.org/v1/plot) and the progress bar never
// enter the library's module graph.
//
// # The model
//
// A case is one implementation on one workload, named
// Family/param=value/.../impl=name so that benchstat -col /impl pivots.
// Every case lives in internal/suite and runs code from internal/workloads,
// the one copy of each workload; the benchmarks of this package (one
// Benchmark function per family) and cmd/study (via internal/study) time
// the same operation, so every figure of a report can be reproduced with
// go test -bench and benchstat.
//
// # Invariants
//
//   - Baselines are measured in the same run as what they are compared
//     with: speedup divides the sequential program's time (FibSeq,
//     MergeSortSeq, NQueensSeq, Tree.Seq, LoopSeq, the plain task loop)
//     by each implementation's, vs-errgroup divides errgroup's, and the
//     headline divides each peer's time by gmpkit's, case by case, never
//     across runs. The Rust and Java anchors (bench/anchors) are compared
//     by their speedup over their own language's sequential program.
//   - Results are checked as well as timed: fib and nqueens against the
//     sequential answer, merge sort for order, channels for the sum of what
//     was sent, locks for mutexbench's violation count, the tree and the
//     loop for their checksums (the anchors' too). A wrong answer is an
//     "error", never a fast figure.
//   - Nothing is left out silently: a bounded peer that deadlocks on nested
//     waits is run guarded, shown as "deadlocks", and its goroutines are
//     reclaimed before the next case.
//   - No goroutine outlives a case; every test package ends with goleak.
//
// # Alternatives not taken
//
// cmd/study does not call testing.Benchmark: it cannot be canceled by
// Ctrl-C halfway through a case, and it hides the per-run samples that
// benchstat needs. It times its own loop instead, as testing.B does (a
// warm-up op to size N, runtime.GC before each sample, MemStats for B/op
// and allocs/op). Charts are drawn with gonum.org/v1/plot rather than
// hand-written SVG. Deadlock probes run in-process
// rather than in a re-executed subprocess, because both bounded peers can
// be made to let go (ants wakes blocked submitters on Release, pond drains
// its queue on StopAndWait) once the probe's abort turns every Join into a
// no-op.
//
// # Constants
//
// The workload sizes are the issues' (internal/suite.SizesFor): 100k tasks
// of about 100 ns; fib(32) at cutoffs 20, 12 and 2, an unbalanced tree of
// 522 801 nodes (UTS's binomial shape) and a loop of 2M iterations of
// about 15 ns, each at 1 and 2 workers; a merge sort of 1e6 ints and
// nqueens(10); 10k group tasks of about 1 µs; 1000 steal tasks on 4
// workers with every third heavy. tasks/sleep sizes its bounded peers at
// 10 000, the order of pool size the ants and pond READMEs use for their
// time.Sleep(10ms) scenario.
//
// The figures measured on the project's 2-core box are in README.md, with
// the commands that produced them.
package bench

// Package workloads holds the one copy of every workload that the bench
// module's benchmarks and cmd/study run, and the adapters that run them on
// gmpkit and on each peer.
//
// # The model
//
// Two shapes of parallel work are compared, each behind one small
// interface so that every implementation runs the same code:
//
//   - independent tasks go through a [Runner]: Run(n, task) calls task n
//     times and returns when all have returned. gmpkit submits to a
//     workpool.Pool and waits; the peers use their own idiom (a goroutine
//     and a WaitGroup per task, errgroup with SetLimit, an ants or pond
//     pool, a conc pool, a hand-written channel-fed loop);
//   - recursive fork-join goes through a [Joiner]: Join(a, b) runs both
//     halves and returns when both have. [Fib], [MergeSort] and [NQueens]
//     are written once against it, with the same sequential leaves as the
//     floor ([FibSeq], [MergeSortSeq], [NQueensSeq]).
//
// # Invariants
//
//   - A workload's result is checked, not only timed: the study and the
//     tests compare every fork-join result with the sequential one, every
//     channel run with the sum of the values sent, every lock run with
//     mutexbench's violation count.
//   - Nothing leaks: [GuardedForkJoin] reclaims every goroutine of a
//     deadlocked bounded pool. Its abort protocol (a per-fork state claimed
//     by the child to start or by the aborting parent to cancel) keeps an
//     abandoned child from writing a result its parent already read, which
//     the race detector would otherwise flag.
//
// # Alternatives not taken
//
// The deadlock probe could run in a subprocess and be killed; it does not
// need to, because ants releases submitters blocked in Submit when the pool
// is released, and pond runs (and so drains) its queue on StopAndWait. A
// Joiner built on a bounded errgroup (SetLimit) deadlocks the same way; the
// errgroup side therefore forks without a limit, which is how people use it
// for recursion.
//
// # Constants
//
// [TinyIters] (80 rounds of xorshift, about 100 ns on the AMD EPYC box),
// [MergeSortCutoff] (8192 ints, 64 KiB, fits L2 with its scratch) and
// [NQueensForkDepth] (3 rows) say where their values come from at their
// declarations.
package workloads

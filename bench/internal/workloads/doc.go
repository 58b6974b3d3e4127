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
//   - recursive fork-join goes through a [Fork]: Join(a, b) runs both
//     halves and returns when both have. [Fib], [MergeSort], [NQueens]
//     and the unbalanced tree ([Tree], [TreePar]) are written once,
//     generic in the Fork, and instantiated with *workpool.Worker for
//     gmpkit and with the [Joiner] interface for the peers, with the same
//     sequential leaves as the floor ([FibSeq], [MergeSortSeq],
//     [NQueensSeq], [Tree.Seq]). A [Body] holds both instantiations;
//   - the parallel loop goes through a [Looper]: Fill(out, rounds) sets
//     out[i] = Hash(i, rounds) the way each implementation's users write a
//     loop (Pool.For, a goroutine per GOMAXPROCS chunk, conc's iter);
//   - error groups go through a [Grouper]: errgroup, conc's context pools,
//     gmpkit's Group and ResultGroup.
//
// The tree and the loop are built from splitmix64 ([Mix], [Hash]) so
// that the Rust and Java anchors (bench/anchors) compute the same values
// bit for bit.
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
// # Concrete copies
//
// A generic function instantiated with a pointer type runs on a shared
// GC shape: its j.Join is a call through a dictionary, so escape analysis
// sees nothing, and both closures and both result variables of every fork
// move to the heap, where a direct call to Worker.Join moves only b's.
// For the fine-grained workloads that is most of the cost of a fork:
// fib(32) at cutoff 2 on one worker took 345 ms and 3 allocations a fork
// generic, 173 ms and 2 written directly, on the 2-core box (go test -run
// '^$' -bench FibForms ./internal/workloads). So gmpkit's [Fib] and tree
// are also written directly against *workpool.Worker ([FibWorker],
// treeNodeW), as a user writes them; the tests check each copy against
// the sequential result.
// Merge sort and nqueens fork a few hundred times per op and share the
// generic code.
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
// [GroupTaskIters] (about 1 µs), [LoopRounds] (about 15 ns), [StudyTree]
// (522 801 nodes, about 100 ms),
// [MergeSortCutoff] (8192 ints, 64 KiB, fits L2 with its scratch) and
// [NQueensForkDepth] (3 rows) say where their values come from at their
// declarations.
package workloads

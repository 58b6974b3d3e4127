// Package gmpkit is a library of scheduler and concurrency primitives
// modeled on the Go runtime's own G/M/P scheduler. This package holds no
// code: it is the map. Each primitive lives in its own package and pulls in
// only what it needs, so a user of [safechan] depends on nothing but the
// standard library.
//
// # Map
//
//   - [github.com/gmpkit/gmpkit/safechan]: Chan[T], a channel any goroutine
//     may close, any number of times, without panics and without losing a
//     buffered value; context-aware Send and Recv.
//   - [github.com/gmpkit/gmpkit/steal]: work-stealing queues — a Chase–Lev
//     Deque and a RunQueue built like the runtime's (256-slot ring, runnext
//     slot, steal-half, overflow to a global queue) — and the LIFO/FIFO Policy.
//   - [github.com/gmpkit/gmpkit/workpool]: a pool of workers (M) owning
//     processors (P) with local steal queues, a global queue, spinning and
//     parking, fire-and-forget Submit, and fork-join (Run, Join, Scope) that
//     helps while it waits, so nested parallelism never deadlocks.
//   - [github.com/gmpkit/gmpkit/ctxtree]: named context cancellation trees
//     with time budgets, causes that name the node whose budget ran out,
//     snapshots rendered as text, Mermaid and DOT, and budgets carried across
//     HTTP hops.
//   - [github.com/gmpkit/gmpkit/mutexbench]: Mutex against RWMutex (and
//     copy-on-write and a sharded lock) measured on the machine it runs on,
//     with the crossover found by bisection and a recommendation table.
//   - [github.com/gmpkit/gmpkit/runtimemetrics]: every runtime/metrics
//     metric as Prometheus metrics with real histograms, a JSON handler,
//     expvar, and a collector for workpool statistics.
//
// The module github.com/gmpkit/gmpkit/bench (a separate go.mod, so its
// dependencies never reach yours) compares these packages with the peers
// people use today, and its cmd/study writes a report with charts. The
// examples folder holds one runnable workshop lesson per trap.
//
// # Use X if you want Y
//
//   - Several goroutines may close a channel while others still send: use
//     [github.com/gmpkit/gmpkit/safechan].
//   - Many small tasks, or recursive fork-join, on a fixed set of workers:
//     use [github.com/gmpkit/gmpkit/workpool]; use its Run and Join where a
//     task waits for subtasks, which deadlocks other bounded pools.
//   - Your own scheduler needs a lock-free owner/thief queue: use
//     [github.com/gmpkit/gmpkit/steal].
//   - You need to know which budget ran out when a request died of
//     "context deadline exceeded": use [github.com/gmpkit/gmpkit/ctxtree].
//   - "Mutex or RWMutex?" for your workload, answered with measurements: use
//     [github.com/gmpkit/gmpkit/mutexbench].
//   - Runtime and pool metrics in Prometheus with fine histograms and a cheap
//     scrape: use [github.com/gmpkit/gmpkit/runtimemetrics].
//
// # Import direction
//
// Imports point one way: workpool imports steal; runtimemetrics imports
// workpool and client_golang; safechan, ctxtree and mutexbench import only
// the standard library. No library package imports bench or examples.
package gmpkit

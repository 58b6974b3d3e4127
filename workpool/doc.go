// Package workpool is a pool of workers built like the Go runtime's
// scheduler: each worker owns a local queue from package steal, submissions
// from outside go through a global queue, idle workers steal from each other
// in random order, spin a bounded while and then park, and fork-join
// ([Pool.Run], [Worker.Join], [Worker.Scope]) waits by helping, so nested
// parallelism never deadlocks, even with one worker.
//
// # The model
//
// The runtime multiplexes goroutines (G) onto threads (M) that each hold a
// processor (P) with a local run queue; runtime/proc.go's header explains
// it. Here a worker goroutine is an M and its P at once, and a task record
// (job) is the G:
//
//   - Local queues. Each worker owns a [steal.Deque]: it pushes and pops at
//     the bottom, thieves take the oldest at the top. The owner takes in
//     the pool's [steal.Policy] order: LIFO (default; depth-first, the order
//     fork-join wants, and rayon's and ForkJoinPool's) or FIFO (Go's runq
//     order). A one-slot runnext (the runtime's p.runnext) holds the task
//     [Worker.Spawn] made last, which runs next; at most
//     steal.MaxRunNextStreak runnext pops in a row while the deque holds
//     work, because unlike the runtime we cannot preempt a ping-pong pair.
//   - The global queue. [Pool.Submit] cannot know whether its caller is a
//     task (Go has no goroutine-local state), so every Submit goes to the
//     global queue; a task that wants its child on its own queue calls
//     [Worker.Spawn] (the runtime's newproc, which puts the new G in
//     runnext). Submit appends to a 32-slot chunk under a mutex; a full
//     chunk enters the [steal.GlobalQueue] as one entry, and a worker that
//     finds the global queue empty takes the partly filled chunk. The
//     worker that takes a chunk turns its tasks into job records from its
//     own free list and pushes them on its deque, where others steal them.
//     Workers take from the global queue as globrunqget does: a share of
//     len/workers+1 entries, at most 128.
//   - Fairness. Every 61st schedule a worker looks at the global queue
//     before its own (schedule's schedtick%61): without it, two tasks that
//     keep respawning each other on one worker would starve every outside
//     submission. 61 is the runtime's constant, a prime so that it does not
//     fall into step with a task pattern.
//   - Stealing. An idle worker makes up to 4 passes (stealTries) over the
//     other workers in a random order: a random start and a random step
//     coprime to the number of workers (randomOrder). It takes half the
//     victim's deque ([StealHalf], runqsteal) or only its oldest task
//     ([StealOne], rayon and ForkJoinPool); the last pass may take the
//     victim's runnext.
//   - Spinning and parking. A worker looking for work to steal is spinning.
//     At most half of the busy workers spin (2*nspinning < workers-idle);
//     the others park at once. A spinning worker that finds nothing parks
//     too: it puts itself on the idle list, stops counting as spinning, and
//     then looks at every queue once more, because a submitter that saw it
//     spinning did not wake anyone (findRunnable's "delicate dance"). A
//     Submit, Spawn, Join or Scope.Go wakes a parked worker only when nobody
//     spins (wakep), and a spinning worker that finds work wakes another if
//     it was the last spinner (resetspinning). So a burst wakes workers one
//     at a time, as fast as they find work, and an idle pool burns no CPU
//     (TestIdle_ParkedPoolBurnsNoCPU measures it with getrusage).
//
// Where we differ from the runtime, and why:
//
//   - Workers are goroutines, not threads: a spinning worker holds one of
//     the runtime's Ps, which a user goroutine (say, the submitter it waits
//     for) may need. So spinning is short (4 passes, then park), and at most
//     half of the busy workers spin, as in the runtime.
//   - No preemption and no time slice to inherit: hence the runnext streak
//     cap, and the 61-tick global check is the only fairness between the
//     global queue and local work.
//   - The runtime sleeps 3 µs before stealing a running P's runnext; a
//     user-space sleep costs tens of µs, so a thief takes runnext only on
//     its last pass, the earlier passes being the owner's grace time.
//   - A worker blocked in Join parks on its job, not on the idle list:
//     wakep does not see it, so new work goes to truly idle workers, and a
//     parked joiner counts as busy for the spinning bound.
//   - Outside submissions are batched (chunks), where newproc queues one G
//     at a time: a Submit is a user's function call, and 32 of them share
//     a few cache lines and one lock on their way to a worker.
//
// # Fork-join
//
// Join(a, b) pushes a job record for b on the worker's own deque, runs a
// inline, and pops: if the pop returns b's record, b was not stolen and runs
// inline too, at the cost of one push and one pop on the owner's end. If b
// was stolen, the worker runs other work (its own queue, the global queue,
// one steal pass) until b's record says done, yields a few times, and only
// then parks; the thief that finishes b wakes it. A worker waiting in Join
// therefore never blocks while work exists, and a worker can always finish
// what is on its own deque, so nested Joins cannot deadlock at any width.
// Job records come from a per-worker free list: forking allocates nothing
// but the caller's closures. Join's record goes back to the joiner's list
// only after the thief's last touch (an atomic Swap of the state word), so
// a record is never reused while a thief still holds it. Scope is the
// n-ary form with a counter instead of a state word.
//
// The Run caller only waits: fn runs on a worker, like rayon's install and
// ForkJoinPool.invoke. Cancellation is cooperative: once Run's context is
// done, or a function of the tree returned an error or panicked, Join and
// Scope.Go run nothing new and Run returns the cause.
//
// # Panics
//
// A panic in a Run tree is recovered where it happens, with the stack of
// the goroutine that panicked, cancels the tree, and is re-raised by each
// enclosing Join or Scope after its other branch finished, until Run returns
// it as a *[PanicError]. A panic in a submitted task goes to the
// [WithPanicHandler] handler (or, without one, to the next Wait or Close) and
// is counted; the worker goes on. errgroup chose not to recover (golang/go
// #53757: a recovered panic loses the crash and may leave state corrupt).
// A pool is different: a worker is shared by unrelated tasks, so a panic
// that kills it would lose every other queued task and hang every Wait; a
// fork-join tree must unwind its siblings before anyone can report anything.
// We recover, keep the original value and stack, and hand them to exactly
// one place the caller chose, so the panic is never silent.
//
// # Invariants
//
//   - Every accepted task runs exactly once. Submit counts a task as pending
//     before it checks closed, and Close sets closed before it waits for
//     the count to drain, so a task that races Close is either refused with
//     [ErrClosed] or run before Close returns.
//   - The pending count is exact at zero: workers credit finished tasks in
//     batches (32, and whenever they run out of work), which only ever
//     over-estimates it, so Wait never returns early.
//   - Only a worker touches its deque's owner end, its runnext's non-nil
//     stores, its free list and its counters; Stats reads counters that
//     workers publish (exact once every worker is idle).
//
// # Alternatives not taken
//
//   - steal.RunQueue (bounded ring + runnext, FIFO) as the local queue: its
//     owner takes the oldest, but Join must get back the newest, b; and a
//     deep Join chain overflows 256 slots into the global queue. The
//     growable Deque serves both policies and never overflows.
//   - Submit straight into the mutex-guarded GlobalQueue, one record per
//     task: a lock per task, contended with the workers' batch grabs, and a
//     fresh 64-byte record per task whose backlog every GC cycle must mark.
//     It used 1.7 times the CPU of the chunked design on the tiny-task
//     benchmark (user+sys time of the same benchmark run).
//   - One record per task in a lock-free stack (a CAS per Submit), drained
//     whole by a worker: 2.4 times the CPU of the chunked design, for cache
//     misses: each record crossed cores on its own line, and the drainer
//     chased pointers through them.
//   - A channel per worker: a dispatcher decides placement without knowing
//     who is idle, and fork-join on it deadlocks (ants#197, pond#56).
//
// # Measured
//
// On the 2-core AMD EPYC VM this was written on, GOMAXPROCS=2, Go 1.26,
// shared with other jobs (so figures are approximate; ratios are within one
// run):
//
//	go test -run '^$' -bench 'Tiny|Fib|Imbalanced' -benchtime 20x -count 3 ./workpool/
//
// Tiny tasks (100k tasks of about 100 ns submitted from outside, then Wait;
// median per task): the work alone on 2 goroutines 52 ns; gmpkit LIFO 95 ns
// (best 84 ns; 1.8x the work alone), FIFO 110 ns; a channel-fed worker loop
// 138 ns; go + WaitGroup 226 ns; errgroup with SetLimit 408 ns. gmpkit
// allocates under 0.002 objects per task (chunks and job records are
// recycled).
//
// fib(32) with Join down to a cutoff (sequential 8.39 ms): cutoff 20, 2
// workers 4.02 ms (2.1x; go+WaitGroup 4.11 ms, errgroup 4.11 ms); cutoff
// 12, 2 workers 6.00 ms (1.4x; go+WaitGroup 12.2 ms, errgroup 13.5 ms).
// Join overhead at WithWorkers(1), cutoff 12: (10.53 - 8.39) ms / 28656
// Joins = about 75 ns per Join (60 to 75 ns over several runs), including
// the caller's two allocations per Join (the closure for b and the result
// variable it captures, about 20 ns each).
//
// Imbalanced tasks (10k tasks from Scope.Go, every third about 20 µs and
// the rest about 1 µs, 36.7 ms of work per core; wall time, steal success
// rate, variance of the completion times): LIFO steal-half 39.7 ms, 1.00,
// 1.28e8 µs²; LIFO steal-one 39.7 ms, 1.00, 1.30e8 µs²; FIFO steal-half
// 39.1 ms, 0.99 to 1.00, 1.24e8 µs²; FIFO steal-one 39.5 ms, 1.00, 1.27e8
// µs²; go+WaitGroup 44.1 ms, 1.45e8 µs²; errgroup with SetLimit 48.2 ms,
// 1.92e8 µs². A steal attempt is counted only on a victim whose queue
// looked non-empty, so the rate says how often such a steal loses a race.
//
// The defaults follow: LIFO, because fork-join needs it and it was also
// faster on tiny tasks (the newest task's record is still in cache), and
// steal-half, which was never measurably slower and spreads a burst in
// fewer steals. (FIFO was within 2% on the imbalanced benchmark.)
package workpool

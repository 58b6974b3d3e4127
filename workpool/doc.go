// Package workpool is a pool of worker goroutines built like the Go
// runtime's scheduler: each worker holds a processor with its own queue,
// outside submissions go through a global queue, idle workers steal from
// each other and then park, and fork-join ([Pool.Run], [Worker.Join],
// [Worker.Scope], [Worker.For]) helps while it waits, so nested
// parallelism never deadlocks, even with one worker.
//
//	p := workpool.New()      // GOMAXPROCS workers
//	defer p.Close()          // runs every accepted task, then stops
//	p.Submit(func() { ... }) // fire and forget, from any goroutine
//	err := p.Run(ctx, func(w *workpool.Worker) error {
//		a, b := workpool.Join2(w, left, right) // in parallel when a worker is free
//		w.For(0, len(xs), func(w *workpool.Worker, i int) { xs[i] = f(xs[i]) })
//		return use(a, b)
//	})
//
// Services get [Pool.SubmitContext] (a queued task whose context ends is
// skipped), [Pool.NewGroup] and [NewResultGroup] (errgroup on the pool's
// workers), [Pool.Resize], a bound ([WithMaxQueued]) and [Worker.Blocking],
// which hands the worker's processor to a spare goroutine while a call
// blocks, as the runtime does for a system call.
//
// # Guarantees
//
//   - Every accepted task runs exactly once; a call that returns an error
//     did not accept its task. Close and Shutdown never drop accepted work.
//   - A successful Submit synchronizes before the task starts; the end of a
//     task synchronizes before the Wait, Close or Shutdown that waited for
//     it; everything a forked function did happens before its Join, Scope,
//     For or Run returns.
//   - A panic never kills a worker or loses other tasks: Run, Join, Scope,
//     For and Group.Wait return or re-raise it as a *[PanicError] with the
//     original value and stack; a submitted task's panic goes to the
//     [WithPanicHandler] handler, or to the next Wait. runtime.Goexit is
//     reported the same way, matching [ErrGoexit], and the pool keeps its
//     size.
//   - No call hangs because of what a task does. Wait, Close and Shutdown
//     called from inside a task return [ErrInsideTask]; Run from inside a
//     task runs inline; a worker waiting for a fork runs other work. The
//     [WithMaxQueued] bound is exact.
//   - Idle workers park and burn no CPU. Once the pool is idle, [Stats]
//     is exact and Submitted == Completed + Skipped.
//
// # Costs
//
// Measured on 2 cores (GOMAXPROCS=2) with
// go test -run '^$' -bench 'Tiny|Join$|For' -benchtime 10x ./workpool/:
// a submitted task of about 150 ns costs about 25 ns more than the work
// alone; a Join2 whose b runs inline (no worker idle to take it) costs
// about 45-60 ns including the allocation of b's closure, and a Join about
// 85-100 ns, as it also allocates the captured result; a For call on 2M
// indexes allocates 14-15 objects, a number that does not grow with the
// range. A fork published for thieves costs a deque push and pop on top.
//
// # Traps
//
// A forked function must not wait for its sibling: with Join(a, b), b may
// run after a on the same worker, so a that waits for b hangs (at any
// width, since b is offered to thieves only when one is idle), and Run's
// context does not end it. Communicate through results, or make the wait
// watch [Worker.Context]. A *Worker is valid only in the function it was
// passed to. A goroutine a task starts is not a worker: its Wait blocks.
// A task that calls runtime.Goexit ends its goroutine, and with it any
// function that goroutine was running while it waited in Join, Scope or
// For (those are reported with ErrGoexit too).
//
// The design (processors and worker goroutines, lazy forks, the hand-off,
// and the alternatives not taken) is described in DESIGN.md.
package workpool

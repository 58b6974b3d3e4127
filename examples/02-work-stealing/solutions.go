package main

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/gmpkit/gmpkit/examples/internal/lesson"
	"github.com/gmpkit/gmpkit/workpool"
)

// spawnWait is the solution of the exercise "fork with two Spawns and wait
// on a WaitGroup instead of Join": fire-and-forget tasks and a plain wait.
// On one worker the wait holds the only worker, as in the trap.
func spawnWait(ctx context.Context, l *lesson.L) error {
	l.Section("The exercise: Spawn twice, then wg.Wait, on one worker")
	var stall lesson.Stall
	var fib func(ctx context.Context, w *workpool.Worker, n int) int
	fib = func(ctx context.Context, w *workpool.Worker, n int) int {
		defer stall.Finished()
		if ctx.Err() != nil {
			return 0
		}
		if n < cutoff {
			return fibSeq(n)
		}
		var a, b int
		var wg sync.WaitGroup
		wg.Add(2)
		err := errors.Join(w.Spawn(func(w *workpool.Worker) { defer wg.Done(); a = fib(ctx, w, n-1) }),
			w.Spawn(func(w *workpool.Worker) { defer wg.Done(); b = fib(ctx, w, n-2) }))
		if err != nil {
			return 0
		}
		stall.Waiting(1)
		defer stall.Waiting(-1)
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select { // wg.Wait itself would never end; the select lets the watchdog stop it
		case <-done:
		case <-ctx.Done():
		}
		return a + b
	}
	p := workpool.New(workpool.WithWorkers(1))
	stuck, err := stall.Watch(ctx, 1, lesson.Size(l, 500*time.Millisecond, 100*time.Millisecond), func(ctx context.Context) error {
		return p.Run(ctx, func(w *workpool.Worker) error { fib(ctx, w, 22); return context.Cause(ctx) })
	})
	if err := errors.Join(err, p.Close()); err != nil {
		return err
	}
	l.Printf("deadlock detected: %s\n", stuck)
	l.Why("a WaitGroup blocks the worker's goroutine: it cannot run the spawned tasks it waits for.",
		"Join waits by running them.")
	return nil
}

// Lesson 2, work stealing: fork-join on a fixed pool deadlocks; goroutines
// and workpool's Join do not, because a waiting task gives up its worker.
//
//	go run ./examples/02-work-stealing           # about 2 s
//	go run ./examples/02-work-stealing -short    # under a second
package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/gmpkit/gmpkit/examples/internal/lesson"
	"github.com/gmpkit/gmpkit/workpool"
)

var solutions = []lesson.Solution{
	{Name: "64-workers", Change: "naiveWorkers = 64"},
	{Name: "spawn-wait", Change: "fork with two Spawns and wait on a WaitGroup instead of Join"},
}

func main() {
	lesson.Lesson{Name: "lesson 2, work stealing", Run: run, Solutions: solutions}.Main()
}

const (
	naiveWorkers = 4  // the trap pool's size: fixed, so the deadlock is the same on every machine
	cutoff       = 12 // fib runs sequentially below this n: a fork that small costs more than it saves
)

func fibSeq(n int) int {
	if n < 2 {
		return n
	}
	return fibSeq(n-1) + fibSeq(n-2)
}

func run(ctx context.Context, l *lesson.L) error {
	switch l.Solution {
	case "64-workers":
		return trap(ctx, l, 64)
	case "spawn-wait":
		return spawnWait(ctx, l)
	}
	if err := trap(ctx, l, naiveWorkers); err != nil {
		return err
	}
	big := lesson.Size(l, 32, 27)
	goTime, err := stdlib(ctx, l, big)
	if err != nil {
		return err
	}
	if err := fix(ctx, l, big, goTime); err != nil {
		return err
	}
	return order(ctx, l)
}

// naivePool is the usual fixed pool: workers reading one shared queue.
type naivePool struct {
	tasks chan func()
	wg    sync.WaitGroup
	stall lesson.Stall
}

// fibNaive submits both halves to p and waits for them, holding its worker.
// The watchdog's ctx bounds the wait.
func fibNaive(ctx context.Context, p *naivePool, n int) int {
	if n < 2 || ctx.Err() != nil {
		return n
	}
	a, b := make(chan int, 1), make(chan int, 1)
	p.tasks <- func() { a <- fibNaive(ctx, p, n-1) } // the queue has room for fib(22)'s whole tree
	p.tasks <- func() { b <- fibNaive(ctx, p, n-2) }
	p.stall.Waiting(1)
	defer p.stall.Waiting(-1)
	sum := 0
	for _, half := range []chan int{a, b} {
		select {
		case v := <-half:
			sum += v
		case <-ctx.Done(): // the watchdog fired
			return 0
		}
	}
	return sum
}

func trap(ctx context.Context, l *lesson.L, workers int) error {
	l.Section("The trap: fork-join on a fixed pool of %d workers", workers)
	l.Predict("fib(22), each task submitting its two halves to the pool and waiting for them: does it finish?")
	p := &naivePool{tasks: make(chan func(), 1<<16)}
	queued := 0
	stuck, err := p.stall.Watch(ctx, workers, lesson.Size(l, 500*time.Millisecond, 100*time.Millisecond), func(ctx context.Context) error {
		for range workers {
			p.wg.Go(func() {
				for ctx.Err() == nil { // until the watchdog fires
					select {
					case t := <-p.tasks:
						t()
						p.stall.Finished()
					case <-ctx.Done():
					}
				}
			})
		}
		defer p.wg.Wait()
		res := make(chan int, 1)
		p.tasks <- func() { res <- fibNaive(ctx, p, 22) }
		select {
		case v := <-res:
			return fmt.Errorf("fib(22) = %d finished on the fixed pool: no deadlock", v)
		case <-ctx.Done():
			queued = len(p.tasks)
			return context.Cause(ctx)
		}
	})
	if err != nil {
		return err
	}
	l.Printf("deadlock detected: %s, %d subtasks queued behind them\n", stuck, queued)
	l.Why("a waiting task holds its worker, and the subtasks it waits for need a worker: once every",
		"worker waits, nothing runs. More workers only move the cliff: fib's tree is wider.")
	return nil
}

// stdlib runs fib(n) with a goroutine per fork and returns how long it took.
func stdlib(ctx context.Context, l *lesson.L, n int) (time.Duration, error) {
	l.Section("Standard library first: a goroutine per fork")
	l.Predict("the same fork-join with go and a WaitGroup: does it finish? (cutoff %d)", cutoff)
	var fib func(n int) int
	fib = func(n int) int {
		if n < cutoff {
			return fibSeq(n)
		}
		var a int
		var wg sync.WaitGroup
		wg.Go(func() { a = fib(n - 1) })
		b := fib(n - 2)
		wg.Wait()
		return a + b
	}
	start, got := time.Now(), fib(n)
	took := time.Since(start)
	l.Printf("fib(%d) = %d with a goroutine per fork in %s (correct: %v)\n", n, got, lesson.Dur(took), got == fibSeq(n))
	l.Why("a goroutine that waits gives up its P: the runtime parks it and runs another. Idle Ps",
		"steal half of a busy P's local queue, so the runtime's scheduler already balances this.")
	return took, ctx.Err()
}

// fibJoin forks with Join: a runs inline, b waits in the worker's deque where
// an idle worker may steal it, and runs inline after a if nobody did.
func fibJoin(w *workpool.Worker, n int) int {
	if n < cutoff {
		return fibSeq(n)
	}
	var a, b int
	w.Join(func(w *workpool.Worker) { a = fibJoin(w, n-1) }, func(w *workpool.Worker) { b = fibJoin(w, n-2) })
	return a + b
}

func fix(ctx context.Context, l *lesson.L, n int, goTime time.Duration) error {
	l.Section("The fix: workpool's Join helps while it waits")
	l.Predict("fib(22) with Join on a pool of ONE worker: does it finish?")
	if _, err := joinFib(ctx, l, 1, 22); err != nil {
		return err
	}
	took, err := joinFib(ctx, l, runtime.GOMAXPROCS(0), n)
	if err != nil {
		return err
	}
	l.Why("Join offers b to thieves only when one could take it, and a worker waiting for a stolen b",
		"runs other queued work instead of blocking; thieves take the oldest task, the biggest subtree.")
	l.Adds("forks cheaper than goroutines on a fixed set of workers: Join took %.2fx the time of a goroutine per fork here.", float64(took)/float64(goTime))
	return nil
}

// joinFib computes fib(n) with Join on a new pool of the given workers and
// prints the result and the pool's counters.
func joinFib(ctx context.Context, l *lesson.L, workers, n int) (time.Duration, error) {
	p := workpool.New(workpool.WithWorkers(workers))
	got, start := 0, time.Now()
	err := p.Run(ctx, func(w *workpool.Worker) error { got = fibJoin(w, n); return nil })
	took := time.Since(start)
	if err := errors.Join(err, p.Close()); err != nil {
		return 0, err
	}
	st := p.Stats()
	l.Printf("fib(%d) = %d on %d worker(s) in %s (correct: %v)\n", n, got, workers, lesson.Dur(took), got == fibSeq(n))
	l.Printf("  tasks %d (%d ran inline, never offered)  steals %d of %d tries, %d tasks stolen  parks %d\n",
		st.Completed, st.Inlined, st.Steals, st.StealAttempts, st.Stolen, st.Parks)
	if got != fibSeq(n) || st.Submitted != st.Completed+st.Skipped {
		return 0, fmt.Errorf("fib(%d) = %d on %d workers; submitted %d, completed %d", n, got, workers, st.Submitted, st.Completed)
	}
	return took, nil
}

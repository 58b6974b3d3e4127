// Lesson 3, blocking system calls: the runtime hands a blocked M's P to
// another M; a pool whose workers block keeps its processors, unless told.
//
//	go run ./examples/03-blocking-syscalls           # about 2 s
//	go run ./examples/03-blocking-syscalls -short    # about 1 s
package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/gmpkit/gmpkit/examples/internal/lesson"
	"github.com/gmpkit/gmpkit/workpool"
)

var solutions = []lesson.Solution{
	{Name: "max-blocked", Change: "give the fix's pool workpool.WithMaxBlocked(4)"},
}

func main() {
	lesson.Lesson{Name: "lesson 3, blocking system calls", Run: run, Solutions: solutions}.Main()
}

func run(ctx context.Context, l *lesson.L) error {
	procs := runtime.GOMAXPROCS(0)
	l.Printf("GOMAXPROCS=%d on %d CPUs\n", procs, runtime.NumCPU())
	if !l.Is("max-blocked") { // the exercise changes the pool part only
		if err := handoff(ctx, l, procs); err != nil {
			return err
		}
	}
	return pools(ctx, l, procs)
}

// A task computes about 0.1ms, then makes a call that blocks 10ms (a sleep
// standing for an RPC or a disk read) through blocking.
func task(blocked *lesson.Peak, blocking func(func())) {
	lesson.Work(6)
	blocking(func() {
		blocked.In()
		defer blocked.Out()
		time.Sleep(10 * time.Millisecond)
	})
}

// A way runs tasks, each given a blocking wrapper for its call.
type way struct {
	label string
	run   func(tasks int, task func(blocking func(func()))) error
}

// table runs each way and prints a row; it returns the time each took.
func table(l *lesson.L, tasks int, ways ...way) ([]time.Duration, error) {
	t := lesson.NewTable(l.W, fmt.Sprintf("%d tasks: ~0.1ms compute, then 10ms blocked", tasks), "took", "blocked at once (peak)")
	var took []time.Duration
	for _, w := range ways {
		var blocked lesson.Peak
		start := time.Now()
		if err := w.run(tasks, func(blocking func(func())) { task(&blocked, blocking) }); err != nil {
			return nil, err
		}
		took = append(took, time.Since(start))
		t.Row(w.label, lesson.Dur(took[len(took)-1]), blocked.Max())
	}
	return took, t.Flush()
}

// onPool runs the tasks on a pool, with Blocking or without.
func onPool(label string, withBlocking bool, opts ...workpool.Option) way {
	return way{label, func(tasks int, task func(func(func()))) error {
		p := workpool.New(opts...)
		blocking := func(fn func()) { fn() }
		if withBlocking {
			blocking = p.Blocking
		}
		var err error
		for range tasks {
			err = errors.Join(err, p.Submit(func() { task(blocking) }))
		}
		return errors.Join(err, p.Close())
	}}
}

// withLimit runs a goroutine per task, at most n at once: errgroup's
// SetLimit is a semaphore.
func withLimit(n int) way {
	return way{fmt.Sprintf("errgroup, SetLimit(%d)", n), func(tasks int, task func(func(func()))) error {
		var g errgroup.Group
		g.SetLimit(n)
		for range tasks {
			g.Go(func() error { task(func(fn func()) { fn() }); return nil })
		}
		return g.Wait()
	}}
}

func pools(ctx context.Context, l *lesson.L, procs int) error {
	tasks := lesson.Size(l, 64, 32)
	l.Section("The trap: a pool of %d worker(s) whose tasks block", procs)
	l.Predict("%d tasks, each ~0.1ms of compute then 10ms blocked: how long on %d workers?", tasks, procs)
	trap, err := table(l, tasks, onPool(fmt.Sprintf("workpool, %d worker(s)", procs), false))
	if err != nil {
		return err
	}
	l.Why("a worker whose task blocks holds its processor: only GOMAXPROCS tasks run at a time, 10ms each.")

	l.Section("Standard library first: a goroutine per task, errgroup's SetLimit as a semaphore")
	std, err := table(l, tasks, withLimit(procs), withLimit(tasks))
	if err != nil {
		return err
	}
	l.Why("a semaphore bounds the goroutines, not what they do: sized for the cores it falls behind like",
		"the pool; sized for the tasks it keeps up, and the runtime keeps the compute to GOMAXPROCS.")

	l.Section("The fix: p.Blocking around the call")
	opts, label := []workpool.Option{}, fmt.Sprintf("workpool, %d worker(s), Blocking", procs)
	if l.Is("max-blocked") {
		opts, label = append(opts, workpool.WithMaxBlocked(4)), label+", WithMaxBlocked(4)"
	}
	fix, err := table(l, tasks, onPool(label, true, opts...))
	if err != nil {
		return err
	}
	waiting := "any number wait"
	if l.Is("max-blocked") {
		waiting = "4 wait handed over, and more keep their processor"
	}
	l.Why("while fn blocks, Blocking hands the worker's processor to a spare worker, as the runtime hands",
		fmt.Sprintf("off a P: at most %d task(s) compute, %s. It took %.2fx the pool's time and", procs, waiting, float64(fix[0])/float64(trap[0])),
		fmt.Sprintf("%.2fx the time of a goroutine per task.", float64(fix[0])/float64(std[1])))
	if fix[0] > 3*std[1]/2 {
		l.Printf("     (it did not keep up this time: other programs took the CPU; run again)\n")
	}
	l.Adds("a pool (its bounds, Stats, fork-join) whose tasks may block without falling behind; for independent tasks that block, a goroutine each does as well.")
	return ctx.Err()
}

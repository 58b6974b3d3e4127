package workpool_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gmpkit/gmpkit/workpool"
)

// New makes a pool with its workers started and parked; Close runs every
// accepted task and stops them.
func ExampleNew() {
	p := workpool.New(
		workpool.WithWorkers(2),
		workpool.WithName("images"),
		workpool.WithPanicHandler(func(pe *workpool.PanicError) { fmt.Println("task panicked:", pe.Value) }),
	)
	_ = p.Submit(func() { panic("bad image") })
	if err := p.Close(); err != nil {
		fmt.Println(err)
	}
	fmt.Println(p.Submit(func() {}))
	// Output:
	// task panicked: bad image
	// workpool: pool closed
}

// Run is the fork-join entry point: fn and everything it forks run on the
// pool's workers, and the first error or panic cancels the rest.
func ExamplePool_Run() {
	p := workpool.New(workpool.WithWorkers(2))
	defer p.Close()
	var total atomic.Int64
	err := p.Run(context.Background(), func(w *workpool.Worker) error {
		w.Scope(func(s *workpool.Scope) {
			for _, n := range []int64{1, 2, 3, 4} {
				s.Go(func(*workpool.Worker) { total.Add(n) })
			}
		})
		if total.Load() != 10 {
			return errors.New("lost a function")
		}
		return nil
	})
	fmt.Println(total.Load(), err)
	// Output: 10 <nil>
}

// Shutdown is Close with a deadline: if tasks are still running when it
// expires, it reports how many and leaves them running; a later Close
// waits for them.
func ExamplePool_Shutdown() {
	p := workpool.New(workpool.WithWorkers(1))
	release := make(chan struct{})
	_ = p.Submit(func() { <-release })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	err := p.Shutdown(ctx)
	var se *workpool.ShutdownError
	fmt.Println(errors.As(err, &se), se.Left, errors.Is(err, context.DeadlineExceeded))
	close(release)
	fmt.Println(p.Close())
	// Output:
	// true 1 true
	// <nil>
}

// Spawn queues a fire-and-forget task on the spawning worker's own queue,
// where it runs next: the runtime's go statement inside a goroutine.
func ExampleWorker_Spawn() {
	p := workpool.New(workpool.WithWorkers(1))
	defer p.Close()
	var order []string
	_ = p.Run(context.Background(), func(w *workpool.Worker) error {
		order = append(order, "parent")
		return w.Spawn(func(*workpool.Worker) { order = append(order, "child") })
	})
	_ = p.Wait()
	fmt.Println(strings.Join(order, " then "))
	// Output: parent then child
}

// SubmitContext ties a task to a request: if the request is gone before
// the task starts, the task is skipped, and counted.
func ExamplePool_SubmitContext() {
	p := workpool.New(workpool.WithWorkers(1))
	defer p.Close()
	busy := make(chan struct{})
	_ = p.Submit(func() { <-busy }) // the only worker is busy
	ctx, cancel := context.WithCancel(context.Background())
	_ = p.SubmitContext(ctx, func(ctx context.Context) { fmt.Println("never printed") })
	cancel() // the caller gave up while the task was queued
	close(busy)
	_ = p.Wait()
	fmt.Println("skipped:", p.Stats().Skipped)
	// Output: skipped: 1
}

// A Group is errgroup on the pool's workers: the first error cancels the
// others' context and comes back from Wait.
func ExamplePool_NewGroup() {
	p := workpool.New(workpool.WithWorkers(2))
	defer p.Close()
	g := p.NewGroup(context.Background())
	g.SetLimit(2)
	for _, name := range []string{"a", "b", "missing", "d"} {
		g.Go(func(ctx context.Context) error {
			if name == "missing" {
				return fmt.Errorf("fetch %s: not found", name)
			}
			return nil
		})
	}
	fmt.Println(g.Wait())
	// Output: fetch missing: not found
}

// A ResultGroup returns its functions' results in the order of the Go
// calls, whatever order they finish in.
func ExampleNewResultGroup() {
	p := workpool.New()
	defer p.Close()
	rg := workpool.NewResultGroup[string](p, context.Background())
	for _, word := range []string{"fork", "join", "steal"} {
		rg.Go(func(context.Context) (string, error) { return strings.ToUpper(word), nil })
	}
	res, err := rg.Wait()
	fmt.Println(res, err)
	// Output: [FORK JOIN STEAL] <nil>
}

// Blocking hands the worker's processor to a spare goroutine while a call
// blocks, so one worker serves many blocked tasks at once: here all 100
// are blocked together before any returns.
func ExamplePool_Blocking() {
	p := workpool.New(workpool.WithWorkers(1))
	defer p.Close()
	var inside sync.WaitGroup
	inside.Add(100)
	all := make(chan struct{})
	go func() { inside.Wait(); close(all) }()
	for range 100 {
		_ = p.Submit(func() {
			p.Blocking(func() { inside.Done(); <-all }) // a slow call, say
		})
	}
	_ = p.Wait()
	fmt.Println("hand-offs:", p.Stats().Handoffs)
	// Output: hand-offs: 100
}

// For runs a parallel loop; the range is split only when a worker can take
// a part.
func ExampleWorker_For() {
	p := workpool.New()
	defer p.Close()
	squares := make([]int, 10)
	_ = p.Run(context.Background(), func(w *workpool.Worker) error {
		w.For(0, len(squares), func(_ *workpool.Worker, i int) { squares[i] = i * i })
		return nil
	})
	fmt.Println(squares)
	// Output: [0 1 4 9 16 25 36 49 64 81]
}

// ForRange hands the body whole subranges, for a body with per-call setup.
func ExampleWorker_ForRange() {
	p := workpool.New(workpool.WithWorkers(1))
	defer p.Close()
	var sum atomic.Int64
	_ = p.Run(context.Background(), func(w *workpool.Worker) error {
		w.ForRange(1, 101, func(_ *workpool.Worker, lo, hi int) {
			local := 0
			for i := lo; i < hi; i++ {
				local += i
			}
			sum.Add(int64(local))
		})
		return nil
	})
	fmt.Println(sum.Load())
	// Output: 5050
}

// Resize changes the number of workers while the pool runs.
func ExamplePool_Resize() {
	p := workpool.New(workpool.WithWorkers(2))
	defer p.Close()
	fmt.Println(p.Workers())
	if err := p.Resize(4); err != nil {
		fmt.Println(err)
	}
	fmt.Println(p.Workers())
	fmt.Println(p.Resize(0) != nil)
	// Output:
	// 2
	// 4
	// true
}

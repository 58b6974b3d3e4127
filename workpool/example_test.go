package workpool_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/gmpkit/gmpkit/workpool"
)

// Fire-and-forget tasks: Submit from anywhere, then Wait.
func ExamplePool_Submit() {
	p := workpool.New(workpool.WithWorkers(4))
	defer func() {
		if err := p.Close(); err != nil { // an unhandled task panic, if any
			fmt.Println(err)
		}
	}()
	var sum atomic.Int64
	for i := 1; i <= 100; i++ {
		if err := p.Submit(func() { sum.Add(int64(i)) }); err != nil {
			fmt.Println(err)
		}
	}
	if err := p.Wait(); err != nil {
		fmt.Println(err)
	}
	fmt.Println(sum.Load())
	// Output: 5050
}

func fib(w *workpool.Worker, n int) int {
	if n < 15 { // below the cutoff, plain recursion is cheaper than a fork
		return fibSeq(n)
	}
	var x, y int
	w.Join(
		func(w *workpool.Worker) { x = fib(w, n-1) },
		func(w *workpool.Worker) { y = fib(w, n-2) },
	)
	return x + y
}

// Fork-join: Join runs both halves, in parallel when a worker is idle, and
// never deadlocks, even with one worker.
func ExampleWorker_Join() {
	p := workpool.New(workpool.WithWorkers(1))
	defer p.Close()
	var got int
	err := p.Run(context.Background(), func(w *workpool.Worker) error {
		got = fib(w, 25)
		return nil
	})
	fmt.Println(got, err)
	// Output: 75025 <nil>
}

// Join2 returns the two results.
func ExampleJoin2() {
	p := workpool.New()
	defer p.Close()
	_ = p.Run(context.Background(), func(w *workpool.Worker) error {
		a, b := workpool.Join2(w,
			func(*workpool.Worker) string { return "left" },
			func(*workpool.Worker) int { return 42 })
		fmt.Println(a, b)
		return nil
	})
	// Output: left 42
}

// Scope forks any number of functions and waits for all of them.
func ExampleWorker_Scope() {
	p := workpool.New()
	defer p.Close()
	squares := make([]int, 8)
	_ = p.Run(context.Background(), func(w *workpool.Worker) error {
		w.Scope(func(s *workpool.Scope) {
			for i := range squares {
				s.Go(func(*workpool.Worker) { squares[i] = i * i })
			}
		})
		return nil
	})
	fmt.Println(squares)
	// Output: [0 1 4 9 16 25 36 49]
}

// A panic anywhere in a Run tree comes back from Run as a *PanicError; the
// pool keeps working.
func ExamplePanicError() {
	p := workpool.New(workpool.WithWorkers(2))
	defer p.Close()
	err := p.Run(context.Background(), func(w *workpool.Worker) error {
		w.Join(func(*workpool.Worker) {}, func(*workpool.Worker) { panic("leaf broke") })
		return nil
	})
	var pe *workpool.PanicError
	if errors.As(err, &pe) {
		fmt.Println("recovered:", pe.Value)
	}
	// Output: recovered: leaf broke
}

// TrySubmit with a bound sheds load instead of queueing without limit.
func ExamplePool_TrySubmit() {
	p := workpool.New(workpool.WithWorkers(1), workpool.WithMaxQueued(1))
	defer p.Close()
	release := make(chan struct{})
	fmt.Println(p.TrySubmit(func() { <-release }))
	fmt.Println(p.TrySubmit(func() {}))
	close(release)
	// Output:
	// <nil>
	// workpool: queue full
}

// Stats gives counters and a schedtrace-style line.
func ExamplePool_Stats() {
	p := workpool.New(workpool.WithWorkers(2), workpool.WithName("demo"))
	defer p.Close()
	for range 10 {
		_ = p.Submit(func() {})
	}
	_ = p.Wait()
	st := p.Stats()
	fmt.Println(st.Name, st.Submitted, st.Completed, st.Workers, st.Policy)
	// Output: demo 10 10 2 LIFO
}

// A task may call Run on its own pool: fn runs inline on the task's worker,
// so this works even with one worker. Wait, Close and Shutdown called from a
// task would wait for the task itself: they return ErrInsideTask instead.
func ExampleErrInsideTask() {
	p := workpool.New(workpool.WithWorkers(1))
	defer p.Close()
	_ = p.Submit(func() {
		var got int
		err := p.Run(context.Background(), func(w *workpool.Worker) error {
			got = fib(w, 20)
			return nil
		})
		fmt.Println("Run from a task:", got, err)
		fmt.Println("Wait from a task:", errors.Is(p.Wait(), workpool.ErrInsideTask))
	})
	if err := p.Wait(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// Run from a task: 6765 <nil>
	// Wait from a task: true
}

package workloads

import (
	"context"

	"github.com/gmpkit/gmpkit/workpool"
)

// NewGmpkitRunner returns a Runner on a workpool.Pool of width workers; Run
// submits every task with Submit and returns after Pool.Wait.
func NewGmpkitRunner(width int) Runner {
	return &gmpkitRunner{pool: workpool.New(workpool.WithWorkers(width), workpool.WithName("bench"))}
}

type gmpkitRunner struct{ pool *workpool.Pool }

func (r *gmpkitRunner) Run(n int, task func()) error {
	for range n {
		if err := r.pool.Submit(task); err != nil {
			return err
		}
	}
	return r.pool.Wait()
}

func (r *gmpkitRunner) Close() { _ = r.pool.Close() }

// NewGmpkitForkRunner returns a ForkRunner on a workpool.Pool of workers
// workers: Do enters the pool with Pool.Run and forks with Worker.Join.
func NewGmpkitForkRunner(workers int) ForkRunner {
	return &gmpkitFork{pool: workpool.New(workpool.WithWorkers(workers), workpool.WithName("bench-forkjoin"))}
}

type gmpkitFork struct{ pool *workpool.Pool }

func (f *gmpkitFork) Do(fn func(Joiner)) error {
	return f.pool.Run(context.Background(), func(w *workpool.Worker) error {
		fn(gmpkitJoiner{w})
		return nil
	})
}

func (f *gmpkitFork) Close() { _ = f.pool.Close() }

// gmpkitJoiner is the Joiner of a workpool worker: a runs inline, b is
// pushed to the worker's queue where idle workers may steal it, and the
// join helps run other tasks while b is elsewhere.
type gmpkitJoiner struct{ w *workpool.Worker }

func (j gmpkitJoiner) Join(a, b func(Joiner)) {
	j.w.Join(
		func(w *workpool.Worker) { a(gmpkitJoiner{w}) },
		func(w *workpool.Worker) { b(gmpkitJoiner{w}) },
	)
}

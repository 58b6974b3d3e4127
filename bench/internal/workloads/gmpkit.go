package workloads

import (
	"github.com/gmpkit/gmpkit/workpool"
)

// gmpkit's variants in the sleep family, besides ImplGmpkit (a pool of the
// family's width).
const (
	// ImplGmpkitBlocking is a pool of GOMAXPROCS workers whose tasks wrap
	// their blocking call in Pool.Blocking, which hands the worker's
	// processor to a spare goroutine while the call blocks.
	ImplGmpkitBlocking = "gmpkit-blocking"
	// ImplGmpkitPlain is a pool of GOMAXPROCS workers with plain tasks: a
	// sleeping task holds its worker, so the pool runs GOMAXPROCS sleeps at
	// a time.
	ImplGmpkitPlain = "gmpkit-plain"
)

// NewGmpkitRunner returns a Runner on a workpool.Pool of width workers; Run
// submits every task with Submit and returns after Pool.Wait.
func NewGmpkitRunner(width int) Runner {
	return &gmpkitRunner{pool: workpool.New(workpool.WithWorkers(width), workpool.WithName("bench"))}
}

// NewGmpkitBlockingRunner returns a Runner on a workpool.Pool of workers
// workers that lets up to maxBlocked of them block at once
// (WithMaxBlocked); Run submits every task wrapped in Pool.Blocking.
func NewGmpkitBlockingRunner(workers, maxBlocked int) Runner {
	return &gmpkitRunner{blocking: true, pool: workpool.New(workpool.WithWorkers(workers),
		workpool.WithMaxBlocked(maxBlocked), workpool.WithName("bench-blocking"))}
}

type gmpkitRunner struct {
	pool     *workpool.Pool
	blocking bool
}

func (r *gmpkitRunner) Run(n int, task func()) error {
	if r.blocking {
		inner := task
		task = func() { r.pool.Blocking(inner) }
	}
	for range n {
		if err := r.pool.Submit(task); err != nil {
			return err
		}
	}
	return r.pool.Wait()
}

func (r *gmpkitRunner) Close() { _ = r.pool.Close() }

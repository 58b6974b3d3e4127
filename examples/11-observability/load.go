package main

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/gmpkit/gmpkit/examples/internal/lesson"
	"github.com/gmpkit/gmpkit/workpool"
)

// quietHour makes n quick wake-ups, two goroutines handing a token back and
// forth: a quiet process's samples of the scheduler latency, all small.
func quietHour(n int) {
	ping, pong := make(chan struct{}), make(chan struct{})
	go func() {
		for range pong {
			ping <- struct{}{}
		}
		close(ping)
	}()
	for range n {
		pong <- struct{}{}
		<-ping
	}
	close(pong)
	<-ping
}

// makeLoad keeps 4 CPU-bound goroutines per P busy for d, and runs tasks on
// pool meanwhile.
func makeLoad(ctx context.Context, pool *workpool.Pool, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	for range 4 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for ctx.Err() == nil {
				lesson.Work(3)
			}
		})
	}
	for ctx.Err() == nil {
		for range 100 {
			if err := pool.Submit(func() { lesson.Work(1) }); err != nil {
				return err
			}
		}
		if err := pool.Wait(); err != nil {
			return err
		}
	}
	return nil
}

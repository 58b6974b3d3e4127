package workloads_test

import (
	"errors"
	"fmt"
	"time"

	w "github.com/gmpkit/gmpkit/bench/internal/workloads"
)

// A fork-join recursion on a bounded pool of one worker can never finish:
// the worker runs a parent that waits for a child only it could run. The
// guarded run reports it and reclaims the pool.
func ExampleGuardedForkJoin() {
	for _, impl := range w.GuardedPeers {
		_, err := w.GuardedForkJoin(impl, 1, 50*time.Millisecond, func(j w.Joiner) { w.Fib(j, 12, 4) })
		fmt.Println(impl, errors.Is(err, w.ErrDeadlock))
	}
	// The same recursion on gmpkit's pool, whose joins help instead of
	// blocking, finishes with one worker.
	r, _ := w.NewForkRunner(w.ImplGmpkit, 1)
	defer r.Close()
	var got int
	_ = r.Do(w.FibBody(12, 4, &got))
	fmt.Println(w.ImplGmpkit, got)
	// Output:
	// ants true
	// pond true
	// gmpkit 144
}

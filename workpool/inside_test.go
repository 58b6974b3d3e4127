package workpool_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gmpkit/gmpkit/workpool"
)

// guardTimeout bounds the calls that used to deadlock: a test that reaches
// it fails instead of hanging the suite. It is not a measure of speed.
const guardTimeout = 20 * time.Second

// await fails the test if done is not closed within guardTimeout.
func await(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(guardTimeout):
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("%s did not return within %v: deadlock\n%s", what, guardTimeout, buf)
	}
}

// blockingCalls are the methods that wait for the pool's tasks.
var blockingCalls = []struct {
	method string
	call   func(p *workpool.Pool) error
}{
	{"Pool.Wait", (*workpool.Pool).Wait},
	{"Pool.Close", (*workpool.Pool).Close},
	{"Pool.Shutdown", func(p *workpool.Pool) error { return p.Shutdown(context.Background()) }},
}

// closeWithin closes p, giving up after guardTimeout so that a test that
// found a deadlock fails instead of hanging in its deferred Close.
func closeWithin(t *testing.T, p *workpool.Pool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), guardTimeout)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
		return
	}
	checkCounts(t, p.Stats())
}

func checkInsideTask(t *testing.T, method string, err error) {
	t.Helper()
	if !errors.Is(err, workpool.ErrInsideTask) {
		t.Fatalf("%s from inside a task returned %v, want ErrInsideTask", method, err)
	}
	if !strings.Contains(err.Error(), method) {
		t.Errorf("%s's error %q does not name the method", method, err)
	}
}

func TestInsideTask_WaitCloseShutdownReturnErrInsideTaskInsteadOfHanging(t *testing.T) {
	for _, n := range []int{1, 2} {
		for _, bc := range blockingCalls {
			t.Run(name(n)+"/"+bc.method, func(t *testing.T) {
				p := workpool.New(workpool.WithWorkers(n))
				// From a submitted task.
				errc := make(chan error, 1)
				done := make(chan struct{})
				if err := p.Submit(func() { errc <- bc.call(p); close(done) }); err != nil {
					t.Fatalf("Submit: %v", err)
				}
				await(t, done, bc.method+" from a submitted task")
				checkInsideTask(t, bc.method, <-errc)

				// From a spawned task, and from a Run tree's root and a
				// Join branch.
				var spawned, branch error
				done = make(chan struct{})
				err := p.Run(context.Background(), func(w *workpool.Worker) error {
					if err := bc.call(p); !errors.Is(err, workpool.ErrInsideTask) {
						return err
					}
					w.Join(func(*workpool.Worker) {}, func(*workpool.Worker) { branch = bc.call(p) })
					return w.Spawn(func(*workpool.Worker) { spawned = bc.call(p); close(done) })
				})
				if err != nil {
					t.Fatalf("%s from a Run root returned %v, want ErrInsideTask", bc.method, err)
				}
				await(t, done, bc.method+" from a spawned task")
				checkInsideTask(t, bc.method, branch)
				checkInsideTask(t, bc.method, spawned)

				// The calls did nothing: the pool still accepts and runs.
				var ran atomic.Bool
				if err := p.Submit(func() { ran.Store(true) }); err != nil {
					t.Fatalf("Submit after an inside %s: %v", bc.method, err)
				}
				if err := p.Wait(); err != nil || !ran.Load() {
					t.Fatalf("Wait from outside = %v, task ran %v", err, ran.Load())
				}
				closePool(t, p)
			})
		}
	}
}

// fibJoin is fib with Join, for the nested Run tests.
func fibJoin(w *workpool.Worker, n int) int {
	if n < 10 {
		return fibPlain(n)
	}
	var x, y int
	w.Join(func(w *workpool.Worker) { x = fibJoin(w, n-1) }, func(w *workpool.Worker) { y = fibJoin(w, n-2) })
	return x + y
}

func fibPlain(n int) int {
	if n < 2 {
		return n
	}
	return fibPlain(n-1) + fibPlain(n-2)
}

func TestRun_FromInsideTasksRunsInlineAndNeverDeadlocks(t *testing.T) {
	const tasks = 8 // more tasks calling Run than workers
	for _, n := range []int{1, 2} {
		t.Run(name(n), func(t *testing.T) {
			p := workpool.New(workpool.WithWorkers(n))
			defer closeWithin(t, p)
			var results [tasks]atomic.Int64
			for i := range tasks {
				if err := p.Submit(func() {
					var got int
					err := p.Run(context.Background(), func(w *workpool.Worker) error {
						got = fibJoin(w, 20)
						return nil
					})
					if err != nil {
						got = -1
					}
					results[i].Store(int64(got))
				}); err != nil {
					t.Fatalf("Submit: %v", err)
				}
			}
			done := make(chan struct{})
			go func() { _ = p.Wait(); close(done) }()
			await(t, done, "Wait for tasks calling Run")
			for i := range results {
				if got := results[i].Load(); got != 6765 {
					t.Errorf("task %d: Run computed fib(20) = %d, want 6765", i, got)
				}
			}

			// Run nested in a Run tree, from the root and from a Join
			// branch: the inner fn runs on the calling worker.
			done = make(chan struct{})
			var err error
			var same bool
			var x, y int
			go func() {
				defer close(done)
				err = p.Run(context.Background(), func(w *workpool.Worker) error {
					inner := p.Run(context.Background(), func(w2 *workpool.Worker) error {
						same = w2 == w
						x = fibJoin(w2, 18)
						return nil
					})
					if inner != nil {
						return inner
					}
					var ierr error
					w.Join(func(*workpool.Worker) {}, func(w *workpool.Worker) {
						ierr = p.Run(context.Background(), func(w *workpool.Worker) error {
							y = fibJoin(w, 17)
							return nil
						})
					})
					return ierr
				})
			}()
			await(t, done, "nested Run")
			if err != nil || x != 2584 || y != 1597 || !same {
				t.Fatalf("nested Run: err %v, fib(18) %d, fib(17) %d, ran on the caller's worker %v", err, x, y, same)
			}
			st := quiesce(p)
			if st.Submitted != st.Completed {
				t.Errorf("Stats: Submitted %d != Completed %d after nested Runs", st.Submitted, st.Completed)
			}
		})
	}
}

type ctxKey struct{}

func TestRun_FromInsideTaskKeepsErrorPanicAndContextSemantics(t *testing.T) {
	errFn := errors.New("inner error")
	for _, n := range []int{1, 2} {
		t.Run(name(n), func(t *testing.T) {
			p := workpool.New(workpool.WithWorkers(n))
			defer closeWithin(t, p)
			done := make(chan struct{})
			var outer error
			var checks []string
			fail := func(s string) { checks = append(checks, s) }
			go func() {
				defer close(done)
				octx := context.WithValue(context.Background(), ctxKey{}, "outer")
				outer = p.Run(octx, func(w *workpool.Worker) error {
					// A panic deep in the inner tree reaches the inner
					// Run's caller, not the outer tree.
					err := p.Run(context.Background(), func(w *workpool.Worker) error {
						w.Join(func(*workpool.Worker) {}, func(*workpool.Worker) { panic("inner leaf") })
						return nil
					})
					var pe *workpool.PanicError
					if !errors.As(err, &pe) || pe.Value != "inner leaf" || len(pe.Stack) == 0 {
						fail("inner panic: got " + errString(err))
					}
					// The inner fn's error is returned.
					if err := p.Run(context.Background(), func(*workpool.Worker) error { return errFn }); err != errFn {
						fail("inner error: got " + errString(err))
					}
					// An already cancelled context runs nothing.
					cctx, cancel := context.WithCancelCause(context.Background())
					cause := errors.New("cause")
					cancel(cause)
					ran := false
					if err := p.Run(cctx, func(*workpool.Worker) error { ran = true; return nil }); err != cause || ran {
						fail("cancelled inner Run: got " + errString(err))
					}
					// The inner tree has its own context, derived from
					// the inner Run's; the outer one is back afterwards.
					ictx := context.WithValue(context.Background(), ctxKey{}, "inner")
					var seen any
					_ = p.Run(ictx, func(w *workpool.Worker) error { seen = w.Context().Value(ctxKey{}); return nil })
					if seen != "inner" {
						fail("inner tree does not see the inner Run's context")
					}
					if v := w.Context().Value(ctxKey{}); v != "outer" || w.Context().Err() != nil {
						fail("outer Context not restored or cancelled")
					}
					return nil
				})
			}()
			await(t, done, "Run with inner Runs")
			if outer != nil {
				t.Fatalf("outer Run returned %v, want nil: an inner failure leaked out", outer)
			}
			for _, c := range checks {
				t.Error(c)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestRun_FromInsideTaskAfterCloseReturnsErrClosed(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(1))
	started := make(chan struct{})
	release := make(chan struct{})
	errc := make(chan error, 1)
	if err := p.Submit(func() {
		close(started)
		<-release
		errc <- p.Run(context.Background(), func(*workpool.Worker) error { return nil })
	}); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	<-started
	closed := make(chan struct{})
	go func() { closePool(t, p); close(closed) }()
	for !closedPool(p) {
		time.Sleep(100 * time.Microsecond)
	}
	close(release)
	await(t, closed, "Close")
	if err := <-errc; err != workpool.ErrClosed {
		t.Fatalf("Run from a task after Close began = %v, want ErrClosed", err)
	}
}

// closedPool reports whether p refuses new tasks.
func closedPool(p *workpool.Pool) bool {
	return p.TrySubmit(func() {}) == workpool.ErrClosed
}

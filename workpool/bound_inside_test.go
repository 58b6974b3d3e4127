package workpool_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gmpkit/gmpkit/workpool"
)

// guard fails the test instead of hanging it when done is not closed in time.
func guardDone(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: still blocked after 20s (a hang)", what)
	}
}

func TestSubmit_FromInsideATaskAtTheBoundFailsInsteadOfWaitingForItself(t *testing.T) {
	for _, workers := range []int{1, 2} {
		t.Run(name(workers), func(t *testing.T) {
			p := workpool.New(workpool.WithWorkers(workers), workpool.WithMaxQueued(workers))
			defer closePool(t, p)
			errs := make(chan error, workers)
			release := make(chan struct{})
			for range workers {
				// Each task holds one unit of the bound; the pool is full while
				// they all try to submit.
				if err := p.Submit(func() {
					<-release
					errs <- p.Submit(func() {})
				}); err != nil {
					t.Fatalf("Submit: %v", err)
				}
			}
			close(release)
			done := make(chan struct{})
			go func() { _ = p.Wait(); close(done) }()
			guardDone(t, done, "Wait after inside Submits at the bound")
			for range workers {
				err := <-errs
				if err == nil {
					continue // another task finished first and made room: fine
				}
				if !errors.Is(err, workpool.ErrFull) || !errors.Is(err, workpool.ErrInsideTask) {
					t.Fatalf("inside Submit at the bound = %v, want an error matching ErrFull and ErrInsideTask", err)
				}
			}
		})
	}
}

func TestSubmit_FromInsideTheOnlyWorkerAtTheBoundReturnsErrFull(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(1), workpool.WithMaxQueued(1))
	defer closePool(t, p)
	errc := make(chan error, 1)
	if err := p.Submit(func() { errc <- p.Submit(func() {}) }); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = p.Wait(); close(done) }()
	guardDone(t, done, "Wait")
	if err := <-errc; !errors.Is(err, workpool.ErrFull) || !errors.Is(err, workpool.ErrInsideTask) {
		t.Fatalf("Submit from the only task at a bound of 1 = %v, want ErrFull and ErrInsideTask", err)
	}
}

func TestRun_WaitingForRoomAtTheBoundHonoursItsContext(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(1), workpool.WithMaxQueued(1))
	defer closePool(t, p)
	release := make(chan struct{})
	if err := p.Submit(func() { <-release }); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	cause := errors.New("caller gave up")
	ctx, cancel := context.WithCancelCause(context.Background())
	errc := make(chan error, 1)
	ran := make(chan struct{}, 1)
	go func() {
		errc <- p.Run(ctx, func(*workpool.Worker) error { ran <- struct{}{}; return nil })
	}()
	// Give Run a moment to reach the wait for room (it also passes if the
	// cancel comes first: Run then returns the cause at once).
	time.Sleep(20 * time.Millisecond)
	cancel(cause)
	select {
	case err := <-errc:
		if !errors.Is(err, cause) {
			t.Fatalf("Run at the bound after its context ended = %v, want the cause %v", err, cause)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run waiting for room ignored its context (a hang)")
	}
	close(release)
	if err := p.Wait(); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	select {
	case <-ran:
		t.Fatal("Run's function ran although Run returned its context's cause")
	default:
	}
}

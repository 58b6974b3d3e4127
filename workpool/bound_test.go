package workpool_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gmpkit/gmpkit/workpool"
)

// TestMaxQueued_SubmitDoesNotWaitWhileUnderTheBound is the reproduction:
// with a bound of 3 and two workers, three tasks are accepted and two
// finish; the third waits for a fourth, which the caller submits. Only one
// task is unfinished, so that Submit must not wait, whatever worker ran
// the two finished tasks and whatever it is blocked in now.
func TestMaxQueued_SubmitDoesNotWaitWhileUnderTheBound(t *testing.T) {
	for range 20 {
		p := workpool.New(workpool.WithWorkers(2), workpool.WithMaxQueued(3))
		var quick sync.WaitGroup
		quick.Add(2)
		fourth := make(chan struct{})
		require.NoError(t, p.Submit(quick.Done))
		require.NoError(t, p.Submit(quick.Done))
		require.NoError(t, p.Submit(func() { <-fourth }))
		quick.Wait()
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := p.Submit(func() { close(fourth) }); err != nil {
				t.Errorf("Submit: %v", err)
			}
		}()
		await(t, done, "Submit with 1 of 3 tasks unfinished")
		closeWithin(t, p)
	}
}

// TestMaxQueued_RandomBlockersNeverOverAdmitAndNeverStrandASubmit drives a
// bounded pool with random quick and blocking tasks. With n blocking
// tasks accepted, TrySubmit must say ErrFull (the bound is never
// exceeded); with fewer, Submit must return (no Submit waits for room that
// exists), however the blocking tasks sit on the workers.
func TestMaxQueued_RandomBlockersNeverOverAdmitAndNeverStrandASubmit(t *testing.T) {
	seeds := 30
	if raceEnabled {
		seeds = 10
	}
	for seed := range uint64(seeds) {
		t.Run("seed="+strconv.FormatUint(seed, 10), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 7))
			n, workers := 1+r.IntN(6), 1+r.IntN(4)
			p := workpool.New(workpool.WithWorkers(workers), workpool.WithMaxQueued(n))
			defer closeWithin(t, p)
			var blockers []chan struct{}
			var ran atomic.Int64 // tasks that ran to their end
			submitted := 0
			release := func() {
				i := r.IntN(len(blockers))
				close(blockers[i])
				blockers = append(blockers[:i], blockers[i+1:]...)
			}
			for step := 0; step < 200; step++ {
				// Tasks may sit queued behind blocking ones (released ones
				// too), so the unfinished count is what was submitted less
				// what was seen to end: an upper bound, since a task that
				// ended is credited a moment later without blocking.
				unfinished := submitted - int(ran.Load())
				switch k := r.IntN(4); {
				case len(blockers) == n:
					err := p.TrySubmit(func() { ran.Add(1) })
					require.True(t, errors.Is(err, workpool.ErrFull), "TrySubmit with %d blocking tasks under a bound of %d: %v", n, n, err)
					release()
				case unfinished >= n:
					if len(blockers) > 0 {
						release()
					} else {
						runtime.Gosched() // nothing blocks: they end
					}
				case k == 0 && len(blockers) > 0:
					release()
				case k == 1:
					ch := make(chan struct{})
					blockers = append(blockers, ch)
					submitIn(t, p, func() { <-ch; ran.Add(1) })
					submitted++
				default:
					submitIn(t, p, func() { ran.Add(1) })
					submitted++
				}
			}
			for _, ch := range blockers {
				close(ch)
			}
			done := make(chan struct{})
			go func() { _ = p.Wait(); close(done) }()
			await(t, done, "Wait")
			require.EqualValues(t, submitted, ran.Load(), "every accepted task ran once (seed %d)", seed)
		})
	}
}

// submitIn submits task, failing the test if Submit does not return.
func submitIn(t *testing.T, p *workpool.Pool, task func()) {
	t.Helper()
	done := make(chan struct{})
	var err error
	go func() { err = p.Submit(task); close(done) }()
	await(t, done, "Submit under the bound")
	require.NoError(t, err)
}

func TestSubmitContext_WaitForRoomEndsWithTheCause(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(1), workpool.WithMaxQueued(1))
	defer closeWithin(t, p)
	release := make(chan struct{})
	require.NoError(t, p.Submit(func() { <-release }))
	cause := errors.New("caller gave up")
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan error)
	go func() {
		done <- p.SubmitContext(ctx, func(context.Context) { t.Error("a task refused at the bound ran") })
	}()
	cancel(cause)
	select {
	case err := <-done:
		require.ErrorIs(t, err, cause)
	case <-time.After(guardTimeout):
		t.Fatal("SubmitContext did not return when its context ended")
	}
	close(release)
}

package lesson

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// ErrStalled is the cause with which Stall.Watch cancels a computation.
var ErrStalled = errors.New("stalled: every worker waiting, no task finishing")

// A Stall is a watchdog for a fixed set of workers: it calls a deadlock
// every worker waiting while no task finishes for a while. Tasks report
// with Waiting and Finished.
type Stall struct{ waiting, finished atomic.Int64 }

// Waiting adds delta (+1 when a task starts waiting, -1 when it stops).
func (s *Stall) Waiting(delta int64) { s.waiting.Add(delta) }

// Finished records that a task finished: progress.
func (s *Stall) Finished() { s.finished.Add(1) }

// Watch runs fn with a context that it cancels with ErrStalled once workers
// tasks have been waiting and none has finished for d. It returns a
// description of the stall, or fn's error if fn returned without one (an
// error too if fn returned nil: the lesson expected a stall).
func (s *Stall) Watch(ctx context.Context, workers int, d time.Duration, fn func(ctx context.Context) error) (string, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	res := make(chan error, 1)
	go func() { res <- fn(ctx) }()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	last, since := s.finished.Load(), time.Now()
	for {
		select {
		case err := <-res:
			if err == nil {
				err = errors.New("finished: no stall")
			}
			return "", err
		case <-tick.C:
		}
		waiting, finished := s.waiting.Load(), s.finished.Load()
		if finished != last || waiting < int64(workers) {
			last, since = finished, time.Now()
			continue
		}
		if time.Since(since) < d {
			continue
		}
		cancel(ErrStalled)
		if err := <-res; !errors.Is(err, ErrStalled) {
			return "", fmt.Errorf("after the watchdog fired: %w", err)
		}
		return fmt.Sprintf("%d of %d workers waiting, no task finished for %s", waiting, workers, Dur(d)), nil
	}
}

// A Peak counts how many are inside something at once, and the most ever.
type Peak struct{ cur, peak atomic.Int64 }

// In records one more inside.
func (p *Peak) In() {
	n := p.cur.Add(1)
	for old := p.peak.Load(); n > old && !p.peak.CompareAndSwap(old, n); old = p.peak.Load() {
	}
}

// Out records one fewer inside.
func (p *Peak) Out() { p.cur.Add(-1) }

// Max returns the most that were ever inside at once.
func (p *Peak) Max() int64 { return p.peak.Load() }

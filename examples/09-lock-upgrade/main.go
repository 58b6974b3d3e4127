// Lesson 9, the lock-upgrade deadlock: RLock, miss, then Lock while still
// holding the read lock. A watchdog catches it; the fix releases first and
// checks again.
//
//	go run ./examples/09-lock-upgrade
//	go run ./examples/09-lock-upgrade -short
package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gmpkit/gmpkit/ctxtree"
	"github.com/gmpkit/gmpkit/examples/internal/lesson"
)

var solutions = []lesson.Solution{
	{Name: "no-recheck", Change: "remove the second check under Lock in get"},
}

func main() {
	lesson.Lesson{Name: "lesson 9, the lock-upgrade deadlock", Run: run, Solutions: solutions}.Main()
}

// cache is a map guarded by an RWMutex, counting how often a value was
// computed.
type cache struct {
	mu    sync.RWMutex
	m     map[string]int
	fills atomic.Int64
	// afterMiss, if set, runs between a miss and Lock: the lesson uses it to
	// hold every lookup there until all have missed (a thundering herd).
	afterMiss func()
	// rescued is set by the watchdog when it released the read lock on the
	// stuck goroutine's behalf, so that goroutine must not release it again.
	rescued atomic.Bool
}

func compute(key string) int { return len(key) * 7 }

// getUpgrade is the trap: on a miss it calls Lock while holding RLock.
func (c *cache) getUpgrade(key string) int {
	c.mu.RLock()
	if v, ok := c.m[key]; ok {
		c.mu.RUnlock()
		return v
	}
	c.mu.Lock() // waits for every reader to leave, including this one: forever
	v := compute(key)
	c.m[key] = v
	c.fills.Add(1)
	c.mu.Unlock()
	if !c.rescued.Load() {
		c.mu.RUnlock()
	}
	return v
}

// get is the fix: release the read lock, take the write lock, and check
// again, since another goroutine may have filled the key in between.
func (c *cache) get(key string) int {
	c.mu.RLock()
	v, ok := c.m[key]
	c.mu.RUnlock()
	if ok {
		return v
	}
	if c.afterMiss != nil {
		c.afterMiss()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.m[key]; ok { // the second check: filled while we waited for Lock
		return v
	}
	return c.fill(key)
}

func (c *cache) fill(key string) int {
	v := compute(key)
	c.m[key] = v
	c.fills.Add(1)
	return v
}

func run(ctx context.Context, l *lesson.L) error {
	if !l.Is("no-recheck") {
		if err := trap(ctx, l, lesson.Size(l, 500*time.Millisecond, 100*time.Millisecond)); err != nil {
			return err
		}
	}
	return fix(l)
}

func trap(ctx context.Context, l *lesson.L, budget time.Duration) error {
	l.Section("The trap: RLock, miss, then Lock")
	l.Predict("does getUpgrade(\"answer\") return?")
	c := &cache{m: map[string]int{}}
	done, got := make(chan struct{}), 0
	go func() { defer close(done); got = c.getUpgrade("answer") }()
	watchdog := ctxtree.New(ctx, "lookup", budget) // a budget that names itself when it runs out
	defer watchdog.Cancel(nil)
	select {
	case <-done:
		return errors.New("trap: the upgrade returned: no deadlock")
	case <-watchdog.Context().Done():
	}
	var de *ctxtree.DeadlineError
	if cause := context.Cause(watchdog.Context()); !errors.As(cause, &de) {
		return cause // the lesson was interrupted
	}
	l.Printf("watchdog: %v\n", de)
	// Wait until the goroutine is parked in the lock, not merely slow to start.
	stuck := lesson.Goroutines()
	for deadline := time.Now().Add(10 * time.Second); stuck.Count("sync.RWMutex.Lock") == 0; stuck = lesson.Goroutines() {
		if time.Now().After(deadline) {
			return errors.New("trap: the lookup is late, but not in RWMutex.Lock")
		}
		time.Sleep(5 * time.Millisecond)
	}
	l.Printf("watchdog: %s", stuck)
	c.rescued.Store(true)
	c.mu.RUnlock() // the rescue: an RWMutex read lock is not tied to a goroutine
	<-done
	l.Printf("deadlock detected; after the watchdog released the read lock, the lookup returned %d\n", got)
	l.Why("Lock waits until no reader holds the lock, and the caller is a reader. The runtime reports a",
		"deadlock only when every goroutine is blocked, so in a server this one just hangs, holding",
		"the lock against every later writer.")
	return nil
}

func fix(l *lesson.L) error {
	const lookups = 100
	l.Section("The fix: RUnlock, Lock, check again")
	l.Predict("%d lookups miss the same key at once; how many times is it computed?", lookups)
	c := &cache{m: map[string]int{}}
	get := c.get
	if l.Is("no-recheck") {
		get = c.getNoRecheck
	}
	var missed sync.WaitGroup
	missed.Add(lookups)
	c.afterMiss = func() { missed.Done(); missed.Wait() } // every lookup misses before any fills
	var wrong atomic.Int64
	var wg sync.WaitGroup
	for range lookups {
		wg.Go(func() {
			if get("answer") != compute("answer") {
				wrong.Add(1)
			}
		})
	}
	wg.Wait()
	l.Printf("%d lookups, all missed first: %d wrong answers, computed %d time(s)\n", lookups, wrong.Load(), c.fills.Load())
	if wrong.Load() != 0 || c.fills.Load() != 1 {
		return fmt.Errorf("fix: the value was computed %d times, want once", c.fills.Load())
	}
	l.Why("nobody holds the read lock while waiting for the write lock, so Lock proceeds; the second",
		"check under Lock keeps the value computed once, however many lookups missed together.")
	l.Adds("nothing: RUnlock, Lock and check again is the fix. (The watchdog's budget is a ctxtree node only so that it names itself.)")
	return nil
}

// Lesson 7, the lock-upgrade deadlock: RLock, then Lock, detected by a
// watchdog and then fixed.
//
//	go run ./examples/07-lock-upgrade
//	go run ./examples/07-lock-upgrade -short
//
// The trap: a cache lookup takes the read lock, misses, and "upgrades" by
// calling Lock while still holding the read lock. sync.RWMutex has no
// upgrade: Lock waits for every reader to leave, including the caller, who
// is waiting for Lock. The goroutine is stuck for good, and since other
// goroutines still run, the runtime's "all goroutines are asleep" check never
// fires. A watchdog, a ctxtree node with a budget, notices that the lookup
// overran, dumps the stuck goroutine's stack (state [sync.RWMutex.Lock]),
// and rescues it: an RWMutex read lock may be released by another goroutine,
// so the watchdog calls RUnlock on its behalf. The fix releases the read
// lock before taking the write lock and checks again under it (another
// writer may have filled the entry meanwhile); the same watchdog then stays
// quiet, and a hundred concurrent lookups of the same key fill it once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gmpkit/gmpkit/ctxtree"
)

func main() {
	short := flag.Bool("short", false, "a shorter watchdog budget")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, *short); err != nil {
		fmt.Fprintln(os.Stderr, "lesson 7:", err)
		os.Exit(1)
	}
}

// cache is a map guarded by an RWMutex, with a count of how many times a
// value was computed.
type cache struct {
	mu    sync.RWMutex
	m     map[string]int
	fills atomic.Int64

	// rescued is set by the watchdog when it released the read lock on
	// the stuck goroutine's behalf, so that goroutine must not release it
	// again (a second RUnlock is a fatal error, which recover cannot catch).
	rescued atomic.Bool
}

func newCache() *cache { return &cache{m: map[string]int{}} }

func compute(key string) int { return len(key) * 7 }

// getUpgrade is the trap: on a miss it calls Lock while holding RLock.
func (c *cache) getUpgrade(key string) int {
	c.mu.RLock()
	if v, ok := c.m[key]; ok {
		c.mu.RUnlock()
		return v
	}
	c.mu.Lock() // deadlock: waits for all readers to leave, including this one
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
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.m[key]; ok { // filled while we waited for Lock
		return v
	}
	v = compute(key)
	c.m[key] = v
	c.fills.Add(1)
	return v
}

// watch runs fn under a watchdog: a ctxtree node named name with the given
// budget. If fn has not returned when the budget runs out, watch reports
// the cause and the stacks of the goroutines stuck in getUpgrade, calls
// rescue once one is parked in RWMutex.Lock, and waits for fn. It returns
// whether the watchdog fired.
func watch(ctx context.Context, w io.Writer, name string, budget time.Duration, fn func(), rescue func()) (fired bool, err error) {
	node := ctxtree.New(ctx, name, budget)
	defer node.Cancel(nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
		return false, nil
	case <-node.Context().Done():
	}
	cause := context.Cause(node.Context())
	var de *ctxtree.DeadlineError
	if !errors.As(cause, &de) {
		return false, cause // the lesson itself was interrupted
	}
	fmt.Fprintf(w, "watchdog: %v\n", cause)
	// Wait until the stack shows the goroutine parked in the lock, so the
	// report and the rescue see the deadlock itself, not a goroutine that
	// was merely slow to start on a loaded machine.
	deadline := time.Now().Add(10 * time.Second)
	stacks := stuckStacks("getUpgrade")
	for !strings.Contains(stacks, "[sync.RWMutex.Lock") {
		select {
		case <-done:
			return true, nil // it finished after all: slow, not stuck
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return true, errors.New("watchdog: the goroutine is stuck, but not in RWMutex.Lock")
		}
		stacks = stuckStacks("getUpgrade")
	}
	fmt.Fprintln(w, "watchdog: stuck goroutines:")
	fmt.Fprintln(w, stacks)
	rescue()
	select {
	case <-done:
		return true, nil
	case <-time.After(10 * time.Second):
		return true, errors.New("watchdog: the rescue did not unblock the goroutine")
	}
}

// stuckStacks returns the headers and frames of the goroutines whose stacks
// mention fn, trimmed to the interesting lines.
func stuckStacks(fn string) string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if !strings.Contains(g, fn) {
			continue
		}
		lines := strings.Split(g, "\n")
		out = append(out, "  "+lines[0])
		for i := 1; i+1 < len(lines); i += 2 {
			f := lines[i]
			if strings.HasPrefix(f, "sync.") || strings.Contains(f, fn) {
				out = append(out, "    "+f)
			}
		}
	}
	return strings.Join(out, "\n")
}

func run(ctx context.Context, w io.Writer, short bool) error {
	budget := 500 * time.Millisecond
	if short {
		budget = 100 * time.Millisecond
	}
	if err := trap(ctx, w, budget); err != nil {
		return err
	}
	return fix(ctx, w)
}

func trap(ctx context.Context, w io.Writer, budget time.Duration) error {
	fmt.Fprintln(w, "== The trap: RLock, miss, then Lock ==")
	fmt.Fprintln(w, "predict: does getUpgrade(\"answer\") return?")
	c := newCache()
	var got int
	fired, err := watch(ctx, w, "lookup", budget,
		func() { got = c.getUpgrade("answer") },
		func() {
			fmt.Fprintln(w, "watchdog: releasing the read lock on the stuck goroutine's behalf")
			c.rescued.Store(true)
			c.mu.RUnlock() // allowed: an RWMutex read lock is not tied to a goroutine
		})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "deadlock detected: %v; after the rescue the lookup returned %d\n", fired, got)
	if !fired {
		return errors.New("trap: the upgrade did not deadlock")
	}
	fmt.Fprintln(w, "why: Lock waits until no reader holds the lock, and the caller is a reader; the")
	fmt.Fprintln(w, "     runtime only reports a deadlock when every goroutine is blocked, so in a")
	fmt.Fprintln(w, "     server this one just hangs, holding the lock against every later writer.")
	fmt.Fprintln(w)
	return nil
}

func fix(ctx context.Context, w io.Writer) error {
	fmt.Fprintln(w, "== The fix: RUnlock, Lock, check again ==")
	fmt.Fprintln(w, "predict: 100 goroutines miss the same key at once; how many times is it computed?")
	c := newCache()
	const lookups = 100
	var wrong atomic.Int64
	// A generous budget: 100 map lookups take microseconds, but the watchdog
	// must not fire on a loaded machine just because they were slow.
	fired, err := watch(ctx, w, "lookups", 10*time.Second, func() {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range lookups {
			wg.Go(func() {
				<-start
				if c.get("answer") != compute("answer") {
					wrong.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
	}, func() {})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "deadlock detected: %v; %d lookups, %d wrong answers, computed %d time(s)\n",
		fired, lookups, wrong.Load(), c.fills.Load())
	if fired || wrong.Load() != 0 || c.fills.Load() != 1 {
		return errors.New("fix: the lookups deadlocked, answered wrong or computed more than once")
	}
	fmt.Fprintln(w, "why: nobody holds the read lock while waiting for the write lock, so Lock can")
	fmt.Fprintln(w, "     proceed; the second check under Lock keeps the value computed exactly once.")
	return nil
}

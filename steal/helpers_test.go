package steal_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gmpkit/gmpkit/steal"
)

// items returns n distinct items whose values are 0..n-1.
func items(n int) []*int {
	s := make([]int, n)
	p := make([]*int, n)
	for i := range s {
		s[i] = i
		p[i] = &s[i]
	}
	return p
}

// tally records how often each item was taken.
type tally struct {
	seen  []atomic.Int32
	total atomic.Int64
}

func newTally(n int) *tally { return &tally{seen: make([]atomic.Int32, n)} }

// take records v and reports an error if it was taken before.
func (c *tally) take(t testing.TB, v *int) {
	if v == nil {
		t.Errorf("took a nil item")
		return
	}
	if n := c.seen[*v].Add(1); n != 1 {
		t.Errorf("item %d taken %d times", *v, n)
	}
	c.total.Add(1)
}

// check reports every item not taken exactly once.
func (c *tally) check(t testing.TB) {
	t.Helper()
	var lost []string
	for i := range c.seen {
		if n := c.seen[i].Load(); n != 1 {
			lost = append(lost, fmt.Sprintf("%d(x%d)", i, n))
			if len(lost) == 10 {
				lost = append(lost, "...")
				break
			}
		}
	}
	if got := c.total.Load(); got != int64(len(c.seen)) || lost != nil {
		t.Fatalf("took %d items, want %d; not taken exactly once: %s", got, len(c.seen), strings.Join(lost, " "))
	}
}

// pauser stops the first goroutine that reaches a hook point until resumed.
type pauser struct {
	point   int
	armed   atomic.Bool
	reached chan struct{}
	resume  chan struct{}
}

// pauseAt arranges for the first goroutine that reaches point to stop there
// until resume is closed. Several points may be armed at once; the hook is
// removed when the test ends.
func pauseAt(t *testing.T, point int) *pauser {
	p := &pauser{point: point, reached: make(chan struct{}), resume: make(chan struct{})}
	p.armed.Store(true)
	if pausers == nil {
		pausers = map[int]*pauser{}
		steal.SetTestHook(func(at int) {
			if p := pausers[at]; p != nil && p.armed.CompareAndSwap(true, false) {
				close(p.reached)
				<-p.resume
			}
		})
		t.Cleanup(func() {
			steal.SetTestHook(nil)
			pausers = nil
		})
	}
	pausers[point] = p // armed before the goroutines that read it start
	return p
}

// pausers is read by hooked goroutines; tests write it only before they
// start them.
var pausers map[int]*pauser

// async runs f on a new goroutine and returns a channel with its result.
func async[R any](f func() R) <-chan R {
	c := make(chan R, 1)
	go func() { c <- f() }()
	return c
}

func val(p *int) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

// wait blocks until the paused goroutine has reached the hook point. The
// timeout only turns a broken test into a failure instead of a hang.
func (p *pauser) wait(t *testing.T) {
	t.Helper()
	select {
	case <-p.reached:
	case <-time.After(30 * time.Second):
		t.Fatalf("no goroutine reached hook point %d", p.point)
	}
}

// deref returns *p, or -1 for nil, so that a test can compare a taken item
// with the value it wants in one call.
func deref(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

// take is the owner's take in p's order, as a scheduler with a Policy does
// it: Pop (newest) for LIFO, PopOldest for FIFO.
func take(d *steal.Deque[int], p steal.Policy) *int {
	if p == steal.FIFO {
		return d.PopOldest()
	}
	return d.Pop()
}

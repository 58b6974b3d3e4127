package steal_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gmpkit/gmpkit/steal"
)

// stressItems is the number of items each conservation run moves: 1e6 at
// full size, fewer under -short and far fewer under the race detector.
func stressItems() int {
	switch {
	case raceEnabled:
		return 100_000
	case testing.Short():
		return 100_000
	}
	return 1_000_000
}

var thiefCounts = []int{1, 2, 7}

// watchdog turns a lost item (which would leave the run spinning forever)
// into a test failure. It measures no performance: it only fires when no
// item at all has been taken for a long time.
type watchdog struct {
	last  int64
	since time.Time
}

func (w *watchdog) stuck(total int64) bool {
	if total != w.last || w.since.IsZero() {
		w.last, w.since = total, time.Now()
		return false
	}
	return time.Since(w.since) > 60*time.Second
}

// awaitAll waits until every item has been taken (a thief may still hold
// one between its CAS and its tally), stops the thieves, and checks that
// every item was taken exactly once.
func awaitAll(t *testing.T, tl *tally, done *atomic.Bool, wg *sync.WaitGroup) {
	var w watchdog
	for tl.total.Load() != int64(len(tl.seen)) && !w.stuck(tl.total.Load()) {
		runtime.Gosched()
	}
	done.Store(true)
	wg.Wait()
	tl.check(t)
}

// TestConservation_Deque_EveryItemTakenOnce runs an owner that pushes in
// bursts and takes with its policy while 1, 2 or 7 thieves Steal and
// StealHalf. Every round uses a fresh deque, so the ring grows from its
// minimum size while thieves are stealing. Every item must be taken exactly
// once, and the owner must never see a false empty.
func TestConservation_Deque_EveryItemTakenOnce(t *testing.T) {
	for _, policy := range []steal.Policy{steal.LIFO, steal.FIFO} {
		for _, thieves := range thiefCounts {
			t.Run(fmt.Sprintf("policy=%v/thieves=%d", policy, thieves), func(t *testing.T) {
				dequeConservation(t, policy, thieves, stressItems())
			})
		}
	}
}

func dequeConservation(t *testing.T, policy steal.Policy, thieves, n int) {
	p := items(n)
	tl := newTally(n)
	var cur atomic.Pointer[steal.Deque[int]]
	cur.Store(steal.NewDeque[int]())
	var done atomic.Bool
	var wg sync.WaitGroup
	for i := range thieves {
		half := i%2 == 1
		wg.Go(func() {
			own := steal.NewDeque[int]()
			for !done.Load() {
				d := cur.Load()
				if half {
					first, k := d.StealHalf(own)
					if k == 0 {
						runtime.Gosched()
						continue
					}
					tl.take(t, first)
					for v := own.Pop(); v != nil; v = own.Pop() {
						tl.take(t, v)
					}
					continue
				}
				if v := d.Steal(); v != nil {
					tl.take(t, v)
				} else {
					runtime.Gosched()
				}
			}
		})
	}

	rng := rand.New(rand.NewPCG(uint64(n), uint64(thieves)))
	const round = 4096 // the ring grows 32 -> 4096 each round
	grew := false
	for next := 0; next < n; {
		d := steal.NewDeque[int]()
		cur.Store(d)
		end := min(next+round, n)
		for next < end {
			k := min(1+rng.IntN(512), end-next)
			for _, v := range p[next : next+k] {
				d.Push(v)
			}
			next += k
			for j := rng.IntN(k + 1); j > 0; j-- {
				v := take(d, policy)
				if v == nil {
					if l := d.Len(); l != 0 {
						t.Fatalf("owner's take returned nil with Len %d: a false empty", l)
					}
					break
				}
				tl.take(t, v)
			}
		}
		grew = grew || steal.DequeCap(d) > steal.DequeMinCap
		for v := take(d, policy); v != nil; v = take(d, policy) {
			tl.take(t, v)
		}
		if l := d.Len(); l != 0 {
			t.Fatalf("owner's take returned nil with Len %d: a false empty", l)
		}
	}
	awaitAll(t, tl, &done, &wg)
	if !grew {
		t.Errorf("no round grew the ring; the test did not cover steals racing a grow")
	}
}

// TestConservation_Deque_PushRacesStaleThieves keeps a deque below its
// first ring's capacity while thieves steal from it, so that the ring wraps
// around thousands of times and a stale thief often reads a slot that the
// owner is writing again. Under the race detector this checks that Push
// never writes such a slot with its plain store; without it, that every
// item is taken exactly once.
func TestConservation_Deque_PushRacesStaleThieves(t *testing.T) {
	n := stressItems()
	p := items(n)
	tl := newTally(n)
	d := steal.NewDeque[int]()
	var done atomic.Bool
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			own := steal.NewDeque[int]()
			for !done.Load() {
				if i == 0 {
					first, k := d.StealHalf(own)
					if k > 0 {
						tl.take(t, first)
						for v := own.Pop(); v != nil; v = own.Pop() {
							tl.take(t, v)
						}
						continue
					}
				} else if v := d.Steal(); v != nil {
					tl.take(t, v)
					continue
				}
				runtime.Gosched()
			}
		})
	}
	limit := steal.DequeMinCap * 3 / 4
	for next := 0; next < n; {
		if d.Len() < limit {
			d.Push(p[next])
			next++
		} else if v := d.Pop(); v != nil {
			tl.take(t, v)
		}
	}
	for v := d.Pop(); v != nil; v = d.Pop() {
		tl.take(t, v)
	}
	awaitAll(t, tl, &done, &wg)
	require.Equal(t, steal.DequeMinCap, steal.DequeCap(d), "the ring grew; the test needs it reused in place")
}

// countingOverflow is a GlobalQueue that counts the batches it receives
// and checks their size.
type countingOverflow struct {
	steal.GlobalQueue[int]
	t       testing.TB
	batches atomic.Int64
}

func (c *countingOverflow) PushBatch(b []*int) {
	if len(b) != steal.RunQueueSize/2+1 {
		c.t.Errorf("overflow batch of %d items, want %d", len(b), steal.RunQueueSize/2+1)
	}
	c.batches.Add(1)
	c.GlobalQueue.PushBatch(b)
}

// TestConservation_RunQueue_EveryItemTakenOnce runs an owner that pushes
// in bursts (a quarter of them through runnext), overflows into a global
// queue, pops, and refills from the global queue, while 1, 2 or 7 thieves
// StealHalf from the owner and from each other, take runnext, and refill
// from the global queue. Every item must be taken exactly once, and the
// owner must never see a false empty.
func TestConservation_RunQueue_EveryItemTakenOnce(t *testing.T) {
	for _, thieves := range thiefCounts {
		t.Run(fmt.Sprintf("thieves=%d", thieves), func(t *testing.T) {
			runQueueConservation(t, thieves, stressItems())
		})
	}
}

func runQueueConservation(t *testing.T, thieves, n int) {
	p := items(n)
	tl := newTally(n)
	g := &countingOverflow{t: t}
	queues := make([]*steal.RunQueue[int], thieves+1) // queues[0] is the owner's
	for i := range queues {
		queues[i] = steal.NewRunQueue[int]()
	}
	owner := queues[0]
	// Overflow at least once before any thief runs.
	next := steal.RunQueueSize + 44
	for _, v := range p[:next] {
		owner.Push(v, false, g)
	}
	if g.batches.Load() != 1 {
		t.Fatalf("pushing %d items made %d overflow batches, want 1", next, g.batches.Load())
	}

	var done atomic.Bool
	var wg sync.WaitGroup
	for i := 1; i <= thieves; i++ {
		wg.Go(func() { runQueueThief(t, i, queues, g, tl, &done) })
	}

	rng := rand.New(rand.NewPCG(uint64(n), uint64(thieves)))
	ownerPop := func() *int {
		v, _ := owner.Pop()
		if v == nil {
			if !owner.Empty() {
				t.Fatalf("owner's Pop returned nil with Len %d: a false empty", owner.Len())
			}
			v = g.PopBatch(owner, g.Len()/len(queues)+1)
		}
		return v
	}
	for next < n {
		k := min(1+rng.IntN(400), n-next)
		for _, v := range p[next : next+k] {
			owner.Push(v, rng.IntN(4) == 0, g)
		}
		next += k
		for j := rng.IntN(k + 1); j > 0; j-- {
			v := ownerPop()
			if v == nil {
				break
			}
			tl.take(t, v)
		}
	}
	var w watchdog
	for tl.total.Load() != int64(n) && !w.stuck(tl.total.Load()) {
		if v := ownerPop(); v != nil {
			tl.take(t, v)
		} else {
			runtime.Gosched()
		}
	}
	done.Store(true)
	wg.Wait()
	tl.check(t)
}

// runQueueThief is thief i of runQueueConservation: until done, it steals
// half of a random queue's ring (sometimes runnext too) or refills from the
// global queue, and takes everything it got.
func runQueueThief(t *testing.T, i int, queues []*steal.RunQueue[int], g *countingOverflow, tl *tally, done *atomic.Bool) {
	own := queues[i]
	rng := rand.New(rand.NewPCG(uint64(i), 7))
	for !done.Load() {
		victim := queues[rng.IntN(len(queues))]
		var v *int
		if victim != own {
			v = victim.StealHalf(own, rng.IntN(2) == 0)
		}
		if v == nil && g.Len() > 0 {
			v = g.PopBatch(own, g.Len()/len(queues)+1)
		}
		if v == nil {
			runtime.Gosched()
			continue
		}
		tl.take(t, v)
		for v, _ := own.Pop(); v != nil; v, _ = own.Pop() {
			tl.take(t, v)
		}
	}
}

// TestNoFalseEmpty_OwnerNeverSeesEmptyWhileHoldingItems checks, under
// thieves that keep stealing, that each owner-side take that returns nil is
// a true empty: only the owner adds items, so the queue must still be empty
// right after.
func TestNoFalseEmpty_OwnerNeverSeesEmptyWhileHoldingItems(t *testing.T) {
	rounds := 20_000
	if raceEnabled {
		rounds = 2_000
	}
	for _, policy := range []steal.Policy{steal.LIFO, steal.FIFO} {
		t.Run("deque/policy="+policy.String(), func(t *testing.T) {
			d := steal.NewDeque[int]()
			p := items(4)
			var done atomic.Bool
			var wg sync.WaitGroup
			wg.Go(func() {
				for !done.Load() {
					if d.Steal() == nil {
						runtime.Gosched()
					}
				}
			})
			for range rounds {
				for _, v := range p[:1+rounds%len(p)] {
					d.Push(v)
				}
				for take(d, policy) != nil {
				}
				if l := d.Len(); l != 0 {
					t.Errorf("take returned nil but Len is %d", l)
					break
				}
			}
			done.Store(true)
			wg.Wait()
		})
	}
	t.Run("runqueue", func(t *testing.T) {
		q := steal.NewRunQueue[int]()
		p := items(4)
		var done atomic.Bool
		var wg sync.WaitGroup
		wg.Go(func() {
			for !done.Load() {
				if q.StealOne(true) == nil {
					runtime.Gosched()
				}
			}
		})
		for i := range rounds {
			for j, v := range p[:1+i%len(p)] {
				q.Push(v, j%2 == 0, nil)
			}
			for v, _ := q.Pop(); v != nil; v, _ = q.Pop() {
			}
			if !q.Empty() {
				t.Errorf("Pop returned nil but Len is %d", q.Len())
				break
			}
		}
		done.Store(true)
		wg.Wait()
	})
}

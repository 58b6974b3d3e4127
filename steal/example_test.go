package steal_test

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/gmpkit/gmpkit/steal"
)

type task struct{ name string }

// The owner pushes and pops at the bottom (newest first); a thief steals
// from the top (oldest first).
func ExampleDeque() {
	d := steal.NewDeque[task]()
	for _, name := range []string{"a", "b", "c", "d"} {
		d.Push(&task{name})
	}
	fmt.Println("owner pops:", d.Pop().name)
	fmt.Println("thief steals:", d.Steal().name)
	fmt.Println("left:", d.Len())
	// Output:
	// owner pops: d
	// thief steals: a
	// left: 2
}

// A scheduler with a Policy takes from its own deque with Pop (LIFO:
// newest first) or PopOldest (FIFO: oldest first); thieves always Steal the
// oldest.
func ExamplePolicy() {
	for _, p := range []steal.Policy{steal.LIFO, steal.FIFO} {
		d := steal.NewDeque[task]()
		for _, name := range []string{"a", "b", "c"} {
			d.Push(&task{name})
		}
		take := d.Pop
		if p == steal.FIFO {
			take = d.PopOldest
		}
		fmt.Print(p, ":")
		for t := take(); t != nil; t = take() {
			fmt.Print(" ", t.name)
		}
		fmt.Println()
	}
	// Output:
	// LIFO: c b a
	// FIFO: a b c
}

// A thief takes half of a victim's items, rounded up, one CAS at a time:
// the oldest to run now, the rest into its own deque.
func ExampleDeque_StealHalf() {
	victim, mine := steal.NewDeque[task](), steal.NewDeque[task]()
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		victim.Push(&task{name})
	}
	first, n := victim.StealHalf(mine)
	fmt.Println("run now:", first.name, "taken:", n, "kept:", mine.Len(), "left:", victim.Len())
	// Output:
	// run now: a taken: 3 kept: 2 left: 2
}

// An owner with a pool of thieves: every item is taken exactly once, by the
// owner or by one of the thieves.
func ExampleDeque_concurrent() {
	d := steal.NewDeque[int]()
	var sum atomic.Int64
	var done atomic.Bool
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for !done.Load() {
				if v := d.Steal(); v != nil {
					sum.Add(int64(*v))
				} else {
					runtime.Gosched() // nothing to steal: let others run
				}
			}
		})
	}
	for i := 1; i <= 1000; i++ {
		d.Push(&i) // i is a new variable per iteration
		if i%2 == 0 {
			if v := d.Pop(); v != nil {
				sum.Add(int64(*v))
			}
		}
	}
	for v := d.Pop(); v != nil; v = d.Pop() {
		sum.Add(int64(*v))
	}
	done.Store(true)
	wg.Wait()
	fmt.Println(sum.Load())
	// Output: 500500
}

// runnext holds the item the owner wants to run next; the item it replaces
// moves to the tail of the ring.
func ExampleRunQueue() {
	q := steal.NewRunQueue[task]()
	var g steal.GlobalQueue[task]
	q.Push(&task{"a"}, false, &g)
	q.Push(&task{"b"}, true, &g)
	q.Push(&task{"c"}, true, &g) // b moves to the ring's tail
	for t, next := q.Pop(); t != nil; t, next = q.Pop() {
		fmt.Println(t.name, "fromNext:", next)
	}
	// Output:
	// c fromNext: true
	// a fromNext: false
	// b fromNext: false
}

// When the ring is full, half of it and the new item go to the global
// queue in one batch; an idle owner refills from there with PopBatch.
func ExampleRunQueue_overflow() {
	q := steal.NewRunQueue[int]()
	var g steal.GlobalQueue[int]
	for i := range steal.RunQueueSize + 1 {
		q.Push(&i, false, &g)
	}
	fmt.Println("local:", q.Len(), "global:", g.Len())

	idle := steal.NewRunQueue[int]()
	v := g.PopBatch(idle, 32)
	fmt.Println("run now:", *v, "refilled:", idle.Len(), "global:", g.Len())
	// Output:
	// local: 128 global: 129
	// run now: 0 refilled: 31 global: 97
}

// A thief takes half of the victim's ring in one CAS, straight into its own
// ring, and runs the last item it took.
func ExampleRunQueue_StealHalf() {
	victim, mine := steal.NewRunQueue[int](), steal.NewRunQueue[int]()
	for i := range 7 {
		victim.Push(&i, false, nil)
	}
	v := victim.StealHalf(mine, false)
	fmt.Println("run now:", *v, "kept:", mine.Len(), "left:", victim.Len())
	// Output:
	// run now: 3 kept: 3 left: 3
}

// Work submitted from outside the workers goes to a GlobalQueue; a worker
// whose own deque is empty refills it with one PopBatch, taking its fair
// share (Len/workers + 1), and runs the oldest item at once.
func ExampleGlobalQueue() {
	const workers = 4
	var g steal.GlobalQueue[task]
	for _, name := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		g.Push(&task{name})
	}
	mine := steal.NewDeque[task]()
	first := g.PopBatch(mine, g.Len()/workers+1)
	fmt.Println("run now:", first.name, "refilled:", mine.Len(), "left:", g.Len())
	// Output:
	// run now: a refilled: 2 left: 5
}

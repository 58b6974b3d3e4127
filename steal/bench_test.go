package steal_test

// Benchmarks, named for benchstat: the impl key pivots between the queues of
// this package and two baselines measured in the same run, a buffered chan
// used as a queue and a mutex-guarded slice deque.
//
//	go test -run '^$' -bench . -count 6 ./steal/ | tee new.txt
//	benchstat -col /impl new.txt

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gmpkit/gmpkit/steal"
)

// mutexSlice is the baseline deque: a slice guarded by a sync.Mutex, with
// the owner at the end and thieves at the front.
type mutexSlice struct {
	mu   sync.Mutex
	buf  []*int
	head int
}

func (m *mutexSlice) push(v *int) {
	m.mu.Lock()
	m.buf = append(m.buf, v)
	m.mu.Unlock()
}

func (m *mutexSlice) pop() *int {
	m.mu.Lock()
	var v *int
	if n := len(m.buf); n > m.head {
		v = m.buf[n-1]
		m.buf = m.buf[:n-1]
		if len(m.buf) == m.head {
			m.buf, m.head = m.buf[:0], 0
		}
	}
	m.mu.Unlock()
	return v
}

func (m *mutexSlice) steal() *int {
	m.mu.Lock()
	var v *int
	if len(m.buf) > m.head {
		v = m.buf[m.head]
		m.buf[m.head] = nil
		m.head++
		if len(m.buf) == m.head {
			m.buf, m.head = m.buf[:0], 0
		}
	}
	m.mu.Unlock()
	return v
}

func tryRecv(c chan *int) *int {
	select {
	case v := <-c:
		return v
	default:
		return nil
	}
}

// BenchmarkPushPop measures one Push and one Pop by the owner with no
// thieves: the cost a scheduler pays per task on its fast path.
func BenchmarkPushPop(b *testing.B) {
	v := new(int)
	b.Run("impl=deque", func(b *testing.B) {
		d := steal.NewDeque[int]()
		b.ReportAllocs()
		for b.Loop() {
			d.Push(v)
			d.Pop()
		}
	})
	b.Run("impl=deque-fifo", func(b *testing.B) {
		d := steal.NewDeque[int]()
		b.ReportAllocs()
		for b.Loop() {
			d.Push(v)
			d.PopOldest()
		}
	})
	b.Run("impl=runqueue", func(b *testing.B) {
		q := steal.NewRunQueue[int]()
		b.ReportAllocs()
		for b.Loop() {
			q.Push(v, false, nil)
			q.Pop()
		}
	})
	b.Run("impl=runqueue-next", func(b *testing.B) {
		q := steal.NewRunQueue[int]()
		b.ReportAllocs()
		for b.Loop() {
			q.Push(v, true, nil)
			q.Pop()
		}
	})
	b.Run("impl=chan", func(b *testing.B) {
		c := make(chan *int, steal.RunQueueSize)
		b.ReportAllocs()
		for b.Loop() {
			c <- v
			<-c
		}
	})
	b.Run("impl=mutexslice", func(b *testing.B) {
		var m mutexSlice
		b.ReportAllocs()
		for b.Loop() {
			m.push(v)
			m.pop()
		}
	})
}

// BenchmarkPushSteal measures one Push by the owner and one uncontended
// steal of that item: the cost of the thief's path, without the cache
// misses a thief on another core adds.
func BenchmarkPushSteal(b *testing.B) {
	v := new(int)
	b.Run("impl=deque", func(b *testing.B) {
		d := steal.NewDeque[int]()
		b.ReportAllocs()
		for b.Loop() {
			d.Push(v)
			d.Steal()
		}
	})
	b.Run("impl=runqueue", func(b *testing.B) {
		q := steal.NewRunQueue[int]()
		b.ReportAllocs()
		for b.Loop() {
			q.Push(v, false, nil)
			q.StealOne(false)
		}
	})
	b.Run("impl=mutexslice", func(b *testing.B) {
		var m mutexSlice
		b.ReportAllocs()
		for b.Loop() {
			m.push(v)
			m.steal()
		}
	})
}

// contended is one queue under an owner and thieves.
type contended struct {
	push  func(v *int)             // owner
	take  func() *int              // owner; nil when its queues are empty
	thief func(id int) func() *int // per-thief take; nil when nothing was taken
	flush func(id int) int         // per-thief: items left in its own queue at the end
}

// BenchmarkOwnerThieves measures throughput with one owner that pushes
// every item and takes back one of every two, while 1 or 3 thieves take
// the rest. items/s counts every item taken, by anyone.
func BenchmarkOwnerThieves(b *testing.B) {
	for _, thieves := range []int{1, 3} {
		for _, impl := range []string{"deque", "runqueue", "chan", "mutexslice"} {
			b.Run(fmt.Sprintf("thieves=%d/impl=%s", thieves, impl), func(b *testing.B) {
				benchOwnerThieves(b, thieves, newContended(impl, thieves))
			})
		}
	}
}

func newContended(impl string, thieves int) contended {
	none := func(int) int { return 0 }
	switch impl {
	case "deque":
		d := steal.NewDeque[int]()
		return contended{push: d.Push, take: d.Pop, flush: none,
			thief: func(int) func() *int { return d.Steal }}
	case "runqueue":
		q := steal.NewRunQueue[int]()
		var g steal.GlobalQueue[int]
		own := make([]*steal.RunQueue[int], thieves)
		for i := range own {
			own[i] = steal.NewRunQueue[int]()
		}
		return contended{
			push: func(v *int) { q.Push(v, false, &g) },
			take: func() *int {
				if v, _ := q.Pop(); v != nil {
					return v
				}
				return g.PopBatch(q, g.Len()/(thieves+1)+1)
			},
			thief: func(id int) func() *int {
				mine := own[id]
				return func() *int {
					if v, _ := mine.Pop(); v != nil {
						return v
					}
					if v := q.StealHalf(mine, false); v != nil {
						return v
					}
					if g.Len() > 0 {
						return g.PopBatch(mine, g.Len()/(thieves+1)+1)
					}
					return nil
				}
			},
			flush: func(id int) (n int) {
				for v, _ := own[id].Pop(); v != nil; v, _ = own[id].Pop() {
					n++
				}
				return n
			},
		}
	case "chan":
		c := make(chan *int, 1024)
		return contended{push: func(v *int) { c <- v }, take: func() *int { return tryRecv(c) }, flush: none,
			thief: func(int) func() *int { return func() *int { return tryRecv(c) } }}
	case "mutexslice":
		m := new(mutexSlice)
		return contended{push: m.push, take: m.pop, flush: none,
			thief: func(int) func() *int { return m.steal }}
	}
	panic("unknown impl " + impl)
}

func benchOwnerThieves(b *testing.B, thieves int, q contended) {
	v := new(int)
	var done atomic.Bool
	var stolen atomic.Int64
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range thieves {
		take := q.thief(i)
		wg.Go(func() {
			n := int64(0)
			for !done.Load() {
				if take() != nil {
					n++
				} else {
					runtime.Gosched()
				}
			}
			n += int64(q.flush(i))
			stolen.Add(n)
		})
	}
	owned := 0
	for i := 0; i < b.N; i++ {
		q.push(v)
		if i%2 == 1 && q.take() != nil {
			owned++
		}
	}
	for q.take() != nil {
		owned++
	}
	done.Store(true)
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if got := int64(owned) + stolen.Load(); got != int64(b.N) {
		b.Fatalf("took %d items, pushed %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "items/s")
	b.ReportMetric(float64(stolen.Load())/float64(b.N), "stolen/item")
}

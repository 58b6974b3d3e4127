package steal_test

import (
	"strings"
	"testing"

	"github.com/gmpkit/gmpkit/steal"
)

// batches is an Overflow that records each batch it receives.
type batches struct {
	calls [][]*int
	all   []*int
}

func (b *batches) PushBatch(batch []*int) {
	b.calls = append(b.calls, append([]*int(nil), batch...))
	b.all = append(b.all, batch...)
}

func popAll(q *steal.RunQueue[int]) (out []int) {
	for v, _ := q.Pop(); v != nil; v, _ = q.Pop() {
		out = append(out, *v)
	}
	return out
}

func TestRunQueue_OwnerPopsOldestFirst(t *testing.T) {
	q := steal.NewRunQueue[int]()
	for _, v := range items(RunQueueSizeForTest) {
		q.Push(v, false, nil)
	}
	got := popAll(q)
	for i, v := range got {
		if v != i {
			t.Fatalf("Pop #%d = %d, want %d", i, v, i)
		}
	}
	if len(got) != RunQueueSizeForTest || !q.Empty() || q.Len() != 0 {
		t.Fatalf("popped %d, Empty %v, Len %d", len(got), q.Empty(), q.Len())
	}
}

const RunQueueSizeForTest = steal.RunQueueSize

func TestRunQueue_RunNextFirstAndKickedToTail(t *testing.T) {
	q := steal.NewRunQueue[int]()
	p := items(4)
	q.Push(p[0], false, nil)
	q.Push(p[1], true, nil)
	q.Push(p[2], true, nil) // kicks 1 to the tail
	q.Push(p[3], false, nil)
	if q.Len() != 4 {
		t.Fatalf("Len = %d, want 4", q.Len())
	}
	want := []struct {
		v    int
		next bool
	}{{2, true}, {0, false}, {1, false}, {3, false}}
	for i, w := range want {
		v, next := q.Pop()
		if v == nil || *v != w.v || next != w.next {
			t.Fatalf("Pop #%d = (%s, %v), want (%d, %v)", i, val(v), next, w.v, w.next)
		}
	}
	if v, next := q.Pop(); v != nil || next {
		t.Fatalf("Pop on empty = (%s, %v)", val(v), next)
	}
}

func TestRunQueue_RunNextStreakIsCapped(t *testing.T) {
	// A task that always readies its successor through runnext (a ping-pong
	// pair) must not starve the ring: the ring's head runs after
	// MaxRunNextStreak runnext items.
	q := steal.NewRunQueue[int]()
	p := items(1000)
	q.Push(p[0], false, nil) // waits in the ring
	for i := 1; i < len(p); i++ {
		q.Push(p[i], true, nil)
		v, next := q.Pop()
		if v == p[0] {
			if i != steal.MaxRunNextStreak+1 || next {
				t.Fatalf("ring head ran at handoff %d (fromNext %v), want %d", i, next, steal.MaxRunNextStreak+1)
			}
			return
		}
		if !next || v != p[i] {
			t.Fatalf("handoff %d: Pop = (%s, %v), want (%d, true)", i, val(v), next, i)
		}
	}
	t.Fatalf("ring head never ran in %d runnext handoffs", len(p)-1)
}

func TestRunQueue_StreakCapNeverHidesRunNext(t *testing.T) {
	q := steal.NewRunQueue[int]()
	p := items(steal.MaxRunNextStreak + 2)
	for i := 0; i <= steal.MaxRunNextStreak; i++ {
		q.Push(p[i], true, nil)
		if v, _ := q.Pop(); v != p[i] {
			t.Fatalf("Pop = %s, want %d", val(v), i)
		}
	}
	// The streak is past the cap and the ring is empty: runnext must still
	// be returned, not a false empty.
	q.Push(p[len(p)-1], true, nil)
	if v, next := q.Pop(); v != p[len(p)-1] || !next {
		t.Fatalf("Pop = (%s, %v), want the runnext item", val(v), next)
	}
}

func TestRunQueue_OverflowMovesHalfPlusItemInOneBatch(t *testing.T) {
	q := steal.NewRunQueue[int]()
	g := &batches{}
	p := items(steal.RunQueueSize + 1)
	for _, v := range p[:steal.RunQueueSize] {
		q.Push(v, false, g)
	}
	if len(g.calls) != 0 {
		t.Fatalf("a ring of %d overflowed early", steal.RunQueueSize)
	}
	q.Push(p[steal.RunQueueSize], false, g)
	if len(g.calls) != 1 || len(g.calls[0]) != steal.RunQueueSize/2+1 {
		t.Fatalf("overflow made %d PushBatch calls (sizes %v), want 1 of %d", len(g.calls), lens(g.calls), steal.RunQueueSize/2+1)
	}
	b := g.calls[0]
	for i := 0; i < steal.RunQueueSize/2; i++ {
		if *b[i] != i {
			t.Fatalf("batch[%d] = %d, want %d (the oldest half, in order)", i, *b[i], i)
		}
	}
	if *b[steal.RunQueueSize/2] != steal.RunQueueSize {
		t.Fatalf("batch ends with %d, want the pushed item %d", *b[steal.RunQueueSize/2], steal.RunQueueSize)
	}
	rest := popAll(q)
	if len(rest) != steal.RunQueueSize/2 || rest[0] != steal.RunQueueSize/2 {
		t.Fatalf("ring kept %d items starting at %d, want %d starting at %d", len(rest), rest[0], steal.RunQueueSize/2, steal.RunQueueSize/2)
	}
}

func lens(b [][]*int) (n []int) {
	for _, x := range b {
		n = append(n, len(x))
	}
	return n
}

func TestRunQueue_OverflowThroughRunNextKick(t *testing.T) {
	q := steal.NewRunQueue[int]()
	var g steal.GlobalQueue[int]
	p := items(steal.RunQueueSize + 2)
	for _, v := range p {
		q.Push(v, true, &g)
	}
	// runnext holds the last; the ring took 256 kicked items, and the 257th
	// kick overflowed 129 of them.
	if g.Len() != steal.RunQueueSize/2+1 || q.Len() != steal.RunQueueSize/2+1 {
		t.Fatalf("global %d, local %d; want %d each", g.Len(), q.Len(), steal.RunQueueSize/2+1)
	}
	tl := newTally(len(p))
	for v, _ := q.Pop(); v != nil; v, _ = q.Pop() {
		tl.take(t, v)
	}
	for v := g.Pop(); v != nil; v = g.Pop() {
		tl.take(t, v)
	}
	tl.check(t)
}

func TestRunQueue_FullRingWithNilOverflowPanics(t *testing.T) {
	q := steal.NewRunQueue[int]()
	p := items(steal.RunQueueSize + 1)
	for _, v := range p[:steal.RunQueueSize] {
		q.Push(v, false, nil) // fits: nil is allowed
	}
	defer func() {
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, "steal: RunQueue.Push") || !strings.Contains(s, "nil Overflow") {
			t.Fatalf("recovered %v, want a panic naming RunQueue.Push and the nil Overflow", r)
		}
		if q.Len() != steal.RunQueueSize { // nothing was lost
			t.Fatalf("after the panic Len = %d, want %d", q.Len(), steal.RunQueueSize)
		}
	}()
	q.Push(p[steal.RunQueueSize], false, nil)
}

func TestRunQueue_FullRingWithNilOverflowPanicsBeforeKickingRunNext(t *testing.T) {
	q := steal.NewRunQueue[int]()
	p := items(steal.RunQueueSize + 2)
	for _, v := range p[:steal.RunQueueSize+1] {
		q.Push(v, true, nil) // the last one stays in runnext
	}
	defer func() {
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, "steal: RunQueue.Push") {
			t.Fatalf("recovered %v, want a panic naming RunQueue.Push", r)
		}
		if v, next := q.Pop(); v != p[steal.RunQueueSize] || !next {
			t.Fatalf("after the panic runnext holds %s, want the old runnext %d", val(v), steal.RunQueueSize)
		}
	}()
	q.Push(p[steal.RunQueueSize+1], true, nil)
}

func TestRunQueue_PushNilPanics(t *testing.T) {
	defer func() {
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, "steal: RunQueue.Push of nil item") {
			t.Fatalf("recovered %v", r)
		}
	}()
	steal.NewRunQueue[int]().Push(nil, false, nil)
}

// Like the runtime's RunSchedLocalQueueStealTest: stealing from a ring of n
// items takes exactly ceil(n/2), and every item ends up in exactly one place.
func TestRunQueue_StealHalfTakesCeilHalf(t *testing.T) {
	for n := 0; n <= steal.RunQueueSize; n++ {
		q, dst := steal.NewRunQueue[int](), steal.NewRunQueue[int]()
		p := items(n)
		for _, v := range p {
			q.Push(v, false, nil)
		}
		got := q.StealHalf(dst, false)
		s := dst.Len()
		if got != nil {
			s++
		}
		if want := n - n/2; s != want {
			t.Fatalf("n=%d: stole %d, want ceil(n/2) = %d", n, s, want)
		}
		tl := newTally(n)
		if got != nil {
			if *got != n-n/2-1 {
				t.Fatalf("n=%d: StealHalf returned %d, want the newest taken, %d", n, *got, n-n/2-1)
			}
			tl.take(t, got)
		}
		// The batch arrives in order, oldest first.
		for i, v := range popAll(dst) {
			if v != i {
				t.Fatalf("n=%d: dst item %d = %d", n, i, v)
			}
			tl.take(t, p[v])
		}
		for _, v := range popAll(q) {
			tl.take(t, p[v])
		}
		tl.check(t)
	}
}

func TestRunQueue_StealHalfLimitedByDstRoom(t *testing.T) {
	q, dst := steal.NewRunQueue[int](), steal.NewRunQueue[int]()
	p := items(2 * steal.RunQueueSize)
	for _, v := range p[:steal.RunQueueSize] {
		q.Push(v, false, nil)
	}
	for _, v := range p[steal.RunQueueSize : 2*steal.RunQueueSize-10] {
		dst.Push(v, false, nil) // room for 10
	}
	got := q.StealHalf(dst, false)
	if got == nil || *got != 9 || dst.Len() != steal.RunQueueSize-1 || q.Len() != steal.RunQueueSize-10 {
		t.Fatalf("StealHalf = %s, dst.Len %d, q.Len %d; want 9, %d, %d", val(got), dst.Len(), q.Len(), steal.RunQueueSize-1, steal.RunQueueSize-10)
	}
	for _, v := range p[2*steal.RunQueueSize-10 : 2*steal.RunQueueSize-9] {
		dst.Push(v, false, nil) // now full
	}
	if got := q.StealHalf(dst, false); got == nil || *got != 10 {
		t.Fatalf("StealHalf into a full dst = %s, want one item (10), as StealOne", val(got))
	}
	if dst.Len() != steal.RunQueueSize {
		t.Fatalf("full dst changed: Len %d", dst.Len())
	}
}

func TestRunQueue_StealNext(t *testing.T) {
	q, dst := steal.NewRunQueue[int](), steal.NewRunQueue[int]()
	p := items(3)
	q.Push(p[0], true, nil)
	if got := q.StealHalf(dst, false); got != nil {
		t.Fatalf("StealHalf(stealNext=false) took runnext %d", *got)
	}
	if got := q.StealOne(false); got != nil {
		t.Fatalf("StealOne(false) took runnext %d", *got)
	}
	if got := q.StealHalf(dst, true); got != p[0] || !q.Empty() {
		t.Fatalf("StealHalf(stealNext=true) = %s, Empty %v; want runnext 0", val(got), q.Empty())
	}
	q.Push(p[1], true, nil)
	q.Push(p[2], false, nil)
	if got := q.StealOne(true); got != p[2] {
		t.Fatalf("StealOne(true) = %s, want the ring item 2 before runnext", val(got))
	}
	if got := q.StealOne(true); got != p[1] {
		t.Fatalf("StealOne(true) = %s, want runnext 1", val(got))
	}
	if got := q.StealOne(true); got != nil {
		t.Fatalf("StealOne on empty = %d", *got)
	}
}

func TestRunQueue_ThievesTakeOldestFirst(t *testing.T) {
	q := steal.NewRunQueue[int]()
	for _, v := range items(10) {
		q.Push(v, false, nil)
	}
	for want := 0; want < 10; want++ {
		if got := q.StealOne(false); got == nil || *got != want {
			t.Fatalf("StealOne = %s, want %d", val(got), want)
		}
	}
}

func TestRunQueue_StealHalfIntoSelfPanics(t *testing.T) {
	defer func() {
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, "RunQueue.StealHalf") {
			t.Fatalf("recovered %v", r)
		}
	}()
	q := steal.NewRunQueue[int]()
	q.StealHalf(q, false)
}

// A thief whose batch CAS loses to the owner (a Pop or an overflow) retries
// with fresh indices; no item is taken twice.
func TestRunQueueTrap_GrabLosesCASToOwner(t *testing.T) {
	t.Run("owner pops", func(t *testing.T) {
		q, dst := steal.NewRunQueue[int](), steal.NewRunQueue[int]()
		p := items(10)
		tl := newTally(len(p))
		for _, v := range p {
			q.Push(v, false, nil)
		}
		pause := pauseAt(t, steal.HookRunqGrab) // batch 0..4 copied, CAS pending
		got := async(func() *int { return q.StealHalf(dst, false) })
		pause.wait(t)
		v, _ := q.Pop()
		tl.take(t, v)
		close(pause.resume)
		s := <-got
		if s == nil || *s != 5 || dst.Len() != 4 {
			t.Fatalf("StealHalf = %s with dst.Len %d, want 5 and 4 (the retry takes items 1..5)", val(s), dst.Len())
		}
		tl.take(t, s)
		for _, q := range []*steal.RunQueue[int]{dst, q} {
			for v, _ := q.Pop(); v != nil; v, _ = q.Pop() {
				tl.take(t, v)
			}
		}
		tl.check(t)
	})
	t.Run("owner overflows", func(t *testing.T) {
		q, dst := steal.NewRunQueue[int](), steal.NewRunQueue[int]()
		var g steal.GlobalQueue[int]
		p := items(steal.RunQueueSize + 1)
		tl := newTally(len(p))
		for _, v := range p[:steal.RunQueueSize] {
			q.Push(v, false, &g)
		}
		pause := pauseAt(t, steal.HookRunqGrab)
		got := async(func() *int { return q.StealHalf(dst, false) })
		pause.wait(t)
		q.Push(p[steal.RunQueueSize], false, &g) // moves 0..127 + 256 away
		close(pause.resume)
		s := <-got
		if s == nil || dst.Len() != steal.RunQueueSize/4-1 {
			t.Fatalf("StealHalf = %s, dst.Len %d; want a retry of half of the 128 left", val(s), dst.Len())
		}
		tl.take(t, s)
		for _, q := range []*steal.RunQueue[int]{dst, q} {
			for v, _ := q.Pop(); v != nil; v, _ = q.Pop() {
				tl.take(t, v)
			}
		}
		for v := g.Pop(); v != nil; v = g.Pop() {
			tl.take(t, v)
		}
		tl.check(t)
	})
}

func TestRunQueue_ZeroValueIsUsable(t *testing.T) {
	var q, dst steal.RunQueue[int]
	if v, _ := q.Pop(); v != nil || !q.Empty() || q.StealOne(true) != nil || q.StealHalf(&dst, true) != nil {
		t.Fatal("zero RunQueue is not empty")
	}
	p := items(3)
	q.Push(p[0], false, nil)
	q.Push(p[1], true, nil)
	if v := q.StealHalf(&dst, false); v != p[0] {
		t.Fatalf("StealHalf = %s, want 0", val(v))
	}
}

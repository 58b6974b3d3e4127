package steal_test

// Regression tests for the known traps of Chase–Lev deques. Each one uses a
// test hook to stop a thief at an exact point inside Steal, lets the owner
// (and other thieves) run, and then checks that every item was taken exactly
// once. Each test fails against the corresponding broken variant.

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gmpkit/gmpkit/steal"
)

// drain takes every item left in d as its owner and records it.
func drain(t *testing.T, d *steal.Deque[int], c *tally) {
	for range len(c.seen) + 1 {
		v := d.Pop()
		if v == nil {
			return
		}
		c.take(t, v)
	}
	t.Fatalf("Pop returned more items than were pushed")
}

// Trap 1: the last item. A Pop that took the last item without racing the
// thieves' CAS would hand it out twice.
func TestDequeTrap_LastItemPopWinsOverPausedThief(t *testing.T) {
	d := steal.NewDeque[int]()
	p := items(1)
	d.Push(p[0])
	pause := pauseAt(t, steal.HookStealRead) // thief has read the slot, not yet CASed
	got := async(d.Steal)
	pause.wait(t)
	if v := d.Pop(); v != p[0] {
		t.Fatalf("owner Pop = %s, want 0", val(v))
	}
	close(pause.resume)
	if v := <-got; v != nil {
		t.Fatalf("thief Steal = %d after the owner popped the last item, want nil", *v)
	}
	if d.Len() != 0 {
		t.Fatalf("Len = %d, want 0", d.Len())
	}
}

// The paper's path to the last item: the owner saw two items and claims the
// newest by lowering bottom, but a thief takes the other one in between.
// The owner then holds the last item and must race the next thief for it
// with a CAS; a Pop that took it without one would hand it out twice.
func TestDequeTrap_LastItemAfterClaimRacesThief(t *testing.T) {
	d := steal.NewDeque[int]()
	p := items(2)
	tl := newTally(len(p))
	pushAll(d, p)
	owner := pauseAt(t, steal.HookPopMulti) // Pop saw items 0 and 1
	ownerGot := async(d.Pop)
	owner.wait(t)
	tl.take(t, d.Steal())                    // a thief takes item 0: top 1
	thief := pauseAt(t, steal.HookStealRead) // the next thief reads item 1
	thiefGot := async(d.Steal)
	thief.wait(t)
	close(owner.resume) // bottom 1, top 1: the last item, raced by CAS
	v := <-ownerGot
	close(thief.resume)
	w := <-thiefGot
	if v != p[1] || w != nil {
		t.Fatalf("owner Pop = %s, thief Steal = %s; want 1 and nil (the owner's CAS ran first)", val(v), val(w))
	}
	tl.take(t, v)
	tl.check(t)
	if d.Len() != 0 || d.Pop() != nil {
		t.Fatalf("deque not empty after the race: Len %d", d.Len())
	}
}

// With two items, a thief that read the oldest before the owner lowered
// bottom gets the oldest, and the owner the newest, without any CAS by the
// owner.
func TestDequeTrap_PopAndStealOfTwoItemsTakeOneEach(t *testing.T) {
	d := steal.NewDeque[int]()
	p := items(2)
	tl := newTally(len(p))
	pushAll(d, p)
	owner := pauseAt(t, steal.HookPopMulti)
	ownerGot := async(d.Pop)
	owner.wait(t)
	thief := pauseAt(t, steal.HookStealRead) // reads top 0, bottom 2: item 0
	thiefGot := async(d.Steal)
	thief.wait(t)
	close(owner.resume)
	v := <-ownerGot
	close(thief.resume)
	w := <-thiefGot
	if v != p[1] || w != p[0] {
		t.Fatalf("owner Pop = %s, thief Steal = %s; want 1 and 0", val(v), val(w))
	}
	tl.take(t, v)
	tl.take(t, w)
	tl.check(t)
}

func TestDequeTrap_LastItemThiefWinsOverPop(t *testing.T) {
	d := steal.NewDeque[int]()
	p := items(1)
	d.Push(p[0])
	pause := pauseAt(t, steal.HookStealWon) // thief has won the CAS
	got := async(d.Steal)
	pause.wait(t)
	if v := d.Pop(); v != nil {
		t.Fatalf("owner Pop = %d after a thief won the last item, want nil", *v)
	}
	close(pause.resume)
	if v := <-got; v != p[0] {
		t.Fatalf("thief Steal = %s, want 0", val(v))
	}
	// The deque must be usable (bottom restored) afterwards.
	d.Push(p[0])
	if v := d.Pop(); v != p[0] || d.Len() != 0 {
		t.Fatalf("after the race: Pop = %s, Len = %d", val(v), d.Len())
	}
}

// Trap 2: a thief must read the slot before its CAS. Once the CAS wins, the
// slot may be reused by the owner for index t+cap. Here the thief is held
// right after its CAS while the owner overwrites that very slot (without a
// grow); a thief that read afterwards would return item 32, which the owner
// also holds, and item 0 would be lost.
func TestDequeTrap_ThiefReadsSlotBeforeCAS(t *testing.T) {
	d := steal.NewDeque[int]()
	c := steal.DequeMinCap // 32
	p := items(c + 1)
	tl := newTally(len(p))
	pushAll(d, p[:c-1]) // indices 0..30: one slot is always kept free
	pause := pauseAt(t, steal.HookStealWon)
	got := async(d.Steal) // wins index 0, top = 1
	pause.wait(t)
	tl.take(t, d.PopOldest()) // index 1, top = 2
	d.Push(p[c-1])            // index 31
	d.Push(p[c])              // index 32: slot 0 again, since top = 2
	if steal.DequeCap(d) != c {
		t.Fatalf("ring grew to %d; the test needs slot 0 reused in place", steal.DequeCap(d))
	}
	close(pause.resume)
	v := <-got
	if v != p[0] {
		t.Fatalf("thief got %s, want item 0 (the item at its index when it won)", val(v))
	}
	tl.take(t, v)
	drain(t, d, tl)
	tl.check(t)
}

// Trap 3: a steal racing a grow (the family of crossbeam's CVE-2021-32810,
// where a thief used a value read from a ring that had been replaced and
// an item was popped twice while another was lost).
func TestDequeTrap_StealRacingGrow(t *testing.T) {
	t.Run("thief holds the old ring", func(t *testing.T) {
		// The thief has loaded the 32-slot ring but not read index 0; the
		// owner then grows twice, pops back down to index 1 and pushes new
		// items at the same indices in the new ring. The old ring must still
		// give the right item for the index the thief wins: a grow must
		// never recycle, clear or write to the ring it replaces.
		d := steal.NewDeque[int]()
		p := items(200)
		tl := newTally(len(p))
		pushAll(d, p[:2])
		pause := pauseAt(t, steal.HookStealRing) // holds the 32-slot ring
		got := async(d.Steal)
		pause.wait(t)
		pushAll(d, p[2:100]) // grows 32 -> 64 -> 128
		for i := 0; i < 98; i++ {
			tl.take(t, d.Pop()) // indices 99..2
		}
		pushAll(d, p[100:200]) // indices 2..101, new items in the new ring
		if steal.DequeCap(d) <= steal.DequeMinCap {
			t.Fatalf("ring did not grow")
		}
		close(pause.resume)
		v := <-got
		if v != p[0] {
			t.Fatalf("thief got %s, want item 0", val(v))
		}
		tl.take(t, v)
		drain(t, d, tl)
		tl.check(t)
	})
	t.Run("owner pops the thief's index meanwhile", func(t *testing.T) {
		d := steal.NewDeque[int]()
		p := items(150)
		tl := newTally(len(p))
		d.Push(p[0])
		pause := pauseAt(t, steal.HookStealRead)
		got := async(d.Steal)
		pause.wait(t)
		pushAll(d, p[1:50]) // grows
		for i := 0; i < 50; i++ {
			tl.take(t, d.Pop()) // all, the last by CAS on top
		}
		pushAll(d, p[50:150]) // index 1.. in the new ring
		close(pause.resume)
		if v := <-got; v != nil {
			t.Fatalf("thief got %d, whose index the owner had already taken; want nil", *v)
		}
		drain(t, d, tl)
		tl.check(t)
	})
	t.Run("thief loads the ring after a grow", func(t *testing.T) {
		// The thief has read top and bottom but not the ring; the grow
		// must have copied its index into the new ring.
		d := steal.NewDeque[int]()
		p := items(100)
		tl := newTally(len(p))
		d.Push(p[0])
		pause := pauseAt(t, steal.HookStealBounds)
		got := async(d.Steal)
		pause.wait(t)
		pushAll(d, p[1:])
		close(pause.resume)
		v := <-got
		if v != p[0] {
			t.Fatalf("thief got %s, want item 0", val(v))
		}
		tl.take(t, v)
		drain(t, d, tl)
		tl.check(t)
	})
}

// Trap 4: steal-half. The owner's Pop takes items below the last one without
// a CAS, so a thief that claimed a batch [t, t+k) with one CAS on top could
// claim items the owner has already popped. StealHalf takes one item per CAS
// and re-reads bottom each time, so it stops where the owner's pops begin.
func TestDequeTrap_StealHalfRechecksBottomPerItem(t *testing.T) {
	d, dst := steal.NewDeque[int](), steal.NewDeque[int]()
	p := items(10)
	tl := newTally(len(p))
	pushAll(d, p)
	// StealHalf plans ceil(10/2) = 5 items. Pause it after it has taken two
	// and read the third (index 2).
	var n int
	pause := &pauser{point: steal.HookStealRead, reached: make(chan struct{}), resume: make(chan struct{})}
	steal.SetTestHook(func(at int) {
		if at == steal.HookStealRead {
			n++ // only the StealHalf goroutine reaches this hook
			if n == 3 {
				close(pause.reached)
				<-pause.resume
			}
		}
	})
	t.Cleanup(func() { steal.SetTestHook(nil) })
	type result struct {
		first *int
		n     int
	}
	got := async(func() result { f, k := d.StealHalf(dst); return result{f, k} })
	pause.wait(t)
	for i := 0; i < 7; i++ {
		tl.take(t, d.Pop()) // indices 9..3, no CAS: more than one item left each time
	}
	close(pause.resume)
	r := <-got
	if r.n != 3 || r.first != p[0] {
		t.Fatalf("StealHalf = (%s, %d), want (0, 3): it must stop where the owner's pops began", val(r.first), r.n)
	}
	tl.take(t, r.first)
	drain(t, dst, tl)
	drain(t, d, tl)
	tl.check(t)
}

// Trap 5: a stale thief. A thief holds index 0 of the ring (it has read
// top and loaded the ring) while the owner wraps around and writes index 32
// into that same slot. The thief must lose its CAS and drop whatever it
// read. (That Push writes such a slot atomically, never with its plain
// store, is checked under the race detector by
// TestConservation_Deque_PushRacesStaleThieves: the pauses here order the
// two accesses, so the detector cannot see them race.)
func TestDequeTrap_StaleThiefLosesSlotReusedInPlace(t *testing.T) {
	d := steal.NewDeque[int]()
	c := steal.DequeMinCap
	p := items(c + 1)
	tl := newTally(len(p))
	pushAll(d, p[:c-1]) // indices 0..30
	pause := pauseAt(t, steal.HookStealRing)
	got := async(d.Steal) // counted, holds top 0 and the ring
	pause.wait(t)
	tl.take(t, d.PopOldest()) // index 0, top = 1
	tl.take(t, d.PopOldest()) // index 1, top = 2
	d.Push(p[c-1])            // index 31
	d.Push(p[c])              // index 32: slot 0, which the thief reads next
	require.Equal(t, c, steal.DequeCap(d), "the ring grew; the test needs slot 0 reused in place")
	close(pause.resume)
	require.Nil(t, <-got, "the stale thief must lose its CAS")
	drain(t, d, tl)
	tl.check(t)
}

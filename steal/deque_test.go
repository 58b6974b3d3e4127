package steal_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmpkit/gmpkit/steal"
)

func pushAll(d *steal.Deque[int], p []*int) {
	for _, v := range p {
		d.Push(v)
	}
}

// drainWith takes items with take until it returns nil and returns their
// values in order.
func drainWith(take func() *int) []int {
	out := []int{}
	for v := take(); v != nil; v = take() {
		out = append(out, *v)
	}
	return out
}

// seq returns lo, lo+step, ... with n values.
func seq(lo, step, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = lo + i*step
	}
	return s
}

func TestDeque_PopIsNewestFirstPopOldestIsOldestFirst(t *testing.T) {
	const n = 200 // grows the ring (min 32) several times
	for _, p := range []steal.Policy{steal.LIFO, steal.FIFO} {
		t.Run(p.String(), func(t *testing.T) {
			d := steal.NewDeque[int]()
			pushAll(d, items(n))
			want := seq(n-1, -1, n)
			if p == steal.FIFO {
				want = seq(0, 1, n)
			}
			assert.Equal(t, want, drainWith(func() *int { return take(d, p) }))
			assert.Nil(t, take(d, p), "take on an empty deque")
		})
	}
}

func TestDeque_PopNewestPopOldestStealOldest(t *testing.T) {
	d := steal.NewDeque[int]()
	pushAll(d, items(6))
	for i, tc := range []struct {
		op   func() *int
		want int
	}{
		{d.Pop, 5}, {d.Steal, 0}, {d.PopOldest, 1}, {d.Pop, 4}, {d.Steal, 2}, {d.Pop, 3},
	} {
		require.Equal(t, tc.want, deref(tc.op()), "op %d", i)
	}
	assert.Nil(t, d.Pop(), "Pop on an empty deque")
	assert.Nil(t, d.PopOldest(), "PopOldest on an empty deque")
	assert.Nil(t, d.Steal(), "Steal on an empty deque")
	assert.Zero(t, d.Len())
}

func TestDeque_ThievesTakeOldestFirst(t *testing.T) {
	d := steal.NewDeque[int]()
	pushAll(d, items(100))
	assert.Equal(t, seq(0, 1, 100), drainWith(d.Steal))
}

func TestDeque_GrowsWithoutLimitAndKeepsOrder(t *testing.T) {
	d := steal.NewDeque[int]()
	const n = 10000
	p := items(n)
	// Interleave steals so the live range wraps around the ring while it
	// grows.
	next := 0
	for i, v := range p {
		d.Push(v)
		if i%3 == 0 {
			require.Equal(t, next, deref(d.Steal()))
			next++
		}
	}
	require.Equal(t, n-next, d.Len())
	c := steal.DequeCap(d)
	require.True(t, c >= d.Len() && c&(c-1) == 0, "ring capacity %d: want a power of two >= Len %d", c, d.Len())
	assert.Equal(t, seq(next, 1, n-next), drainWith(d.PopOldest))
}

// A ring that thieves keep making room in is reused in place: Push grows
// the ring only when it is full at the moment of the Push.
func TestDeque_PushReusesRoomThievesMadeWithoutGrowing(t *testing.T) {
	d := steal.NewDeque[int]()
	c := steal.DequeMinCap
	p := items(10 * c)
	next := 0
	for range 10 {
		for d.Len() < c-1 { // fill every usable slot
			d.Push(p[next])
			next++
		}
		for range c / 2 {
			require.NotNil(t, d.Steal())
		}
	}
	assert.Equal(t, c, steal.DequeCap(d), "the ring grew although thieves kept making room")
}

func TestDeque_LenTracksPushesAndTakes(t *testing.T) {
	d := steal.NewDeque[int]()
	for i, v := range items(40) {
		d.Push(v)
		require.Equal(t, i+1, d.Len())
	}
	d.Pop()
	d.Steal()
	d.PopOldest()
	assert.Equal(t, 37, d.Len())
}

func TestDeque_MisusePanics(t *testing.T) {
	d := steal.NewDeque[int]()
	assert.PanicsWithValue(t, "steal: Deque.Push of nil item", func() { d.Push(nil) })
	assert.PanicsWithValue(t, "steal: Deque.StealHalf with dst equal to the victim", func() { d.StealHalf(d) })
}

func TestDeque_StealHalfTakesCeilHalfOldestFirst(t *testing.T) {
	for n := 0; n <= 100; n++ {
		src, dst := steal.NewDeque[int](), steal.NewDeque[int]()
		pushAll(src, items(n))
		first, got := src.StealHalf(dst)
		want := n - n/2
		require.Equal(t, want, got, "n=%d: items taken", n)
		if want == 0 {
			require.Nil(t, first, "n=0: first")
			continue
		}
		require.Equal(t, 0, deref(first), "n=%d: first is the oldest", n)
		require.Equal(t, seq(1, 1, want-1), drainWith(dst.PopOldest), "n=%d: dst got the rest in order", n)
		require.Equal(t, seq(want, 1, n-want), drainWith(src.PopOldest), "n=%d: src kept the newest", n)
	}
}

func TestDeque_ZeroValueIsUsable(t *testing.T) {
	var d, dst steal.Deque[int]
	require.True(t, d.Pop() == nil && d.Steal() == nil && d.PopOldest() == nil && d.Len() == 0, "zero Deque is not empty")
	f, n := d.StealHalf(&dst)
	require.True(t, f == nil && n == 0, "StealHalf from a zero Deque took something")
	pushAll(&d, items(100))
	assert.Equal(t, 0, deref(d.Steal()))
	assert.Equal(t, 99, deref(d.Pop()))
}

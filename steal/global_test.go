package steal_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmpkit/gmpkit/steal"
)

func TestGlobalQueue_ZeroValueIsFIFO(t *testing.T) {
	var g steal.GlobalQueue[int]
	if g.Pop() != nil || g.Len() != 0 {
		t.Fatal("zero GlobalQueue not empty")
	}
	p := items(1000)
	g.PushBatch(p[:3])
	for _, v := range p[3:500] {
		g.Push(v)
	}
	for i := 0; i < 100; i++ { // wrap the ring before it grows further
		if v := g.Pop(); v != p[i] {
			t.Fatalf("Pop = %s, want %d", val(v), i)
		}
	}
	g.PushBatch(p[500:])
	if g.Len() != 900 {
		t.Fatalf("Len = %d, want 900", g.Len())
	}
	for i := 100; i < 1000; i++ {
		if v := g.Pop(); v != p[i] {
			t.Fatalf("Pop = %s, want %d", val(v), i)
		}
	}
	g.PushBatch(nil)
	if g.Pop() != nil || g.Len() != 0 {
		t.Fatal("not empty after draining")
	}
}

func TestGlobalQueue_PopBatchIntoRunQueueStopsAtItsRoom(t *testing.T) {
	var g steal.GlobalQueue[int]
	p := items(400)
	g.PushBatch(p)
	q := steal.NewRunQueue[int]()
	require.Same(t, p[0], g.PopBatch(q, 1))
	require.Zero(t, q.Len(), "PopBatch(max 1) moved items")
	require.Same(t, p[1], g.PopBatch(q, 10))
	require.Equal(t, seq(2, 1, 9), drainWith(func() *int { v, _ := q.Pop(); return v }), "moved items, in order")
	// dst's room limits the batch: it never overflows dst.
	require.Same(t, p[11], g.PopBatch(q, 1000))
	require.Equal(t, steal.RunQueueSize, q.Len())
	require.Equal(t, 400-12-steal.RunQueueSize, g.Len())
	require.Same(t, p[12+steal.RunQueueSize], g.PopBatch(q, 5), "a full ring still gets the item to run now")
	require.Equal(t, steal.RunQueueSize, q.Len(), "PopBatch into a full ring moved items")
}

func TestGlobalQueue_PopBatchIntoDequeTakesAllAsked(t *testing.T) {
	var g steal.GlobalQueue[int]
	p := items(400)
	g.PushBatch(p)
	d := steal.NewDeque[int]()
	require.Same(t, p[0], g.PopBatch(d, 300))
	require.Equal(t, 299, d.Len())
	require.Same(t, p[300], g.PopBatch(d, 1000))
	require.Zero(t, g.Len())
	require.Equal(t, append(seq(1, 1, 299), seq(301, 1, 99)...), drainWith(d.PopOldest), "moved items, in order")
	require.Nil(t, g.PopBatch(d, 5), "PopBatch on an empty queue")
}

func TestGlobalQueue_MisusePanics(t *testing.T) {
	var g steal.GlobalQueue[int]
	p := items(3)
	assert.PanicsWithValue(t, "steal: GlobalQueue.Push of nil item", func() { g.Push(nil) })
	assert.PanicsWithValue(t, "steal: GlobalQueue.PushBatch of nil item at index 1", func() { g.PushBatch([]*int{p[0], nil, p[2]}) })
	assert.Zero(t, g.Len(), "a rejected PushBatch added items")
	g.Push(p[0])
	assert.PanicsWithValue(t, "steal: GlobalQueue.PopBatch called with max 0 (want >= 1)", func() { g.PopBatch(steal.NewDeque[int](), 0) })
	assert.Equal(t, 1, g.Len(), "a rejected PopBatch took an item")
}

package steal_test

import (
	"strings"
	"testing"

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

func TestGlobalQueue_PopBatch(t *testing.T) {
	var g steal.GlobalQueue[int]
	p := items(400)
	g.PushBatch(p)
	q := steal.NewRunQueue[int]()
	if v := g.PopBatch(q, 1); v != p[0] || q.Len() != 0 {
		t.Fatalf("PopBatch(max 1) = %s, q.Len %d; want 0 and nothing moved", val(v), q.Len())
	}
	if v := g.PopBatch(q, 10); v != p[1] || q.Len() != 9 {
		t.Fatalf("PopBatch(max 10) = %s, q.Len %d; want 1 and 9 moved", val(v), q.Len())
	}
	for i := 2; i < 11; i++ {
		if v, _ := q.Pop(); v != p[i] {
			t.Fatalf("moved item = %s, want %d in order", val(v), i)
		}
	}
	// dst's room limits the batch: it never overflows dst.
	if v := g.PopBatch(q, 1000); v != p[11] || q.Len() != steal.RunQueueSize {
		t.Fatalf("PopBatch(max 1000) = %s, q.Len %d; want 11 and a full ring", val(v), q.Len())
	}
	if got, want := g.Len(), 400-12-steal.RunQueueSize; got != want {
		t.Fatalf("g.Len = %d, want %d", got, want)
	}
	d := steal.NewDeque[int]()
	if v := g.PopBatchDeque(d, 1000); v == nil || d.Len() != 400-13-steal.RunQueueSize || g.Len() != 0 {
		t.Fatalf("PopBatchDeque = %s, d.Len %d, g.Len %d", val(v), d.Len(), g.Len())
	}
	if g.PopBatch(q, 5) != nil || g.PopBatchDeque(d, 5) != nil {
		t.Fatal("PopBatch on an empty queue returned an item")
	}
}

func TestGlobalQueue_MisusePanics(t *testing.T) {
	var g steal.GlobalQueue[int]
	p := items(3)
	for _, tc := range []struct {
		name, want string
		f          func()
	}{
		{"Push nil", "steal: GlobalQueue.Push of nil item", func() { g.Push(nil) }},
		{"PushBatch nil", "steal: GlobalQueue.PushBatch of nil item at index 1", func() { g.PushBatch([]*int{p[0], nil, p[2]}) }},
		{"PopBatch max 0", "steal: GlobalQueue.PopBatch called with max 0", func() { g.PopBatch(steal.NewRunQueue[int](), 0) }},
		{"PopBatchDeque max -1", "steal: GlobalQueue.PopBatchDeque called with max -1", func() { g.PopBatchDeque(steal.NewDeque[int](), -1) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.Contains(s, tc.want) {
					t.Fatalf("recovered %v, want %q", r, tc.want)
				}
			}()
			tc.f()
		})
	}
	if g.Len() != 0 {
		t.Fatalf("a rejected PushBatch added %d items", g.Len())
	}
}

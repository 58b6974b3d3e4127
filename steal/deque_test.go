package steal_test

import (
	"strings"
	"testing"

	"github.com/gmpkit/gmpkit/steal"
)

func pushAll(d *steal.Deque[int], p []*int) {
	for _, v := range p {
		d.Push(v)
	}
}

func TestDeque_OwnerOrderFollowsPolicy(t *testing.T) {
	const n = 200 // grows the ring (min 32) several times
	for _, tc := range []struct {
		p     steal.Policy
		first int
		step  int
	}{
		{steal.LIFO, n - 1, -1},
		{steal.FIFO, 0, 1},
		{steal.Policy(9), n - 1, -1}, // unknown policies behave as LIFO
	} {
		t.Run(tc.p.String(), func(t *testing.T) {
			d := steal.NewDeque[int]()
			pushAll(d, items(n))
			for i, want := 0, tc.first; i < n; i, want = i+1, want+tc.step {
				if got := d.Take(tc.p); got == nil || *got != want {
					t.Fatalf("Take #%d = %s, want %d", i, val(got), want)
				}
			}
			if got := d.Take(tc.p); got != nil {
				t.Fatalf("Take on empty deque = %d, want nil", *got)
			}
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
		if got := tc.op(); got == nil || *got != tc.want {
			t.Fatalf("op %d = %s, want %d", i, val(got), tc.want)
		}
	}
	for name, op := range map[string]func() *int{"Pop": d.Pop, "PopOldest": d.PopOldest, "Steal": d.Steal} {
		if got := op(); got != nil {
			t.Errorf("%s on empty deque = %d, want nil", name, *got)
		}
	}
	if n := d.Len(); n != 0 {
		t.Errorf("Len of empty deque = %d", n)
	}
}

func TestDeque_ThievesTakeOldestFirst(t *testing.T) {
	d := steal.NewDeque[int]()
	pushAll(d, items(100))
	for want := 0; want < 100; want++ {
		if got := d.Steal(); got == nil || *got != want {
			t.Fatalf("Steal = %s, want %d", val(got), want)
		}
	}
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
			if got := d.Steal(); got == nil || *got != next {
				t.Fatalf("Steal = %s, want %d", val(got), next)
			}
			next++
		}
	}
	if got, want := d.Len(), n-next; got != want {
		t.Fatalf("Len = %d, want %d", got, want)
	}
	if c := steal.DequeCap(d); c < d.Len() || c&(c-1) != 0 {
		t.Fatalf("ring capacity %d: want a power of two >= Len %d", c, d.Len())
	}
	for ; next < n; next++ {
		if got := d.PopOldest(); got == nil || *got != next {
			t.Fatalf("PopOldest = %s, want %d", val(got), next)
		}
	}
}

func TestDeque_LenTracksPushesAndTakes(t *testing.T) {
	d := steal.NewDeque[int]()
	p := items(40)
	for i, v := range p {
		d.Push(v)
		if d.Len() != i+1 {
			t.Fatalf("after %d pushes Len = %d", i+1, d.Len())
		}
	}
	d.Pop()
	d.Steal()
	d.PopOldest()
	if d.Len() != 37 {
		t.Fatalf("Len = %d, want 37", d.Len())
	}
}

func TestDeque_PushNilPanics(t *testing.T) {
	defer func() {
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, "steal: Deque.Push of nil item") {
			t.Fatalf("recovered %v, want a panic naming Deque.Push", r)
		}
	}()
	steal.NewDeque[int]().Push(nil)
}

func TestDeque_StealHalfIntoSelfPanics(t *testing.T) {
	defer func() {
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, "Deque.StealHalf") {
			t.Fatalf("recovered %v, want a panic naming Deque.StealHalf", r)
		}
	}()
	d := steal.NewDeque[int]()
	d.StealHalf(d)
}

func TestDeque_StealHalfTakesCeilHalfOldestFirst(t *testing.T) {
	for n := 0; n <= 100; n++ {
		src, dst := steal.NewDeque[int](), steal.NewDeque[int]()
		pushAll(src, items(n))
		first, got := src.StealHalf(dst)
		want := n - n/2
		if got != want {
			t.Fatalf("n=%d: StealHalf took %d, want %d", n, got, want)
		}
		if want == 0 {
			if first != nil {
				t.Fatalf("n=0: first = %d, want nil", *first)
			}
			continue
		}
		if first == nil || *first != 0 {
			t.Fatalf("n=%d: first = %s, want 0 (the oldest)", n, val(first))
		}
		if dst.Len() != want-1 || src.Len() != n-want {
			t.Fatalf("n=%d: dst.Len %d, src.Len %d; want %d, %d", n, dst.Len(), src.Len(), want-1, n-want)
		}
		for i := 1; i < want; i++ { // dst got the rest in order
			if v := dst.PopOldest(); v == nil || *v != i {
				t.Fatalf("n=%d: dst item = %s, want %d", n, val(v), i)
			}
		}
		for i := want; i < n; i++ {
			if v := src.PopOldest(); v == nil || *v != i {
				t.Fatalf("n=%d: src item = %s, want %d", n, val(v), i)
			}
		}
	}
}

func TestDeque_ZeroValueIsUsable(t *testing.T) {
	var d steal.Deque[int]
	if d.Pop() != nil || d.Steal() != nil || d.PopOldest() != nil || d.Len() != 0 {
		t.Fatal("zero Deque is not empty")
	}
	var dst steal.Deque[int]
	if f, n := d.StealHalf(&dst); f != nil || n != 0 {
		t.Fatal("StealHalf from a zero Deque took something")
	}
	pushAll(&d, items(100))
	if v := d.Steal(); v == nil || *v != 0 {
		t.Fatalf("Steal = %s, want 0", val(v))
	}
	if v := d.Pop(); v == nil || *v != 99 {
		t.Fatalf("Pop = %s, want 99", val(v))
	}
}

package steal_test

import (
	"slices"
	"testing"

	"github.com/gmpkit/gmpkit/steal"
)

// FuzzDeque drives a random sequence of owner operations (Push, Pop,
// PopOldest, Take) and thief operations (Steal, StealHalf into a second
// deque, whose own owner then pops) against a sequential model: a slice
// whose end is the bottom. Run one at a time, every operation must return
// exactly what the model says.
func FuzzDeque(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 2, 3, 4, 5, 6, 7})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 5, 5, 6, 6, 6, 1, 1, 1})
	f.Add(slices.Repeat([]byte{0, 0, 0, 4}, 40)) // grows while stealing
	f.Add(slices.Repeat([]byte{0, 0, 5, 7, 3, 2}, 30))
	f.Fuzz(func(t *testing.T, ops []byte) {
		d, dst := steal.NewDeque[int](), steal.NewDeque[int]()
		var model, dstModel []int
		p := items(len(ops)*40 + 1)
		next := 0
		check := func(op string, got *int, want int, ok bool) {
			t.Helper()
			if !ok {
				if got != nil {
					t.Fatalf("%s = %d, model says empty", op, *got)
				}
				return
			}
			if got == nil || *got != want {
				t.Fatalf("%s = %s, model says %d", op, val(got), want)
			}
		}
		for _, op := range ops {
			switch op % 9 {
			case 0: // Push
				d.Push(p[next])
				model = append(model, next)
				next++
			case 1: // Pop: newest
				var want int
				ok := len(model) > 0
				if ok {
					want, model = model[len(model)-1], model[:len(model)-1]
				}
				check("Pop", d.Pop(), want, ok)
			case 2, 3: // PopOldest, Steal: oldest
				var want int
				ok := len(model) > 0
				if ok {
					want, model = model[0], model[1:]
				}
				if op%9 == 2 {
					check("PopOldest", d.PopOldest(), want, ok)
				} else {
					check("Steal", d.Steal(), want, ok)
				}
			case 4: // Take with a policy from the next bit
				pol := steal.Policy(op / 9 % 2)
				var want int
				ok := len(model) > 0
				if ok && pol == steal.FIFO {
					want, model = model[0], model[1:]
				} else if ok {
					want, model = model[len(model)-1], model[:len(model)-1]
				}
				check("Take("+pol.String()+")", d.Take(pol), want, ok)
			case 5: // StealHalf into dst
				k := len(model) - len(model)/2
				first, n := d.StealHalf(dst)
				if n != k {
					t.Fatalf("StealHalf took %d, model says %d", n, k)
				}
				if k > 0 {
					check("StealHalf", first, model[0], true)
					dstModel = append(dstModel, model[1:k]...)
					model = model[k:]
				} else if first != nil {
					t.Fatalf("StealHalf returned %d with n = 0", *first)
				}
			case 6: // dst's owner pops
				var want int
				ok := len(dstModel) > 0
				if ok {
					want, dstModel = dstModel[len(dstModel)-1], dstModel[:len(dstModel)-1]
				}
				check("dst.Pop", dst.Pop(), want, ok)
			case 7: // a burst of pushes, to grow the ring
				for range int(op/9)%40 + 1 {
					d.Push(p[next%len(p)])
					model = append(model, next%len(p))
					next++
				}
			case 8: // steal back from dst
				var want int
				ok := len(dstModel) > 0
				if ok {
					want, dstModel = dstModel[0], dstModel[1:]
				}
				check("dst.Steal", dst.Steal(), want, ok)
			}
			if d.Len() != len(model) || dst.Len() != len(dstModel) {
				t.Fatalf("Len = %d, %d; model says %d, %d", d.Len(), dst.Len(), len(model), len(dstModel))
			}
		}
	})
}

// runqModel is a sequential model of a RunQueue.
type runqModel struct {
	ring   []int
	next   int // -1: empty
	streak int
}

func newRunqModel() *runqModel { return &runqModel{next: -1} }

func (m *runqModel) push(v int, next bool, g *[]int) {
	if next {
		old := m.next
		m.next = v
		if old < 0 {
			return
		}
		v = old
	}
	if len(m.ring) == steal.RunQueueSize {
		*g = append(*g, m.ring[:steal.RunQueueSize/2]...)
		*g = append(*g, v)
		m.ring = slices.Clone(m.ring[steal.RunQueueSize/2:])
		return
	}
	m.ring = append(m.ring, v)
}

func (m *runqModel) pop() (int, bool, bool) {
	if m.next >= 0 && (m.streak < steal.MaxRunNextStreak || len(m.ring) == 0) {
		v := m.next
		m.next = -1
		m.streak++
		return v, true, true
	}
	m.streak = 0
	if len(m.ring) == 0 {
		return 0, false, false
	}
	v := m.ring[0]
	m.ring = m.ring[1:]
	return v, false, true
}

func (m *runqModel) len() int {
	if m.next >= 0 {
		return len(m.ring) + 1
	}
	return len(m.ring)
}

// FuzzRunQueue drives random owner operations (Push to the ring or to
// runnext, Pop, refills from the global queue) and thief operations
// (StealHalf, StealOne, with and without runnext) on two run queues that
// steal from each other, against a sequential model that includes the
// overflow batches and the runnext streak cap.
func FuzzRunQueue(f *testing.F) {
	f.Add([]byte{0, 1, 0, 1, 2, 2, 3, 4, 5, 6})
	f.Add(slices.Repeat([]byte{7}, 20))             // bursts: overflow
	f.Add(slices.Repeat([]byte{1, 2}, 80))          // runnext streak cap
	f.Add(slices.Repeat([]byte{7, 3, 7, 8, 5}, 12)) // steals between full rings
	f.Fuzz(func(t *testing.T, ops []byte) {
		qs := []*steal.RunQueue[int]{steal.NewRunQueue[int](), steal.NewRunQueue[int]()}
		ms := []*runqModel{newRunqModel(), newRunqModel()}
		var g steal.GlobalQueue[int]
		var gm []int
		p := items(len(ops)*40 + 1)
		next := 0
		push := func(i int, v int, runnext bool) {
			qs[i].Push(p[v], runnext, &g)
			ms[i].push(v, runnext, &gm)
		}
		for _, op := range ops {
			i := int(op/9) % 2 // which queue acts as owner (or thief)
			q, m := qs[i], ms[i]
			vq, vm := qs[1-i], ms[1-i] // the victim of a steal
			switch op % 9 {
			case 0, 1: // Push to ring / runnext
				push(i, next%len(p), op%9 == 1)
				next++
			case 2: // Pop
				v, fromNext := q.Pop()
				want, wantNext, ok := m.pop()
				if ok != (v != nil) || ok && (*v != want || fromNext != wantNext) {
					t.Fatalf("Pop = (%s, %v), model says (%d, %v, ok=%v)", val(v), fromNext, want, wantNext, ok)
				}
			case 3, 4: // StealHalf from the victim, stealNext = op%9 == 4
				stealNext := op%9 == 4
				room := steal.RunQueueSize - len(m.ring)
				n := len(vm.ring) - len(vm.ring)/2
				var want int
				ok := true
				switch {
				case room == 0 && len(vm.ring) > 0: // behaves as StealOne
					want, vm.ring = vm.ring[0], vm.ring[1:]
				case room == 0 || n == 0:
					if ok = stealNext && vm.next >= 0; ok {
						want, vm.next = vm.next, -1
					}
				default:
					n = min(n, room)
					want = vm.ring[n-1]
					m.ring = append(m.ring, vm.ring[:n-1]...)
					vm.ring = vm.ring[n:]
				}
				got := vq.StealHalf(q, stealNext)
				if ok != (got != nil) || ok && *got != want {
					t.Fatalf("StealHalf = %s, model says (%d, ok=%v)", val(got), want, ok)
				}
			case 5: // StealOne
				stealNext := op&1 == 1
				var want int
				ok := true
				if len(vm.ring) > 0 {
					want, vm.ring = vm.ring[0], vm.ring[1:]
				} else if ok = stealNext && vm.next >= 0; ok {
					want, vm.next = vm.next, -1
				}
				got := vq.StealOne(stealNext)
				if ok != (got != nil) || ok && *got != want {
					t.Fatalf("StealOne = %s, model says (%d, ok=%v)", val(got), want, ok)
				}
			case 6: // refill from the global queue
				lim := int(op)%70 + 1
				k := min(lim-1, len(gm)-1, steal.RunQueueSize-len(m.ring))
				got := g.PopBatch(q, lim)
				if len(gm) == 0 {
					if got != nil {
						t.Fatalf("PopBatch = %d, model's global queue is empty", *got)
					}
					break
				}
				if got == nil || *got != gm[0] {
					t.Fatalf("PopBatch = %s, model says %d", val(got), gm[0])
				}
				k = max(k, 0)
				m.ring = append(m.ring, gm[1:1+k]...)
				gm = gm[1+k:]
			case 7, 8: // a burst of pushes
				for range 40 {
					push(i, next%len(p), op%9 == 8)
					next++
				}
			}
			for j := range qs {
				if qs[j].Len() != ms[j].len() || qs[j].Empty() != (ms[j].len() == 0) {
					t.Fatalf("queue %d: Len %d, Empty %v; model says %d", j, qs[j].Len(), qs[j].Empty(), ms[j].len())
				}
			}
			if g.Len() != len(gm) {
				t.Fatalf("global Len %d, model says %d", g.Len(), len(gm))
			}
		}
	})
}

package steal_test

import (
	"slices"
	"testing"

	"github.com/gmpkit/gmpkit/steal"
)

// FuzzDeque drives a random sequence of owner operations (Push, Pop,
// PopOldest, a take in Policy order) and thief operations (Steal, StealHalf
// into a second deque, whose own owner then pops) against a sequential
// model: a slice whose end is the bottom. Run one at a time, every
// operation must return exactly what the model says.
func FuzzDeque(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 2, 3, 4, 5, 6, 7})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 5, 5, 6, 6, 6, 1, 1, 1})
	f.Add(slices.Repeat([]byte{0, 0, 0, 4}, 40)) // grows while stealing
	f.Add(slices.Repeat([]byte{0, 0, 5, 7, 3, 2}, 30))
	f.Fuzz(func(t *testing.T, ops []byte) {
		s := &dequeFuzz{t: t, d: steal.NewDeque[int](), dst: steal.NewDeque[int](), p: items(len(ops)*40 + 1)}
		for _, op := range ops {
			s.step(op)
			if s.d.Len() != len(s.model) || s.dst.Len() != len(s.dstModel) {
				t.Fatalf("Len = %d, %d; model says %d, %d", s.d.Len(), s.dst.Len(), len(s.model), len(s.dstModel))
			}
		}
	})
}

// dequeFuzz is FuzzDeque's state: a deque, the deque its thief steals
// into, and a model of each.
type dequeFuzz struct {
	t               *testing.T
	d, dst          *steal.Deque[int]
	model, dstModel []int
	p               []*int
	next            int
}

// newest and oldest take from a model; ok is false if it is empty.
func newest(m *[]int) (v int, ok bool) {
	if len(*m) == 0 {
		return 0, false
	}
	v, *m = (*m)[len(*m)-1], (*m)[:len(*m)-1]
	return v, true
}

func oldest(m *[]int) (v int, ok bool) {
	if len(*m) == 0 {
		return 0, false
	}
	v, *m = (*m)[0], (*m)[1:]
	return v, true
}

// check fails unless got is what the model took (want, ok).
func (s *dequeFuzz) check(op string, got *int, want int, ok bool) {
	s.t.Helper()
	if !ok && got != nil {
		s.t.Fatalf("%s = %d, model says empty", op, *got)
	}
	if ok && (got == nil || *got != want) {
		s.t.Fatalf("%s = %s, model says %d", op, val(got), want)
	}
}

func (s *dequeFuzz) push() {
	i := s.next % len(s.p)
	s.d.Push(s.p[i])
	s.model = append(s.model, i)
	s.next++
}

func (s *dequeFuzz) step(op byte) {
	switch op % 9 {
	case 0:
		s.push()
	case 1:
		want, ok := newest(&s.model)
		s.check("Pop", s.d.Pop(), want, ok)
	case 2:
		want, ok := oldest(&s.model)
		s.check("PopOldest", s.d.PopOldest(), want, ok)
	case 3:
		want, ok := oldest(&s.model)
		s.check("Steal", s.d.Steal(), want, ok)
	case 4: // a take in the order of a policy from the next bit
		pol := steal.Policy(op / 9 % 2)
		from := newest
		if pol == steal.FIFO {
			from = oldest
		}
		want, ok := from(&s.model)
		s.check("take("+pol.String()+")", take(s.d, pol), want, ok)
	case 5:
		s.stealHalf()
	case 6: // dst's owner pops
		want, ok := newest(&s.dstModel)
		s.check("dst.Pop", s.dst.Pop(), want, ok)
	case 7: // a burst of pushes, to grow the ring
		for range int(op/9)%40 + 1 {
			s.push()
		}
	case 8: // steal back from dst
		want, ok := oldest(&s.dstModel)
		s.check("dst.Steal", s.dst.Steal(), want, ok)
	}
}

func (s *dequeFuzz) stealHalf() {
	k := len(s.model) - len(s.model)/2
	first, n := s.d.StealHalf(s.dst)
	if n != k {
		s.t.Fatalf("StealHalf took %d, model says %d", n, k)
	}
	if k == 0 {
		s.check("StealHalf", first, 0, false)
		return
	}
	s.check("StealHalf", first, s.model[0], true)
	s.dstModel = append(s.dstModel, s.model[1:k]...)
	s.model = s.model[k:]
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
		s := &runqFuzz{
			t:  t,
			qs: [2]*steal.RunQueue[int]{steal.NewRunQueue[int](), steal.NewRunQueue[int]()},
			ms: [2]*runqModel{newRunqModel(), newRunqModel()},
			p:  items(len(ops)*40 + 1),
		}
		for _, op := range ops {
			s.step(op)
			for j := range s.qs {
				q, m := s.qs[j], s.ms[j]
				if q.Len() != m.len() || q.Empty() != (m.len() == 0) {
					t.Fatalf("queue %d: Len %d, Empty %v; model says %d", j, q.Len(), q.Empty(), m.len())
				}
			}
			if s.g.Len() != len(s.gm) {
				t.Fatalf("global Len %d, model says %d", s.g.Len(), len(s.gm))
			}
		}
	})
}

// runqFuzz is FuzzRunQueue's state: two run queues, a global queue, and a
// model of each.
type runqFuzz struct {
	t    *testing.T
	qs   [2]*steal.RunQueue[int]
	ms   [2]*runqModel
	g    steal.GlobalQueue[int]
	gm   []int
	p    []*int
	next int
}

func (s *runqFuzz) push(i int, runnext bool) {
	v := s.next % len(s.p)
	s.next++
	s.qs[i].Push(s.p[v], runnext, &s.g)
	s.ms[i].push(v, runnext, &s.gm)
}

// check fails unless got is what the model took (want, ok).
func (s *runqFuzz) check(op string, got *int, want int, ok bool) {
	s.t.Helper()
	if ok != (got != nil) || ok && *got != want {
		s.t.Fatalf("%s = %s, model says (%d, ok=%v)", op, val(got), want, ok)
	}
}

func (s *runqFuzz) step(op byte) {
	i := int(op/9) % 2 // which queue acts as owner (or thief)
	q, m := s.qs[i], s.ms[i]
	vq, vm := s.qs[1-i], s.ms[1-i] // the victim of a steal
	switch op % 9 {
	case 0, 1: // Push to ring / runnext
		s.push(i, op%9 == 1)
	case 2:
		v, fromNext := q.Pop()
		want, wantNext, ok := m.pop()
		if ok != (v != nil) || ok && (*v != want || fromNext != wantNext) {
			s.t.Fatalf("Pop = (%s, %v), model says (%d, %v, ok=%v)", val(v), fromNext, want, wantNext, ok)
		}
	case 3, 4:
		stealNext := op%9 == 4
		want, ok := m.stealHalf(vm, stealNext)
		s.check("StealHalf", vq.StealHalf(q, stealNext), want, ok)
	case 5:
		stealNext := op&1 == 1
		want, ok := vm.stealOne(stealNext)
		s.check("StealOne", vq.StealOne(stealNext), want, ok)
	case 6: // refill from the global queue
		limit := int(op)%70 + 1
		want, ok := m.refill(&s.gm, limit)
		s.check("PopBatch", s.g.PopBatch(q, limit), want, ok)
	case 7, 8: // a burst of pushes
		for range 40 {
			s.push(i, op%9 == 8)
		}
	}
}

// stealHalf is RunQueue.StealHalf from victim into m.
func (m *runqModel) stealHalf(victim *runqModel, stealNext bool) (int, bool) {
	room := steal.RunQueueSize - len(m.ring)
	n := len(victim.ring) - len(victim.ring)/2
	if room == 0 || n == 0 { // behaves as StealOne, or takes only runnext
		if room == 0 && n > 0 {
			stealNext = false
		}
		return victim.stealOne(stealNext)
	}
	n = min(n, room)
	want := victim.ring[n-1]
	m.ring = append(m.ring, victim.ring[:n-1]...)
	victim.ring = victim.ring[n:]
	return want, true
}

// stealOne is RunQueue.StealOne on m.
func (m *runqModel) stealOne(stealNext bool) (int, bool) {
	if len(m.ring) > 0 {
		v := m.ring[0]
		m.ring = m.ring[1:]
		return v, true
	}
	if stealNext && m.next >= 0 {
		v := m.next
		m.next = -1
		return v, true
	}
	return 0, false
}

// refill is GlobalQueue.PopBatch from the global queue *g into m.
func (m *runqModel) refill(g *[]int, limit int) (int, bool) {
	if len(*g) == 0 {
		return 0, false
	}
	k := max(0, min(limit-1, len(*g)-1, steal.RunQueueSize-len(m.ring)))
	first := (*g)[0]
	m.ring = append(m.ring, (*g)[1:1+k]...)
	*g = (*g)[1+k:]
	return first, true
}

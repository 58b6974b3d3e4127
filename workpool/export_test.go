package workpool

import (
	"fmt"
	"strings"
	"sync"
)

// DebugState describes the scheduler's state, for tests that hang.
func DebugState(p *Pool) string {
	var b strings.Builder
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.set.Load()
	fmt.Fprintf(&b, "nprocs=%d active=%d byID=%d pending=%d npidle=%d nspinning=%d global=%d filling=%d idle=%d spares=%d procless=%d blocked=%d nms=%d closed=%v stopped=%v\n",
		p.nprocs.Load(), len(s.procs), len(s.byID), p.pending.Load(), p.npidle.Load(), p.nspinning.Load(),
		p.global.Len(), p.fillingN.Load(), len(p.idle), len(p.spares), p.nprocless.Load(), p.nblock.Load(), p.nms,
		p.closed.Load(), p.stopped.Load())
	for i, w := range p.idle {
		id := -1
		if w.proc != nil {
			id = w.proc.id
		}
		fmt.Fprintf(&b, "  idle[%d]: proc=%d idleAt=%d awaiting=%v sleep=%d owner-match=%v\n", i, id, w.idleAt, w.awaiting, w.parkSeq.Load()&1, w.proc != nil && w.proc.owner.Load() == w)
	}
	active := map[*proc]bool{}
	for _, pr := range s.procs {
		active[pr] = true
	}
	ws := *p.work.words.Load()
	for _, pr := range s.byID {
		o := pr.owner.Load()
		state := "none"
		if o != nil {
			state = fmt.Sprintf("owner idleAt=%d awaiting=%v sleep=%d", o.idleAt, o.awaiting, o.parkSeq.Load()&1)
		}
		bit := ws[pr.id>>6].Load()>>(pr.id&63)&1 == 1
		fmt.Fprintf(&b, "  proc %d active=%v retiring=%v dq=%d runnext=%v group=%v bit=%v credit=%d done=%d pub=%v %s\n",
			pr.id, active[pr], pr.retiring.Load(), pr.dq.Len(), pr.runnext.Load() != nil, pr.group.Load() != nil, bit, pr.credit.Load(), pr.done, pr.pub[cSubmitted].Load(), state)
	}
	var orphan []uint64
	for i := range p.orphan {
		orphan = append(orphan, p.orphan[i].Load())
	}
	fmt.Fprintf(&b, "  orphan=%v submitted(ext)=%d runs=%d roots=%d\n", orphan, p.submitted, p.runs.Load(), p.rootsTaken.Load())
	return b.String()
}

// Notes records the scheduler events of every pool in a ring, for tests
// that hang.
type Notes struct {
	mu   sync.Mutex
	ring []string
	n    int
}

// StartNotes makes the pool record events into the returned Notes.
func StartNotes(size int) *Notes {
	ns := &Notes{ring: make([]string, size)}
	noteHook = func(p *Pool, w *Worker, ev string, a, b int64) {
		id := "-"
		if w != nil {
			id = fmt.Sprintf("%p", w) // not w.proc: another goroutine may own it
		}
		ns.mu.Lock()
		ns.ring[ns.n%len(ns.ring)] = fmt.Sprintf("%s %s %d %d", id, ev, a, b)
		ns.n++
		ns.mu.Unlock()
	}
	return ns
}

// Reset forgets the events so far.
func (ns *Notes) Reset() { ns.mu.Lock(); ns.n = 0; ns.mu.Unlock() }

// String returns the last events, oldest first.
func (ns *Notes) String() string {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	var b strings.Builder
	start := max(0, ns.n-len(ns.ring))
	for i := start; i < ns.n; i++ {
		b.WriteString(ns.ring[i%len(ns.ring)] + "\n")
	}
	return b.String()
}

// DebugLeftovers takes what is left in the procs' queues of a closed pool
// and describes it.
func DebugLeftovers(p *Pool) string {
	var b strings.Builder
	for _, pr := range p.set.Load().byID {
		for j := pr.dq.PopOldest(); j != nil; j = pr.dq.PopOldest() {
			fmt.Fprintf(&b, "proc %d: kind=%d skipped=%v tree=%v treeCancelled=%v loop=%v scope=%v lo=%d hi=%d latchOwner=%p latch=%d\n",
				pr.id, j.kind, j.skipped, j.tree != nil, j.tree.cancelled(), j.loop != nil, j.scope != nil, j.lo, j.hi, j.latch.owner, j.latch.state.Load())
		}
		if nx := pr.runnext.Load(); nx != nil {
			fmt.Fprintf(&b, "proc %d: runnext kind=%d\n", pr.id, nx.kind)
		}
	}
	return b.String()
}

// OnStopped makes every Close or Shutdown that stops a pool call f with it,
// for the whole test binary.
func OnStopped(f func(*Pool)) { testHookStopped = f }

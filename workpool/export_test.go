package workpool

import (
	"fmt"
	"strings"
)

// DebugState describes the scheduler's state, for tests that hang.
func DebugState(p *Pool) string {
	var b strings.Builder
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.set.Load()
	fmt.Fprintf(&b, "nprocs=%d active=%d byID=%d pending=%d npidle=%d nspinning=%d global=%d filling=%d idle=%d spares=%d pwait=%d npwait=%d blocked=%d nms=%d closed=%v stopped=%v\n",
		p.nprocs.Load(), len(s.procs), len(s.byID), p.pending.Load(), p.npidle.Load(), p.nspinning.Load(),
		p.global.Len(), p.fillingN.Load(), len(p.idle), len(p.spares), len(p.pwait), p.npwait.Load(), len(p.blocked), p.nms,
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

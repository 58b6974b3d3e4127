package workpool

import (
	"strconv"
	"strings"

	"github.com/gmpkit/gmpkit/steal"
)

// Stats is a snapshot of a pool's counters, taken by [Pool.Stats].
//
// Task counts cover every task record: tasks from Submit, TrySubmit, Spawn
// and Run, and the functions forked by Join (one per Join: its b) and
// Scope.Go. A worker publishes its counters when it runs out of local work,
// every 61 schedules, and before it parks, so while workers are busy the
// counts may lag by a few dozen tasks; once every worker is idle
// (Idle == Workers) they are exact.
type Stats struct {
	Name      string
	Workers   int
	Policy    steal.Policy
	StealMode StealMode

	Submitted, Completed, Panicked uint64 // tasks (Submit + forked Join/Scope work)
	// LocalPops, RunnextPops and GlobalPops count entries a worker took
	// from its own queue, its runnext slot and the global queue. Submitted
	// tasks travel in batches of up to 32 (see the package documentation):
	// a grab from the global queue counts one GlobalPop however many
	// batches it moves, and a batch popped from a worker's own queue counts
	// one LocalPop; the tasks a worker then runs from its batch are not
	// counted as pops.
	LocalPops, RunnextPops, GlobalPops uint64
	// StealAttempts counts steals tried on a victim whose queue (or batch
	// being run) looked non-empty, Steals those that took something, Stolen
	// the queue entries taken (a task claimed from a victim's batch counts
	// one).
	StealAttempts, Steals, Stolen uint64
	// Parks counts a worker blocking, idle or in Join/Scope; Wakeups
	// counts it being woken.
	Parks, Wakeups uint64

	Queued       int // now: GlobalQueued + every worker's Queued
	GlobalQueued int // now: global queue only
	Idle         int // now: workers parked with nothing to do
	Spinning     int // now: workers looking for work to steal
	PerWorker    []WorkerStats
}

// WorkerStats is one worker's part of [Stats].
type WorkerStats struct {
	ID     int
	Queued int // now, local: deque entries (a batch of submitted tasks counts one), runnext, unclaimed tasks of the batch it runs

	Submitted, Completed, Panicked                                                    uint64
	LocalPops, RunnextPops, GlobalPops, StealAttempts, Steals, Stolen, Parks, Wakeups uint64
}

// Stats returns a snapshot of the pool's counters. It takes no lock but
// Submit's, briefly.
func (p *Pool) Stats() Stats {
	s := Stats{
		Name:         p.cfg.name,
		Workers:      len(p.workers),
		Policy:       p.policy,
		StealMode:    p.mode,
		Submitted:    p.submittedTasks() + p.runs.Load(),
		GlobalQueued: p.globalQueued(),
		Idle:         int(p.npidle.Load()),
		Spinning:     int(p.nspinning.Load()),
		PerWorker:    make([]WorkerStats, len(p.workers)),
	}
	s.Queued = s.GlobalQueued
	for i, w := range p.workers {
		var c counters
		for k := range c {
			c[k] = w.pub[k].Load()
		}
		q := w.dq.Len()
		if w.runnext.Load() != nil {
			q++
		}
		if g := w.group.Load(); g != nil {
			q += int(max(g.gn.Load()-g.next.Load(), 0))
		}
		s.PerWorker[i] = WorkerStats{
			ID: i, Queued: q,
			Submitted: c[cSubmitted], Completed: c[cCompleted], Panicked: c[cPanicked],
			LocalPops: c[cLocalPops], RunnextPops: c[cRunnextPops], GlobalPops: c[cGlobalPops],
			StealAttempts: c[cStealAttempts], Steals: c[cSteals], Stolen: c[cStolen],
			Parks: c[cParks], Wakeups: c[cWakeups],
		}
		s.Queued += q
		s.Submitted += c[cSubmitted]
		s.Completed += c[cCompleted]
		s.Panicked += c[cPanicked]
		s.LocalPops += c[cLocalPops]
		s.RunnextPops += c[cRunnextPops]
		s.GlobalPops += c[cGlobalPops]
		s.StealAttempts += c[cStealAttempts]
		s.Steals += c[cSteals]
		s.Stolen += c[cStolen]
		s.Parks += c[cParks]
		s.Wakeups += c[cWakeups]
	}
	return s
}

// StealSuccessRate returns Steals/StealAttempts, or 0 if there were no
// attempts.
func (s Stats) StealSuccessRate() float64 {
	if s.StealAttempts == 0 {
		return 0
	}
	return float64(s.Steals) / float64(s.StealAttempts)
}

// String returns a one-line summary in the spirit of GODEBUG=schedtrace:
//
//	workpool name: workers=2 idle=2 spinning=0 policy=LIFO steal=half queued=0 global=0 runqueues=[0 0] submitted=10 completed=10 panicked=0 pops=local:4,runnext:0,global:6 steals=3/5,stolen:4 parks=7 wakeups=5
func (s Stats) String() string {
	var b strings.Builder
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	b.WriteString("workpool " + s.Name + ":")
	b.WriteString(" workers=" + strconv.Itoa(s.Workers))
	b.WriteString(" idle=" + strconv.Itoa(s.Idle))
	b.WriteString(" spinning=" + strconv.Itoa(s.Spinning))
	b.WriteString(" policy=" + s.Policy.String())
	b.WriteString(" steal=" + s.StealMode.String())
	b.WriteString(" queued=" + strconv.Itoa(s.Queued))
	b.WriteString(" global=" + strconv.Itoa(s.GlobalQueued))
	b.WriteString(" runqueues=[")
	for i, w := range s.PerWorker {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(w.Queued))
	}
	b.WriteString("] submitted=" + u(s.Submitted))
	b.WriteString(" completed=" + u(s.Completed))
	b.WriteString(" panicked=" + u(s.Panicked))
	b.WriteString(" pops=local:" + u(s.LocalPops) + ",runnext:" + u(s.RunnextPops) + ",global:" + u(s.GlobalPops))
	b.WriteString(" steals=" + u(s.Steals) + "/" + u(s.StealAttempts) + ",stolen:" + u(s.Stolen))
	b.WriteString(" parks=" + u(s.Parks))
	b.WriteString(" wakeups=" + u(s.Wakeups))
	return b.String()
}

// globalQueued counts the submitted tasks not yet moved into a worker's
// queue (in chunks, full or partial) and the Run roots not yet started. The
// counters are read one by one, so under concurrent use the result is an
// estimate; it is never negative, and exact while the pool is quiescent.
func (p *Pool) globalQueued() int {
	n := int64(p.submittedTasks()) - int64(p.expanded.Load())
	n += int64(p.runs.Load()) - int64(p.rootsTaken.Load())
	return int(max(n, 0))
}

func (p *Pool) submittedTasks() uint64 {
	p.subMu.Lock()
	defer p.subMu.Unlock()
	return p.submitted
}

package workpool

import (
	"runtime/metrics"
	"strconv"
	"strings"

	"github.com/gmpkit/gmpkit/steal"
)

// Counts are the counters of a pool, or of one of its processors.
//
// Task counts cover tasks from Submit, TrySubmit, SubmitContext, Group.Go,
// Spawn and Run, the b of every Join that ran or was offered to other
// workers, Scope.Go functions, and the pieces of a For that were offered.
// Inlined counts the Joins whose b ran after a without being offered (they
// are among the Submitted and Completed too). Once the pool is idle,
// Submitted == Completed + Skipped, and Panicked (Goexits included) counts
// tasks among the Completed.
type Counts struct {
	Submitted, Completed, Skipped, Panicked, Goexits, Inlined uint64
	// LocalPops, RunnextPops and GlobalPops count entries a worker took
	// from its processor's queue, its runnext slot and the global queue.
	// Submitted tasks travel in batches of up to 32: a grab from the
	// global queue counts one GlobalPop however many batches it moves,
	// and a batch popped from a local queue counts one LocalPop.
	LocalPops, RunnextPops, GlobalPops uint64
	// StealAttempts counts steals tried on a victim whose queue (or batch
	// being run) looked non-empty, Steals those that took something,
	// Stolen the queue entries taken.
	StealAttempts, Steals, Stolen uint64
	// Parks counts a worker blocking, idle or waiting for a fork; Wakeups
	// counts it being woken. Handoffs counts processors handed to another
	// worker goroutine by Blocking.
	Parks, Wakeups, Handoffs uint64
}

// Counters kept by each proc; indexes into counters and counterTable.
const (
	cSubmitted = iota
	cCompleted
	cSkipped
	cPanicked
	cGoexits
	cInlined
	cLocalPops
	cRunnextPops
	cGlobalPops
	cStealAttempts
	cSteals
	cStolen
	cParks
	cWakeups
	cHandoffs
	numCounters
)

type counters [numCounters]uint64

// A CounterInfo describes one field of [Counts] for exporters: its name in
// snake case, a one-line help text, and how to read it.
type CounterInfo struct {
	Name, Help string
	Value      func(*Counts) uint64
	field      func(*Counts) *uint64
}

var counterTable = [numCounters]CounterInfo{
	cSubmitted:     {Name: "submitted", Help: "Tasks accepted, and forks offered to other workers.", field: func(c *Counts) *uint64 { return &c.Submitted }},
	cCompleted:     {Name: "completed", Help: "Tasks that ran, panicked ones included.", field: func(c *Counts) *uint64 { return &c.Completed }},
	cSkipped:       {Name: "skipped", Help: "Tasks not run: their context or Run tree ended first.", field: func(c *Counts) *uint64 { return &c.Skipped }},
	cPanicked:      {Name: "panicked", Help: "Tasks that panicked or called runtime.Goexit.", field: func(c *Counts) *uint64 { return &c.Panicked }},
	cGoexits:       {Name: "goexits", Help: "Tasks that called runtime.Goexit.", field: func(c *Counts) *uint64 { return &c.Goexits }},
	cInlined:       {Name: "inlined", Help: "Joins whose b ran inline because no worker could take it.", field: func(c *Counts) *uint64 { return &c.Inlined }},
	cLocalPops:     {Name: "local_pops", Help: "Entries taken from a worker's own queue.", field: func(c *Counts) *uint64 { return &c.LocalPops }},
	cRunnextPops:   {Name: "runnext_pops", Help: "Entries taken from a worker's runnext slot.", field: func(c *Counts) *uint64 { return &c.RunnextPops }},
	cGlobalPops:    {Name: "global_pops", Help: "Grabs from the global queue.", field: func(c *Counts) *uint64 { return &c.GlobalPops }},
	cStealAttempts: {Name: "steal_attempts", Help: "Steals tried on a victim that looked non-empty.", field: func(c *Counts) *uint64 { return &c.StealAttempts }},
	cSteals:        {Name: "steals", Help: "Steals that took something.", field: func(c *Counts) *uint64 { return &c.Steals }},
	cStolen:        {Name: "stolen", Help: "Queue entries taken by steals.", field: func(c *Counts) *uint64 { return &c.Stolen }},
	cParks:         {Name: "parks", Help: "Times a worker parked, idle or waiting for a fork.", field: func(c *Counts) *uint64 { return &c.Parks }},
	cWakeups:       {Name: "wakeups", Help: "Times a parked worker was woken.", field: func(c *Counts) *uint64 { return &c.Wakeups }},
	cHandoffs:      {Name: "handoffs", Help: "Processors handed to another worker by Blocking.", field: func(c *Counts) *uint64 { return &c.Handoffs }},
}

func init() {
	for i := range counterTable {
		f := counterTable[i].field
		counterTable[i].Value = func(c *Counts) uint64 { return *f(c) }
	}
}

// CounterInfos returns a description of every field of [Counts], in the
// order of the struct.
func CounterInfos() []CounterInfo { return counterTable[:] }

func (c *Counts) add(v *counters) {
	for i := range counterTable {
		*counterTable[i].field(c) += v[i]
	}
}

// fold counts the inlined forks, which a proc counts only as inlined, as
// submitted and completed tasks too.
func (c *Counts) fold() {
	c.Submitted += c.Inlined
	c.Completed += c.Inlined
}

// Stats is a snapshot of a pool's counters, taken by [Pool.Stats].
//
// A worker publishes its counters when it runs out of local work, every 61
// schedules, and before it parks, so while workers are busy the counts may
// lag by a few dozen tasks; once every worker is idle (Idle == Workers)
// they are exact.
type Stats struct {
	Name    string
	Workers int
	Policy  steal.Policy
	Counts

	Queued       int // now: GlobalQueued + every processor's Queued
	GlobalQueued int // now: global queue only
	Idle         int // now: workers parked holding a processor
	Spinning     int // now: workers looking for work to steal
	Blocked      int // now: workers in Blocking that handed their processor over
	Spares       int // now: worker goroutines parked without a processor
	PerWorker    []WorkerStats

	// QueueWait and RunTime are histograms of a sample of the tasks
	// submitted with Submit, TrySubmit and SubmitContext (one in
	// WithLatencySampling's n): the time from submission to start, and
	// the time the task ran. Buckets are in seconds, fixed for the life
	// of the process (see LatencyBuckets).
	QueueWait, RunTime *metrics.Float64Histogram
}

// WorkerStats is one processor's part of [Stats].
type WorkerStats struct {
	ID     int
	Queued int // now: deque entries (a batch of submitted tasks counts one), runnext, unclaimed tasks of the batch being run
	Counts
}

// Stats returns a snapshot of the pool's counters. It takes no lock but
// Submit's and the scheduler's, briefly.
func (p *Pool) Stats() Stats {
	p.mustInit("Pool.Stats")
	s := Stats{
		Name:         p.cfg.name,
		Workers:      int(p.nprocs.Load()),
		Policy:       p.policy,
		GlobalQueued: p.globalQueued(),
		Idle:         int(p.npidle.Load()),
		Spinning:     int(p.nspinning.Load()),
		Blocked:      int(p.nblock.Load()),
	}
	p.mu.Lock()
	s.Spares = len(p.spares)
	p.mu.Unlock()
	s.Submitted = p.submittedTasks() + p.runs.Load()
	var orphan counters
	for i := range orphan {
		orphan[i] = p.orphan[i].Load()
	}
	s.Counts.add(&orphan)
	set := p.set.Load()
	s.PerWorker = make([]WorkerStats, 0, len(set.procs))
	s.Queued = s.GlobalQueued
	var wait, run latencyCounts
	for _, pr := range set.byID {
		var c counters
		for k := range c {
			c[k] = pr.pub[k].Load()
		}
		s.Counts.add(&c)
		pr.lat.addTo(&wait, &run)
	}
	for _, pr := range set.procs {
		var c counters
		for k := range c {
			c[k] = pr.pub[k].Load()
		}
		ws := WorkerStats{ID: pr.id, Queued: pr.queued()}
		ws.Counts.add(&c)
		ws.Counts.fold()
		s.PerWorker = append(s.PerWorker, ws)
		s.Queued += ws.Queued
	}
	s.Counts.fold()
	s.QueueWait, s.RunTime = wait.histogram(), run.histogram()
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
//	workpool name: workers=2 idle=2 spinning=0 blocked=0 policy=LIFO queued=0 global=0 runqueues=[0 0] submitted=10 completed=10 skipped=0 ...
//
// followed by every counter of [Counts] as name=value.
func (s Stats) String() string {
	var b strings.Builder
	b.WriteString("workpool " + s.Name + ":")
	for _, kv := range [...]struct {
		k string
		v int
	}{{"workers", s.Workers}, {"idle", s.Idle}, {"spinning", s.Spinning}, {"blocked", s.Blocked}} {
		b.WriteString(" " + kv.k + "=" + strconv.Itoa(kv.v))
	}
	b.WriteString(" policy=" + s.Policy.String())
	b.WriteString(" queued=" + strconv.Itoa(s.Queued))
	b.WriteString(" global=" + strconv.Itoa(s.GlobalQueued))
	b.WriteString(" runqueues=[")
	for i, w := range s.PerWorker {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(w.Queued))
	}
	b.WriteByte(']')
	for _, ci := range counterTable {
		b.WriteString(" " + ci.Name + "=" + strconv.FormatUint(ci.Value(&s.Counts), 10))
	}
	return b.String()
}

// globalQueued counts the submitted tasks not yet moved into a processor's
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

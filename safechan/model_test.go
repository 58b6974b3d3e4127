package safechan_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gmpkit/gmpkit/safechan"
)

var (
	seedFlag = flag.Uint64("seed", 0, "TestModel: replay the sequences of this seed (0: a new seed, printed on failure)")
	soakFlag = flag.Duration("soak", 0, "TestModel: run larger sequences for this long")
)

// ctxKind is the context a call gets.
type ctxKind uint8

const (
	ctxPatient  ctxKind = iota // never ends, unless the watchdog rescues a stuck sequence
	ctxExpired                 // already canceled with errCause
	ctxDeadline                // reaches its deadline a few microseconds after the call begins
	ctxCanceled                // canceled with errCause a few microseconds after the call begins
	ctxWoken                   // canceled with errCause as the call takes a wake-up (by the test hook)
)

var ctxNames = [...]string{"patient", "expired", "deadline", "canceled", "canceled-on-wake"}

func (k ctxKind) String() string { return ctxNames[k] }

// cancelOnWake maps the context of each ctxWoken call in flight to its
// cancel function, for the test hook.
var cancelOnWake sync.Map

// hookCancelOnWake is the test hook of TestModel: a call that takes a
// wake-up with a ctxWoken context has its context canceled at that moment,
// the worst moment for a waiter to give up.
func hookCancelOnWake(point int, ctx context.Context) {
	if point != safechan.HookSendWoken && point != safechan.HookRecvWoken {
		return
	}
	if cancel, ok := cancelOnWake.Load(ctx); ok {
		cancel.(context.CancelCauseFunc)(errCause)
	}
}

type opKind uint8

const (
	opSend opKind = iota
	opTrySend
	opRecv
	opTryRecv
	opAll // range over All, breaking after n values
	opDrain
	opClose
	opLen
)

var opNames = [...]string{"Send", "TrySend", "Recv", "TryRecv", "All", "Drain", "Close", "Len"}

func (o opKind) String() string { return opNames[o] }

// blocks reports whether a call of kind o may wait for another goroutine.
func (o opKind) blocks() bool { return o == opSend || o == opRecv || o == opAll || o == opDrain }

// plannedOp is one call of a worker's script, drawn before the sequence
// starts, so that a seed replays the same scripts.
type plannedOp struct {
	op   opKind
	ctx  ctxKind
	wait time.Duration // ctxDeadline, ctxCanceled: how long after the call begins
	n    int           // opAll: values to take before breaking
}

// call is one call as it happened. start and end are ticks of the shared
// clock taken just before the call began and just after it returned, so
// a.end < b.start means that a returned before b began.
type call struct {
	op         opKind
	ctx        ctxKind
	start, end uint64
	sent       int   // opSend, opTrySend
	got        []int // values received
	err        error
}

// modelSizes returns how many sequences to run and how large they are.
func modelSizes() (sequences, maxWorkers, maxOps int) {
	switch {
	case *soakFlag > 0:
		return math.MaxInt, 8, 200
	case raceEnabled, testing.Short():
		return 100, 5, 40
	default:
		return 300, 8, 100
	}
}

// TestModel_RandomCallsKeepTheContract drives a Chan with random sequences
// of every call, from several goroutines at once, with contexts that never
// end, have ended, reach a deadline, are canceled while the call waits, or
// are canceled just as the call is woken. Each call is recorded with ticks
// of a shared clock taken before it began and after it returned, and the
// history is checked against the contract:
//
//   - every result is one the contract allows for the call and its context;
//   - exactly one Close returns nil, and Done is closed once one returned;
//   - every value whose Send or TrySend returned nil is received exactly
//     once, by Recv, TryRecv, All or Drain, and no other value is received;
//   - each sender's values are taken in the order they were sent, by each
//     receiver, and across receivers where one call returned before
//     another began;
//   - no Send that began after a Close returned succeeds, no call returns
//     ErrClosed before a Close began, no Drain returns before a Close
//     began, and no value is received after a Recv reported the Chan
//     closed and drained;
//   - every call returns: a sequence stuck for hangBound fails with a dump
//     of every goroutine (see runSequence).
//
// Run it longer, with larger sequences, or replay the sequences of a seed:
//
//	go test ./safechan/ -run '^TestModel' -soak=10m -timeout=15m
//	go test ./safechan/ -run '^TestModel' -seed=12345
func TestModel_RandomCallsKeepTheContract(t *testing.T) {
	seed := *seedFlag
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replay with: go test ./safechan/ -run '^TestModel' -seed=%d", seed)
		}
	})
	safechan.SetTestHook(hookCancelOnWake)
	defer safechan.SetTestHook(nil)
	sequences, maxWorkers, maxOps := modelSizes()
	var soakEnd time.Time
	if *soakFlag > 0 {
		soakEnd = time.Now().Add(*soakFlag)
	}
	var stats modelStats
	for i := 0; i < sequences && (soakEnd.IsZero() || time.Now().Before(soakEnd)); i++ {
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		capacity, scripts := planSequence(rng, maxWorkers, maxOps)
		history := runSequence(t, capacity, scripts)
		checkHistory(t, history)
		stats.add(history)
		if t.Failed() {
			t.Fatalf("sequence %d of seed %d (capacity %d, %d goroutines) broke the contract",
				i, seed, capacity, len(scripts))
		}
	}
	t.Logf("seed %d: %s", seed, &stats)
}

// planSequence draws a capacity and a script per worker. Each worker leans
// towards sending or receiving, so that both sides park; one call of one
// worker is usually a Close, and a few more may be.
func planSequence(rng *rand.Rand, maxWorkers, maxOps int) (int, [][]plannedOp) {
	capacity := []int{0, 1, 2, 3, 8}[rng.IntN(5)]
	scripts := make([][]plannedOp, 2+rng.IntN(maxWorkers-1))
	for w := range scripts {
		sendBias := []int{20, 50, 80}[rng.IntN(3)]
		scripts[w] = make([]plannedOp, maxOps/2+rng.IntN(maxOps/2+1))
		for i := range scripts[w] {
			scripts[w][i] = planOp(rng, sendBias)
		}
	}
	if rng.IntN(3) != 0 { // late in one script, so that most calls find the Chan open
		w := rng.IntN(len(scripts))
		n := len(scripts[w])
		scripts[w][n/2+rng.IntN(n-n/2)] = plannedOp{op: opClose}
	}
	return capacity, scripts
}

func planOp(rng *rand.Rand, sendBias int) plannedOp {
	p := plannedOp{
		ctx:  []ctxKind{ctxPatient, ctxPatient, ctxExpired, ctxDeadline, ctxCanceled, ctxWoken, ctxWoken}[rng.IntN(7)],
		wait: time.Duration(rng.IntN(100_000)),
	}
	switch r := rng.IntN(1000); {
	case r < 2:
		p.op = opClose
	case r < 50:
		p.op = opLen
	case rng.IntN(100) < sendBias:
		p.op = []opKind{opSend, opSend, opSend, opTrySend}[rng.IntN(4)]
	default:
		p.op = []opKind{opRecv, opRecv, opRecv, opTryRecv, opAll}[rng.IntN(5)]
		if rng.IntN(20) == 0 {
			p.op = opDrain
		}
	}
	switch {
	case p.op == opAll:
		p.ctx, p.n = ctxPatient, 1+rng.IntN(3) // All waits without a context
	case p.op == opDrain && p.ctx == ctxPatient && rng.IntN(4) != 0:
		p.ctx = ctxDeadline // a patient Drain waits for Close: keep it rare
	}
	return p
}

// sequence is one run of the workers' scripts against one Chan.
type sequence struct {
	t        *testing.T
	c        *safechan.Chan[int]
	capacity int
	root     context.Context // the patient calls' context
	clock    atomic.Uint64

	// idle counts the workers that have finished or are inside a patient
	// call that may block; sendWait and recvWait count those inside a
	// patient Send, and a patient Recv or All.
	idle, sendWait, recvWait atomic.Int32
	idled                    chan struct{} // capacity 1: idle has grown
}

// runSequence runs the scripts, one goroutine each, and returns the
// history: one slice of calls per worker, then one for the test goroutine,
// which plays the partner of last resort (see help).
func runSequence(t *testing.T, capacity int, scripts [][]plannedOp) [][]call {
	root, rescue := context.WithCancel(context.Background())
	defer rescue()
	s := &sequence{
		t: t, c: safechan.New[int](capacity), capacity: capacity, root: root,
		idled: make(chan struct{}, 1),
	}
	stop := watchdog(t, "a call", func() {
		rescue()
		s.c.Close()
	})
	history := make([][]call, len(scripts)+1)
	var wg sync.WaitGroup
	for w, script := range scripts {
		wg.Go(func() {
			sent := 0 // the sequence number of the worker's next value
			for _, p := range script {
				history[w] = append(history[w], s.do(p, value(w+1, sent)))
				if p.op == opSend || p.op == opTrySend {
					sent++
				}
			}
			s.wait(opLen, 1) // finished: idle for good
		})
	}
	finished := make(chan struct{})
	go func() {
		wg.Wait()
		close(finished)
	}()
	helper := s.help(len(scripts), finished)
	<-finished
	stop()
	// Close (if nobody did) and take what is left, as a last consumer would.
	helper = append(helper, s.do(plannedOp{op: opClose}, 0), s.do(plannedOp{op: opDrain}, 0))
	history[len(scripts)] = helper
	return history
}

// help returns once every worker has finished. Patient calls may wait for
// a partner that no script provides, so whenever every worker has finished
// or waits in a patient call, and the waits are legitimate, help provides
// one: a TrySend for waiting receivers, a TryRecv for waiting senders, and
// a Close when only Drains wait. A wait is legitimate when no patient
// sender waits beside a free slot, no patient receiver beside a buffered
// value, and not both sides of an unbuffered Chan wait. A wait that is not
// legitimate and does not end is a hang: help leaves it to the watchdog.
func (s *sequence) help(workers int, finished <-chan struct{}) []call {
	var calls []call
	sent := 0
	poll := time.NewTimer(0)
	defer poll.Stop()
	for backoff := time.Microsecond; ; backoff = min(2*backoff, time.Millisecond) {
		select {
		case <-finished:
			return calls
		case <-s.idled:
		case <-poll.C:
		}
		if int(s.idle.Load()) != workers || !s.waitsAreLegitimate() {
			poll.Reset(backoff) // the waits may be about to change, or be a hang
			continue
		}
		var p plannedOp
		switch {
		case s.recvWait.Load() > 0:
			p.op = opTrySend
		case s.sendWait.Load() > 0:
			p.op = opTryRecv
		default:
			p.op = opClose
		}
		c := s.do(p, value(workers+1, sent))
		calls = append(calls, c)
		if p.op == opTrySend {
			sent++
		}
		if c.err == nil {
			backoff = time.Microsecond
		}
		poll.Reset(backoff)
	}
}

func (s *sequence) waitsAreLegitimate() bool {
	senders, receivers := s.sendWait.Load() > 0, s.recvWait.Load() > 0
	if s.capacity == 0 {
		return !senders || !receivers
	}
	n := s.c.Len()
	return (!senders || n == s.capacity) && (!receivers || n == 0)
}

// context returns the context for p and the function that releases it.
func (s *sequence) context(p plannedOp) (context.Context, func()) {
	switch p.ctx {
	case ctxExpired:
		ctx, cancel := context.WithCancelCause(s.root)
		cancel(errCause)
		return ctx, func() {}
	case ctxDeadline:
		return context.WithTimeout(s.root, p.wait)
	case ctxCanceled:
		ctx, cancel := context.WithCancelCause(s.root)
		timer := time.AfterFunc(p.wait, func() { cancel(errCause) })
		return ctx, func() {
			timer.Stop()
			cancel(nil)
		}
	case ctxWoken:
		ctx, cancel := context.WithCancelCause(s.root)
		cancelOnWake.Store(ctx, cancel)
		return ctx, func() {
			cancelOnWake.Delete(ctx)
			cancel(nil)
		}
	}
	return s.root, func() {}
}

// wait counts a patient call that may block in (delta 1) or out (delta -1).
// The kind counters change before idle on the way in and after it on the
// way out, so that whoever sees every worker idle sees them counted.
func (s *sequence) wait(op opKind, delta int32) {
	var counter *atomic.Int32
	switch op {
	case opSend:
		counter = &s.sendWait
	case opRecv, opAll:
		counter = &s.recvWait
	}
	if delta < 0 {
		s.idle.Add(delta)
	}
	if counter != nil {
		counter.Add(delta)
	}
	if delta > 0 {
		s.idle.Add(delta)
		select {
		case s.idled <- struct{}{}:
		default:
		}
	}
}

// do makes the call p (sending v, if it sends) and records it.
func (s *sequence) do(p plannedOp, v int) call {
	ctx, release := s.context(p)
	defer release()
	// A ctxWoken context ends only if the call takes a wake-up, which
	// Drain and the calls on an unbuffered Chan never do: count it too.
	counted := (p.ctx == ctxPatient || p.ctx == ctxWoken) && p.op.blocks()
	if counted {
		s.wait(p.op, 1)
	}
	c := call{op: p.op, ctx: p.ctx, start: s.clock.Add(1)}
	s.invoke(&c, ctx, p, v)
	c.end = s.clock.Add(1)
	if counted {
		s.wait(p.op, -1)
	}
	return c
}

func (s *sequence) invoke(c *call, ctx context.Context, p plannedOp, v int) {
	switch p.op {
	case opSend:
		c.sent, c.err = v, s.c.Send(ctx, v)
	case opTrySend:
		c.sent, c.err = v, s.c.TrySend(v)
	case opRecv, opTryRecv:
		var got int
		if p.op == opRecv {
			got, c.err = s.c.Recv(ctx)
		} else {
			got, c.err = s.c.TryRecv()
		}
		if c.err == nil {
			c.got = []int{got}
		} else if got != 0 {
			s.t.Errorf("%v returned %d with %v, want the zero value", p.op, got, c.err)
		}
	case opAll:
		for got := range s.c.All() {
			if c.got = append(c.got, got); len(c.got) == p.n {
				break
			}
		}
	case opDrain:
		c.got, c.err = s.c.Drain(ctx)
	case opClose:
		c.err = s.c.Close()
		select {
		case <-s.c.Done():
		default:
			s.t.Error("Done is not closed after Close returned")
		}
	case opLen:
		if n := s.c.Len(); n < 0 || n > s.capacity || s.c.Cap() != s.capacity {
			s.t.Errorf("Len, Cap = %d, %d, want 0 <= Len <= Cap = %d", n, s.c.Cap(), s.capacity)
		}
	}
}

// cause returns the error a call whose context is k returns when its
// context ends first, or nil if it never ends.
func (k ctxKind) cause() error {
	switch k {
	case ctxExpired, ctxCanceled, ctxWoken:
		return errCause
	case ctxDeadline:
		return context.DeadlineExceeded
	}
	return nil
}

// allowed reports whether err is a result the contract allows for c.
func (c *call) allowed() bool {
	var ok []error
	switch c.op {
	case opSend, opRecv:
		ok = []error{nil, safechan.ErrClosed, c.ctx.cause()}
	case opTrySend:
		ok = []error{nil, safechan.ErrFull, safechan.ErrClosed}
	case opTryRecv:
		ok = []error{nil, safechan.ErrEmpty, safechan.ErrClosed}
	case opDrain:
		ok = []error{nil, c.ctx.cause()}
	case opClose:
		ok = []error{nil, safechan.ErrClosed}
	default:
		ok = []error{nil}
	}
	return slices.ContainsFunc(ok, func(e error) bool {
		return e == c.err || (e != nil && errors.Is(c.err, e))
	})
}

// checkHistory checks a sequence's history against the contract.
func checkHistory(t *testing.T, history [][]call) {
	t.Helper()
	const never = math.MaxUint64
	closeStart, closeEnd, drainedEnd := uint64(never), uint64(never), uint64(never)
	closes := 0
	accepted := make([][]bool, len(history)+1) // senders are numbered from 1
	received := make([][]int, len(history))
	for w, calls := range history {
		for _, c := range calls {
			if !c.allowed() {
				t.Errorf("worker %d: %v with a %v context = %v: not a result the contract allows", w, c.op, c.ctx, c.err)
			}
			switch {
			case c.op == opClose:
				closeStart, closeEnd = min(closeStart, c.start), min(closeEnd, c.end)
				if c.err == nil {
					closes++
				}
			case (c.op == opRecv || c.op == opTryRecv) && errors.Is(c.err, safechan.ErrClosed):
				drainedEnd = min(drainedEnd, c.end)
			case c.op == opSend || c.op == opTrySend:
				s, i := c.sent>>32, c.sent&(1<<32-1)
				accepted[s] = append(accepted[s], c.err == nil)
				if len(accepted[s]) != i+1 {
					t.Fatalf("worker %d sent %d/%d out of turn", w, s, i)
				}
			}
			received[w] = append(received[w], c.got...)
		}
	}
	if closes != 1 {
		t.Errorf("%d calls to Close returned nil, want exactly 1", closes)
	}
	for w, calls := range history {
		for _, c := range calls {
			checkOrder(t, w, c, closeStart, closeEnd, drainedEnd)
		}
	}
	checkExactlyOnce(t, accepted, received...)
	checkRealTimeFIFO(t, history)
}

// checkOrder checks c against the first Close: no Send that began after a
// Close returned succeeds, no call reports ErrClosed and no Drain returns
// before any Close began, and no value is received by a call that began
// after a Recv or TryRecv reported the Chan closed and drained.
func checkOrder(t *testing.T, w int, c call, closeStart, closeEnd, drainedEnd uint64) {
	t.Helper()
	if (c.op == opSend || c.op == opTrySend) && c.err == nil && c.start > closeEnd {
		t.Errorf("worker %d: %v began after Close returned and succeeded", w, c.op)
	}
	if errors.Is(c.err, safechan.ErrClosed) && c.op != opClose && c.end < closeStart {
		t.Errorf("worker %d: %v returned ErrClosed before any Close began", w, c.op)
	}
	if c.op == opDrain && c.err == nil && c.end < closeStart {
		t.Errorf("worker %d: Drain returned %d values before any Close began", w, len(c.got))
	}
	if len(c.got) > 0 && c.start > drainedEnd {
		t.Errorf("worker %d: %v received %d values after a Recv reported the Chan closed and drained",
			w, c.op, len(c.got))
	}
}

// checkRealTimeFIFO checks that the values of one sender are taken in the
// order they were sent across receivers too: a call that returned before
// another began took an earlier value.
func checkRealTimeFIFO(t *testing.T, history [][]call) {
	t.Helper()
	type taken struct{ seq, start, end uint64 }
	bySender := make(map[int][]taken)
	for _, calls := range history {
		for _, c := range calls {
			for _, v := range c.got {
				bySender[v>>32] = append(bySender[v>>32], taken{uint64(v & (1<<32 - 1)), c.start, c.end})
			}
		}
	}
	for s, ts := range bySender {
		slices.SortFunc(ts, func(a, b taken) int { return -cmpUint(a.seq, b.seq) })
		minEnd := uint64(math.MaxUint64) // over the values sent after the current one
		for _, x := range ts {
			if minEnd < x.start {
				t.Errorf("sender %d's value %d was taken after a later value of the same sender", s, x.seq)
			}
			minEnd = min(minEnd, x.end)
		}
	}
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// modelStats counts what the sequences did, for the log of a soak.
type modelStats struct {
	sequences, calls, accepted, causes, closed int
	byOp                                       [len(opNames)]int
}

func (m *modelStats) add(history [][]call) {
	m.sequences++
	for _, calls := range history {
		for _, c := range calls {
			m.calls++
			m.byOp[c.op]++
			switch {
			case (c.op == opSend || c.op == opTrySend) && c.err == nil:
				m.accepted++
			case errors.Is(c.err, safechan.ErrClosed):
				m.closed++
			case c.err != nil && errors.Is(c.err, c.ctx.cause()):
				m.causes++
			}
		}
	}
}

func (m *modelStats) String() string {
	s := fmt.Sprintf("%d sequences, %d calls (%d values accepted, %d ended by their context, %d ErrClosed);",
		m.sequences, m.calls, m.accepted, m.causes, m.closed)
	for op, n := range m.byOp {
		s += fmt.Sprintf(" %s %d", opKind(op), n)
	}
	return s
}

package workpool_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gmpkit/gmpkit/steal"
	"github.com/gmpkit/gmpkit/workpool"
)

// The soak drives random sequences of the pool's public calls from several
// goroutines, with tasks that return, panic (with a string, an error or
// nil), call runtime.Goexit, block until released, block in Blocking,
// honour or ignore their context, spawn and submit more tasks, against a
// model of what must happen: every accepted task runs exactly once unless
// the contract lets it be skipped (a SubmitContext task whose context
// ended, a function of a Run tree or a Group that failed), no task runs
// twice, and no refused task runs; every call returns (a watchdog dumps the
// goroutines and fails otherwise); the pool's counts add up and agree with
// the panics and Goexits the tasks made; no goroutine outlives Close.
//
//	go test ./workpool/ -run Soak -soak 10m -timeout 15m   # for a given time
//	go test ./workpool/ -run Soak -seed 1234             # replay one sequence
var (
	soakFor  = flag.Duration("soak", 0, "run TestSoak for this long instead of a fixed number of sequences")
	soakSeed = flag.Uint64("seed", 0, "run only the TestSoak sequence with this seed")
)

// soakNotes records scheduler events during a long soak (-soak), to show
// what led to a hang.
var soakNotes *workpool.Notes

// soakWatchdog bounds one sequence: far more than it needs.
const soakWatchdog = 60 * time.Second

// soakCounts are the totals a soak reports.
type soakCounts struct {
	sequences, calls, tasks, panics, goexits, skipped, racingCloses, resizes, blockings atomic.Int64
}

func TestSoak_RandomCallsRunEveryTaskOnceAndNothingHangs(t *testing.T) {
	var c soakCounts
	run := func(seed uint64) bool {
		return t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			defer func() {
				if t.Failed() {
					t.Logf("replay: go test ./workpool/ -run Soak -seed %d", seed)
				}
			}()
			soakSequence(t, seed, &c)
		})
	}
	switch {
	case *soakSeed != 0:
		run(*soakSeed)
	case *soakFor > 0:
		soakNotes = workpool.StartNotes(400)
		for seed, end := uint64(1), time.Now().Add(*soakFor); time.Now().Before(end) && run(seed); seed++ {
		}
	default:
		n := uint64(40)
		if raceEnabled {
			n = 8
		}
		for seed := uint64(1); seed <= n && run(seed); seed++ {
		}
	}
	t.Logf("soak: %d sequences, %d calls, %d tasks, %d panics, %d Goexits, %d skipped, %d Closes racing Submits, %d resizes, %d Blocking calls",
		c.sequences.Load(), c.calls.Load(), c.tasks.Load(), c.panics.Load(), c.goexits.Load(),
		c.skipped.Load(), c.racingCloses.Load(), c.resizes.Load(), c.blockings.Load())
}

// A soakTask is one task the model tracks.
type soakTask struct {
	what    string
	ran     atomic.Int32
	refused atomic.Bool // its call returned an error: it must never run
	// skippable is set when the contract lets the task not run: its
	// context ended, or the Run, For or Group it belongs to failed.
	skippable *atomic.Bool
	ctx       context.Context // SubmitContext: skippable once ctx is done
}

// A soakSeq is one sequence: a pool, its model, and the release of the
// tasks that block.
type soakSeq struct {
	t       *testing.T
	p       *workpool.Pool
	c       *soakCounts
	release chan struct{} // closed a few milliseconds in: blocked tasks go on
	handler bool
	handled atomic.Int64 // panic handler calls

	mu      sync.Mutex
	tasks   []*soakTask
	cancels []context.CancelFunc

	closing         atomic.Bool  // Close or Shutdown has been called
	panics, goexits atomic.Int64 // made by tasks of any kind
	toHandler       atomic.Int64 // panics and Goexits of submitted and spawned tasks
}

func soakSequence(t *testing.T, seed uint64, c *soakCounts) {
	r := rand.New(rand.NewPCG(seed, 0x50a4))
	opts := []workpool.Option{workpool.WithWorkers(1 + r.IntN(8)), workpool.WithLatencySampling(r.IntN(4))}
	if r.IntN(2) == 0 {
		opts = append(opts, workpool.WithPolicy(steal.FIFO))
	}
	if r.IntN(3) == 0 {
		opts = append(opts, workpool.WithMaxQueued(4+r.IntN(60)))
	}
	s := &soakSeq{t: t, c: c, release: make(chan struct{}), handler: r.IntN(3) != 0}
	if s.handler {
		opts = append(opts, workpool.WithPanicHandler(func(*workpool.PanicError) { s.handled.Add(1) }))
	}
	leaks := goleak.IgnoreCurrent()
	if soakNotes != nil {
		soakNotes.Reset()
	}
	s.p = workpool.New(opts...)
	c.sequences.Add(1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		s.drive(r.Uint64(), 2+r.IntN(3), 20+r.IntN(60))
	}()
	select {
	case <-finished:
	case <-time.After(soakWatchdog):
		buf := make([]byte, 8<<20)
		notes := ""
		if soakNotes != nil {
			notes = soakNotes.String()
		}
		t.Fatalf("sequence hung for %v\n%s\n%s\n%s", soakWatchdog, workpool.DebugState(s.p), notes, buf[:runtime.Stack(buf, true)])
	}
	s.check()
	for _, cancel := range s.cancels {
		cancel()
	}
	if err := findLeaks(leaks); err != nil {
		t.Errorf("goroutines outlived Close: %v", err)
	}
}

func (s *soakSeq) track(what string, skippable *atomic.Bool) *soakTask {
	k := &soakTask{what: what, skippable: skippable}
	s.mu.Lock()
	s.tasks = append(s.tasks, k)
	s.mu.Unlock()
	s.c.tasks.Add(1)
	return k
}

// drive runs the sequence: drivers making random calls while a timer
// releases the blocked tasks; one driver closes the pool three quarters of
// the way through, racing the others' calls; then Close.
func (s *soakSeq) drive(seed uint64, drivers, calls int) {
	time.AfterFunc(time.Duration(1+seed%8)*time.Millisecond, func() { close(s.release) })
	closer := int(seed % uint64(drivers))
	var wg sync.WaitGroup
	for d := range drivers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(seed, uint64(d)))
			for i := range calls {
				if d == closer && i == calls*3/4 {
					s.closeRacing(r)
					continue
				}
				s.call(r)
				s.c.calls.Add(1)
			}
		})
	}
	wg.Wait()
	<-s.release
	s.noError("Close", s.p.Close())
}

// noError reports err unless it is one the pool may return here: a task's
// panic, returned by Wait and Close when no handler took it.
func (s *soakSeq) noError(call string, err error) {
	var pe *workpool.PanicError
	if err != nil && !(errors.As(err, &pe) && !s.handler) {
		s.t.Errorf("%s: %v", call, err)
	}
}

// closeRacing closes the pool while the other drivers still call it, half
// the time through a Shutdown whose deadline may expire first.
func (s *soakSeq) closeRacing(r *rand.Rand) {
	s.c.racingCloses.Add(1)
	s.closing.Store(true)
	if r.IntN(2) == 0 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(r.IntN(500))*time.Microsecond)
		defer cancel()
		var se *workpool.ShutdownError
		if err := s.p.Shutdown(ctx); !errors.As(err, &se) {
			s.noError("Shutdown", err)
		}
		return
	}
	s.noError("Close", s.p.Close())
}

// accepted records the result of a call that queues task k: an error means
// k was not accepted, and must never run.
func (s *soakSeq) accepted(k *soakTask, err error) {
	if err == nil {
		return
	}
	k.refused.Store(true)
	if !errors.Is(err, workpool.ErrClosed) && !errors.Is(err, workpool.ErrFull) && !errors.Is(err, context.Canceled) {
		s.t.Errorf("%s: %v", k.what, err)
	}
}

// call makes one random call of the public API.
func (s *soakSeq) call(r *rand.Rand) {
	p := s.p
	switch r.IntN(13) {
	case 0, 1, 2:
		k := s.track("Submit", nil)
		s.accepted(k, p.Submit(s.task(r, k)))
	case 3:
		k := s.track("TrySubmit", nil)
		s.accepted(k, p.TrySubmit(s.task(r, k)))
	case 4:
		s.submitContext(r)
	case 5, 6:
		s.runTree(r)
	case 7:
		s.group(r)
	case 8:
		s.forLoop(r)
	case 9:
		s.noError("Wait", p.Wait())
	case 10:
		if err := p.Resize(1 + r.IntN(8)); err != nil && !errors.Is(err, workpool.ErrClosed) {
			s.t.Errorf("Resize: %v", err)
		}
		s.c.resizes.Add(1)
	case 11:
		_ = p.Stats()
	default:
		k := s.track("Submit+Blocking", nil)
		long := r.IntN(2) == 0
		s.accepted(k, p.Submit(func() {
			k.ran.Add(1)
			s.c.blockings.Add(1)
			p.Blocking(func() { s.block(long) })
		}))
	}
}

// task returns a submitted task that counts its run and then behaves as r
// picks.
func (s *soakSeq) task(r *rand.Rand, k *soakTask) func() {
	b, seed := r.IntN(24), r.Uint64()
	return func() {
		k.ran.Add(1)
		s.behave(b, seed, true)
	}
}

// behave does one of the things a task may do. toHandler says whether a
// panic or Goexit here goes to the pool's panic handler.
func (s *soakSeq) behave(b int, seed uint64, toHandler bool) {
	fail := func() {
		if toHandler {
			s.toHandler.Add(1)
		}
	}
	switch b {
	case 0:
		s.panics.Add(1)
		fail()
		panic("soak")
	case 1:
		s.panics.Add(1)
		fail()
		panic(errSoak)
	case 2:
		s.panics.Add(1)
		fail()
		panic(nil)
	case 3, 4:
		s.goexits.Add(1)
		fail()
		runtime.Goexit()
	case 5, 6:
		s.block(true)
	case 7:
		k := s.track("Submit from a task", nil)
		s.accepted(k, s.p.Submit(func() { k.ran.Add(1) }))
	case 8:
		s.c.blockings.Add(1)
		s.p.Blocking(func() { s.block(seed%2 == 0) })
	}
}

var errSoak = errors.New("soak")

// block waits for the release, or sleeps a little.
func (s *soakSeq) block(untilRelease bool) {
	if untilRelease {
		<-s.release
		return
	}
	time.Sleep(time.Duration(10+rand.IntN(90)) * time.Microsecond)
}

// submitContext submits a task with a context that may end before it runs
// (then the task may be skipped), and that honours or ignores it.
func (s *soakSeq) submitContext(r *rand.Rand) {
	ctx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	s.cancels = append(s.cancels, cancel)
	s.mu.Unlock()
	if r.IntN(2) == 0 {
		time.AfterFunc(time.Duration(r.IntN(300))*time.Microsecond, cancel)
	}
	k := s.track("SubmitContext", nil)
	k.ctx = ctx
	honour, b, seed := r.IntN(2) == 0, r.IntN(24), r.Uint64()
	s.accepted(k, s.p.SubmitContext(ctx, func(c context.Context) {
		k.ran.Add(1)
		if honour {
			select {
			case <-c.Done():
			case <-s.release:
			}
			return
		}
		s.behave(b, seed, true)
	}))
}

// runTree runs a random fork-join tree with Run, under a context that may
// expire. If Run fails, the functions of its tree may be skipped.
func (s *soakSeq) runTree(r *rand.Rand) {
	ctx := context.Background()
	if r.IntN(4) == 0 {
		c, cancel := context.WithTimeout(ctx, time.Duration(r.IntN(2000))*time.Microsecond)
		defer cancel()
		ctx = c
	}
	failed := new(atomic.Bool)
	root := s.track("Run", failed)
	seed := r.Uint64()
	err := s.p.Run(ctx, func(w *workpool.Worker) error {
		root.ran.Add(1)
		s.fork(w, rand.New(rand.NewPCG(seed, 1)), 4, failed)
		return nil
	})
	if err != nil {
		failed.Store(true)
		var pe *workpool.PanicError
		if !errors.As(err, &pe) && !errors.Is(err, workpool.ErrClosed) && ctx.Err() == nil {
			s.t.Errorf("Run: %v", err)
		}
	}
}

// fork is a random fork-join function: a leaf, a Join or Join2 of two, a
// Scope of several, or a For over a few indexes.
func (s *soakSeq) fork(w *workpool.Worker, r *rand.Rand, depth int, failed *atomic.Bool) {
	switch k := r.IntN(6); {
	case depth == 0 || k == 0:
		s.leaf(w, r, failed)
	case k == 1 || k == 2:
		ra, rb := rand.New(rand.NewPCG(r.Uint64(), 2)), rand.New(rand.NewPCG(r.Uint64(), 3))
		w.Join(func(w *workpool.Worker) { s.fork(w, ra, depth-1, failed) },
			func(w *workpool.Worker) { s.fork(w, rb, depth-1, failed) })
	case k == 3:
		ra, rb := rand.New(rand.NewPCG(r.Uint64(), 2)), rand.New(rand.NewPCG(r.Uint64(), 3))
		workpool.Join2(w, func(w *workpool.Worker) int { s.fork(w, ra, depth-1, failed); return 1 },
			func(w *workpool.Worker) int { s.fork(w, rb, depth-1, failed); return 2 })
	case k == 4:
		w.Scope(func(sc *workpool.Scope) {
			for range 1 + r.IntN(4) {
				rc := rand.New(rand.NewPCG(r.Uint64(), 4))
				sc.Go(func(w *workpool.Worker) { s.fork(w, rc, depth-1, failed) })
			}
		})
	default:
		n := r.IntN(64)
		ks := make([]*soakTask, n)
		for i := range ks {
			ks[i] = s.track("For index", failed)
		}
		w.For(0, n, func(_ *workpool.Worker, i int) { ks[i].ran.Add(1) })
	}
}

// leaf is a function of a tree: it counts its run and then maybe panics,
// calls Goexit, blocks, or spawns a task.
func (s *soakSeq) leaf(w *workpool.Worker, r *rand.Rand, failed *atomic.Bool) {
	k := s.track("leaf", failed)
	k.ran.Add(1)
	switch b := r.IntN(30); {
	case b < 4:
		s.behave(b, r.Uint64(), false)
	case b == 5:
		s.block(true)
	case b == 6:
		s.c.blockings.Add(1)
		w.Blocking(func() { s.block(false) })
	case b == 7:
		sk := s.track("Spawn", nil)
		bb, seed := r.IntN(24), r.Uint64()
		s.accepted(sk, w.Spawn(func(*workpool.Worker) {
			sk.ran.Add(1)
			s.behave(bb, seed, true)
		}))
	}
}

// group runs a Group whose functions return, fail, panic, Goexit or block.
// Every function runs, unless the pool was closed meanwhile.
func (s *soakSeq) group(r *rand.Rand) {
	g := s.p.NewGroup(context.Background())
	if r.IntN(2) == 0 {
		g.SetLimit(1 + r.IntN(4))
	}
	closed := new(atomic.Bool)
	for range 1 + r.IntN(8) {
		k := s.track("Group.Go", closed)
		b, seed := r.IntN(30), r.Uint64()
		g.Go(func(context.Context) error {
			k.ran.Add(1)
			if b == 29 {
				return errSoak
			}
			s.behave(b, seed, false)
			return nil
		})
	}
	err := g.Wait()
	if errors.Is(err, workpool.ErrClosed) || s.closing.Load() {
		closed.Store(true) // a Go after Close was refused; Wait may report an earlier error
	}
}

// forLoop runs Pool.For over a random range.
func (s *soakSeq) forLoop(r *rand.Rand) {
	failed := new(atomic.Bool)
	n := r.IntN(500)
	ks := make([]*soakTask, n)
	for i := range ks {
		ks[i] = s.track("Pool.For index", failed)
	}
	if err := s.p.For(context.Background(), 0, n, func(_ *workpool.Worker, i int) { ks[i].ran.Add(1) }); err != nil {
		// The pool was closed, or the worker running the loop helped
		// with a task that called Goexit, which ended the loop's
		// goroutine too (see ErrGoexit).
		failed.Store(true)
		if !errors.Is(err, workpool.ErrClosed) && !errors.Is(err, workpool.ErrGoexit) {
			s.t.Errorf("For: %v", err)
		}
	}
}

// check compares the model with what happened, once the pool is closed.
func (s *soakSeq) check() {
	t := s.t
	for _, k := range s.tasks {
		ran := k.ran.Load()
		skippable := (k.skippable != nil && k.skippable.Load()) || (k.ctx != nil && k.ctx.Err() != nil)
		switch {
		case ran > 1:
			t.Errorf("%s ran %d times", k.what, ran)
		case k.refused.Load() && ran != 0:
			t.Errorf("%s ran although its call returned an error", k.what)
		case !k.refused.Load() && ran == 0 && !skippable:
			t.Errorf("%s was accepted and never ran", k.what)
		case ran == 0 && !k.refused.Load():
			s.c.skipped.Add(1)
		}
	}
	for _, e := range takeStoppedErrors() {
		t.Error(e)
	}
	st := checkCounts(t, s.p.Stats())
	if st.Queued != 0 {
		t.Errorf("a closed pool has %d queued entries:\n%s", st.Queued, workpool.DebugLeftovers(s.p))
	}
	panics, goexits := s.panics.Load(), s.goexits.Load()
	s.c.panics.Add(panics)
	s.c.goexits.Add(goexits)
	if st.Goexits != uint64(goexits) {
		t.Errorf("Stats.Goexits = %d, tasks called Goexit %d times", st.Goexits, goexits)
	}
	if st.Panicked != uint64(panics+goexits) {
		t.Errorf("Stats.Panicked = %d, tasks panicked %d times and called Goexit %d times", st.Panicked, panics, goexits)
	}
	if s.handler && s.handled.Load() != s.toHandler.Load() {
		t.Errorf("the panic handler was called %d times for %d panics and Goexits of submitted tasks", s.handled.Load(), s.toHandler.Load())
	}
}

// findLeaks is goleak.Find, retried if goleak cannot parse a stack (it
// gives up on a stack deep enough for the runtime to elide frames, which a
// worker unwinding nested forks may briefly have).
func findLeaks(opts ...goleak.Option) error {
	for try := 0; ; try++ {
		parsed, err := findLeaksOnce(opts...)
		if parsed {
			return err
		}
		if try == 20 {
			buf := make([]byte, 1<<20)
			return fmt.Errorf("goleak could not parse the goroutines:\n%s", buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(time.Millisecond)
	}
}

func findLeaksOnce(opts ...goleak.Option) (parsed bool, err error) {
	defer func() {
		if recover() != nil {
			parsed = false
		}
	}()
	return true, goleak.Find(opts...)
}

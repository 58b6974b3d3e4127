package workpool_test

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gmpkit/gmpkit/steal"
	"github.com/gmpkit/gmpkit/workpool"
)

var widths = []int{1, 2, 8}

func name(n int) string { return "workers=" + strconv.Itoa(n) }

// quiesce waits until every worker has parked, after which Stats is exact.
func quiesce(p *workpool.Pool) workpool.Stats {
	for {
		if st := p.Stats(); st.Idle == p.Workers() {
			return st
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// closePool closes p and checks that its counts add up.
func closePool(t testing.TB, p *workpool.Pool) {
	t.Helper()
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	checkCounts(t, p.Stats())
}

func TestSubmit_EveryTaskRunsOnceAndWaitSeesIt(t *testing.T) {
	for _, n := range widths {
		for _, pol := range []steal.Policy{steal.LIFO, steal.FIFO} {
			{
				t.Run(name(n)+"/"+pol.String(), func(t *testing.T) {
					p := workpool.New(workpool.WithWorkers(n), workpool.WithPolicy(pol))
					defer closePool(t, p)
					tasks := 20000
					if raceEnabled {
						tasks = 2000
					}
					runs := make([]atomic.Int32, tasks)
					for round := 0; round < 2; round++ {
						for i := range runs {
							if err := p.Submit(func() { runs[i].Add(1) }); err != nil {
								t.Fatalf("Submit: %v", err)
							}
						}
						if err := p.Wait(); err != nil {
							t.Fatalf("Wait: %v", err)
						}
						for i := range runs {
							if got := runs[i].Load(); got != int32(round+1) {
								t.Fatalf("round %d: task %d ran %d times in all", round, i, got)
							}
						}
					}
					st := quiesce(p)
					if st.Completed != uint64(2*tasks) || st.Submitted != uint64(2*tasks) {
						t.Errorf("Stats: submitted %d completed %d, want %d each", st.Submitted, st.Completed, 2*tasks)
					}
					if st.Queued != 0 {
						t.Errorf("Stats.Queued = %d after Wait, want 0", st.Queued)
					}
				})
			}
		}
	}
}

// TestClose_RacingSubmitsEveryAcceptedTaskRunsOnceEveryRejectedGetsErrClosed
// submits from 8 goroutines while Close runs.
func TestClose_RacingSubmitsEveryAcceptedTaskRunsOnceEveryRejectedGetsErrClosed(t *testing.T) {
	total := 100_000
	if raceEnabled {
		total = 10_000
	}
	for _, n := range widths {
		t.Run(name(n), func(t *testing.T) {
			p := workpool.New(workpool.WithWorkers(n))
			const submitters = 8
			per := total / submitters
			runs := make([]atomic.Int32, total)
			accepted := make([]bool, total)
			var start sync.WaitGroup
			start.Add(1)
			var wg sync.WaitGroup
			for g := 0; g < submitters; g++ {
				wg.Go(func() {
					start.Wait()
					for k := 0; k < per; k++ {
						i := g*per + k
						err := p.Submit(func() { runs[i].Add(1) })
						switch {
						case err == nil:
							accepted[i] = true
						case errors.Is(err, workpool.ErrClosed):
						default:
							t.Errorf("Submit: %v", err)
						}
					}
				})
			}
			start.Done()
			// Let some submissions in, then close while they race.
			for p.Stats().Submitted < uint64(total/10) {
				runtime.Gosched()
			}
			if err := p.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			wg.Wait()
			var nacc, nrej int
			for i := range runs {
				got := runs[i].Load()
				if accepted[i] {
					nacc++
					if got != 1 {
						t.Fatalf("accepted task %d ran %d times", i, got)
					}
				} else {
					nrej++
					if got != 0 {
						t.Fatalf("rejected task %d ran %d times", i, got)
					}
				}
			}
			if nacc == 0 {
				t.Fatalf("no task accepted")
			}
			t.Logf("accepted %d, rejected %d", nacc, nrej)
			if err := p.Submit(func() {}); !errors.Is(err, workpool.ErrClosed) {
				t.Fatalf("Submit after Close = %v, want ErrClosed", err)
			}
			if err := p.Close(); err != nil {
				t.Fatalf("second Close = %v, want nil", err)
			}
		})
	}
}

func TestShutdown_ExpiredContextReportsWhatIsLeftAndDropsNothing(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(2))
	release := make(chan struct{})
	var ran atomic.Int32
	const tasks = 10
	for i := 0; i < tasks; i++ {
		if err := p.Submit(func() { <-release; ran.Add(1) }); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := p.Shutdown(ctx)
	var se *workpool.ShutdownError
	if !errors.As(err, &se) {
		t.Fatalf("Shutdown = %v, want *ShutdownError", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown error %v does not wrap DeadlineExceeded", err)
	}
	if se.Left != tasks {
		t.Errorf("ShutdownError.Left = %d, want %d", se.Left, tasks)
	}
	if !strings.Contains(err.Error(), strconv.Itoa(tasks)+" accepted tasks unfinished") {
		t.Errorf("error %q does not say how many were left", err)
	}
	if err := p.Submit(func() {}); !errors.Is(err, workpool.ErrClosed) {
		t.Errorf("Submit after Shutdown = %v, want ErrClosed", err)
	}
	close(release)
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := ran.Load(); got != tasks {
		t.Fatalf("%d of %d accepted tasks ran", got, tasks)
	}
}

func TestShutdown_InTimeStopsWorkers(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(2))
	var ran atomic.Int32
	for i := 0; i < 100; i++ {
		_ = p.Submit(func() { ran.Add(1) })
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if ran.Load() != 100 {
		t.Fatalf("ran %d of 100", ran.Load())
	}
}

func TestTrySubmit_ReturnsErrFullAtTheBoundAndSubmitBlocks(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(1), workpool.WithMaxQueued(3))
	defer closePool(t, p)
	release := make(chan struct{})
	for i := 0; i < 3; i++ {
		if err := p.TrySubmit(func() { <-release }); err != nil {
			t.Fatalf("TrySubmit %d: %v", i, err)
		}
	}
	if err := p.TrySubmit(func() {}); !errors.Is(err, workpool.ErrFull) {
		t.Fatalf("TrySubmit at the bound = %v, want ErrFull", err)
	}
	blocked := make(chan error)
	go func() { blocked <- p.Submit(func() {}) }()
	select {
	case err := <-blocked:
		t.Fatalf("Submit at the bound returned %v without waiting", err)
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	if err := <-blocked; err != nil {
		t.Fatalf("blocked Submit: %v", err)
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
}

func TestSubmit_BlockedByBoundReturnsErrClosedOnClose(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(1), workpool.WithMaxQueued(1))
	release := make(chan struct{})
	_ = p.Submit(func() { <-release })
	blocked := make(chan error)
	go func() { blocked <- p.Submit(func() {}) }()
	time.Sleep(10 * time.Millisecond)
	closed := make(chan error)
	go func() { closed <- p.Close() }()
	if err := <-blocked; !errors.Is(err, workpool.ErrClosed) {
		t.Fatalf("blocked Submit = %v, want ErrClosed", err)
	}
	close(release)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
}

func TestNew_BadOptionsPanicNamingTheValue(t *testing.T) {
	cases := []struct {
		want string
		f    func()
	}{
		{"workpool: WithWorkers called with 0", func() { workpool.WithWorkers(0) }},
		{"workpool: WithWorkers called with -3", func() { workpool.WithWorkers(-3) }},
		{"workpool: WithMaxQueued called with -1", func() { workpool.WithMaxQueued(-1) }},
		{"Policy(7)", func() { workpool.WithPolicy(steal.Policy(7)) }},
	}
	for _, c := range cases {
		func() {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.Contains(s, c.want) {
					t.Errorf("panic %v, want it to contain %q", r, c.want)
				}
			}()
			c.f()
		}()
	}
}

func TestPool_NameWorkersAndDefaults(t *testing.T) {
	p := workpool.New()
	defer closePool(t, p)
	if p.Workers() != runtime.GOMAXPROCS(0) {
		t.Errorf("Workers = %d, want GOMAXPROCS %d", p.Workers(), runtime.GOMAXPROCS(0))
	}
	if p.Name() != "workpool" {
		t.Errorf("Name = %q", p.Name())
	}
	st := p.Stats()
	if st.Policy != steal.LIFO {
		t.Errorf("default policy %v", st.Policy)
	}
}

func TestSubmit_TasksOfOneBatchNeverWaitBehindABlockedOne(t *testing.T) {
	// n tasks submitted back to back share a chunk; each blocks until all n
	// have started, which needs every one of them on its own worker. A task
	// held back behind a blocked one would hang the test.
	for _, n := range []int{2, 4, 8} {
		t.Run(name(n), func(t *testing.T) {
			p := workpool.New(workpool.WithWorkers(n))
			defer closePool(t, p)
			for round := 0; round < 5; round++ {
				var arrived sync.WaitGroup
				arrived.Add(n)
				for range n {
					if err := p.Submit(func() { arrived.Done(); arrived.Wait() }); err != nil {
						t.Fatalf("Submit: %v", err)
					}
				}
				done := make(chan struct{})
				go func() { _ = p.Wait(); close(done) }()
				select {
				case <-done:
				case <-time.After(20 * time.Second):
					t.Fatalf("round %d: %d tasks that wait for each other never all started on %d workers", round, n, n)
				}
			}
		})
	}
}

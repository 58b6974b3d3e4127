package workpool_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmpkit/gmpkit/workpool"
)

func TestSubmitContext_TaskWhoseContextEndsBeforeItStartsIsSkippedAndCounted(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(1))
	defer closePool(t, p)
	gate := make(chan struct{})
	require.NoError(t, p.Submit(func() { <-gate }))
	ctx, cancel := context.WithCancel(context.Background())
	var ran, gotCtx atomic.Int32
	for range 10 {
		require.NoError(t, p.SubmitContext(ctx, func(c context.Context) {
			ran.Add(1)
			if c == ctx {
				gotCtx.Add(1)
			}
		}))
	}
	live := context.Background()
	require.NoError(t, p.SubmitContext(live, func(c context.Context) {
		if c == live {
			gotCtx.Add(1)
		}
	}))
	cancel()
	close(gate)
	require.NoError(t, p.Wait())
	assert.Zero(t, ran.Load(), "tasks whose context ended while queued ran")
	assert.EqualValues(t, 1, gotCtx.Load(), "a task that starts gets its context")
	st := checkCounts(t, quiesce(p))
	assert.EqualValues(t, 10, st.Skipped)
}

func TestSubmitContext_DoneContextIsRefusedAtOnce(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(1))
	defer closePool(t, p)
	cause := errors.New("gone")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	err := p.SubmitContext(ctx, func(context.Context) { t.Error("ran") })
	require.ErrorIs(t, err, cause)
}

func TestGroup_FirstErrorCancelsTheContextAndWaitReturnsIt(t *testing.T) {
	for _, n := range widths {
		t.Run(name(n), func(t *testing.T) {
			p := workpool.New(workpool.WithWorkers(n))
			defer closePool(t, p)
			g := p.NewGroup(context.Background())
			first := errors.New("first")
			var sawCancel atomic.Int32
			g.Go(func(ctx context.Context) error { return first })
			for range 20 {
				g.Go(func(ctx context.Context) error {
					select {
					case <-ctx.Done():
						sawCancel.Add(1)
					case <-time.After(guardTimeout):
					}
					return ctx.Err()
				})
			}
			err := g.Wait()
			require.ErrorIs(t, err, first)
			assert.EqualValues(t, 20, sawCancel.Load())
			assert.Error(t, g.Context().Err(), "Wait cancels the group's context")
		})
	}
}

func TestGroup_PanicComesBackAsPanicError(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(2), workpool.WithPanicHandler(func(*workpool.PanicError) {
		t.Error("a group's panic went to the pool's handler")
	}))
	defer closePool(t, p)
	g := p.NewGroup(context.Background())
	g.Go(func(context.Context) error { panic("kaboom") })
	err := g.Wait()
	var pe *workpool.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "kaboom", pe.Value)
}

func TestResultGroup_ResultsComeInGoOrder(t *testing.T) {
	for _, n := range widths {
		t.Run(name(n), func(t *testing.T) {
			p := workpool.New(workpool.WithWorkers(n))
			defer closePool(t, p)
			rg := workpool.NewResultGroup[string](p, context.Background())
			rg.SetLimit(3)
			for i := range 500 {
				rg.Go(func(context.Context) (string, error) {
					if i%7 == 0 {
						runtime.Gosched()
					}
					return strconv.Itoa(i), nil
				})
			}
			res, err := rg.Wait()
			require.NoError(t, err)
			require.Len(t, res, 500)
			for i, s := range res {
				require.Equal(t, strconv.Itoa(i), s)
			}
		})
	}
}

// TestGroup_NestedWaitsInsideTasksHelpInsteadOfBlocking: with one worker, a
// task that waits for a group of tasks must run them itself.
func TestGroup_NestedWaitsInsideTasksHelpInsteadOfBlocking(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(1))
	defer closeWithin(t, p)
	var leaves atomic.Int64
	var nest func(depth int) error
	nest = func(depth int) error {
		if depth == 0 {
			leaves.Add(1)
			return nil
		}
		g := p.NewGroup(context.Background())
		for range 3 {
			g.Go(func(context.Context) error { return nest(depth - 1) })
		}
		return g.Wait()
	}
	done := make(chan error, 1)
	go func() {
		g := p.NewGroup(context.Background())
		g.Go(func(context.Context) error { return nest(4) })
		done <- g.Wait()
	}()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(guardTimeout):
		t.Fatal("nested group waits on one worker deadlocked")
	}
	assert.EqualValues(t, 81, leaves.Load())
}

func TestGroup_SetLimitBoundsFunctionsRunningAtOnce(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(8))
	defer closePool(t, p)
	g := p.NewGroup(context.Background())
	g.SetLimit(2)
	var running, most atomic.Int32
	for range 100 {
		g.Go(func(context.Context) error {
			r := running.Add(1)
			for {
				m := most.Load()
				if r <= m || most.CompareAndSwap(m, r) {
					break
				}
			}
			runtime.Gosched()
			running.Add(-1)
			return nil
		})
	}
	require.NoError(t, g.Wait())
	assert.LessOrEqual(t, most.Load(), int32(2))

	release := make(chan struct{})
	for range 2 {
		require.True(t, g.TryGo(func(context.Context) error { <-release; return nil }))
	}
	assert.False(t, g.TryGo(func(context.Context) error { return nil }), "TryGo at the limit")
	close(release)
	require.NoError(t, g.Wait())
}

func TestGroup_OnAClosedPoolWaitReturnsErrClosed(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(1))
	require.NoError(t, p.Close())
	g := p.NewGroup(context.Background())
	g.Go(func(context.Context) error { t.Error("ran on a closed pool"); return nil })
	require.ErrorIs(t, g.Wait(), workpool.ErrClosed)
}

// TestResize_StressWithSubmitsJoinsAndResizesLosesNothing resizes a pool at
// random while goroutines submit tasks and run fork-join trees.
func TestResize_StressWithSubmitsJoinsAndResizesLosesNothing(t *testing.T) {
	tasks, trees := 5000, 40
	if raceEnabled {
		tasks, trees = 1000, 10
	}
	p := workpool.New(workpool.WithWorkers(2))
	defer closeWithin(t, p)
	var ran atomic.Int64
	stop := make(chan struct{})
	var resizer sync.WaitGroup
	resizer.Go(func() {
		r := rand.New(rand.NewPCG(1, 2))
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := p.Resize(1 + r.IntN(8)); err != nil {
				t.Errorf("Resize: %v", err)
				return
			}
			time.Sleep(50 * time.Microsecond)
		}
	})
	var users sync.WaitGroup
	for range 4 {
		users.Go(func() {
			for range tasks / 4 {
				if err := p.Submit(func() { ran.Add(1) }); err != nil {
					t.Errorf("Submit: %v", err)
				}
			}
		})
	}
	want := fibPlain(18)
	for range 2 {
		users.Go(func() {
			for range trees / 2 {
				var got int
				err := p.Run(context.Background(), func(w *workpool.Worker) error { got = fibJoin(w, 18); return nil })
				if err != nil || got != want {
					t.Errorf("Run = %d, %v; want %d", got, err, want)
				}
			}
		})
	}
	users.Wait()
	close(stop)
	resizer.Wait()
	done := make(chan struct{})
	go func() { _ = p.Wait(); close(done) }()
	await(t, done, "Wait after resizing")
	assert.EqualValues(t, tasks/4*4, ran.Load(), "every submitted task ran exactly once")
	require.NoError(t, p.Resize(3))
	assert.Equal(t, 3, p.Workers())
	requireFullSize(t, p)
	checkCounts(t, quiesce(p))
}

func TestResize_BadSizeAndClosedPool(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(1))
	err := p.Resize(0)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "0")
	require.NoError(t, p.Close())
	require.ErrorIs(t, p.Resize(2), workpool.ErrClosed)
}

// TestBlocking_HandsTheProcessorOverSoOthersRun: with one worker, a task
// blocked in Blocking must not stop the other tasks.
func TestBlocking_HandsTheProcessorOverSoOthersRun(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(1))
	defer closeWithin(t, p)
	release := make(chan struct{})
	var blocked sync.WaitGroup
	const n = 50
	blocked.Add(n)
	for range n {
		require.NoError(t, p.Submit(func() {
			p.Blocking(func() { blocked.Done(); <-release })
		}))
	}
	done := make(chan struct{})
	go func() { blocked.Wait(); close(done) }()
	await(t, done, "50 tasks blocked at once on a pool of one worker")
	st := p.Stats()
	assert.Equal(t, n, st.Blocked)
	assert.Equal(t, 1, p.Workers())
	close(release)
	wdone := make(chan struct{})
	go func() { _ = p.Wait(); close(wdone) }()
	await(t, wdone, "Wait after the blocked tasks return")
	st = checkCounts(t, quiesce(p))
	assert.GreaterOrEqual(t, st.Handoffs, uint64(n))
	assert.Zero(t, st.Blocked)
}

func TestBlocking_AtTheCapRunsInPlaceAndOutsideAPoolJustRuns(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(1), workpool.WithMaxBlocked(0))
	defer closePool(t, p)
	var ran atomic.Int32
	require.NoError(t, p.Submit(func() { p.Blocking(func() { ran.Add(1) }) }))
	require.NoError(t, p.Wait())
	p.Blocking(func() { ran.Add(1) }) // not a task: just runs
	assert.EqualValues(t, 2, ran.Load())
	assert.Zero(t, p.Stats().Handoffs)
}

func TestBlocking_PanicPropagatesAfterTheWorkerHasAProcessorAgain(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(2))
	defer closePool(t, p)
	err := p.Run(context.Background(), func(w *workpool.Worker) error {
		w.Blocking(func() { panic("in blocking") })
		return nil
	})
	var pe *workpool.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "in blocking", pe.Value)
	requireFullSize(t, p)
}

func TestBlocking_InsideJoinKeepsTheTreeCorrect(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(2))
	defer closeWithin(t, p)
	var sum func(w *workpool.Worker, lo, hi int) int
	sum = func(w *workpool.Worker, lo, hi int) int {
		if hi-lo == 1 {
			if lo%5 == 0 {
				w.Blocking(func() { time.Sleep(time.Microsecond) })
			}
			return lo
		}
		mid := (lo + hi) / 2
		a, b := workpool.Join2(w,
			func(w *workpool.Worker) int { return sum(w, lo, mid) },
			func(w *workpool.Worker) int { return sum(w, mid, hi) })
		return a + b
	}
	var got int
	require.NoError(t, p.Run(context.Background(), func(w *workpool.Worker) error { got = sum(w, 0, 500); return nil }))
	assert.Equal(t, 500*499/2, got)
}

func TestLatency_SampledHistogramsCountTasks(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(2), workpool.WithLatencySampling(1))
	defer closePool(t, p)
	for range 100 {
		require.NoError(t, p.Submit(func() { time.Sleep(10 * time.Microsecond) }))
	}
	require.NoError(t, p.Wait())
	st := quiesce(p)
	var waits, runs uint64
	for i := range st.QueueWait.Counts {
		waits += st.QueueWait.Counts[i]
		runs += st.RunTime.Counts[i]
	}
	assert.EqualValues(t, 100, waits)
	assert.EqualValues(t, 100, runs)
	require.Equal(t, len(st.QueueWait.Counts)+1, len(st.QueueWait.Buckets))
	// No run can be shorter than its 10 µs sleep.
	for i, c := range st.RunTime.Counts {
		if c > 0 {
			assert.GreaterOrEqual(t, st.RunTime.Buckets[i+1], 10e-6, "a 10 µs task in bucket [%g, %g)", st.RunTime.Buckets[i], st.RunTime.Buckets[i+1])
		}
	}
}

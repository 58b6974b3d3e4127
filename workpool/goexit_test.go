package workpool_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmpkit/gmpkit/workpool"
)

// checkCounts fails the test unless the counts of st, taken while the
// pool was idle or closed, add up: Submitted == Completed + Skipped.
func checkCounts(t testing.TB, st workpool.Stats) workpool.Stats {
	t.Helper()
	if st.Submitted != st.Completed+st.Skipped {
		t.Errorf("Stats do not add up: submitted %d != completed %d + skipped %d\n%v",
			st.Submitted, st.Completed, st.Skipped, st)
	}
	if st.Panicked > st.Completed {
		t.Errorf("Stats: panicked %d > completed %d", st.Panicked, st.Completed)
	}
	return st
}

// requireFullSize checks that every processor of p has a live worker: it
// submits one task per processor, each of which waits until all have
// started, which happens only if they all run at once.
func requireFullSize(t *testing.T, p *workpool.Pool) {
	t.Helper()
	n := p.Workers()
	var started sync.WaitGroup
	started.Add(n)
	all := make(chan struct{})
	go func() { started.Wait(); close(all) }()
	for range n {
		require.NoError(t, p.Submit(func() { started.Done(); <-all }))
	}
	done := make(chan struct{})
	go func() { _ = p.Wait(); close(done) }()
	await(t, done, "a task per processor, all at once (a processor lost its worker?)")
}

// goexitScenarios are the kinds of task that can call runtime.Goexit. Each
// makes one such call on p and returns the error the API it used reported
// (Run's, a Group's Wait) or nil where the panic handler gets it.
var goexitScenarios = []struct {
	name string
	run  func(p *workpool.Pool) error
}{
	{"Submit", func(p *workpool.Pool) error {
		return p.Submit(func() { runtime.Goexit() })
	}},
	{"TrySubmit", func(p *workpool.Pool) error {
		return p.TrySubmit(func() { runtime.Goexit() })
	}},
	{"SubmitContext", func(p *workpool.Pool) error {
		return p.SubmitContext(context.Background(), func(context.Context) { runtime.Goexit() })
	}},
	{"Spawn", func(p *workpool.Pool) error {
		return p.Run(context.Background(), func(w *workpool.Worker) error {
			return w.Spawn(func(*workpool.Worker) { runtime.Goexit() })
		})
	}},
	{"Run", func(p *workpool.Pool) error {
		return p.Run(context.Background(), func(*workpool.Worker) error { runtime.Goexit(); return nil })
	}},
	{"Join/a", func(p *workpool.Pool) error {
		return p.Run(context.Background(), func(w *workpool.Worker) error {
			w.Join(func(*workpool.Worker) { runtime.Goexit() }, func(*workpool.Worker) {})
			return nil
		})
	}},
	{"Join/b", func(p *workpool.Pool) error {
		return p.Run(context.Background(), func(w *workpool.Worker) error {
			w.Join(func(*workpool.Worker) {}, func(*workpool.Worker) { runtime.Goexit() })
			return nil
		})
	}},
	{"Join/deep", func(p *workpool.Pool) error {
		return p.Run(context.Background(), func(w *workpool.Worker) error {
			var rec func(w *workpool.Worker, d int)
			rec = func(w *workpool.Worker, d int) {
				if d == 0 {
					runtime.Goexit()
				}
				w.Join(func(w *workpool.Worker) { rec(w, d-1) }, func(w *workpool.Worker) { rec(w, d-1) })
			}
			rec(w, 6)
			return nil
		})
	}},
	{"Join2/b", func(p *workpool.Pool) error {
		return p.Run(context.Background(), func(w *workpool.Worker) error {
			workpool.Join2(w, func(*workpool.Worker) int { return 1 }, func(*workpool.Worker) int { runtime.Goexit(); return 2 })
			return nil
		})
	}},
	{"Scope/body", func(p *workpool.Pool) error {
		return p.Run(context.Background(), func(w *workpool.Worker) error {
			w.Scope(func(s *workpool.Scope) {
				s.Go(func(*workpool.Worker) {})
				runtime.Goexit()
			})
			return nil
		})
	}},
	{"Scope/Go", func(p *workpool.Pool) error {
		return p.Run(context.Background(), func(w *workpool.Worker) error {
			w.Scope(func(s *workpool.Scope) {
				for i := range 8 {
					s.Go(func(*workpool.Worker) {
						if i == 3 {
							runtime.Goexit()
						}
					})
				}
			})
			return nil
		})
	}},
	{"For", func(p *workpool.Pool) error {
		return p.For(context.Background(), 0, 1000, func(_ *workpool.Worker, i int) {
			if i == 777 {
				runtime.Goexit()
			}
		})
	}},
	{"Group", func(p *workpool.Pool) error {
		g := p.NewGroup(context.Background())
		for i := range 8 {
			g.Go(func(context.Context) error {
				if i == 5 {
					runtime.Goexit()
				}
				return nil
			})
		}
		return g.Wait()
	}},
	{"Blocking", func(p *workpool.Pool) error {
		return p.Submit(func() { p.Blocking(func() { runtime.Goexit() }) })
	}},
}

func TestGoexit_EveryKindOfTaskIsReportedAndThePoolKeepsItsSize(t *testing.T) {
	for _, n := range []int{1, 8} {
		for _, sc := range goexitScenarios {
			t.Run(name(n)+"/"+sc.name, func(t *testing.T) {
				var handled []*workpool.PanicError
				var mu sync.Mutex
				p := workpool.New(workpool.WithWorkers(n), workpool.WithPanicHandler(func(pe *workpool.PanicError) {
					mu.Lock()
					handled = append(handled, pe)
					mu.Unlock()
				}))
				defer closeWithin(t, p)
				done := make(chan struct{})
				var err error
				go func() {
					defer close(done)
					err = sc.run(p)
					if werr := p.Wait(); werr != nil {
						t.Errorf("Wait: %v", werr)
					}
				}()
				await(t, done, sc.name+" with a Goexit, then Wait")
				mu.Lock()
				if err == nil {
					require.Len(t, handled, 1, "the panic handler gets the Goexit")
					err = handled[0]
				}
				mu.Unlock()
				require.ErrorIs(t, err, workpool.ErrGoexit)
				var pe *workpool.PanicError
				require.ErrorAs(t, err, &pe)
				assert.Contains(t, string(pe.Stack), "runtime.Goexit", "the stack shows where Goexit was called")
				requireFullSize(t, p)
				st := checkCounts(t, quiesce(p))
				assert.GreaterOrEqual(t, st.Goexits, uint64(1))
				assert.Equal(t, n, p.Workers())
			})
		}
	}
}

func TestGoexit_OnTheOnlyWorkerDoesNotStrandLaterTasks(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(1), workpool.WithPanicHandler(func(*workpool.PanicError) {}))
	defer closeWithin(t, p)
	var ran atomic.Int64
	for i := range 1000 {
		require.NoError(t, p.Submit(func() {
			if i%10 == 0 {
				runtime.Goexit()
			}
			ran.Add(1)
		}))
	}
	done := make(chan struct{})
	go func() { _ = p.Wait(); close(done) }()
	await(t, done, "Wait after 100 Goexits on one worker")
	assert.EqualValues(t, 900, ran.Load())
	st := checkCounts(t, quiesce(p))
	assert.EqualValues(t, 100, st.Goexits)
	assert.EqualValues(t, 100, st.Panicked)
}

func TestGoexit_InThePanicHandlerStillCreditsTheTask(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(2), workpool.WithPanicHandler(func(*workpool.PanicError) { runtime.Goexit() }))
	defer closeWithin(t, p)
	for range 10 {
		require.NoError(t, p.Submit(func() { panic("boom") }))
	}
	done := make(chan struct{})
	go func() { _ = p.Wait(); close(done) }()
	await(t, done, "Wait after handlers that call Goexit")
	requireFullSize(t, p)
	checkCounts(t, quiesce(p))
}

func TestGoexit_ErrorNamesGoexit(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(1))
	defer closeWithin(t, p)
	err := p.Run(context.Background(), func(*workpool.Worker) error { runtime.Goexit(); return nil })
	require.Error(t, err)
	assert.True(t, errors.Is(err, workpool.ErrGoexit))
	assert.True(t, strings.Contains(err.Error(), "Goexit"), "message %q names Goexit", err)
}

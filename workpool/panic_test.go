package workpool_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gmpkit/gmpkit/workpool"
)

var errLeaf = errors.New("leaf failed")

//go:noinline
func panickingLeaf() { panic(errLeaf) }

func TestRun_PanicInDeepJoinLeafReachesCallerWithValueAndStack(t *testing.T) {
	for _, n := range widths {
		t.Run(name(n), func(t *testing.T) {
			p := workpool.New(workpool.WithWorkers(n))
			defer closePool(t, p)
			var leaves atomic.Int64
			var rec func(w *workpool.Worker, d, path int)
			rec = func(w *workpool.Worker, d, path int) {
				if d == 0 {
					leaves.Add(1)
					if path == 777 {
						panickingLeaf()
					}
					return
				}
				w.Join(func(w *workpool.Worker) { rec(w, d-1, path*2) }, func(w *workpool.Worker) { rec(w, d-1, path*2+1) })
			}
			err := p.Run(context.Background(), func(w *workpool.Worker) error {
				rec(w, 9, 1) // paths 512..1023 at the leaves: 777 is one of them
				return nil
			})
			var pe *workpool.PanicError
			if !errors.As(err, &pe) {
				t.Fatalf("Run = %v, want *PanicError", err)
			}
			if pe.Value != errLeaf || !errors.Is(err, errLeaf) {
				t.Errorf("PanicError.Value = %v, want %v", pe.Value, errLeaf)
			}
			if !strings.Contains(string(pe.Stack), "panickingLeaf") {
				t.Errorf("stack does not show the panicking function:\n%s", pe.Stack)
			}
			if !strings.Contains(pe.Error(), "leaf failed") {
				t.Errorf("Error() = %q", pe.Error())
			}
			if got := quiesce(p).Panicked; got != 1 {
				t.Errorf("Stats.Panicked = %d, want 1", got)
			}
			// Every worker survived: the pool still computes.
			var got int
			if err := p.Run(context.Background(), func(w *workpool.Worker) error { got = fibPool(w, 16, 4); return nil }); err != nil || got != fibSeq(16) {
				t.Fatalf("after the panic: Run = %v, fib = %d", err, got)
			}
		})
	}
}

func TestSubmit_PanicGoesToHandlerIsCountedAndKeepsWorkers(t *testing.T) {
	for _, n := range widths {
		t.Run(name(n), func(t *testing.T) {
			var mu sync.Mutex
			var got []*workpool.PanicError
			p := workpool.New(workpool.WithWorkers(n), workpool.WithPanicHandler(func(pe *workpool.PanicError) {
				mu.Lock()
				got = append(got, pe)
				mu.Unlock()
			}))
			defer closePool(t, p)
			var ok atomic.Int32
			for i := 0; i < 100; i++ {
				if i%10 == 0 {
					_ = p.Submit(func() { panic(i) })
				} else {
					_ = p.Submit(func() { ok.Add(1) })
				}
			}
			if err := p.Wait(); err != nil {
				t.Fatalf("Wait = %v, want nil (panics went to the handler)", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 10 || ok.Load() != 90 {
				t.Fatalf("handler got %d panics, %d tasks ran fine; want 10 and 90", len(got), ok.Load())
			}
			if len(got[0].Stack) == 0 {
				t.Error("no stack")
			}
			if st := quiesce(p); st.Panicked != 10 || st.Completed != 100 {
				t.Errorf("Stats: panicked %d completed %d", st.Panicked, st.Completed)
			}
		})
	}
}

func TestSubmit_PanicWithoutHandlerIsReturnedByWait(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(2))
	defer closePool(t, p)
	_ = p.Submit(func() { panic("no handler") })
	err := p.Wait()
	var pe *workpool.PanicError
	if !errors.As(err, &pe) || pe.Value != "no handler" {
		t.Fatalf("Wait = %v", err)
	}
	if err := p.Wait(); err != nil {
		t.Fatalf("second Wait = %v, want nil", err)
	}
}

func TestClose_TasksPanickingWhileCloseRunsAreAllReported(t *testing.T) {
	for _, n := range widths {
		t.Run(name(n), func(t *testing.T) {
			var handled atomic.Int32
			p := workpool.New(workpool.WithWorkers(n), workpool.WithPanicHandler(func(*workpool.PanicError) {
				handled.Add(1)
			}))
			const tasks = 1000
			start := make(chan struct{})
			var fine atomic.Int32
			for i := 0; i < tasks; i++ {
				_ = p.Submit(func() {
					<-start
					if i%3 == 0 {
						panic("during close")
					}
					fine.Add(1)
				})
			}
			closed := make(chan error)
			go func() { closed <- p.Close() }()
			close(start)
			if err := <-closed; err != nil {
				t.Fatal(err)
			}
			wantPanics := int32((tasks + 2) / 3)
			if handled.Load() != wantPanics || fine.Load() != tasks-wantPanics {
				t.Fatalf("handled %d panics, %d fine; want %d and %d", handled.Load(), fine.Load(), wantPanics, tasks-wantPanics)
			}
		})
	}
}

func TestClose_ReturnsUnhandledPanic(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(1))
	_ = p.Submit(func() { panic("late") })
	err := p.Close()
	var pe *workpool.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("Close = %v, want *PanicError", err)
	}
}

func TestPanicHandler_ThatPanicsDoesNotKillTheWorker(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(1), workpool.WithPanicHandler(func(*workpool.PanicError) { panic("handler") }))
	defer closePool(t, p)
	_ = p.Submit(func() { panic("task") })
	var ran atomic.Bool
	_ = p.Submit(func() { ran.Store(true) })
	_ = p.Wait()
	if !ran.Load() {
		t.Fatal("worker died")
	}
}

func TestScope_PanicInGoReachesRun(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(2))
	defer closePool(t, p)
	var ran atomic.Int32
	err := p.Run(context.Background(), func(w *workpool.Worker) error {
		w.Scope(func(s *workpool.Scope) {
			for i := 0; i < 50; i++ {
				s.Go(func(*workpool.Worker) {
					ran.Add(1)
					if i == 25 {
						panic("scope child")
					}
				})
			}
		})
		t.Error("Scope returned normally after a child panicked")
		return nil
	})
	var pe *workpool.PanicError
	if !errors.As(err, &pe) || pe.Value != "scope child" {
		t.Fatalf("Run = %v", err)
	}
}

func TestPanicError_UnwrapsOnlyErrors(t *testing.T) {
	if (&workpool.PanicError{Value: "x"}).Unwrap() != nil {
		t.Error("string value unwrapped")
	}
	if (&workpool.PanicError{Value: errLeaf}).Unwrap() != errLeaf {
		t.Error("error value not unwrapped")
	}
}

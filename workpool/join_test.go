package workpool_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gmpkit/gmpkit/steal"
	"github.com/gmpkit/gmpkit/workpool"
)

func TestJoin_FibIsCorrectAtEveryWidthAndPolicy(t *testing.T) {
	n, cutoff := 24, 8
	if raceEnabled {
		n = 20
	}
	want := fibSeq(n)
	for _, w := range widths {
		for _, pol := range []steal.Policy{steal.LIFO, steal.FIFO} {
			{
				t.Run(name(w)+"/"+pol.String(), func(t *testing.T) {
					p := workpool.New(workpool.WithWorkers(w), workpool.WithPolicy(pol))
					defer closePool(t, p)
					for range 3 {
						var got int
						if err := p.Run(context.Background(), func(w *workpool.Worker) error {
							got = fibPool(w, n, cutoff)
							return nil
						}); err != nil {
							t.Fatal(err)
						}
						if got != want {
							t.Fatalf("fib(%d) = %d, want %d", n, got, want)
						}
					}
					st := quiesce(p)
					forks := uint64(joins(n, cutoff)*3 + 3)
					if st.Submitted != forks || st.Completed != forks {
						t.Errorf("Stats: submitted %d completed %d, want %d (one per Join plus the Run)", st.Submitted, st.Completed, forks)
					}
				})
			}
		}
	}
}

func TestJoin2_ReturnsBothResults(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(2))
	defer closePool(t, p)
	var fib func(w *workpool.Worker, n int) int
	fib = func(w *workpool.Worker, n int) int {
		if n < 2 {
			return n
		}
		x, y := workpool.Join2(w,
			func(w *workpool.Worker) int { return fib(w, n-1) },
			func(w *workpool.Worker) int { return fib(w, n-2) })
		return x + y
	}
	var got int
	_ = p.Run(context.Background(), func(w *workpool.Worker) error { got = fib(w, 18); return nil })
	if got != fibSeq(18) {
		t.Fatalf("got %d", got)
	}
}

func mergesort(w *workpool.Worker, s, tmp []int) {
	if len(s) <= 32 {
		slices.Sort(s)
		return
	}
	m := len(s) / 2
	w.Join(func(w *workpool.Worker) { mergesort(w, s[:m], tmp[:m]) },
		func(w *workpool.Worker) { mergesort(w, s[m:], tmp[m:]) })
	copy(tmp, s)
	i, j, k := 0, m, 0
	for i < m && j < len(s) {
		if tmp[i] <= tmp[j] {
			s[k] = tmp[i]
			i++
		} else {
			s[k] = tmp[j]
			j++
		}
		k++
	}
	k += copy(s[k:], tmp[i:m])
	copy(s[k:], tmp[j:])
}

func TestJoin_ParallelMergesortSorts(t *testing.T) {
	size := 200_000
	if raceEnabled {
		size = 20_000
	}
	for _, n := range widths {
		t.Run(name(n), func(t *testing.T) {
			p := workpool.New(workpool.WithWorkers(n))
			defer closePool(t, p)
			r := rand.New(rand.NewPCG(1, uint64(n)))
			s := make([]int, size)
			for i := range s {
				s[i] = r.IntN(1000)
			}
			want := slices.Clone(s)
			slices.Sort(want)
			err := p.Run(context.Background(), func(w *workpool.Worker) error {
				mergesort(w, s, make([]int, len(s)))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(s, want) {
				t.Fatal("not sorted")
			}
		})
	}
}

// chain nests depth Joins: a recurses, b counts.
func chain(w *workpool.Worker, depth int, count *atomic.Int64) {
	if depth == 0 {
		return
	}
	w.Join(func(w *workpool.Worker) { chain(w, depth-1, count) },
		func(*workpool.Worker) { count.Add(1) })
}

func TestJoin_TenThousandDeepChainCompletesWithoutDeadlock(t *testing.T) {
	const depth = 10_000
	for _, n := range widths {
		for _, pol := range []steal.Policy{steal.LIFO, steal.FIFO} {
			t.Run(name(n)+"/"+pol.String(), func(t *testing.T) {
				p := workpool.New(workpool.WithWorkers(n), workpool.WithPolicy(pol))
				defer closePool(t, p)
				var count atomic.Int64
				if err := p.Run(context.Background(), func(w *workpool.Worker) error {
					chain(w, depth, &count)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				if got := count.Load(); got != depth {
					t.Fatalf("%d of %d b functions ran", got, depth)
				}
			})
		}
	}
}

func TestScope_EveryGoRunsOnceBeforeScopeReturns(t *testing.T) {
	tasks := 5000
	if raceEnabled {
		tasks = 500
	}
	for _, n := range widths {
		t.Run(name(n), func(t *testing.T) {
			p := workpool.New(workpool.WithWorkers(n))
			defer closePool(t, p)
			runs := make([]atomic.Int32, tasks)
			err := p.Run(context.Background(), func(w *workpool.Worker) error {
				w.Scope(func(s *workpool.Scope) {
					for i := range runs {
						s.Go(func(w *workpool.Worker) {
							// Nested fork from inside a scope task.
							w.Join(func(*workpool.Worker) { runs[i].Add(1) }, func(*workpool.Worker) {})
						})
					}
				})
				for i := range runs {
					if runs[i].Load() != 1 {
						t.Errorf("task %d ran %d times before Scope returned", i, runs[i].Load())
						break
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestScope_GoAfterScopeReturnedPanics(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(1))
	defer closePool(t, p)
	var leaked *workpool.Scope
	err := p.Run(context.Background(), func(w *workpool.Worker) error {
		w.Scope(func(s *workpool.Scope) { leaked = s })
		leaked.Go(func(*workpool.Worker) {})
		return nil
	})
	var pe *workpool.PanicError
	if !errors.As(err, &pe) || !strings.Contains(pe.Value.(string), "Scope.Go called after") {
		t.Fatalf("Run = %v, want a PanicError naming Scope.Go", err)
	}
}

func TestRun_ReturnsFnError(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(2))
	defer closePool(t, p)
	boom := errors.New("boom")
	if err := p.Run(context.Background(), func(*workpool.Worker) error { return boom }); err != boom {
		t.Fatalf("Run = %v, want %v", err, boom)
	}
}

func TestRun_CancelledMidComputationStopsForkingAndReturnsCause(t *testing.T) {
	for _, n := range widths {
		t.Run(name(n), func(t *testing.T) {
			p := workpool.New(workpool.WithWorkers(n))
			defer closePool(t, p)
			cause := errors.New("user gave up")
			ctx, cancel := context.WithCancelCause(context.Background())
			var leaves atomic.Int64
			var rec func(w *workpool.Worker, d int)
			rec = func(w *workpool.Worker, d int) {
				if d == 0 {
					if leaves.Add(1) == 100 {
						cancel(cause)
					}
					time.Sleep(10 * time.Microsecond)
					return
				}
				w.Join(func(w *workpool.Worker) { rec(w, d-1) }, func(w *workpool.Worker) { rec(w, d-1) })
			}
			const depth = 20 // a million leaves if nothing stopped it
			err := p.Run(ctx, func(w *workpool.Worker) error {
				rec(w, depth)
				if w.Context().Err() == nil {
					t.Error("Worker.Context not cancelled")
				}
				return nil
			})
			if err != cause {
				t.Fatalf("Run = %v, want the cause %v", err, cause)
			}
			if got := leaves.Load(); got >= 1<<depth/2 {
				t.Fatalf("%d leaves ran after cancellation at 100: forking did not stop", got)
			}
			// The pool is still usable.
			if err := p.Run(context.Background(), func(*workpool.Worker) error { return nil }); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestRun_AlreadyCancelledContextRunsNothing(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(1))
	defer closePool(t, p)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	if err := p.Run(ctx, func(*workpool.Worker) error { ran = true; return nil }); !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("Run = %v, ran = %v", err, ran)
	}
}

func TestRun_AfterCloseReturnsErrClosed(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(1))
	closePool(t, p)
	if err := p.Run(context.Background(), func(*workpool.Worker) error { return nil }); !errors.Is(err, workpool.ErrClosed) {
		t.Fatalf("Run after Close = %v", err)
	}
}

func TestRun_ConcurrentRunsFromManyGoroutines(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(2))
	defer closePool(t, p)
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			var got int
			err := p.Run(context.Background(), func(w *workpool.Worker) error {
				got = fibPool(w, 18, 6)
				return nil
			})
			if err == nil && got != fibSeq(18) {
				err = errors.New("wrong result")
			}
			errs <- err
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func TestSpawn_RespawningPairDoesNotStarveOutsideSubmissions(t *testing.T) {
	for _, n := range widths {
		for _, pol := range []steal.Policy{steal.LIFO, steal.FIFO} {
			t.Run(name(n)+"/"+pol.String(), func(t *testing.T) {
				p := workpool.New(workpool.WithWorkers(n), workpool.WithPolicy(pol))
				defer closePool(t, p)
				var stop atomic.Bool
				var ping func(w *workpool.Worker)
				ping = func(w *workpool.Worker) {
					if !stop.Load() {
						// Each respawns itself onto its own worker: that
						// worker's queue is never empty while this runs.
						_ = w.Spawn(ping)
					}
				}
				err := p.Run(context.Background(), func(w *workpool.Worker) error {
					for range 2 * n { // a pair per worker
						_ = w.Spawn(ping)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				const outside = 100
				var done atomic.Int32
				finished := make(chan struct{})
				for i := 0; i < outside; i++ {
					_ = p.Submit(func() {
						if done.Add(1) == outside {
							close(finished)
						}
					})
				}
				<-finished // hangs (test timeout) if the pair starves them
				stop.Store(true)
				if err := p.Wait(); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestJoin2_ResultsAndPanicsAtEveryWidth(t *testing.T) {
	n := 22
	if raceEnabled {
		n = 18
	}
	var fib func(w *workpool.Worker, n int) int
	fib = func(w *workpool.Worker, n int) int {
		if n < 6 {
			return fibSeq(n)
		}
		x, y := workpool.Join2(w,
			func(w *workpool.Worker) int { return fib(w, n-1) },
			func(w *workpool.Worker) int { return fib(w, n-2) })
		return x + y
	}
	for _, width := range widths {
		t.Run(name(width), func(t *testing.T) {
			p := workpool.New(workpool.WithWorkers(width))
			defer closePool(t, p)
			for range 3 {
				var got int
				if err := p.Run(context.Background(), func(w *workpool.Worker) error { got = fib(w, n); return nil }); err != nil {
					t.Fatal(err)
				}
				if got != fibSeq(n) {
					t.Fatalf("fib(%d) with Join2 = %d, want %d", n, got, fibSeq(n))
				}
			}
			// A result of a pointer-holding type, and a panic in b deep in
			// the tree, stolen or not.
			var leaves atomic.Int64
			var tree func(w *workpool.Worker, d int) []int
			tree = func(w *workpool.Worker, d int) []int {
				if d == 0 {
					if leaves.Add(1) == 300 {
						panic("leaf 300")
					}
					return []int{1}
				}
				a, b := workpool.Join2(w,
					func(w *workpool.Worker) []int { return tree(w, d-1) },
					func(w *workpool.Worker) []int { return tree(w, d-1) })
				return append(a, b...)
			}
			var got []int
			err := p.Run(context.Background(), func(w *workpool.Worker) error { got = tree(w, 10); return nil })
			var pe *workpool.PanicError
			if !errors.As(err, &pe) || pe.Value != "leaf 300" {
				t.Fatalf("Run = %v, want the leaf's panic", err)
			}
			leaves.Store(-1 << 40) // no more panics
			err = p.Run(context.Background(), func(w *workpool.Worker) error { got = tree(w, 10); return nil })
			if err != nil || len(got) != 1024 {
				t.Fatalf("Run = %v with %d leaves, want nil and 1024", err, len(got))
			}
		})
	}
}

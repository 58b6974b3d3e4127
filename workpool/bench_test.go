package workpool_test

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/gmpkit/gmpkit/steal"
	"github.com/gmpkit/gmpkit/workpool"
)

var sink atomic.Uint64

// spin(n) costs about 0.74n ns on a 2023 x86-64 core: tinyIters makes a
// task of about 100 ns.
//
//go:noinline
func spin(n int) uint64 {
	x := uint64(n)
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}

const tinyIters = 135

func fibSeq(n int) int {
	if n < 2 {
		return n
	}
	return fibSeq(n-1) + fibSeq(n-2)
}

func fibPool(w *workpool.Worker, n, cutoff int) int {
	if n < cutoff {
		return fibSeq(n)
	}
	var x, y int
	w.Join(func(w *workpool.Worker) { x = fibPool(w, n-1, cutoff) },
		func(w *workpool.Worker) { y = fibPool(w, n-2, cutoff) })
	return x + y
}

// fibPool2 is fibPool in the Join2 form: the idiomatic fastest way to fork
// work that returns values (one allocation per fork, the closure for b).
func fibPool2(w *workpool.Worker, n, cutoff int) int {
	if n < cutoff {
		return fibSeq(n)
	}
	x, y := workpool.Join2(w,
		func(w *workpool.Worker) int { return fibPool2(w, n-1, cutoff) },
		func(w *workpool.Worker) int { return fibPool2(w, n-2, cutoff) })
	return x + y
}

func fibGo(n, cutoff int) int {
	if n < cutoff {
		return fibSeq(n)
	}
	var x, y int
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); y = fibGo(n-2, cutoff) }()
	x = fibGo(n-1, cutoff)
	wg.Wait()
	return x + y
}

func fibErrgroup(n, cutoff int) int {
	if n < cutoff {
		return fibSeq(n)
	}
	var x, y int
	var g errgroup.Group
	g.Go(func() error { y = fibErrgroup(n-2, cutoff); return nil })
	x = fibErrgroup(n-1, cutoff)
	_ = g.Wait()
	return x + y
}

// joins returns the number of Joins fibPool(n, cutoff) makes.
func joins(n, cutoff int) int {
	if n < cutoff {
		return 0
	}
	return 1 + joins(n-1, cutoff) + joins(n-2, cutoff)
}

// BenchmarkTiny: 100k tasks of about 100 ns submitted from outside, then
// Wait. ns/op is per task.
func BenchmarkTiny(b *testing.B) {
	const tasks = 100_000
	task := func() { sink.Add(spin(tinyIters)) }
	b.Run("impl=work-alone/tasks=100k", func(b *testing.B) {
		b.ReportAllocs()
		procs := runtime.GOMAXPROCS(0)
		for b.Loop() {
			var wg sync.WaitGroup
			for i := 0; i < procs; i++ {
				wg.Go(func() {
					for k := 0; k < tasks/procs; k++ {
						task()
					}
				})
			}
			wg.Wait()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/tasks, "ns/task")
	})
	for _, pol := range []steal.Policy{steal.LIFO, steal.FIFO} {
		b.Run("impl=gmpkit-"+pol.String()+"/tasks=100k", func(b *testing.B) {
			p := workpool.New(workpool.WithPolicy(pol))
			defer p.Close()
			b.ReportAllocs()
			for b.Loop() {
				for i := 0; i < tasks; i++ {
					_ = p.Submit(task)
				}
				_ = p.Wait()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/tasks, "ns/task")
			st := p.Stats()
			b.ReportMetric(float64(st.Parks)/float64(b.N), "parks/op")
			b.ReportMetric(float64(st.Steals)/float64(b.N), "steals/op")
			b.ReportMetric(float64(st.GlobalPops)/float64(b.N), "grabs/op")
		})
	}
	b.Run("impl=chan-workers/tasks=100k", func(b *testing.B) {
		b.ReportAllocs()
		procs := runtime.GOMAXPROCS(0)
		ch := make(chan func(), 1024)
		var wg sync.WaitGroup
		var done sync.WaitGroup
		for i := 0; i < procs; i++ {
			done.Go(func() {
				for f := range ch {
					f()
					wg.Done()
				}
			})
		}
		for b.Loop() {
			wg.Add(tasks)
			for i := 0; i < tasks; i++ {
				ch <- task
			}
			wg.Wait()
		}
		close(ch)
		done.Wait()
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/tasks, "ns/task")
	})
	b.Run("impl=go-waitgroup/tasks=100k", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var wg sync.WaitGroup
			for i := 0; i < tasks; i++ {
				wg.Go(task)
			}
			wg.Wait()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/tasks, "ns/task")
	})
	b.Run("impl=errgroup-limit/tasks=100k", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var g errgroup.Group
			g.SetLimit(runtime.GOMAXPROCS(0))
			for i := 0; i < tasks; i++ {
				g.Go(func() error { task(); return nil })
			}
			_ = g.Wait()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/tasks, "ns/task")
	})
}

// BenchmarkFib: fib(32) with Join down to a cutoff, against sequential,
// go+WaitGroup and errgroup forks.
func BenchmarkFib(b *testing.B) {
	const n = 32
	want := fibSeq(n)
	b.Run("impl=sequential/n=32", func(b *testing.B) {
		for b.Loop() {
			if fibSeq(n) != want {
				b.Fatal("wrong")
			}
		}
	})
	for _, cutoff := range []int{20, 12, 2} {
		c := strconv.Itoa(cutoff)
		for _, form := range fibForms {
			for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
				b.Run("impl="+form.name+"/workers="+strconv.Itoa(workers)+"/cutoff="+c, func(b *testing.B) {
					p := workpool.New(workpool.WithWorkers(workers))
					defer p.Close()
					b.ReportAllocs()
					for b.Loop() {
						var got int
						_ = p.Run(context.Background(), func(w *workpool.Worker) error {
							got = form.fib(w, n, cutoff)
							return nil
						})
						if got != want {
							b.Fatal("wrong")
						}
					}
					b.ReportMetric(float64(joins(n, cutoff)), "joins/op")
					st := p.Stats()
					b.ReportMetric(float64(st.Parks)/float64(b.N), "parks/op")
					b.ReportMetric(float64(st.Steals)/float64(b.N), "steals/op")
				})
			}
		}
		b.Run("impl=go-waitgroup/cutoff="+c, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if fibGo(n, cutoff) != want {
					b.Fatal("wrong")
				}
			}
		})
		b.Run("impl=errgroup/cutoff="+c, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if fibErrgroup(n, cutoff) != want {
					b.Fatal("wrong")
				}
			}
		})
	}
}

// fibForms are the two ways to write fib with the pool: Join writing into
// the caller's variables (impl=gmpkit), and Join2 (impl=gmpkit-join2).
var fibForms = []struct {
	name string
	fib  func(w *workpool.Worker, n, cutoff int) int
}{
	{"gmpkit", fibPool},
	{"gmpkit-join2", fibPool2},
}

// BenchmarkJoin measures the overhead of one Join at WithWorkers(1), where
// no fork is ever stolen: each iteration times fib(32) sequentially and
// with Joins down to cutoff 12, back to back so that both run under the
// same conditions, and reports (pool time - sequential time) / Joins.
func BenchmarkJoin(b *testing.B) {
	const n, cutoff = 32, 12
	want := fibSeq(n)
	for _, form := range fibForms {
		b.Run("impl="+form.name+"/workers=1/cutoff=12", func(b *testing.B) {
			p := workpool.New(workpool.WithWorkers(1))
			defer p.Close()
			b.ReportAllocs()
			var seq, pool time.Duration
			for b.Loop() {
				t0 := time.Now()
				if fibSeq(n) != want {
					b.Fatal("wrong")
				}
				t1 := time.Now()
				var got int
				_ = p.Run(context.Background(), func(w *workpool.Worker) error {
					got = form.fib(w, n, cutoff)
					return nil
				})
				if got != want {
					b.Fatal("wrong")
				}
				seq += t1.Sub(t0)
				pool += time.Since(t1)
			}
			js := float64(joins(n, cutoff)) * float64(b.N)
			b.ReportMetric(float64(pool-seq)/js, "overhead-ns/join")
			b.ReportMetric(float64(pool)/float64(seq), "pool/seq")
		})
	}
}

// BenchmarkImbalanced: 10k tasks forked with Scope.Go from one Run, every
// third one costing about 20 µs and the rest about 1 µs (the seed's
// BusyTask shape). Reports the steal success rate and the variance of the
// completion times (µs²) for LIFO and FIFO, steal-half and steal-one, with
// go+WaitGroup and errgroup as baselines.
func BenchmarkImbalanced(b *testing.B) {
	const tasks = 10_000
	light, heavy := calibrate(time.Microsecond), calibrate(20*time.Microsecond)
	iters := func(i int) int {
		if i%3 == 2 {
			return heavy
		}
		return light
	}
	for _, pol := range []steal.Policy{steal.LIFO, steal.FIFO} {
		{
			b.Run("impl=gmpkit/policy="+pol.String(), func(b *testing.B) {
				p := workpool.New(workpool.WithPolicy(pol))
				defer p.Close()
				done := make([]time.Duration, tasks)
				b.ReportAllocs()
				var variance float64
				for b.Loop() {
					start := time.Now()
					_ = p.Run(context.Background(), func(w *workpool.Worker) error {
						w.Scope(func(s *workpool.Scope) {
							for i := range tasks {
								s.Go(func(*workpool.Worker) {
									sink.Add(spin(iters(i)))
									done[i] = time.Since(start)
								})
							}
						})
						return nil
					})
					variance += varianceUS(done)
				}
				st := p.Stats()
				b.ReportMetric(st.StealSuccessRate(), "steal-rate")
				b.ReportMetric(variance/float64(b.N), "var-µs²")
			})
		}
	}
	b.Run("impl=go-waitgroup", func(b *testing.B) {
		done := make([]time.Duration, tasks)
		b.ReportAllocs()
		var variance float64
		for b.Loop() {
			start := time.Now()
			var wg sync.WaitGroup
			for i := range tasks {
				wg.Go(func() {
					sink.Add(spin(iters(i)))
					done[i] = time.Since(start)
				})
			}
			wg.Wait()
			variance += varianceUS(done)
		}
		b.ReportMetric(variance/float64(b.N), "var-µs²")
	})
	b.Run("impl=errgroup-limit", func(b *testing.B) {
		done := make([]time.Duration, tasks)
		b.ReportAllocs()
		var variance float64
		for b.Loop() {
			start := time.Now()
			var g errgroup.Group
			g.SetLimit(runtime.GOMAXPROCS(0))
			for i := range tasks {
				g.Go(func() error {
					sink.Add(spin(iters(i)))
					done[i] = time.Since(start)
					return nil
				})
			}
			_ = g.Wait()
			variance += varianceUS(done)
		}
		b.ReportMetric(variance/float64(b.N), "var-µs²")
	})
}

// calibrate returns the spin count that takes about d.
func calibrate(d time.Duration) int {
	n := 1000
	for {
		start := time.Now()
		for range 10 {
			sink.Add(spin(n))
		}
		if el := time.Since(start) / 10; el >= d/4 {
			return int(float64(n) * float64(d) / float64(el))
		}
		n *= 2
	}
}

func varianceUS(ds []time.Duration) float64 {
	var sum, sq float64
	for _, d := range ds {
		us := float64(d) / float64(time.Microsecond)
		sum += us
		sq += us * us
	}
	n := float64(len(ds))
	mean := sum / n
	return sq/n - mean*mean
}

// BenchmarkSleep is the scenario of the ants and pond READMEs, where a pool
// needs many workers because its tasks block: sleepTasks tasks of a 10 ms
// time.Sleep on a pool of many workers, submitted from outside, then Wait.
// The baseline is a goroutine per task with a WaitGroup (impl=go). The pool
// is built before the timer starts, as a long-lived pool would be; ms/op is
// the wall time of one round.
func BenchmarkSleep(b *testing.B) {
	const sleep = 10 * time.Millisecond
	for _, tasks := range []int{5000, 20000} {
		size := "/tasks=" + strconv.Itoa(tasks)
		run := func(b *testing.B, p *workpool.Pool, task func()) {
			b.ReportAllocs()
			for b.Loop() {
				for range tasks {
					if err := p.Submit(task); err != nil {
						b.Fatal(err)
					}
				}
				if err := p.Wait(); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.Run("impl=gmpkit-blocking"+size, func(b *testing.B) {
			p := workpool.New(workpool.WithMaxBlocked(tasks))
			defer p.Close()
			run(b, p, func() { p.Blocking(func() { time.Sleep(sleep) }) })
		})
		b.Run("impl=gmpkit-10k-workers"+size, func(b *testing.B) {
			p := workpool.New(workpool.WithWorkers(10000))
			defer p.Close()
			run(b, p, func() { time.Sleep(sleep) })
		})
		b.Run("impl=go"+size, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var wg sync.WaitGroup
				for range tasks {
					wg.Go(func() { time.Sleep(sleep) })
				}
				wg.Wait()
			}
		})
	}
}

// loopBody costs about 15 ns: a few rounds of splitmix64.
func loopBody(i int) uint64 {
	x := uint64(i)
	for range 9 {
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		x = z ^ (z >> 31)
	}
	return x
}

// BenchmarkFor: a parallel loop over 2M iterations of about 15 ns, against
// the sequential loop, at 1 worker and GOMAXPROCS workers.
func BenchmarkFor(b *testing.B) {
	const n = 2_000_000
	out := make([]uint64, n)
	b.Run("impl=sequential/n=2M", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i := range out {
				out[i] = loopBody(i)
			}
		}
	})
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run("impl=gmpkit/workers="+strconv.Itoa(workers)+"/n=2M", func(b *testing.B) {
			p := workpool.New(workpool.WithWorkers(workers))
			defer p.Close()
			b.ReportAllocs()
			for b.Loop() {
				_ = p.For(context.Background(), 0, n, func(_ *workpool.Worker, i int) { out[i] = loopBody(i) })
			}
		})
	}
}

// Lesson 8, work stealing: recursive fib on a pool, first the way that
// deadlocks, then with workpool's fork-join, its statistics, and the seed's
// LIFO-against-FIFO table measured here and now.
//
//	go run ./examples/08-work-stealing          # about 2 s
//	go run ./examples/08-work-stealing -short   # about 1 s
//
// The trap: a fixed pool of workers reading a shared queue, and a task that
// submits its subtasks to the same pool and waits for them. The first few
// tasks take every worker and wait; their subtasks sit in the queue behind
// them, and no worker is left to run them. A watchdog catches it: every
// worker waiting and no task finished for a while. The fix is
// workpool's Join: the subtask goes on the worker's own deque where an idle
// worker can steal it, and a worker waiting in Join runs queued work instead
// of blocking, so fork-join finishes even with one worker. The pool's Stats
// show how the work moved (local pops, steals, parks), and the same
// workloads under LIFO and FIFO policies show what each policy buys.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/gmpkit/gmpkit/steal"
	"github.com/gmpkit/gmpkit/workpool"
)

func main() {
	short := flag.Bool("short", false, "smaller problems: about a second")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, *short); err != nil {
		fmt.Fprintln(os.Stderr, "lesson 8:", err)
		os.Exit(1)
	}
}

// naiveWorkers is the trap pool's size. It is fixed, not GOMAXPROCS, so the
// deadlock is the same on every machine: fib's first four tasks are all
// interior nodes of the call tree, and each takes a worker and waits.
const naiveWorkers = 4

// naivePool is the usual bounded pool: workers reading one shared queue.
type naivePool struct {
	tasks   chan func()
	wg      sync.WaitGroup
	waiting atomic.Int64 // tasks blocked waiting for their subtasks
	done    atomic.Int64 // tasks finished: the watchdog's measure of progress
}

func newNaivePool(workers int) *naivePool {
	p := &naivePool{tasks: make(chan func(), 1<<16)}
	for range workers {
		p.wg.Go(func() {
			for t := range p.tasks {
				t()
				p.done.Add(1)
			}
		})
	}
	return p
}

// submit queues t unless ctx ends first.
func (p *naivePool) submit(ctx context.Context, t func()) error {
	select {
	case p.tasks <- t:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (p *naivePool) close() {
	close(p.tasks)
	p.wg.Wait()
}

// fibNaive computes fib(n) by submitting both halves to p and waiting for
// them: the fork-join that deadlocks a bounded pool. ctx bounds every wait.
func fibNaive(ctx context.Context, p *naivePool, n int) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if n < 2 {
		return n, nil
	}
	type result struct {
		v   int
		err error
	}
	a, b := make(chan result, 1), make(chan result, 1)
	for _, half := range []struct {
		n   int
		out chan result
	}{{n - 1, a}, {n - 2, b}} {
		err := p.submit(ctx, func() {
			v, err := fibNaive(ctx, p, half.n)
			half.out <- result{v, err}
		})
		if err != nil {
			return 0, err
		}
	}
	p.waiting.Add(1)
	defer p.waiting.Add(-1)
	sum := 0
	for _, ch := range []chan result{a, b} {
		select { // without ctx, this wait is forever
		case r := <-ch:
			if r.err != nil {
				return 0, r.err
			}
			sum += r.v
		case <-ctx.Done():
			return 0, context.Cause(ctx)
		}
	}
	return sum, nil
}

// fibSeq is the reference.
func fibSeq(n int) int {
	if n < 2 {
		return n
	}
	return fibSeq(n-1) + fibSeq(n-2)
}

// sizes are the knobs short mode turns down.
type sizes struct {
	fibN     int
	deadline time.Duration
	fixN     int // fib for the speed-up: big enough to be worth stealing
	bursts   int // bursts of burstSize tasks per policy, interleaved
	runs     int // fork-join runs per policy, interleaved
}

// burstSize is the number of tasks one burst spawns: fewer than the 256
// slots of a worker's ring (steal.RunQueue, as in the runtime), so the whole
// burst sits in the spawner's own queue, where the policy decides the order.
// A bigger burst overflows half the ring to the global queue, which is FIFO
// under either policy.
const burstSize = 200

func run(ctx context.Context, w io.Writer, short bool) error {
	sz := sizes{fibN: 22, deadline: 500 * time.Millisecond, fixN: 34, bursts: 50, runs: 10}
	if short {
		sz = sizes{fibN: 22, deadline: 100 * time.Millisecond, fixN: 27, bursts: 4, runs: 3}
	}
	if err := trap(ctx, w, sz); err != nil {
		return err
	}
	if err := fix(ctx, w, sz); err != nil {
		return err
	}
	return policies(ctx, w, sz)
}

// errDeadlock is the cause the trap's watchdog cancels with.
var errDeadlock = errors.New("fork-join deadlock: every worker waiting, no progress")

func trap(ctx context.Context, w io.Writer, sz sizes) error {
	fmt.Fprintf(w, "== The trap: fork-join on a bounded pool of %d workers ==\n", naiveWorkers)
	fmt.Fprintf(w, "predict: fib(%d) with each task waiting for its two subtasks: does it finish?\n", sz.fibN)
	p := newNaivePool(naiveWorkers)
	defer p.close()
	tctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	res := make(chan error, 1)
	var got int
	if err := p.submit(tctx, func() {
		v, err := fibNaive(tctx, p, sz.fibN)
		got = v
		res <- err
	}); err != nil {
		return err
	}
	// The watchdog: every worker waiting and no task finishing for
	// sz.deadline is a deadlock. It cancels the computation, so every
	// waiting task returns and the pool can be closed.
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	guard := time.NewTimer(10 * time.Second)
	defer guard.Stop()
	lastDone, lastProgress := p.done.Load(), time.Now()
	for {
		select {
		case err := <-res:
			if err == nil {
				return fmt.Errorf("trap: fib(%d) = %d finished on the naive pool: no deadlock", sz.fibN, got)
			}
			return err
		case <-guard.C:
			return errors.New("trap: the computation neither finished nor deadlocked in 10s")
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-tick.C:
		}
		blocked, done := p.waiting.Load(), p.done.Load()
		if done != lastDone || blocked < naiveWorkers {
			lastDone, lastProgress = done, time.Now()
			continue
		}
		if time.Since(lastProgress) < sz.deadline {
			continue
		}
		queued := len(p.tasks)
		cancel(errDeadlock)
		fmt.Fprintf(w, "deadlock detected: %d of %d workers blocked waiting for subtasks, %d subtasks queued behind them, no task finished for %v\n",
			blocked, naiveWorkers, queued, sz.deadline)
		if err := <-res; !errors.Is(err, errDeadlock) {
			return fmt.Errorf("trap: after the watchdog fired, fib returned %v", err)
		}
		fmt.Fprintln(w, "why: a waiting task holds its worker, and the subtasks it waits for need a worker;")
		fmt.Fprintln(w, "     once every worker waits, nothing runs. More workers only move the cliff.")
		fmt.Fprintln(w)
		return nil
	}
}

// cutoff is the n below which fib runs sequentially: forking a task that
// small would cost more than it saves.
const cutoff = 12

// fibJoin computes fib(n) with Join: fib(n-1) runs inline, fib(n-2) waits in
// the worker's deque for a thief, or runs inline after.
func fibJoin(w *workpool.Worker, n int) int {
	if n < cutoff {
		return fibSeq(n)
	}
	var a, b int
	w.Join(
		func(w *workpool.Worker) { a = fibJoin(w, n-1) },
		func(w *workpool.Worker) { b = fibJoin(w, n-2) },
	)
	return a + b
}

// fix runs the trap's computation on workpool, with one worker and with
// GOMAXPROCS workers, and prints the pool's statistics.
func fix(ctx context.Context, w io.Writer, sz sizes) error {
	fmt.Fprintln(w, "== The fix: workpool's Join helps while it waits ==")
	fmt.Fprintf(w, "predict: fib(%d) on a pool of ONE worker, with the same fork-join: does it finish?\n", sz.fibN)
	// The trap's computation, on one worker.
	one := workpool.New(workpool.WithWorkers(1), workpool.WithName("one"))
	var got int
	err := one.Run(ctx, func(wk *workpool.Worker) error {
		got = fibJoin(wk, sz.fibN)
		return nil
	})
	if cerr := one.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "fib(%d) = %d on 1 worker (correct: %v)\n", sz.fibN, got, got == fibSeq(sz.fibN))
	if got != fibSeq(sz.fibN) {
		return fmt.Errorf("fix: fib(%d) = %d on one worker, want %d", sz.fibN, got, fibSeq(sz.fibN))
	}

	// A bigger one on 1 and on GOMAXPROCS workers: the speed-up and the
	// statistics that show how the work moved.
	want := fibSeq(sz.fixN)
	var base time.Duration
	for _, workers := range []int{1, max(2, runtime.GOMAXPROCS(0))} {
		p := workpool.New(workpool.WithWorkers(workers), workpool.WithName(fmt.Sprintf("fib-%dw", workers)))
		start := time.Now()
		err := p.Run(ctx, func(wk *workpool.Worker) error {
			got = fibJoin(wk, sz.fixN)
			return nil
		})
		elapsed := time.Since(start)
		if cerr := p.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		if workers == 1 {
			base = elapsed
		}
		st := p.Stats()
		fmt.Fprintf(w, "fib(%d) = %d on %d worker(s) in %v (%.2fx the 1-worker time; correct: %v)\n", sz.fixN, got, workers,
			elapsed.Round(time.Millisecond), float64(base)/float64(max(elapsed, 1)), got == want)
		fmt.Fprintf(w, "  %s\n", st)
		if got != want {
			return fmt.Errorf("fix: fib(%d) = %d on %d workers, want %d", sz.fixN, got, workers, want)
		}
		if st.Submitted != st.Completed {
			return fmt.Errorf("fix: %d tasks submitted but %d completed", st.Submitted, st.Completed)
		}
	}
	fmt.Fprintln(w, "why: Join leaves b in the worker's own deque and runs a; an idle worker steals b")
	fmt.Fprintln(w, "     from the top (oldest, biggest), and a worker that must wait for b runs queued")
	fmt.Fprintln(w, "     work instead of blocking. Nobody holds a worker while work exists.")
	fmt.Fprintln(w)
	return nil
}

// policyResult is one row of the LIFO/FIFO table, summed over rounds.
type policyResult struct {
	policy           steal.Policy
	tasks            int
	attempts, steals uint64
	stolen           uint64
	waits            []time.Duration // queue wait of every task: spawn to start
	perWorker        []uint64        // tasks completed per worker
}

// spawnBurst spawns n independent tasks of about 20 µs from one worker onto
// its own queue, one every 10 µs or so, as a request fan-out or a parser
// emitting work does: tasks arrive faster than one worker serves them, so a
// queue builds while they arrive, and the policy decides who waits. It
// returns how long each task waited to start.
func spawnBurst(ctx context.Context, p *workpool.Pool, n int) ([]time.Duration, error) {
	waits := make([]time.Duration, n)
	var sink atomic.Uint64
	err := p.Run(ctx, func(wk *workpool.Worker) error {
		for i := range n {
			spawned := time.Now()
			if err := wk.Spawn(func(*workpool.Worker) {
				waits[i] = time.Since(spawned)
				sink.Add(spin(20000)) // about 20 µs
			}); err != nil {
				return err
			}
			sink.Add(spin(10000)) // the next arrival comes after about 10 µs
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return waits, p.Wait()
}

// spin does a little CPU work without touching shared memory.
func spin(n int) uint64 {
	x := uint64(n) | 1
	for range n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// policies measures the seed's table, LIFO against FIFO, on two workloads:
// fork-join fib (steal success and the variance of completion time over
// runs) and bursts of independent tasks (how long each task waits).
func policies(ctx context.Context, w io.Writer, sz sizes) error {
	if err := forkJoinTable(ctx, w, sz); err != nil {
		return err
	}
	return burstTable(ctx, w, sz)
}

// forkJoinTable runs fib(sz.fixN) sz.runs times under each policy,
// interleaved so that drift on a shared machine hits both alike.
func forkJoinTable(ctx context.Context, w io.Writer, sz sizes) error {
	workers := max(2, runtime.GOMAXPROCS(0))
	fmt.Fprintf(w, "== LIFO against FIFO, fork-join: fib(%d) %d times each, %d workers ==\n", sz.fixN, sz.runs, workers)
	fmt.Fprintln(w, "predict: how many steals does a 75,000-task fork-join need? does the policy matter?")
	type row struct {
		policy                   steal.Policy
		times                    []time.Duration
		attempts, steals, stolen uint64
	}
	rows := []*row{{policy: steal.LIFO}, {policy: steal.FIFO}}
	want := fibSeq(sz.fixN)
	for range sz.runs {
		for _, r := range rows {
			p := workpool.New(workpool.WithWorkers(workers), workpool.WithPolicy(r.policy))
			var got int
			start := time.Now()
			err := p.Run(ctx, func(wk *workpool.Worker) error {
				got = fibJoin(wk, sz.fixN)
				return nil
			})
			r.times = append(r.times, time.Since(start))
			if cerr := p.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			if got != want {
				return fmt.Errorf("forkJoinTable: %v: fib(%d) = %d, want %d", r.policy, sz.fixN, got, want)
			}
			st := p.Stats()
			r.attempts += st.StealAttempts
			r.steals += st.Steals
			r.stolen += st.Stolen
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "policy\truns\tmean time\tstddev\tsteals/attempts\tsuccess\tstolen\t")
	for _, r := range rows {
		mean, sd := meanStddev(r.times)
		fmt.Fprintf(tw, "%v\t%d\t%v\t%v\t%d/%d\t%.0f%%\t%d\t\n", r.policy, len(r.times),
			mean.Round(time.Microsecond), sd.Round(time.Microsecond), r.steals, r.attempts, 100*rate(r.steals, r.attempts), r.stolen)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "why: thieves take the oldest task, which in fork-join is the biggest, so one")
	fmt.Fprintln(w, "     steal buys a whole subtree and few are needed. Join takes its own b back")
	fmt.Fprintln(w, "     from the newest end whatever the policy, so the policy only orders the work")
	fmt.Fprintln(w, "     a worker picks up between joins: expect the two rows to be close here. The")
	fmt.Fprintln(w, "     policy shows itself on independent tasks, below.")
	fmt.Fprintln(w)
	return nil
}

// rate is steals/attempts, 0 without attempts.
func rate(steals, attempts uint64) float64 {
	if attempts == 0 {
		return 0
	}
	return float64(steals) / float64(attempts)
}

// meanStddev returns the mean and the standard deviation of ds.
func meanStddev(ds []time.Duration) (mean, stddev time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	var sum, sumSq float64
	for _, d := range ds {
		f := float64(d)
		sum += f
		sumSq += f * f
	}
	n := float64(len(ds))
	m := sum / n
	return time.Duration(m), time.Duration(sqrt(max(0, sumSq/n-m*m)))
}

// burstTable spawns bursts of independent tasks under each policy and
// measures how long each task waited to start.
func burstTable(ctx context.Context, w io.Writer, sz sizes) error {
	workers := max(2, runtime.GOMAXPROCS(0))
	fmt.Fprintf(w, "== LIFO against FIFO, independent tasks: %d bursts of %d tasks arriving on one worker, %d workers ==\n", sz.bursts, burstSize, workers)
	fmt.Fprintln(w, "predict: under which policy do some tasks wait far longer than the rest?")
	results := []*policyResult{{policy: steal.LIFO}, {policy: steal.FIFO}}
	pools := make([]*workpool.Pool, len(results))
	for i, r := range results {
		pools[i] = workpool.New(workpool.WithWorkers(workers), workpool.WithPolicy(r.policy),
			workpool.WithName("burst-"+r.policy.String()))
	}
	defer func() {
		for _, p := range pools {
			_ = p.Close()
		}
	}()
	for range sz.bursts {
		for i, r := range results {
			waits, err := spawnBurst(ctx, pools[i], burstSize)
			if err != nil {
				return err
			}
			r.tasks += burstSize
			r.waits = append(r.waits, waits...)
		}
	}
	for i, r := range results {
		p := pools[i]
		if err := p.Close(); err != nil {
			return err
		}
		st := p.Stats()
		if st.Completed != st.Submitted {
			return fmt.Errorf("policies: %v: %d tasks submitted, %d completed", r.policy, st.Submitted, st.Completed)
		}
		r.attempts, r.steals, r.stolen = st.StealAttempts, st.Steals, st.Stolen
		for _, ws := range st.PerWorker {
			r.perWorker = append(r.perWorker, ws.Completed)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "policy\ttasks\tsteals/attempts\tsuccess\tstolen\twait p50\twait p99\twait stddev\tcompleted per worker (+1 root per burst)\t")
	for _, r := range results {
		p50, p99, sd := waitStats(r.waits)
		fmt.Fprintf(tw, "%v\t%d\t%d/%d\t%.0f%%\t%d\t%v\t%v\t%v\t%v\t\n", r.policy, r.tasks, r.steals, r.attempts,
			100*rate(r.steals, r.attempts), r.stolen, p50, p99, sd, r.perWorker)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "why: while tasks keep arriving, LIFO serves the newest first: most tasks start")
	fmt.Fprintln(w, "     sooner (lower p50), but the early ones wait until the arrivals stop or a thief")
	fmt.Fprintln(w, "     takes them (thieves always take the oldest): a longer tail, a wider spread.")
	fmt.Fprintln(w, "     FIFO serves them in order: fairer, a tighter p99. Same work, about the same")
	fmt.Fprintln(w, "     mean wait; only who waits changes. Re-run: one run on a busy machine is noisy.")
	return nil
}

// waitStats returns the median, the 99th percentile (nearest rank) and the
// standard deviation of waits.
func waitStats(waits []time.Duration) (p50, p99, stddev time.Duration) {
	if len(waits) == 0 {
		return 0, 0, 0
	}
	sorted := slices.Clone(waits)
	slices.Sort(sorted)
	rank := func(q float64) time.Duration {
		i := int(q*float64(len(sorted))+0.999999) - 1
		return sorted[max(0, min(i, len(sorted)-1))]
	}
	var sum, sumSq float64
	for _, d := range waits {
		f := float64(d)
		sum += f
		sumSq += f * f
	}
	n := float64(len(waits))
	mean := sum / n
	variance := max(0, sumSq/n-mean*mean)
	return rank(0.50).Round(time.Microsecond), rank(0.99).Round(time.Microsecond),
		time.Duration(sqrt(variance)).Round(time.Microsecond)
}

// sqrt is Newton's method, enough for a standard deviation.
func sqrt(x float64) float64 {
	if x <= 0 {
		return 0
	}
	z := x
	for range 60 {
		z = (z + x/z) / 2
	}
	return z
}

package mutexbench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// mutexWaitMetric is the runtime/metrics name whose delta over a run is
// reported as Result.MutexWait.
const mutexWaitMetric = "/sync/mutex/wait/total:seconds"

// maxSamples bounds the latency samples kept per operation kind per run:
// 32768 samples pin p99 to within a fraction of a percent of rank, cost
// 256 KiB, and sort in about a millisecond. Each goroutine keeps an equal
// share in a reservoir (Vitter's algorithm R), so a run of any length keeps
// a uniform sample of that goroutine's timed operations.
const maxSamples = 1 << 15

// Latency summarizes a set of operation latencies. Percentiles use the
// nearest-rank definition: P50 is the smallest sample that at least half of
// the samples do not exceed.
type Latency struct {
	P50, P99, Max time.Duration
	Samples       int // number of samples summarized
}

// LatencyOf returns the percentiles of samples; it does not modify samples.
// The zero Latency is returned for no samples.
func LatencyOf(samples []time.Duration) Latency {
	n := len(samples)
	if n == 0 {
		return Latency{}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	rank := func(p int) time.Duration { return s[(n*p+99)/100-1] } // ceil(n·p/100)-th smallest
	return Latency{P50: rank(50), P99: rank(99), Max: s[n-1], Samples: n}
}

// Result is the outcome of one Run.
type Result struct {
	Lock     string   // the Lock's Name
	Scenario Scenario // as run: defaults filled in, Goroutines and GOMAXPROCS as in effect

	Ops, Reads, Writes uint64        // operations completed; Ops == Reads + Writes
	Elapsed            time.Duration // from releasing the goroutines to the last one finishing
	Throughput         float64       // Ops per second of Elapsed

	// ReadLatency and WriteLatency cover timed operations (one in
	// Scenario.SampleEvery per goroutine): the time from calling Read or
	// Write to its return, lock wait included.
	ReadLatency, WriteLatency Latency
	// MaxWriterWait is the longest time a timed Write waited between being
	// called and its function starting, that is, to acquire the lock.
	// Waits over 1 ms mean sync.Mutex has entered starvation mode.
	MaxWriterWait time.Duration
	// MutexWait is the change of the runtime's
	// /sync/mutex/wait/total:seconds metric over the run: time goroutines of the whole process spent blocked on
	// sync.Mutex, sync.RWMutex or runtime-internal locks. Spinning is not
	// counted, and neither is anything the lock does outside those.
	MutexWait time.Duration
	// Violations counts broken invariants: reads that saw A+B != 0, plus
	// writes missing from (or extra in) A at the end. It is zero for any
	// correct Store.
	Violations uint64
	// UnitCostNs is the calibrated cost, in nanoseconds, of one work unit
	// the run used (see UnitCost).
	UnitCostNs float64
}

// NsPerOp returns the mean wall-clock time per operation across all
// goroutines (Elapsed / Ops), or 0 when no operation completed.
func (r Result) NsPerOp() float64 {
	if r.Ops == 0 {
		return 0
	}
	return float64(r.Elapsed) / float64(r.Ops)
}

// Run drives a fresh Store of lock l with the workload s and measures it.
//
// It starts s.Goroutines goroutines, releases them together, and stops
// them after s.Duration or s.Ops operations, whichever comes first, or when
// ctx is done. Each goroutine draws reads and writes at random in the ratio
// s.ReadPercent, does the calibrated read or write work inside the lock and
// s.OutsideWork outside it. Run returns once every goroutine it started has
// returned.
//
// Run is safe to call from several goroutines, but overlapping runs compete
// for the same processors and measure each other; run them one at a time.
//
// Run returns an error wrapping ErrInvalidScenario for a bad s or l. If ctx
// is done before the run ends, Run returns the partial Result with
// context.Cause(ctx).
func Run(ctx context.Context, s Scenario, l Lock) (Result, error) {
	s, err := s.normalized()
	if err != nil {
		return Result{}, err
	}
	if err := checkLock(l); err != nil {
		return Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return Result{}, context.Cause(ctx)
	}
	if s.GOMAXPROCS > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(s.GOMAXPROCS))
	}
	s.GOMAXPROCS = runtime.GOMAXPROCS(0)
	s.Goroutines = s.goroutines()
	st := l.New(NewData(s.DataSize))
	if st == nil {
		return Result{}, fmt.Errorf("%w: Lock %q's New returned nil", ErrInvalidScenario, l.Name)
	}
	workers := newWorkers(s)
	r := Result{Lock: l.Name, Scenario: s, UnitCostNs: UnitCost()}
	canceled := drive(ctx, s, st, workers, &r)
	r.collect(workers)
	r.checkFinal(st)
	if canceled {
		return r, context.Cause(ctx)
	}
	return r, nil
}

// newWorkers splits s.Ops, if set, evenly over s.Goroutines workers.
func newWorkers(s Scenario) []*worker {
	g := s.Goroutines
	keep := max(256, maxSamples/g)
	workers := make([]*worker, g)
	for i := range workers {
		quota := math.MaxInt
		if s.Ops > 0 {
			quota = s.Ops / g
			if i < s.Ops%g {
				quota++
			}
		}
		workers[i] = newWorker(i, s, quota, keep)
	}
	return workers
}

// drive releases the workers together, stops them when ctx is done, and
// waits for all of them; each worker stops itself at s.Duration. It records
// the elapsed time and the runtime's mutex wait in r, and reports whether
// ctx ended the run.
func drive(ctx context.Context, s Scenario, st Store, workers []*worker, r *Result) (canceled bool) {
	var (
		stop        atomic.Bool
		release     = make(chan struct{})
		finished    = make(chan struct{})
		stopperDone = make(chan struct{})
		wg          sync.WaitGroup
	)
	for _, w := range workers {
		wg.Go(func() {
			<-release
			w.run(st, &stop)
		})
	}
	go func() {
		defer close(stopperDone)
		select {
		case <-ctx.Done():
			canceled = true
			stop.Store(true)
		case <-finished:
		}
	}()
	waitBefore := mutexWait()
	start := time.Now()
	if s.Duration > 0 {
		for _, w := range workers {
			w.deadline = start.Add(s.Duration) // published to the worker by close(release)
		}
	}
	close(release)
	wg.Wait()
	r.Elapsed = time.Since(start)
	r.MutexWait = time.Duration((mutexWait() - waitBefore) * 1e9)
	close(finished)
	<-stopperDone // canceled is written before this
	return canceled
}

// collect adds up the workers' counts and merges their latency samples.
func (r *Result) collect(workers []*worker) {
	var reads, writes []time.Duration
	for _, w := range workers {
		r.Reads += w.reads
		r.Writes += w.writes
		r.Violations += w.violations
		r.MaxWriterWait = max(r.MaxWriterWait, w.maxWait)
		reads = append(reads, w.readLat...)
		writes = append(writes, w.writeLat...)
	}
	r.Ops = r.Reads + r.Writes
	if r.Elapsed > 0 {
		r.Throughput = float64(r.Ops) / r.Elapsed.Seconds()
	}
	r.ReadLatency = LatencyOf(reads)
	r.WriteLatency = LatencyOf(writes)
}

// checkFinal counts as violations the writes missing from (or extra in) A
// and a final A+B other than zero: a Store that loses or tears writes fails
// here even when no reader happened to catch it in the act.
func (r *Result) checkFinal(st Store) {
	var finalA, finalSum int64
	st.Read(func(d *Data) { finalA, finalSum = d.A, d.A+d.B })
	if finalA != int64(r.Writes) {
		r.Violations += uint64(max(finalA-int64(r.Writes), int64(r.Writes)-finalA))
	}
	if finalSum != 0 {
		r.Violations++
	}
}

// mutexWait reads mutexWaitMetric in seconds, or 0 where the runtime does
// not support it.
func mutexWait() float64 {
	s := []metrics.Sample{{Name: mutexWaitMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return s[0].Value.Float64()
}

// worker is one goroutine's state during a run. Everything it writes during
// the run is its own, so workers share nothing but the Store and the stop
// flag; the main goroutine reads the fields after wg.Wait. The padding at
// both ends keeps two workers' hot fields (x, ri, the counters) off a
// shared cache line: without it, parallel readers under RWMutex would bounce
// that line on every operation and look slower than serialized ones under
// Mutex, a harness artifact, not a lock property.
type worker struct {
	_          [128]byte
	s          Scenario
	seed       uint64
	quota      int
	deadline   time.Time // zero when only Ops ends the run
	keep       int
	readThresh uint64 // a draw below readThresh is a read
	allReads   bool

	ru, wu, ou int // work units: read, write, outside
	ri, wi, oi int // where the next read, write, outside work starts
	x          uint64
	own        []uint64 // this goroutine's own data, for work outside the lock

	reads, writes, violations uint64
	readLat, writeLat         []time.Duration
	seenR, seenW              int // timed reads and writes, for the reservoirs

	timing  bool      // the current Write is timed
	t0      time.Time // when the current timed Write was called
	wait    time.Duration
	maxWait time.Duration
	_       [128]byte
}

func newWorker(i int, s Scenario, quota, keep int) *worker {
	w := &worker{
		s:        s,
		seed:     splitmix(uint64(i) + 1),
		quota:    quota,
		keep:     keep,
		allReads: s.ReadPercent >= 100,
		ru:       units(s.ReadWork),
		wu:       units(s.WriteWork),
		ou:       units(s.OutsideWork),
		own:      NewData(64).Table,
	}
	// The reservoirs are allocated up front, so that a run does not
	// allocate, and collect garbage, while it is timed.
	if s.ReadPercent > 0 {
		w.readLat = make([]time.Duration, 0, keep)
	}
	if s.ReadPercent < 100 {
		w.writeLat = make([]time.Duration, 0, keep)
	}
	// Draws are 53-bit, so the threshold is exact for any ReadPercent a
	// float64 holds.
	w.readThresh = uint64(s.ReadPercent / 100 * (1 << 53))
	w.ri = int(w.seed % uint64(s.DataSize))
	w.wi = w.ri
	return w
}

func (w *worker) run(st Store, stop *atomic.Bool) {
	readFn := func(d *Data) {
		a := d.A
		w.ri, w.x = readWork(d.Table, w.ri, w.ru, w.x)
		if a+d.B != 0 {
			w.violations++
		}
	}
	writeFn := func(d *Data) {
		if w.timing {
			w.wait = time.Since(w.t0)
		}
		d.A++
		w.wi, w.x = writeWork(d.Table, w.wi, w.wu, w.x)
		d.B--
	}
	every := w.s.SampleEvery
	countdown := int(w.seed % uint64(every)) // stagger goroutines' timed ops
	for n := 0; n < w.quota; n++ {
		if stop.Load() || n%deadlineEvery == 0 && w.pastDeadline() {
			break
		}
		read := w.allReads || splitmix(w.seed+uint64(n))>>11 < w.readThresh
		timed := countdown == 0
		if timed {
			countdown = every
		}
		countdown--
		switch {
		case read && !timed:
			st.Read(readFn)
			w.reads++
		case read:
			t0 := time.Now()
			st.Read(readFn)
			w.readLat = w.sample(w.readLat, &w.seenR, time.Since(t0))
			w.reads++
		case !timed:
			st.Write(writeFn)
			w.writes++
		default:
			w.timing, w.t0 = true, time.Now()
			st.Write(writeFn)
			lat := time.Since(w.t0)
			w.timing = false
			w.writeLat = w.sample(w.writeLat, &w.seenW, lat)
			w.maxWait = max(w.maxWait, w.wait)
			w.writes++
		}
		if w.ou > 0 {
			w.oi, w.x = readWork(w.own, w.oi, w.ou, w.x)
		}
	}
	w.own[0] ^= w.x // keep the folded value observable
}

// deadlineEvery is how often, in operations, a worker reads the clock to
// see whether its run is over: a clock read costs about 20 ns, under 1 ns
// per operation at this rate. Workers stop themselves rather than wait for
// a timer, whose goroutine may find no free P for up to the 10 ms
// preemption slice while the workers keep every P busy.
const deadlineEvery = 32

func (w *worker) pastDeadline() bool {
	return !w.deadline.IsZero() && !time.Now().Before(w.deadline)
}

// sample adds v to the reservoir buf, which keeps a uniform sample of at
// most w.keep of the *seen values offered so far.
func (w *worker) sample(buf []time.Duration, seen *int, v time.Duration) []time.Duration {
	*seen++
	if len(buf) < w.keep {
		return append(buf, v)
	}
	if j := rand.IntN(*seen); j < w.keep {
		buf[j] = v
	}
	return buf
}

package runtimemetrics_test

import (
	"context"
	"fmt"
	"math"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gmpkit/gmpkit/runtimemetrics"
	"github.com/gmpkit/gmpkit/workpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// busyPool returns a closed pool that ran fork-join work, plain tasks, one
// panicking task and one task skipped because its context ended while it
// was queued, every submitted task sampled for the latency histograms, so
// that its Stats are final and non-trivial.
func busyPool(t testing.TB, name string) *workpool.Pool {
	t.Helper()
	const workers = 4
	var panics atomic.Int64
	p := workpool.New(workpool.WithName(name), workpool.WithWorkers(workers), workpool.WithLatencySampling(1),
		workpool.WithPanicHandler(func(*workpool.PanicError) { panics.Add(1) }))
	var fib func(w *workpool.Worker, n int) int
	fib = func(w *workpool.Worker, n int) int {
		if n < 2 {
			return n
		}
		a, b := workpool.Join2(w,
			func(w *workpool.Worker) int { return fib(w, n-1) },
			func(w *workpool.Worker) int { return fib(w, n-2) })
		return a + b
	}
	require.NoError(t, p.Run(context.Background(), func(w *workpool.Worker) error {
		if got := fib(w, 16); got != 987 {
			return fmt.Errorf("fib(16) = %d", got)
		}
		return nil
	}))
	for range 100 {
		require.NoError(t, p.Submit(func() {}))
	}
	require.NoError(t, p.Submit(func() { panic("boom") }))
	skipOne(t, p, workers)
	require.NoError(t, p.Close())
	require.EqualValues(t, 1, panics.Load(), "panic handler calls")
	return p
}

// skipOne occupies every worker of p, queues a task with SubmitContext and
// ends its context before releasing the workers, so that the task is
// skipped, never run.
func skipOne(t testing.TB, p *workpool.Pool, workers int) {
	t.Helper()
	var started sync.WaitGroup
	started.Add(workers)
	gate := make(chan struct{})
	for range workers {
		require.NoError(t, p.Submit(func() { started.Done(); <-gate }))
	}
	started.Wait()
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, p.SubmitContext(ctx, func(context.Context) { t.Error("a task whose context ended ran") }))
	cancel()
	close(gate)
	require.NoError(t, p.Wait())
}

// series flattens gathered families into name{sorted labels} -> value for
// counters and gauges, and name_count / name_sum for histograms.
func series(t *testing.T, mfs []*dto.MetricFamily) map[string]float64 {
	t.Helper()
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				ls = append(ls, l.GetName()+`="`+l.GetValue()+`"`)
			}
			sort.Strings(ls)
			key := "{" + strings.Join(ls, ",") + "}"
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				got[mf.GetName()+key] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				got[mf.GetName()+key] = m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				got[mf.GetName()+"_count"+key] = float64(m.GetHistogram().GetSampleCount())
			default:
				t.Errorf("%s has type %v", mf.GetName(), mf.GetType())
			}
			assert.Equal(t, strings.HasSuffix(mf.GetName(), "_total"), mf.GetType() == dto.MetricType_COUNTER,
				"%s has type %v", mf.GetName(), mf.GetType())
		}
	}
	return got
}

// The Prometheus name of every field of workpool.Counts, as users query it.
var counterNames = map[string]func(*workpool.Counts) uint64{
	"tasks_submitted_total": func(c *workpool.Counts) uint64 { return c.Submitted },
	"tasks_completed_total": func(c *workpool.Counts) uint64 { return c.Completed },
	"tasks_skipped_total":   func(c *workpool.Counts) uint64 { return c.Skipped },
	"tasks_panicked_total":  func(c *workpool.Counts) uint64 { return c.Panicked },
	"tasks_goexits_total":   func(c *workpool.Counts) uint64 { return c.Goexits },
	"tasks_inlined_total":   func(c *workpool.Counts) uint64 { return c.Inlined },
	"local_pops_total":      func(c *workpool.Counts) uint64 { return c.LocalPops },
	"runnext_pops_total":    func(c *workpool.Counts) uint64 { return c.RunnextPops },
	"global_pops_total":     func(c *workpool.Counts) uint64 { return c.GlobalPops },
	"steal_attempts_total":  func(c *workpool.Counts) uint64 { return c.StealAttempts },
	"steals_total":          func(c *workpool.Counts) uint64 { return c.Steals },
	"stolen_tasks_total":    func(c *workpool.Counts) uint64 { return c.Stolen },
	"parks_total":           func(c *workpool.Counts) uint64 { return c.Parks },
	"wakeups_total":         func(c *workpool.Counts) uint64 { return c.Wakeups },
	"handoffs_total":        func(c *workpool.Counts) uint64 { return c.Handoffs },
}

func TestPoolCollector_EveryStatsFieldIsExportedWithItsValue(t *testing.T) {
	p := busyPool(t, "matches")
	st := p.Stats()
	require.Len(t, counterNames, len(workpool.CounterInfos()), "a counter of workpool.CounterInfos has no expected name here")

	want := map[string]float64{}
	put := func(name string, v float64, worker ...int) {
		key := "gmpkit_workpool_" + name + `{pool="matches"`
		if len(worker) > 0 {
			key += `,worker="` + strconv.Itoa(worker[0]) + `"`
		}
		want[key+"}"] = v
	}
	put("workers", float64(st.Workers))
	put("idle_workers", float64(st.Idle))
	put("spinning_workers", float64(st.Spinning))
	put("blocked_workers", float64(st.Blocked))
	put("spare_workers", float64(st.Spares))
	put("queued_tasks", float64(st.Queued))
	put("global_queued_tasks", float64(st.GlobalQueued))
	put("steal_success_ratio", st.StealSuccessRate())
	put("queue_wait_seconds_count", float64(total(st.QueueWait.Counts)))
	put("run_time_seconds_count", float64(total(st.RunTime.Counts)))
	want[`gmpkit_workpool_info{policy="`+st.Policy.String()+`",pool="matches"}`] = 1
	for name, value := range counterNames {
		put(name, float64(value(&st.Counts)))
	}
	for _, w := range st.PerWorker {
		put("worker_queued_tasks", float64(w.Queued), w.ID)
		for name, value := range counterNames {
			put("worker_"+name, float64(value(&w.Counts)), w.ID)
		}
	}

	assert.Equal(t, want, series(t, gather(t, runtimemetrics.NewPoolCollector(p))))
	assert.True(t, st.Submitted > 0 && st.Completed+st.Skipped == st.Submitted && st.Panicked == 1 && st.Skipped == 1,
		"implausible Stats: %v", st)
}

func total(counts []uint64) (n uint64) {
	for _, c := range counts {
		n += c
	}
	return n
}

func TestPoolCollector_LatencyHistogramsAreCumulativeStatsBucketsWithMidpointSums(t *testing.T) {
	p := busyPool(t, "latency")
	st := p.Stats()
	mfs := gather(t, runtimemetrics.NewPoolCollector(p, runtimemetrics.WithPerWorker(false)))
	edges := workpool.LatencyBuckets()
	require.Equal(t, 0.0, edges[0])
	require.True(t, math.IsInf(edges[len(edges)-1], 1))

	for _, tc := range []struct {
		name string
		h    *metrics.Float64Histogram
	}{{"queue_wait_seconds", st.QueueWait}, {"run_time_seconds", st.RunTime}} {
		h := tc.h
		t.Run(tc.name, func(t *testing.T) {
			mf := family(mfs, "gmpkit_workpool_"+tc.name)
			require.NotNil(t, mf)
			require.Equal(t, dto.MetricType_HISTOGRAM, mf.GetType())
			got := mf.GetMetric()[0].GetHistogram()
			require.Equal(t, edges, h.Buckets, "Stats' buckets are LatencyBuckets")
			require.Len(t, got.GetBucket(), len(h.Counts)-1, "one Prometheus bucket per finite upper edge")

			var cum uint64
			var sum float64
			for i, c := range h.Counts {
				lo, hi := h.Buckets[i], h.Buckets[i+1]
				if math.IsInf(hi, 1) {
					sum += float64(c) * lo // unbounded: its finite edge
					break
				}
				sum += float64(c) * (lo + hi) / 2
				cum += c
				b := got.GetBucket()[i]
				assert.Equal(t, hi, b.GetUpperBound(), "bucket %d", i)
				assert.Equal(t, cum, b.GetCumulativeCount(), "bucket %d (le=%v)", i, hi)
			}
			assert.Equal(t, total(h.Counts), got.GetSampleCount())
			assert.InDelta(t, sum, got.GetSampleSum(), 1e-9*sum)
			assert.GreaterOrEqual(t, got.GetSampleCount(), uint64(100), "every submitted task is sampled")
		})
	}
}

func TestPoolCollector_PromlintCleanAndPoolsCoexistByName(t *testing.T) {
	a, b := busyPool(t, "a"), busyPool(t, "b")
	mfs := gather(t, runtimemetrics.NewPoolCollector(a), runtimemetrics.NewPoolCollector(b),
		runtimemetrics.NewPoolCollector(b, runtimemetrics.WithPoolNamespace("other"), runtimemetrics.WithPerWorker(false)))
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	require.NoError(t, err)
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	assert.Nil(t, family(mfs, "other_worker_steals_total"), "WithPerWorker(false) still exports per-worker series")
	assert.NotNil(t, family(mfs, "other_steals_total"), "WithPoolNamespace")
	reg := prometheus.NewRegistry()
	reg.MustRegister(runtimemetrics.NewPoolCollector(a))
	assert.Error(t, reg.Register(runtimemetrics.NewPoolCollector(a)), "a second collector for a pool of the same name registered")
}

func TestPoolCollector_ConcurrentScrapesOfARunningPoolAreConsistent(t *testing.T) {
	p := workpool.New(workpool.WithName("running"), workpool.WithWorkers(4), workpool.WithLatencySampling(1))
	reg := prometheus.NewPedanticRegistry() // checks every series against its Desc
	reg.MustRegister(runtimemetrics.NewPoolCollector(p))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			for range 64 {
				_ = p.Submit(func() {})
			}
			_ = p.Wait()
		}
	})
	var scrapers sync.WaitGroup
	for range 4 {
		scrapers.Go(func() {
			for range 20 {
				mfs, err := reg.Gather()
				if !assert.NoError(t, err) {
					return
				}
				// A scrape is one Stats call: the histogram's count is its +Inf bucket's.
				h := family(mfs, "gmpkit_workpool_queue_wait_seconds").GetMetric()[0].GetHistogram()
				bs := h.GetBucket()
				assert.LessOrEqual(t, bs[len(bs)-1].GetCumulativeCount(), h.GetSampleCount())
			}
		})
	}
	scrapers.Wait()
	close(stop)
	wg.Wait()
	require.NoError(t, p.Close())
}

func TestPoolCollector_OptionsOfOtherConstructorsPanic(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(1))
	defer func() { require.NoError(t, p.Close()) }()
	assert.PanicsWithValue(t,
		"runtimemetrics: NewPoolCollector called with WithNamespace, which configures a Sampler or Collector",
		func() { runtimemetrics.NewPoolCollector(p, runtimemetrics.WithNamespace("app")) })
	assert.PanicsWithValue(t,
		"runtimemetrics: NewCollector called with WithPerWorker, which configures a PoolCollector",
		func() { runtimemetrics.NewCollector(runtimemetrics.WithPerWorker(false)) })
	assert.PanicsWithValue(t,
		"runtimemetrics: NewSampler called with WithPoolNamespace, which configures a PoolCollector",
		func() { runtimemetrics.NewSampler(runtimemetrics.WithPoolNamespace("app")) })
	assert.PanicsWithValue(t, "runtimemetrics: NewPoolCollector called with a nil Option",
		func() { runtimemetrics.NewPoolCollector(p, nil) })
}

func TestNewPoolCollector_NilPoolPanicsNamingTheFunction(t *testing.T) {
	assert.PanicsWithValue(t, "runtimemetrics: NewPoolCollector called with nil *workpool.Pool",
		func() { runtimemetrics.NewPoolCollector(nil) })
}

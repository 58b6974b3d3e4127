package runtimemetrics_test

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gmpkit/gmpkit/runtimemetrics"
	"github.com/gmpkit/gmpkit/workpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
)

// busyPool returns a closed pool that ran fork-join work, plain tasks and
// one panicking task, so that its Stats are final and non-trivial.
func busyPool(t testing.TB, name string) *workpool.Pool {
	t.Helper()
	var panics atomic.Int64
	p := workpool.New(workpool.WithName(name), workpool.WithWorkers(4),
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
	if err := p.Run(context.Background(), func(w *workpool.Worker) error {
		if got := fib(w, 16); got != 987 {
			return fmt.Errorf("fib(16) = %d", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if err := p.Submit(func() {}); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Submit(func() { panic("boom") }); err != nil {
		t.Fatal(err)
	}
	_ = p.Wait()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if panics.Load() != 1 {
		t.Fatalf("panic handler ran %d times, want 1", panics.Load())
	}
	return p
}

func TestPoolCollector_ValuesMatchStats(t *testing.T) {
	p := busyPool(t, "matches")
	st := p.Stats()
	mfs := gather(t, runtimemetrics.NewPoolCollector(p))

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
	put("queued_tasks", float64(st.Queued))
	put("global_queued_tasks", float64(st.GlobalQueued))
	put("steal_success_ratio", st.StealSuccessRate())
	put("tasks_submitted_total", float64(st.Submitted))
	put("tasks_completed_total", float64(st.Completed))
	put("tasks_panicked_total", float64(st.Panicked))
	put("local_pops_total", float64(st.LocalPops))
	put("runnext_pops_total", float64(st.RunnextPops))
	put("global_pops_total", float64(st.GlobalPops))
	put("steal_attempts_total", float64(st.StealAttempts))
	put("steals_total", float64(st.Steals))
	put("stolen_tasks_total", float64(st.Stolen))
	put("parks_total", float64(st.Parks))
	put("wakeups_total", float64(st.Wakeups))
	want[`gmpkit_workpool_info{policy="`+st.Policy.String()+`",pool="matches",steal_mode="`+st.StealMode.String()+`"}`] = 1
	for _, w := range st.PerWorker {
		put("worker_queued_tasks", float64(w.Queued), w.ID)
		put("worker_tasks_submitted_total", float64(w.Submitted), w.ID)
		put("worker_tasks_completed_total", float64(w.Completed), w.ID)
		put("worker_tasks_panicked_total", float64(w.Panicked), w.ID)
		put("worker_local_pops_total", float64(w.LocalPops), w.ID)
		put("worker_runnext_pops_total", float64(w.RunnextPops), w.ID)
		put("worker_global_pops_total", float64(w.GlobalPops), w.ID)
		put("worker_steal_attempts_total", float64(w.StealAttempts), w.ID)
		put("worker_steals_total", float64(w.Steals), w.ID)
		put("worker_stolen_tasks_total", float64(w.Stolen), w.ID)
		put("worker_parks_total", float64(w.Parks), w.ID)
		put("worker_wakeups_total", float64(w.Wakeups), w.ID)
	}

	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				ls = append(ls, l.GetName()+`="`+l.GetValue()+`"`)
			}
			sort.Strings(ls)
			key := mf.GetName() + "{" + strings.Join(ls, ",") + "}"
			if mf.GetType() == dto.MetricType_COUNTER {
				got[key] = m.GetCounter().GetValue()
			} else {
				got[key] = m.GetGauge().GetValue()
			}
			if strings.HasSuffix(mf.GetName(), "_total") != (mf.GetType() == dto.MetricType_COUNTER) {
				t.Errorf("%s has type %v", mf.GetName(), mf.GetType())
			}
		}
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected series %s", k)
		}
	}
	if st.Submitted == 0 || st.Completed != st.Submitted || st.Panicked != 1 {
		t.Errorf("implausible Stats: %+v", st)
	}
}

func TestPoolCollector_PromlintCleanAndPoolsCoexistByName(t *testing.T) {
	a, b := busyPool(t, "a"), busyPool(t, "b")
	mfs := gather(t, runtimemetrics.NewPoolCollector(a), runtimemetrics.NewPoolCollector(b),
		runtimemetrics.NewPoolCollector(b, runtimemetrics.WithPoolNamespace("other"), runtimemetrics.WithPerWorker(false)))
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	if mf := family(mfs, "other_worker_steals_total"); mf != nil {
		t.Error("WithPerWorker(false) still exports per-worker series")
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(runtimemetrics.NewPoolCollector(a))
	if err := reg.Register(runtimemetrics.NewPoolCollector(a)); err == nil {
		t.Error("a second collector for a pool of the same name registered")
	}
}

func TestNewPoolCollector_NilPoolPanicsNamingTheFunction(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "runtimemetrics: NewPoolCollector") {
			t.Errorf("recovered %v", r)
		}
	}()
	runtimemetrics.NewPoolCollector(nil)
}

package runtimemetrics_test

import (
	"encoding/json"
	"expvar"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gmpkit/gmpkit/runtimemetrics"
)

type doc struct {
	Time time.Time `json:"time"`
	SLI  struct {
		WindowStart     time.Time          `json:"window_start"`
		WindowSeconds   float64            `json:"window_seconds"`
		SchedLatencyP50 *float64           `json:"sched_latency_p50_seconds"`
		SchedLatencyP99 *float64           `json:"sched_latency_p99_seconds"`
		GCPauseP99      *float64           `json:"gc_pause_p99_seconds"`
		Goroutines      map[string]float64 `json:"goroutines"`
		MutexWaitRate   *float64           `json:"mutex_wait_seconds_per_second"`
	} `json:"sli"`
	Metrics    map[string]float64 `json:"metrics"`
	Histograms map[string]struct {
		UpperBounds []float64 `json:"upper_bounds"`
		Counts      []uint64  `json:"counts"`
		Count       uint64    `json:"count"`
		Sum         float64   `json:"sum"`
	} `json:"histograms"`
	Names   map[string]string `json:"prometheus_names"`
	Dropped int               `json:"dropped_series"`
}

func get(t *testing.T, h http.Handler, method string) (*httptest.ResponseRecorder, doc) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, "/debug/runtimemetrics", nil))
	var d doc
	if w.Code == http.StatusOK && method == http.MethodGet {
		if err := json.Unmarshal(w.Body.Bytes(), &d); err != nil {
			t.Fatalf("body is not JSON: %v\n%s", err, w.Body)
		}
	}
	return w, d
}

// churn makes the scheduler and the mutex profile see some work.
func churn() {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Go(func() {
			for j := 0; j < 100; j++ {
				mu.Lock()
				runtime.Gosched()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

func TestHandler_JSONSnapshotWithSLIsOverTheWindowSinceTheLastRequest(t *testing.T) {
	h := runtimemetrics.Handler()
	churn()
	w, first := get(t, h, http.MethodGet)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("GET: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	if first.SLI.Goroutines["total"] < 1 || first.Metrics["/sched/goroutines:goroutines"] < 1 {
		t.Errorf("no goroutines counted: %+v", first.SLI.Goroutines)
	}
	if _, ok := first.Histograms["/sched/latencies:seconds"]; !ok {
		t.Error("no /sched/latencies:seconds histogram")
	}
	if first.Names["/sched/latencies:seconds"] != "go_runtime_sched_latencies_seconds" {
		t.Errorf("prometheus name %q", first.Names["/sched/latencies:seconds"])
	}
	churn()
	_, second := get(t, h, http.MethodGet)
	if !second.SLI.WindowStart.Equal(first.Time) {
		t.Errorf("second window starts %v, want the first request's sample time %v", second.SLI.WindowStart, first.Time)
	}
	p50, p99 := second.SLI.SchedLatencyP50, second.SLI.SchedLatencyP99
	if p50 == nil || p99 == nil || *p50 < 0 || *p99 < *p50 {
		t.Errorf("sched latency p50 %v p99 %v: want 0 <= p50 <= p99 after churn", p50, p99)
	}
	if r := second.SLI.MutexWaitRate; r == nil || *r < 0 {
		t.Errorf("mutex wait rate %v", r)
	}
	for name, hd := range second.Histograms {
		var n uint64
		for _, c := range hd.Counts {
			n += c
		}
		if n != hd.Count || len(hd.Counts) != len(hd.UpperBounds)+1 {
			t.Errorf("%s: counts %v sum to %d, count %d, %d bounds", name, hd.Counts, n, hd.Count, len(hd.UpperBounds))
		}
	}
	if w, _ := get(t, h, http.MethodPost); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", w.Code)
	}
	if w, _ := get(t, h, http.MethodHead); w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Errorf("HEAD: %d with %d bytes", w.Code, w.Body.Len())
	}
}

// One sampler, three outputs: JSON, expvar and Prometheus show the same numbers.
func TestOneSample_JSONExpvarAndPrometheusShowTheSameNumbers(t *testing.T) {
	c := newFake()
	_, d := get(t, c.Sampler().Handler(), http.MethodGet)
	name := fmt.Sprintf("runtimemetrics_test_fake_%d", expvarSeq.Add(1))
	c.Sampler().PublishExpvar(name)
	var ev doc
	if err := json.Unmarshal([]byte(expvar.Get(name).String()), &ev); err != nil {
		t.Fatal(err)
	}
	mfs := gather(t, c)
	for _, src := range []doc{d, ev} {
		for rt, v := range fakeValues {
			name := src.Names[rt]
			if strings.HasPrefix(rt, "/godebug/") {
				if _, ok := src.Metrics[rt]; ok {
					t.Errorf("%s present though not selected", rt)
				}
				continue
			}
			mf := family(mfs, name)
			if mf == nil {
				t.Fatalf("%s (%s) not exported", rt, name)
			}
			pv := mf.GetMetric()[0].GetGauge().GetValue() + mf.GetMetric()[0].GetCounter().GetValue()
			if src.Metrics[rt] != v || pv != v {
				t.Errorf("%s: JSON %v, Prometheus %v, sample %v", rt, src.Metrics[rt], pv, v)
			}
		}
		hd := src.Histograms[fakeSched]
		ph := family(mfs, "go_runtime_sched_latencies_seconds").GetMetric()[0].GetHistogram()
		if hd.Count != ph.GetSampleCount() || hd.Sum != ph.GetSampleSum() {
			t.Errorf("histogram JSON count %d sum %v, Prometheus %d %v", hd.Count, hd.Sum, ph.GetSampleCount(), ph.GetSampleSum())
		}
		var cum uint64
		for i, b := range ph.GetBucket() {
			cum += hd.Counts[i]
			if b.GetUpperBound() != hd.UpperBounds[i] || b.GetCumulativeCount() != cum {
				t.Errorf("bucket %d: JSON le %v cum %d, Prometheus %v", i, hd.UpperBounds[i], cum, b)
			}
		}
		// 1.5 s of mutex wait over the window from process start to fakeAt.
		if src.SLI.MutexWaitRate == nil || math.Abs(*src.SLI.MutexWaitRate*src.SLI.WindowSeconds-1.5) > 1e-9 {
			t.Errorf("mutex wait rate %v over %v s, want 1.5 s in total", src.SLI.MutexWaitRate, src.SLI.WindowSeconds)
		}
	}
}

var expvarSeq atomic.Int64

func stwOtherPauses() uint64 {
	s := []metrics.Sample{{Name: "/sched/pauses/total/other:seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return 0
	}
	var n uint64
	for _, c := range s[0].Value.Float64Histogram().Counts {
		n += c
	}
	return n
}

func TestPublishExpvar_ReadsWithoutStoppingTheWorld(t *testing.T) {
	if s := []metrics.Sample{{Name: "/sched/pauses/total/other:seconds"}}; true {
		metrics.Read(s)
		if s[0].Value.Kind() == metrics.KindBad {
			t.Skip("this Go does not report /sched/pauses/total/other:seconds")
		}
	}
	name := fmt.Sprintf("runtimemetrics_test_%d", expvarSeq.Add(1))
	runtimemetrics.NewSampler().PublishExpvar(name)
	v := expvar.Get(name)
	if v == nil {
		t.Fatal("not published")
	}
	// The control: ReadMemStats stops the world, and the counter sees it.
	before := stwOtherPauses()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if stwOtherPauses() == before {
		t.Fatal("ReadMemStats did not show up as a stop-the-world pause; the check below would prove nothing")
	}
	before = stwOtherPauses()
	for i := 0; i < 20; i++ {
		var d doc
		if err := json.Unmarshal([]byte(v.String()), &d); err != nil {
			t.Fatal(err)
		}
		if d.Metrics["/gc/heap/goal:bytes"] <= 0 {
			t.Fatalf("expvar document lacks the heap goal: %v", d.Metrics)
		}
	}
	if after := stwOtherPauses(); after != before {
		t.Errorf("reading the expvar stopped the world %d times", after-before)
	}
}

func TestPublishExpvar_DuplicateNamePanicsNamingTheName(t *testing.T) {
	name := fmt.Sprintf("runtimemetrics_test_dup_%d", expvarSeq.Add(1))
	s := runtimemetrics.NewSampler(runtimemetrics.WithPresets(runtimemetrics.Sync))
	s.PublishExpvar(name)
	defer func() {
		r := fmt.Sprint(recover())
		if !strings.HasPrefix(r, "runtimemetrics: PublishExpvar") || !strings.Contains(r, name) {
			t.Errorf("recovered %q", r)
		}
	}()
	s.PublishExpvar(name)
}

package runtimemetrics_test

import (
	"encoding/json"
	"expvar"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"

	"github.com/gmpkit/gmpkit/runtimemetrics"
	"github.com/gmpkit/gmpkit/workpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Register the collector next to client_golang's default Go collector, and
// serve the JSON snapshot of the same samples.
func ExampleNewCollector() {
	c := runtimemetrics.NewCollector(
		runtimemetrics.WithPresets(runtimemetrics.Scheduler, runtimemetrics.GC, runtimemetrics.Sync),
		runtimemetrics.WithDeny(regexp.MustCompile(`^/gc/scan/`)),
	)
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)

	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("/debug/runtimemetrics", c.Sampler().Handler())

	mfs, err := reg.Gather()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, mf := range mfs {
		if mf.GetName() == "go_runtime_sched_latencies_seconds" {
			h := mf.GetMetric()[0].GetHistogram()
			fmt.Println(mf.GetName(), mf.GetType())
			for _, b := range h.GetBucket() {
				if b.GetUpperBound() > 1 {
					fmt.Println("finite bucket above 1 s: le", b.GetUpperBound())
				}
			}
		}
	}
	// Output:
	// go_runtime_sched_latencies_seconds HISTOGRAM
	// finite bucket above 1 s: le 1.073741824
	// finite bucket above 1 s: le 10.73741824
	// finite bucket above 1 s: le 103.079215104
}

// Bucket layouts are per unit; requested bounds snap up to the runtime's
// own bucket boundaries, so counts are exact.
func ExampleWithBuckets() {
	s := runtimemetrics.NewSampler(
		runtimemetrics.WithPresets(runtimemetrics.Scheduler),
		runtimemetrics.WithBuckets("seconds", runtimemetrics.ExplicitBuckets(1e-6, 1e-3, 1, 60)),
	)
	var sn runtimemetrics.Snapshot
	s.Read(&sn)
	h, _ := sn.Histogram("/sched/latencies:seconds")
	fmt.Println(h.UpperBounds)
	fmt.Println(len(h.Counts) == len(h.UpperBounds)+1, h.Count >= h.Counts[0])
	// Output:
	// [1.024e-06 0.001048576 1.073741824 60.129542144]
	// true true
}

// A Sampler reads into a reused Snapshot without allocating; the Snapshot
// answers by runtime/metrics name.
func ExampleSampler() {
	s := runtimemetrics.NewSampler(runtimemetrics.WithPresets(runtimemetrics.Scheduler))
	var sn runtimemetrics.Snapshot
	s.Read(&sn)
	n, _ := sn.Value("/sched/goroutines:goroutines")
	p99, _ := sn.Quantile("/sched/latencies:seconds", 0.99, nil)
	fmt.Println(n >= 1, p99 >= 0)
	// Output: true true
}

// A pool's Stats, labelled by its name: every counter and gauge, and the
// sampled queue wait and run time of its tasks as histograms.
func ExampleNewPoolCollector() {
	p := workpool.New(workpool.WithName("images"), workpool.WithWorkers(2),
		workpool.WithLatencySampling(1)) // time every task; the default is one in 64
	for range 10 {
		_ = p.Submit(func() {})
	}
	if err := p.Close(); err != nil {
		fmt.Println(err)
		return
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(runtimemetrics.NewPoolCollector(p, runtimemetrics.WithPerWorker(false)))
	mfs, err := reg.Gather()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, mf := range mfs {
		m := mf.GetMetric()[0]
		switch mf.GetName() {
		case "gmpkit_workpool_tasks_completed_total":
			fmt.Println(mf.GetName(), m.GetLabel()[0].GetValue(), m.GetCounter().GetValue())
		case "gmpkit_workpool_queue_wait_seconds":
			h := m.GetHistogram()
			top := h.GetBucket()[len(h.GetBucket())-1].GetUpperBound()
			fmt.Println(mf.GetName(), mf.GetType(), h.GetSampleCount(), "tasks, finite buckets up to", top)
		}
	}
	// Output:
	// gmpkit_workpool_queue_wait_seconds HISTOGRAM 10 tasks, finite buckets up to 50
	// gmpkit_workpool_tasks_completed_total images 10
}

// Serve a JSON snapshot of the runtime's metrics at /debug/runtimemetrics.
// A program would register it with http.Handle; here a ServeMux of its own
// answers one request.
func ExampleHandler() {
	mux := http.NewServeMux()
	mux.Handle("/debug/runtimemetrics", runtimemetrics.Handler())

	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/debug/runtimemetrics", nil))
	var doc struct {
		Metrics map[string]float64 `json:"metrics"`
		Names   map[string]string  `json:"prometheus_names"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(w.Code, w.Header().Get("Content-Type"))
	fmt.Println(doc.Metrics["/sched/goroutines:goroutines"] >= 1)
	fmt.Println(doc.Names["/sched/latencies:seconds"])
	// Output:
	// 200 application/json
	// true
	// go_runtime_sched_latencies_seconds
}

// Publish the runtime's metrics in expvar, so that /debug/vars shows them
// under "runtime", read without stopping the world.
func ExamplePublishExpvar() {
	runtimemetrics.PublishExpvar("runtime")

	var doc struct {
		Metrics map[string]float64 `json:"metrics"`
	}
	if err := json.Unmarshal([]byte(expvar.Get("runtime").String()), &doc); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.Metrics["/gc/heap/goal:bytes"] > 0)
	// Output: true
}

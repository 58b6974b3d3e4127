package runtimemetrics_test

import (
	"net/http"
	"net/http/httptest"
	"runtime/metrics"
	"strconv"
	"testing"
	"time"

	"github.com/gmpkit/gmpkit/runtimemetrics"
	"github.com/gmpkit/gmpkit/workpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// benchCollectors are the collectors compared, over the same metric set:
// every runtime metric, /godebug/ included, as client_golang's MetricsAll.
func benchCollectors() []struct {
	name string
	c    prometheus.Collector
} {
	return []struct {
		name string
		c    prometheus.Collector
	}{
		{"impl=client_golang", collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsAll))},
		// The same without the 30-odd go_memstats_* families client_golang
		// adds by default: closer to our family count, so a harder baseline.
		{"impl=client_golang_nomemstats", collectors.NewGoCollector(
			collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsAll),
			collectors.WithGoCollectorMemStatsMetricsDisabled())},
		{"impl=gmpkit", runtimemetrics.NewCollector(runtimemetrics.WithGoDebug(true))},
		// Our default selection: /godebug/ off (66 of Go 1.26's 113 metrics).
		{"impl=gmpkit_default", runtimemetrics.NewCollector()},
	}
}

// reportCPU reports the process CPU time per op since start (user+system,
// GC included): unlike wall time, it leaves out time spent waiting for a CPU.
func reportCPU(b *testing.B, start time.Duration) {
	if d := processCPU() - start; d > 0 {
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// benchGather measures reg.Gather.
func benchGather(reg prometheus.Gatherer) func(*testing.B) {
	return func(b *testing.B) {
		b.ReportAllocs()
		cpu := processCPU()
		for b.Loop() {
			if _, err := reg.Gather(); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu)
	}
}

// BenchmarkScrape/via=gather measures Registry.Gather; via=http measures a
// full text exposition through promhttp.
func BenchmarkScrape(b *testing.B) {
	for _, bc := range benchCollectors() {
		reg := prometheus.NewRegistry()
		reg.MustRegister(bc.c)
		b.Run("via=gather/"+bc.name, benchGather(reg))
		h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		b.Run("via=http/"+bc.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatal(w.Code)
				}
			}
			reportCPU(b, cpu)
		})
	}
}

// BenchmarkSamplerRead is the floor: a raw metrics.Read of every metric,
// against a Sampler.Read into a reused Snapshot (which also folds the
// histograms into Prometheus buckets and estimates their sums).
func BenchmarkSamplerRead(b *testing.B) {
	b.Run("impl=runtime_metrics", func(b *testing.B) {
		all := metrics.All()
		s := make([]metrics.Sample, len(all))
		for i := range all {
			s[i].Name = all[i].Name
		}
		metrics.Read(s)
		b.ReportAllocs()
		for b.Loop() {
			metrics.Read(s)
		}
	})
	b.Run("impl=gmpkit", func(b *testing.B) {
		s := runtimemetrics.NewSampler(runtimemetrics.WithGoDebug(true))
		var sn runtimemetrics.Snapshot
		s.Read(&sn)
		b.ReportAllocs()
		for b.Loop() {
			s.Read(&sn)
		}
	})
}

// BenchmarkPoolScrape measures Registry.Gather of a PoolCollector alone,
// per-worker series included, over a closed pool that ran tasks.
func BenchmarkPoolScrape(b *testing.B) {
	for _, workers := range []int{4, 16} {
		p := workpool.New(workpool.WithName("bench"), workpool.WithWorkers(workers), workpool.WithLatencySampling(1))
		for range 1000 {
			if err := p.Submit(func() {}); err != nil {
				b.Fatal(err)
			}
		}
		if err := p.Close(); err != nil {
			b.Fatal(err)
		}
		reg := prometheus.NewRegistry()
		reg.MustRegister(runtimemetrics.NewPoolCollector(p))
		b.Run("via=gather/workers="+strconv.Itoa(workers), benchGather(reg))
	}
}

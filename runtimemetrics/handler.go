package runtimemetrics

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// processStart approximates the start of the process: package
// initialization runs before main.
var processStart = time.Now()

// defaultSampler is the Sampler behind [Handler] and [PublishExpvar], built
// on first use with the default options.
var defaultSampler = sync.OnceValue(func() *Sampler { return NewSampler() })

// Handler returns an http.Handler that serves a JSON snapshot of the
// runtime's metrics, with the default selection and layouts, for
// /debug/runtimemetrics; [Sampler.Handler] describes the document. Every
// Handler and [PublishExpvar] share one Sampler, built on first use. To
// serve the samples a [Collector] exports, use its Sampler's Handler
// instead.
func Handler() http.Handler { return defaultSampler().Handler() }

// The runtime metrics the derived SLIs are computed from.
const (
	schedLatencies = "/sched/latencies:seconds"
	gcPausesTotal  = "/sched/pauses/total/gc:seconds" // Go 1.22+
	gcPausesOld    = "/gc/pauses:seconds"             // deprecated alias
	mutexWait      = "/sync/mutex/wait/total:seconds"
	goroutinesAll  = "/sched/goroutines:goroutines"
)

// goroutineStates are the /sched/goroutines/<state>:goroutines metrics
// (Go 1.26+), by the JSON key they are reported under.
var goroutineStates = [...]struct{ key, name string }{
	{"runnable", "/sched/goroutines/runnable:goroutines"},
	{"running", "/sched/goroutines/running:goroutines"},
	{"waiting", "/sched/goroutines/waiting:goroutines"},
	{"not_in_go", "/sched/goroutines/not-in-go:goroutines"},
}

// SLIs are indicators derived from two snapshots of the same [Sampler]: the
// scheduler, GC and lock figures one looks at first. A value is NaN when
// the Sampler does not read the metric it needs (see [WithPresets]) or
// there were no observations in the window.
type SLIs struct {
	// Start and End bound the window the figures describe.
	Start, End time.Time
	// SchedLatencyP50 and SchedLatencyP99 are quantiles, in seconds, of the
	// time goroutines spent runnable before they ran
	// (/sched/latencies:seconds).
	SchedLatencyP50, SchedLatencyP99 float64
	// GCPauseP99 is the 99th percentile, in seconds, of the GC's
	// stop-the-world pauses (/sched/pauses/total/gc:seconds).
	GCPauseP99 float64
	// Goroutines counts goroutines by state ("runnable", "running",
	// "waiting", "not_in_go", and "total") at the end of the window. States
	// the running Go does not report are absent.
	Goroutines map[string]float64
	// MutexWaitRate is the time goroutines spent blocked on sync.Mutex and
	// sync.RWMutex per second of the window: 2 means that on average two
	// goroutines were waiting for a lock.
	MutexWaitRate float64
}

// SLIs derives [SLIs] for the window from since to sn. A nil since means
// the life of the process so far (from this package's initialization,
// which is close to the process's start). since must come from the same
// Sampler as sn.
func (sn *Snapshot) SLIs(since *Snapshot) SLIs {
	out := SLIs{
		End:             sn.Time,
		SchedLatencyP50: math.NaN(),
		SchedLatencyP99: math.NaN(),
		GCPauseP99:      math.NaN(),
		MutexWaitRate:   math.NaN(),
		Goroutines:      map[string]float64{},
	}
	out.Start = processStart
	if since != nil {
		out.Start = since.Time
	}
	if v, ok := sn.Quantile(schedLatencies, 0.5, since); ok {
		out.SchedLatencyP50 = v
	}
	if v, ok := sn.Quantile(schedLatencies, 0.99, since); ok {
		out.SchedLatencyP99 = v
	}
	if v, ok := sn.Quantile(gcPausesTotal, 0.99, since); ok {
		out.GCPauseP99 = v
	} else if v, ok := sn.Quantile(gcPausesOld, 0.99, since); ok {
		out.GCPauseP99 = v
	}
	for _, st := range goroutineStates {
		if v, ok := sn.Value(st.name); ok {
			out.Goroutines[st.key] = v
		}
	}
	if v, ok := sn.Value(goroutinesAll); ok {
		out.Goroutines["total"] = v
	}
	if v, ok := sn.Value(mutexWait); ok {
		var v0 float64
		if since != nil {
			v0, _ = since.Value(mutexWait)
		}
		if secs := out.End.Sub(out.Start).Seconds(); secs > 0 {
			out.MutexWaitRate = (v - v0) / secs
		}
	}
	return out
}

// document is the JSON form of a snapshot, shared by the handler and
// expvar.
type document struct {
	Time       time.Time               `json:"time"`
	SLI        sliDocument             `json:"sli"`
	Metrics    map[string]float64      `json:"metrics"`
	Histograms map[string]histDocument `json:"histograms"`
	Names      map[string]string       `json:"prometheus_names"`
	Dropped    int                     `json:"dropped_series"`
}

type sliDocument struct {
	WindowStart     time.Time          `json:"window_start"`
	WindowSeconds   float64            `json:"window_seconds"`
	SchedLatencyP50 *float64           `json:"sched_latency_p50_seconds"`
	SchedLatencyP99 *float64           `json:"sched_latency_p99_seconds"`
	GCPauseP99      *float64           `json:"gc_pause_p99_seconds"`
	Goroutines      map[string]float64 `json:"goroutines"`
	MutexWaitRate   *float64           `json:"mutex_wait_seconds_per_second"`
}

type histDocument struct {
	UpperBounds []float64 `json:"upper_bounds"`
	Counts      []uint64  `json:"counts"`
	Count       uint64    `json:"count"`
	Sum         float64   `json:"sum"`
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func (sn *Snapshot) document(since *Snapshot) document {
	s := sn.s
	slis := sn.SLIs(since)
	d := document{
		Time: sn.Time,
		SLI: sliDocument{
			WindowStart:     slis.Start,
			WindowSeconds:   slis.End.Sub(slis.Start).Seconds(),
			SchedLatencyP50: finite(slis.SchedLatencyP50),
			SchedLatencyP99: finite(slis.SchedLatencyP99),
			GCPauseP99:      finite(slis.GCPauseP99),
			Goroutines:      slis.Goroutines,
			MutexWaitRate:   finite(slis.MutexWaitRate),
		},
		Metrics:    make(map[string]float64, s.nScalar),
		Histograms: make(map[string]histDocument, len(s.hists)),
		Names:      make(map[string]string, len(s.metrics)),
		Dropped:    s.droppedSeries,
	}
	for i := range s.metrics {
		m := &s.metrics[i]
		if m.label != "" {
			d.Names[m.runtime] = m.name + "{" + m.label + "=" + strconv.Quote(m.labelValue) + "}"
		} else {
			d.Names[m.runtime] = m.name
		}
		if m.typ != typeHistogram {
			d.Metrics[m.runtime] = sn.scalars[m.slot]
			continue
		}
		h, _ := sn.Histogram(m.runtime)
		d.Histograms[m.runtime] = histDocument(h)
	}
	return d
}

// Handler returns an http.Handler that answers GET and HEAD with a JSON
// snapshot of the Sampler's metrics, for /debug/runtimemetrics:
//
//	{"time": ..., "sli": {...}, "metrics": {"/gc/heap/goal:bytes": 4194304, ...},
//	 "histograms": {"/sched/latencies:seconds": {"upper_bounds": [...], "counts": [...],
//	 "count": 123, "sum": 0.0042}}, "prometheus_names": {...}, "dropped_series": 0}
//
// Metrics are keyed by runtime/metrics name; histograms are in the
// Sampler's bucket layout, with counts per bucket (not cumulative; the last
// one is +Inf) and the estimated sum, exactly as a [Collector] on the same
// Sampler exports them. The "sli" object holds [SLIs] over the window since
// the handler's previous request (the process's life, for the first). Other
// methods get 405 Method Not Allowed.
func (s *Sampler) Handler() http.Handler {
	return &handler{s: s}
}

type handler struct {
	s    *Sampler
	mu   sync.Mutex
	bufs [2]Snapshot
	prev *Snapshot // nil before the first request
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "runtimemetrics: method "+r.Method+" not allowed", http.StatusMethodNotAllowed)
		return
	}
	h.mu.Lock()
	cur := &h.bufs[0]
	if h.prev == cur {
		cur = &h.bufs[1]
	}
	h.s.Read(cur)
	body, err := json.MarshalIndent(cur.document(h.prev), "", "  ")
	h.prev = cur
	h.mu.Unlock()
	if err != nil {
		http.Error(w, "runtimemetrics: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(append(body, '\n'))
}

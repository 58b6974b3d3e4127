package runtimemetrics_test

import (
	"bytes"
	"errors"
	"flag"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"

	"github.com/gmpkit/gmpkit/runtimemetrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

var promNameRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)

func gather(t testing.TB, cs ...prometheus.Collector) []*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			t.Fatalf("Register: %v", err)
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	return mfs
}

func exposition(t testing.TB, mfs []*dto.MetricFamily) string {
	t.Helper()
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatalf("Encode: %v", err)
		}
	}
	return buf.String()
}

func family(mfs []*dto.MetricFamily, name string) *dto.MetricFamily {
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf
		}
	}
	return nil
}

func TestMappings_EveryRuntimeMetricHasAValidUniqueNameOrAReason(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []runtimemetrics.Option
	}{
		{"default", nil},
		{"godebug", []runtimemetrics.Option{runtimemetrics.WithGoDebug(true)}},
		{"namespace=go", []runtimemetrics.Option{runtimemetrics.WithGoDebug(true), runtimemetrics.WithNamespace("go")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := runtimemetrics.NewSampler(tc.opts...)
			ms := s.Mappings()
			all := metrics.All()
			if len(ms) != len(all) {
				t.Fatalf("Mappings() has %d entries, metrics.All() %d", len(ms), len(all))
			}
			seen := map[string]string{}
			exported := 0
			for i, m := range ms {
				if m.Runtime != all[i].Name {
					t.Errorf("Mappings()[%d].Runtime = %q, want %q", i, m.Runtime, all[i].Name)
				}
				if m.Excluded != "" {
					if m.Name != "" {
						t.Errorf("%s: excluded (%s) but named %q", m.Runtime, m.Excluded, m.Name)
					}
					if strings.HasPrefix(m.Runtime, "/godebug/") && tc.name == "default" && !strings.Contains(m.Excluded, "WithGoDebug") {
						t.Errorf("%s: excluded for %q, want the /godebug/ default named", m.Runtime, m.Excluded)
					}
					continue
				}
				exported++
				if !promNameRE.MatchString(m.Name) {
					t.Errorf("%s: invalid name %q", m.Runtime, m.Name)
				}
				if prev, dup := seen[m.Name+"{"+m.Labels+"}"]; dup {
					t.Errorf("%s and %s share name %q and labels {%s}", prev, m.Runtime, m.Name, m.Labels)
				}
				seen[m.Name+"{"+m.Labels+"}"] = m.Runtime
				if (m.Labels != "") != strings.HasPrefix(m.Runtime, "/godebug/") {
					t.Errorf("%s: labels {%s}; only /godebug/ metrics fold into a labelled family", m.Runtime, m.Labels)
				}
				if (m.Type == "counter") != strings.HasSuffix(m.Name, "_total") {
					t.Errorf("%s: type %s but name %q", m.Runtime, m.Type, m.Name)
				}
			}
			if exported != s.Series()-0 && exported == 0 {
				t.Fatal("nothing exported")
			}
			if tc.name != "default" && exported != len(all) {
				for _, m := range ms {
					if m.Excluded != "" {
						t.Errorf("%s excluded with everything selected: %s", m.Runtime, m.Excluded)
					}
				}
			}
		})
	}
}

// With namespace "go" the names are client_golang's, so dashboards carry
// over; the exception, by design, is the /godebug/ family, which folds 47
// names into one with a setting label.
func TestNames_WithNamespaceGoMatchClientGolang(t *testing.T) {
	theirs := map[string]bool{}
	ch := make(chan *prometheus.Desc, 1024)
	collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsAll)).Describe(ch)
	close(ch)
	for d := range ch {
		// Desc has no name accessor; its String form quotes fqName.
		if m := regexp.MustCompile(`fqName: "([^"]+)"`).FindStringSubmatch(d.String()); m != nil {
			theirs[m[1]] = true
		}
	}
	s := runtimemetrics.NewSampler(runtimemetrics.WithGoDebug(true), runtimemetrics.WithNamespace("go"))
	for _, m := range s.Mappings() {
		if m.Labels != "" {
			if theirs[m.Name] {
				t.Errorf("%s: folded family name %q is one of client_golang's", m.Runtime, m.Name)
			}
			continue
		}
		if m.Name != "" && !theirs[m.Name] {
			t.Errorf("%s: our name %q is not among client_golang's", m.Runtime, m.Name)
		}
	}
}

func TestGoDebug_FoldsIntoOneCounterFamilyLabelledBySetting(t *testing.T) {
	c := runtimemetrics.NewCollector(runtimemetrics.WithGoDebug(true))
	mfs := gather(t, c)
	var sn runtimemetrics.Snapshot
	c.Sampler().Read(&sn)
	want := map[string]bool{}
	for _, d := range metrics.All() {
		if s, ok := strings.CutPrefix(d.Name, "/godebug/non-default-behavior/"); ok {
			want[strings.TrimSuffix(s, ":events")] = true
		}
	}
	mf := family(mfs, "go_runtime_godebug_non_default_behavior_events_total")
	if len(want) == 0 {
		t.Skip("this Go has no /godebug/ metrics")
	}
	if mf == nil || mf.GetType() != dto.MetricType_COUNTER {
		t.Fatalf("family: %v", mf)
	}
	if len(mf.GetMetric()) != len(want) {
		t.Errorf("%d series, want one per setting (%d)", len(mf.GetMetric()), len(want))
	}
	for _, m := range mf.GetMetric() {
		if len(m.GetLabel()) != 1 || m.GetLabel()[0].GetName() != "setting" || !want[m.GetLabel()[0].GetValue()] {
			t.Errorf("series labels %v", m.GetLabel())
			continue
		}
		rt := "/godebug/non-default-behavior/" + m.GetLabel()[0].GetValue() + ":events"
		if v, ok := sn.Value(rt); !ok || v > m.GetCounter().GetValue() {
			t.Errorf("%s: exported %v, later snapshot %v (present %v)", rt, m.GetCounter().GetValue(), v, ok)
		}
	}
	for _, mf := range mfs {
		if strings.Contains(mf.GetName(), "godebug") && mf.GetName() != "go_runtime_godebug_non_default_behavior_events_total" {
			t.Errorf("unfolded godebug family %s", mf.GetName())
		}
	}
}

func TestCollector_TypesFollowCumulativeFlag(t *testing.T) {
	mfs := gather(t, runtimemetrics.NewCollector(runtimemetrics.WithGoDebug(true)))
	byName := map[string]dto.MetricType{}
	for _, mf := range mfs {
		byName[mf.GetName()] = mf.GetType()
	}
	s := runtimemetrics.NewSampler(runtimemetrics.WithGoDebug(true))
	descs := map[string]metrics.Description{}
	for _, d := range metrics.All() {
		descs[d.Name] = d
	}
	for _, m := range s.Mappings() {
		if m.Name == "" {
			continue
		}
		d := descs[m.Runtime]
		want := dto.MetricType_GAUGE
		switch {
		case d.Kind == metrics.KindFloat64Histogram:
			want = dto.MetricType_HISTOGRAM
		case d.Cumulative:
			want = dto.MetricType_COUNTER
		}
		if got, ok := byName[m.Name]; !ok || got != want {
			t.Errorf("%s (%s): exported as %v (present %v), want %v", m.Runtime, m.Name, got, ok, want)
		}
	}
}

func TestPromlint_ReportsNothing(t *testing.T) {
	for _, opts := range [][]runtimemetrics.Option{
		nil,
		{runtimemetrics.WithGoDebug(true)},
		{runtimemetrics.WithBuckets("seconds", runtimemetrics.RuntimeBuckets()), runtimemetrics.WithMaxSeries(5000)},
	} {
		mfs := gather(t, runtimemetrics.NewCollector(opts...))
		problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Errorf("promlint: %s: %s", p.Metric, p.Text)
		}
	}
}

func TestGolden_FakeSampleTextExposition(t *testing.T) {
	got := exposition(t, gather(t, newFake(runtimemetrics.WithGoDebug(true))))
	path := filepath.Join("testdata", "fake_collector.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("exposition differs from %s (go test -run Golden -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestHistogram_ConversionPreservesCountsBoundsAndInf(t *testing.T) {
	for _, layout := range []runtimemetrics.BucketLayout{
		runtimemetrics.DefaultSecondsBuckets(),
		runtimemetrics.RuntimeBuckets(),
		runtimemetrics.FactorBuckets(1e-6, 4, 10),
		runtimemetrics.ExplicitBuckets(0.5e-6, 1e-3, 1, 5),
	} {
		t.Run(layout.String(), func(t *testing.T) {
			c := newFake(runtimemetrics.WithBuckets("seconds", layout))
			mfs := gather(t, c)
			mf := family(mfs, "go_runtime_sched_latencies_seconds")
			if mf == nil || mf.GetType() != dto.MetricType_HISTOGRAM {
				t.Fatalf("no histogram family: %v", mf)
			}
			h := mf.GetMetric()[0].GetHistogram()
			var total uint64
			for _, n := range fakeCounts()[fakeSched] {
				total += n
			}
			if h.GetSampleCount() != total {
				t.Errorf("count = %d, want the runtime total %d", h.GetSampleCount(), total)
			}
			prevLE, prevCum := math.Inf(-1), uint64(0)
			for _, b := range h.GetBucket() {
				if !(b.GetUpperBound() > prevLE) || math.IsInf(b.GetUpperBound(), 0) {
					t.Errorf("bound %v after %v: not ascending and finite", b.GetUpperBound(), prevLE)
				}
				if b.GetCumulativeCount() < prevCum || b.GetCumulativeCount() > total {
					t.Errorf("cumulative %d after %d, total %d", b.GetCumulativeCount(), prevCum, total)
				}
				prevLE, prevCum = b.GetUpperBound(), b.GetCumulativeCount()
			}
			// The top runtime bucket is unbounded: it can only be in +Inf.
			if prevCum != total-1 {
				t.Errorf("largest finite bucket holds %d, want %d (all but the unbounded one)", prevCum, total-1)
			}
			text := exposition(t, mfs)
			if want := `go_runtime_sched_latencies_seconds_bucket{le="+Inf"} 159`; !strings.Contains(text, want) {
				t.Errorf("exposition lacks %q:\n%s", want, text)
			}
			// Every finite le is a runtime boundary: counts are exact, never split.
			edges := map[float64]bool{}
			for _, e := range fakeTimeEdges() {
				edges[e] = true
			}
			for _, b := range h.GetBucket() {
				if !edges[b.GetUpperBound()] {
					t.Errorf("le %v is not a runtime boundary", b.GetUpperBound())
				}
			}
		})
	}
}

func TestHistogram_DefaultSecondsLayoutKeepsFiniteBucketsAboveOneSecond(t *testing.T) {
	mfs := gather(t, runtimemetrics.NewCollector())
	mf := family(mfs, "go_runtime_sched_latencies_seconds")
	if mf == nil {
		t.Fatal("no go_runtime_sched_latencies_seconds")
	}
	above := 0
	for _, b := range mf.GetMetric()[0].GetHistogram().GetBucket() {
		if b.GetUpperBound() > 1 {
			above++
		}
	}
	if above < 2 {
		t.Errorf("%d finite buckets above 1 s, want at least 2", above)
	}
}

func TestHistogram_BytesBoundsArePowersOfTwo(t *testing.T) {
	mfs := gather(t, runtimemetrics.NewCollector(runtimemetrics.WithPresets(runtimemetrics.GC)))
	mf := family(mfs, "go_runtime_gc_heap_allocs_by_size_bytes")
	if mf == nil {
		t.Fatal("no go_runtime_gc_heap_allocs_by_size_bytes")
	}
	bs := mf.GetMetric()[0].GetHistogram().GetBucket()
	if len(bs) < 8 {
		t.Fatalf("%d buckets, want at least 8", len(bs))
	}
	for _, b := range bs {
		v := b.GetUpperBound()
		if _, e := math.Frexp(v); v != math.Ldexp(0.5, e) {
			t.Errorf("le %v is not a power of two", v)
		}
	}
}

// The runtime records no sums; ours is the midpoint estimate, stated in the
// docs, and this checks it to the last bit.
func TestHistogram_SumIsBucketMidpointEstimate(t *testing.T) {
	c := newFake()
	var sn runtimemetrics.Snapshot
	c.Sampler().Read(&sn)
	te := fakeTimeEdges()
	var want float64
	for i, n := range fakeCounts()[fakeSched] {
		if n == 0 {
			continue
		}
		lo, hi := te[i], te[i+1]
		mid := lo + (hi-lo)/2
		switch {
		case math.IsInf(lo, -1):
			mid = hi
		case math.IsInf(hi, 1):
			mid = lo
		}
		want += float64(n) * mid
	}
	h, ok := sn.Histogram(fakeSched)
	if !ok {
		t.Fatal("no histogram")
	}
	if h.Sum != want {
		t.Errorf("Sum = %v, want midpoint estimate %v", h.Sum, want)
	}
	// Sizes are integers: [lo, hi) counts as (lo+hi-1)/2.
	want = 0
	for i, n := range fakeCounts()[fakeSizes] {
		lo, hi := fakeSizeEdges[i], fakeSizeEdges[i+1]
		if math.IsInf(hi, 1) {
			want += float64(n) * lo
			continue
		}
		want += float64(n) * (lo + (hi-1-lo)/2)
	}
	hs, _ := sn.Histogram(fakeSizes)
	if hs.Sum != want {
		t.Errorf("sizes Sum = %v, want %v", hs.Sum, want)
	}
	mf := family(gather(t, c), "go_runtime_sched_latencies_seconds")
	if got := mf.GetMetric()[0].GetHistogram().GetSampleSum(); got != h.Sum {
		t.Errorf("exported sum %v, snapshot %v", got, h.Sum)
	}
}

func TestCardinalityGuard_DropsWholeMetricsAndReportsThem(t *testing.T) {
	c := runtimemetrics.NewCollector(runtimemetrics.WithBuckets("seconds", runtimemetrics.RuntimeBuckets()))
	s := c.Sampler()
	if s.DroppedSeries() == 0 {
		t.Fatalf("runtime time buckets fit in %d series; the guard never tripped", runtimemetrics.DefaultMaxSeries)
	}
	if s.Series() > runtimemetrics.DefaultMaxSeries {
		t.Errorf("Series() = %d, over the bound %d", s.Series(), runtimemetrics.DefaultMaxSeries)
	}
	guarded := 0
	for _, m := range s.Mappings() {
		if strings.Contains(m.Excluded, "cardinality guard") {
			guarded++
		}
	}
	if guarded == 0 {
		t.Error("no mapping names the cardinality guard")
	}
	mfs := gather(t, c)
	series := 0
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if h := m.GetHistogram(); h != nil {
				series += len(h.GetBucket()) + 3
			} else {
				series++
			}
		}
	}
	if series-1 != s.Series() { // -1: the guard's own gauge
		t.Errorf("exported %d series, Series() says %d", series-1, s.Series())
	}
	g := family(mfs, "go_runtime_runtimemetrics_dropped_series")
	if g == nil || g.GetMetric()[0].GetGauge().GetValue() != float64(s.DroppedSeries()) {
		t.Errorf("dropped-series gauge = %v, want %d", g, s.DroppedSeries())
	}

	tiny := runtimemetrics.NewSampler(runtimemetrics.WithMaxSeries(3))
	if tiny.Series() > 3 || tiny.DroppedSeries() == 0 {
		t.Errorf("WithMaxSeries(3): Series %d, Dropped %d", tiny.Series(), tiny.DroppedSeries())
	}
}

func TestSelection_PresetsAllowDenyGoDebug(t *testing.T) {
	names := func(opts ...runtimemetrics.Option) map[string]bool {
		out := map[string]bool{}
		for _, m := range runtimemetrics.NewSampler(opts...).Mappings() {
			if m.Name != "" {
				out[m.Runtime] = true
			}
		}
		return out
	}
	for n := range names(runtimemetrics.WithPresets(runtimemetrics.Scheduler, runtimemetrics.Sync)) {
		if !strings.HasPrefix(n, "/sched/") && !strings.HasPrefix(n, "/sync/") {
			t.Errorf("Scheduler+Sync selected %s", n)
		}
	}
	if !names(runtimemetrics.WithPresets(runtimemetrics.CPU))["/cpu/classes/user:cpu-seconds"] {
		t.Error("CPU preset lacks /cpu/classes/user:cpu-seconds")
	}
	got := names(runtimemetrics.WithPresets(runtimemetrics.Memory),
		runtimemetrics.WithAllow(regexp.MustCompile(`^/sched/latencies`)),
		runtimemetrics.WithDeny(regexp.MustCompile(`^/memory/classes/total`)))
	if !got["/sched/latencies:seconds"] || got["/memory/classes/total:bytes"] || !got["/memory/classes/heap/free:bytes"] {
		t.Errorf("Memory+allow+deny selected %v", got)
	}
	def := names()
	for n := range def {
		if strings.HasPrefix(n, "/godebug/") {
			t.Errorf("default selects %s", n)
		}
	}
	withDebug := names(runtimemetrics.WithGoDebug(true))
	if len(withDebug) != len(metrics.All()) {
		t.Errorf("WithGoDebug(true) selects %d of %d", len(withDebug), len(metrics.All()))
	}
	if len(names(runtimemetrics.WithGoDebug(true), runtimemetrics.WithDeny(regexp.MustCompile(`^/godebug/`)))) != len(def) {
		t.Error("WithDeny does not win over WithGoDebug")
	}
}

func TestCoexistence_RegistersNextToClientGolangGoCollector(t *testing.T) {
	for _, theirs := range []struct {
		name string
		c    func() prometheus.Collector
	}{
		{"default", func() prometheus.Collector { return collectors.NewGoCollector() }}, // what prometheus.DefaultRegisterer holds
		{"MetricsAll", func() prometheus.Collector {
			return collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsAll))
		}},
	} {
		t.Run("client_golang="+theirs.name, func(t *testing.T) {
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(theirs.c())
			if err := reg.Register(runtimemetrics.NewCollector(runtimemetrics.WithGoDebug(true))); err != nil {
				t.Fatalf("default namespace: %v", err)
			}
			if err := reg.Register(runtimemetrics.NewCollector(runtimemetrics.WithNamespace("myapp_go"))); err != nil {
				t.Fatalf("second collector under another namespace: %v", err)
			}
			if _, err := reg.Gather(); err != nil {
				t.Fatalf("Gather: %v", err)
			}
			// The namespace is what prevents the clash: "go" collides.
			err := reg.Register(runtimemetrics.NewCollector(runtimemetrics.WithNamespace("go")))
			if err == nil {
				t.Fatal(`WithNamespace("go") registered next to client_golang's collector; want a duplicate-name error`)
			}
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				t.Fatalf("got AlreadyRegisteredError, want a descriptor clash: %v", err)
			}
		})
	}
}

func TestConcurrentScrapes_EachIsConsistent(t *testing.T) {
	c := runtimemetrics.NewCollector()
	handler := c.Sampler().Handler()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Go(func() {
			for i := 0; i < 20; i++ {
				mfs, err := reg.Gather()
				if err != nil {
					t.Error(err)
					return
				}
				for _, mf := range mfs {
					for _, m := range mf.GetMetric() {
						h := m.GetHistogram()
						if h == nil {
							continue
						}
						bs := h.GetBucket()
						if len(bs) > 0 && bs[len(bs)-1].GetCumulativeCount() > h.GetSampleCount() {
							t.Errorf("%s: finite buckets hold %d > count %d", mf.GetName(), bs[len(bs)-1].GetCumulativeCount(), h.GetSampleCount())
						}
					}
				}
			}
		})
		wg.Go(func() {
			var sn runtimemetrics.Snapshot
			for i := 0; i < 20; i++ {
				c.Sampler().Read(&sn)
				h, _ := sn.Histogram("/sched/latencies:seconds")
				var n uint64
				for _, x := range h.Counts {
					n += x
				}
				if n != h.Count {
					t.Errorf("snapshot histogram counts sum to %d, Count %d", n, h.Count)
				}
			}
		})
		wg.Go(func() {
			for i := 0; i < 5; i++ {
				w := httptest.NewRecorder()
				handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/debug/runtimemetrics", nil))
				if w.Code != http.StatusOK {
					t.Errorf("handler: %d", w.Code)
				}
			}
		})
	}
	wg.Wait()
}

// Metrics handed out by one scrape stay valid, and unchanged, while later
// scrapes run.
func TestCollect_MetricsStayValidAfterLaterScrapes(t *testing.T) {
	c := runtimemetrics.NewCollector()
	ch := make(chan prometheus.Metric, 1000)
	c.Collect(ch)
	close(ch)
	var first []prometheus.Metric
	for m := range ch {
		first = append(first, m)
	}
	written := func() []string {
		var out []string
		for _, m := range first {
			var d dto.Metric
			if err := m.Write(&d); err != nil {
				t.Fatal(err)
			}
			out = append(out, d.String())
		}
		return out
	}
	before := written()
	for i := 0; i < 3; i++ {
		gather(t, c)
	}
	for i, after := range written() {
		if after != before[i] {
			t.Fatalf("metric %s changed after later scrapes:\n%s\n%s", first[i].Desc(), before[i], after)
		}
	}
}

func TestSampler_ReadIntoReusedSnapshotAllocatesNothing(t *testing.T) {
	s := runtimemetrics.NewSampler(runtimemetrics.WithGoDebug(true))
	var sn runtimemetrics.Snapshot
	s.Read(&sn)
	if n := testing.AllocsPerRun(100, func() { s.Read(&sn) }); n != 0 {
		t.Errorf("Read allocates %v times per call, want 0", n)
	}
}

func TestSnapshot_QuantileInterpolatesWithinRuntimeBuckets(t *testing.T) {
	var sn runtimemetrics.Snapshot
	newFake().Sampler().Read(&sn)
	// 159 observations: 1 below 0, 100 in [64, 80) ns, 50 in [1.024, 1.28) µs, ...
	p50, ok := sn.Quantile(fakeSched, 0.5, nil)
	if !ok || p50 < 64e-9 || p50 >= 80e-9 {
		t.Errorf("p50 = %v (ok %v), want in [64 ns, 80 ns)", p50, ok)
	}
	p90, _ := sn.Quantile(fakeSched, 0.9, nil)
	if p90 < 1.024e-6 || p90 >= 1.28e-6 {
		t.Errorf("p90 = %v, want in [1.024 µs, 1.28 µs)", p90)
	}
	if v, _ := sn.Quantile(fakeSched, 0, nil); v != 0 {
		t.Errorf("p0 = %v, want 0 (the edge of the [-Inf, 0) bucket)", v)
	}
	// Since itself: no observations in the window.
	if v, ok := sn.Quantile(fakeSched, 0.99, &sn); !ok || !math.IsNaN(v) {
		t.Errorf("empty window: %v, %v; want NaN, true", v, ok)
	}
	if _, ok := sn.Quantile("/no/such:seconds", 0.5, nil); ok {
		t.Error("unknown metric: ok")
	}
}

func TestOneSample_PrometheusJSONAndSnapshotAgree(t *testing.T) {
	c := newFake()
	mfs := gather(t, c)
	var sn runtimemetrics.Snapshot
	c.Sampler().Read(&sn)
	for _, m := range c.Sampler().Mappings() {
		if m.Name == "" {
			continue
		}
		mf := family(mfs, m.Name)
		if mf == nil {
			t.Errorf("%s missing", m.Name)
			continue
		}
		pm := mf.GetMetric()[0]
		switch m.Type {
		case "gauge", "counter":
			v, _ := sn.Value(m.Runtime)
			got := pm.GetGauge().GetValue() + pm.GetCounter().GetValue()
			if got != v || v != fakeValues[m.Runtime] {
				t.Errorf("%s: exported %v, snapshot %v, fake %v", m.Runtime, got, v, fakeValues[m.Runtime])
			}
		case "histogram":
			h, _ := sn.Histogram(m.Runtime)
			ph := pm.GetHistogram()
			if ph.GetSampleCount() != h.Count || ph.GetSampleSum() != h.Sum || len(ph.GetBucket()) != len(h.UpperBounds) {
				t.Errorf("%s: exported %v, snapshot %+v", m.Runtime, ph, h)
			}
			var cum uint64
			for i, b := range ph.GetBucket() {
				cum += h.Counts[i]
				if b.GetCumulativeCount() != cum || b.GetUpperBound() != h.UpperBounds[i] {
					t.Errorf("%s bucket %d: exported %v, snapshot le %v cum %d", m.Runtime, i, b, h.UpperBounds[i], cum)
				}
			}
		}
	}
}

// Write fills the registry's *dto.Metric from the scrape's arena without
// allocating, and Collect allocates a fixed number of slabs whatever the
// number of metrics and buckets.
func TestCollect_AllocationsDoNotGrowWithMetricsOrBuckets(t *testing.T) {
	collectAllocs := func(c *runtimemetrics.Collector) (perCollect, perWrite float64) {
		ch := make(chan prometheus.Metric, 4096)
		perCollect = testing.AllocsPerRun(20, func() {
			c.Collect(ch)
			for len(ch) > 0 {
				<-ch
			}
		})
		c.Collect(ch)
		var ms []prometheus.Metric
		for len(ch) > 0 {
			ms = append(ms, <-ch)
		}
		var d dto.Metric
		perWrite = testing.AllocsPerRun(20, func() {
			for _, m := range ms {
				_ = m.Write(&d)
			}
		})
		return perCollect, perWrite
	}
	small, w1 := collectAllocs(runtimemetrics.NewCollector(runtimemetrics.WithPresets(runtimemetrics.Scheduler)))
	big, w2 := collectAllocs(runtimemetrics.NewCollector(runtimemetrics.WithGoDebug(true),
		runtimemetrics.WithBuckets("seconds", runtimemetrics.RuntimeBuckets()), runtimemetrics.WithMaxSeries(10000)))
	if w1 != 0 || w2 != 0 {
		t.Errorf("Write allocates: %v and %v per scrape's metrics, want 0", w1, w2)
	}
	if small != big || big > 16 {
		t.Errorf("Collect allocates %v times for the Scheduler preset and %v for every metric with runtime buckets; want the same small constant", small, big)
	}
}

func TestHelp_IsTheFirstSentenceAndTheRuntimeName(t *testing.T) {
	mfs := gather(t, runtimemetrics.NewCollector())
	for _, want := range []struct{ name, help string }{
		{"go_runtime_gc_limiter_last_enabled_gc_cycle", "GC cycle the last time the GC CPU limiter was enabled. (runtime/metrics /gc/limiter/last-enabled:gc-cycle)"},
		{"go_runtime_gc_pauses_seconds", "Deprecated. Prefer the identical /sched/pauses/total/gc:seconds. (runtime/metrics /gc/pauses:seconds)"},
		{"go_runtime_gc_cycles_total_gc_cycles_total", "Count of all completed GC cycles. (runtime/metrics /gc/cycles/total:gc-cycles)"},
	} {
		mf := family(mfs, want.name)
		if mf == nil {
			t.Errorf("no %s", want.name)
			continue
		}
		if mf.GetHelp() != want.help {
			t.Errorf("%s HELP\n got %q\nwant %q", want.name, mf.GetHelp(), want.help)
		}
	}
}

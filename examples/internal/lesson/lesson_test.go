package lesson

import (
	"context"
	"errors"
	"math"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestDur_RoundsToThreeDigits(t *testing.T) {
	for d, want := range map[time.Duration]string{
		67108864 * time.Nanosecond:        "67.1ms",
		19183 * time.Microsecond:          "19.2ms",
		320 * time.Nanosecond:             "320ns",
		1284 * time.Nanosecond:            "1.28µs",
		258_600 * time.Microsecond:        "259ms",
		1234 * time.Millisecond:           "1.23s",
		0:                                 "0s",
		-1500 * time.Microsecond:          "-1.5ms",
		3*time.Second + 7*time.Nanosecond: "3s",
	} {
		if got := Dur(d); got != want {
			t.Errorf("Dur(%v) = %q, want %q", time.Duration(d), got, want)
		}
	}
}

func TestCount_ThreeDigitsWithSuffix(t *testing.T) {
	for n, want := range map[int64]string{9999: "9999", 24384: "24.4k", 999_400: "999k", 999_600: "1M", 12_500_000: "12.5M"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestSample_NearestRankWithCounts(t *testing.T) {
	var s Sample
	for i := 1; i <= 100; i++ {
		s = append(s, time.Duration(i)*time.Millisecond)
	}
	if p50, p99 := s.Quantile(0.5), s.Quantile(0.99); p50 != 50*time.Millisecond || p99 != 99*time.Millisecond {
		t.Errorf("p50, p99 = %v, %v", p50, p99)
	}
	if got := s.Percentiles(); got != "p50 50ms  p90 90ms  p99 99ms  (n=100)" {
		t.Errorf("Percentiles = %q", got)
	}
	if got := s[:10].Percentiles(); got != "p50 5ms  p90 9ms  (n=10)" {
		t.Errorf("a small sample shows no p99: %q", got)
	}
}

func TestParseSched_SplitsEveryField(t *testing.T) {
	s, ok := ParseSched("SCHED 108ms: gomaxprocs=2 idleprocs=0 threads=6 spinningthreads=0 needspinning=1 idlethreads=1 runqueue=6 [ 1 7 ] schedticks=[ 9 8 ]")
	if !ok || s.Elapsed != "108ms" {
		t.Fatalf("ParseSched = %+v, %v", s, ok)
	}
	var keys []string
	for _, f := range s.Fields {
		keys = append(keys, f.Key+"="+f.Value)
	}
	if got, want := strings.Join(keys, " "), "gomaxprocs=2 idleprocs=0 threads=6 spinningthreads=0 needspinning=1 idlethreads=1 runqueue=6 [ ]=[1 7] schedticks=[9 8]"; got != want {
		t.Errorf("fields:\n got %s\nwant %s", got, want)
	}
	if g, l := s.Queued(); g != 6 || l != 8 {
		t.Errorf("Queued = %d, %d; want 6, 8", g, l)
	}
	if _, ok := ParseSched("burn: start"); ok {
		t.Error("ParseSched accepted a line that is not a SCHED line")
	}
}

func TestLeaks_SummarizesGoleaksReportByStateAndTop(t *testing.T) {
	report := errors.New(`found unexpected goroutines:
[Goroutine 7 in state chan send, with github.com/gmpkit/gmpkit/examples/06-goroutine-leaks.leakyFirst.func1 on top of the stack:
github.com/gmpkit/gmpkit/examples/06-goroutine-leaks.leakyFirst.func1()
	/x/main.go:50 +0x1d
created by github.com/gmpkit/gmpkit/examples/06-goroutine-leaks.leakyFirst in goroutine 6
	/x/main.go:49 +0x25
 Goroutine 8 in state chan send, 2 minutes, with github.com/gmpkit/gmpkit/examples/06-goroutine-leaks.leakyFirst.func1 on top of the stack:
github.com/gmpkit/gmpkit/examples/06-goroutine-leaks.leakyFirst.func1()
	/x/main.go:50 +0x1d
created by github.com/gmpkit/gmpkit/examples/06-goroutine-leaks.leakyFirst in goroutine 6
	/x/main.go:49 +0x25
 Goroutine 9 in state select, with net/http.(*persistConn).writeLoop on top of the stack:
net/http.(*persistConn).writeLoop(0xc0001)
	/go/net/http/transport.go:2500 +0x1
created by net/http.(*Transport).dialConn in goroutine 8
	/go/net/http/transport.go:1900 +0x1
]`)
	s := Leaks(report)
	if s.Total != 3 || len(s.Groups) != 2 {
		t.Fatalf("Leaks = %+v", s)
	}
	want := "3 goroutine(s), by state and top of stack:\n" +
		"      2  [chan send]  main.leakyFirst.func1  (started by main.leakyFirst)\n" +
		"      1  [select]  net/http.(*persistConn).writeLoop  (started by net/http.(*Transport).dialConn)\n"
	if got := s.String(); got != want {
		t.Errorf("String:\n%s\nwant:\n%s", got, want)
	}
	if Leaks(nil).String() != "0 goroutines\n" {
		t.Errorf("no leak: %q", Leaks(nil).String())
	}
}

func TestGoroutines_FindsABlockedGoroutineWhereItWaits(t *testing.T) {
	var never chan int
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-never:
		case <-stop:
		}
	}()
	defer func() { close(stop); <-done }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		s := Goroutines()
		if s.Count("select") > 0 {
			if !strings.Contains(s.String(), "lesson.TestGoroutines_FindsABlockedGoroutineWhereItWaits.func1") {
				t.Errorf("the summary does not name where the goroutine waits:\n%s", s)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no goroutine in [select]:\n%s", s)
		}
	}
}

func TestHist_QuantileIsTheUpperBoundOfItsBucket(t *testing.T) {
	before := &metrics.Float64Histogram{Counts: []uint64{50, 0, 0, 0}, Buckets: []float64{0, 0.001, 0.002, 0.004, math.Inf(1)}}
	after := &metrics.Float64Histogram{Counts: []uint64{100, 48, 2, 1}, Buckets: before.Buckets}
	h := Delta(before, after)
	// The window gained 50, 48, 2 and 1: the 51st of 101 is in the second bucket.
	if h.N != 101 || h.Quantile(0.49) != time.Millisecond || h.Quantile(0.5) != 2*time.Millisecond || h.Quantile(1) != 4*time.Millisecond {
		t.Errorf("window: n=%d p49=%v p50=%v max=%v", h.N, h.Quantile(0.49), h.Quantile(0.5), h.Quantile(1))
	}
	if got := h.String(); got != "p50 ≤2ms  p99 ≤4ms  (n=101)" {
		t.Errorf("String = %q", got)
	}
}

func TestScrapeHist_ReadsCumulativeBuckets(t *testing.T) {
	first := "x_seconds_bucket{le=\"0.001\"} 50\nx_seconds_bucket{le=\"0.002\"} 50\nx_seconds_bucket{le=\"+Inf\"} 50\n"
	second := "# HELP x_seconds t\nx_seconds_bucket{le=\"0.001\"} 100\nx_seconds_bucket{le=\"0.002\"} 148\nx_seconds_bucket{le=\"+Inf\"} 150\ny_bucket{le=\"1\"} 7\n"
	a, err1 := ScrapeHist(first, "x_seconds")
	b, err2 := ScrapeHist(second, "x_seconds")
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	w := b.Sub(a)
	if w.N != 100 || w.Quantile(0.5) != time.Millisecond || w.Quantile(0.99) != 2*time.Millisecond {
		t.Errorf("window n=%d p50=%v p99=%v", w.N, w.Quantile(0.5), w.Quantile(0.99))
	}
	if _, err := ScrapeHist(second, "z"); err == nil {
		t.Error("want an error for a metric not in the scrape")
	}
}

func TestStall_CancelsWhenEveryWorkerWaits(t *testing.T) {
	var s Stall
	desc, err := s.Watch(context.Background(), 2, 20*time.Millisecond, func(ctx context.Context) error {
		s.Waiting(2)
		<-ctx.Done()
		return context.Cause(ctx)
	})
	if err != nil || desc != "2 of 2 workers waiting, no task finished for 20ms" {
		t.Errorf("Watch = %q, %v", desc, err)
	}
	if _, err := s.Watch(context.Background(), 2, time.Second, func(context.Context) error { return nil }); err == nil {
		t.Error("a function that finishes should not count as a stall")
	}
}

func TestPeak_CountsTheMostAtOnce(t *testing.T) {
	var p Peak
	p.In()
	p.In()
	p.Out()
	p.In()
	p.Out()
	p.Out()
	if p.Max() != 2 {
		t.Errorf("Max = %d, want 2", p.Max())
	}
}

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun_GoleakFindsTheNaiveServerAndTheFixScrapesItself(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out, true); err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"goroutines outlive the code that started them",
		"net/http.(*Server).Serve", // the accept loop
		"scheduler-latency p99 over the ",
		`gmpkit_workpool_tasks_completed_total{pool="lesson10"}`,
		"GET /debug/runtimemetrics: JSON with ",
		"lists goroutine profile: true",
		"after Shutdown and pool.Close, goleak.Find: 0 goroutines left",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q\noutput:\n%s", want, got)
		}
	}
}

func TestQuantile_ReadsTheIncreaseOfCumulativeBuckets(t *testing.T) {
	first := `x_seconds_bucket{le="0.001"} 50
x_seconds_bucket{le="0.002"} 50
x_seconds_bucket{le="0.004"} 50
x_seconds_bucket{le="+Inf"} 50
`
	second := `# HELP x_seconds test
x_seconds_bucket{le="0.001"} 100
x_seconds_bucket{le="0.002"} 148
x_seconds_bucket{le="0.004"} 150
x_seconds_bucket{le="+Inf"} 150
x_seconds_sum 0.1
x_seconds_count 150
y_seconds_bucket{le="1"} 7
`
	before, err := histogramFromScrape(first, "x_seconds")
	if err != nil {
		t.Fatal(err)
	}
	after, err := histogramFromScrape(second, "x_seconds")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q    float64
		want float64
	}{{0.5, 0.001}, {0.9, 0.002}, {0.99, 0.004}} {
		if got, n := quantile(before, after, c.q); got != c.want || n != 100 {
			t.Errorf("window quantile %v = %v of %v observations, want %v of 100", c.q, got, n, c.want)
		}
	}
	// Over the whole life, 100 of 150 are in the first bucket.
	if got, n := quantile(nil, after, 0.5); got != 0.001 || n != 150 {
		t.Errorf("lifetime median = %v of %v, want 0.001 of 150", got, n)
	}
	if _, err := histogramFromScrape(second, "z_seconds"); err == nil {
		t.Error("want an error for a metric that is not in the scrape")
	}
}

package runtimemetrics_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gmpkit/gmpkit/runtimemetrics"
	"github.com/gmpkit/gmpkit/workpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// prometheusBinary finds the prometheus server (Debian's package installs
// /usr/bin/prometheus). When it is missing the test skips, unless
// GMPKIT_REQUIRE_PROMETHEUS=1 (set by .ci/run) makes that a failure.
func prometheusBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("GMPKIT_PROMETHEUS"); p != "" {
		return p
	}
	p, err := exec.LookPath("prometheus")
	if err == nil {
		return p
	}
	msg := "the prometheus server binary is not installed (apt-get install prometheus, or set GMPKIT_PROMETHEUS=/path/to/prometheus)"
	if os.Getenv("GMPKIT_REQUIRE_PROMETHEUS") == "1" {
		t.Fatal(msg + "; GMPKIT_REQUIRE_PROMETHEUS=1 requires it")
	}
	t.Skip(msg)
	return ""
}

// freeLoopbackPort returns a port that was free on 127.0.0.1 a moment ago.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type promServer struct {
	base   string
	client *http.Client
	log    string
}

// startPrometheus starts a Prometheus server on a free loopback port,
// scraping target every 500ms, with its storage in a temporary directory.
// t.Cleanup kills it and waits for it to exit.
func startPrometheus(t *testing.T, bin, target string) *promServer {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`global:
  scrape_interval: 500ms
  scrape_timeout: 400ms
  evaluation_interval: 1m
scrape_configs:
  - job_name: gmpkit
    static_configs:
      - targets: [%q]
`, target)
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	ps := &promServer{client: &http.Client{Transport: tr, Timeout: 5 * time.Second}, log: filepath.Join(dir, "prometheus.log")}
	for attempt := 0; attempt < 3; attempt++ {
		port := freeLoopbackPort(t)
		logf, err := os.Create(ps.log)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin,
			"--config.file="+cfgPath,
			"--storage.tsdb.path="+filepath.Join(dir, "data"),
			"--web.listen-address=127.0.0.1:"+strconv.Itoa(port),
			"--web.max-connections=8",
			"--web.console.templates="+dir, // nothing to serve; keep it off /etc
			"--web.console.libraries="+dir,
			"--storage.tsdb.retention.time=1h",
			"--log.level=warn",
		)
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			logf.Close()
			t.Fatalf("starting %s: %v", bin, err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			<-exited
			logf.Close()
		})
		ps.base = "http://127.0.0.1:" + strconv.Itoa(port)
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-exited:
				deadline = time.Time{} // port taken, or bad flags: try again
				continue
			default:
			}
			if resp, err := ps.client.Get(ps.base + "/-/ready"); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return ps
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		_ = cmd.Process.Kill()
		<-exited
	}
	b, _ := os.ReadFile(ps.log)
	t.Fatalf("prometheus did not become ready; its log:\n%s", b)
	return nil
}

// query runs an instant PromQL query and returns the value of its single
// sample; ok is false when the result is empty.
func (ps *promServer) query(t *testing.T, q string) (v float64, ok bool) {
	t.Helper()
	resp, err := ps.client.Get(ps.base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		t.Fatalf("query %s: %v", q, err)
	}
	defer resp.Body.Close()
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("query %s: %v", q, err)
	}
	if r.Status != "success" {
		t.Fatalf("query %s: %s %s", q, r.Status, r.Error)
	}
	if len(r.Data.Result) == 0 {
		return 0, false
	}
	if len(r.Data.Result) > 1 {
		t.Fatalf("query %s: %d series, want 1", q, len(r.Data.Result))
	}
	s, _ := r.Data.Result[0].Value[1].(string)
	v, err = strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("query %s: value %q: %v", q, s, err)
	}
	return v, true
}

// waitFor polls q until cond holds for its value, or fails after 30 s.
func (ps *promServer) waitFor(t *testing.T, q, what string, cond func(float64) bool) float64 {
	t.Helper()
	var last float64
	var ok bool
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if last, ok = ps.query(t, q); ok && cond(last) {
			return last
		}
	}
	b, _ := os.ReadFile(ps.log)
	t.Fatalf("%s: %s = %v (present %v) after 30 s; prometheus log:\n%s", what, q, last, ok, b)
	return 0
}

// livePool returns a pool, named name, that runs a burst of sampled tasks
// every few milliseconds until the test ends, so that its latency
// histograms grow while Prometheus scrapes them.
func livePool(t *testing.T, name string) *workpool.Pool {
	t.Helper()
	p := workpool.New(workpool.WithName(name), workpool.WithWorkers(2), workpool.WithLatencySampling(1))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			for range 32 {
				_ = p.Submit(func() {})
			}
		}
	})
	t.Cleanup(func() {
		close(stop)
		wg.Wait()
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return p
}

func TestPrometheus_RealServerScrapesOurCollectorsAndAnswersQueries(t *testing.T) {
	bin := prometheusBinary(t)
	pool := busyPool(t, "itest")
	st := pool.Stats()
	live := livePool(t, "live")

	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(runtimemetrics.NewCollector(), runtimemetrics.NewPoolCollector(pool),
		runtimemetrics.NewPoolCollector(live, runtimemetrics.WithPerWorker(false)))
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}))
	t.Cleanup(srv.Close) // runs after prometheus is killed (cleanups run last-in first-out)
	ps := startPrometheus(t, bin, srv.Listener.Addr().String())

	ps.waitFor(t, `count_over_time(up{job="gmpkit"}[1m])`, "two scrapes", func(v float64) bool { return v >= 2 })
	if v, _ := ps.query(t, `up{job="gmpkit"}`); v != 1 {
		b, _ := os.ReadFile(ps.log)
		t.Fatalf("up = %v, want 1; prometheus log:\n%s", v, b)
	}
	p99 := ps.waitFor(t, `histogram_quantile(0.99, rate(go_runtime_sched_latencies_seconds_bucket[1m]))`,
		"scheduling-latency p99", func(v float64) bool { return !math.IsNaN(v) })
	if !(p99 > 0) || math.IsInf(p99, 0) {
		t.Errorf("sched latency p99 = %v, want a positive finite number of seconds", p99)
	}
	t.Logf("prometheus: scheduling latency p99 = %.3g s", p99)

	edges := workpool.LatencyBuckets()
	wait99 := ps.waitFor(t,
		`histogram_quantile(0.99, sum by (le) (rate(gmpkit_workpool_queue_wait_seconds_bucket{pool="live"}[1m])))`,
		"pool queue-wait p99", func(v float64) bool { return !math.IsNaN(v) })
	if !(wait99 > 0 && wait99 <= edges[len(edges)-2]) {
		t.Errorf("queue wait p99 = %v, want a number in (0, %v], the finite bucket range", wait99, edges[len(edges)-2])
	}
	t.Logf("prometheus: pool queue wait p99 = %.3g s", wait99)

	for _, c := range []struct {
		q    string
		want uint64
	}{
		{`gmpkit_workpool_steals_total{pool="itest"}`, st.Steals},
		{`gmpkit_workpool_steal_attempts_total{pool="itest"}`, st.StealAttempts},
		{`gmpkit_workpool_tasks_completed_total{pool="itest"}`, st.Completed},
		{`gmpkit_workpool_tasks_skipped_total{pool="itest"}`, st.Skipped},
		{`gmpkit_workpool_queue_wait_seconds_count{pool="itest"}`, total(st.QueueWait.Counts)},
	} {
		if v, ok := ps.query(t, c.q); !ok || v != float64(c.want) {
			t.Errorf("%s = %v (present %v), want Stats() value %d", c.q, v, ok, c.want)
		}
	}
	if v, ok := ps.query(t, `go_runtime_sched_goroutines_goroutines`); !ok || v < 1 {
		t.Errorf("goroutines gauge = %v (present %v)", v, ok)
	}
}

package main

import (
	"strings"
	"testing"

	"github.com/gmpkit/gmpkit/examples/internal/lessontest"
)

func TestMain(m *testing.M) { lessontest.Main(m, main) }

func TestLesson_GoleakFindsTheNaiveServerAndTheFixScrapesItself(t *testing.T) {
	out := lessontest.Run(t, run, "")
	lessontest.Want(t, out,
		"goleak.Find: ",
		"net/http.(*Server).Serve", // the accept loop, and who started it
		"go_runtime_sched_latencies_seconds, p99 over:",
		"the window, read with runtime/metrics directly (its finer buckets): p50 ",
		`gmpkit_workpool_tasks_completed_total{pool="lesson11"}`,
		"GET /debug/runtimemetrics: JSON with ",
		"one request, then Shutdown; goleak.Find: 0 goroutines",
		"gmpkit adds: ")
}

// The exercise "close the listener": Serve's accept loop ends, and the
// keep-alive connection's three goroutines stay: the server's reader and the
// client's read and write loops.
func TestSolution_CloseListener_TheConnectionStays(t *testing.T) {
	out := lessontest.Run(t, run, "close-listener")
	trap, _, _ := strings.Cut(out, "== Standard library first")
	lessontest.Want(t, trap, "goleak.Find: 3 goroutine(s)", "(started by net/http.(*Server).Serve)", "net/http.(*persistConn).writeLoop")
	if strings.Contains(trap, "started by main.run") {
		t.Errorf("the accept loop is still running after the listener closed:\n%s", trap)
	}
}

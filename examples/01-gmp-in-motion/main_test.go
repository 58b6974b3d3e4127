package main

import (
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"testing"

	"github.com/gmpkit/gmpkit/examples/internal/lesson"
	"github.com/gmpkit/gmpkit/examples/internal/lessontest"
)

func TestMain(m *testing.M) { lessontest.Main(m, main) }

// loadRow matches a row of a load table that ran.
var loadRow = regexp.MustCompile(`(?m)^  \d+ goroutine.*  (no samples|p50 .*\(n=\d+\))\s*$`)

func TestLesson_ProbeWaitsPreemptedGoroutinesQueueGloballyRunnextFirst(t *testing.T) {
	*traceFile = filepath.Join(t.TempDir(), "gmp.trace")
	out := lessontest.Run(t, run, "")
	lessontest.Want(t, out,
		"== The trap: more goroutines, more work? ==",
		"== The fix: leave a P free, or yield ==",
		"gmpkit adds: nothing",
		"the last line, field by field:",
		"go tool trace "+*traceFile)
	if !lesson.Race { // -race shuffles runnext on purpose
		lessontest.Want(t, out, "one P; goroutines started in the order 0 1 2 3 4 ran in the order 4 0 1 2 3")
	}
	// Five rows, unless one P leaves none free. (Under -race a probe behind
	// 16 goroutines per P may not wake within a short step: no samples.)
	rows := loadRow.FindAllStringSubmatch(out, -1)
	want := 5
	if runtime.GOMAXPROCS(0) == 1 {
		want = 4
	}
	if len(rows) != want {
		t.Errorf("want %d load rows, got %d:\n%s", want, len(rows), out)
	}
	// Preempted goroutines reach the global queue: 8 per P cannot all run.
	m := lessontest.Match(t, out, `at most (\d+) goroutines queued at once, (\d+) of them in the global queue`)
	if queued, _ := strconv.Atoi(m[1]); queued < runtime.GOMAXPROCS(0) {
		t.Errorf("only %d goroutines queued with 8 per P:\n%s", queued, out)
	}
	if global, _ := strconv.Atoi(m[2]); global == 0 {
		t.Errorf("the global queue stayed empty while goroutines were preempted:\n%s", out)
	}
	minor, batches, err := lessontest.TraceBatches(*traceFile)
	if err != nil || minor < 22 || batches == 0 {
		t.Errorf("trace file: go 1.%d, %d batches, %v", minor, batches, err)
	}
}

// The exercise: one CPU-bound goroutine per P leaves the run queues (nearly)
// empty: a goroutine is queued only in the moment after its preemption.
func TestSolution_OnePerP_QueuesStayEmpty(t *testing.T) {
	*traceFile = filepath.Join(t.TempDir(), "gmp.trace")
	out := lessontest.Run(t, run, "one-per-p")
	m := lessontest.Match(t, out, `at most (\d+) goroutines queued at once`)
	if queued, _ := strconv.Atoi(m[1]); queued > runtime.GOMAXPROCS(0) {
		t.Errorf("%d goroutines queued with 1 per P, want at most GOMAXPROCS=%d:\n%s", queued, runtime.GOMAXPROCS(0), out)
	}
}

// The exercise GOMAXPROCS=1: no P can be left free, and every field still
// has its explanation.
func TestExercise_OneP(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	*traceFile = filepath.Join(t.TempDir(), "gmp.trace")
	out := lessontest.Run(t, run, "")
	lessontest.Want(t, out, "GOMAXPROCS=1 on", "needs 2 Ps or more", "gomaxprocs=1 ")
	if n := len(loadRow.FindAllString(out, -1)); n != 4 {
		t.Errorf("want 4 load rows that ran, got %d:\n%s", n, out)
	}
}

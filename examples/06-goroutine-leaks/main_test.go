package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gmpkit/gmpkit/examples/internal/lessontest"
)

func TestMain(m *testing.M) { lessontest.Main(m, main) }

func TestLesson_GoleakFindsTheTrapAndNotTheFix(t *testing.T) {
	out := lessontest.Run(t, run, "")
	trap, fix, _ := strings.Cut(out, "== The fix")
	// 20 calls, each leaving replicas-1 senders behind, summarized, not dumped.
	lessontest.Want(t, trap, fmt.Sprintf("goleak.Find: %d goroutine(s), by state and top of stack:", 20*(replicas-1)),
		"  (started by main.leakyFirst)")
	lessontest.Want(t, fix, "goleak.Find: 0 goroutines", "gmpkit adds: nothing")
	if strings.Contains(out, "Goroutine ") || strings.Count(out, "\n") > 40 {
		t.Errorf("goleak's report should be summarized, not dumped:\n%s", out)
	}
}

// The exercise "buffered": the losers' sends complete into the buffer, so
// nothing leaks, and the lesson's check that the trap leaks says so.
func TestSolution_Buffered_NothingLeaks(t *testing.T) {
	out, err := lessontest.RunErr(t, run, "buffered")
	if err == nil || !strings.Contains(err.Error(), "the trap did not leak") {
		t.Fatalf("err = %v, want the trap not to leak\n%s", err, out)
	}
	lessontest.Want(t, out, "goleak.Find: 0 goroutines")
}

// The exercise "no-cancel": the leak is back, 2 per call, all waiting in the
// replicas' select, and the report is a summary.
func TestSolution_NoCancel_LeaksAgain(t *testing.T) {
	out, err := lessontest.RunErr(t, run, "no-cancel")
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("the fix leaked %d goroutines", 20*(replicas-1))) {
		t.Fatalf("err = %v, want the fix to leak 2 per call\n%s", err, out)
	}
	lessontest.Want(t, out, fmt.Sprintf("%5d  [select]  main.firstWith.func1  (started by main.firstWith)", 20*(replicas-1)))
}

func TestFirst_ReturnsCauseWhenCallerGivesUp(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("caller gave up")
	cancel(stop)
	if _, err := first(ctx, "q"); err != stop {
		t.Fatalf("first on a canceled context = %v, want %v", err, stop)
	}
}

package main

import (
	"strings"
	"testing"

	"github.com/gmpkit/gmpkit/examples/internal/lessontest"
)

func TestMain(m *testing.M) { lessontest.Main(m, main) }

func TestLesson_WatchdogCatchesUpgradeAndFixComputesOnce(t *testing.T) {
	out := lessontest.Run(t, run, "")
	lessontest.Want(t, out,
		`watchdog: ctxtree: "lookup" exceeded its 100ms budget by `,
		"[sync.RWMutex.Lock]  main.(*cache).getUpgrade",
		"deadlock detected; after the watchdog released the read lock, the lookup returned 42",
		"100 lookups, all missed first: 0 wrong answers, computed 1 time(s)")
}

// The exercise "remove the second check": all 100 lookups missed before any
// filled, so each computes the value again, and the lesson's check says so.
func TestSolution_NoRecheck_ComputesOncePerMiss(t *testing.T) {
	out, err := lessontest.RunErr(t, run, "no-recheck")
	if err == nil || !strings.Contains(err.Error(), "computed 100 times, want once") {
		t.Fatalf("err = %v, want 100 computations\n%s", err, out)
	}
	lessontest.Want(t, out, "100 lookups, all missed first: 0 wrong answers, computed 100 time(s)")
}

package main

import (
	"strings"
	"testing"

	"github.com/gmpkit/gmpkit/examples/internal/lessontest"
)

func TestMain(m *testing.M) { lessontest.Main(m, main) }

func TestLesson_UnboundedTimesOutSemaphoreRefusesThePoolAnswersInTime(t *testing.T) {
	out := lessontest.Run(t, run, "")
	trap, rest, _ := strings.Cut(out, "== Standard library first")
	std, fix, _ := strings.Cut(rest, "== The fix")
	lessontest.Want(t, trap, "20 callers: 0 answered, 0 refused with 503, 20 timed out after 250ms each",
		"the worker made 20 calls, 20 of them for callers who had left")
	lessontest.Want(t, std, "20 callers: 0 answered, 16 refused with 503 (Retry-After: 1, slowest ", ", 4 timed out after 180ms")
	lessontest.Want(t, fix,
		"20 callers: 0 answered, 16 refused with 503 (Retry-After: 1, slowest ",
		", 4 fallback (budget ran out while queued), 0 timed out",
		"the pool accepted 4 of 20 (its bound is 4)",
		"GET /readyz during the stall: 503 not ready: 4 of 4 in flight",
		"dependency recovered: 3 accepted job(s) skipped (their caller had the fallback), 1 ran for a caller who had left",
		"GET /readyz once drained: 200 ready: 0 of 4 in flight",
		`a request whose budget is already spent (Ctxtree-Timeout: 0n): 200, fallback "budget spent on arrival", pool untouched: true`,
		`a request with a 1s budget: 200, fallback ""`,
		"gmpkit adds: ")
}

// The exercise maxQueued = 50: the whole short burst fits; nothing is
// refused, every caller gets the fallback, and the pool is not saturated.
func TestSolution_MaxQueued50_NothingRefused(t *testing.T) {
	out := lessontest.Run(t, run, "max-queued-50")
	lessontest.Want(t, out, "20 callers: 0 answered, 0 refused with 503, 20 fallback (budget ran out while queued), 0 timed out",
		"GET /readyz during the stall: 200 ready: 20 of 50 in flight",
		"19 accepted job(s) skipped")
}

// The exercise "remove the ctx.Err() check": every accepted job runs for a
// caller who has gone.
func TestSolution_NoSkip_EveryJobRunsForNobody(t *testing.T) {
	out := lessontest.Run(t, run, "no-skip")
	lessontest.Want(t, out, "0 accepted job(s) skipped (their caller had the fallback), 4 ran for a caller who had left")
}

// The exercise serverBudget = 5ms: under minBudget, every caller gets the
// fallback at once, the pool stays empty, and /readyz says ready.
func TestSolution_Budget5ms_FallbackAtOncePoolUntouched(t *testing.T) {
	out := lessontest.Run(t, run, "budget-5ms")
	lessontest.Want(t, out, "20 callers: 0 answered, 0 refused with 503, 20 fallback (budget spent on arrival), 0 timed out",
		"the pool accepted 0 of 20", "GET /readyz during the stall: 200 ready: 0 of 4 in flight")
}

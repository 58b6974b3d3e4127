package main

import (
	"strings"
	"testing"

	"github.com/gmpkit/gmpkit/examples/internal/lessontest"
)

func TestMain(m *testing.M) { lessontest.Main(m, main) }

func TestLesson_CauseNamesCacheAndTreeRendersAsMermaid(t *testing.T) {
	out := lessontest.Run(t, run, "")
	lessontest.Want(t, out,
		"cache: err=context deadline exceeded cause=context deadline exceeded", // the trap: no name
		"cause=cache: its 50ms budget ran out",                                 // WithTimeoutCause
		`which budget ran out: "cache" (budget 50ms, path request/cache); errors.Is DeadlineExceeded: true`,
		`cause: ctxtree: "request/cache" exceeded its 50ms budget by `,
		"(1 leaked)", `"refresh" canceled by ancestor`, "LEAKED",
		"```mermaid\ngraph TD",
		"gmpkit adds: ")
}

// The exercise cacheBudget = 300ms: more than the request has left, so the
// cache node is clamped and the request's budget is the one that runs out.
func TestSolution_Cache300ms_CauseNamesTheRequest(t *testing.T) {
	out := lessontest.Run(t, run, "cache-300ms")
	lessontest.Want(t, out,
		"cause=request: its 200ms budget ran out",
		`which budget ran out: "request" (budget 200ms, path request)`,
		"budget 300ms clamped to ")
}

// The exercise "end refresh before the request": nothing leaks.
func TestSolution_EndRefresh_NothingLeaks(t *testing.T) {
	out := lessontest.Run(t, run, "end-refresh")
	lessontest.Want(t, out, "(0 leaked)")
	if strings.Contains(out, "LEAKED") {
		t.Errorf("a node is still marked LEAKED:\n%s", out)
	}
}

package main

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/gmpkit/gmpkit/examples/internal/lesson"
	"github.com/gmpkit/gmpkit/examples/internal/lessontest"
)

func TestMain(m *testing.M) { lessontest.Main(m, main) }

var books = regexp.MustCompile(`sent (\d+)  accepted (\d+)  refused (\d+)  received (\d+)  lost (\d+)  panics 0  in `)

// balanced checks both book lines: every value accepted was received, every
// other one refused, none lost.
func balanced(t *testing.T, out string) {
	t.Helper()
	lines := books.FindAllStringSubmatch(out, -1)
	if len(lines) != 2 {
		t.Fatalf("want the books of the idioms and of safechan, got %d:\n%s", len(lines), out)
	}
	for _, m := range lines {
		n := make([]int, 5)
		for i := range n {
			n[i], _ = strconv.Atoi(m[i+1])
		}
		if n[0] != 20*senders || n[1]+n[2] != n[0] || n[3] != n[1] || n[4] != 0 {
			t.Errorf("books do not balance: %s", m[0])
		}
	}
}

func TestLesson_PlainClosePanicsIdiomsAndSafechanLoseNothing(t *testing.T) {
	out := lessontest.Run(t, run, "")
	lessontest.Want(t, out,
		`received 50 values, then closed; 50 senders panicked: "send on closed channel"`,
		`second close: "close of closed channel"`,
		"second shutdown call: nothing: sync.Once had already closed stop, in 20 of 20 rounds",
		"second shutdown call: safechan: channel closed, in 20 of 20 rounds",
		"gmpkit adds: ")
	balanced(t, out)
}

// The exercise "unbuffered": fewer sends get in before the close, and
// still none is lost.
func TestSolution_Unbuffered_LosesNothing(t *testing.T) {
	balanced(t, lessontest.Run(t, run, "unbuffered"))
}

// The exercise "blocked-senders": the late senders are blocked in their
// send when close runs. They panic all the same, and under -race the close
// is reported as a data race (so it runs in its own process).
func TestSolution_BlockedSenders_PanicAndRaceWithClose(t *testing.T) {
	out, code := lessontest.Exec(t, "-short", "-solution", "blocked-senders")
	lessontest.Want(t, out, `50 senders panicked: "send on closed channel"`)
	if lesson.Race {
		lessontest.Want(t, out, "WARNING: DATA RACE")
		if code == 0 {
			t.Errorf("exit code 0 under -race, want the race detector's")
		}
	} else if code != 0 {
		t.Errorf("exit code %d:\n%s", code, out)
	}
}

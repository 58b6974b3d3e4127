package main

import (
	"bufio"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/gmpkit/gmpkit/examples/internal/lessontest"
)

func TestMain(m *testing.M) { lessontest.Main(m, main) }

func TestLesson_NilChannelBlocksAndSafechanSaysErrNil(t *testing.T) {
	out := lessontest.Run(t, run, "")
	lessontest.Want(t, out,
		"channel is nil: true; consumer got nothing: the timeout fired after ",
		"producer's send happened: false",
		"channel is nil: false; consumer got received 42; producer's send happened: true",
		"merged 5 values (sum 24)",
		"gmpkit adds: ")
	if n := strings.Count(out, "(errors.Is ErrNil: true)"); n != 4 {
		t.Errorf("want four calls answering ErrNil, got %d:\n%s", n, out)
	}
}

// The exercise "remove the timeout": the consumer waits on the nil channel
// for good; the watchdog ends the program and shows where it waits.
func TestSolution_NoTimeout_HangsUntilTheWatchdog(t *testing.T) {
	out, code := lessontest.Exec(t, "-short", "-solution", "no-timeout", "-watchdog", "1s")
	if code != 2 {
		t.Errorf("exit code %d, want 2 (the watchdog)", code)
	}
	lessontest.Want(t, out, "watchdog: lesson 4, the nil channel is still running after 1s", "[chan receive (nil chan)]  main.exchange")
}

// The exercise "delete a = nil": the merge spins on the closed channel; the
// watchdog ends it.
func TestSolution_KeepDrained_SpinsUntilTheWatchdog(t *testing.T) {
	out, code := lessontest.Exec(t, "-short", "-solution", "keep-drained", "-watchdog", "1s")
	if code != 2 {
		t.Errorf("exit code %d, want 2 (the watchdog)", code)
	}
	lessontest.Want(t, out, "a million receives from the closed channel", "watchdog: ", "]  main.toolKeepDrained")
}

// Ctrl-C always ends a lesson: a trap that ignores its context gets Grace,
// then the program quits with a summary.
func TestCtrlC_EndsALessonThatIgnoresItsContext(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT to send on Windows")
	}
	cmd := lessontest.Command(t, "-short", "-solution", "no-timeout")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "predict:") {
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() {
	}
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit code %d (%v), want 130", code, err)
	}
	lessontest.Want(t, stderr.String(), "interrupted; stopping", "did not stop within 3s of Ctrl-C", "[chan receive (nil chan)]")
}

// Package lessontest is the test preamble every lesson shares: TestMain with
// goleak, a run of the lesson (or of an exercise's solution) in short mode,
// a run of the lesson's program in a child process for exercises that hang
// on purpose, and checks on what it printed.
package lessontest

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gmpkit/gmpkit/examples/internal/lesson"
)

// Main is a lesson's TestMain. When the test binary is re-executed as the
// lesson's program (by Exec, or by lesson.RunChild), it runs lessonMain
// instead of the tests; otherwise it runs the tests and then fails if any
// goroutine outlives them.
func Main(m *testing.M, lessonMain func()) {
	if os.Getenv(lesson.MainEnv) == "1" {
		lessonMain()
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// Timeout bounds every run of a lesson in a test.
const Timeout = 90 * time.Second

// Run runs the lesson in short mode, or the named exercise's solution, and
// returns what it printed. It fails the test if the lesson reports an error.
func Run(t *testing.T, run func(context.Context, *lesson.L) error, solution string) string {
	t.Helper()
	out, err := RunErr(t, run, solution)
	if err != nil {
		t.Fatalf("run (solution %q): %v\noutput:\n%s", solution, err, out)
	}
	return out
}

// RunErr is Run for a solution whose expected outcome is one of the
// lesson's checks failing: it returns the output and the error.
func RunErr(t *testing.T, run func(context.Context, *lesson.L) error, solution string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	var out bytes.Buffer
	err := run(ctx, &lesson.L{W: &out, Short: true, Solution: solution})
	return out.String(), err
}

// Exec runs the lesson's program (the test binary, through Main) with args
// in a child process, and returns its stdout and stderr together and its
// exit code. Use it for exercises whose changed code hangs until the
// watchdog or a Ctrl-C ends it.
func Exec(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := Command(t, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("exec %v: %v", args, err)
	}
	return out.String(), code
}

// Command returns the command Exec runs, bounded by Timeout, for a test that
// must talk to the process (send it a Ctrl-C).
func Command(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), lesson.MainEnv+"=1", lesson.NoRaceExitSleep())
	return cmd
}

// Want fails the test for each of wants that out does not contain.
func Want(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q\noutput:\n%s", w, out)
		}
	}
}

// Match returns the submatches of the first match of pattern in out, and
// fails the test if there is none.
func Match(t *testing.T, out, pattern string) []string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("output does not match %q\noutput:\n%s", pattern, out)
	}
	return m
}

// TraceBatches reads a runtime/trace file with the standard library alone:
// it checks the header ("go 1.N trace") and walks the file batch by batch,
// checking that every batch's length fits the file. It returns the Go minor
// version the header names and the number of batches.
func TraceBatches(path string) (goMinor, batches int, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	if _, err := fmt.Sscanf(string(data), "go 1.%d trace", &goMinor); err != nil {
		return 0, 0, fmt.Errorf("%s: no trace header: %w", path, err)
	}
	const headerLen = 16
	if len(data) < headerLen || string(data[headerLen-3:headerLen]) != "\x00\x00\x00" {
		return goMinor, 0, fmt.Errorf("%s: malformed header %q", path, data[:min(len(data), headerLen)])
	}
	r := bytes.NewReader(data[headerLen:])
	for r.Len() > 0 {
		typ, _ := r.ReadByte()
		switch typ {
		case evEndOfGeneration:
			continue
		case evExperimentalBatch:
			if _, err := r.ReadByte(); err != nil {
				return goMinor, batches, err
			}
		case evEventBatch:
		default:
			return goMinor, batches, fmt.Errorf("%s: batch %d starts with event type %d", path, batches, typ)
		}
		var size uint64
		for range 4 { // generation, M, timestamp, then the batch's length
			if size, err = binary.ReadUvarint(r); err != nil {
				return goMinor, batches, fmt.Errorf("%s: batch %d header: %w", path, batches, err)
			}
		}
		if size > uint64(r.Len()) {
			return goMinor, batches, fmt.Errorf("%s: batch %d claims %d bytes, %d left", path, batches, size, r.Len())
		}
		r.Seek(int64(size), io.SeekCurrent) //nolint:errcheck // size was checked against what is left
		batches++
	}
	return goMinor, batches, nil
}

// Event types of the trace format that start a batch (internal/trace/tracev2,
// Go 1.22 and later; the end-of-generation marker since Go 1.26).
const (
	evEventBatch        = 1
	evExperimentalBatch = 49
	evEndOfGeneration   = 52
)

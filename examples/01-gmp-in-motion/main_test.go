package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// The lesson re-executes its own binary in child mode; under go test
	// that binary is the test binary, so the child mode starts here.
	if os.Getenv(childEnv) == "1" {
		childMain()
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// stepRow matches a row of the load table.
var stepRow = regexp.MustCompile(`^(\d+ goroutines \(\d+P\)|fix: workpool, \d+ workers)`)

func TestRun_ShowsLoadTableSchedtraceAndGoroutineDump(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out, true); err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"== Part 1",
		"sched p99",
		"fix: ",
		"== Part 2",
		"gomaxprocs=",     // the SCHED line and its explanation
		"idleprocs=",      // every field is explained ...
		"runqueue=",       // ... including the global queue
		"local run queue", // and the per-P list
		"== Part 3",
		"[chan receive]",
		"[sync.Mutex.Lock]",
		"goroutineDump.func", // the stack of a parked goroutine
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q\noutput:\n%s", want, got)
		}
	}
	if strings.Contains(got, "not explained here") {
		t.Errorf("a SCHED field is left unexplained:\n%s", got)
	}
	// Every step, the five rows, finishes all of its work.
	rows := 0
	for _, line := range strings.Split(got, "\n") {
		if stepRow.MatchString(line) {
			rows++
			if !strings.HasSuffix(strings.TrimSpace(line), "512/512") {
				t.Errorf("step did not finish its work: %q", line)
			}
		}
	}
	if rows != 5 {
		t.Errorf("want 5 rows in the load table, found %d:\n%s", rows, got)
	}
}

func TestParseSched_SplitsEveryField(t *testing.T) {
	line := "SCHED 108ms: gomaxprocs=2 idleprocs=0 threads=6 spinningthreads=0 needspinning=1 idlethreads=1 runqueue=6 [ 1 7 ] schedticks=[ 9 8 ]"
	elapsed, fields, ok := parseSched(line)
	if !ok || elapsed != "108ms" {
		t.Fatalf("parseSched = %q, ok=%v", elapsed, ok)
	}
	var keys []string
	for _, f := range fields {
		keys = append(keys, f.key+"="+f.value)
	}
	want := "gomaxprocs=2 idleprocs=0 threads=6 spinningthreads=0 needspinning=1 idlethreads=1 runqueue=6 [ ]=[1 7] schedticks=[9 8]"
	if got := strings.Join(keys, " "); got != want {
		t.Errorf("fields:\n got %s\nwant %s", got, want)
	}
	if n := sumList("[1 7]"); n != 8 {
		t.Errorf("sumList = %d, want 8", n)
	}
	if _, _, ok := parseSched("child done 1"); ok {
		t.Error("parseSched accepted a line that is not a SCHED line")
	}
}

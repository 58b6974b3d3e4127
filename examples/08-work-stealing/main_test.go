package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun_NaivePoolDeadlocksAndJoinFinishesOnOneWorker(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out, true); err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		fmt.Sprintf("%d of %d workers blocked waiting for subtasks", naiveWorkers, naiveWorkers),
		"fib(22) = 17711 on 1 worker (correct: true)",
		"fib(27) = 196418 on 1 worker(s)",
		"workpool fib-1w: workers=1",
		"steals/attempts",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q\noutput:\n%s", want, got)
		}
	}
}

// TestRun_PolicyTablesHaveBothPoliciesAndConserveTasks checks the tables'
// structure: one LIFO and one FIFO row each, with every spawned task counted
// once across the workers.
func TestRun_PolicyTablesHaveBothPoliciesAndConserveTasks(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out, true); err != nil {
		t.Fatalf("run: %v", err)
	}
	_, bursts, ok := strings.Cut(out.String(), "independent tasks")
	if !ok {
		t.Fatalf("no burst table:\n%s", out.String())
	}
	for _, policy := range []string{"LIFO", "FIFO"} {
		row := regexp.MustCompile(`(?m)^\s+` + policy + `\s+\d`)
		if n := len(row.FindAllString(out.String(), -1)); n != 2 {
			t.Errorf("want one %s row in each table, got %d:\n%s", policy, n, out.String())
		}
		// tasks = 4 bursts x burstSize, and the per-worker counts add up to
		// it plus the Run root of each burst.
		for _, line := range strings.Split(bursts, "\n") {
			if !row.MatchString(line) {
				continue
			}
			f := strings.Fields(line)
			if f[1] != fmt.Sprint(4*burstSize) {
				t.Errorf("%s: tasks = %s, want %d", policy, f[1], 4*burstSize)
			}
			open, closing := strings.Index(line, "["), strings.Index(line, "]")
			total := 0
			for _, n := range strings.Fields(line[open+1 : closing]) {
				var v int
				fmt.Sscan(n, &v)
				total += v
			}
			if total != 4*(burstSize+1) {
				t.Errorf("%s: completed per worker adds up to %d, want %d", policy, total, 4*(burstSize+1))
			}
		}
	}
}

func TestWaitStats_NearestRankAndStddev(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	p50, p99, sd := waitStats(ds)
	if p50 != 50*time.Millisecond || p99 != 99*time.Millisecond {
		t.Errorf("p50, p99 = %v, %v; want 50ms, 99ms", p50, p99)
	}
	// The population standard deviation of 1..100 ms is about 28.866 ms.
	if sd < 28860*time.Microsecond || sd > 28870*time.Microsecond {
		t.Errorf("stddev = %v, want about 28.866ms", sd)
	}
}

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun_MeasuresBothLocksAndFindsOrRulesOutACrossover(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out, true); err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"rwmutex/mutex",
		"critical section short",
		"crossover: ", // found or not, the lesson says which
		"note: ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q\noutput:\n%s", want, got)
		}
	}
	for _, reads := range []string{"50%", "90%", "99%"} {
		if !strings.Contains(got, reads) {
			t.Errorf("trap table lacks the %s row:\n%s", reads, got)
		}
	}
	if n := strings.Count(got, "% reads  ["); n < 1 {
		t.Errorf("want at least the 100%% probe drawn, got %d:\n%s", n, got)
	}
}

func TestBar_DrawsDeviationFromATie(t *testing.T) {
	for _, c := range []struct {
		ratio float64
		want  string
	}{
		{1, "[                    |                    ]"},
		{0.95, "[                  ##|                    ]"},
		{1.05, "[                    |##                  ]"},
		{0.1, "[####################|                    ]"},
		{5, "[                    |####################]"},
	} {
		if got := bar(c.ratio); got != c.want {
			t.Errorf("bar(%v) = %q, want %q", c.ratio, got, c.want)
		}
	}
}

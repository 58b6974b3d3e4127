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

func TestRun_WatchdogCatchesUpgradeAndFixComputesOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out, true); err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		`watchdog: ctxtree: "lookup" exceeded its 100ms budget`,
		"[sync.RWMutex.Lock]",
		"getUpgrade",
		"deadlock detected: true; after the rescue the lookup returned 42",
		"deadlock detected: false; 100 lookups, 0 wrong answers, computed 1 time(s)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q\noutput:\n%s", want, got)
		}
	}
}

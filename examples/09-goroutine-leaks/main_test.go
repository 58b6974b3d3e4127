package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun_GoleakFindsTheTrapAndNotTheFix(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out, true); err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	got := out.String()
	// 20 calls, each leaving replicas-1 senders behind.
	for _, want := range []string{
		fmt.Sprintf("goleak.Find: %d leaked goroutines", 20*(replicas-1)),
		"in [chan send]", // the losers' state (some may still be asleep if the box is slow)
		"created by main.leakyFirst",
		"goleak.Find: 0 leaked goroutines",
		`first call returned "q0: answer from replica `,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q\noutput:\n%s", want, got)
		}
	}
}

func TestFirst_ReturnsCauseWhenCallerGivesUp(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := fmt.Errorf("caller gave up")
	cancel(stop)
	if _, err := first(ctx, "q"); err != stop {
		t.Fatalf("first on a canceled context = %v, want %v", err, stop)
	}
}

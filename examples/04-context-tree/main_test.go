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

func TestRun_CauseNamesCacheAndTreeRendersAsMermaid(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out, true); err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"cache: err=context deadline exceeded cause=context deadline exceeded", // the trap: no name
		`which budget ran out: "cache" (budget 50ms, path request/cache); errors.Is DeadlineExceeded: true`,
		"(1 leaked)",
		"```mermaid\ngraph TD",
		"refresh",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q\noutput:\n%s", want, got)
		}
	}
}

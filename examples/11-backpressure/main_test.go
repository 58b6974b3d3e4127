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

func TestRun_UnboundedQueueTimesOutAndBoundedPoolFailsFast(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out, true); err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"accepted 20 of 20; answered 0; timed out 20 after 250ms each; queue peaked at ",
		"the worker made 20 calls, 20 of them for callers who had left",
		// The fix: exactly the bound is accepted; the rest are refused at once.
		"burst of 20, dependency stalled: 16 refused with 503 (Retry-After: 1,",
		"4 fallback answers after their 80ms budget, 0 timed out",
		"GET /readyz while saturated: 503 not ready: 4 of 4 in flight",
		"GET /readyz once drained: 200 ready: 0 of 4 in flight",
		"a request whose budget is already spent (Ctxtree-Timeout: 0n): 200, fallback true, pool untouched: true",
		"a request with a 1s budget: 200, fallback false",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q\noutput:\n%s", want, got)
		}
	}
}

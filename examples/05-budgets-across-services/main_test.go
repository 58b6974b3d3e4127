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

func TestRun_BudgetShrinksPerHopAndInventoryStops(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out, true); err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	got := out.String()
	trap, fix, ok := strings.Cut(got, "== The fix")
	if !ok {
		t.Fatalf("no fix section:\n%s", got)
	}
	for _, want := range []string{
		`inventory: budget header ""`,
		"its context canceled: false",
	} {
		if !strings.Contains(trap, want) {
			t.Errorf("trap section lacks %q\noutput:\n%s", want, got)
		}
	}
	for _, want := range []string{
		"budgets shrink at every hop: true",
		"its context canceled: true",
		"  gateway ",
		"  orders ",
		"  inventory ",
	} {
		if !strings.Contains(fix, want) {
			t.Errorf("fix section lacks %q\noutput:\n%s", want, got)
		}
	}
}

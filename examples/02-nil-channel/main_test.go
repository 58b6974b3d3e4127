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

func TestRun_NilChannelBlocksAndSafechanSaysErrNil(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out, true); err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"channel is nil: true",
		"consumer got nothing: the timeout fired",
		"producer's send happened: false",
		"merged 5 values (sum 24)",
		"Send     -> ",
		"Recv     -> ",
		"Close    -> ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q\noutput:\n%s", want, got)
		}
	}
	if strings.Count(got, "(errors.Is ErrNil: true)") != 4 {
		t.Errorf("want four calls answering ErrNil:\n%s", got)
	}
}

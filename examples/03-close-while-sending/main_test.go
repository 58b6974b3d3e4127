package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var books = regexp.MustCompile(`sent (\d+)  accepted (\d+)  rejected with ErrClosed (\d+)  received (\d+)  lost (\d+)  panics 0`)

func TestRun_PlainCloseRacePanicsAndSafechanLosesNothing(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out, true); err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"received 50 values, then closed; 50 senders panicked: \"send on closed channel\"",
		"second close: \"close of closed channel\"",
		"second Close returned ErrClosed in 20 of 20 rounds",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q\noutput:\n%s", want, got)
		}
	}
	m := books.FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("no conservation line in output:\n%s", got)
	}
	n := make([]int, 5)
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	sent, accepted, rejected, received, lost := n[0], n[1], n[2], n[3], n[4]
	if sent != 20*senders || accepted+rejected != sent || received != accepted || lost != 0 {
		t.Errorf("books do not balance: sent %d accepted %d rejected %d received %d lost %d", sent, accepted, rejected, received, lost)
	}
}

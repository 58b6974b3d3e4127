package safechan_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gmpkit/gmpkit/safechan"
)

var errCause = errors.New("test cause")

// canceled returns a context already canceled with errCause.
func canceled() context.Context {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errCause)
	return ctx
}

func TestNew_NegativeCapacityPanicsNamingFunctionAndValue(t *testing.T) {
	defer func() {
		r := recover()
		msg, ok := r.(string)
		if !ok {
			t.Fatalf("New(-1) panicked with %v (%T), want a string message", r, r)
		}
		for _, want := range []string{"safechan.New", "-1"} {
			if !strings.Contains(msg, want) {
				t.Errorf("panic message %q does not contain %q", msg, want)
			}
		}
		if !strings.HasPrefix(msg, "safechan: ") {
			t.Errorf("panic message %q is not prefixed with the package name", msg)
		}
	}()
	safechan.New[int](-1)
	t.Fatal("New(-1) did not panic")
}

func TestNew_LenCap(t *testing.T) {
	for _, capacity := range []int{0, 1, 7} {
		c := safechan.New[int](capacity)
		if got := c.Cap(); got != capacity {
			t.Errorf("Cap() = %d, want %d", got, capacity)
		}
		if got := c.Len(); got != 0 {
			t.Errorf("Len() = %d on a new Chan, want 0", got)
		}
		for i := range capacity {
			if err := c.TrySend(i); err != nil {
				t.Fatalf("TrySend(%d) = %v with room", i, err)
			}
		}
		if got := c.Len(); got != capacity {
			t.Errorf("Len() = %d after filling, want %d", got, capacity)
		}
	}
}

func TestNilChan_EveryMethodReturnsErrNilAtOnce(t *testing.T) {
	var c *safechan.Chan[int]
	ctx := context.Background() // no deadline: a hang would fail the test by timeout
	if err := c.Send(ctx, 1); !errors.Is(err, safechan.ErrNil) {
		t.Errorf("Send = %v, want ErrNil", err)
	}
	if err := c.TrySend(1); !errors.Is(err, safechan.ErrNil) {
		t.Errorf("TrySend = %v, want ErrNil", err)
	}
	if v, err := c.Recv(ctx); !errors.Is(err, safechan.ErrNil) || v != 0 {
		t.Errorf("Recv = %v, %v, want 0, ErrNil", v, err)
	}
	if v, err := c.TryRecv(); !errors.Is(err, safechan.ErrNil) || v != 0 {
		t.Errorf("TryRecv = %v, %v, want 0, ErrNil", v, err)
	}
	if err := c.Close(); !errors.Is(err, safechan.ErrNil) {
		t.Errorf("Close = %v, want ErrNil", err)
	}
	if rest, err := c.Drain(ctx); !errors.Is(err, safechan.ErrNil) || rest != nil {
		t.Errorf("Drain = %v, %v, want nil, ErrNil", rest, err)
	}
	select {
	case <-c.Done():
	default:
		t.Error("Done() on a nil *Chan is not closed; a select on it would block forever")
	}
	for v := range c.All() {
		t.Errorf("All() on a nil *Chan yielded %v", v)
	}
	if c.Len() != 0 || c.Cap() != 0 {
		t.Errorf("Len, Cap = %d, %d on a nil *Chan, want 0, 0", c.Len(), c.Cap())
	}
}

func TestZeroChan_PanicsNamingNew(t *testing.T) {
	for name, call := range map[string]func(c *safechan.Chan[int]){
		"Send":    func(c *safechan.Chan[int]) { _ = c.Send(context.Background(), 1) },
		"TrySend": func(c *safechan.Chan[int]) { _ = c.TrySend(1) },
		"Recv":    func(c *safechan.Chan[int]) { _, _ = c.Recv(context.Background()) },
		"TryRecv": func(c *safechan.Chan[int]) { _, _ = c.TryRecv() },
		"Close":   func(c *safechan.Chan[int]) { _ = c.Close() },
		"Done":    func(c *safechan.Chan[int]) { _ = c.Done() },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, "safechan.New") || !strings.Contains(msg, name) {
					t.Errorf("panic %q does not name %s and safechan.New", msg, name)
				}
			}()
			call(new(safechan.Chan[int]))
			t.Errorf("%s on a zero Chan did not panic", name)
		})
	}
}

func TestClose_FirstNilThenErrClosedNeverPanics(t *testing.T) {
	c := safechan.New[int](1)
	if err := c.Close(); err != nil {
		t.Fatalf("first Close = %v, want nil", err)
	}
	for range 3 {
		if err := c.Close(); !errors.Is(err, safechan.ErrClosed) {
			t.Fatalf("later Close = %v, want ErrClosed", err)
		}
	}
}

func TestClose_ConcurrentCallsExactlyOneNil(t *testing.T) {
	c := safechan.New[int](0)
	const n = 16
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { errs <- c.Close() })
	}
	wg.Wait()
	close(errs)
	nils := 0
	for err := range errs {
		switch {
		case err == nil:
			nils++
		case !errors.Is(err, safechan.ErrClosed):
			t.Errorf("Close = %v, want nil or ErrClosed", err)
		}
	}
	if nils != 1 {
		t.Errorf("%d Close calls returned nil, want exactly 1", nils)
	}
}

func TestSend_AfterCloseReturnsErrClosed(t *testing.T) {
	for _, capacity := range []int{0, 4} {
		c := safechan.New[int](capacity)
		c.Close()
		if err := c.Send(context.Background(), 1); !errors.Is(err, safechan.ErrClosed) {
			t.Errorf("cap %d: Send after Close = %v, want ErrClosed", capacity, err)
		}
		if err := c.Send(canceled(), 1); !errors.Is(err, safechan.ErrClosed) {
			t.Errorf("cap %d: Send with canceled ctx after Close = %v, want ErrClosed", capacity, err)
		}
		if err := c.TrySend(1); !errors.Is(err, safechan.ErrClosed) {
			t.Errorf("cap %d: TrySend after Close = %v, want ErrClosed", capacity, err)
		}
		if c.Len() != 0 {
			t.Errorf("cap %d: a failed Send enqueued its value: Len = %d", capacity, c.Len())
		}
	}
}

func TestSend_ContextCauseWhenFull(t *testing.T) {
	c := safechan.New[int](1)
	if err := c.Send(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(canceled(), 2); !errors.Is(err, errCause) {
		t.Errorf("Send on a full Chan with a canceled ctx = %v, want the cause", err)
	}
	if err := c.TrySend(2); !errors.Is(err, safechan.ErrFull) {
		t.Errorf("TrySend on a full Chan = %v, want ErrFull", err)
	}
	if c.Len() != 1 {
		t.Errorf("Len = %d after failed sends, want 1", c.Len())
	}
}

func TestSend_AcceptsWithoutBlockingEvenIfContextDone(t *testing.T) {
	c := safechan.New[int](1)
	if err := c.Send(canceled(), 7); err != nil {
		t.Errorf("Send with room and a canceled ctx = %v, want nil", err)
	}
	if v, err := c.TryRecv(); v != 7 || err != nil {
		t.Errorf("TryRecv = %v, %v, want 7, nil", v, err)
	}
}

func TestSend_BlockedSenderWokenByCloseGetsErrClosed(t *testing.T) {
	for _, capacity := range []int{0, 1} {
		c := safechan.New[int](capacity)
		for i := range capacity {
			c.TrySend(i)
		}
		const senders = 4
		errs := make(chan error, senders)
		for range senders {
			go func() { errs <- c.Send(context.Background(), 99) }()
		}
		// Close waits for every Send in flight, so once it returns each
		// blocked Send has returned too.
		c.Close()
		for range senders {
			if err := <-errs; !errors.Is(err, safechan.ErrClosed) {
				t.Errorf("cap %d: blocked Send = %v, want ErrClosed", capacity, err)
			}
		}
		rest, err := c.Drain(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if want := capacity; len(rest) != want {
			t.Errorf("cap %d: Drain = %v, want the %d buffered values only", capacity, rest, want)
		}
	}
}

func TestSend_UnbufferedCompletesOnlyWhenReceiverTakesIt(t *testing.T) {
	c := safechan.New[int](0)
	if err := c.TrySend(1); !errors.Is(err, safechan.ErrFull) {
		t.Fatalf("TrySend with no receiver waiting = %v, want ErrFull", err)
	}
	if err := c.Send(canceled(), 1); !errors.Is(err, errCause) {
		t.Fatalf("Send with no receiver and a canceled ctx = %v, want the cause", err)
	}
	sent := make(chan error, 1)
	go func() { sent <- c.Send(context.Background(), 42) }()
	select {
	case err := <-sent:
		t.Fatalf("Send returned %v before any receiver took the value", err)
	default:
	}
	v, err := c.Recv(context.Background())
	if v != 42 || err != nil {
		t.Fatalf("Recv = %v, %v, want 42, nil", v, err)
	}
	if err := <-sent; err != nil {
		t.Fatalf("Send = %v after the value was taken, want nil", err)
	}
	c.Close()
}

func TestRecv_DrainsBufferThenErrClosed(t *testing.T) {
	c := safechan.New[int](3)
	for i := range 3 {
		c.TrySend(i)
	}
	c.Close()
	for i := range 3 {
		v, err := c.Recv(context.Background())
		if v != i || err != nil {
			t.Fatalf("Recv = %v, %v, want %d, nil", v, err, i)
		}
	}
	if _, err := c.Recv(context.Background()); !errors.Is(err, safechan.ErrClosed) {
		t.Errorf("Recv after drain = %v, want ErrClosed", err)
	}
	if _, err := c.Recv(canceled()); !errors.Is(err, safechan.ErrClosed) {
		t.Errorf("Recv(canceled) after drain = %v, want ErrClosed", err)
	}
	if _, err := c.TryRecv(); !errors.Is(err, safechan.ErrClosed) {
		t.Errorf("TryRecv after drain = %v, want ErrClosed", err)
	}
}

func TestRecv_ContextCauseWhenEmpty(t *testing.T) {
	for _, capacity := range []int{0, 2} {
		c := safechan.New[int](capacity)
		if _, err := c.Recv(canceled()); !errors.Is(err, errCause) {
			t.Errorf("cap %d: Recv on an empty Chan with canceled ctx = %v, want the cause", capacity, err)
		}
		if _, err := c.TryRecv(); !errors.Is(err, safechan.ErrEmpty) {
			t.Errorf("cap %d: TryRecv on an empty Chan = %v, want ErrEmpty", capacity, err)
		}
	}
}

func TestRecv_ConsumerWalkingAwayLeaksNothing(t *testing.T) {
	// goleak in TestMain checks that nothing outlives this test.
	c := safechan.New[int](0)
	ctx, cancel := context.WithCancelCause(context.Background())
	got := make(chan error, 1)
	go func() {
		_, err := c.Recv(ctx)
		got <- err
	}()
	cancel(errCause)
	if err := <-got; !errors.Is(err, errCause) {
		t.Errorf("Recv after cancel = %v, want the cause", err)
	}
	// The abandoned Chan is never closed: nothing may still wait on it.
}

func TestAll_YieldsInOrderUntilClosedAndDrained(t *testing.T) {
	c := safechan.New[int](4)
	go func() {
		for i := range 10 {
			if err := c.Send(context.Background(), i); err != nil {
				panic(err)
			}
		}
		c.Close()
	}()
	var got []int
	for v := range c.All() {
		got = append(got, v)
	}
	if want := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}; !slices.Equal(got, want) {
		t.Errorf("All() = %v, want %v", got, want)
	}
}

func TestAll_BreakStopsWithoutConsumingMore(t *testing.T) {
	c := safechan.New[int](4)
	for i := range 4 {
		c.TrySend(i)
	}
	for v := range c.All() {
		if v == 1 {
			break
		}
	}
	if c.Len() != 2 {
		t.Errorf("Len = %d after breaking at the second value, want 2", c.Len())
	}
}

func TestDrain_ReturnsLeftoversAfterClose(t *testing.T) {
	c := safechan.New[string](4)
	for _, s := range []string{"a", "b", "c"} {
		c.TrySend(s)
	}
	if _, err := c.TryRecv(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	rest, err := c.Drain(canceled()) // closed already: ctx does not matter
	if err != nil || !slices.Equal(rest, []string{"b", "c"}) {
		t.Errorf("Drain = %q, %v, want [b c], nil", rest, err)
	}
	rest, err = c.Drain(context.Background())
	if err != nil || len(rest) != 0 {
		t.Errorf("second Drain = %q, %v, want nothing, nil", rest, err)
	}
}

func TestDrain_WaitsForCloseOrContext(t *testing.T) {
	c := safechan.New[int](2)
	c.TrySend(1)
	if rest, err := c.Drain(canceled()); !errors.Is(err, errCause) || rest != nil {
		t.Errorf("Drain before Close with canceled ctx = %v, %v, want nil, cause", rest, err)
	}
	if c.Len() != 1 {
		t.Errorf("a failed Drain took values: Len = %d, want 1", c.Len())
	}
	got := make(chan []int, 1)
	go func() {
		rest, err := c.Drain(context.Background())
		if err != nil {
			panic(err)
		}
		got <- rest
	}()
	c.TrySend(2)
	c.Close()
	if rest := <-got; !slices.Equal(rest, []int{1, 2}) {
		t.Errorf("Drain = %v, want [1 2]", rest)
	}
}

func TestDone_ClosedByClose(t *testing.T) {
	c := safechan.New[int](0)
	if d1, d2 := c.Done(), c.Done(); d1 != d2 {
		t.Error("Done returned different channels")
	}
	select {
	case <-c.Done():
		t.Fatal("Done closed before Close")
	default:
	}
	c.Close()
	<-c.Done() // would hang (and time out) if Close did not close it
}

func TestErrors_AreDistinctAndNamed(t *testing.T) {
	errs := []error{safechan.ErrClosed, safechan.ErrFull, safechan.ErrEmpty, safechan.ErrNil}
	for i, a := range errs {
		if !strings.HasPrefix(a.Error(), "safechan: ") {
			t.Errorf("%q is not prefixed with the package name", a)
		}
		for _, b := range errs[i+1:] {
			if errors.Is(a, b) {
				t.Errorf("%v and %v are not distinct", a, b)
			}
		}
	}
	_ = fmt.Sprint(errs)
}

func TestSend_ParkedSenderGetsCauseWhenContextEnds(t *testing.T) {
	for _, capacity := range []int{0, 1, 3} {
		c := safechan.New[int](capacity)
		for i := range capacity {
			c.TrySend(i)
		}
		ctx, cancel := context.WithCancelCause(context.Background())
		got := make(chan error, 1)
		go func() { got <- c.Send(ctx, 99) }()
		cancel(errCause)
		if err := <-got; !errors.Is(err, errCause) {
			t.Errorf("cap %d: parked Send after cancel = %v, want the cause", capacity, err)
		}
		if c.Len() != capacity {
			t.Errorf("cap %d: Len = %d, want %d: a canceled Send enqueued its value", capacity, c.Len(), capacity)
		}
		c.Close()
	}
}

func TestRecv_ParkedReceiverWokenByClose(t *testing.T) {
	for _, capacity := range []int{0, 1, 3} {
		c := safechan.New[int](capacity)
		const receivers = 4
		got := make(chan error, receivers)
		for range receivers {
			go func() {
				_, err := c.Recv(context.Background())
				got <- err
			}()
		}
		c.Close()
		for range receivers {
			if err := <-got; !errors.Is(err, safechan.ErrClosed) {
				t.Errorf("cap %d: parked Recv after Close = %v, want ErrClosed", capacity, err)
			}
		}
	}
}

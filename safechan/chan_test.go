package safechan_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
		require.True(t, ok, "New(-1) panicked with %v (%T), want a string message", r, r)
		assert.Contains(t, msg, "safechan.New")
		assert.Contains(t, msg, "-1")
		assert.True(t, strings.HasPrefix(msg, "safechan: "), "panic message %q is not prefixed with the package name", msg)
	}()
	safechan.New[int](-1)
	t.Fatal("New(-1) did not panic")
}

func TestNew_LenCap(t *testing.T) {
	for _, capacity := range []int{0, 1, 7} {
		c := safechan.New[int](capacity)
		assert.Equal(t, capacity, c.Cap(), "Cap")
		assert.Zero(t, c.Len(), "Len of a new Chan")
		for i := range capacity {
			require.NoError(t, c.TrySend(i), "TrySend with room")
		}
		assert.Equal(t, capacity, c.Len(), "Len after filling")
	}
}

func TestNilChan_EveryMethodReturnsErrNilAtOnce(t *testing.T) {
	var c *safechan.Chan[int]
	ctx := context.Background() // no deadline: a hang would fail the test by timeout
	assert.ErrorIs(t, c.Send(ctx, 1), safechan.ErrNil, "Send")
	assert.ErrorIs(t, c.TrySend(1), safechan.ErrNil, "TrySend")
	v, err := c.Recv(ctx)
	assert.ErrorIs(t, err, safechan.ErrNil, "Recv")
	assert.Zero(t, v, "Recv")
	v, err = c.TryRecv()
	assert.ErrorIs(t, err, safechan.ErrNil, "TryRecv")
	assert.Zero(t, v, "TryRecv")
	assert.ErrorIs(t, c.Close(), safechan.ErrNil, "Close")
	rest, err := c.Drain(ctx)
	assert.ErrorIs(t, err, safechan.ErrNil, "Drain")
	assert.Nil(t, rest, "Drain")
	select {
	case <-c.Done():
	default:
		t.Error("Done() on a nil *Chan is not closed; a select on it would block forever")
	}
	for v := range c.All() {
		t.Errorf("All() on a nil *Chan yielded %v", v)
	}
	assert.Zero(t, c.Len(), "Len")
	assert.Zero(t, c.Cap(), "Cap")
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
				assert.Contains(t, msg, "safechan.New")
				assert.Contains(t, msg, name)
			}()
			call(new(safechan.Chan[int]))
			t.Errorf("%s on a zero Chan did not panic", name)
		})
	}
}

func TestClose_FirstNilThenErrClosedNeverPanics(t *testing.T) {
	c := safechan.New[int](1)
	require.NoError(t, c.Close(), "first Close")
	for range 3 {
		require.ErrorIs(t, c.Close(), safechan.ErrClosed, "later Close")
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
		if err == nil {
			nils++
		} else {
			assert.ErrorIs(t, err, safechan.ErrClosed, "Close")
		}
	}
	assert.Equal(t, 1, nils, "Close calls that returned nil")
}

func TestSend_AfterCloseReturnsErrClosed(t *testing.T) {
	for _, capacity := range []int{0, 4} {
		c := safechan.New[int](capacity)
		c.Close()
		assert.ErrorIs(t, c.Send(context.Background(), 1), safechan.ErrClosed, "cap %d: Send after Close", capacity)
		assert.ErrorIs(t, c.Send(canceled(), 1), safechan.ErrClosed, "cap %d: Send with canceled ctx after Close", capacity)
		assert.ErrorIs(t, c.TrySend(1), safechan.ErrClosed, "cap %d: TrySend after Close", capacity)
		assert.Zero(t, c.Len(), "cap %d: a failed Send enqueued its value", capacity)
	}
}

func TestSend_ContextCauseWhenFull(t *testing.T) {
	c := safechan.New[int](1)
	require.NoError(t, c.Send(context.Background(), 1))
	assert.ErrorIs(t, c.Send(canceled(), 2), errCause, "Send on a full Chan with a canceled ctx")
	assert.ErrorIs(t, c.TrySend(2), safechan.ErrFull, "TrySend on a full Chan")
	assert.Equal(t, 1, c.Len(), "Len after failed sends")
}

func TestSend_AcceptsWithoutBlockingEvenIfContextDone(t *testing.T) {
	c := safechan.New[int](1)
	assert.NoError(t, c.Send(canceled(), 7), "Send with room and a canceled ctx")
	v, err := c.TryRecv()
	assert.NoError(t, err)
	assert.Equal(t, 7, v)
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
			assert.ErrorIs(t, <-errs, safechan.ErrClosed, "cap %d: blocked Send", capacity)
		}
		rest, err := c.Drain(context.Background())
		require.NoError(t, err)
		assert.Len(t, rest, capacity, "cap %d: Drain must return the buffered values only", capacity)
	}
}

func TestSend_UnbufferedCompletesOnlyWhenReceiverTakesIt(t *testing.T) {
	c := safechan.New[int](0)
	require.ErrorIs(t, c.TrySend(1), safechan.ErrFull, "TrySend with no receiver waiting")
	require.ErrorIs(t, c.Send(canceled(), 1), errCause, "Send with no receiver and a canceled ctx")
	sent := make(chan error, 1)
	go func() { sent <- c.Send(context.Background(), 42) }()
	select {
	case err := <-sent:
		t.Fatalf("Send returned %v before any receiver took the value", err)
	default:
	}
	v, err := c.Recv(context.Background())
	require.NoError(t, err)
	require.Equal(t, 42, v)
	require.NoError(t, <-sent, "Send after the value was taken")
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
		require.NoError(t, err)
		require.Equal(t, i, v)
	}
	_, err := c.Recv(context.Background())
	assert.ErrorIs(t, err, safechan.ErrClosed, "Recv after drain")
	_, err = c.Recv(canceled())
	assert.ErrorIs(t, err, safechan.ErrClosed, "Recv(canceled) after drain")
	_, err = c.TryRecv()
	assert.ErrorIs(t, err, safechan.ErrClosed, "TryRecv after drain")
}

func TestRecv_ContextCauseWhenEmpty(t *testing.T) {
	for _, capacity := range []int{0, 2} {
		c := safechan.New[int](capacity)
		_, err := c.Recv(canceled())
		assert.ErrorIs(t, err, errCause, "cap %d: Recv on an empty Chan with canceled ctx", capacity)
		_, err = c.TryRecv()
		assert.ErrorIs(t, err, safechan.ErrEmpty, "cap %d: TryRecv on an empty Chan", capacity)
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
	assert.ErrorIs(t, <-got, errCause, "Recv after cancel")
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
	assert.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, got)
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
	assert.Equal(t, 2, c.Len(), "Len after breaking at the second value")
}

func TestDrain_ReturnsLeftoversAfterClose(t *testing.T) {
	c := safechan.New[string](4)
	for _, s := range []string{"a", "b", "c"} {
		c.TrySend(s)
	}
	_, err := c.TryRecv()
	require.NoError(t, err)
	c.Close()
	rest, err := c.Drain(canceled()) // closed already: ctx does not matter
	assert.NoError(t, err)
	assert.Equal(t, []string{"b", "c"}, rest)
	rest, err = c.Drain(context.Background())
	assert.NoError(t, err)
	assert.Empty(t, rest, "second Drain")
}

func TestDrain_WaitsForCloseOrContext(t *testing.T) {
	c := safechan.New[int](2)
	c.TrySend(1)
	rest, err := c.Drain(canceled())
	assert.ErrorIs(t, err, errCause, "Drain before Close with canceled ctx")
	assert.Nil(t, rest)
	assert.Equal(t, 1, c.Len(), "a failed Drain took values")
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
	assert.Equal(t, []int{1, 2}, <-got)
}

func TestDone_ClosedByClose(t *testing.T) {
	c := safechan.New[int](0)
	require.Equal(t, c.Done(), c.Done(), "Done returned different channels")
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
		assert.True(t, strings.HasPrefix(a.Error(), "safechan: "), "%q is not prefixed with the package name", a)
		for _, b := range errs[i+1:] {
			assert.NotErrorIs(t, a, b)
		}
	}
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
		assert.ErrorIs(t, <-got, errCause, "cap %d: parked Send after cancel", capacity)
		assert.Equal(t, capacity, c.Len(), "cap %d: a canceled Send enqueued its value", capacity)
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
			assert.ErrorIs(t, <-got, safechan.ErrClosed, "cap %d: parked Recv after Close", capacity)
		}
	}
}

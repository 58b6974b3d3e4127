package safechan_test

// Regression tests for the parking protocol. Each one uses the test hook to
// hold waiters at exact points (registered as a waiter and about to park,
// or just woken) and so replays one interleaving whatever the scheduler
// does: the tests are deterministic at any GOMAXPROCS.

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmpkit/gmpkit/safechan"
)

// waiter is a goroutine that a parkScript steers, known by its context.
type waiter struct {
	ctx     context.Context
	hold    bool          // held at its first park until release is closed
	parked  chan struct{} // closed when it first registers and is about to park
	release chan struct{}
	onWoken func() // run on its goroutine each time it takes a wake-up
	once    sync.Once
	freed   sync.Once
}

func (w *waiter) letPark() { w.freed.Do(func() { close(w.release) }) }

// parkScript installs a test hook that steers its waiters at the park and
// woken points of one side (send or receive).
type parkScript struct {
	park, woken int
	waiters     []*waiter
}

// newParkScript returns a script for waiters on the send side (send true)
// or the receive side, and removes its hook when the test ends.
func newParkScript(t *testing.T, send bool, waiters ...*waiter) *parkScript {
	s := &parkScript{park: safechan.HookRecvPark, woken: safechan.HookRecvWoken, waiters: waiters}
	if send {
		s.park, s.woken = safechan.HookSendPark, safechan.HookSendWoken
	}
	for _, w := range waiters {
		w.parked, w.release = make(chan struct{}), make(chan struct{})
	}
	safechan.SetTestHook(s.hook)
	t.Cleanup(func() {
		for _, w := range waiters {
			w.letPark()
		}
		safechan.SetTestHook(nil)
	})
	return s
}

func (s *parkScript) hook(point int, ctx context.Context) {
	i := slices.IndexFunc(s.waiters, func(w *waiter) bool { return w.ctx == ctx })
	if i < 0 {
		return
	}
	w := s.waiters[i]
	switch point {
	case s.park:
		first := false
		w.once.Do(func() { first = true })
		if first {
			close(w.parked)
			if w.hold {
				<-w.release
			}
		}
	case s.woken:
		if w.onWoken != nil {
			w.onWoken()
		}
	}
}

// patientContext returns a context that ends only after hangBound, so that
// a waiter left parked fails the test instead of hanging it.
func patientContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), hangBound)
	t.Cleanup(cancel)
	return ctx
}

// stranded reports whether a call with the patient context ctx returned
// only because its context ended. Such a call may still succeed, since a
// parked call looks at the Chan once more when its context ends.
func stranded(ctx context.Context) bool { return ctx.Err() != nil }

// goSend starts c.Send(ctx, v) and returns where its result will arrive.
func goSend(c *safechan.Chan[int], ctx context.Context, v int) <-chan error {
	res := make(chan error, 1)
	go func() { res <- c.Send(ctx, v) }()
	return res
}

type recvResult struct {
	v   int
	err error
}

// goRecv starts c.Recv(ctx) and returns where its result will arrive.
func goRecv(c *safechan.Chan[int], ctx context.Context) <-chan recvResult {
	res := make(chan recvResult, 1)
	go func() {
		v, err := c.Recv(ctx)
		res <- recvResult{v, err}
	}()
	return res
}

// Two senders park on a full Chan of capacity 1. A Recv frees the slot and
// wakes A, whose context ends at that moment. Whether A then takes the slot
// or gives up, B must not stay parked while a slot is free: every value
// whose Send returned nil reaches the consumer, and B's Send returns nil.
// With "stolen", another sender takes the freed slot before A looks again,
// so A gives up with its cause and its value is never received.
func TestWakeUp_SenderWhoseContextEndsAsItIsWokenStrandsNoSender(t *testing.T) {
	for _, stolen := range []bool{false, true} {
		name := map[bool]string{false: "slot=free", true: "slot=stolen"}[stolen]
		t.Run(name, func(t *testing.T) { senderWokenAsContextEnds(t, stolen) })
	}
}

func senderWokenAsContextEnds(t *testing.T, stolen bool) {
	c := safechan.New[int](1)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.TrySend(0))
	ctxA, cancelA := context.WithCancelCause(context.Background())
	a := &waiter{ctx: ctxA, onWoken: func() {
		cancelA(errCause)
		if stolen {
			if err := c.TrySend(9); err != nil {
				t.Errorf("TrySend into the slot just freed = %v", err)
			}
		}
	}}
	b := &waiter{ctx: patientContext(t), hold: true}
	newParkScript(t, true, a, b)
	errA := goSend(c, a.ctx, 1)
	<-a.parked
	errB := goSend(c, b.ctx, 2)
	<-b.parked // registered, held before it parks: the wake-up goes to A

	if v, err := c.Recv(context.Background()); v != 0 || err != nil {
		t.Fatalf("Recv = %d, %v; want 0, nil", v, err)
	}
	eA := <-errA
	b.letPark()

	var want []int
	switch {
	case stolen && errors.Is(eA, errCause):
		want = []int{9, 2}
	case !stolen && eA == nil:
		want = []int{1, 2}
	case !stolen && errors.Is(eA, errCause):
		want = []int{2}
	default:
		t.Fatalf("A's Send = %v (slot stolen: %v)", eA, stolen)
	}
	got := recvN(t, c, len(want))
	assert.Equal(t, want, got, "received (A's Send returned %v)", eA)
	if err := <-errB; err != nil || stranded(b.ctx) {
		t.Errorf("B's Send = %v (its context: %v), want nil at once: B stayed parked beside a free slot (a lost wake-up)",
			err, b.ctx.Err())
	}
}

// recvN receives n values, failing if a Recv waits hangBound on a Chan that
// should have a value for it.
func recvN(t *testing.T, c *safechan.Chan[int], n int) []int {
	t.Helper()
	var got []int
	for range n {
		ctx, cancel := context.WithTimeout(context.Background(), hangBound)
		v, err := c.Recv(ctx)
		ctxErr := ctx.Err()
		cancel()
		if err != nil || ctxErr != nil {
			t.Fatalf("Recv after %v = %v (its context: %v) with Len %d and values still to come: a sender stayed parked beside a free slot (a lost wake-up)",
				got, err, ctxErr, c.Len())
		}
		got = append(got, v)
	}
	assert.Zero(t, c.Len(), "Len after every value was received")
	return got
}

// Two receivers park on an empty Chan of capacity 1. A Send fills the slot
// and wakes A, whose context ends at that moment. Whether A then takes the
// value or gives up, B must not stay parked while a value is buffered. With
// "stolen", another receiver takes the value before A looks again, so A
// gives up with its cause and B receives the next value sent.
func TestWakeUp_ReceiverWhoseContextEndsAsItIsWokenStrandsNoReceiver(t *testing.T) {
	for _, stolen := range []bool{false, true} {
		name := map[bool]string{false: "value=left", true: "value=stolen"}[stolen]
		t.Run(name, func(t *testing.T) { receiverWokenAsContextEnds(t, stolen) })
	}
}

func receiverWokenAsContextEnds(t *testing.T, stolen bool) {
	c := safechan.New[int](1)
	t.Cleanup(func() { c.Close() })
	var got []int // values received, by anyone
	ctxA, cancelA := context.WithCancelCause(context.Background())
	a := &waiter{ctx: ctxA, onWoken: func() {
		cancelA(errCause)
		if stolen {
			v, err := c.TryRecv()
			if err != nil {
				t.Errorf("TryRecv of the value just sent = %v", err)
			}
			got = append(got, v)
		}
	}}
	b := &waiter{ctx: patientContext(t), hold: true}
	newParkScript(t, false, a, b)
	resA := goRecv(c, a.ctx)
	<-a.parked
	resB := goRecv(c, b.ctx)
	<-b.parked

	require.NoError(t, c.TrySend(1))
	ra := <-resA
	b.letPark()
	switch {
	case ra.err == nil && !stolen:
		got = append(got, ra.v)
	case errors.Is(ra.err, errCause):
	default:
		t.Fatalf("A's Recv = %d, %v (value stolen: %v)", ra.v, ra.err, stolen)
	}
	if len(got) == 1 { // the value was taken: give B the next one
		require.NoError(t, c.Send(b.ctx, 2))
	}
	rb := <-resB
	if rb.err != nil || stranded(b.ctx) {
		t.Fatalf("B's Recv = %v (its context: %v), want a value at once: B stayed parked beside a value (a lost wake-up)",
			rb.err, b.ctx.Err())
	}
	got = append(got, rb.v)
	slices.Sort(got)
	assert.Equal(t, []int{1, 2}[:len(got)], got, "received")
	assert.Zero(t, c.Len(), "Len after every value was received")
}

// Two Recvs free both slots of a full Chan while two senders are about to
// park: the second wake-up finds the first still pending, so one wake-up
// stands for two free slots. The sender that takes it must pass it on, or
// the other stays parked beside a free slot.
func TestWakeUp_OneWakeUpForTwoFreeSlotsReachesBothSenders(t *testing.T) {
	c := safechan.New[int](2)
	t.Cleanup(func() { c.Close() })
	for i := range 2 {
		require.NoError(t, c.TrySend(i))
	}
	a := &waiter{ctx: patientContext(t), hold: true}
	b := &waiter{ctx: patientContext(t), hold: true}
	newParkScript(t, true, a, b)
	errA := goSend(c, a.ctx, 10)
	<-a.parked
	errB := goSend(c, b.ctx, 11)
	<-b.parked
	require.Equal(t, []int{0, 1}, recvN(t, c, 2), "received")
	a.letPark()
	if err := <-errA; err != nil || stranded(a.ctx) {
		t.Fatalf("A's Send = %v (its context: %v) with a free slot, want nil at once", err, a.ctx.Err())
	}
	b.letPark()
	if err := <-errB; err != nil || stranded(b.ctx) {
		t.Fatalf("B's Send = %v (its context: %v), want nil at once: B stayed parked beside a free slot (the wake-up was not passed on)",
			err, b.ctx.Err())
	}
	assert.Equal(t, []int{10, 11}, recvN(t, c, 2), "received")
}

// Two Sends fill both slots of an empty Chan while two receivers are about
// to park: one wake-up stands for two values, and the receiver that takes
// it must pass it on.
func TestWakeUp_OneWakeUpForTwoValuesReachesBothReceivers(t *testing.T) {
	c := safechan.New[int](2)
	t.Cleanup(func() { c.Close() })
	a := &waiter{ctx: patientContext(t), hold: true}
	b := &waiter{ctx: patientContext(t), hold: true}
	newParkScript(t, false, a, b)
	resA := goRecv(c, a.ctx)
	<-a.parked
	resB := goRecv(c, b.ctx)
	<-b.parked
	for i := range 2 {
		require.NoError(t, c.TrySend(i))
	}
	a.letPark()
	if ra := <-resA; ra.v != 0 || ra.err != nil || stranded(a.ctx) {
		t.Fatalf("A's Recv = %d, %v (its context: %v); want 0, nil at once", ra.v, ra.err, a.ctx.Err())
	}
	b.letPark()
	if rb := <-resB; rb.v != 1 || rb.err != nil || stranded(b.ctx) {
		t.Fatalf("B's Recv = %d, %v (its context: %v); want 1, nil at once: B stayed parked beside a value (the wake-up was not passed on)",
			rb.v, rb.err, b.ctx.Err())
	}
}

package safechan_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/gmpkit/gmpkit/safechan"
)

// fifoModel is the sequential specification of a Chan: a bounded FIFO that
// can be closed. With a single goroutine no receiver is ever waiting, so an
// unbuffered Chan (capacity 0) never accepts a value.
type fifoModel struct {
	capacity int
	buf      []int
	closed   bool
}

func (m *fifoModel) send(v int, full error) error {
	switch {
	case m.closed:
		return safechan.ErrClosed
	case len(m.buf) == m.capacity:
		return full
	}
	m.buf = append(m.buf, v)
	return nil
}

func (m *fifoModel) recv(empty error) (int, error) {
	switch {
	case len(m.buf) > 0:
		v := m.buf[0]
		m.buf = m.buf[1:]
		return v, nil
	case m.closed:
		return 0, safechan.ErrClosed
	}
	return 0, empty
}

// FuzzChan_MatchesSequentialFIFOModel drives a Chan with a random sequence
// of operations from one goroutine and checks every result against
// fifoModel. Operations that would block are made with a canceled context,
// so they must return its cause instead.
func FuzzChan_MatchesSequentialFIFOModel(f *testing.F) {
	f.Add(uint8(2), []byte{0, 0, 0, 2, 2, 2, 2})
	f.Add(uint8(0), []byte{0, 1, 2, 3, 4, 5, 6, 7})
	f.Add(uint8(3), []byte{0, 0, 5, 0, 4, 2, 3, 6, 2, 2, 4})
	f.Add(uint8(1), []byte{1, 1, 3, 3, 4, 4, 7, 0, 6})
	f.Add(uint8(4), []byte{0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 4, 6, 7, 2, 3})
	f.Add(uint8(5), []byte{0, 0, 0, 8, 0, 8, 8, 4, 8, 8})
	f.Fuzz(func(t *testing.T, capByte uint8, ops []byte) {
		capacity := int(capByte % 6)
		r := &fuzzRun{t: t, c: safechan.New[int](capacity), m: &fifoModel{capacity: capacity}, ctx: canceled()}
		for i, op := range ops {
			r.step(op%9, i)
			r.checkState(op % 9)
		}
	})
}

// fuzzRun is one run of FuzzChan_MatchesSequentialFIFOModel.
type fuzzRun struct {
	t   *testing.T
	c   *safechan.Chan[int]
	m   *fifoModel
	ctx context.Context // canceled with errCause
}

// same fails unless got and want are the same result.
func (r *fuzzRun) same(op string, got, want error) {
	r.t.Helper()
	if !errors.Is(got, want) || (got == nil) != (want == nil) {
		r.t.Fatalf("%s = %v, model says %v", op, got, want)
	}
}

// sameRecv fails unless a receive and the model's agree.
func (r *fuzzRun) sameRecv(op string, got int, err error, empty error) {
	r.t.Helper()
	want, werr := r.m.recv(empty)
	r.same(op, err, werr)
	if got != want {
		r.t.Fatalf("%s = %d, model says %d", op, got, want)
	}
}

// step makes operation op, the i'th of the run.
func (r *fuzzRun) step(op byte, i int) {
	c, m, bg, v := r.c, r.m, context.Background(), i+1
	switch op {
	case 0: // TrySend
		r.same("TrySend", c.TrySend(v), m.send(v, safechan.ErrFull))
	case 1: // Send that would block gets the context's cause
		r.same("Send(canceled)", c.Send(r.ctx, v), m.send(v, errCause))
	case 2: // TryRecv
		got, err := c.TryRecv()
		r.sameRecv("TryRecv", got, err, safechan.ErrEmpty)
	case 3: // Recv that would block gets the context's cause
		got, err := c.Recv(r.ctx)
		r.sameRecv("Recv(canceled)", got, err, errCause)
	case 4: // Close
		want := error(nil)
		if m.closed {
			want = safechan.ErrClosed
		}
		m.closed = true
		r.same("Close", c.Close(), want)
	case 5: // Send that cannot block: only when the model has room or is closed
		if m.closed || len(m.buf) < m.capacity {
			r.same("Send", c.Send(bg, v), m.send(v, nil))
		}
	case 6: // Recv that cannot block
		if m.closed || len(m.buf) > 0 {
			got, err := c.Recv(bg)
			r.sameRecv("Recv", got, err, nil)
		}
	case 7:
		r.drain()
	case 8:
		r.all(1 + i%3)
	}
}

// drain checks Drain: the leftovers once closed, the cause before.
func (r *fuzzRun) drain() {
	got, err := r.c.Drain(r.ctx)
	if !r.m.closed {
		r.same("Drain(before Close)", err, errCause)
		if got != nil {
			r.t.Fatalf("Drain before Close returned %v", got)
		}
		return
	}
	r.same("Drain", err, nil)
	if !slices.Equal(got, r.m.buf) {
		r.t.Fatalf("Drain = %v, model says %v", got, r.m.buf)
	}
	r.m.buf = nil
}

// all ranges over All and breaks after k values, if that cannot block.
func (r *fuzzRun) all(k int) {
	if !r.m.closed && len(r.m.buf) < k {
		return
	}
	var got []int
	for v := range r.c.All() {
		if got = append(got, v); len(got) == k {
			break
		}
	}
	want := slices.Clone(r.m.buf[:min(k, len(r.m.buf))])
	r.m.buf = r.m.buf[len(want):]
	if !slices.Equal(got, want) {
		r.t.Fatalf("All took %v, model says %v", got, want)
	}
}

// checkState checks Len, Cap and Done against the model after op.
func (r *fuzzRun) checkState(op byte) {
	c, m := r.c, r.m
	if c.Len() != len(m.buf) || c.Cap() != m.capacity {
		r.t.Fatalf("after op %d: Len, Cap = %d, %d; model says %d, %d",
			op, c.Len(), c.Cap(), len(m.buf), m.capacity)
	}
	select {
	case <-c.Done():
		if !m.closed {
			r.t.Fatal("Done is closed before Close")
		}
	default:
		if m.closed {
			r.t.Fatal("Done is not closed after Close")
		}
	}
}

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
	f.Fuzz(func(t *testing.T, capByte uint8, ops []byte) {
		capacity := int(capByte % 6)
		c := safechan.New[int](capacity)
		m := &fifoModel{capacity: capacity}
		ctx := canceled()
		bg := context.Background()
		same := func(op string, got, want error) {
			t.Helper()
			if !errors.Is(got, want) || (got == nil) != (want == nil) {
				t.Fatalf("%s = %v, model says %v", op, got, want)
			}
		}
		for i, op := range ops {
			v := i + 1
			switch op % 8 {
			case 0: // TrySend
				same("TrySend", c.TrySend(v), m.send(v, safechan.ErrFull))
			case 1: // Send that would block gets the context's cause
				same("Send(canceled)", c.Send(ctx, v), m.send(v, errCause))
			case 2: // TryRecv
				got, err := c.TryRecv()
				want, werr := m.recv(safechan.ErrEmpty)
				same("TryRecv", err, werr)
				if got != want {
					t.Fatalf("TryRecv = %d, model says %d", got, want)
				}
			case 3: // Recv that would block gets the context's cause
				got, err := c.Recv(ctx)
				want, werr := m.recv(errCause)
				same("Recv(canceled)", err, werr)
				if got != want {
					t.Fatalf("Recv = %d, model says %d", got, want)
				}
			case 4: // Close
				want := error(nil)
				if m.closed {
					want = safechan.ErrClosed
				}
				m.closed = true
				same("Close", c.Close(), want)
			case 5: // Send that cannot block: only when the model has room or is closed
				if m.closed || len(m.buf) < m.capacity {
					same("Send", c.Send(bg, v), m.send(v, nil))
				}
			case 6: // Recv that cannot block
				if m.closed || len(m.buf) > 0 {
					got, err := c.Recv(bg)
					want, werr := m.recv(nil)
					same("Recv", err, werr)
					if got != want {
						t.Fatalf("Recv = %d, model says %d", got, want)
					}
				}
			case 7: // Drain: leftovers once closed, the cause before
				got, err := c.Drain(ctx)
				if !m.closed {
					same("Drain(before Close)", err, errCause)
					if got != nil {
						t.Fatalf("Drain before Close returned %v", got)
					}
					break
				}
				same("Drain", err, nil)
				if !slices.Equal(got, m.buf) {
					t.Fatalf("Drain = %v, model says %v", got, m.buf)
				}
				m.buf = nil
			}
			if c.Len() != len(m.buf) || c.Cap() != m.capacity {
				t.Fatalf("after op %d: Len, Cap = %d, %d; model says %d, %d",
					op%8, c.Len(), c.Cap(), len(m.buf), m.capacity)
			}
			select {
			case <-c.Done():
				if !m.closed {
					t.Fatal("Done is closed before Close")
				}
			default:
				if m.closed {
					t.Fatal("Done is not closed after Close")
				}
			}
		}
	})
}

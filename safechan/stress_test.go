package safechan_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gmpkit/gmpkit/safechan"
)

// stressSizes returns the number of rounds and of values per sender; the
// race detector slows every operation, so it gets smaller rounds.
func stressSizes() (rounds, perSender int) {
	switch {
	case raceEnabled:
		return 40, 1000
	case testing.Short():
		return 20, 500
	default:
		return 60, 2000
	}
}

// TestConservation_EveryAcceptedValueReceivedOnce runs many senders and
// receivers and fires Close at a random moment. It checks the contract:
// every value whose Send or TrySend returned nil is received exactly once
// (by Recv, TryRecv, All or Drain); no value whose Send failed is ever
// received; a Send that starts after Close has returned fails; the values
// of one sender reach each receiver in the order they were sent.
func TestConservation_EveryAcceptedValueReceivedOnce(t *testing.T) {
	rounds, perSender := stressSizes()
	for _, capacity := range []int{0, 1, 3, 64} {
		t.Run(fmt.Sprintf("cap=%d", capacity), func(t *testing.T) {
			for round := range rounds {
				conservationRound(t, capacity, uint64(round), perSender)
				if t.Failed() {
					return
				}
			}
		})
	}
}

// value packs a sender id and a sequence number.
func value(sender, seq int) int { return sender<<32 | seq }

func conservationRound(t *testing.T, capacity int, seed uint64, perSender int) {
	rng := rand.New(rand.NewPCG(seed, uint64(capacity)))
	senders := 1 + rng.IntN(8)
	receivers := 1 + rng.IntN(8)
	c := safechan.New[int](capacity)

	// accepted[s][i] records whether sender s's i-th value was accepted.
	accepted := make([][]bool, senders)
	var closeReturned atomic.Bool
	var lateSuccess atomic.Int64 // Sends that started after Close returned and succeeded
	var sent atomic.Int64        // accepted values so far, to pick Close's moment

	closeAfter := int64(rng.IntN(senders * perSender))
	var wg sync.WaitGroup
	for s := range senders {
		accepted[s] = make([]bool, perSender)
		ctx, cancel := context.WithCancelCause(context.Background())
		cancelAt := -1
		if s%3 == 2 { // some senders give up through their context
			cancelAt = rng.IntN(perSender)
		}
		useTry := s%4 == 3
		wg.Go(func() {
			defer cancel(nil)
			for i := range perSender {
				if i == cancelAt {
					cancel(errCause)
				}
				after := closeReturned.Load()
				var err error
				if useTry {
					err = c.TrySend(value(s, i))
				} else {
					err = c.Send(ctx, value(s, i))
				}
				switch {
				case err == nil:
					accepted[s][i] = true
					if after {
						lateSuccess.Add(1)
					}
					if sent.Add(1) == closeAfter {
						c.Close()
						closeReturned.Store(true)
					}
				case errors.Is(err, safechan.ErrClosed):
					return
				case errors.Is(err, safechan.ErrFull), errors.Is(err, errCause):
					runtime.Gosched()
				default:
					t.Errorf("Send = %v", err)
					return
				}
			}
		})
	}

	got := make([][]int, receivers)
	var rwg sync.WaitGroup
	for r := range receivers {
		rwg.Go(func() {
			switch r % 3 {
			case 0:
				for v := range c.All() {
					got[r] = append(got[r], v)
				}
			case 1:
				for {
					v, err := c.Recv(context.Background())
					if errors.Is(err, safechan.ErrClosed) {
						return
					}
					if err != nil {
						t.Errorf("Recv = %v", err)
						return
					}
					got[r] = append(got[r], v)
				}
			case 2:
				for {
					v, err := c.TryRecv()
					if errors.Is(err, safechan.ErrClosed) {
						return
					}
					if errors.Is(err, safechan.ErrEmpty) {
						runtime.Gosched()
						continue
					}
					if err != nil {
						t.Errorf("TryRecv = %v", err)
						return
					}
					got[r] = append(got[r], v)
				}
			}
		})
	}

	wg.Wait()
	c.Close() // if the random moment never came; the receivers then finish
	closeReturned.Store(true)
	var rest []int
	if rng.IntN(2) == 0 {
		var err error
		rest, err = c.Drain(context.Background())
		if err != nil {
			t.Fatalf("Drain after Close = %v", err)
		}
	}
	rwg.Wait()

	if n := lateSuccess.Load(); n != 0 {
		t.Errorf("%d Sends that started after Close returned succeeded", n)
	}
	seen := make(map[int]int)
	for r, vs := range append(got, rest) {
		last := make(map[int]int) // per sender, the last sequence seen by r
		for _, v := range vs {
			seen[v]++
			s, i := v>>32, v&(1<<32-1)
			if s >= senders || i >= perSender || !accepted[s][i] {
				t.Errorf("receiver %d got %d/%d, whose Send failed", r, s, i)
			}
			if prev, ok := last[s]; ok && prev >= i {
				t.Errorf("receiver %d got sender %d's value %d after %d: not FIFO", r, s, i, prev)
			}
			last[s] = i
		}
	}
	for v, n := range seen {
		if n != 1 {
			t.Errorf("value %d/%d received %d times", v>>32, v&(1<<32-1), n)
		}
	}
	for s := range senders {
		for i, ok := range accepted[s] {
			if ok && seen[value(s, i)] == 0 {
				t.Errorf("value %d/%d was accepted and never received", s, i)
			}
		}
	}
}

// TestParking_NoWakeUpLost moves values through a small buffer with more
// goroutines than slots on each side, so that senders and receivers park
// again and again. A lost wake-up would leave a goroutine parked with work
// available: the test would hang and fail by timeout. Every value must
// arrive exactly once.
func TestParking_NoWakeUpLost(t *testing.T) {
	rounds, perSender := stressSizes()
	for _, capacity := range []int{1, 2, 5} {
		for round := range rounds / 4 {
			const senders, receivers = 6, 6
			c := safechan.New[int](capacity)
			var wg sync.WaitGroup
			for s := range senders {
				wg.Go(func() {
					for i := range perSender {
						if err := c.Send(context.Background(), value(s, i)); err != nil {
							t.Errorf("cap %d round %d: Send = %v", capacity, round, err)
							return
						}
					}
				})
			}
			// Each receiver claims a ticket before each Recv, so exactly
			// senders*perSender Recvs are made, and Close comes only after
			// all of them returned: Close cannot rescue a lost wake-up.
			var tickets, received atomic.Int64
			total := int64(senders * perSender)
			seen := make([][]bool, senders)
			for s := range seen {
				seen[s] = make([]bool, perSender)
			}
			var mu sync.Mutex
			var rwg sync.WaitGroup
			for range receivers {
				rwg.Go(func() {
					for tickets.Add(1) <= total {
						v, err := c.Recv(context.Background())
						if err != nil {
							t.Errorf("cap %d round %d: Recv = %v", capacity, round, err)
							return
						}
						mu.Lock()
						if seen[v>>32][v&(1<<32-1)] {
							t.Errorf("value %d/%d received twice", v>>32, v&(1<<32-1))
						}
						seen[v>>32][v&(1<<32-1)] = true
						mu.Unlock()
						received.Add(1)
					}
				})
			}
			wg.Wait()
			rwg.Wait()
			c.Close()
			if got, want := received.Load(), total; got != want {
				t.Fatalf("cap %d round %d: received %d values, want %d", capacity, round, got, want)
			}
		}
	}
}

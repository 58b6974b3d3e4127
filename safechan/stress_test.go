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
	"time"

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
		rwg.Go(func() { got[r] = receiveUntilClosed(t, c, r%3) })
	}

	wg.Wait()
	c.Close() // if the random moment never came; the receivers then finish
	closeReturned.Store(true)
	var rest []int
	if rng.IntN(2) == 0 {
		var err error
		if rest, err = c.Drain(context.Background()); err != nil {
			t.Fatalf("Drain after Close = %v", err)
		}
	}
	rwg.Wait()

	if n := lateSuccess.Load(); n != 0 {
		t.Errorf("%d Sends that started after Close returned succeeded", n)
	}
	checkExactlyOnce(t, accepted, append(got, rest)...)
}

// receiveUntilClosed receives from c until it is closed and drained, with
// All (way 0), Recv (way 1) or TryRecv (way 2), and returns the values in
// the order received.
func receiveUntilClosed(t *testing.T, c *safechan.Chan[int], way int) []int {
	var got []int
	if way == 0 {
		for v := range c.All() {
			got = append(got, v)
		}
		return got
	}
	for {
		var v int
		var err error
		if way == 1 {
			v, err = c.Recv(context.Background())
		} else {
			v, err = c.TryRecv()
		}
		switch {
		case err == nil:
			got = append(got, v)
		case errors.Is(err, safechan.ErrClosed):
			return got
		case way == 2 && errors.Is(err, safechan.ErrEmpty):
			runtime.Gosched()
		default:
			t.Errorf("receive = %v", err)
			return got
		}
	}
}

// checkExactlyOnce checks that the values received, one slice per receiver
// in the order it received them, are exactly the accepted ones, each once,
// and that each receiver got each sender's values in the order they were
// sent. accepted[s][i] records whether Send or TrySend of value(s, i)
// returned nil.
func checkExactlyOnce(t *testing.T, accepted [][]bool, received ...[]int) {
	t.Helper()
	seen := make(map[int]int)
	for r, vs := range received {
		last := make(map[int]int) // per sender, the last sequence seen by r
		for _, v := range vs {
			seen[v]++
			s, i := v>>32, v&(1<<32-1)
			if s >= len(accepted) || i >= len(accepted[s]) || !accepted[s][i] {
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
	for s := range accepted {
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
// available: the round would hang, and the watchdog fails it. Every value
// must arrive exactly once.
func TestParking_NoWakeUpLost(t *testing.T) {
	rounds, perSender := stressSizes()
	for _, capacity := range []int{1, 2, 5} {
		for round := range rounds / 4 {
			const senders, receivers = 6, 6
			c := safechan.New[int](capacity)
			stop := watchdog(t, fmt.Sprintf("round %d at cap %d", round, capacity), func() { c.Close() })
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
			stop()
			c.Close()
			if got, want := received.Load(), total; got != want {
				t.Fatalf("cap %d round %d: received %d values, want %d", capacity, round, got, want)
			}
		}
	}
}

// TestParking_ImpatientWaitersStrandNoPatientOne runs patient senders and
// receivers, whose calls wait as long as it takes, beside impatient ones
// whose contexts end after a few microseconds, often just as they are woken.
// A woken waiter that gives up without passing its wake-up on would leave a
// patient sender parked beside a free slot (or a patient receiver beside a
// buffered value) once the impatient ones have stopped: the round would
// hang, and the watchdog fails it. Every patient Send must succeed, and
// every accepted value must arrive exactly once, in per-sender order.
func TestParking_ImpatientWaitersStrandNoPatientOne(t *testing.T) {
	rounds, perSender := stressSizes()
	for _, capacity := range []int{0, 1, 2, 4} {
		t.Run(fmt.Sprintf("cap=%d", capacity), func(t *testing.T) {
			for round := range rounds / 4 {
				rng := rand.New(rand.NewPCG(uint64(round), uint64(capacity)))
				impatientRound(t, capacity, rng, perSender)
				if t.Failed() {
					t.Fatalf("failed in round %d", round)
				}
			}
		})
	}
}

// impatientContext returns a context that ends a few microseconds from
// now, by its deadline or by an explicit cancel with errCause.
func impatientContext(parent context.Context, rng *rand.Rand) (context.Context, func()) {
	d := time.Duration(rng.IntN(50_000))
	if rng.IntN(2) == 0 {
		return context.WithTimeout(parent, d)
	}
	ctx, cancel := context.WithCancelCause(parent)
	timer := time.AfterFunc(d, func() { cancel(errCause) })
	return ctx, func() {
		timer.Stop()
		cancel(nil)
	}
}

func impatientRound(t *testing.T, capacity int, rng *rand.Rand, perPatient int) {
	const patientSenders, impatientSenders = 2, 6
	const patientReceivers, impatientReceivers = 2, 3
	c := safechan.New[int](capacity)
	root, rescue := context.WithCancel(context.Background())
	defer rescue()
	stop := watchdog(t, fmt.Sprintf("a round at cap %d", capacity), func() {
		rescue()
		c.Close()
	})

	accepted := make([][]bool, patientSenders+impatientSenders)
	var wg sync.WaitGroup
	for s := range accepted {
		patient := s < patientSenders
		n := perPatient
		if !patient {
			n = perPatient / 10 // the impatient stop early, leaving the patient alone
		}
		accepted[s] = make([]bool, n)
		srng := rand.New(rand.NewPCG(rng.Uint64(), uint64(s)))
		wg.Go(func() {
			for i := range n {
				ctx, cancel := root, func() {}
				if !patient {
					ctx, cancel = impatientContext(root, srng)
				}
				err := c.Send(ctx, value(s, i))
				cancel()
				switch {
				case err == nil:
					accepted[s][i] = true
				case patient:
					t.Errorf("patient Send = %v, want nil", err)
					return
				case !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, errCause):
					t.Errorf("impatient Send = %v, want nil or its context's cause", err)
				}
			}
		})
	}

	got := make([][]int, patientReceivers+impatientReceivers)
	var rwg sync.WaitGroup
	for r := range got {
		rrng := rand.New(rand.NewPCG(rng.Uint64(), uint64(r)))
		rwg.Go(func() {
			for {
				ctx, cancel := root, func() {}
				if r >= patientReceivers {
					ctx, cancel = impatientContext(root, rrng)
				}
				v, err := c.Recv(ctx)
				cancel()
				switch {
				case err == nil:
					got[r] = append(got[r], v)
				case errors.Is(err, safechan.ErrClosed):
					return
				case r < patientReceivers || root.Err() != nil:
					t.Errorf("patient Recv = %v, want a value or ErrClosed", err)
					return
				}
			}
		})
	}

	wg.Wait()
	c.Close() // every Send has returned: Close rescues nobody
	rwg.Wait()
	stop()
	checkExactlyOnce(t, accepted, got...)
}

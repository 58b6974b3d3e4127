// Package safechan provides [Chan], a FIFO channel that any goroutine may
// close, any number of times, while others still send and receive.
//
// A send on a closed Go channel panics, so only the sole sender may close
// one. With many senders and a shutdown decided elsewhere, Chan is the
// missing piece: Send returns [ErrClosed] instead of panicking, Close never
// drops buffered values, and a second Close is harmless.
//
//	c := safechan.New[Job](64)
//	go func() {
//		for j := range c.All() { // ends once c is closed and drained
//			run(j)
//		}
//	}()
//	if err := c.Send(ctx, j); errors.Is(err, safechan.ErrClosed) {
//		// shutting down: j was not enqueued
//	}
//	c.Close() // from any goroutine, any number of times
//
// # Guarantees
//
//   - No method panics because of a concurrent Close. The first Close
//     returns nil, every later one ErrClosed.
//   - Every value whose Send or TrySend returned nil is received exactly
//     once, by Recv, TryRecv, All or Drain. A value whose Send returned an
//     error was not enqueued and is never received.
//   - A Send that returns nil is synchronized before the completion of the
//     receive that takes its value. Values sent by one goroutine are
//     received in the order they were sent.
//   - The return of any call to Close is synchronized before every Send
//     and TrySend that starts after it: they return ErrClosed. A Send that
//     returns nil took effect before Close did, so its value is delivered.
//   - The enqueueing of every accepted value is synchronized before any
//     Recv or TryRecv that returns ErrClosed: receivers get ErrClosed only
//     once the Chan is closed and drained.
//   - A Send waits only while the buffer is full (for an unbuffered Chan,
//     until a receiver takes the value), a Recv only while it is empty;
//     either also returns when Close is called or its context ends.
//   - No method starts a goroutine: a consumer that walks away through its
//     context, or breaks out of All, leaves nothing behind.
//
// # Cost
//
// A buffered Send or Recv that does not wait allocates nothing and costs
// one compare-and-swap and one atomic store. Moving a value through a Chan
// of capacity 1024 costs about as much as through a Go channel (20 to 27
// ns against 30 to 32 ns, 1 to 8 senders and as many receivers, on a
// 2-core AMD EPYC with Go 1.26), where the usual wrapper, an RWMutex held
// across each send, costs 2.7 times as much. Unbuffered, a Chan costs 1.5
// to 1.8 times a Go channel. Measured by:
//
//	go test -run '^$' -bench SendRecv -count 6 ./safechan/ | benchstat -col /impl -
//
// # Traps
//
//   - The context bounds waiting, not work: Send accepts a value whenever
//     it finds room, and Recv returns a value whenever it finds one, even
//     when ctx is already done.
//   - Close does not wait for receivers: values sent before it stay
//     buffered until they are received or taken by [Chan.Drain].
//   - Drain waits for Close. Receivers running at the same time may take
//     some of the values; each goes to exactly one of them.
//   - On a buffered Chan, waiting senders are not served in arrival order,
//     as a Go channel's are: a Send that finds room takes it, even while
//     others wait. The same holds for receivers.
//   - Len is a snapshot: by the time it returns, other goroutines may have
//     changed it.
//   - A zero Chan is not usable (make one with [New]), and a Chan must not
//     be copied after first use. Methods on a nil *Chan return [ErrNil] at
//     once, where a nil Go channel blocks forever.
package safechan

// Design notes. They are for maintainers; godoc does not show them.
//
// Model. A buffered Chan (capacity > 0) keeps its values in a ring, a
// bounded lock-free multi-producer multi-consumer queue after Dmitry
// Vyukov's ("Bounded MPMC queue", 1024cores.net): every slot has a sequence
// number that says whether it is free for the sender at position p or
// filled for the receiver at p; a sender claims a slot with a
// compare-and-swap on the tail, fills it and publishes it by storing its
// sequence number; a receiver does the same on the head. Senders and
// receivers touch different words, so they contend only among themselves.
// Close sets the top bit of the tail word. Because a sender's
// compare-and-swap covers the whole word, claiming a slot and checking for
// Close are one atomic step: no Send can claim a slot once Close has set
// the bit, and every Send that claimed one before is delivered.
//
// Parking. A goroutine that finds the ring full (a sender) or empty (a
// receiver) counts itself in a waiter count, looks at the ring once more,
// and waits on a signal channel of capacity one, on Done and on its
// context. A goroutine that fills (or frees) a slot reads the waiter count
// after publishing and, if it is not zero, leaves a wake-up on the signal
// channel unless one is already pending. The count's increment and the
// publication are both sequentially consistent atomics, so either the
// parking goroutine sees the slot or the publisher sees the parking
// goroutine (the Dekker pattern): no wake-up is missed. One pending wake-up
// can stand for several slots, so two rules keep it from being lost:
//
//   - a woken goroutine that succeeds passes the wake-up on while others
//     still wait;
//   - a woken goroutine looks at the ring before it checks its context,
//     so it never gives up holding a wake-up for a slot that is free.
//
// The test hook (hook.go) stops a goroutine at the park and woken points,
// so that the tests replay these interleavings exactly.
//
// Unbuffered. An unbuffered Chan (capacity 0) is a Go channel, because a
// rendezvous is what the runtime does best: a sender hands its value
// straight to a parked receiver. To close that channel safely, senders
// register in an atomic word before they send; Close sets the word's
// closed bit, which turns later senders away, closes Done, which wakes the
// registered ones, and the last goroutine to leave closes the Go channel,
// when no send on it can be in progress. Receivers then drain it and see it
// closed.
//
// Invariants.
//
//   - A value is accepted exactly when its sender claimed a slot (buffered)
//     or a receiver took it (unbuffered), and that happened before Close set
//     the closed bit. An accepted value is received exactly once; a value
//     not accepted is never received.
//   - After the closed bit is set, the tail never moves again; receivers
//     report ErrClosed only when the head has reached it and every slot
//     before it has been emptied, so Close never drops a value.
//
// Alternatives not taken.
//
//   - A select between ch <- v and <-done, the most common wrapper, is
//     wrong: when both are ready the runtime picks one at random, so sends
//     succeed after Close has returned.
//   - An RWMutex read-held across each send, a closed flag and a select on
//     done (Close closes done, then takes the write lock) is correct, and
//     it is the baseline of the benchmarks. RLock and RUnlock are two
//     atomic read-modify-writes on one shared word, plus a three-way select.
//   - A Go channel plus an atomic count of senders in flight, the design
//     kept for capacity 0, also works for a buffered Chan, but its two
//     locked instructions per Send measured about 1.4 times the cost of a
//     raw channel, whether the count is one word or sharded over cache
//     lines: the price is the instructions, not contention. Folding the
//     closed bit into the ring's tail makes the check free.
//   - Recovering the "send on closed channel" panic: the race detector
//     reports every send that races with close, and the contract is that
//     no call panics, not that panics are caught.
//   - A sync.Cond for parking would take a mutex on every wake-up; the
//     capacity-one signal channels need no lock and let a parked goroutine
//     also wait on its context and on Done in one select.
//   - A FIFO queue of parked goroutines, as the runtime keeps, would serve
//     waiters in arrival order, at the price of a lock on every wake-up.
//     Chan lets a newcomer take a free slot first, as sync.Mutex does in
//     normal mode; per-sender FIFO order of the values is unaffected.
//
// Choices.
//
//   - The context bounds waiting, not work: a Send that finds room sends,
//     a Recv that finds a value returns it, even when ctx is done. This
//     makes both deterministic where a select would pick at random.
//   - Close does not wait for receivers. Every call to Close returns only
//     once the Chan is closed; later calls return ErrClosed, so a caller
//     can tell whether it was the one that closed.
//   - Drain waits for Close (bounded by its context) rather than taking a
//     snapshot of an open Chan, since values sent later would be missed.
//   - Methods on a nil *Chan return ErrNil, and Done on a nil *Chan returns
//     a closed channel: a nil Go channel in a select blocks forever, the
//     trap this package exists to remove.
//
// Constants. There is no spinning before parking. Yielding 1, 2 or 4 times
// first (4 is sync.Mutex's active_spin), or retrying 32 or 128 times
// without yielding, measured no faster on the SendRecv benchmarks and
// burned up to 15% more CPU per value with one sender and one receiver: a
// receiver that has caught up with its sender pays a yield for nearly every
// value, where one that parks wakes to a batch. Sequence numbers count half
// steps (2p free, 2p+1 filled) so that a ring of one slot works; Vyukov's
// whole steps need at least two. The 64-byte pads keep the head and the
// tail on separate cache lines (64 bytes on amd64 and most arm64, as in the
// runtime's cpu.CacheLinePad).
//
// Differences from Go channels, besides Close: a Chan cannot be a case of
// a select (Done can); Send and Recv take a context; TrySend and TryRecv
// replace a select with a default case; Drain hands leftovers on after
// Close; and parked goroutines are not served in arrival order (above).

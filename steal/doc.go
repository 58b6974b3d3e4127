// Package steal provides the work-stealing queues a scheduler is built on:
// [Deque], a growable Chase–Lev deque for fork-join work; [RunQueue], a
// bounded ring with a runnext slot, built like the Go runtime's per-P run
// queue; [GlobalQueue], the locked queue they overflow into and refill
// from; and [Policy], the end of its own queue an owner takes from.
//
// Each worker owns one queue: it adds items and takes them back without
// contention in the common case. An idle worker becomes a thief and takes
// the oldest items of another worker's queue:
//
//	mine := steal.NewDeque[Task]()
//	mine.Push(&Task{}) // owner: spawn
//	t := mine.Pop()    // owner: newest first
//	if t == nil {
//		t = victim.Steal() // any goroutine: oldest first
//	}
//	if t == nil {
//		t = global.PopBatch(mine, global.Len()/workers+1) // a fair share
//	}
//
// # Guarantees
//
//   - One owner. Methods documented as the owner's (Push, Pop, PopOldest,
//     and being the dst of StealHalf or PopBatch) must never run
//     concurrently on one queue, and ownership may pass to another
//     goroutine only through a happens-before edge, such as a mutex or a
//     channel. Steal, StealHalf, StealOne, Len and Empty may be called by
//     any goroutine at any time.
//   - Happens-before. A Push synchronizes before the take that returns the
//     pushed item, so the goroutine that takes it sees every write the
//     owner made before the Push. The same holds for GlobalQueue's Push and
//     PushBatch and the Pop or PopBatch that returns the item.
//   - Exactly once. Every pushed item is returned by exactly one take, or
//     handed once to an [Overflow]. Pushes and takes are linearizable;
//     Len and Empty are snapshots that may be stale at once.
//   - No false empty for the owner. Only the owner adds items, so a nil
//     from Pop or PopOldest, or a zero Len or true Empty read by the owner,
//     means the queue is empty. A thief's nil may mean it lost a race.
//   - Lock-free. No thief, however delayed, blocks the owner or another
//     thief, except on a GlobalQueue, which is guarded by a mutex.
//   - A Deque is unbounded; a RunQueue holds [RunQueueSize] items and moves
//     half of a full ring to its Overflow. Only growth allocates.
//
// # Costs
//
// With no thieves, a Push then a Pop costs about 14 ns on a Deque (either
// end), 21 ns through a RunQueue's ring and 17 ns through its runnext slot,
// against 34 ns for a buffered channel. Thieves pay more than the owner: a
// Push then an uncontended Steal costs about 26 ns on a Deque, whose Steal
// makes three atomic operations that are full barriers where Push makes
// one, and 21 ns on a RunQueue. Nothing allocates. Measured on a 2-core AMD
// EPYC with Go 1.26 by
//
//	go test -run '^$' -bench . ./steal/
//
// # Traps
//
//   - Items are non-nil pointers: nil means "empty", and Push(nil) panics.
//   - Thieves take the oldest item whatever the owner's Policy; under LIFO
//     the oldest item waits until a thief or a drain takes it.
//   - A Steal that returns nil may have lost a race on a non-empty queue: a
//     caller that must not miss work checks Len or retries.
//   - A queue keeps the items it has returned reachable until their slots
//     are reused, up to one ring's worth: an item holding a large buffer
//     should drop it when it runs. A Deque's ring never shrinks.
//   - RunQueue.Push panics on a full ring with a nil Overflow, and a
//     RunQueue's runnext item may be taken ahead of older ring items up to
//     [MaxRunNextStreak] times in a row.
//   - Queues must not be copied after first use.
//
// The design notes (the Chase–Lev correctness argument and the memory
// orderings it needs, how RunQueue differs from the runtime, and the
// alternatives not taken) are in DESIGN.md in this directory.
package steal

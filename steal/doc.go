// Package steal provides the work-stealing queues a scheduler is built on:
// [Deque], a growable Chase–Lev deque; [RunQueue], a bounded ring with a
// runnext slot built like the Go runtime's per-P run queue; [GlobalQueue],
// the locked queue they overflow into and refill from; and [Policy], the
// end of its own queue an owner takes from.
//
// # The model
//
// Each worker owns one queue. The owner is the only goroutine that adds to
// it, and it takes from it without contention in the common case. Idle
// workers become thieves: they take the oldest items of someone else's
// queue. Stealing is rare when the load is balanced, so the design makes the
// owner's path cheap (a few uncontended atomic loads and stores) and lets
// thieves pay for the CAS. Every method documents who may call it: "owner
// only" methods must never run concurrently with each other on one queue;
// thief methods may run from any goroutine at any time.
//
// Both queues hold non-nil *T: nil is how a take says "empty", and pointers
// can be published with a single atomic store.
//
// Which queue:
//
//   - Deque, for fork-join work (a task spawns children and waits for
//     them). It is unbounded, because recursion depth times fan-out is not
//     known in advance, and the owner can take either end ([LIFO] or
//     [FIFO]). Thieves take one item per CAS ([Deque.Steal]), or half the
//     deque one CAS at a time ([Deque.StealHalf]).
//   - RunQueue, for a stream of independent tasks with a "run this next"
//     hint, as in the runtime: bounded (256), FIFO for everyone plus the
//     LIFO runnext slot, stealing half in a single CAS, and overflowing half
//     of a full ring to a [GlobalQueue].
//
// # Deque: Chase–Lev
//
// The algorithm is Chase and Lev, "Dynamic Circular Work-Stealing Deque"
// (SPAA 2005), in the form proved correct for weak memory by Lê, Pop, Cohen
// and Zappa Nardelli, "Correct and Efficient Work-Stealing for Weak Memory
// Models" (PPoPP 2013). Items live in a power-of-two ring indexed by two
// ever-increasing 64-bit indices: top (the oldest item) and bottom (one past
// the newest). Invariants:
//
//   - only the owner stores bottom and replaces the ring;
//   - top only increases, and only by a successful CAS; every item that
//     leaves from the top (Steal, StealHalf, PopOldest, the last item of
//     Pop) leaves by that CAS, so two takers can never both win one index;
//   - the owner writes index i's slot only while i - top < len(ring) - 1, so
//     a slot is never overwritten while a thief could still win its index
//     (one slot stays free, as in the paper);
//   - a ring, once replaced by a grow, is never written again.
//
// Go's sync/atomic operations are sequentially consistent, so the paper's
// fences come for free; the doc comments in deque.go mark where each would
// be: the release before Push publishes bottom, the full fence between
// Pop's store of bottom and its load of top, the full fence between a
// thief's loads of top and bottom, and the consume load of the ring after
// bottom. The cost is that every atomic store is an XCHG on amd64 (about
// 5 ns) where C11 would use a plain release store.
//
// Known traps, and the regression test that replays each with test hooks:
//
//   - the last item, raced by Pop and Steal: Pop takes it with the thieves'
//     own CAS (TestDequeTrap_LastItem*);
//   - a thief must read the slot before its CAS, because the winning CAS
//     hands the slot back to the owner, who may overwrite it at once with
//     index top+len(ring) (TestDequeTrap_ThiefReadsSlotBeforeCAS);
//   - a steal racing a grow, the family of crossbeam-deque's
//     CVE-2021-32810 (an item popped twice and another lost, fixed there by
//     retrying when the buffer was swapped under the thief): here the grow
//     copies the live range into a new ring and never touches the old one
//     again; a thief holding the old ring reads the right value for any
//     index it can win, since winning proves the index was never re-pushed,
//     and the garbage collector, not epochs, decides when the old ring dies
//     (TestDequeTrap_StealRacingGrow);
//   - steal-half: claiming k items with one CAS on top is unsound, because
//     Pop takes items below the last one without any CAS and can take items
//     such a batch believes it owns. StealHalf takes one item per CAS and
//     re-reads bottom before each (TestDequeTrap_StealHalfRechecksBottomPerItem).
//
// One change from the paper: a Pop that finds exactly one item takes it
// with a CAS on top, as PopOldest does, instead of lowering bottom, racing,
// and restoring bottom. The newest item is then also the oldest, so this is
// the same linearization, and it saves two of the five atomic
// read-modify-writes (XCHG or CAS) on the common push-one-pop-one path.
//
// The ring starts at 32 slots and doubles when full; it never shrinks, so a
// deque keeps the memory of its largest backlog (8 bytes a slot) until it
// is garbage. Shrinking would put a copy on the owner's pop path, and a
// worker that once had a deep backlog is likely to have one again.
//
// Neither queue clears a slot when its item is taken (that would cost one
// more XCHG per take): a queue may keep up to one ring's worth of items it
// has already returned reachable until their slots are reused. Items that
// hold large buffers should drop them when they run.
//
// # RunQueue: the runtime's runq
//
// RunQueue follows runqput, runqputslow, runqget, runqgrab and runqsteal in
// runtime/proc.go, and GlobalQueue.PopBatch follows globrunqget:
//
//   - a 256-slot ring ([RunQueueSize], the runtime's len(p.runq)); only the
//     owner stores the tail, and the owner and thieves take at the head by
//     CAS, so the head end is FIFO for everyone and one CAS can claim a
//     whole batch: no taker removes items from the tail;
//   - runnext, a one-item LIFO slot that the owner fills (Push with
//     next=true) with the item that should run next, such as the receiver
//     just readied by a send; the item it displaces goes to the ring's tail;
//   - steal-half: a thief copies ceil(n/2) items of the victim's ring
//     straight into its own ring and commits with one CAS on the victim's
//     head (TestRunQueue_StealHalfTakesCeilHalf is the runtime's
//     RunSchedLocalQueueStealTest);
//   - overflow: a Push onto a full ring moves the oldest half (128) plus the
//     new item to the caller's [Overflow] in one PushBatch call, so the next
//     128 pushes are cheap again and the global lock is taken once per 129
//     items, not once per item.
//
// Where we differ, and why:
//
//   - runnext reuse is capped at [MaxRunNextStreak] (64) items in a row
//     while the ring holds work. In the runtime an item from runnext
//     inherits the current time slice and sysmon preempts any goroutine
//     that runs for 10 ms, so a pair of goroutines handing runnext to each
//     other cannot starve the ring for longer than one slice. A user-space
//     pool cannot preempt a task, so without the cap such a pair would
//     starve the ring forever (TestRunQueue_RunNextStreakIsCapped).
//   - The runtime sleeps 3 µs (usleep(3)) before stealing runnext from a P
//     that is running, to give that P the chance to run the goroutine it
//     has just readied. A user-space sleep costs tens of µs (timer
//     granularity) and cannot know whether the owner is running. Instead
//     the caller decides whether runnext may be stolen at all (stealNext;
//     the runtime, too, only asks on the last of its four steal passes), and
//     a thief that finds only runnext yields its P once (runtime.Gosched,
//     well under a µs) and takes runnext only if the owner still has not.
//   - Slots are atomic pointers. The runtime reads slots with plain loads
//     and relies on the CAS to discard stale values; in Go code that is a
//     data race the race detector reports. On amd64 an atomic load is a
//     plain MOV, so this costs only the slot store on Push.
//   - The runtime's LoadAcq/StoreRel/CasRel become sequentially consistent
//     Load/Store/CompareAndSwap (stronger, so still correct).
//   - StealHalf into a non-empty dst takes no more than dst's ring has room
//     for, and behaves as StealOne when it has none; the runtime steals only
//     into an empty runq and throws otherwise.
//   - GlobalQueue.PopBatch takes max from the caller (pass
//     Len()/workers+1, the runtime's sched.runqsize/gomaxprocs+1); the
//     package does not know how many workers there are.
//   - No randomizeScheduler shuffling under the race detector: the tests
//     check orders exactly.
//
// # Alternatives not taken
//
//   - A mutex around a slice (the "mutexslice" baseline) is simple and, on
//     the owner-only path, only somewhat slower than the deque; but every
//     steal then serializes with the owner, and a thief preempted while
//     holding the lock stalls the owner, which lock-free stealing never
//     does.
//   - A channel (the "chan" baseline) is FIFO only, cannot steal half, and
//     costs more per item on every path.
//   - A bounded Chase–Lev deque would remove the grow path, but a fork-join
//     worker cannot bound its backlog, and falling back to a global queue on
//     every overflow would put a lock on the recursion's hot path.
//   - A RunQueue that grows: the runtime's fixed ring is what makes a
//     one-CAS steal-half of a stable array possible; the global queue is
//     the growable part.
//
// # Ordering guarantees
//
// For both queues, a Push synchronizes before the take that returns the
// pushed item (the release/acquire pair of bottom or tail), so the taker
// observes every write the owner made before pushing it. Every pushed item
// is returned exactly once, by exactly one take (or handed once to an
// Overflow). Len and Empty are snapshots that may be stale under
// concurrency; for the owner a nil take, a zero Len, or a true Empty is
// never false: only the owner adds items.
//
// # Performance
//
// Measured with
//
//	go test -run '^$' -bench . -count 6 -benchtime 500ms ./steal/
//
// run twice on the shared 2-core development box (AMD EPYC, GOMAXPROCS=2,
// Go 1.26) while other builds kept the load average at 7 to 10; pooled
// medians of 12 samples. Single samples vary by 30-60% under that load, so
// read the ratios, not the nanoseconds. All paths allocate nothing.
//
//	owner-only Push+Pop          ns/op   vs chan
//	  impl=deque (LIFO)           41      0.70x
//	  impl=deque-fifo             35      0.60x
//	  impl=runqueue (ring)        47      0.80x
//	  impl=runqueue-next          32      0.54x
//	  impl=chan                   59      1
//	  impl=mutexslice             55      0.93x
//
//	owner + thieves             items/s (M)  vs chan  vs mutexslice
//	  thieves=1 impl=deque        13.2        2.0x     1.0x
//	  thieves=1 impl=runqueue     12.4        1.9x     0.96x
//	  thieves=1 impl=chan          6.5        1
//	  thieves=1 impl=mutexslice   12.9
//	  thieves=3 impl=deque        14.5        2.1x     1.8x
//	  thieves=3 impl=runqueue     11.8        1.7x     1.5x
//	  thieves=3 impl=chan          7.0        1
//	  thieves=3 impl=mutexslice    7.9
//
// At a quieter moment (load about 2) a single run measured Push+Pop at
// 17 ns for the deque, 20 ns through runnext, 28 ns for the ring, 33 ns for
// chan and 30 ns for mutexslice: the deque path is three atomic
// read-modify-writes (two stores on Push, one CAS on Pop), close to the
// floor of about 5 ns each. With one thief on two cores a mutex is as good
// as lock-free stealing; the gap opens as thieves are added, which is when
// a lock's convoy forms.
//
// Re-measured with nothing else running (5 runs of
// go test -run '^$' -bench PushPop -benchtime 0.3s ./steal/): Push+Pop
// costs 15.5 ns for the deque (LIFO and FIFO alike), 16.6 ns for the
// ring, 13.2 ns through runnext, against 27.1 ns for chan and 19.9 ns for
// mutexslice, all with 0 allocations: under the 20 ns target.
package steal

// Package ctxtree provides context cancellation trees whose nodes have
// names, time budgets and causes, and that can be seen and carried across
// HTTP services.
//
// Go's context package propagates cancellation through a tree nobody can
// see: a context's children are private, a timeout sets no cause, and when a
// request dies of "context deadline exceeded" nobody can say which budget ran
// out. A ctxtree [Node] is an ordinary [context.Context] (through
// [Node.Context]) that also knows its name, its budget and its children:
//
//	root := ctxtree.New(r.Context(), "http", 200*time.Millisecond)
//	defer root.Cancel(nil)
//	cache := root.Child("cache", 50*time.Millisecond) // fail fast
//	defer cache.Cancel(nil)
//	db := root.Child("db", 150*time.Millisecond)
//	defer db.Cancel(nil)
//	...
//	context.Cause(db.Context()) // ctxtree: "http/db" exceeded its 150ms budget by 41µs
//	root.Snapshot().String()    // the tree, each node's state, cause and times
//
// # The model
//
// Each node is one piece of work, and the context it hands out is a
// standard library context.WithCancelCause context, so that everything the
// standard library and the code built on it (net/http, gRPC, errgroup) read
// from a context (Err, Deadline, Done, context.Cause) is the standard
// library's own, untranslated:
//
//   - A node without a budget of its own, or whose budget is clamped to its
//     parent's, has its context derived from its parent's and registered
//     with it inside the standard library, as context.WithCancel's would
//     be: the parent's ending reaches it there, and [Node.Cancel]'s cause
//     through its cancel function.
//   - A timed node, one whose own budget is the binding one, has its
//     context derived from a gate: an unexported view of the Node itself
//     that the standard library takes for a parent context with an
//     AfterFunc method. The standard library hands the gate the function
//     that cancels the context with the gate's Err and context.Cause, and
//     ctxtree runs it when the node's timer fires (the gate then says
//     context.DeadlineExceeded and the node's [*DeadlineError], as a
//     timerCtx's own timer would) or when the parent's context ends (the
//     gate then says the parent's error and cause, as registration with the
//     parent would). The gate's Deadline is the node's, and its Values are
//     the parent's. The context package has used a parent's AfterFunc
//     method this way since Go 1.21, as context.AfterFunc documents for
//     itself; the derived-context tests pin it.
//   - The context handed out is wrapped so that Value(key) returns the node
//     for ctxtree's private key ([From] is one Value call, through any
//     wrappers). The wrapper, the gate and both causes live inside the
//     Node and cost no allocation of their own.
//
// So a context derived from a node in any way, before or after its
// deadline, reports Err() == context.DeadlineExceeded when the node's budget
// or an ancestor's ran out and context.Canceled when a node was canceled,
// exactly as under context.WithTimeout; context.Cause names the node; and
// Deadline reports the node's deadline. There is no goroutine per node, and
// a context derived from a node with context.WithCancel joins the same tree
// without a goroutine either.
//
// Every ending of a context in a tree starts in ctxtree's code: Cancel, a
// node's timer, or a root's watch over the context it was made from. That
// code cancels the node's context and then tells its children, kept in a
// list linked through the nodes: an untimed child's context is done
// already, through the standard library, and a timed child's gate is told;
// either way the child tells its own children in turn. Each node's lock is
// held while it tells its children, so when Cancel returns, the context of
// every descendant is done, as when a standard library cancel function
// returns. A root's context is registered with the context the root was
// made from, so if that one ends, the standard library ends the root and
// its untimed descendants at once; the timed ones are told by a
// context.AfterFunc function, on a goroutine of its own, a moment later
// (Cancel removes that registration, so a tree that ends first costs no
// goroutine).
//
// A child's deadline is the earlier of its parent's and now + budget. Only a
// node whose own budget is the binding one is timed, with a gate and a
// timer; a node whose budget is no shorter than what its parent has left is
// marked clamped and has neither. So when time runs out, exactly one timer
// fires, in the node whose budget really ran out, and its cause, a
// [*DeadlineError], names that node; every descendant reports the same
// cause, and so can tell it was canceled by an ancestor. The error lives
// inside the node, so it costs no allocation of its own; it measures how far
// past the deadline the failure was when it is first reported
// ([DeadlineError.Overrun] says why then).
//
// [Node.Cancel] ends a node. Cancel(nil) means the work finished; Cancel(err)
// means it was abandoned. Either way the cause is a [*CancelError] naming the
// node. The first cause wins, as in the standard library: a node canceled
// after its deadline fired keeps its [*DeadlineError].
//
// # Invariants
//
//   - A node's context is done if and only if its Cancel was called, its own
//     timer fired, or its parent's context is done; context.Cause reports
//     which, and comparing the cause's Node with the node at hand tells the
//     node's own ending from one inherited from an ancestor.
//   - Cancel records its end (time and cause) under the node's lock before it
//     cancels the context, so whoever sees the context done and then takes a
//     snapshot sees the end recorded.
//   - [Node.Snapshot] reads each node's end record and child list before its
//     children (pre-order) and its context's state after them (post-order).
//     Cancellation spreads parent to child, so a child reported canceled by
//     an ancestor always has a parent reported done; children end before
//     their parents in correct code, so a node is never reported leaked
//     because of a race with its own Cancel.
//   - A node is marked Leaked when its parent's Cancel has been called and its
//     own has not: the work was not told, or did not confirm, that it is
//     over. go vet's lostcancel check finds the same mistake statically; this
//     finds it at run time, wherever the node came from.
//   - A gate reports one ending, the first of its timer's and its parent's,
//     decided under the node's lock, so that its Err and context.Cause
//     always agree; a later one, and a Cancel racing it, change nothing,
//     since the standard library keeps a context's first cause.
//   - Locks are taken parent before child, and a node's lock before a
//     standard library context's, never the other way: the standard
//     library's own propagation runs no ctxtree code, so telling children
//     cannot deadlock with it.
//   - Times in snapshots and causes come from the tree's clock ([WithClock],
//     time.Now by default); timers always run on real time. Without a
//     clock, a root reads time.Now once and every later time in its tree is
//     that plus the monotonic time since, read with time.Since: one clock
//     read where time.Now makes two (wall and monotonic).
//
// # Across services
//
// [Transport] writes the time left on an outgoing request's context into the
// [Header] request header, in gRPC's grpc-timeout format (1 to 8 digits and a
// unit, H M S m u n). [Middleware] reads it on the other side and roots a tree
// with that budget, so the deadline travels with the request and shrinks by
// the time each hop spends. [ParseTimeout] rejects anything else with an
// error saying why, in time independent of a hostile value's length; the 8-digit
// limit is gRPC's (PROTOCOL-HTTP2.md, "TimeoutValue"). [FormatTimeout] uses the
// finest unit that fits and rounds down; grpc-go rounds up instead, which
// promises the callee a little more time than the caller has.
//
// # Alternatives rejected
//
//   - One context.WithCancelCause context per node, with the node's own
//     time.AfterFunc timer canceling it with the [*DeadlineError] as cause.
//     It was this package's first design, but a context derived from such a
//     node with the standard library (context.WithCancel, errgroup,
//     net/http's own) reports Err() == context.Canceled when the budget runs
//     out, because the cancelCtx it registers with was canceled, not timed
//     out. Code that maps Err to a status (gRPC's DEADLINE_EXCEEDED against
//     CANCELLED, an HTTP 504 against 499) then reports the wrong one, and a
//     library whose point is deadlines across services cannot have that.
//     The gate exists to let the function that sets a context's Err and
//     cause together be ctxtree's.
//   - Two standard library contexts per timed node: a WithDeadlineCause
//     context, whose timer sets DeadlineExceeded and the cause, over a
//     WithCancelCause context that takes Cancel's cause. It was this
//     package's second design and is exact too, but the lower context,
//     having a child, gets a Done channel and a children map: 10
//     allocations and about 1 KB per node, about 1.9x to 2.7x
//     context.WithTimeout, and, with two contexts to cancel and a Done
//     channel to close per node, 3x to 5x to cancel a tree. A gate costs
//     two small allocations (the function the standard library registers
//     with it, and the stopCtx it records) where registration costs three.
//   - Gates for untimed nodes too. Registration with the parent costs such
//     a node nothing but a map entry, where a gate costs two allocations,
//     and it keeps the ending of a root's parent synchronous for it.
//   - One context.WithDeadlineCause context per node. Its timer sets the
//     cause, but its cancel function takes none, so Cancel(err) would lose
//     err.
//   - The Node as the *DeadlineError (a Node with an Error method): it would
//     save 16 bytes, not an allocation, since the error is already embedded
//     in the Node, and context.Cause would then return a *Node, which
//     errors.As with a *DeadlineError does not match.
//   - Handing out a Context implementation of our own. context.Cause reads
//     causes only from the standard library's cancelCtx, so descendants
//     made with the standard library would lose the cause that names the
//     node; and one derived through a wrapper such as context.WithValue,
//     which hides any AfterFunc method, would need a goroutine to follow
//     it. The gate is a Context of ctxtree's, but only a timed node's own
//     context ever sees it: everything else sees the standard library's.
//   - A slice of children per node. It is regrown as a node gains children
//     (for 10k children, about 14 times, copying 20k pointers); a list
//     linked through the nodes costs three pointers in each Node and no
//     allocation, and a snapshot reads it as safely, taking the first child
//     and the count under the lock.
//   - A goroutine per node waiting on Done to keep the records: the issue
//     measured about 525 ns per node for that, against about 87 ns to cancel
//     a node of a plain tree, and every goroutine is one goleak must account
//     for. Nothing here runs until someone asks: a node's state is worked out
//     from its context when a snapshot is taken.
//   - Forgetting ended children. A node keeps every child so that a snapshot
//     can show how each ended; a tree is for one request or job. Long-lived
//     processes make a tree per unit of work, as Middleware does.
//
// # Cost
//
// Measured on the 2-core development machine (AMD EPYC, Go 1.26) while it
// was shared with other work (load average about 1 to 2), so only the
// ratios mean much. Six rounds; in each, the second design (two standard
// library contexts per timed node, rejected above) ran right after this
// one, from a copy of the package, for comparison:
//
//	go test -c -o /tmp/ct.test ./ctxtree/
//	for i in 1 2 3 4 5 6; do /tmp/ct.test -test.run '^$' \
//	    -test.bench 'Child|BuildTree|CancelTree|Context' -test.benchmem -test.benchtime 200ms; done
//
// Medians of the six, ns per child or node, with allocations per child:
//
//	                                          stdlib       ctxtree       ratio   second design
//	Child+Cancel vs WithTimeout+cancel        406 (4)      460 (7)       1.13x   1.91x (10 allocs)
//	Child(name, 0)+Cancel vs WithCancel       137 (2)      280 (3)       2.0x    2.2x  (3 allocs)
//	build a 10k-wide tree, per child          573 (4)      576 (7)       1.0x    1.9x
//	cancel a 10k-node tree at the root        98           115           1.18x   4.8x
//	cancel each of 10k nodes, then the root   118          148           1.26x   3.7x
//	Node.Context vs reading a field           0.6          0.7           0 allocs
//
// The design's targets, Child at most 1.5x context.WithTimeout and
// canceling a 10k-node tree at most 1.5x the same standard library tree,
// are met. A timed node costs 7 allocations and 552 bytes (the 256-byte
// Node with its wrapper, gate and two errors inside; the cancelCtx and its
// cancel function; the function the standard library registers with the
// gate and the stopCtx it records; the runtime timer and its function)
// against context.WithTimeout's 4 and 272 bytes. Canceling it cancels one
// standard library context with no Done channel to close, stops its timer,
// and takes the node's lock; when a parent ends, its Err is read once for
// all its children. A node without a budget of its own, or clamped to its
// parent's, is still about 2x context.WithCancel, which is so cheap that
// the Node's own bookkeeping dominates: the Node itself, two monotonic
// clock reads (start and end, for snapshots) and the two locks that link
// it into its parent's list and record its end. Context allocates nothing.
package ctxtree

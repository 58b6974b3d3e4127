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
// Each node is one piece of work, and its context is built only from the
// standard library's own contexts, so that everything the standard library
// and the code built on it (net/http, gRPC, errgroup) read from a context is
// exact:
//
//   - Every node has a context.WithCancelCause context, derived from its
//     parent's, which takes the cause [Node.Cancel] passes.
//   - A node whose own budget is the binding one also has a
//     context.WithDeadlineCause context layered over that, whose timer
//     cancels it with context.DeadlineExceeded and the node's
//     [*DeadlineError] as cause. That is the context the node hands out.
//   - The one handed out is wrapped so that Value(key) returns the node for
//     ctxtree's private key ([From] is one Value call, through any
//     wrappers). Err, Deadline, Done and context.Cause are the standard
//     library's, untranslated.
//
// So a context derived from a node in any way, before or after its
// deadline, reports Err() == context.DeadlineExceeded when the node's budget
// or an ancestor's ran out and context.Canceled when a node was canceled,
// exactly as under context.WithTimeout; context.Cause names the node; and
// Deadline reports the node's deadline. Cancellation spreads as in the
// standard library: no goroutine per node, and a context derived from a
// node with context.WithCancel joins the same tree without a goroutine
// either.
//
// A child's deadline is the earlier of its parent's and now + budget. Only a
// node whose own budget is the binding one gets the deadline layer and its
// timer; a node whose budget is no shorter than what its parent has left is
// marked clamped and has neither. So when time runs out, exactly one timer
// fires, in the node whose budget really ran out, and its cause, a
// [*DeadlineError], names that node; every descendant reports the same
// cause, and so can tell it was canceled by an ancestor. The error lives
// inside the node, so it costs no allocation of its own; it measures how far
// past the deadline the failure was when it is first reported
// ([DeadlineError.Overrun] says why not when the timer fires).
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
//   - Times in snapshots and causes come from the tree's clock ([WithClock],
//     time.Now by default); timers always run on real time.
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
//     It was this package's first design and cost about 1.3x to 1.4x
//     context.WithTimeout, but a context derived from such a node with the
//     standard library (context.WithCancel, errgroup, net/http's own) reports
//     Err() == context.Canceled when the budget runs out, because the
//     cancelCtx it registers with was canceled, not timed out. Code that
//     maps Err to a status (gRPC's DEADLINE_EXCEEDED against CANCELLED, an
//     HTTP 504 against 499) then reports the wrong one, and a library whose
//     point is deadlines across services cannot have that. Only a timerCtx's
//     own timer, or propagation from one, sets DeadlineExceeded in a
//     standard library context, so exactness costs the second layer: about
//     2.3x to 2.7x context.WithTimeout, past the 1.5x target (see Cost).
//   - One context.WithDeadlineCause context per node. Its timer sets the
//     cause, but its cancel function takes none, so Cancel(err) would lose
//     err: a second layer must take Cancel's cause.
//   - The deadline layer under the cause layer instead of over it. Same
//     allocations, but Cancel would then have to cancel both layers, while
//     canceling the lower cause layer reaches the deadline layer above it and
//     stops its timer on the way.
//   - The Node as the *DeadlineError (a Node with an Error method): it would
//     save 16 bytes, not an allocation, since the error is already embedded
//     in the Node, and context.Cause would then return a *Node, which
//     errors.As with a *DeadlineError does not match.
//   - Reading the overrun when the timer fires, with context.AfterFunc or a
//     second timer: three to five more allocations on every node for a
//     figure that rarely matters, and still not reliably the instant the
//     context ended: an AfterFunc runs only after the context is done, and a
//     second timer races the first.
//   - A Context implementation of our own. context.Cause reads causes only
//     from the standard library's cancelCtx, so descendants made with the
//     standard library would lose the cause that names the node; and one
//     derived through a wrapper such as context.WithValue, which hides any
//     AfterFunc method, would need a goroutine to follow it.
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
// was shared with other builds (load average 4 to 9), so the absolute
// figures are noisy and only the ratios mean much. Six rounds; in each, the
// first design (one WithCancelCause layer and a timer of ctxtree's own,
// rejected above) ran right after this one, for comparison:
//
//	go test -c -o /tmp/ctxtree.test ./ctxtree/
//	for i in 1 2 3 4 5 6; do /tmp/ctxtree.test -test.run '^$' \
//	    -test.bench 'Child|BuildTree|CancelTree|Context' -test.benchmem -test.benchtime 200ms; done
//
// Medians (best of 6 in brackets), ns per child or node:
//
//	                                          stdlib      ctxtree      ratio         first design
//	Child+Cancel vs WithTimeout+cancel        538 (439)   1458 (984)   2.7x (2.2x)   1.4x
//	Child(name, 0)+Cancel vs WithCancel       149 (135)   360 (289)    2.4x (2.1x)   2.6x
//	build a 10k-wide tree, per child          830 (798)   1884 (1453)  2.3x (1.8x)   1.2x
//	cancel a 10k-node tree at the root        240 (218)   773 (683)    3.2x (3.1x)   0.5x
//	cancel each of 10k nodes, then the root   204 (179)   480 (437)    2.3x (2.4x)   1.2x
//	Node.Context vs reading a field           0.6         0.7          0 allocs
//
// The design's targets (Child at most 1.5x context.WithTimeout, canceling a
// 10k-node tree at most 1.5x the same standard library tree) are missed:
// about 2.3x to 2.7x for a child with a budget of its own and about 3x to
// cancel a tree of them. That is the price of exact Err semantics, chosen
// over the targets (see Alternatives rejected): a node with a binding budget
// is two standard library contexts, and the lower one, having a child, gets
// a Done channel and a children map. It costs 10 allocations and about 1 KB
// (the 256-byte Node with its two errors inside; a cancelCtx, its cause
// function, Done channel and two-allocation children map; a timerCtx, its
// runtime timer, timer function and cancel function) against
// context.WithTimeout's 4 and 272 bytes. Canceling it cancels two contexts
// where the standard library cancels one, and, unlike the first design,
// stops the child's timer while the cancellation spreads, as the standard
// library does. A node without a budget of its own, or clamped to its
// parent's, is one layer: 3 allocations against context.WithCancel's 2, the
// rest of its cost being the Node's bookkeeping (two clock reads, the child
// list and its lock), unchanged from the first design. Context allocates
// nothing.
package ctxtree

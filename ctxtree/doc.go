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
// Each node is one piece of work. Its context is a standard library
// context.WithCancelCause context, wrapped so that Value(key) returns the node
// for ctxtree's private key ([From] is one Value call, through any
// wrappers), Deadline reports the node's deadline and Err reports
// context.DeadlineExceeded when a budget ran out. A child's context is
// derived from its parent's, so cancellation spreads exactly as in the
// standard library: no goroutine per node, and a context derived from a node
// with context.WithCancel joins the same tree without a goroutine either.
//
// A child's deadline is the earlier of its parent's and now + budget. Only a
// node whose own budget is the binding one runs a timer ([time.AfterFunc],
// as context.WithTimeout does); a node whose budget is no shorter than what
// its parent has left is marked clamped and runs none. So when time runs out,
// exactly one timer fires, in the node whose budget really ran out, and its
// cause, a [*DeadlineError], names that node; every descendant reports the
// same cause, and so can tell it was canceled by an ancestor.
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
//   - One context.WithDeadlineCause context per node. Its timer sets the cause,
//     but its cancel function takes none, so Cancel(err) would lose err.
//   - context.WithDeadlineCause under context.WithCancelCause, two contexts per
//     node. Correct in every respect, but it measured about 1.65× the cost of
//     context.WithTimeout before any of ctxtree's own work, past the 1.5×
//     target. The price of the design chosen instead: a context derived from
//     a node with the standard library (context.WithCancel, errgroup) reports
//     Err() == context.Canceled, not DeadlineExceeded, when the node's own
//     budget runs out, because the node's timer cancels a WithCancelCause
//     context. context.Cause on it still reports the [*DeadlineError], which
//     errors.Is matches with context.DeadlineExceeded; the node's own context
//     and every descendant node's report DeadlineExceeded from Err.
//   - A Context implementation of our own. context.Cause reads causes only
//     from the standard library's cancelCtx, so descendants made with the
//     standard library would lose the cause that names the node.
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
// was shared with other builds, so the absolute figures are several times a
// quiet machine's and only the ratios mean much. Eight interleaved rounds,
// each running every pair once:
//
//	go test -c -o ctxtree.test ./ctxtree/
//	for i in 1 2 3 4 5 6 7 8; do ./ctxtree.test -test.run '^$' \
//	    -test.bench 'Child|BuildTree|CancelTree|Context' -test.benchmem -test.benchtime 200ms; done
//
// Medians (best of 8 in brackets), ns per child or node:
//
//	                                          stdlib      ctxtree     ratio
//	Child+Cancel vs WithTimeout+cancel        825 (500)   1076 (584)  1.30x (1.17x)
//	build a 10k-wide tree, per child          1460 (677)  2039 (945)  1.40x (1.40x)
//	cancel a 10k-node tree at the root        236 (158)   176 (111)   0.75x (0.70x)
//	cancel each of 10k nodes, then the root   170 (151)   242 (208)   1.42x (1.37x)
//	Node.Context vs reading a field           1.3         1.6         0 allocs
//
// Both targets of the design (Child at most 1.5x context.WithTimeout,
// cancelling a 10k-node tree at most 1.5x the same standard library tree)
// hold, with little room on a loaded machine. A node costs one allocation
// more than context.WithTimeout (5, about 510 bytes: the 256-byte Node, the
// cancelCtx, the timer and two closures); Context allocates nothing.
// Cancelling at the root is cheaper than the standard library's because a
// ctxtree child's timer is stopped by the child's own Cancel, not while the
// cancellation spreads (that benchmark calls each child's Cancel untimed);
// cancelling each node costs a lock and a clock read more than the standard
// library's cancel function.
package ctxtree

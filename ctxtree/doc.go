// Package ctxtree provides named context cancellation trees: each node is a
// [context.Context] with a name, an optional time budget and a record of how
// it ended, so that when work fails with "context deadline exceeded",
// [context.Cause] says which budget ran out and [Node.Snapshot] shows the
// whole tree.
//
//	root := ctxtree.New(r.Context(), "http", 200*time.Millisecond)
//	defer root.Cancel(nil)
//	db := root.Child("db", 150*time.Millisecond)
//	defer db.Cancel(nil)
//	err := query(db.Context())
//	context.Cause(db.Context()) // ctxtree: "http/db" exceeded its 150ms budget by 41µs
//	log.Print(root.Snapshot())  // the tree: each node's state, cause and times
//
// # Guarantees
//
//   - A node's context is done once its Cancel is called, its own deadline
//     passes or its parent's context is done, whichever comes first. A
//     child's deadline is the earlier of its parent's and now + budget.
//   - The first ending wins, and its cause names the node it happened to:
//     a [*CancelError] for Cancel, a [*DeadlineError] for the node whose
//     own budget ran out (a budget no shorter than what the parent has
//     left is clamped and has no timer, so the parent's fires). Descendants
//     report the same cause, so comparing its Node with theirs tells an
//     inherited ending from their own.
//   - Contexts derived from a node with the standard library (WithCancel,
//     WithTimeout, errgroup, net/http) behave as under context.WithTimeout:
//     Err is context.DeadlineExceeded when a budget ran out and
//     context.Canceled when a node was canceled, and context.Cause is the
//     node's error.
//   - When Cancel returns, the contexts of the node, of all its descendants
//     and of every context derived from them are done. The first Cancel of
//     a node happens before any Snapshot that reports the node ended. A
//     child made from a node whose context is done starts done.
//   - When the context a root was made from ends, the root and its nodes
//     without a timer of their own end at once, inside the standard
//     library; nodes with a timer, and those below them, end a moment
//     later, told from the goroutine that [context.AfterFunc] starts.
//   - There is no goroutine per node. Once a root is canceled, none of its
//     tree's timers is armed and none of its goroutines remains.
//   - Snapshot may run during Child, Cancel and deadlines, and is
//     consistent: a node shown canceled by an ancestor has its parent shown
//     done with the same cause.
//
// [Transport] and [Middleware] carry the remaining budget across HTTP
// services in the [Header] request header, in gRPC's grpc-timeout format.
//
// # Costs
//
// Measured against the standard library in the same run with
//
//	go test -run '^$' -bench . -benchmem -count 6 ./ctxtree/ > new.txt
//	benchstat -col /impl new.txt
//
// Child with a budget and its Cancel cost 1.1x to 1.3x context.WithTimeout
// and its cancel (7 allocations, 552 bytes, against 4 and 272); Child
// without a budget 2x to 2.5x context.WithCancel, whose cost the node's own
// bookkeeping then dominates. Canceling a tree of 10k nodes costs no more
// than canceling the standard library's. Context and From allocate nothing.
//
// # Traps
//
//   - Cancel every node, typically with defer, as the cancel function of
//     context.WithTimeout: until then the node's timer keeps it and its
//     tree in memory. A snapshot marks Leaked a node whose parent was
//     canceled and which was not.
//   - A tree keeps every node it ever had, so that a snapshot can show how
//     each ended: make a tree per request or job, not one per process.
//   - [DeadlineError.Overrun] is how late the timer fired, not how late the
//     work noticed; the node's Elapsed says that.
//   - [WithClock] changes only the times recorded and shown; timers run on
//     real time.
//
// The design (how a node's context is built, and the alternatives not
// taken) is described in DESIGN.md in this package's folder.
package ctxtree

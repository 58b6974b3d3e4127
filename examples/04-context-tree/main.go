// Lesson 4, a context tree with budgets: the seed's tree (a request with a
// 200 ms budget, a cache lookup with 50 ms and a database query with
// 150 ms), first with the standard library, then with ctxtree.
//
//	go run ./examples/04-context-tree
//	go run ./examples/04-context-tree -short
//
// The trap: the cache hangs, its budget runs out, and all the request
// handler learns is "context deadline exceeded": the same words for each of
// the three budgets, so the log cannot say which one ran out. The fix builds
// the same tree with ctxtree: the cause is a *ctxtree.DeadlineError that
// names the "cache" node and its budget, and a snapshot of the live tree
// renders as text and as a Mermaid diagram, with the node that was never
// ended marked LEAKED.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/gmpkit/gmpkit/ctxtree"
)

func main() {
	short := flag.Bool("short", false, "accepted for symmetry with the other lessons; this one takes 0.5 s either way")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, *short); err != nil {
		fmt.Fprintln(os.Stderr, "lesson 4:", err)
		os.Exit(1)
	}
}

// The seed's budgets.
const (
	requestBudget = 200 * time.Millisecond
	cacheBudget   = 50 * time.Millisecond
	dbBudget      = 150 * time.Millisecond
	dbWork        = 20 * time.Millisecond
)

// lookupCache is a cache that hangs: it answers only when ctx gives up. The
// ten-second guard is the lesson's own: it never waits that long, since every
// caller passes a budget.
func lookupCache(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(10 * time.Second):
		return errors.New("cache: no budget was set and the guard fired")
	}
}

// queryDB takes dbWork unless ctx gives up first.
func queryDB(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(dbWork):
		return nil
	}
}

func run(ctx context.Context, w io.Writer, _ bool) error {
	if err := trap(ctx, w); err != nil {
		return err
	}
	return fix(ctx, w)
}

// trap builds the tree with context.WithTimeout and prints what the handler
// can learn from the error.
func trap(ctx context.Context, w io.Writer) error {
	fmt.Fprintln(w, "== The trap: three budgets, one error message ==")
	fmt.Fprintln(w, "predict: the cache hangs; what does the handler's log say?")
	reqCtx, cancelReq := context.WithTimeout(ctx, requestBudget)
	defer cancelReq()

	cacheCtx, cancelCache := context.WithTimeout(reqCtx, cacheBudget)
	cacheErr := lookupCache(cacheCtx)
	cause := context.Cause(cacheCtx)
	cancelCache()

	dbCtx, cancelDB := context.WithTimeout(reqCtx, dbBudget)
	dbErr := queryDB(dbCtx)
	cancelDB()

	fmt.Fprintf(w, "cache: err=%v cause=%v\n", cacheErr, cause)
	fmt.Fprintf(w, "db:    err=%v\n", dbErr)
	fmt.Fprintf(w, "errors.Is(err, context.DeadlineExceeded) = %v: but was it the 200ms, the 50ms or the 150ms budget?\n",
		errors.Is(cacheErr, context.DeadlineExceeded))
	if !errors.Is(cacheErr, context.DeadlineExceeded) {
		return fmt.Errorf("trap: the hung cache returned %v", cacheErr)
	}
	fmt.Fprintln(w, "why: every WithTimeout reports the same context.DeadlineExceeded; the cause is")
	fmt.Fprintln(w, "     only as specific as you make it (context.WithTimeoutCause, at every call site).")
	fmt.Fprintln(w)
	return nil
}

// fix builds the same tree with ctxtree, reports which budget ran out, and
// renders the tree.
func fix(ctx context.Context, w io.Writer) error {
	fmt.Fprintln(w, "== The fix: a named tree with ctxtree ==")
	fmt.Fprintln(w, "predict: which node does the cause name? which node is still running at the end?")
	req := ctxtree.New(ctx, "request", requestBudget)

	cache := req.Child("cache", cacheBudget)
	cacheErr := lookupCache(cache.Context())
	cause := context.Cause(cache.Context())
	cache.Cancel(nil) // the deadline already ended it: its cause stays

	db := req.Child("db", dbBudget)
	dbErr := queryDB(db.Context())
	db.Cancel(nil)

	// A background refresh someone started and forgot to end: the snapshot
	// marks it LEAKED once the request ends.
	_ = req.Child("refresh", 0)

	fmt.Fprintf(w, "cache: err=%v\n", cacheErr)
	fmt.Fprintf(w, "       cause=%v\n", cause)
	fmt.Fprintf(w, "db:    err=%v\n", dbErr)
	var de *ctxtree.DeadlineError
	if !errors.As(cause, &de) {
		return fmt.Errorf("fix: the cache's cause is %T %v, want a *ctxtree.DeadlineError", cause, cause)
	}
	fmt.Fprintf(w, "which budget ran out: %q (budget %v, path %s); errors.Is DeadlineExceeded: %v\n",
		de.Node().Name(), de.Budget(), de.Node().Path(), errors.Is(cause, context.DeadlineExceeded))

	fmt.Fprintf(w, "\nthe live tree, before the handler returns:\n%s\n", strings.TrimRight(req.Snapshot().String(), "\n"))

	req.Cancel(nil) // the request is done; refresh was never ended
	snap := req.Snapshot()
	fmt.Fprintf(w, "\nthe tree once the request ended (%d leaked):\n%s\n", snap.Leaks(), strings.TrimRight(snap.String(), "\n"))
	fmt.Fprintf(w, "\nthe same tree as Mermaid (paste into mermaid.live or a GitHub Markdown file):\n```mermaid\n%s\n```\n",
		strings.TrimRight(snap.Mermaid(), "\n"))
	fmt.Fprintln(w, "why: each node's timer cancels with a cause that carries the node, so the error")
	fmt.Fprintln(w, "     itself says which budget ran out; the tree remembers every node, so a")
	fmt.Fprintln(w, "     snapshot shows how each one ended and which one nobody ended.")
	return nil
}

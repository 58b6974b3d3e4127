// Lesson 7, a context tree with budgets: a request with 200ms, a cache lookup
// with 50ms and a database query with 150ms. The cache hangs: which budget
// ran out?
//
//	go run ./examples/07-context-tree
package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gmpkit/gmpkit/ctxtree"
	"github.com/gmpkit/gmpkit/examples/internal/lesson"
)

var solutions = []lesson.Solution{
	{Name: "cache-300ms", Change: "cacheBudget = 300 * time.Millisecond"},
	{Name: "end-refresh", Change: "call refresh.Cancel(nil) before req.Cancel(nil)"},
}

func main() {
	lesson.Lesson{Name: "lesson 7, a context tree", Run: run, Solutions: solutions}.Main()
}

// The budgets.
const (
	requestBudget = 200 * time.Millisecond
	dbBudget      = 150 * time.Millisecond
	dbWork        = 20 * time.Millisecond
)

var cacheBudget = 50 * time.Millisecond

// lookupCache is a cache that hangs: it answers only when ctx gives up (the
// ten-second guard is the lesson's own; every caller passes a budget).
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

func run(ctx context.Context, l *lesson.L) error {
	if l.Is("cache-300ms") {
		cacheBudget = 300 * time.Millisecond
		defer func() { cacheBudget = 50 * time.Millisecond }()
	}
	l.Section("The trap: three budgets, one error message")
	l.Predict("the cache hangs; what does the handler's log say?")
	err := tree(ctx, l, func(parent context.Context, _ string, budget time.Duration) (context.Context, context.CancelFunc) {
		return context.WithTimeout(parent, budget)
	})
	if err != nil {
		return err
	}
	l.Why("every WithTimeout reports the same context.DeadlineExceeded: was it the 200ms, the 50ms or the",
		"150ms budget? The log cannot say.")

	l.Section("Standard library first: context.WithTimeoutCause at every call site")
	err = tree(ctx, l, func(parent context.Context, name string, budget time.Duration) (context.Context, context.CancelFunc) {
		return context.WithTimeoutCause(parent, budget, fmt.Errorf("%s: its %v budget ran out", name, budget))
	})
	if err != nil {
		return err
	}
	l.Why("context.Cause now names the budget, as long as every call site writes its cause.")
	return fix(ctx, l)
}

// tree runs the request with contexts made by with, and prints what the
// handler can learn from the cache's error.
func tree(ctx context.Context, l *lesson.L, with func(parent context.Context, name string, budget time.Duration) (context.Context, context.CancelFunc)) error {
	reqCtx, cancelReq := with(ctx, "request", requestBudget)
	defer cancelReq()
	cacheCtx, cancelCache := with(reqCtx, "cache", cacheBudget)
	cacheErr := lookupCache(cacheCtx)
	cause := context.Cause(cacheCtx)
	cancelCache()
	dbCtx, cancelDB := with(reqCtx, "db", dbBudget)
	dbErr := queryDB(dbCtx)
	cancelDB()
	l.Printf("cache: err=%v cause=%v\ndb:    err=%v\n", cacheErr, cause, dbErr)
	if !errors.Is(cacheErr, context.DeadlineExceeded) {
		return fmt.Errorf("the hung cache returned %v", cacheErr)
	}
	return nil
}

// fix builds the same tree with ctxtree, reports which budget ran out, and
// renders the tree.
func fix(ctx context.Context, l *lesson.L) error {
	l.Section("The fix: a named tree with ctxtree")
	l.Predict("which node does the cause name? which node is still running when the request ends?")
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
	refresh := req.Child("refresh", 0)

	l.Printf("cache: err=%v\n       cause=%v\ndb:    err=%v\n", cacheErr, cause, dbErr)
	var de *ctxtree.DeadlineError
	if !errors.As(cause, &de) {
		return fmt.Errorf("the cache's cause is %T %v, want a *ctxtree.DeadlineError", cause, cause)
	}
	l.Printf("which budget ran out: %q (budget %v, path %s); errors.Is DeadlineExceeded: %v\n",
		de.Node().Name(), de.Budget(), de.Node().Path(), errors.Is(cause, context.DeadlineExceeded))
	if l.Is("end-refresh") {
		refresh.Cancel(nil)
	}
	req.Cancel(nil) // the request is done
	snap := req.Snapshot()
	l.Printf("\nthe tree once the request ended (%d leaked):\n%s\n", snap.Leaks(), strings.TrimRight(snap.String(), "\n"))
	l.Printf("\nthe same tree as Mermaid (paste into mermaid.live or a GitHub Markdown file):\n```mermaid\n%s\n```\n",
		strings.TrimRight(snap.Mermaid(), "\n"))
	l.Why("each node's timer cancels with a cause that carries the node; the overrun is how late that",
		"timer fired, and elapsed runs until Cancel. The tree remembers every node, so a snapshot",
		"shows how each ended and which one nobody ended.")
	l.Adds("the node's name, path, budget and overrun in the cause without a cause written at each call site, and the whole tree with what leaked; WithTimeoutCause names one budget, and nothing more.")
	return nil
}

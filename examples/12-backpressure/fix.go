package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gmpkit/gmpkit/ctxtree"
	"github.com/gmpkit/gmpkit/examples/internal/lesson"
	"github.com/gmpkit/gmpkit/workpool"
)

// fix sends the burst to the api, then shows readiness during the stall and
// after, and what became of the accepted jobs.
func fix(ctx context.Context, l *lesson.L, n int) error {
	l.Section("The fix: a pool bounded at %d, 503 when full, the fallback when the budget runs out", maxQueued)
	l.Predict("each caller says it waits %v (the %s header): how many are accepted, refused, answered from the fallback?", serverBudget, ctxtree.Header)
	a := &api{pool: workpool.New(workpool.WithWorkers(1), workpool.WithMaxQueued(maxQueued)), dep: newDependency(), noSkip: l.Is("no-skip")}
	mux := http.NewServeMux()
	mux.Handle("/work", ctxtree.Middleware("work", http.HandlerFunc(a.serveWork)))
	mux.HandleFunc("/readyz", a.serveReady)
	url, client, stop := serveOn(mux, n)
	defer stop()
	resumed := false
	defer func() {
		if !resumed {
			a.dep.resume()
		}
		_ = a.pool.Close()
	}()
	budget := http.Header{ctxtree.Header: {ctxtree.FormatTimeout(serverBudget)}}
	t := burst(ctx, client, url+"/work", n, serverBudget+grace, budget)
	accepted := int(a.pool.Stats().Submitted)
	l.Printf("%s\nthe pool accepted %d of %d (its bound is %d)\n", t, accepted, n, maxQueued)
	ready, body, err := readyz(ctx, client, url)
	if err != nil {
		return err
	}
	l.Printf("GET /readyz during the stall: %d %s\n", ready, body)
	if (ready == http.StatusServiceUnavailable) != (accepted >= maxQueued) {
		return fmt.Errorf("/readyz answered %d with %d of %d accepted jobs in flight", ready, accepted, maxQueued)
	}

	a.dep.resume()
	resumed = true
	if err := a.pool.Wait(); err != nil {
		return err
	}
	// The workers publish their counts as they go idle: ask until none is in flight, bounded.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if ready, body, err = readyz(ctx, client, url); err != nil || strings.HasPrefix(body, "ready: 0 of") || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		return err
	}
	l.Printf("dependency recovered: %d accepted job(s) skipped (their caller had the fallback), %d ran for a caller who had left\n",
		a.skipped.Load(), a.ranForGone.Load())
	l.Printf("GET /readyz once drained: %d %s\n", ready, body)
	before := a.pool.Stats().Submitted
	spent := call(ctx, client, url+"/work", time.Second, http.Header{ctxtree.Header: {"0n"}})
	untouched := a.pool.Stats().Submitted == before
	fresh := call(ctx, client, url+"/work", 2*time.Second, http.Header{ctxtree.Header: {ctxtree.FormatTimeout(time.Second)}})
	l.Printf("a request whose budget is already spent (%s: 0n): %d, fallback %q, pool untouched: %v\n", ctxtree.Header, spent.status, spent.fallback, untouched)
	l.Printf("a request with a 1s budget: %d, fallback %q\n", fresh.status, fresh.fallback)

	want := min(n, maxQueued) // jobs the pool takes; with a budget under minBudget, none
	if serverBudget < minBudget {
		want = 0
	}
	switch {
	case accepted != want || t.refused != n-want-t.fallbacks["budget spent on arrival"] || t.fallbacks["budget ran out while queued"] != want:
		return fmt.Errorf("want %d accepted and given the fallback, the rest refused or answered at once: %s", want, t)
	case !strings.HasPrefix(body, "ready: 0 of"):
		return errors.New("/readyz did not answer ready with nothing in flight once the pool drained")
	case spent.fallback == "" || !untouched || fresh.status != http.StatusOK || fresh.fallback != "":
		return fmt.Errorf("a spent budget gave %+v, a 1s budget %+v", spent, fresh)
	}
	l.Why("the bound turns overload into an instant, honest \"no\" the caller can act on; the budget says",
		"when an answer is no longer worth computing, and lets the server answer in time; readiness",
		"tells the load balancer before the callers find out.")
	l.Adds("the caller's budget (ctxtree), so accepted callers get a fallback before they give up; for the bound itself a semaphore is as good, and the skip is the job's own ctx.Err() check.")
	return nil
}

// readyz asks /readyz.
func readyz(ctx context.Context, client *http.Client, url string) (int, string, error) {
	body, code, err := lesson.Get(ctx, client, url+"/readyz")
	return code, body, err
}

// Lesson 5, budgets across services: three HTTP hops on loopback (gateway,
// orders, inventory), with the caller's remaining budget shrinking per hop.
//
//	go run ./examples/05-budgets-across-services
//	go run ./examples/05-budgets-across-services -short
//
// The trap: each service calls the next with a context of its own
// ("context.Background(), 5 s, to be safe"), so the budget the client set
// stops at the first hop. The client gives up after 300 ms; inventory, two
// hops away, never hears of it and finishes its 700 ms of work for nobody.
// The fix wraps each server in ctxtree.Middleware and each client in
// ctxtree.Transport: every hop receives what is left of the budget in the
// Ctxtree-Timeout header, roots its own tree with it, and passes on what it
// has left, so inventory stops when the client stops.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/gmpkit/gmpkit/ctxtree"
)

func main() {
	short := flag.Bool("short", false, "accepted for symmetry with the other lessons; this one takes about a second either way")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, *short); err != nil {
		fmt.Fprintln(os.Stderr, "lesson 5:", err)
		os.Exit(1)
	}
}

const (
	clientBudget  = 300 * time.Millisecond // what the user will wait
	hopWork       = 20 * time.Millisecond  // each of gateway and orders works this long before calling on
	inventoryWork = 700 * time.Millisecond // the slow service at the end
)

// hop records what one service saw while serving one request.
type hop struct {
	name     string
	header   string        // the Ctxtree-Timeout value received, "" if none
	budget   time.Duration // parsed from header
	worked   time.Duration // how long the handler ran
	canceled bool          // the handler saw its context end
	cause    error
}

// recorder collects hops from the handlers, which run on the servers'
// goroutines.
type recorder struct {
	mu   sync.Mutex
	hops map[string]hop
	done chan struct{} // closed when all three hops have finished
}

func newRecorder() *recorder {
	return &recorder{hops: map[string]hop{}, done: make(chan struct{})}
}

func (r *recorder) add(h hop) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hops[h.name] = h
	if len(r.hops) == 3 {
		close(r.done)
	}
}

func (r *recorder) get(name string) hop {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hops[name]
}

// work waits d or until ctx ends, and says which.
func work(ctx context.Context, d time.Duration) (canceled bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return false
	case <-ctx.Done():
		return true
	}
}

// service is one hop: it works hopWork (or inventoryWork at the end), then
// calls next, if any, with the context outgoing returns.
func service(name, next string, client *http.Client, rec *recorder,
	outgoing func(r *http.Request) (context.Context, context.CancelFunc)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h := hop{name: name, header: r.Header.Get(ctxtree.Header)}
		if h.header != "" {
			h.budget, _ = ctxtree.ParseTimeout(h.header)
		}
		defer func() {
			h.worked = time.Since(start)
			rec.add(h)
		}()
		d := hopWork
		if next == "" {
			d = inventoryWork
		}
		if h.canceled = work(r.Context(), d); h.canceled {
			h.cause = context.Cause(r.Context())
			http.Error(w, h.cause.Error(), http.StatusGatewayTimeout)
			return
		}
		if next == "" {
			fmt.Fprintln(w, "42 in stock")
			return
		}
		ctx, cancel := outgoing(r)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		resp, err := client.Do(req)
		if err != nil {
			h.canceled, h.cause = r.Context().Err() != nil, err
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}
}

// chain starts inventory, orders and gateway on 127.0.0.1:0, each wrapped
// by wrap, and returns gateway's URL and a function that stops all three.
func chain(rec *recorder, client *http.Client, wrap func(name string, h http.Handler) http.Handler,
	outgoing func(r *http.Request) (context.Context, context.CancelFunc)) (string, func()) {
	inventory := httptest.NewServer(wrap("inventory", service("inventory", "", client, rec, outgoing)))
	orders := httptest.NewServer(wrap("orders", service("orders", inventory.URL, client, rec, outgoing)))
	gateway := httptest.NewServer(wrap("gateway", service("gateway", orders.URL, client, rec, outgoing)))
	return gateway.URL, func() {
		gateway.Close()
		orders.Close()
		inventory.Close()
	}
}

// call makes the client's request with ctx and returns how it ended.
func call(ctx context.Context, client *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.Status + " " + strings.TrimSpace(string(body)), err
}

func run(ctx context.Context, w io.Writer, _ bool) error {
	if err := trap(ctx, w); err != nil {
		return err
	}
	return fix(ctx, w)
}

// waitHops waits, bounded, for the three handlers to finish.
func waitHops(ctx context.Context, rec *recorder) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	select {
	case <-rec.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("the services did not finish: %w", context.Cause(ctx))
	}
}

func trap(ctx context.Context, w io.Writer) error {
	fmt.Fprintln(w, "== The trap: every hop starts a fresh context ==")
	fmt.Fprintf(w, "predict: the client gives up after %v; when does inventory stop working?\n", clientBudget)
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	rec := newRecorder()
	// The bug: "to be safe", each outgoing call gets its own 5 s timeout,
	// cut off from the incoming request's context.
	fresh := func(*http.Request) (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 5*time.Second)
	}
	url, stop := chain(rec, client, func(_ string, h http.Handler) http.Handler { return h }, fresh)
	defer stop()

	cctx, cancel := context.WithTimeout(ctx, clientBudget)
	start := time.Now()
	_, err := call(cctx, client, url)
	gaveUp := time.Since(start)
	cancel()
	fmt.Fprintf(w, "client: gave up after %v: %v\n", gaveUp.Round(time.Millisecond), err)
	if !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("trap: the client's call ended with %v, want its deadline", err)
	}
	if err := waitHops(ctx, rec); err != nil {
		return err
	}
	inv := rec.get("inventory")
	fmt.Fprintf(w, "inventory: budget header %q; worked %v; its context canceled: %v\n",
		inv.header, inv.worked.Round(time.Millisecond), inv.canceled)
	fmt.Fprintf(w, "why: the client's deadline never left the client; inventory worked its full %v,\n", inventoryWork)
	fmt.Fprintln(w, "     most of it after the only caller who wanted the answer had gone.")
	fmt.Fprintln(w)
	if inv.canceled {
		return errors.New("trap: inventory saw a cancellation it could not have been sent")
	}
	return nil
}

func fix(ctx context.Context, w io.Writer) error {
	fmt.Fprintln(w, "== The fix: ctxtree.Middleware in, ctxtree.Transport out ==")
	fmt.Fprintln(w, "predict: what budget does each hop receive? when does inventory stop?")
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: ctxtree.Transport(transport)}
	rec := newRecorder()
	// Each outgoing call uses the incoming request's context: the tree
	// Middleware rooted, whose deadline Transport turns into the header.
	propagate := func(r *http.Request) (context.Context, context.CancelFunc) {
		node := ctxtree.From(r.Context()).Child("call", 0)
		return node.Context(), func() { node.Cancel(nil) }
	}
	wrap := func(name string, h http.Handler) http.Handler { return ctxtree.Middleware(name, h) }
	url, stop := chain(rec, client, wrap, propagate)
	defer stop()

	root := ctxtree.New(ctx, "client", clientBudget)
	start := time.Now()
	status, err := call(root.Context(), client, url)
	took := time.Since(start)
	root.Cancel(nil)
	if err != nil {
		fmt.Fprintf(w, "client: gave up after %v: %v\n", took.Round(time.Millisecond), err)
	} else { // the chain answered first, with the error of the hop that ran out
		fmt.Fprintf(w, "client: answered after %v: %.60s\n", took.Round(time.Millisecond), status)
	}
	if err := waitHops(ctx, rec); err != nil {
		return err
	}

	fmt.Fprintln(w, "budget received per hop (the Ctxtree-Timeout header):")
	prev := clientBudget + time.Nanosecond
	for _, name := range []string{"gateway", "orders", "inventory"} {
		h := rec.get(name)
		bar := strings.Repeat("#", int(40*h.budget/clientBudget))
		fmt.Fprintf(w, "  %-9s %-10s %-40s %v\n", name, h.header, bar, h.budget.Round(time.Millisecond))
		if h.header == "" || h.budget >= prev {
			return fmt.Errorf("fix: %s received budget %q, want less than %v", name, h.header, prev)
		}
		prev = h.budget
	}
	fmt.Fprintln(w, "budgets shrink at every hop: true")
	inv := rec.get("inventory")
	fmt.Fprintf(w, "inventory: worked %v of its %v; its context canceled: %v\n",
		inv.worked.Round(time.Millisecond), inventoryWork, inv.canceled)
	fmt.Fprintf(w, "inventory's cause: %v\n", inv.cause)
	if !inv.canceled {
		return errors.New("fix: inventory worked on after the client's budget ran out")
	}
	fmt.Fprintf(w, "why: each hop forwards what is left (minus its own %v of work), so the whole\n", hopWork)
	fmt.Fprintln(w, "     chain shares one deadline and every service stops when the client does.")
	return nil
}

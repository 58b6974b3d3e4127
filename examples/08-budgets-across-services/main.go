// Lesson 8, budgets across services: gateway -> orders -> inventory over
// HTTP on loopback. The client waits 300ms; inventory needs 700ms.
//
//	go run ./examples/08-budgets-across-services
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
)

var solutions = []lesson.Solution{
	{Name: "inventory-150ms", Change: "inventoryWork = 150 * time.Millisecond"},
	{Name: "no-refusal", Change: "remove inventory's check of its budget"},
}

func main() {
	lesson.Lesson{Name: "lesson 8, budgets across services", Run: run, Solutions: solutions}.Main()
}

const (
	clientBudget = 300 * time.Millisecond // what the user will wait
	hopWork      = 20 * time.Millisecond  // gateway and orders each work this long before calling on
)

var inventoryWork = 700 * time.Millisecond // the slow service at the end

// hop is what one service saw while serving the request.
type hop struct {
	header string        // the Ctxtree-Timeout value received, "" if none
	worked time.Duration // how long the handler ran
	ended  string        // how it ended
}

// propagation is how each hop calls the next: the context of the outgoing
// call, and whether servers and client carry the budget header.
type propagation struct {
	name     string
	outgoing func(r *http.Request) (context.Context, context.CancelFunc)
	header   bool
}

var (
	fresh = propagation{"fresh context", func(*http.Request) (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 5*time.Second) // "to be safe"
	}, false}
	requestCtx = propagation{"r.Context()", func(r *http.Request) (context.Context, context.CancelFunc) {
		return context.WithCancel(r.Context())
	}, false}
	budgetHeader = propagation{"ctxtree header", requestCtx.outgoing, true}
)

// serveHop works, then calls next (or, at the end of the chain, answers),
// and says how the handler ended.
func serveHop(l *lesson.L, w http.ResponseWriter, r *http.Request, next string, p propagation, client *http.Client) string {
	need := hopWork
	if next == "" {
		need = inventoryWork
		// What the budget header adds: a callee that knows its deadline refuses work it cannot finish.
		if dl, ok := r.Context().Deadline(); ok && time.Until(dl) < need && !l.Is("no-refusal") {
			http.Error(w, fmt.Sprintf("inventory: needs %v, has %v", need, time.Until(dl).Round(time.Millisecond)), http.StatusGatewayTimeout)
			return "refused at once"
		}
	}
	select {
	case <-time.After(need):
	case <-r.Context().Done():
		return "canceled: " + context.Cause(r.Context()).Error()
	}
	if next == "" {
		fmt.Fprintln(w, "42 in stock")
		return "finished"
	}
	ctx, cancel := p.outgoing(r)
	defer cancel()
	code, body, err := get(ctx, client, next)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return "its call failed: " + err.Error()
	}
	w.WriteHeader(code) // relay what the next hop answered
	fmt.Fprintln(w, body)
	return "relayed " + http.StatusText(code)
}

func run(ctx context.Context, l *lesson.L) error {
	if l.Is("inventory-150ms") {
		inventoryWork = 150 * time.Millisecond
		defer func() { inventoryWork = 700 * time.Millisecond }()
	}
	l.Section("The trap: every hop starts a fresh context")
	l.Predict("the client gives up after %v; when does inventory stop working?", clientBudget)
	_, answered, err := call(ctx, l, fresh)
	if err != nil {
		return err
	} else if answered {
		l.Why("inventory finished in time, so nobody noticed that the client's deadline never left it.")
	} else {
		l.Why("the client's deadline never left the client: inventory works its full time for nobody.")
	}
	l.Section("Standard library first: pass r.Context() on")
	if _, answered, err = call(ctx, l, requestCtx); err != nil {
		return err
	} else if answered {
		l.Why("in time again; had the client hung up, net/http would have canceled r.Context() hop by hop.")
	} else {
		l.Why("the client hanging up closes its connection; net/http cancels the gateway's r.Context(),",
			"which cancels its call to orders, closing that connection: hop by hop, inventory is canceled.",
			"But nobody knew the deadline: inventory worked until the client had gone.")
	}
	l.Section("The fix: ctxtree.Middleware and ctxtree.Transport carry the budget")
	l.Predict("what budget does each hop receive? what does inventory do with it?")
	hops, _, err := call(ctx, l, budgetHeader)
	if err != nil {
		return err
	}
	prev := clientBudget + time.Nanosecond
	for _, name := range []string{"gateway", "orders", "inventory"} {
		budget, err := ctxtree.ParseTimeout(hops[name].header)
		if err != nil || budget >= prev {
			return fmt.Errorf("%s received budget %q, want less than %v", name, hops[name].header, prev)
		}
		l.Printf("  %-9s received %-10s %-40s %s\n", name, hops[name].header, strings.Repeat("#", int(40*budget/clientBudget)), lesson.Dur(budget))
		prev = budget
	}
	l.Why("each hop forwards what is left of the client's budget (gRPC's grpc-timeout format), so",
		"inventory knows its deadline before it starts, and can refuse work it cannot finish.")
	l.Adds("the deadline itself, hop to hop, so a callee can refuse what it cannot finish in time; r.Context() carries only the hang-up, after the fact.")
	return nil
}

// call runs the client's request through a new chain with p, prints what
// the client and inventory saw, and returns what each hop saw and whether
// the client got an answer.
func call(ctx context.Context, l *lesson.L, p propagation) (map[string]*hop, bool, error) {
	transport := http.RoundTripper(&http.Transport{})
	if p.header {
		transport = ctxtree.Transport(transport)
	}
	url, hops, done, stop := chain(l, p, &http.Client{Transport: transport})
	defer stop()
	cctx, cancel := context.WithTimeout(ctx, clientBudget)
	start := time.Now()
	code, body, err := get(cctx, &http.Client{Transport: transport}, url)
	took := time.Since(start)
	cancel()
	client := fmt.Sprintf("answered %d after %s: %.40s", code, lesson.Dur(took.Round(time.Millisecond)), body)
	if err != nil {
		client = fmt.Sprintf("gave up after %s", lesson.Dur(took.Round(time.Millisecond)))
	}
	select { // wait, bounded, for every hop to finish
	case <-done:
	case <-time.After(10 * time.Second):
		return nil, false, errors.New("the services did not all finish")
	}
	inv := hops["inventory"]
	l.Printf("%s: the client %s\n", p.name, client)
	l.Printf("  inventory: budget header %q; worked %s; ended %s\n", inv.header, lesson.Dur(inv.worked.Round(time.Millisecond)), inv.ended)
	return hops, err == nil, nil
}

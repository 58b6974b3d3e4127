package ctxtree_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/gmpkit/gmpkit/ctxtree"
)

// A request's tree: the handler has 200 units of time, the cache lookup
// fails fast with 50 and the database gets 150. (Seconds here, and a fixed
// clock, so that the output is the same on every run.)
func Example() {
	clock := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	root := ctxtree.New(context.Background(), "http", 200*time.Second, ctxtree.WithClock(clock))
	cache := root.Child("cache", 50*time.Second)
	db := root.Child("db", 150*time.Second)

	cache.Cancel(errors.New("miss"))
	db.Cancel(nil) // finished
	fmt.Print(root.Snapshot())
	root.Cancel(nil)
	// Output:
	// "http" running, budget 3m20s, elapsed 0s, remaining 3m20s
	// ├── "cache" canceled, budget 50s, elapsed 0s
	// │       cause: ctxtree: "http/cache" canceled: miss
	// └── "db" finished, budget 2m30s, elapsed 0s
	//         cause: ctxtree: "http/db" finished
}

// When a node's budget runs out, context.Cause says which node it was.
func ExampleNode_Child() {
	root := ctxtree.New(context.Background(), "http", time.Hour)
	defer root.Cancel(nil)
	db := root.Child("db", time.Millisecond)
	defer db.Cancel(nil)

	<-db.Context().Done()
	err := context.Cause(db.Context())
	var de *ctxtree.DeadlineError
	if errors.As(err, &de) {
		fmt.Println("budget ran out:", de.Node().Path(), de.Budget())
	}
	fmt.Println(errors.Is(err, context.DeadlineExceeded), db.Context().Err())
	// Output:
	// budget ran out: http/db 1ms
	// true context deadline exceeded
}

// A child may take a fraction of what its parent has left.
func ExampleNode_ChildFraction() {
	clock := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	root := ctxtree.New(context.Background(), "job", time.Hour, ctxtree.WithClock(clock))
	defer root.Cancel(nil)
	q := root.ChildFraction("quarter", 0.25)
	defer q.Cancel(nil)
	fmt.Println(q.Snapshot().Budget)
	// Output: 15m0s
}

// From finds the node a context came from, through any wrappers.
func ExampleFrom() {
	root := ctxtree.New(context.Background(), "http", 0)
	defer root.Cancel(nil)
	type key struct{}
	ctx, cancel := context.WithCancel(context.WithValue(root.Context(), key{}, "v"))
	defer cancel()

	if n := ctxtree.From(ctx); n != nil {
		child := n.Child("render", 0)
		defer child.Cancel(nil)
		fmt.Println(child.Path())
	}
	// Output: http/render
}

// Leaked nodes are those still running after their parent ended.
func ExampleSnapshot_Leaks() {
	root := ctxtree.New(context.Background(), "job", 0)
	step := root.Child("step", 0)
	_ = step.Child("forgotten", 0) // its Cancel is never called
	step.Cancel(nil)
	fmt.Println(root.Snapshot().Leaks())
	root.Cancel(nil)
	// Output: 1
}

// The header carries a budget in gRPC's grpc-timeout format.
func ExampleParseTimeout() {
	for _, s := range []string{"150m", "2S", "-1S", "100000000n", "5x"} {
		d, err := ctxtree.ParseTimeout(s)
		fmt.Println(d, err)
	}
	fmt.Println(ctxtree.FormatTimeout(1500 * time.Millisecond))
	// Output:
	// 150ms <nil>
	// 2s <nil>
	// 0s ctxtree: invalid timeout "-1S": want 1 to 8 ASCII digits then a unit, found "-"
	// 0s ctxtree: invalid timeout "100000000n": more than 8 digits
	// 0s ctxtree: invalid timeout "5x": unknown unit "x" (want H, M, S, m, u or n)
	// 1500000u
}

// A client with Transport tells the server how much time it has left; the
// server's Middleware roots a tree with that budget.
func ExampleMiddleware() {
	srv := httptest.NewServer(ctxtree.Middleware("api", http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			s := ctxtree.From(r.Context()).Snapshot()
			fmt.Fprintf(w, "%s has a budget: %v", s.Name, s.Budget > 0 && s.Budget <= 5*time.Second)
		})))
	defer srv.Close()
	base := &http.Transport{}
	defer base.CloseIdleConnections()
	client := &http.Client{Transport: ctxtree.Transport(base)}

	call := ctxtree.New(context.Background(), "caller", 5*time.Second)
	defer call.Cancel(nil)
	req, _ := http.NewRequestWithContext(call.Context(), "GET", srv.URL, nil)
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(string(body))
	// Output: api has a budget: true
}

// Transport tells the server how much time the caller has left, and does
// not send a request whose budget is already spent.
func ExampleTransport() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, err := ctxtree.ParseTimeout(r.Header.Get(ctxtree.Header))
		fmt.Fprintf(w, "server: %s says the caller has 0 to 1 minute left: %v", ctxtree.Header, err == nil && d > 0 && d <= time.Minute)
	}))
	defer srv.Close()
	base := &http.Transport{}
	defer base.CloseIdleConnections()
	client := &http.Client{Transport: ctxtree.Transport(base)}

	call := ctxtree.New(context.Background(), "call", time.Minute)
	defer call.Cancel(nil)
	req, _ := http.NewRequestWithContext(call.Context(), "GET", srv.URL, nil)
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))

	spent := call.Child("spent", time.Nanosecond)
	defer spent.Cancel(nil)
	<-spent.Context().Done()
	req, _ = http.NewRequestWithContext(spent.Context(), "GET", srv.URL, nil)
	_, err = client.Do(req)
	var de *ctxtree.DeadlineError
	fmt.Println("not sent, the cause names the node:", errors.As(err, &de) && de.Node() == spent)
	// Output:
	// server: Ctxtree-Timeout says the caller has 0 to 1 minute left: true
	// not sent, the cause names the node: true
}

// Mermaid renders a snapshot as a flowchart, a box per node coloured by
// its state.
func ExampleSnapshot_Mermaid() {
	clock := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	root := ctxtree.New(context.Background(), "job", time.Minute, ctxtree.WithClock(clock))
	defer root.Cancel(nil)
	step := root.Child("step", 0)
	step.Cancel(nil)
	fmt.Print(root.Snapshot().Mermaid())
	// Output:
	// graph TD
	//     n0["job<br/>running, budget 1m0s, elapsed 0s, remaining 1m0s"]
	//     n1["step<br/>finished, inherited deadline in 1m0s, elapsed 0s<br/>ctxtree: #quot;job/step#quot; finished"]
	//     n0 --> n1
	//     class n0 running
	//     class n1 finished
	//     classDef running fill:#dbeafe,stroke:#374151
	//     classDef finished fill:#dcfce7,stroke:#374151
	//     classDef canceled fill:#fef9c3,stroke:#374151
	//     classDef inherited fill:#e5e7eb,stroke:#374151
	//     classDef deadline fill:#fee2e2,stroke:#374151
	//     classDef leaked stroke:#dc2626,stroke-width:3px
}

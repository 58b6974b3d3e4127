package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/gmpkit/gmpkit/ctxtree"
	"github.com/gmpkit/gmpkit/examples/internal/lesson"
)

// chain serves gateway, orders and inventory on loopback with p; it returns
// the gateway's URL, each hop's record (complete once done is closed), and
// a function that stops the servers.
func chain(l *lesson.L, p propagation, client *http.Client) (url string, hops map[string]*hop, done chan struct{}, stop func()) {
	var mu sync.Mutex
	var servers []*httptest.Server
	hops, done = map[string]*hop{}, make(chan struct{})
	serve := func(name, next string) string {
		var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec, start := &hop{header: r.Header.Get(ctxtree.Header)}, time.Now()
			defer func() {
				rec.worked = time.Since(start)
				mu.Lock()
				if hops[name] = rec; len(hops) == 3 {
					close(done)
				}
				mu.Unlock()
			}()
			rec.ended = serveHop(l, w, r, next, p, client)
		})
		if p.header {
			h = ctxtree.Middleware(name, h)
		}
		servers = append(servers, httptest.NewServer(h))
		return servers[len(servers)-1].URL
	}
	url = serve("gateway", serve("orders", serve("inventory", "")))
	return url, hops, done, func() {
		client.CloseIdleConnections()
		for _, s := range servers {
			s.Close()
		}
	}
}

// get makes a request and returns the status code and the body, trimmed.
func get(ctx context.Context, client *http.Client, url string) (int, string, error) {
	body, code, err := lesson.Get(ctx, client, url)
	return code, body, err
}

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/gmpkit/gmpkit/examples/internal/lesson"
)

// debugMux serves net/http/pprof on its own mux, not http.DefaultServeMux.
func debugMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	return mux
}

// serve serves mux on 127.0.0.1:0 and returns its URL and a function that
// shuts it down, with a deadline.
func serve(mux http.Handler, transport *http.Transport) (base string, stop func() error, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := srv.Shutdown(ctx)
		transport.CloseIdleConnections()
		if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		return err
	}, nil
}

// get fetches url and returns the body.
func get(ctx context.Context, client *http.Client, url string) (string, error) {
	body, code, err := lesson.Get(ctx, client, url)
	if err == nil && code != http.StatusOK {
		err = fmt.Errorf("GET %s: %d", url, code)
	}
	return body, err
}

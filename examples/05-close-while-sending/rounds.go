package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/gmpkit/gmpkit/examples/internal/lesson"
)

// A round sends one value from each of senders goroutines while two
// shutdown paths race them; it returns the values accepted, refused and
// received, and what the second shutdown call said.
type round func(ctx context.Context, gosched int) (accepted, refused, received int64, second string, err error)

// book runs rounds of r and checks and prints the books.
func book(ctx context.Context, l *lesson.L, rounds int, r round) error {
	var accepted, refused, received int64
	seconds := map[string]int{}
	start := time.Now()
	for i := range rounds {
		a, f, got, second, err := r(ctx, i%8) // vary how far the senders get before the shutdown
		if err != nil {
			return err
		}
		if got != a || a+f != senders {
			return fmt.Errorf("round %d: accepted %d, refused %d, received %d", i, a, f, got)
		}
		accepted, refused, received, seconds[second] = accepted+a, refused+f, received+got, seconds[second]+1
	}
	l.Printf("sent %d  accepted %d  refused %d  received %d  lost %d  panics 0  in %s\n",
		rounds*senders, accepted, refused, received, accepted-received, lesson.Dur(time.Since(start)))
	for msg, n := range seconds {
		l.Printf("second shutdown call: %s, in %d of %d rounds\n", msg, n, rounds)
	}
	return nil
}

// race starts senders goroutines that call send(i) and two that call
// shutdown, all at once, and returns when all have returned.
func race(gosched int, send func(i int), shutdown func() error) (second string) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range senders {
		wg.Go(func() { <-start; send(i) })
	}
	errs := make(chan error, 2)
	for range 2 {
		wg.Go(func() {
			<-start
			for range gosched {
				runtime.Gosched()
			}
			errs <- shutdown()
		})
	}
	close(start)
	wg.Wait()
	e1, e2 := <-errs, <-errs
	return fmt.Sprint(errors.Join(e1, e2))
}

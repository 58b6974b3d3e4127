package workpool_test

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gmpkit/gmpkit/workpool"
)

func TestReproResizeFor(t *testing.T) {
	if testing.Short() {
		t.Skip()
	}
	for seq := 0; seq < 20000; seq++ {
		p := workpool.New(workpool.WithWorkers(2))
		done := make(chan struct{})
		go func() {
			defer close(done)
			var wg sync.WaitGroup
			for d := range 3 {
				wg.Go(func() {
					r := rand.New(rand.NewPCG(uint64(seq), uint64(d)))
					for range 20 {
						switch r.IntN(4) {
						case 0:
							_ = p.Resize(1 + r.IntN(2))
						case 1:
							_ = p.Wait()
						default:
							_ = p.For(context.Background(), 0, r.IntN(300), func(*workpool.Worker, int) {})
						}
					}
				})
			}
			wg.Wait()
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			buf := make([]byte, 1<<20)
			t.Fatalf("seq %d hung\n%s\n%s", seq, workpool.DebugState(p), buf[:runtime.Stack(buf, true)])
		}
		p.Close()
	}
}

package workloads

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/sourcegraph/conc/iter"
	"golang.org/x/sync/errgroup"

	"github.com/gmpkit/gmpkit/workpool"
)

// LoopRounds is the rounds of Mix in the parallel loop's body, out[i] =
// Hash(i, LoopRounds): 9 rounds took 15–17 ns an iteration on the 2-core
// AMD EPYC box, so a loop of 2M iterations is about 30 ms of work, and an
// iteration is cheap enough that how a loop is split shows.
const LoopRounds = 9

// LoopSeq fills out sequentially: out[i] = Hash(i, rounds). It is the floor.
func LoopSeq(out []uint64, rounds int) {
	for i := range out {
		out[i] = Hash(uint64(i), rounds)
	}
}

// XOR returns the XOR of every element of out: the loop's checksum.
func XOR(out []uint64) uint64 {
	var x uint64
	for _, v := range out {
		x ^= v
	}
	return x
}

// Looper runs the parallel loop on one implementation.
type Looper interface {
	// Fill sets out[i] = Hash(i, rounds) for every i, possibly in parallel.
	Fill(out []uint64, rounds int) error
	// Close releases the implementation's goroutines.
	Close()
}

// NewLooper returns the Looper of impl, each written the way its users
// write a parallel loop: ImplSequential (a plain loop), ImplGmpkit
// (Pool.For on a pool of workers workers, which splits on demand),
// ImplGoroutines and ImplErrgroup (one goroutine per GOMAXPROCS chunk),
// ImplConc (conc's iter.ForEachIdx).
func NewLooper(impl string, workers int) (Looper, error) {
	switch impl {
	case ImplSequential:
		return seqLoop{}, nil
	case ImplGmpkit:
		return &gmpkitLoop{pool: workpool.New(workpool.WithWorkers(workers), workpool.WithName("bench-loop"))}, nil
	case ImplGoroutines:
		return chunkLoop{fork: func(n int, f func(c int)) error {
			var wg sync.WaitGroup
			for c := range n {
				wg.Go(func() { f(c) })
			}
			wg.Wait()
			return nil
		}}, nil
	case ImplErrgroup:
		return chunkLoop{fork: func(n int, f func(c int)) error {
			var g errgroup.Group
			for c := range n {
				g.Go(func() error { f(c); return nil })
			}
			return g.Wait()
		}}, nil
	case ImplConc:
		return concLoop{}, nil
	}
	return nil, fmt.Errorf("workloads: no parallel loop for %q", impl)
}

type seqLoop struct{}

func (seqLoop) Fill(out []uint64, rounds int) error { LoopSeq(out, rounds); return nil }
func (seqLoop) Close()                              {}

type gmpkitLoop struct{ pool *workpool.Pool }

func (l *gmpkitLoop) Fill(out []uint64, rounds int) error {
	return l.pool.For(context.Background(), 0, len(out), func(_ *workpool.Worker, i int) {
		out[i] = Hash(uint64(i), rounds)
	})
}

func (l *gmpkitLoop) Close() { _ = l.pool.Close() }

// chunkLoop splits the loop into GOMAXPROCS equal chunks, one per
// goroutine forked by fork.
type chunkLoop struct {
	fork func(n int, f func(c int)) error
}

func (l chunkLoop) Fill(out []uint64, rounds int) error {
	n := runtime.GOMAXPROCS(0)
	return l.fork(n, func(c int) {
		lo, hi := c*len(out)/n, (c+1)*len(out)/n
		for i := lo; i < hi; i++ {
			out[i] = Hash(uint64(i), rounds)
		}
	})
}

func (chunkLoop) Close() {}

type concLoop struct{}

func (concLoop) Fill(out []uint64, rounds int) error {
	iter.ForEachIdx(out, func(i int, v *uint64) { *v = Hash(uint64(i), rounds) })
	return nil
}

func (concLoop) Close() {}

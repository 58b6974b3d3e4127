package workpool_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmpkit/gmpkit/workpool"
)

var forSizes = []int{0, 1, 2, 3, 7, 64, 1000, 100_003}

func TestFor_CallsTheBodyExactlyOnceForEveryIndex(t *testing.T) {
	for _, n := range widths {
		p := workpool.New(workpool.WithWorkers(n))
		for _, size := range forSizes {
			t.Run(name(n)+"/size="+strconv.Itoa(size), func(t *testing.T) {
				lo := -size / 3 // a range that does not start at 0
				calls := make([]atomic.Int32, size)
				require.NoError(t, p.For(context.Background(), lo, lo+size, func(_ *workpool.Worker, i int) {
					calls[i-lo].Add(1)
				}))
				for i := range calls {
					require.EqualValues(t, 1, calls[i].Load(), "index %d", lo+i)
				}
			})
		}
		closePool(t, p)
	}
}

func TestForRange_SubrangesAreDisjointNonEmptyAndCoverTheRange(t *testing.T) {
	for _, n := range widths {
		p := workpool.New(workpool.WithWorkers(n))
		for _, size := range forSizes {
			t.Run(name(n)+"/size="+strconv.Itoa(size), func(t *testing.T) {
				var mu sync.Mutex
				var got [][2]int
				require.NoError(t, p.Run(context.Background(), func(w *workpool.Worker) error {
					w.ForRange(5, 5+size, func(_ *workpool.Worker, lo, hi int) {
						mu.Lock()
						got = append(got, [2]int{lo, hi})
						mu.Unlock()
					})
					return nil
				}))
				checkCover(t, got, 5, 5+size)
				if n == 1 && size > 0 {
					assert.Len(t, got, 1, "with one worker nobody could take a part: the range goes whole")
				}
			})
		}
		closePool(t, p)
	}
}

// checkCover fails unless the subranges are non-empty and disjoint and
// together cover [lo, hi) exactly.
func checkCover(t *testing.T, got [][2]int, lo, hi int) {
	t.Helper()
	sort.Slice(got, func(i, j int) bool { return got[i][0] < got[j][0] })
	at := lo
	for _, r := range got {
		require.Less(t, r[0], r[1], "empty subrange %v", r)
		require.Equal(t, at, r[0], "subranges %v leave a gap or overlap at %d", got, at)
		at = r[1]
	}
	require.Equal(t, hi, at, "subranges %v do not reach %d", got, hi)
}

// TestFor_RandomSizesWidthsAndNestingRunEachIndexOnce is the property test:
// random ranges, worker counts and nesting (For inside Join inside For),
// checked against the sequential count of calls.
func TestFor_RandomSizesWidthsAndNestingRunEachIndexOnce(t *testing.T) {
	rounds := 60
	if raceEnabled {
		rounds = 15
	}
	for seed := range uint64(rounds) {
		r := rand.New(rand.NewPCG(seed, 99))
		workers, size, inner := 1+r.IntN(8), r.IntN(3000), r.IntN(20)
		p := workpool.New(workpool.WithWorkers(workers))
		calls := make([]atomic.Int32, size*max(inner, 1))
		err := p.Run(context.Background(), func(w *workpool.Worker) error {
			w.For(0, size, func(w *workpool.Worker, i int) {
				if inner == 0 {
					calls[i].Add(1)
					return
				}
				w.Join(func(w *workpool.Worker) {
					w.For(0, inner/2, func(_ *workpool.Worker, k int) { calls[i*inner+k].Add(1) })
				}, func(w *workpool.Worker) {
					w.ForRange(inner/2, inner, func(_ *workpool.Worker, lo, hi int) {
						for k := lo; k < hi; k++ {
							calls[i*inner+k].Add(1)
						}
					})
				})
			})
			return nil
		})
		require.NoError(t, err, "seed %d", seed)
		for i := range calls {
			require.EqualValues(t, 1, calls[i].Load(), "seed %d (workers %d, size %d, inner %d): slot %d", seed, workers, size, inner, i)
		}
		closePool(t, p)
	}
}

func TestFor_PanicStopsNewPiecesAndSurfacesAsPanicError(t *testing.T) {
	for _, n := range widths {
		t.Run(name(n), func(t *testing.T) {
			p := workpool.New(workpool.WithWorkers(n))
			defer closePool(t, p)
			boom := errors.New("boom at 500")
			var after atomic.Int32
			err := p.For(context.Background(), 0, 100_000, func(_ *workpool.Worker, i int) {
				if i == 500 {
					panic(boom)
				}
				if i > 50_000 {
					after.Add(1)
				}
			})
			var pe *workpool.PanicError
			require.ErrorAs(t, err, &pe)
			require.ErrorIs(t, err, boom)
			assert.Contains(t, string(pe.Stack), "for_test.go", "the stack is the panicking body's")
			assert.Less(t, after.Load(), int32(50_000), "pieces not yet started were skipped")
		})
	}
}

func TestFor_InACancelledTreeStartsNoNewPiece(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(2))
	defer closePool(t, p)
	cause := errors.New("stop")
	var calls atomic.Int64
	err := p.Run(context.Background(), func(w *workpool.Worker) error {
		w.For(0, 1_000_000, func(w *workpool.Worker, i int) {
			if calls.Add(1) == 1000 {
				panic(cause)
			}
		})
		return nil
	})
	require.ErrorIs(t, err, cause)
	assert.Less(t, calls.Load(), int64(1_000_000))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls.Store(0)
	err = p.For(ctx, 0, 10, func(*workpool.Worker, int) { calls.Add(1) })
	require.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, calls.Load())
}

func TestFor_NilBodyPanicsNamingTheMethod(t *testing.T) {
	p := workpool.New(workpool.WithWorkers(1))
	defer closePool(t, p)
	_ = p.Run(context.Background(), func(w *workpool.Worker) error {
		assert.PanicsWithValue(t, "workpool: Worker.For called with a nil body", func() { w.For(0, 1, nil) })
		assert.PanicsWithValue(t, "workpool: Worker.ForRange called with a nil body", func() { w.ForRange(0, 1, nil) })
		return nil
	})
}

// TestFor_AllocatesAFixedFewObjectsWhateverTheRange: splitting is data,
// not closures, so a For's allocations do not grow with the range.
func TestFor_AllocatesAFixedFewObjectsWhateverTheRange(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	p := workpool.New(workpool.WithWorkers(2))
	defer closePool(t, p)
	var sink atomic.Int64
	body := func(_ *workpool.Worker, i int) { sink.Add(int64(i)) }
	err := p.Run(context.Background(), func(w *workpool.Worker) error {
		small := testing.AllocsPerRun(20, func() { w.For(0, 1000, body) })
		big := testing.AllocsPerRun(20, func() { w.For(0, 1_000_000, body) })
		assert.LessOrEqual(t, small, 4.0)
		assert.LessOrEqual(t, big, 4.0, "allocations grow with the range")
		return nil
	})
	require.NoError(t, err)
}

package ctxtree_test

import (
	"context"
	"testing"
	"time"

	"github.com/gmpkit/gmpkit/ctxtree"
)

// The benchmarks put each ctxtree operation beside its standard library
// equivalent, named so benchstat can pivot on impl:
//
//	go test -run '^$' -bench . -benchmem -count 6 ./ctxtree/ > new.txt
//	benchstat -col /impl new.txt

// refresh is how many children a benchmark hangs under one parent before it
// starts a new one, so that ctxtree's record of ended children (kept for
// snapshots) does not grow with b.N. Both impls pay the same amortized cost.
const refresh = 1024

// BenchmarkChild measures making a child with a budget and ending it: Child
// and Cancel against context.WithTimeout and its cancel function.
func BenchmarkChild(b *testing.B) {
	b.Run("impl=stdlib", func(b *testing.B) {
		b.ReportAllocs()
		var parent context.Context
		var stop context.CancelFunc = func() {}
		for i := 0; b.Loop(); i++ {
			if i%refresh == 0 {
				stop()
				parent, stop = context.WithCancel(context.Background())
			}
			_, cancel := context.WithTimeout(parent, time.Hour)
			cancel()
		}
		stop()
	})
	b.Run("impl=ctxtree", func(b *testing.B) {
		b.ReportAllocs()
		var parent *ctxtree.Node
		for i := 0; b.Loop(); i++ {
			if i%refresh == 0 {
				if parent != nil {
					parent.Cancel(nil)
				}
				parent = ctxtree.New(context.Background(), "parent", 0)
			}
			parent.Child("child", time.Hour).Cancel(nil)
		}
		parent.Cancel(nil)
	})
}

// BenchmarkChildNoBudget measures making a child without a budget of its
// own and ending it: Child with budget 0 against context.WithCancel. Such a
// node (like a clamped one) has one standard library layer, not two.
func BenchmarkChildNoBudget(b *testing.B) {
	b.Run("impl=stdlib", func(b *testing.B) {
		b.ReportAllocs()
		var parent context.Context
		var stop context.CancelFunc = func() {}
		for i := 0; b.Loop(); i++ {
			if i%refresh == 0 {
				stop()
				parent, stop = context.WithCancel(context.Background())
			}
			_, cancel := context.WithCancel(parent)
			cancel()
		}
		stop()
	})
	b.Run("impl=ctxtree", func(b *testing.B) {
		b.ReportAllocs()
		var parent *ctxtree.Node
		for i := 0; b.Loop(); i++ {
			if i%refresh == 0 {
				if parent != nil {
					parent.Cancel(nil)
				}
				parent = ctxtree.New(context.Background(), "parent", 0)
			}
			parent.Child("child", 0).Cancel(nil)
		}
		parent.Cancel(nil)
	})
}

const width = 10_000

// BenchmarkBuildTree measures building a tree one root wide with 10k
// children that each have a budget, then ending it; ns/child is the cost of
// one child.
func BenchmarkBuildTree(b *testing.B) {
	b.Run("impl=stdlib/nodes=10k", func(b *testing.B) {
		b.ReportAllocs()
		cancels := make([]context.CancelFunc, width)
		for b.Loop() {
			root, stop := context.WithCancel(context.Background())
			for i := range cancels {
				_, cancels[i] = context.WithTimeout(root, time.Hour)
			}
			for _, c := range cancels {
				c()
			}
			stop()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*width), "ns/child")
	})
	b.Run("impl=ctxtree/nodes=10k", func(b *testing.B) {
		b.ReportAllocs()
		nodes := make([]*ctxtree.Node, width)
		for b.Loop() {
			root := ctxtree.New(context.Background(), "root", 0)
			for i := range nodes {
				nodes[i] = root.Child("child", time.Hour)
			}
			for _, n := range nodes {
				n.Cancel(nil)
			}
			root.Cancel(nil)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*width), "ns/child")
	})
}

// BenchmarkCancelTree measures ending a tree of one root and 10k children
// with budgets. mode=root cancels the root alone, which ends every child;
// mode=each cancels every child, then the root, as deferred cancels do.
// Building the tree is not timed.
func BenchmarkCancelTree(b *testing.B) {
	for _, mode := range []string{"root", "each"} {
		b.Run("impl=stdlib/nodes=10k/mode="+mode, func(b *testing.B) {
			b.ReportAllocs()
			cancels := make([]context.CancelFunc, width)
			for b.Loop() {
				b.StopTimer()
				root, stop := context.WithCancel(context.Background())
				for i := range cancels {
					_, cancels[i] = context.WithTimeout(root, time.Hour)
				}
				b.StartTimer()
				if mode == "each" {
					for _, c := range cancels {
						c()
					}
				}
				stop()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*width), "ns/node")
		})
		b.Run("impl=ctxtree/nodes=10k/mode="+mode, func(b *testing.B) {
			b.ReportAllocs()
			nodes := make([]*ctxtree.Node, width)
			for b.Loop() {
				b.StopTimer()
				root := ctxtree.New(context.Background(), "root", 0)
				for i := range nodes {
					nodes[i] = root.Child("child", time.Hour)
				}
				b.StartTimer()
				if mode == "each" {
					for _, n := range nodes {
						n.Cancel(nil)
					}
				}
				root.Cancel(nil)
				if mode == "root" {
					// Untimed: end the children, as their deferred
					// Cancel calls would (canceling the root has
					// already stopped their timers, as it does in the
					// standard library's tree).
					b.StopTimer()
					for _, n := range nodes {
						n.Cancel(nil)
					}
					b.StartTimer()
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*width), "ns/node")
		})
	}
}

// BenchmarkContext measures Node.Context, which must not allocate; the
// baseline reads a context from a struct field.
func BenchmarkContext(b *testing.B) {
	var sink context.Context
	b.Run("impl=stdlib", func(b *testing.B) {
		b.ReportAllocs()
		holder := struct{ ctx context.Context }{context.Background()}
		for b.Loop() {
			sink = holder.ctx
		}
	})
	b.Run("impl=ctxtree", func(b *testing.B) {
		b.ReportAllocs()
		n := ctxtree.New(context.Background(), "n", 0)
		defer n.Cancel(nil)
		for b.Loop() {
			sink = n.Context()
		}
	})
	_ = sink
}

// BenchmarkFrom measures finding the node through two standard library
// wrappers, against looking up a plain value through the same wrappers.
func BenchmarkFrom(b *testing.B) {
	type key struct{}
	b.Run("impl=stdlib", func(b *testing.B) {
		b.ReportAllocs()
		base := context.WithValue(context.Background(), key{}, 1)
		ctx, cancel := context.WithCancel(context.WithValue(base, struct{ k int }{}, 2))
		defer cancel()
		for b.Loop() {
			_ = ctx.Value(key{})
		}
	})
	b.Run("impl=ctxtree", func(b *testing.B) {
		b.ReportAllocs()
		n := ctxtree.New(context.Background(), "n", 0)
		defer n.Cancel(nil)
		ctx, cancel := context.WithCancel(context.WithValue(n.Context(), struct{ k int }{}, 2))
		defer cancel()
		for b.Loop() {
			_ = ctxtree.From(ctx)
		}
	})
}

// BenchmarkSnapshot measures a snapshot of a tree of 1 + 10 + 100 nodes.
func BenchmarkSnapshot(b *testing.B) {
	b.ReportAllocs()
	root := ctxtree.New(context.Background(), "root", time.Hour)
	defer root.Cancel(nil)
	for range 10 {
		mid := root.Child("mid", 0)
		defer mid.Cancel(nil)
		for range 10 {
			leaf := mid.Child("leaf", time.Minute)
			defer leaf.Cancel(nil)
		}
	}
	for b.Loop() {
		_ = root.Snapshot()
	}
}

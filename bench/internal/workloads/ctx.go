package workloads

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gmpkit/gmpkit/ctxtree"
)

// CtxImpls lists the ctx family's implementations, the stdlib first.
var CtxImpls = []string{CtxStdlib, CtxTree}

// ctxBudget is every node's budget in the ctx workload: long enough never to
// fire, so that each node arms (and cancel disarms) a timer, as a request's
// time budget does.
const ctxBudget = time.Hour

var errCtxDone = errors.New("workloads: ctx tree canceled")

// CtxTreeOp returns one operation of the ctx workload on impl: build a tree
// of contexts, fanout children per node down to depth, each with a time
// budget, then cancel it from the root and check that every leaf is done.
func CtxTreeOp(impl string, fanout, depth int) (func() error, error) {
	if fanout < 1 || depth < 0 {
		return nil, fmt.Errorf("workloads: CtxTreeOp called with fanout %d, depth %d", fanout, depth)
	}
	names := make([]string, fanout)
	for i := range names {
		names[i] = "child-" + strconv.Itoa(i)
	}
	checkLeaves := func(leaves []context.Context) error {
		for _, l := range leaves {
			if l.Err() == nil {
				return fmt.Errorf("workloads: %s leaf not canceled with its root", impl)
			}
		}
		return nil
	}
	switch impl {
	case CtxStdlib:
		return func() error {
			root, cancel := context.WithCancelCause(context.Background())
			var leaves []context.Context
			var cancels []context.CancelFunc
			var grow func(ctx context.Context, d int)
			grow = func(ctx context.Context, d int) {
				if d == depth {
					leaves = append(leaves, ctx)
					return
				}
				for range names {
					c, cf := context.WithTimeout(ctx, ctxBudget)
					cancels = append(cancels, cf)
					grow(c, d+1)
				}
			}
			grow(root, 0)
			cancel(errCtxDone)
			for _, cf := range cancels {
				cf()
			}
			return checkLeaves(leaves)
		}, nil
	case CtxTree:
		return func() error {
			root := ctxtree.New(context.Background(), "root", ctxBudget)
			var leaves []context.Context
			var grow func(n *ctxtree.Node, d int)
			grow = func(n *ctxtree.Node, d int) {
				if d == depth {
					leaves = append(leaves, n.Context())
					return
				}
				for _, name := range names {
					grow(n.Child(name, ctxBudget), d+1)
				}
			}
			grow(root, 0)
			root.Cancel(errCtxDone)
			return checkLeaves(leaves)
		}, nil
	}
	return nil, fmt.Errorf("workloads: unknown ctx implementation %q", impl)
}

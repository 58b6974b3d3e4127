package workloads

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	concpool "github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"

	"github.com/gmpkit/gmpkit/workpool"
)

// ImplErrgroupLimit is errgroup with SetLimit(GOMAXPROCS), the bounded
// form of the groups family (ImplErrgroup is the unbounded one).
const ImplErrgroupLimit = "errgroup-limit"

// GroupImpls lists the groups family's implementations, the baseline
// (errgroup) first.
var GroupImpls = []string{ImplErrgroup, ImplErrgroupLimit, ImplConc, ImplGmpkit}

// GroupTaskIters is the Spin rounds of a group task: 800 rounds, about
// 1 µs (ten TinyIters tasks), the grain at which people reach for a group.
const GroupTaskIters = 800

// ErrEarly is the error of the task that fails in the fail-early workload.
var ErrEarly = errors.New("workloads: task failed early")

// Grouper runs batches of tasks as an error group whose first error
// cancels the group's context: errgroup.WithContext, conc's ContextPool
// (WithCancelOnError, WithFirstError), or gmpkit's Group and ResultGroup.
type Grouper interface {
	// Run runs task(ctx, i) for i in [0, n) in one group and returns the
	// group's first error.
	Run(ctx context.Context, n int, task func(ctx context.Context, i int) error) error
	// Collect runs task(ctx, i) for i in [0, n) in one group and returns
	// their results: in Go order for errgroup (each task writes its slot)
	// and gmpkit's ResultGroup, in completion order for conc v0.3.0's
	// ResultContextPool, which documents that it does not keep the order.
	Collect(ctx context.Context, n int, task func(ctx context.Context, i int) (int, error)) ([]int, error)
	// Close releases the implementation's goroutines.
	Close()
}

// NewGrouper returns the Grouper of impl, one of GroupImpls; the bounded
// forms and gmpkit's pool take GOMAXPROCS.
func NewGrouper(impl string) (Grouper, error) {
	switch impl {
	case ImplErrgroup:
		return errGrouper{}, nil
	case ImplErrgroupLimit:
		return errGrouper{limit: runtime.GOMAXPROCS(0)}, nil
	case ImplConc:
		return concGrouper{}, nil
	case ImplGmpkit:
		return gmpkitGrouper{workpool.New(workpool.WithName("bench-groups"))}, nil
	}
	return nil, fmt.Errorf("workloads: no group for %q", impl)
}

type errGrouper struct{ limit int }

func (e errGrouper) group(ctx context.Context) (*errgroup.Group, context.Context) {
	g, ctx := errgroup.WithContext(ctx)
	if e.limit > 0 {
		g.SetLimit(e.limit)
	}
	return g, ctx
}

func (e errGrouper) Run(ctx context.Context, n int, task func(context.Context, int) error) error {
	g, ctx := e.group(ctx)
	for i := range n {
		g.Go(func() error { return task(ctx, i) })
	}
	return g.Wait()
}

func (e errGrouper) Collect(ctx context.Context, n int, task func(context.Context, int) (int, error)) ([]int, error) {
	g, ctx := e.group(ctx)
	out := make([]int, n)
	for i := range n {
		g.Go(func() (err error) { out[i], err = task(ctx, i); return err })
	}
	return out, g.Wait()
}

func (errGrouper) Close() {}

type concGrouper struct{}

func (concGrouper) Run(ctx context.Context, n int, task func(context.Context, int) error) error {
	p := concpool.New().WithContext(ctx).WithCancelOnError().WithFirstError()
	for i := range n {
		p.Go(func(ctx context.Context) error { return task(ctx, i) })
	}
	return p.Wait()
}

func (concGrouper) Collect(ctx context.Context, n int, task func(context.Context, int) (int, error)) ([]int, error) {
	p := concpool.NewWithResults[int]().WithContext(ctx).WithCancelOnError().WithFirstError()
	for i := range n {
		p.Go(func(ctx context.Context) (int, error) { return task(ctx, i) })
	}
	return p.Wait()
}

func (concGrouper) Close() {}

type gmpkitGrouper struct{ pool *workpool.Pool }

func (g gmpkitGrouper) Run(ctx context.Context, n int, task func(context.Context, int) error) error {
	gr := g.pool.NewGroup(ctx)
	for i := range n {
		gr.Go(func(ctx context.Context) error { return task(ctx, i) })
	}
	return gr.Wait()
}

func (g gmpkitGrouper) Collect(ctx context.Context, n int, task func(context.Context, int) (int, error)) ([]int, error) {
	gr := workpool.NewResultGroup[int](g.pool, ctx)
	for i := range n {
		gr.Go(func(ctx context.Context) (int, error) { return task(ctx, i) })
	}
	return gr.Wait()
}

func (g gmpkitGrouper) Close() { _ = g.pool.Close() }

// GroupWork is a group task's work: Spin(GroupTaskIters), about 1 µs, its
// result published to a sink.
func GroupWork() { sink.Add(Spin(GroupTaskIters)) }

// GroupKeepsOrder reports whether impl's Collect returns results in Go
// order (conc v0.3.0's result pools return them in completion order).
func GroupKeepsOrder(impl string) bool { return impl != ImplConc }

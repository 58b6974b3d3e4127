package workpool_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gmpkit/gmpkit/workpool"
)

// TestZeroPool_EveryMethodPanicsNamingNew: a Pool not made by New must not
// accept a task and drop it, nor crash somewhere deep; every method panics
// with a message that names workpool.New.
func TestZeroPool_EveryMethodPanicsNamingNew(t *testing.T) {
	calls := map[string]func(p *workpool.Pool){
		"Submit":        func(p *workpool.Pool) { _ = p.Submit(func() {}) },
		"TrySubmit":     func(p *workpool.Pool) { _ = p.TrySubmit(func() {}) },
		"SubmitContext": func(p *workpool.Pool) { _ = p.SubmitContext(context.Background(), func(context.Context) {}) },
		"Wait":          func(p *workpool.Pool) { _ = p.Wait() },
		"Close":         func(p *workpool.Pool) { _ = p.Close() },
		"Shutdown":      func(p *workpool.Pool) { _ = p.Shutdown(context.Background()) },
		"Stats":         func(p *workpool.Pool) { _ = p.Stats() },
		"Run":           func(p *workpool.Pool) { _ = p.Run(context.Background(), func(*workpool.Worker) error { return nil }) },
		"For":           func(p *workpool.Pool) { _ = p.For(context.Background(), 0, 1, func(*workpool.Worker, int) {}) },
		"NewGroup":      func(p *workpool.Pool) { _ = p.NewGroup(context.Background()) },
		"Resize":        func(p *workpool.Pool) { _ = p.Resize(2) },
		"Blocking":      func(p *workpool.Pool) { p.Blocking(func() {}) },
		"Name":          func(p *workpool.Pool) { _ = p.Name() },
		"Workers":       func(p *workpool.Pool) { _ = p.Workers() },
	}
	for method, call := range calls {
		for _, p := range []*workpool.Pool{new(workpool.Pool), nil} {
			t.Run(fmt.Sprintf("%s/nil=%v", method, p == nil), func(t *testing.T) {
				defer func() {
					r := recover()
					assert.NotNil(t, r, "Pool.%s on a zero Pool did not panic", method)
					assert.Contains(t, fmt.Sprint(r), "workpool.New")
				}()
				call(p)
			})
		}
	}
}

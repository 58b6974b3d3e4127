package runtimemetrics

import (
	"expvar"
	"fmt"
)

// PublishExpvar publishes the runtime's metrics, with the default selection
// and layouts, in the expvar package under name, as [Sampler.PublishExpvar]
// does. It reads from the same Sampler as [Handler].
func PublishExpvar(name string) { defaultSampler().PublishExpvar(name) }

// PublishExpvar publishes the Sampler's metrics in the expvar package under
// name, so that /debug/vars shows them. Each time the variable is read it
// reads a fresh sample: the same JSON document as [Sampler.Handler], with
// SLIs over the life of the process.
//
// Unlike expvar's own "memstats" it never calls runtime.ReadMemStats, which
// stops the world (golang/go#43555): runtime/metrics reads without a
// stop-the-world pause.
//
// PublishExpvar panics, as expvar.Publish does, if name is already
// published, and if name is empty.
func (s *Sampler) PublishExpvar(name string) {
	if name == "" {
		panic("runtimemetrics: PublishExpvar called with empty name")
	}
	if expvar.Get(name) != nil {
		panic(fmt.Sprintf("runtimemetrics: PublishExpvar called with name %q, which is already published", name))
	}
	expvar.Publish(name, expvar.Func(func() any {
		var sn Snapshot
		s.Read(&sn)
		return sn.document(nil)
	}))
}

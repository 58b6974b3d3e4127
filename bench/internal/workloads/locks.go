package workloads

import (
	"github.com/puzpuzpuz/xsync/v4"

	"github.com/gmpkit/gmpkit/mutexbench"
)

// RBMutex is xsync's reader-biased RWMutex plugged into mutexbench through
// its Store interface: readers take a per-reader slot and return its token
// to RUnlock, writers take the lock exclusively.
func RBMutex() mutexbench.Lock {
	return mutexbench.Lock{Name: "rbmutex", New: func(d *mutexbench.Data) mutexbench.Store {
		return &rbStore{mu: xsync.NewRBMutex(), d: d}
	}}
}

type rbStore struct {
	mu *xsync.RBMutex
	d  *mutexbench.Data
}

func (s *rbStore) Read(fn func(d *mutexbench.Data)) {
	t := s.mu.RLock()
	fn(s.d)
	s.mu.RUnlock(t)
}

func (s *rbStore) Write(fn func(d *mutexbench.Data)) {
	s.mu.Lock()
	fn(s.d)
	s.mu.Unlock()
}

// LockSchemes returns mutexbench's built-in schemes (Mutex, RWMutex,
// copy-on-write, sharded) followed by RBMutex.
func LockSchemes() []mutexbench.Lock {
	return append(mutexbench.Locks(), RBMutex())
}

package mutexbench

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
)

// Data is the state a [Store] protects. A benchmark's reads and writes run
// their critical-section work over Table, and every write moves one unit
// from B to A, so that A+B is zero outside a Write and A counts the writes
// that have been applied. A reader that sees A+B != 0 has observed a write in
// progress: the lock failed.
type Data struct {
	A, B  int64    // A+B == 0 outside a Write; A counts applied writes
	Table []uint64 // the protected data; its length is Scenario.DataSize
}

// NewData returns a Data with a Table of size entries, filled with
// deterministic non-zero values, and A == B == 0. It panics if size is not
// positive.
func NewData(size int) *Data {
	if size <= 0 {
		panic(fmt.Sprintf("mutexbench: NewData called with non-positive size %d", size))
	}
	d := &new(paddedData).d
	d.Table = make([]uint64, size)
	x := uint64(0x9e3779b97f4a7c15)
	for i := range d.Table {
		x = splitmix(x)
		d.Table[i] = x | 1
	}
	return d
}

// Clone returns a deep copy of d, for copy-on-write stores: the copy shares
// no memory with d.
func (d *Data) Clone() *Data {
	c := &Data{A: d.A, B: d.B, Table: make([]uint64, len(d.Table))}
	copy(c.Table, d.Table)
	return c
}

// padLen keeps what every operation reads or writes (a store's lock word,
// Data's header) on cache lines of its own: otherwise whether an unrelated
// object (a worker's closure, another store) shares the line depends on
// where the allocator put it, and a ratio can differ by 40% between two
// runs of the same program. 128 bytes covers the adjacent-line prefetcher
// on amd64 (the runtime pads its per-P structures the same way, see
// internal/cpu.CacheLinePadSize).
const padLen = 128

type paddedData struct {
	_ [padLen]byte
	d Data
	_ [padLen]byte
}

// Store is a guarded [Data]: the one interface every compared lock
// implements. It is deliberately one level above a lock, so that schemes that
// are not a lock pair (copy-on-write, whose readers take no lock at all, or
// xsync.RBMutex, whose RLock returns a token that RUnlock takes) fit too.
//
// Read calls fn with a view of the data that no Write modifies while fn
// runs; fn must not modify the data or retain d after it returns. Write calls
// fn with exclusive, mutable access. The return of a Write synchronizes
// before every Read and Write that starts after it: they observe its effect.
// Read and Write may be called from any number of goroutines at once.
type Store interface {
	Read(fn func(d *Data))
	Write(fn func(d *Data))
}

// A Lock names a locking scheme and makes guarded stores with it. Run calls
// New once per run with fresh data; the Store it returns owns d from then on.
//
// A user's own scheme is a Lock value:
//
//	mutexbench.Lock{Name: "rbmutex", New: func(d *mutexbench.Data) mutexbench.Store {
//		return &rbStore{d: d} // Read: t := mu.RLock(); fn(s.d); mu.RUnlock(t)
//	}}
type Lock struct {
	Name string              // short, unique, used in benchmark names and rows: "rwmutex"
	New  func(d *Data) Store // returns a Store guarding d
}

// Mutex returns the [sync.Mutex] scheme: reads and writes both take the one
// exclusive lock. It is the baseline every other scheme is compared with.
func Mutex() Lock {
	return Lock{Name: "mutex", New: func(d *Data) Store { return &mutexStore{d: d} }}
}

// RWMutex returns the [sync.RWMutex] scheme: reads take RLock, writes Lock.
func RWMutex() Lock {
	return Lock{Name: "rwmutex", New: func(d *Data) Store { return &rwStore{d: d} }}
}

// CopyOnWrite returns the copy-on-write scheme: readers load an
// [atomic.Pointer] and take no lock; a writer, serialized with other writers
// by a [sync.Mutex], clones the whole Data, applies its change to the clone
// and publishes it with one atomic store. Reads cost one atomic load; writes
// cost a copy of the data, so it suits small, read-mostly data.
func CopyOnWrite() Lock {
	return Lock{Name: "cow", New: func(d *Data) Store {
		s := &cowStore{}
		s.p.Store(d)
		return s
	}}
}

// Sharded returns a sharded reader lock with n shards, each a padded
// [sync.RWMutex]: a reader read-locks one shard chosen at random, so readers
// on different shards touch different cache lines; a writer write-locks every
// shard in index order. n == 0 means runtime.GOMAXPROCS(0) at the time the
// store is made. Its Name is "sharded" for n == 0 and "sharded4" (say) for
// n == 4. Sharded panics if n is negative.
func Sharded(n int) Lock {
	if n < 0 {
		panic(fmt.Sprintf("mutexbench: Sharded called with negative shard count %d", n))
	}
	name := "sharded"
	if n > 0 {
		name = fmt.Sprintf("sharded%d", n)
	}
	return Lock{Name: name, New: func(d *Data) Store {
		k := n
		if k == 0 {
			k = runtime.GOMAXPROCS(0)
		}
		return &shardedStore{d: d, shards: make([]paddedRWMutex, k)}
	}}
}

// Locks returns the built-in schemes in a fixed order: Mutex, RWMutex,
// CopyOnWrite and Sharded(0).
func Locks() []Lock {
	return []Lock{Mutex(), RWMutex(), CopyOnWrite(), Sharded(0)}
}

type mutexStore struct {
	_  [padLen]byte
	mu sync.Mutex
	d  *Data
	_  [padLen]byte
}

func (s *mutexStore) Read(fn func(d *Data)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s.d)
}

func (s *mutexStore) Write(fn func(d *Data)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s.d)
}

type rwStore struct {
	_  [padLen]byte
	mu sync.RWMutex
	d  *Data
	_  [padLen]byte
}

func (s *rwStore) Read(fn func(d *Data)) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	fn(s.d)
}

func (s *rwStore) Write(fn func(d *Data)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s.d)
}

type cowStore struct {
	_   [padLen]byte
	wmu sync.Mutex // serializes writers; readers never touch it
	p   atomic.Pointer[Data]
	_   [padLen]byte
}

func (s *cowStore) Read(fn func(d *Data)) { fn(s.p.Load()) }

func (s *cowStore) Write(fn func(d *Data)) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	c := s.p.Load().Clone()
	fn(c)
	s.p.Store(c)
}

// paddedRWMutex keeps each shard on its own cache lines, so that readers of
// different shards do not share the line their RLock writes.
type paddedRWMutex struct {
	sync.RWMutex
	_ [padLen]byte
}

type shardedStore struct {
	_      [padLen]byte
	shards []paddedRWMutex
	d      *Data
	_      [padLen]byte
}

func (s *shardedStore) Read(fn func(d *Data)) {
	m := &s.shards[rand.IntN(len(s.shards))]
	m.RLock()
	defer m.RUnlock()
	fn(s.d)
}

func (s *shardedStore) Write(fn func(d *Data)) {
	for i := range s.shards {
		s.shards[i].Lock()
	}
	defer func() {
		for i := len(s.shards) - 1; i >= 0; i-- {
			s.shards[i].Unlock()
		}
	}()
	fn(s.d)
}

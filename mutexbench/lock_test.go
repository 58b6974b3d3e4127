package mutexbench_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/gmpkit/gmpkit/mutexbench"
)

// stressOps is the number of operations per goroutine in the lock stress
// tests.
func stressOps() int {
	if raceEnabled || testing.Short() {
		return 2000
	}
	return 20000
}

func allLocks() []mutexbench.Lock {
	return append(mutexbench.Locks(), mutexbench.Sharded(3))
}

// TestLocks_KeepTwoFieldSumConstant hammers every built-in Store from eight
// goroutines: each write moves a unit from B to A and stamps A into the
// first and last table entries, and every read checks that A+B == 0 and
// that both stamps equal A. At the end A must equal the number of writes.
func TestLocks_KeepTwoFieldSumConstant(t *testing.T) {
	const goroutines = 8
	for _, l := range allLocks() {
		t.Run(l.Name, func(t *testing.T) {
			st := l.New(mutexbench.NewData(64))
			n := stressOps()
			var (
				mu                sync.Mutex
				writes, violating int
				wg                sync.WaitGroup
			)
			for g := range goroutines {
				wg.Go(func() {
					w, bad := 0, 0
					for i := range n {
						if (i+g)%4 == 0 {
							st.Write(func(d *mutexbench.Data) {
								d.A++
								d.Table[0] = uint64(d.A)
								d.Table[len(d.Table)-1] = uint64(d.A)
								d.B--
							})
							w++
							continue
						}
						st.Read(func(d *mutexbench.Data) {
							a := d.A
							first, last := d.Table[0], d.Table[len(d.Table)-1]
							if a+d.B != 0 || (a > 0 && (first != uint64(a) || last != uint64(a))) {
								bad++
							}
						})
					}
					mu.Lock()
					writes += w
					violating += bad
					mu.Unlock()
				})
			}
			wg.Wait()
			if violating != 0 {
				t.Errorf("%d reads saw a broken invariant", violating)
			}
			st.Read(func(d *mutexbench.Data) {
				if d.A != int64(writes) || d.A+d.B != 0 {
					t.Errorf("after %d writes: A = %d, B = %d; want A = %d, A+B = 0", writes, d.A, d.B, writes)
				}
			})
		})
	}
}

// TestLocks_RunFindsNoViolations runs the real workload against every
// built-in lock; Run's own invariant checks must find nothing.
func TestLocks_RunFindsNoViolations(t *testing.T) {
	for _, l := range allLocks() {
		t.Run(l.Name, func(t *testing.T) {
			s := mutexbench.Scenario{ReadPercent: 50, Goroutines: 4, Ops: 2000, WriteWork: 50, ReadWork: 50, DataSize: 128}
			r, err := mutexbench.Run(context.Background(), s, l)
			if err != nil {
				t.Fatal(err)
			}
			if r.Violations != 0 {
				t.Errorf("Violations = %d, want 0", r.Violations)
			}
			if r.Ops != 2000 || r.Reads+r.Writes != r.Ops {
				t.Errorf("Ops = %d (reads %d + writes %d), want 2000", r.Ops, r.Reads, r.Writes)
			}
		})
	}
}

// lossyLock is a broken Store: every other Write is applied to a copy that
// is thrown away. It is broken deterministically, so Run must notice.
func lossyLock() mutexbench.Lock {
	return mutexbench.Lock{Name: "lossy", New: func(d *mutexbench.Data) mutexbench.Store {
		return &lossyStore{d: d}
	}}
}

type lossyStore struct {
	mu sync.Mutex
	n  int
	d  *mutexbench.Data
}

func (s *lossyStore) Read(fn func(*mutexbench.Data)) { s.mu.Lock(); defer s.mu.Unlock(); fn(s.d) }
func (s *lossyStore) Write(fn func(*mutexbench.Data)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	if s.n%2 == 0 {
		fn(s.d.Clone())
		return
	}
	fn(s.d)
}

func TestRun_CountsWritesLostByABrokenStore(t *testing.T) {
	r, err := mutexbench.Run(context.Background(), mutexbench.Scenario{Goroutines: 2, Ops: 100}, lossyLock())
	if err != nil {
		t.Fatal(err)
	}
	if r.Writes != 100 || r.Violations != 50 {
		t.Errorf("Writes = %d, Violations = %d; want 100 writes of which 50 lost", r.Writes, r.Violations)
	}
}

// TestCopyOnWrite_ReaderKeepsItsSnapshot checks the copy-on-write contract:
// a Write completes while a Read is in progress, without changing what that
// Read sees, and the next Read sees the write.
func TestCopyOnWrite_ReaderKeepsItsSnapshot(t *testing.T) {
	st := mutexbench.CopyOnWrite().New(mutexbench.NewData(8))
	st.Read(func(d *mutexbench.Data) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			st.Write(func(d *mutexbench.Data) { d.A++; d.Table[0] = 42; d.B-- })
		}()
		<-done // a lock would deadlock here; copy-on-write must not
		if d.A != 0 || d.Table[0] == 42 {
			t.Errorf("reader's snapshot changed under it: A = %d, Table[0] = %d", d.A, d.Table[0])
		}
	})
	st.Read(func(d *mutexbench.Data) {
		if d.A != 1 || d.Table[0] != 42 {
			t.Errorf("after the write: A = %d, Table[0] = %d; want 1, 42", d.A, d.Table[0])
		}
	})
}

func TestLocks_NamesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, l := range allLocks() {
		if seen[l.Name] || l.Name == "" || l.New == nil {
			t.Errorf("lock %q: duplicate, unnamed or without New", l.Name)
		}
		seen[l.Name] = true
	}
	if !seen["mutex"] || !seen["rwmutex"] || !seen["cow"] || !seen["sharded"] || !seen["sharded3"] {
		t.Errorf("names = %v", seen)
	}
}

func TestData_CloneSharesNoMemory(t *testing.T) {
	d := mutexbench.NewData(4)
	c := d.Clone()
	c.Table[0]++
	c.A++
	if d.Table[0] == c.Table[0] || d.A == c.A {
		t.Errorf("Clone shares memory with the original")
	}
}

func TestProgrammerErrors_PanicNamingFunctionAndValue(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		f          func()
	}{
		{"Sharded", "mutexbench: Sharded called with negative shard count -1", func() { mutexbench.Sharded(-1) }},
		{"NewData", "mutexbench: NewData called with non-positive size 0", func() { mutexbench.NewData(0) }},
		{"WithRounds", "mutexbench: WithRounds called with n = 0", func() { mutexbench.WithRounds(0) }},
		{"CompareRounds", "mutexbench: CompareRounds called with 1 baseline and 2 candidate rounds", func() {
			mutexbench.CompareRounds([]float64{1}, []float64{1, 2})
		}},
		{"WithResolution", "mutexbench: WithResolution called with -1", func() { mutexbench.WithResolution(-1) }},
		{"WithMeasure", "mutexbench: WithMeasure called with a nil MeasureFunc", func() { mutexbench.WithMeasure(nil) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, tc.want) {
					t.Errorf("panic %q, want prefix %q", msg, tc.want)
				}
			}()
			tc.f()
		})
	}
}

package mutexbench

import (
	"errors"
	"fmt"
	"runtime"
	"time"
)

// ErrInvalidScenario is wrapped by the error Run, Compare, Matrix and
// Crossover return when a Scenario or its lock is unusable; the message names the
// field and the bad value.
var ErrInvalidScenario = errors.New("mutexbench: invalid scenario")

// Defaults a zero Scenario field takes. defaultDataSize is a table large
// enough that copy-on-write's copies show; defaultDuration is long enough
// for a few hundred thousand operations on 2 cores; defaultSampleEvery
// keeps the two clock reads of a timed operation (about 40 ns together)
// under a tenth of the cost of a 50 ns operation, averaged.
const (
	defaultDataSize    = 1024
	defaultDuration    = 100 * time.Millisecond
	defaultSampleEvery = 8
)

// A Scenario describes one workload: which operations, how much work inside
// and outside the lock, over how much data, by how many goroutines, for how
// long. The zero value is a valid scenario: all writes, no work, GOMAXPROCS
// goroutines, 1024 entries, for 100 ms.
type Scenario struct {
	// ReadPercent is the share of operations that are reads, from 0 to 100.
	ReadPercent float64
	// Goroutines is the number of goroutines issuing operations; 0 means
	// the GOMAXPROCS in effect during the run.
	Goroutines int
	// GOMAXPROCS, when positive, is set for the duration of the run and
	// restored afterwards. It is process-wide: do not run such a Scenario
	// while something else in the process depends on GOMAXPROCS.
	GOMAXPROCS int
	// ReadWork and WriteWork are the critical-section lengths of a read
	// and a write, done as calibrated work over the data (see UnitCost),
	// never as a sleep.
	ReadWork, WriteWork time.Duration
	// OutsideWork is calibrated work each goroutine does between two
	// operations, outside the lock, on its own data.
	OutsideWork time.Duration
	// DataSize is the number of uint64 entries in the protected table; 0
	// means 1024. Copy-on-write copies all of it on each write.
	DataSize int
	// Duration bounds the run's wall-clock time and Ops its operation
	// count; the run ends at whichever comes first. Both zero means
	// Duration = 100 ms.
	Duration time.Duration
	Ops      int
	// SampleEvery makes each goroutine time one operation in SampleEvery
	// (0 means 8, 1 times every operation). Only timed
	// operations feed latency percentiles and the longest writer wait.
	SampleEvery int
}

// normalized validates s and returns it with defaults filled in, except
// Goroutines, which depends on the GOMAXPROCS in effect during the run.
func (s Scenario) normalized() (Scenario, error) {
	bad := func(field string, v any) (Scenario, error) {
		return s, fmt.Errorf("%w: %s is %v", ErrInvalidScenario, field, v)
	}
	switch {
	case !(s.ReadPercent >= 0 && s.ReadPercent <= 100): // also catches NaN
		return bad("ReadPercent (want 0 to 100)", s.ReadPercent)
	case s.Goroutines < 0:
		return bad("Goroutines", s.Goroutines)
	case s.GOMAXPROCS < 0:
		return bad("GOMAXPROCS", s.GOMAXPROCS)
	case s.ReadWork < 0:
		return bad("ReadWork", s.ReadWork)
	case s.WriteWork < 0:
		return bad("WriteWork", s.WriteWork)
	case s.OutsideWork < 0:
		return bad("OutsideWork", s.OutsideWork)
	case s.DataSize < 0:
		return bad("DataSize", s.DataSize)
	case s.Duration < 0:
		return bad("Duration", s.Duration)
	case s.Ops < 0:
		return bad("Ops", s.Ops)
	case s.SampleEvery < 0:
		return bad("SampleEvery", s.SampleEvery)
	}
	if s.DataSize == 0 {
		s.DataSize = defaultDataSize
	}
	if s.Duration == 0 && s.Ops == 0 {
		s.Duration = defaultDuration
	}
	if s.SampleEvery == 0 {
		s.SampleEvery = defaultSampleEvery
	}
	return s, nil
}

func (s Scenario) goroutines() int {
	if s.Goroutines > 0 {
		return s.Goroutines
	}
	return runtime.GOMAXPROCS(0)
}

func checkLock(l Lock) error {
	if l.New == nil {
		return fmt.Errorf("%w: Lock %q has a nil New", ErrInvalidScenario, l.Name)
	}
	if l.Name == "" {
		return fmt.Errorf("%w: Lock has an empty Name", ErrInvalidScenario)
	}
	return nil
}

package steal

import "strconv"

// A Policy says which end of its own queue an owner takes from.
// Thieves always take the oldest item, whatever the policy.
type Policy uint8

const (
	// LIFO makes the owner take its newest item first: depth-first,
	// cache-hot. It wins for fork-join and divide-and-conquer work, where a
	// task's children touch the data the parent just touched and running
	// them first bounds the queue to the depth of the recursion; thieves
	// then take the oldest, largest pieces. This is the default of rayon and
	// of Java's ForkJoinPool. Its cost is unfairness: under a steady stream
	// of new work the oldest item can wait until a thief takes it.
	LIFO Policy = iota

	// FIFO makes the owner take its oldest item first: fair, breadth-first.
	// It wins for independent tasks submitted from outside (request
	// handlers, event processing), where latency should track arrival order
	// and no task should starve behind newer ones. This is the order of Go's
	// own run queue and of ForkJoinPool in asyncMode. Its cost is locality
	// and, for recursive work, a queue that grows to the width of the tree.
	FIFO
)

// String returns "LIFO" or "FIFO", or "Policy(n)" for any other value.
func (p Policy) String() string {
	switch p {
	case LIFO:
		return "LIFO"
	case FIFO:
		return "FIFO"
	}
	return "Policy(" + strconv.Itoa(int(p)) + ")"
}

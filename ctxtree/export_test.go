package ctxtree

// Hooks for the model test (model_test.go), which checks what the tree does
// inside against what the model predicts.

// Timed reports whether n has a timer of its own: whether its own budget,
// not an ancestor's, is the one that binds.
func Timed(n *Node) bool { return n.timed }

// StopArmedTimer reports whether n's timer was still set to fire, and stops
// it if so. After n's tree has ended, it must report false for every node.
func StopArmedTimer(n *Node) bool { return n.timer != nil && n.timer.Stop() }

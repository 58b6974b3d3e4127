package main

import "context"

// firstNoCancel is first with defer cancel() dropped (the exercise
// no-cancel): nothing cancels ctx when the first answer is in, so the losers
// wait in their select until the caller's own context ends.
func firstNoCancel(ctx context.Context, query string) (string, error) {
	ctx, cancel := context.WithCancel(ctx)
	_ = cancel // the exercise: never called (go vet's lostcancel check flags this when cancel is merely unused)
	return firstWith(ctx, query)
}

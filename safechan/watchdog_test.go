package safechan_test

import (
	"runtime"
	"testing"
	"time"
)

// hangBound bounds a call or a round that must return. It is far longer
// than any scheduling delay, so whatever exceeds it is stuck, not slow.
const hangBound = 30 * time.Second

// watchdog fails t, with a dump of every goroutine, unless the returned
// stop is called within hangBound. It then calls rescue, which must make
// the stuck calls return (by closing the Chan or ending their contexts), so
// that the test reports the hang instead of hanging. stop waits for the
// watchdog to finish, so it never reports after the test has ended.
func watchdog(t *testing.T, what string, rescue func()) (stop func()) {
	t.Helper()
	quit, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		timer := time.NewTimer(hangBound)
		defer timer.Stop()
		select {
		case <-quit:
		case <-timer.C:
			buf := make([]byte, 1<<22)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("%s did not return within %v; every goroutine:\n%s", what, hangBound, buf)
			rescue()
		}
	}()
	return func() {
		close(quit)
		<-exited
	}
}

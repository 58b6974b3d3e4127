package ctxtree

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"
)

// Header is the HTTP request header that carries the caller's remaining
// budget from one service to the next, in the format of gRPC's grpc-timeout
// header: 1 to 8 ASCII digits followed by one unit letter, H (hours),
// M (minutes), S (seconds), m (milliseconds), u (microseconds) or
// n (nanoseconds). "150m" is 150 milliseconds. [Transport] writes it and
// [Middleware] reads it.
//
// The name is our own: grpc-timeout itself is reserved for gRPC, whose
// servers would act on it, and RFC 6648 advises against an "X-" prefix.
const Header = "Ctxtree-Timeout"

// maxDigits is the longest value grpc-timeout allows ("TimeoutValue → {positive
// integer as ASCII string of at most 8 digits}" in gRPC's PROTOCOL-HTTP2.md).
// It also bounds the work a hostile value can cause: a value is rejected at
// its ninth digit.
const maxDigits = 8

// ErrInvalidTimeout is wrapped by every error [ParseTimeout] returns.
var ErrInvalidTimeout = errors.New("ctxtree: invalid timeout")

type timeoutError struct {
	value  string
	reason string
}

func (e *timeoutError) Error() string {
	v := e.value
	if len(v) > 20 {
		v = v[:20] + "..."
	}
	return "ctxtree: invalid timeout " + strconv.Quote(v) + ": " + e.reason
}

func (e *timeoutError) Unwrap() error { return ErrInvalidTimeout }

// units in the order FormatTimeout tries them: finest first.
var units = [...]struct {
	letter byte
	d      time.Duration
}{
	{'n', time.Nanosecond},
	{'u', time.Microsecond},
	{'m', time.Millisecond},
	{'S', time.Second},
	{'M', time.Minute},
	{'H', time.Hour},
}

// ParseTimeout parses a value of the [Header] format, such as "150m", into a
// duration. It never panics; it returns an error wrapping
// [ErrInvalidTimeout] that says what is wrong when s is empty, has no
// digits, more than 8 digits, a sign or any other non-digit, no unit or an
// unknown one, or a value that does not fit in a [time.Duration] (such as
// "99999999H", about 11,000 years).
func ParseTimeout(s string) (time.Duration, error) {
	if s == "" {
		return 0, &timeoutError{s, "empty"}
	}
	digits := 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		digits++
		if digits > maxDigits {
			return 0, &timeoutError{s, fmt.Sprintf("more than %d digits", maxDigits)}
		}
	}
	if digits == 0 {
		return 0, &timeoutError{s, "want 1 to 8 ASCII digits then a unit, found " + firstChar(s)}
	}
	if digits == len(s) {
		return 0, &timeoutError{s, "missing unit (want H, M, S, m, u or n)"}
	}
	var unit time.Duration
	for _, u := range units {
		if u.letter == s[digits] {
			unit = u.d
		}
	}
	if unit == 0 {
		return 0, &timeoutError{s, "unknown unit " + firstChar(s[digits:]) + " (want H, M, S, m, u or n)"}
	}
	if digits+1 != len(s) {
		return 0, &timeoutError{s, "want exactly one unit letter after the digits, found more: " + firstChar(s[digits+1:])}
	}
	v, _ := strconv.ParseInt(s[:digits], 10, 64) // at most 8 digits: cannot fail
	if v > int64(1<<63-1)/int64(unit) {
		return 0, &timeoutError{s, "overflows time.Duration (at most about 292 years)"}
	}
	return time.Duration(v) * unit, nil
}

// firstChar quotes the first character of s, or its first byte if s does
// not start with valid UTF-8.
func firstChar(s string) string {
	_, size := utf8.DecodeRuneInString(s)
	return strconv.Quote(s[:size])
}

// FormatTimeout formats d in the [Header] format, in the finest unit whose
// value fits in 8 digits, rounding down so that the receiver is never
// promised more time than the sender has. A d of 0 or less formats as "0n",
// which [Middleware] treats as a budget already spent. Durations beyond
// 99999999 hours cannot occur, since time.Duration ends at about 2,562,047
// hours.
func FormatTimeout(d time.Duration) string {
	if d <= 0 {
		return "0n"
	}
	const limit = 100_000_000 // 10^maxDigits
	for _, u := range units {
		if v := d / u.d; v < limit {
			return strconv.FormatInt(int64(v), 10) + string(u.letter)
		}
	}
	return strconv.FormatInt(int64(d/time.Hour), 10) + "H" // unreachable: see above
}

// Middleware returns a handler that roots a tree named name for each
// request and serves it with next, with the request's context replaced by
// the root's. If the request carries [Header], the root's budget is the
// caller's remaining budget it states ("0n": already spent, so the context
// is done from the start); if it does not, the root has no budget of its
// own. Either way the root's deadline is no later than that of the
// request's own context. The root ends, finished, when next returns. next can find the root
// with From(r.Context()) and build children under it.
//
// A request whose header does not parse is answered with 400 Bad Request
// and the reason, and next does not see it.
func Middleware(name string, next http.Handler, opts ...Option) http.Handler {
	if next == nil {
		panic("ctxtree: Middleware called with nil handler")
	}
	cfg := newConfig(opts)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var budget time.Duration
		has := false
		if vs := r.Header.Values(Header); len(vs) > 0 {
			d, err := ParseTimeout(vs[0])
			if err == nil && len(vs) > 1 {
				err = &timeoutError{vs[1], fmt.Sprintf("%d %s headers, want one", len(vs), Header)}
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			budget, has = d, true
		}
		root := newRoot(r.Context(), cfg.clock, name, budget, has)
		defer root.Cancel(nil)
		next.ServeHTTP(w, r.WithContext(root.Context()))
	})
}

// Transport returns a RoundTripper that sends each request through base
// (http.DefaultTransport if nil) with [Header] set to the time left until
// the deadline of the request's context, replacing any value the request
// had; a request whose context has no deadline is sent unchanged. The
// request passed in is not modified. If the deadline has already passed,
// the request is not sent: RoundTrip closes its body and returns an error
// wrapping context.Cause of the request's context (or
// [context.DeadlineExceeded] if the context is not yet done).
func Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{base: base}
}

type transport struct{ base http.RoundTripper }

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx := r.Context()
	dl, ok := ctx.Deadline()
	if !ok {
		return t.base.RoundTrip(r)
	}
	left := time.Until(dl)
	if left <= 0 {
		if r.Body != nil {
			r.Body.Close()
		}
		cause := context.Cause(ctx)
		if cause == nil {
			cause = context.DeadlineExceeded
		}
		return nil, fmt.Errorf("ctxtree: no budget left for %s %s: %w", r.Method, r.URL.Redacted(), cause)
	}
	r2 := new(http.Request)
	*r2 = *r
	r2.Header = r.Header.Clone()
	if r2.Header == nil {
		r2.Header = make(http.Header)
	}
	r2.Header.Set(Header, FormatTimeout(left))
	return t.base.RoundTrip(r2)
}

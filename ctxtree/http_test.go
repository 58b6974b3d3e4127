package ctxtree_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gmpkit/gmpkit/ctxtree"
)

func TestParseTimeout_AcceptsEveryUnit(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"0n":        0,
		"1n":        time.Nanosecond,
		"150m":      150 * time.Millisecond,
		"7u":        7 * time.Microsecond,
		"2S":        2 * time.Second,
		"3M":        3 * time.Minute,
		"4H":        4 * time.Hour,
		"99999999n": 99999999 * time.Nanosecond,
		"00000001S": time.Second,
		"2562047H":  2562047 * time.Hour, // the largest hour count a Duration holds
	} {
		got, err := ParseTimeoutOK(t, in)
		if err == nil && got != want {
			t.Errorf("ParseTimeout(%q) = %v, want %v", in, got, want)
		}
	}
}

func ParseTimeoutOK(t *testing.T, s string) (time.Duration, error) {
	t.Helper()
	d, err := ctxtree.ParseTimeout(s)
	if err != nil {
		t.Errorf("ParseTimeout(%q): %v", s, err)
	}
	return d, err
}

func TestParseTimeout_RejectsHostileValuesWithReason(t *testing.T) {
	for _, tc := range []struct{ in, reason string }{
		{"", "empty"},
		{"-5S", `found "-"`},
		{"+5S", `found "+"`},
		{" 5S", `found " "`},
		{"S", `found "S"`},
		{"٣S", `found "٣"`},
		{"5", "missing unit"},
		{"5x", `unknown unit "x"`},
		{"5s", `unknown unit "s"`},
		{"5é", `unknown unit "é"`},
		{"5\xff", `unknown unit "\xff"`},
		{"1.5S", `unknown unit "."`},
		{"5SS", `exactly one unit letter after the digits, found more: "S"`},
		{"5S ", `found more: " "`},
		{"123456789n", "more than 8 digits"},
		{strings.Repeat("9", 100) + "S", "more than 8 digits"},
		{"99999999H", "overflows time.Duration"},
		{"2562048H", "overflows time.Duration"},
	} {
		d, err := ctxtree.ParseTimeout(tc.in)
		if err == nil {
			t.Errorf("ParseTimeout(%q) = %v, want an error", tc.in, d)
			continue
		}
		if !errors.Is(err, ctxtree.ErrInvalidTimeout) || !strings.Contains(err.Error(), tc.reason) ||
			!strings.HasPrefix(err.Error(), "ctxtree: invalid timeout ") {
			t.Errorf("ParseTimeout(%q) error %q, want ErrInvalidTimeout saying %q", tc.in, err, tc.reason)
		}
		if len(err.Error()) > 120 {
			t.Errorf("ParseTimeout(%q) error echoes too much: %q", tc.in, err)
		}
	}
}

func TestFormatTimeout_RoundTripsThroughParse(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0n"},
		{0, "0n"},
		{1, "1n"},
		{150 * time.Millisecond, "150000u"},
		{99999999, "99999999n"},
		{100000000, "100000u"},
		{time.Hour, "3600000m"},
		{1<<63 - 1, "2562047H"},
	} {
		got := ctxtree.FormatTimeout(tc.d)
		if got != tc.want {
			t.Errorf("FormatTimeout(%v) = %q, want %q", tc.d, got, tc.want)
		}
		back, err := ctxtree.ParseTimeout(got)
		if err != nil || back > max(tc.d, 0) {
			t.Errorf("ParseTimeout(FormatTimeout(%v)) = %v, %v; want at most %v", tc.d, back, err, tc.d)
		}
	}
}

// FuzzParseTimeout checks that no input panics, that every accepted value
// has the grammar's shape, and that formatting an accepted value and parsing
// it again never grows it and loses less than one unit of the format chosen.
func FuzzParseTimeout(f *testing.F) {
	for _, s := range []string{"", "0n", "150m", "1H", "99999999H", "2562047H", "123456789n", "-1S", "5x", "1\x00S", "٣S"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ctxtree.ParseTimeout(s)
		if err != nil {
			if d != 0 || !errors.Is(err, ctxtree.ErrInvalidTimeout) {
				t.Fatalf("ParseTimeout(%q) = %v, %v", s, d, err)
			}
			return
		}
		if d < 0 || len(s) < 2 || len(s) > 9 || !strings.Contains("HMSmun", s[len(s)-1:]) {
			t.Fatalf("ParseTimeout accepted %q as %v", s, d)
		}
		for _, c := range s[:len(s)-1] {
			if c < '0' || c > '9' {
				t.Fatalf("ParseTimeout accepted %q with non-digit %q", s, c)
			}
		}
		f := ctxtree.FormatTimeout(d)
		back, err := ctxtree.ParseTimeout(f)
		if err != nil || back > d || len(f) > 9 {
			t.Fatalf("FormatTimeout(%v) = %q, parsed back as %v, %v", d, f, back, err)
		}
		if d-back >= time.Hour || (strings.HasSuffix(f, "n") && back != d) {
			t.Fatalf("FormatTimeout(%v) = %q lost %v", d, f, d-back)
		}
	})
}

func TestMiddleware_RootsTreeWithHeaderBudget(t *testing.T) {
	var got struct {
		name   string
		budget time.Duration
		has    bool
	}
	h := ctxtree.Middleware("api", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := ctxtree.From(r.Context())
		if n == nil {
			http.Error(w, "no node", 500)
			return
		}
		s := n.Snapshot()
		got.name, got.budget = s.Name, s.Budget
		_, got.has = r.Context().Deadline()
	}))

	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set(ctxtree.Header, "250m")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || got.name != "api" || got.budget != 250*time.Millisecond || !got.has {
		t.Errorf("with header: code %d, node %q budget %v deadline %v", rec.Code, got.name, got.budget, got.has)
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 200 || got.budget != 0 || got.has {
		t.Errorf("without header: code %d, budget %v deadline %v", rec.Code, got.budget, got.has)
	}
}

func TestMiddleware_SpentBudgetStartsDone(t *testing.T) {
	var cause error
	h := ctxtree.Middleware("api", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		cause = context.Cause(r.Context())
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set(ctxtree.Header, "0n")
	h.ServeHTTP(httptest.NewRecorder(), req)
	var de *ctxtree.DeadlineError
	if !errors.As(cause, &de) || de.Node().Name() != "api" {
		t.Errorf("cause %v, want api's DeadlineError", cause)
	}
}

func TestMiddleware_RejectsBadHeaderWith400(t *testing.T) {
	called := false
	h := ctxtree.Middleware("api", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	for _, vals := range [][]string{{"-1S"}, {strings.Repeat("1", 100) + "m"}, {"10q"}, {""}, {"1S", "2S"}} {
		req := httptest.NewRequest("GET", "/", nil)
		for _, v := range vals {
			req.Header.Add(ctxtree.Header, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "ctxtree: invalid timeout") {
			t.Errorf("header %q: code %d body %q", vals, rec.Code, rec.Body)
		}
	}
	if called {
		t.Errorf("next handler ran for a rejected request")
	}
}

// recordingRT records the requests it is given.
type recordingRT struct{ reqs []*http.Request }

func (rt *recordingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.reqs = append(rt.reqs, r)
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
}

func TestTransport_WritesRemainingBudget(t *testing.T) {
	rec := &recordingRT{}
	tr := ctxtree.Transport(rec)
	n := ctxtree.New(context.Background(), "caller", time.Hour)
	defer n.Cancel(nil)

	req, _ := http.NewRequestWithContext(n.Context(), "GET", "http://example.invalid/", nil)
	req.Header.Set(ctxtree.Header, "99H")
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sent, err := ctxtree.ParseTimeout(rec.reqs[0].Header.Get(ctxtree.Header))
	if err != nil || sent <= 0 || sent > time.Hour {
		t.Errorf("sent budget %v (%v), want in (0, 1h]", sent, err)
	}
	if req.Header.Get(ctxtree.Header) != "99H" {
		t.Errorf("Transport modified the caller's request header")
	}

	plain, _ := http.NewRequest("GET", "http://example.invalid/", nil)
	resp, err = tr.RoundTrip(plain)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if rec.reqs[1] != plain || plain.Header.Get(ctxtree.Header) != "" {
		t.Errorf("request without deadline was changed")
	}
}

// closeRecorder is a request body that records whether it was closed.
type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestTransport_SpentBudgetIsNotSent(t *testing.T) {
	rec := &recordingRT{}
	n := ctxtree.New(context.Background(), "caller", time.Millisecond)
	defer n.Cancel(nil)
	<-n.Context().Done()
	body := &closeRecorder{Reader: strings.NewReader("x")}
	req, _ := http.NewRequestWithContext(n.Context(), "POST", "http://example.invalid/", body)
	_, err := ctxtree.Transport(rec).RoundTrip(req)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), `"caller" exceeded`) {
		t.Errorf("err = %v, want the caller's deadline cause", err)
	}
	if len(rec.reqs) != 0 || !body.closed {
		t.Errorf("sent %d requests, body closed %v", len(rec.reqs), body.closed)
	}
}

// TestEndToEnd_BudgetShrinksPerHopAndDeepestDeadlineNamesIt chains three real
// HTTP servers. Each hop gives half of what it has left to the next through
// the header, so the budget each hop receives shrinks, and the last hop, which
// gives its own work a quarter of what it received, runs out first: the cause
// names it.
func TestEndToEnd_BudgetShrinksPerHopAndDeepestDeadlineNamesIt(t *testing.T) {
	base := &http.Transport{}
	defer base.CloseIdleConnections()
	client := &http.Client{Transport: ctxtree.Transport(base)}

	var mu sync.Mutex // the race detector sees no ordering through sockets
	received := make([]time.Duration, 4)
	var deepest error

	hop := func(i int, next string) http.Handler {
		return ctxtree.Middleware(fmt.Sprintf("hop%d", i), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			received[i] = ctxtree.From(r.Context()).Snapshot().Budget
			mu.Unlock()
			if next == "" {
				// The deepest hop gives its own work a quarter of its budget, so
				// that deadline fires while every caller still waits.
				query := ctxtree.From(r.Context()).ChildFraction("query", 0.25)
				defer query.Cancel(nil)
				<-query.Context().Done()
				cause := context.Cause(query.Context())
				mu.Lock()
				deepest = cause
				mu.Unlock()
				http.Error(w, cause.Error(), http.StatusGatewayTimeout)
				return
			}
			call := ctxtree.From(r.Context()).ChildFraction("call", 0.5)
			defer call.Cancel(nil)
			req, _ := http.NewRequestWithContext(call.Context(), "GET", next, nil)
			resp, err := client.Do(req)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			w.WriteHeader(resp.StatusCode)
			w.Write(b)
		}))
	}
	s3 := httptest.NewServer(hop(3, ""))
	defer s3.Close()
	s2 := httptest.NewServer(hop(2, s3.URL))
	defer s2.Close()
	s1 := httptest.NewServer(hop(1, s2.URL))
	defer s1.Close()

	req, _ := http.NewRequest("GET", s1.URL, nil)
	req.Header.Set(ctxtree.Header, ctxtree.FormatTimeout(2*time.Second))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	mu.Lock()
	defer mu.Unlock()

	if resp.StatusCode != http.StatusGatewayTimeout {
		t.Errorf("status %d body %q, want 504 from the deepest hop", resp.StatusCode, body)
	}
	if received[1] != 2*time.Second || !(received[2] < received[1]/2+1) || !(received[3] < received[2]/2+1) || received[3] <= 0 {
		t.Errorf("budgets received per hop %v, want each at most half the previous", received[1:])
	}
	var de *ctxtree.DeadlineError
	if !errors.As(deepest, &de) || de.Node().Path() != "hop3/query" || !errors.Is(deepest, context.DeadlineExceeded) {
		t.Fatalf("deepest hop's cause %v, want hop3/query's DeadlineError", deepest)
	}
	if !strings.Contains(string(body), `ctxtree: "hop3/query" exceeded its`) {
		t.Errorf("response body %q does not name hop3", body)
	}
}

package steal_test

import (
	"testing"

	"github.com/gmpkit/gmpkit/steal"
)

func TestPolicyString(t *testing.T) {
	for _, tc := range []struct {
		p    steal.Policy
		want string
	}{
		{steal.LIFO, "LIFO"},
		{steal.FIFO, "FIFO"},
		{steal.Policy(7), "Policy(7)"},
		{steal.Policy(255), "Policy(255)"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("Policy(%d).String() = %q, want %q", uint8(tc.p), got, tc.want)
		}
	}
}

package runtimemetrics_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gmpkit/gmpkit/runtimemetrics"
)

func TestMisuse_PanicsNameTheFunctionAndTheValue(t *testing.T) {
	for _, tc := range []struct {
		call string // expected message prefix after "runtimemetrics: "
		want string // a substring naming the bad value
		f    func()
	}{
		{"PowersOf", "base 1", func() { runtimemetrics.PowersOf(1, 1, 10) }},
		{"PowersOf", "lo 0", func() { runtimemetrics.PowersOf(10, 0, 10) }},
		{"PowersOf", "MaxLayoutBounds", func() { runtimemetrics.PowersOf(1.0000001, 1e-300, 1e300) }},
		{"FactorBuckets", "factor 0.5", func() { runtimemetrics.FactorBuckets(1, 0.5, 10) }},
		{"FactorBuckets", "hi +Inf", func() { runtimemetrics.FactorBuckets(1, 2, math.Inf(1)) }},
		{"ExplicitBuckets", "0 bounds", func() { runtimemetrics.ExplicitBuckets() }},
		{"ExplicitBuckets", "bound 1 at index 1", func() { runtimemetrics.ExplicitBuckets(2, 1) }},
		{"ExplicitBuckets", "NaN", func() { runtimemetrics.ExplicitBuckets(math.NaN()) }},
		{"WithBuckets", `unit ""`, func() { runtimemetrics.WithBuckets("", runtimemetrics.RuntimeBuckets()) }},
		{"WithBuckets", "zero BucketLayout", func() { runtimemetrics.WithBuckets("seconds", runtimemetrics.BucketLayout{}) }},
		{"WithNamespace", `"my-app"`, func() { runtimemetrics.WithNamespace("my-app") }},
		{"WithMaxSeries", "bound 0", func() { runtimemetrics.WithMaxSeries(0) }},
		{"WithPresets", "preset 200", func() { runtimemetrics.WithPresets(runtimemetrics.Preset(200)) }},
		{"WithAllow", "nil", func() { runtimemetrics.WithAllow(nil) }},
		{"WithDeny", "nil", func() { runtimemetrics.WithDeny(nil) }},
		{"WithPoolNamespace", `""`, func() { runtimemetrics.WithPoolNamespace("") }},
		{"PublishExpvar", "empty", func() { runtimemetrics.NewSampler().PublishExpvar("") }},
		{"Quantile", "q 1.5", func() {
			var sn runtimemetrics.Snapshot
			sn.Quantile("/sched/latencies:seconds", 1.5, nil)
		}},
	} {
		t.Run(tc.call, func(t *testing.T) {
			defer func() {
				msg := fmt.Sprint(recover())
				if !strings.HasPrefix(msg, "runtimemetrics: "+tc.call) || !strings.Contains(msg, tc.want) {
					t.Errorf("panic %q; want it to start with %q and name %q", msg, "runtimemetrics: "+tc.call, tc.want)
				}
			}()
			tc.f()
		})
	}
}

func TestPreset_StringAndPrefix(t *testing.T) {
	if runtimemetrics.Scheduler.String() != "Scheduler" || runtimemetrics.Scheduler.Prefix() != "/sched/" {
		t.Errorf("Scheduler: %q %q", runtimemetrics.Scheduler, runtimemetrics.Scheduler.Prefix())
	}
	if s, p := runtimemetrics.Preset(99).String(), runtimemetrics.Preset(99).Prefix(); s != "Preset(99)" || p != "" {
		t.Errorf("unknown preset: %q %q", s, p)
	}
}

func TestBucketLayout_GeneratedBounds(t *testing.T) {
	for _, tc := range []struct {
		l    runtimemetrics.BucketLayout
		want string
	}{
		{runtimemetrics.PowersOf(10, 1e-3, 1), "bounds[0.001 ... 1] (4)"},
		{runtimemetrics.FactorBuckets(1, 3, 9), "bounds[1 3 9]"},
		{runtimemetrics.ExplicitBuckets(0.5, 2), "bounds[0.5 2]"},
		{runtimemetrics.RuntimeBuckets(), "runtime"},
		{runtimemetrics.BucketLayout{}, "invalid"},
	} {
		if got := tc.l.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

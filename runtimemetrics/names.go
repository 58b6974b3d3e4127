package runtimemetrics

import (
	"regexp"
	"runtime/metrics"
	"strings"
)

// metricType is how a runtime metric is exported.
type metricType uint8

const (
	typeGauge metricType = iota
	typeCounter
	typeHistogram
)

func (t metricType) String() string {
	switch t {
	case typeCounter:
		return "counter"
	case typeHistogram:
		return "histogram"
	}
	return "gauge"
}

var validNameRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)

// promName spells the Prometheus name of a runtime metric: the namespace,
// then the path with '/' and '-' as '_', then the unit ('-' and '*' as '_',
// '/' as "_per_"), then "_total" for counters. With namespace "go" this is
// exactly client_golang's spelling, so dashboards written for its Go
// collector need only the prefix changed. It returns the unit too, and ok
// false when no valid name comes out.
func promName(namespace, runtimeName string, typ metricType) (name, unit string, ok bool) {
	key, unit, found := strings.Cut(runtimeName, ":")
	if !found || !strings.HasPrefix(key, "/") || len(key) < 2 || unit == "" {
		return "", unit, false
	}
	var b strings.Builder
	if namespace != "" {
		b.WriteString(namespace)
		b.WriteByte('_')
	}
	b.WriteString(strings.NewReplacer("/", "_", "-", "_").Replace(key[1:]))
	b.WriteByte('_')
	b.WriteString(strings.NewReplacer("-", "_", "*", "_", "/", "_per_").Replace(unit))
	if typ == typeCounter {
		b.WriteString("_total")
	}
	name = b.String()
	return name, unit, validNameRE.MatchString(name)
}

// typeOf says how a runtime metric is exported: histograms as histograms,
// cumulative scalars as counters, everything else as gauges. ok is false for
// kinds this package does not know (a future runtime may add some).
func typeOf(d *metrics.Description) (t metricType, ok bool) {
	switch d.Kind {
	case metrics.KindFloat64Histogram:
		return typeHistogram, true
	case metrics.KindUint64, metrics.KindFloat64:
		if d.Cumulative {
			return typeCounter, true
		}
		return typeGauge, true
	}
	return 0, false
}

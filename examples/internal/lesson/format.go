package lesson

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Dur formats d rounded to three significant digits: 19.18ms is "19.2ms",
// 67.108864ms "67.1ms", 320ns "320ns".
func Dur(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	abs := d
	if abs < 0 {
		abs = -abs
	}
	unit := time.Duration(math.Pow(10, math.Floor(math.Log10(float64(abs)))-2))
	return d.Round(max(unit, 1)).String()
}

// Count formats n with at most three significant digits and a k or M
// suffix beyond 9999: 24384 is "24.4k".
func Count[N ~int | ~int64 | ~uint64](n N) string {
	f := float64(n)
	switch a := math.Abs(f); {
	case a < 10_000:
		return fmt.Sprint(n)
	case a < 999_500:
		return fmt.Sprintf("%.3gk", f/1e3)
	default:
		return fmt.Sprintf("%.3gM", f/1e6)
	}
}

// A Sample is a set of measured durations.
type Sample []time.Duration

// Quantile returns the q-quantile of s by nearest rank, or 0 if s is empty.
func (s Sample) Quantile(q float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	sorted := slices.Clone(s)
	slices.Sort(sorted)
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// Percentiles formats the p50 and p90 of s with the number of samples:
// "p50 19.0ms  p90 20.8ms  (n=21)". The p99 of a small sample is its
// largest value, so it is shown only from 100 samples on.
func (s Sample) Percentiles() string {
	if len(s) == 0 {
		return "no samples"
	}
	out := fmt.Sprintf("p50 %s  p90 %s", Dur(s.Quantile(0.5)), Dur(s.Quantile(0.9)))
	if len(s) >= 100 {
		out += "  p99 " + Dur(s.Quantile(0.99))
	}
	return fmt.Sprintf("%s  (n=%d)", out, len(s))
}

// A Table writes aligned columns.
type Table struct{ tw *tabwriter.Writer }

// NewTable starts a table on w with the given header.
func NewTable(w io.Writer, header ...string) *Table {
	t := &Table{tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	t.Row(toAny(header)...)
	return t
}

// Row adds a row; each cell is formatted with fmt.Sprint.
func (t *Table) Row(cells ...any) {
	s := make([]string, len(cells))
	for i, c := range cells {
		s[i] = fmt.Sprint(c)
	}
	fmt.Fprintf(t.tw, "  %s\t\n", strings.Join(s, "\t"))
}

// Flush writes the table out.
func (t *Table) Flush() error { return t.tw.Flush() }

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

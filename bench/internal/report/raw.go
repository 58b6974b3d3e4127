package report

import (
	"fmt"
	"io"
	"strconv"

	"github.com/gmpkit/gmpkit/bench/internal/study"
)

// WriteRaw writes the report's samples in the Go benchmark format, one line
// per sample, so that benchstat reads it: benchstat raw.txt, or
// benchstat -col /impl raw.txt for one column per implementation. Probes
// that deadlocked have no timing and appear only as comments.
func WriteRaw(out io.Writer, rep *study.Report) error {
	m := rep.Machine
	fmt.Fprintf(out, "goos: %s\ngoarch: %s\npkg: github.com/gmpkit/gmpkit/bench\ncpu: %s\n", m.GOOS, m.GOARCH, m.CPU)
	fmt.Fprintf(out, "mode: %s\nbenchtime: %s\n", rep.Mode, rep.Benchtime)
	suffix := ""
	if m.GOMAXPROCS > 1 {
		suffix = "-" + strconv.Itoa(m.GOMAXPROCS)
	}
	for _, r := range rep.Results {
		if r.Outcome != study.OutcomeOK {
			fmt.Fprintf(out, "# Benchmark%s%s: %s: %s\n", r.Name, suffix, r.Outcome, r.Detail)
			continue
		}
		units := r.Units()
		for _, s := range r.Samples {
			fmt.Fprintf(out, "Benchmark%s%s\t%8d", r.Name, suffix, s.N)
			for _, u := range units {
				v, ok := s.Metrics[u]
				if !ok {
					continue
				}
				fmt.Fprintf(out, "\t%s %s", formatValue(v), u)
			}
			fmt.Fprintln(out)
		}
	}
	_, err := fmt.Fprintln(out, "PASS")
	return err
}

// formatValue prints v as testing does: enough digits, no exponent.
func formatValue(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 100 || v <= -100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 1 || v <= -1:
		return strconv.FormatFloat(v, 'f', 3, 64)
	default:
		return strconv.FormatFloat(v, 'f', 5, 64)
	}
}

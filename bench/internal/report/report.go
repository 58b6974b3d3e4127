package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gmpkit/gmpkit/bench/internal/study"
)

// CheckWritable makes dir (and its parents) and proves that a file can be
// created in it, so that a study never runs for minutes only to fail at
// the end.
func CheckWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create report folder: %w", err)
	}
	f, err := os.CreateTemp(dir, ".gmpkit-write-check-*")
	if err != nil {
		return fmt.Errorf("cannot write in report folder: %w", err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// Write writes the whole report folder and returns the paths it wrote.
func Write(dir string, rep *study.Report) ([]string, error) {
	if err := CheckWritable(dir); err != nil {
		return nil, err
	}
	charts, err := Charts(rep)
	if err != nil {
		return nil, err
	}
	var written []string
	put := func(name string, data []byte) error {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
		written = append(written, p)
		return nil
	}
	for _, c := range charts {
		if err := put(c.File, c.SVG); err != nil {
			return written, err
		}
	}
	var raw bytes.Buffer
	if err := WriteRaw(&raw, rep); err != nil {
		return written, err
	}
	if err := put("raw.txt", raw.Bytes()); err != nil {
		return written, err
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return written, err
	}
	if err := put("results.json", append(js, '\n')); err != nil {
		return written, err
	}
	var page bytes.Buffer
	if err := WriteHTML(&page, rep, charts); err != nil {
		return written, err
	}
	if err := put("index.html", page.Bytes()); err != nil {
		return written, err
	}
	return written, nil
}

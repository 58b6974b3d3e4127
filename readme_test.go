package gmpkit_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeImports are the packages a README sample may use without
// importing them: the sample's body goes into func main, with the imports
// whose name it uses.
var readmeImports = map[string]string{
	"context":        "context",
	"errors":         "errors",
	"fmt":            "fmt",
	"http":           "net/http",
	"log":            "log",
	"time":           "time",
	"prometheus":     "github.com/prometheus/client_golang/prometheus",
	"promhttp":       "github.com/prometheus/client_golang/prometheus/promhttp",
	"safechan":       "github.com/gmpkit/gmpkit/safechan",
	"steal":          "github.com/gmpkit/gmpkit/steal",
	"workpool":       "github.com/gmpkit/gmpkit/workpool",
	"ctxtree":        "github.com/gmpkit/gmpkit/ctxtree",
	"mutexbench":     "github.com/gmpkit/gmpkit/mutexbench",
	"runtimemetrics": "github.com/gmpkit/gmpkit/runtimemetrics",
}

// readmeBlocks returns the Go code blocks of README.md.
func readmeBlocks(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)```go\n(.*?)```")
	var blocks []string
	for _, m := range re.FindAllStringSubmatch(string(data), -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// readmeProgram makes a program of a README sample: a whole file as it is,
// or a body wrapped in func main with the imports it uses.
func readmeProgram(block string) string {
	if strings.HasPrefix(block, "package ") {
		return block
	}
	var imports []string
	for name, path := range readmeImports {
		if regexp.MustCompile(`\b` + name + `\.`).MatchString(block) {
			imports = append(imports, fmt.Sprintf("%q", path))
		}
	}
	return "package main\n\nimport (\n\t" + strings.Join(imports, "\n\t") + "\n)\n\nfunc main() {\n" + block + "}\n"
}

// TestReadme_GoSamplesCompile builds every Go sample of README.md against
// the packages as they are, so that the README cannot drift from the API.
func TestReadme_GoSamplesCompile(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	blocks := readmeBlocks(t)
	if len(blocks) < 7 {
		t.Fatalf("found %d Go samples in README.md, want one per package at least", len(blocks))
	}
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	overlay := map[string]string{}
	var pkgs []string
	for i, b := range blocks {
		src := filepath.Join(dir, fmt.Sprintf("sample%d.go", i+1))
		if err := os.WriteFile(src, []byte(readmeProgram(b)), 0o644); err != nil {
			t.Fatal(err)
		}
		pkg := fmt.Sprintf("./internal/readmesample%d", i+1) // virtual: exists only in the overlay
		overlay[filepath.Join(root, pkg, "main.go")] = src
		pkgs = append(pkgs, pkg)
	}
	ov, err := json.Marshal(map[string]any{"Replace": overlay})
	if err != nil {
		t.Fatal(err)
	}
	ovFile := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(ovFile, ov, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goTool, append([]string{"build", "-overlay", ovFile}, pkgs...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("README samples do not compile (sampleN is the Nth Go block):\n%s", out)
	}
}

// Command deductions is the tester's tool for deduction and payment figures (扣款与支付
// 测算核对): it runs every scenario file in a folder and prints pass or fail per scenario
// with the differences from the expected figures.
//
// Usage:
//
//	go run ./examples/deductions [dir]
//
// dir defaults to examples/deductions/scenarios. Every *.yaml, *.yml and *.json file in
// it is a scenario: a programme (the preset "nanchang2025", optionally with its
// acceptance and payment rules overridden), a contract with its dates and documents,
// findings (a requirement and a child key), and the expected deductions and payments.
// Amounts are quoted decimal strings ("249999.99"), dates YYYY-MM-DD. Decoding is strict:
// an unknown or misspelt field fails the scenario, naming the field. See the shipped
// scenarios for every field.
//
// The exit status is 0 when every scenario passes, 1 when any fails (or cannot be read),
// and 2 on a usage error (no such folder, no scenario in it).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("deductions", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: deductions [dir]   (default examples/deductions/scenarios)")
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	dir := filepath.Join("examples", "deductions", "scenarios")
	switch fs.NArg() {
	case 0:
	case 1:
		dir = fs.Arg(0)
	default:
		fs.Usage()
		return 2
	}
	files, err := scenarioFiles(dir)
	if err != nil {
		fmt.Fprintln(stderr, "deductions:", err)
		return 2
	}
	if len(files) == 0 {
		fmt.Fprintf(stderr, "deductions: no scenario files (*.yaml, *.yml, *.json) in %s\n", dir)
		return 2
	}
	failed := 0
	for _, f := range files {
		name, diffs := runFile(f)
		status := "PASS"
		if len(diffs) > 0 {
			status = "FAIL"
			failed++
		}
		fmt.Fprintf(stdout, "%s  %s  %s\n", status, filepath.Base(f), name)
		for _, d := range diffs {
			fmt.Fprintf(stdout, "      %s\n", d)
		}
	}
	fmt.Fprintf(stdout, "%d scenarios: %d passed, %d failed\n", len(files), len(files)-failed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}

func scenarioFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.Type().IsRegular() && (ext == ".yaml" || ext == ".yml" || ext == ".json") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	slices.Sort(out)
	return out, nil
}

// runFile decodes and checks one scenario file, returning its name and differences.
func runFile(path string) (string, []string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", []string{err.Error()}
	}
	s, err := DecodeScenario(data)
	if err != nil {
		return "", []string{"decode: " + err.Error()}
	}
	return s.Name, s.Check()
}

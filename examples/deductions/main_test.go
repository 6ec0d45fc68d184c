package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShippedScenariosPass(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"scenarios"}, &out, &errOut)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	assert.NotContains(t, out.String(), "FAIL")
	files, err := scenarioFiles("scenarios")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(files), 10)
	assert.Contains(t, out.String(), "0 failed")
}

func TestDefaultDir(t *testing.T) {
	t.Chdir(filepath.Join("..", ".."))
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run(nil, &out, &errOut), errOut.String())
}

func TestBrokenScenariosFail(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{filepath.Join("testdata", "broken")}, &out, &errOut)
	require.Equal(t, 1, code)
	got := out.String()
	for _, want := range []string{
		"FAIL  wrong-amount.yaml",
		"deductions.total: want 1000.00, got 500.00",
		"payments.first.due: want 2025-10-10, got 2025-10-16",
		"payments.second.amount: want 175000.00, got 174500.00",
		"FAIL  unknown-field.yaml",
		`unknown field "efective"`,
		"FAIL  unquoted-amount.yaml",
		"quoted decimal string",
		"FAIL  unknown-requirement.json",
		"AC-9",
		"4 scenarios: 0 passed, 4 failed",
	} {
		assert.Contains(t, got, want)
	}
}

func TestUsageErrors(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, 2, run([]string{filepath.Join("testdata", "missing")}, &out, &errOut))
	assert.Equal(t, 2, run([]string{t.TempDir()}, &out, &errOut))
	assert.Equal(t, 2, run([]string{"a", "b"}, &out, &errOut))
	assert.Equal(t, 2, run([]string{"-x"}, &out, &errOut))
}

func TestDecodeScenarioErrors(t *testing.T) {
	for in, want := range map[string]string{
		`{"name":"x","contract":{"amount":1}}`:               "quoted decimal",
		`{"name":"x","contract":{"amount":"abc"}}`:           "bad decimal",
		`{"name":"x","contract":{"effective":"2025-02-30"}}`: "YYYY-MM-DD",
		`{"contract":{}}`:                         `"name"`,
		`{"name":"x","findings":[{"child":"a"}]}`: "findings[0].requirement",
		`{"name":"x","findings":[{"requirement":"AC-2","child":"a","children":["b"]}]}`: "not both",
		`{"name":"x","contract":{"documents":{"photos":"2025-01-01"}}}`:                 "contract.documents.photos",
		`{"name":"x","expect":{"payments":[{"name":"a","amount":"1","due":"x"}]}}`:      "YYYY-MM-DD",
		`{"name":"x"} {}`: "trailing",
		"name: [":         "yaml",
		`{"name":"x","contract":{"paid":[{"part":"first","amount":"1","on":"2025-01-01"}]}}`: `unknown field "on"`,
	} {
		_, err := DecodeScenario([]byte(in))
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
	}
	s, err := DecodeScenario([]byte(`{"name":"x","programme":{"preset":"beijing"},"contract":{"amount":"1"}}`))
	require.NoError(t, err)
	diffs := s.Check()
	require.Len(t, diffs, 1)
	assert.Contains(t, diffs[0], "programme.preset")
}

func FuzzDecodeScenario(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("scenarios", "*"))
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"name":"x"}`))
	f.Add([]byte("name: x\ncontract: {amount: \"1\"}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeScenario(data)
		if err != nil {
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("empty error")
			}
			return
		}
		if s.Name == "" {
			t.Fatal("decoded a scenario without a name")
		}
		_ = s.Check() // must not panic
	})
}
